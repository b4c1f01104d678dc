/*
 * Time for scheduling: the TSC, at the rate the host measured.  A lying
 * host can only make sleeps and timeouts early or late, never corrupt
 * state, so this clock is used for nothing else.  Sleeping threads wait in
 * one sorted list; every ethread's scheduler loop fires what is due.
 */
#include <errno.h>
#include <time.h>
#include <sys/syscall.h>
#include "sched.h"

static struct {
	volatile int lock;
	struct rt_thread *head;
} T;

static void lock(void)
{
	while (__atomic_exchange_n(&T.lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&T.lock, 0, __ATOMIC_RELEASE);
}

uint64_t rt_ns_to_tsc(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * rt.boot.tsc_khz / 1000000);
}

uint64_t rt_tsc_to_ns(uint64_t tsc)
{
	return (uint64_t)((unsigned __int128)tsc * 1000000 / rt.boot.tsc_khz);
}

void rt_timer_add(struct rt_thread *t, uint64_t deadline)
{
	t->deadline = deadline;
	lock();
	struct rt_thread **p = &T.head;
	while (*p && (*p)->deadline <= deadline)
		p = &(*p)->tnext;
	t->tnext = *p;
	*p = t;
	t->on_timers = 1;
	unlock();
}

int rt_timers_armed(void)
{
	return RT_READ_ONCE(T.head) != 0;
}

void rt_timer_remove(struct rt_thread *t)
{
	if (!RT_READ_ONCE(t->on_timers))
		return;
	lock();
	for (struct rt_thread **p = &T.head; *p; p = &(*p)->tnext)
		if (*p == t) {
			*p = t->tnext;
			break;
		}
	t->on_timers = 0;
	unlock();
}

uint64_t rt_timers_run(void)
{
	struct rt_thread *head = RT_READ_ONCE(T.head);
	if (!head)
		return 0;
	uint64_t now = rt_tsc();
	if (head->deadline > now)
		return head->deadline;
	int woke = 0;
	lock();
	while (T.head && T.head->deadline <= now) {
		struct rt_thread *t = T.head;
		T.head = t->tnext;
		t->on_timers = 0;
		woke |= rt_wake(t, W_TIMEOUT);
	}
	uint64_t next = T.head ? T.head->deadline : 0;
	unlock();
	if (woke)
		rt_kick();
	return next;
}

long rt_sleep_until(uint64_t deadline)
{
	struct rt_thread *t = rt_cur();
	t->state = T_WAITING;
	t->interruptible = 1;
	rt_timer_add(t, deadline);
	rt_park();
	t->interruptible = 0;
	rt_timer_remove(t);
	return t->wake_reason == W_SIGNAL ? -EINTR : 0;
}

static int valid_ts(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	if ((uint64_t)ts->tv_sec > 1000000000ull * 3600)
		return ~0ull >> 2; /* far future */
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* The target, in ns on clock clk, of a relative or absolute timespec. */
long rt_timeout_target(long tsp, int absolute, int clk, uint64_t *target)
{
	if (!rt_inside((uintptr_t)tsp, sizeof(struct timespec)))
		return -EFAULT;
	const struct timespec *ts = (const struct timespec *)tsp;
	if (!valid_ts(ts))
		return -EINVAL;
	uint64_t ns = ts_ns(ts);
	if (!absolute) {
		struct timespec now;
		long r = rt_clock_gettime(clk, (long)&now);
		if (r < 0)
			return r;
		ns += ts_ns(&now);
	}
	*target = ns;
	return 0;
}

/* A TSC deadline for clock clk to reach target, or 0 if it has.  The TSC
 * rate is an estimate: a wait that ends by the TSC asks again, so that no
 * timeout ends early by the clock the application measures with. */
long rt_timeout_deadline(int clk, uint64_t target, uint64_t *deadline)
{
	struct timespec now;
	long r = rt_clock_gettime(clk, (long)&now);
	if (r < 0)
		return r;
	uint64_t n = ts_ns(&now);
	*deadline = n >= target ? 0 : rt_tsc() + rt_ns_to_tsc(target - n);
	return 0;
}

long rt_timespec_deadline(long tsp, int absolute, int clk, uint64_t *deadline)
{
	uint64_t target;
	long r = rt_timeout_target(tsp, absolute, clk, &target);
	if (r < 0)
		return r;
	r = rt_timeout_deadline(clk, target, deadline);
	if (r == 0 && !*deadline)
		*deadline = rt_tsc(); /* due now */
	return r;
}

/* Sleep until clock clk reads target_ns (see rt_timeout_deadline). */
static long sleep_on_clock(int clk, uint64_t target_ns, uint64_t *left)
{
	for (;;) {
		uint64_t deadline;
		long r = rt_timeout_deadline(clk, target_ns, &deadline);
		if (r < 0)
			return r;
		if (!deadline)
			return 0;
		r = rt_sleep_until(deadline);
		if (r == -EINTR) {
			struct timespec now;
			if (left && rt_clock_gettime(clk, (long)&now) == 0)
				*left = ts_ns(&now) < target_ns ? target_ns - ts_ns(&now) : 0;
			return r;
		}
	}
}

static void remaining(long rem, uint64_t ns)
{
	if (!rem || !rt_inside((uintptr_t)rem, sizeof(struct timespec)))
		return;
	struct timespec *r = (struct timespec *)rem;
	r->tv_sec = (time_t)(ns / 1000000000ull);
	r->tv_nsec = (long)(ns % 1000000000ull);
}

long rt_sys_clock_nanosleep(long clk, long flags, long req, long rem)
{
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
		return -EINVAL;
	uint64_t target, left = 0;
	int abs = (flags & TIMER_ABSTIME) != 0;
	long r = rt_timeout_target(req, abs, (int)clk, &target);
	if (r < 0)
		return r;
	r = sleep_on_clock((int)clk, target, &left);
	if (r == -EINTR && !abs)
		remaining(rem, left);
	return r;
}

long rt_sys_nanosleep(long req, long rem)
{
	return rt_sys_clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
}
