/*
 * The M:N scheduler.  One global run queue under a spinlock; each ethread
 * runs rt_sched_loop on its runtime stack, taking runnable threads,
 * collecting completed host calls, firing timers and delivering host
 * signals.  With nothing to do it polls a while, then sleeps outside the
 * enclave until a completion, a signal or its next timer.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "sched.h"

static struct {
	volatile int lock;
	struct rt_thread *head, *tail;
	struct rt_thread *all;
	int alive;
	int next_tid;
	int polling;  /* ethreads looking for work in their loop, not asleep */
	int sleepers; /* ethreads committed to sleeping (idle), until they wake */
} S;

static void lock(void)
{
	while (__atomic_exchange_n(&S.lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&S.lock, 0, __ATOMIC_RELEASE);
}

static void enqueue_locked(struct rt_thread *t)
{
	t->next = 0;
	if (S.tail)
		S.tail->next = t;
	else
		S.head = t;
	S.tail = t;
}

static struct rt_thread *dequeue(void)
{
	if (!RT_READ_ONCE(S.head))
		return 0;
	lock();
	struct rt_thread *t = S.head;
	if (t) {
		S.head = t->next;
		if (!S.head)
			S.tail = 0;
	}
	unlock();
	return t;
}

/*
 * New work: an ethread looking for work will take it; otherwise wake a
 * sleeping one (an exit and a futex call, so only when needed).  An
 * ethread that stops polling to run a thread and finds others queued
 * kicks again (rt_sched_loop): one polling ethread answers for one thread.
 *
 * The new work is already in the queue.  The fence orders that before the
 * looks at polling and sleepers, and pairs with the read-modify-writes by
 * which an ethread stops polling and commits to sleeping before its last
 * look at the queue (idle): as in Dekker's algorithm, either that ethread
 * sees the work or this one sees it counted and wakes it.  The count is
 * the enclave's own, not the host's ethreads_idle, which an ethread joins
 * only once it is outside: a kick between its last look and that
 * increment was lost, and a thread woken then could wait for good (in
 * sync mode, with its waker blocked in a host call).
 */
void rt_kick(void)
{
	if (rt.ethreads <= 1)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!RT_READ_ONCE(S.polling) && RT_READ_ONCE(S.sleepers)) {
		__atomic_fetch_add(&rt.ctl->wake_seq, 1, __ATOMIC_SEQ_CST);
		rt_ocall(SCONCE_OCALL_WAKE_ETHREAD, 0);
	}
}

void rt_make_runnable(struct rt_thread *t)
{
	lock();
	t->state = T_RUNNABLE;
	enqueue_locked(t);
	unlock();
}

/* The one way out of T_WAITING: whoever wins this exchange owns the wake,
 * and the reason travels with the state.  Callers holding locks call
 * rt_kick after releasing them. */
