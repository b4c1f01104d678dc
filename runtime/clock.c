/*
 * Clock reads inside the enclave.  Natively clock_gettime costs ~20 ns
 * through the vDSO; forwarded it costs an exit or a queue round trip, and
 * servers read the clock around every request (Redis twice per command).
 * So, like the vDSO, each clock is extrapolated from the TSC: a forwarded
 * reading (the base) plus the TSC ticks since, converted at a rate learnt
 * from successive bases.  A base older than RESYNC_NS is refreshed by one
 * forwarded call, which also passes the usual checks on host clocks
 * (forward.c: in range, monotonic clocks never going back).  A reading is
 * placed in the middle of the TSC window around its call, so a refresh
 * keeps the narrowest of up to three and keeps the old base over a loose
 * one (a preempted call would put the clock off by half its length).
 *
 * Readings of one clock never go backwards across a refresh: a small step
 * back (the extrapolation ran ahead) holds the clock still until it
 * catches up.  CLOCK_REALTIME may still jump by more, as when the host's
 * time is set.  The host controls both the base and (under a hypervisor)
 * the TSC, so these readings are no more trustworthy than a forwarded
 * one: time used for security decisions must not come from here.
 */
#include <errno.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include "sched.h"

#define RESYNC_NS 200000000ull  /* refresh a base after 0.2 s */
#define STEP_BACK_NS 10000000ll /* hold the clock rather than step back less than this */
#define RATE_SHIFT 32
/* A host reading is placed at the middle of the TSC window around its
 * call, so it is off by up to half that window.  A call normally takes a
 * microsecond; one whose thread lost its CPU meanwhile takes milliseconds
 * on a loaded machine, and a base from it would put this clock
 * milliseconds off the others. */
#define NARROW_NS 20000ull      /* a reading this precise needs no retry */
#define WIDE_NS 200000ull       /* keep the old base over a reading this loose */
#define READ_TRIES 3
#define RETRY_NS 1000000ull     /* after a loose reading, try again this much later */

struct clk {
	volatile uint32_t seq;    /* odd while a refresh writes */
	volatile int refreshing;
	uint64_t tsc0;            /* TSC at the base */
	int64_t ns0;              /* the host's reading at tsc0 */
	uint64_t rate;            /* ns per tick, fixed point (RATE_SHIFT) */
	int64_t last;             /* latest value returned */
	uint64_t prev_tsc;        /* the base before, for the rate */
	int64_t prev_ns;
	uint64_t retry_tsc;       /* no refresh before this TSC (a loose reading) */
};

/* REALTIME, MONOTONIC, MONOTONIC_RAW, REALTIME_COARSE, MONOTONIC_COARSE,
 * BOOTTIME: the clocks with a vDSO fast path on Linux. */
static struct clk clocks[8];

static int served(long id)
{
	return id == CLOCK_REALTIME || id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_RAW ||
	       id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE || id == CLOCK_BOOTTIME;
}

static uint64_t nominal_rate(void)
{
	return ((uint64_t)1000000 << RATE_SHIFT) / rt.boot.tsc_khz;
}

static int64_t extrapolate(uint64_t tsc0, int64_t ns0, uint64_t tsc, uint64_t rate)
{
	return ns0 + (int64_t)(((unsigned __int128)(tsc - tsc0) * rate) >> RATE_SHIFT);
}

/* The host's reading of clock id in ns (checked by rt_forward), the TSC
 * at about the moment it was taken, and the width of the window it was
 * taken in (TSC ticks): the narrowest of up to READ_TRIES readings. */
static long host_reading(long id, int64_t *ns, uint64_t *tsc, uint64_t *window)
{
	uint64_t narrow = rt_ns_to_tsc(NARROW_NS);
	*window = UINT64_MAX;
	for (int k = 0; k < READ_TRIES && *window > narrow; k++) {
		struct timespec ts;
		long a[6] = { id, (long)&ts };
		uint64_t t0 = rt_tsc();
		long r = rt_forward(SYS_clock_gettime, a);
		uint64_t t1 = rt_tsc();
		if (r < 0)
			return r;
		if (t1 - t0 < *window) {
			*window = t1 - t0;
			*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			*tsc = t0 + (t1 - t0) / 2; /* the host read somewhere in between */
		}
	}
	return 0;
}

/* One forwarded reading becomes the new base; returns 1 when it was too
 * loose to replace the one there is (the next refresh is put off). */
