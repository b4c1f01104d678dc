/*
 * The M:N scheduler: application threads are user-level threads of the
 * runtime, multiplexed over the ethreads.  A thread that waits (for a host
 * call, a futex, a timer or a signal) parks, and its ethread runs another.
 */
#ifndef SCONCE_SCHED_H
#define SCONCE_SCHED_H

#include "rt.h"

enum thread_state {
	T_RUNNABLE = 1,
	T_RUNNING,
	T_WAITING,
	T_DEAD,
};

/* Why a waiting thread became runnable; set in the same atomic step. */
enum wake_reason {
	W_NONE = 0,
	W_IO,        /* its host call completed */
	W_FUTEX,     /* futex wake */
	W_TIMEOUT,   /* its deadline passed */
	W_SIGNAL,    /* a signal interrupted the wait */
};
#define T_STATE(s) ((s) & 0xff)

struct rt_thread {
	uint64_t rsp;                /* saved context (rt_switch) */
	uint64_t fs;                 /* the thread pointer (musl's TLS) */
	int tid;
	volatile int state;
	volatile int on_cpu;         /* context not yet saved: do not run */
	struct rt_thread *next;      /* run queue */
	struct rt_thread *all_next;  /* every live thread */

	/* the host call in progress */
	int slot;
	uint64_t bounce_used;
	int host_eintr;              /* a host call was cut short (EINTR) */

	/* waiting */
	uintptr_t futex_addr;
	uint32_t futex_bits;
	struct rt_thread *fnext;     /* futex bucket */
	uint64_t deadline;           /* TSC, 0 = none */
	struct rt_thread *tnext;     /* timer list */
	int on_timers;
	int wake_reason;
	int interruptible;

	/* exit */
	int *clear_tid;
	void *unmap_base;
	size_t unmap_size;
	int (*fn)(void *);
	void *arg;

	/* signals */
	uint64_t sigmask;
	uint64_t sigpending;
	uint64_t sigwait;            /* set being waited for in sigtimedwait */
	int syscall_depth;           /* __sconce_syscall nesting (a shield's own calls) */

	/* batch.c: calls deferred to this thread's next host call, and the
	 * fstat its last open brought back */
	uint32_t npre;
	/* read by every host call: kept in one cache line with syscall_depth */
	int want_stat;               /* the coming host call is an open: fstat it too */
	int stat_fd1;                /* descriptor + 1 that stat describes; 0: none */
	int cloexec_fd1;             /* descriptor + 1 the last call opened with O_CLOEXEC */
	struct rt_pre { uint32_t nr; int32_t fd; int32_t val; } pre[SCONCE_SLOT_PRE_MAX];
	uint64_t stat_arg;           /* ... into this bounce-buffer address */
	struct sconce_slot *last_slot; /* the slot of the current host call */
	unsigned char stat[144];     /* struct stat */
};

static inline struct rt_thread *rt_cur(void)
{
	return rt_self()->cur;
}

/* switch.S */
void rt_switch(uint64_t *save_rsp, uint64_t new_rsp) RT_HIDDEN;
void rt_thread_trampoline(void) RT_HIDDEN;

/* sched.c */
void rt_sched_init(uintptr_t main_sp, int (*fn)(void *), void *arg) RT_HIDDEN;
void rt_thread_setup(struct rt_thread *t, uintptr_t stack_top, int (*fn)(void *), void *arg) RT_HIDDEN;
RT_NORETURN void rt_sched_loop(void) RT_HIDDEN;
void rt_park(void) RT_HIDDEN;                 /* state set by the caller */
int rt_wake(struct rt_thread *t, int reason) RT_HIDDEN; /* WAITING -> RUNNABLE */
void rt_kick(void) RT_HIDDEN;                  /* wake a sleeping ethread if any */
void rt_make_runnable(struct rt_thread *t) RT_HIDDEN;
void rt_yield(void) RT_HIDDEN;
struct rt_thread *rt_thread_new(void) RT_HIDDEN;
int rt_have_runnable(void) RT_HIDDEN;
int rt_single_thread(void) RT_HIDDEN;        /* one application thread alive */
struct rt_thread *rt_find_thread(int tid) RT_HIDDEN;
void rt_for_each_thread(void (*fn)(struct rt_thread *, void *), void *ctx) RT_HIDDEN;
RT_NORETURN void rt_thread_exit(void) RT_HIDDEN;

/* timer.c: TSC-based time, for timeouts only (never for security) */
static inline uint64_t rt_tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
uint64_t rt_ns_to_tsc(uint64_t ns) RT_HIDDEN;
uint64_t rt_tsc_to_ns(uint64_t tsc) RT_HIDDEN;
void rt_timer_add(struct rt_thread *t, uint64_t deadline) RT_HIDDEN;
void rt_timer_remove(struct rt_thread *t) RT_HIDDEN;
uint64_t rt_timers_run(void) RT_HIDDEN;        /* returns next deadline or 0 */
int rt_timers_armed(void) RT_HIDDEN;           /* some thread waits for a deadline */
long rt_sleep_until(uint64_t deadline) RT_HIDDEN; /* 0 or -EINTR */
long rt_sys_nanosleep(long req, long rem) RT_HIDDEN;
/* clock.c */
long rt_clock_gettime(long id, long tsp) RT_HIDDEN;     /* for the runtime's own use */
long rt_sys_clock_gettime(long id, long tsp) RT_HIDDEN; /* the application's: a yield point */
long rt_sys_gettimeofday(long tvp, long tzp) RT_HIDDEN;
long rt_sys_clock_nanosleep(long clk, long flags, long req, long rem) RT_HIDDEN;
long rt_timespec_deadline(long ts, int absolute, int clk, uint64_t *deadline) RT_HIDDEN;
long rt_timeout_target(long tsp, int absolute, int clk, uint64_t *target) RT_HIDDEN;
long rt_timeout_deadline(int clk, uint64_t target, uint64_t *deadline) RT_HIDDEN;

/* futex.c */
long rt_sys_futex(long uaddr, long op, long val, long timeout, long uaddr2, long val3) RT_HIDDEN;
long rt_futex_wake(uintptr_t addr, int n) RT_HIDDEN;
void rt_futex_cancel(struct rt_thread *t) RT_HIDDEN;

/* queue.c: slots and rings */
void rt_queue_init(void) RT_HIDDEN;
void rt_call_begin(void) RT_HIDDEN;
void rt_call_end(void) RT_HIDDEN;
int rt_poll_completions(void) RT_HIDDEN;
void rt_workers_check(void) RT_HIDDEN;
int rt_requests_outstanding(void) RT_HIDDEN;

/* signal.c */
void rt_signals_poll(void) RT_HIDDEN;           /* host-forwarded signals */
void rt_signals_init(void) RT_HIDDEN;
void rt_signals_deliver(void) RT_HIDDEN;        /* at a safe point, current thread */
int rt_signals_ready(void) RT_HIDDEN;           /* current thread has a deliverable signal */
int rt_signals_restart(void) RT_HIDDEN;         /* ... and every one of them has SA_RESTART */
#include <signal.h>
int rt_signal_handler(int s, void (**h)(int, siginfo_t *, void *), uint64_t *mask) RT_HIDDEN;

#endif