int rt_wake(struct rt_thread *t, int reason)
{
	int expected = T_WAITING;
	if (!__atomic_compare_exchange_n(&t->state, &expected, T_RUNNABLE | (reason << 8), 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	lock();
	enqueue_locked(t);
	unlock();
	return 1;
}

int rt_have_runnable(void)
{
	return RT_READ_ONCE(S.head) != 0;
}

struct rt_thread *rt_find_thread(int tid)
{
	struct rt_thread *t;
	lock();
	for (t = S.all; t && t->tid != tid; t = t->all_next)
		;
	unlock();
	return t;
}

void rt_for_each_thread(void (*fn)(struct rt_thread *, void *), void *ctx)
{
	lock();
	for (struct rt_thread *t = S.all; t; t = t->all_next)
		fn(t, ctx);
	unlock();
}

int rt_single_thread(void)
{
	return RT_READ_ONCE(S.alive) == 1;
}

struct rt_thread *rt_thread_new(void)
{
	long p = rt_sys_mmap(0, sizeof(struct rt_thread), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0)
		return 0;
	struct rt_thread *t = (struct rt_thread *)p;
	t->slot = -1;
	lock();
	t->tid = S.next_tid++;
	t->all_next = S.all;
	S.all = t;
	S.alive++;
	unlock();
	RT_STAT(threads);
	return t;
}

static void reap(struct rt_thread *t)
{
	lock();
	for (struct rt_thread **p = &S.all; *p; p = &(*p)->all_next)
		if (*p == t) {
			*p = t->all_next;
			break;
		}
	unlock();
	/* The scheduler's context has no thread to park, so it must not
	 * wait for shared_map.c's lock: a thread's stack and record are
	 * anonymous memory, released without that module's write-back. */
	if (t->unmap_base)
		rt_mem_unmap((long)t->unmap_base, (long)t->unmap_size);
	rt_mem_unmap((long)t, sizeof(*t));
}

/* Leave the current thread for the scheduler; returns when woken. */
void rt_park(void)
{
	struct rt_ethread *e = rt_self();
	struct rt_thread *t = e->cur;
	RT_STAT(switches);
	rt_switch(&t->rsp, e->sched_rsp);
	/* Possibly on another ethread now. */
}

void rt_yield(void)
{
	struct rt_thread *t = rt_cur();
	if (!RT_READ_ONCE(S.head))
		return;
	lock();
	t->state = T_RUNNABLE;
	enqueue_locked(t);
	unlock();
	rt_park();
}

void rt_thread_exit(void)
{
	struct rt_thread *t = rt_cur();
	lock();
	t->state = T_DEAD;
	int left = --S.alive;
	unlock();
	if (left == 0)
		rt_exit_process(0); /* the last thread ended: exit status 0 */
	rt_park();
	__builtin_trap();
}

static void run(struct rt_ethread *e, struct rt_thread *t)
{
	while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	t->on_cpu = 1;
	t->wake_reason = t->state >> 8;
	t->state = T_RUNNING;
	e->cur = t;
	if (e->fsbase != t->fs)
		rt_set_fs(t->fs);
	rt_switch(&e->sched_rsp, t->rsp);
	e = rt_self();
	t = e->cur;
	e->cur = 0;
	__atomic_store_n(&t->on_cpu, 0, __ATOMIC_RELEASE);
	if (T_STATE(t->state) == T_DEAD) {
		/* Only now, off its stack, may a joiner see it gone (and free
		 * that stack), as the kernel clears the tid after the switch. */
		if (t->clear_tid) {
			__atomic_store_n(t->clear_tid, 0, __ATOMIC_SEQ_CST);
			rt_futex_wake((uintptr_t)t->clear_tid, 1);
		}
		reap(t);
	}
}

static void idle(struct rt_ethread *e, uint64_t next_deadline)
{
	/* Completions first, while not yet counted as a sleeper: waking
	 * their owners kicks (rt_kick), which must not count this ethread.
	 * One that arrives later is the host's to see: IDLE looks at the ring
	 * after counting the ethread idle, as the workers expect. */
	if (rt_poll_completions())
		return;
	/* Counted before the last look at the queue (see rt_kick) */
	__atomic_add_fetch(&S.sleepers, 1, __ATOMIC_SEQ_CST);
	uint32_t seq = RT_READ_ONCE(rt.ctl->wake_seq);
	/* Re-check after reading seq: anything later bumps it. */
	if (RT_READ_ONCE(S.head)) {
		__atomic_sub_fetch(&S.sleepers, 1, __ATOMIC_SEQ_CST);
		return;
	}
	uint64_t ns = 0;
	if (next_deadline) {
		uint64_t now = rt_tsc();
		ns = next_deadline > now ? rt_tsc_to_ns(next_deadline - now) : 1;
	}
	/* With requests in flight, look again now and then (a worker may have
	 * blocked after we last checked that one was free): a safety net
	 * behind the host's own check before this sleep, rare enough that an
	 * idle server still uses no CPU to speak of. */
	if (rt_requests_outstanding() && (ns == 0 || ns > 100000000))
		ns = 100000000;
	rt_workers_check(); /* never sleep on a request no worker will take */
	uint64_t args[6] = { seq, ns };
	RT_STAT(idle);
	rt_ocall(SCONCE_OCALL_IDLE, args);
	__atomic_sub_fetch(&S.sleepers, 1, __ATOMIC_SEQ_CST);
	e->spins = 0;
}

static void set_polling(int *polling, int on)
{
	if (*polling != on) {
		*polling = on;
		__atomic_add_fetch(&S.polling, on ? 1 : -1, __ATOMIC_SEQ_CST);
	}
}

void rt_sched_loop(void)
{
	struct rt_ethread *e = rt_self();
	int polling = 0;
	for (;;) {
		int got = rt_poll_completions();
		uint64_t next = rt_timers_run();
		rt_signals_poll();
		struct rt_thread *t = dequeue();
		if (t) {
			/* A kick made while this ethread was counted as
			 * polling left the new thread to it, but it takes
			 * only one, which may block in a host call (sync
			 * mode) until the others have run.  So: stop being
			 * counted (a fence), then look again and pass on
			 * what is left, as rt_kick does for new work. */
			set_polling(&polling, 0);
			if (RT_READ_ONCE(S.head))
				rt_kick();
			run(e, t);
			e->spins = 0;
			continue;
		}
		if (got)
			continue;
		/* One idle ethread looking for work is enough: no kick wakes
		 * anyone while one polls, and one that takes a thread kicks for
		 * the rest.  More would only take CPU time from the ethreads
		 * that have work, the host having fewer CPUs than ethreads. */
		if (!polling && RT_READ_ONCE(S.polling))
			e->spins = rt.boot.spin;
		if (++e->spins < rt.boot.spin) {
			set_polling(&polling, 1);
			__builtin_ia32_pause();
			continue;
		}
		/* No longer counted as looking: a kick from now on wakes us
		 * (idle re-checks the queue after reading wake_seq). */
		set_polling(&polling, 0);
		idle(e, next);
	}
}

/* Give a new thread its first frame: rt_switch "returns" into the
 * trampoline, which calls rt_thread_start on the thread's own stack. */
void rt_thread_setup(struct rt_thread *t, uintptr_t stack_top, int (*fn)(void *), void *arg)
{
	uint64_t *sp = (uint64_t *)(stack_top & ~15ul);
	*--sp = (uint64_t)(uintptr_t)rt_thread_trampoline;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (uint64_t)(uintptr_t)sp;
	t->fn = fn;
	t->arg = arg;
}

void rt_thread_start(void) RT_HIDDEN;
void rt_thread_start(void)
{
	struct rt_thread *t = rt_cur();
	rt_sys_exit(t->fn(t->arg));
}

/* Boot: the main thread starts the application on the main stack. */
void rt_sched_init(uintptr_t main_sp, int (*fn)(void *), void *arg)
{
	S.next_tid = (int)rt.boot.tid;
	struct rt_thread *t = rt_thread_new();
	if (!t)
		rt_fatal("no memory for the main thread");
	S.next_tid = 1 << 20; /* later threads: distinct from host ids in use */
	rt_thread_setup(t, main_sp, fn, arg);
	rt_make_runnable(t);
}