static long refresh(long id, struct clk *c)
{
	int64_t ns;
	uint64_t tsc, window;
	long r = host_reading(id, &ns, &tsc, &window);
	if (r < 0)
		return r;
	if (c->rate && window > rt_ns_to_tsc(WIDE_NS)) {
		RT_WRITE_ONCE(c->retry_tsc, rt_tsc() + rt_ns_to_tsc(RETRY_NS));
		return 1;
	}
	uint64_t nominal = nominal_rate(), rate = c->rate ? c->rate : nominal;
	/* Learn the rate over at least RESYNC_NS; a clock that moved more
	 * than 1% off the TSC was set, not drifting: keep the old rate. */
	if (c->prev_tsc && tsc > c->prev_tsc && ns > c->prev_ns) {
		uint64_t dt = tsc - c->prev_tsc;
		uint64_t dn = (uint64_t)(ns - c->prev_ns);
		uint64_t learnt = (uint64_t)(((unsigned __int128)dn << RATE_SHIFT) / dt);
		if (dn >= RESYNC_NS / 2 && learnt > nominal - nominal / 100 &&
		    learnt < nominal + nominal / 100)
			rate = learnt;
	}
	__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!c->prev_tsc || tsc - c->prev_tsc >= rt_ns_to_tsc(RESYNC_NS)) {
		c->prev_tsc = tsc;
		c->prev_ns = ns;
	}
	c->tsc0 = tsc;
	c->ns0 = ns;
	c->rate = rate;
	__atomic_store_n(&c->seq, c->seq + 1, __ATOMIC_RELEASE);
	return 0;
}

/* RESYNC_NS in TSC ticks, computed once: the conversion divides a
 * 128-bit product, too slow for every read of a clock that Redis reads
 * around each command. */
static uint64_t resync_ticks(void)
{
	static uint64_t ticks;
	uint64_t t = RT_READ_ONCE(ticks);
	if (!t)
		RT_WRITE_ONCE(ticks, t = rt_ns_to_tsc(RESYNC_NS));
	return t;
}

/* The clock's value in ns, or -errno. */
static long read_clock(long id, int64_t *out)
{
	struct clk *c = &clocks[id];
	for (;;) {
		uint32_t s = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		if (s & 1) {
			__builtin_ia32_pause();
			continue;
		}
		uint64_t tsc0 = c->tsc0, rate = c->rate;
		int64_t ns0 = c->ns0;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&c->seq, __ATOMIC_RELAXED) != s)
			continue;
		uint64_t now = rt_tsc();
		int64_t v;
		if (!rate || now < tsc0 ||
		    (now - tsc0 >= resync_ticks() && now >= RT_READ_ONCE(c->retry_tsc))) {
			/* One thread refreshes; the others extrapolate from the
			 * old base meanwhile (or, with none yet, ask the host).
			 * A refresh that kept the old base extrapolates too. */
			if (!__atomic_exchange_n(&c->refreshing, 1, __ATOMIC_ACQUIRE)) {
				long r = refresh(id, c);
				__atomic_store_n(&c->refreshing, 0, __ATOMIC_RELEASE);
				if (r < 0)
					return r;
				if (r == 0)
					continue;
			}
		}
		if (rate) {
			v = extrapolate(tsc0, ns0, now, rate);
		} else {
			/* No base yet and another thread is getting the first
			 * (perhaps parked in the host call): ask the host for
			 * this reading, never spin on it. */
			uint64_t unused, window;
			long r = host_reading(id, &v, &unused, &window);
			if (r < 0)
				return r;
		}
		/* Never behind a value already returned, unless the clock was
		 * set back for real. */
		int64_t last = __atomic_load_n(&c->last, __ATOMIC_RELAXED);
		while (v > last && !__atomic_compare_exchange_n(&c->last, &last, v, 1,
								__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		if (v < last && (last - v < STEP_BACK_NS || id != CLOCK_REALTIME))
			v = last;
		*out = v;
		return 0;
	}
}

/* Application threads are switched only when they wait or call out, and
 * timers and completions are collected by ethreads between threads.  A
 * forwarded clock read was such a point; a thread polling the clock (a
 * spin until a deadline) must still let a sleeper whose time has come,
 * or a thread whose host call completed, run. */
static long yield_point(long r)
{
	struct rt_thread *t = rt_cur();
	if (!t || t->syscall_depth != 1) /* the runtime's own read, not the application's */
		return r;
	rt_timers_run();
	if (rt_requests_outstanding())
		rt_poll_completions();
	rt_yield();
	return r;
}

long rt_clock_gettime(long id, long tsp)
{
	if (id < 0 || id >= 8 || !served(id) || !rt.boot.tsc_khz) {
		long a[6] = { id, tsp };
		return rt_forward(SYS_clock_gettime, a);
	}
	if (!rt_inside((uintptr_t)tsp, sizeof(struct timespec)))
		return -EFAULT;
	int64_t ns;
	long r = read_clock(id, &ns);
	if (r < 0)
		return r;
	struct timespec *ts = (struct timespec *)tsp;
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

long rt_sys_clock_gettime(long id, long tsp)
{
	return yield_point(rt_clock_gettime(id, tsp));
}

long rt_sys_gettimeofday(long tvp, long tzp)
{
	if (tzp) { /* the obsolete timezone: the host's answer, as before */
		long a[6] = { tvp, tzp };
		return rt_forward(SYS_gettimeofday, a);
	}
	if (!tvp)
		return 0;
	if (!rt_inside((uintptr_t)tvp, sizeof(struct timeval)))
		return -EFAULT;
	int64_t ns;
	long r = read_clock(CLOCK_REALTIME, &ns);
	if (r < 0)
		return r;
	struct timeval *tv = (struct timeval *)tvp;
	tv->tv_sec = ns / 1000000000;
	tv->tv_usec = (ns % 1000000000) / 1000;
	return yield_point(0);
}
