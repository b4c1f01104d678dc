/*
 * Running a request slot's system call on a host thread — a worker, or an
 * ethread in a synchronous exit — so that it can be cut short.  On Linux
 * a signal with a handler interrupts the thread's blocking call (EINTR);
 * without that, a server waiting in epoll_wait or accept would never see
 * the SIGTERM or SIGQUIT that asks it to stop.  Here the thread that takes
 * the signal is inside the enclave, and the call it waits for runs on a
 * host thread, so the enclave asks for the interruption
 * (SCONCE_OCALL_INTERRUPT with the slot) and the host sends that thread
 * SIG_INTERRUPT, whose handler has no SA_RESTART.
 *
 * The races are those of any cancellation point: an interrupt that comes
 * before the call starts is remembered for the slot; one that comes
 * between the check and the syscall instruction is caught by the handler
 * (slot_syscall.S); one that lands after the call (on the thread's next call)
 * is recognised by its token and the call restarts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include "sim.h"
#include "adversary.h"
#include "queue.h"

#define SIG_INTERRUPT (SIGRTMIN + 4)
#define NO_TLS __attribute__((no_sanitize("address", "undefined"), no_stack_protector))

struct runner {
	volatile int lock;
	struct slot_caller *who; /* thread running the slot's call, or none */
	int ethread;        /* ... an ethread in a synchronous exit */
	int pending;        /* interrupt asked before the call started */
};

static struct runner *runners;
static uint64_t nrunners;
static pid_t pid;
/* A worker's record; an ethread's lives in its sim_thread, reachable
 * without TLS, since it may run calls with the enclave's FS loaded. */
static __thread struct slot_caller me;

#define HIDDEN __attribute__((visibility("hidden")))
long slot_syscall(long nr, const uint64_t a[6], const volatile uint64_t *cancel, uint64_t token)
	HIDDEN;
extern HIDDEN char slot_syscall_begin[];
extern HIDDEN char slot_syscall_end[];
extern HIDDEN char slot_syscall_cancel[];

/* May run on an ethread with the enclave's FS loaded (inside the enclave,
 * after a late interrupt, or in the exit fast path), so no TLS there: an
 * ethread is found by the signal stack the kernel reports in the context;
 * a worker is not an ethread and never runs enclave code. */
__attribute__((no_sanitize("address", "undefined")))
static void on_interrupt(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	uintptr_t ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	if (ip < (uintptr_t)slot_syscall_begin || ip >= (uintptr_t)slot_syscall_end)
		return;
	struct slot_caller *c = &me;
	if (!(uc->uc_stack.ss_flags & SS_DISABLE)) {
		/* Another runtime (ASan) may give workers a signal stack too:
		 * look the stack up among the ethreads', never read through it. */
		struct sim_thread *t = ethread_of_altstack(uc->uc_stack.ss_sp);
		if (t)
			c = &t->caller;
	}
	if (c->cancel == c->token)
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)slot_syscall_cancel;
}

int slot_calls_init(struct enclave *e)
{
	nrunners = e->boot->nslots;
	runners = calloc(nrunners, sizeof(*runners));
	if (!runners)
		return -1;
	pid = getpid();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_interrupt;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK; /* no SA_RESTART: that is the point */
	sigemptyset(&sa.sa_mask);
	return sigaction(SIG_INTERRUPT, &sa, NULL);
}

NO_TLS static void lock(struct runner *r)
{
	while (__atomic_exchange_n(&r->lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

NO_TLS static void unlock(struct runner *r)
{
	__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
}

/* c: the calling thread's record (no TLS touched here: see on_interrupt) */
NO_TLS static long interruptible_call(uint64_t i, long nr, const uint64_t a[6],
				      struct slot_caller *c, int ethread)
{
	struct runner *r = &runners[i];
	uint64_t token = ++c->token;
	lock(r);
	r->who = c;
	r->ethread = ethread;
	if (r->pending)
		c->cancel = token;
	r->pending = 0;
	unlock(r);
	long ret;
	do
		ret = slot_syscall(nr, a, &c->cancel, token);
	while (ret == -EINTR && c->cancel != token); /* meant for an earlier call */
	lock(r);
	r->who = NULL;
	unlock(r);
	return ret;
}

/* An ethread leaves for a call of its own, and says so in its flag (a
 * counter shared by the ethreads moved its line between cores twice per
 * call).  If completions wait and every other ethread sleeps, one must
 * wake to take them: a worker that pushed one just before saw this
 * ethread still counted as active; the fence pairs with the worker's.
 * No TLS here (the fast path runs this with the enclave's FS): the wake is
 * a raw system call, not glibc's syscall(), which sets errno. */
NO_TLS static void exit_begin(struct enclave *e, struct sim_thread *t)
{
	t->in_exit = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	struct sconce_control *ctl = (struct sconce_control *)(e->shared + e->boot->control_off);
	struct sconce_ring *done = (struct sconce_ring *)(e->shared + e->boot->complete_off);
	if (__atomic_load_n(&ctl->ethreads_idle, __ATOMIC_SEQ_CST) &&
	    !ring_empty(done, e->boot->ring_size - 1)) {
		__atomic_add_fetch(&ctl->wake_seq, 1, __ATOMIC_SEQ_CST);
		uint64_t a[6] = { (uint64_t)(uintptr_t)&ctl->wake_seq, FUTEX_WAKE_PRIVATE, 1 };
		host_syscall(SYS_futex, a);
	}
}

/* The calls the enclave deferred to this one (runtime/batch.c): closes of
 * read-only files, TCP_CORK on.  None of them blocks, and the enclave
 * answered them already.  Each number is read once; a refused one, or one
 * that may block, is not made. */
NO_TLS static void run_pre(struct sconce_slot *s)
{
	uint64_t n = __atomic_load_n(&s->npre, __ATOMIC_RELAXED);
	if (n > SCONCE_SLOT_PRE_MAX)
		n = SCONCE_SLOT_PRE_MAX;
	for (uint64_t k = 0; k < n; k++) {
		const struct sconce_pre_call *p = &s->pre[k];
		long nr = (long)__atomic_load_n(&p->nr, __ATOMIC_RELAXED);
		uint64_t a[6] = { p->args[0], p->args[1], p->args[2], p->args[3], p->args[4], 0 };
		if (!ocall_refused(nr) && !sconce_call_interruptible(nr))
			host_syscall(nr, a);
	}
}

/* The call fused after this one: fstat of the descriptor an open returned,
 * saving the enclave the exit its fstat would make. */
NO_TLS static void run_post(struct sconce_slot *s, long ret)
{
	if (__atomic_load_n(&s->post, __ATOMIC_RELAXED) != SCONCE_POST_FSTAT || ret < 0)
		return;
	uint64_t a[6] = { (uint64_t)ret, __atomic_load_n(&s->post_arg, __ATOMIC_RELAXED) };
	s->post_ret = host_syscall(SYS_fstat, a);
}

void slot_call(struct enclave *e, uint64_t i, struct sim_thread *ethread)
{
	/* Only workers read the count: without them (sync mode) skip it. */
	int counted = ethread && (e->boot->flags & SCONCE_BOOT_ASYNC);
	struct slot_caller *c = ethread ? &ethread->caller : &me;
	if (!c->tid)
		c->tid = (pid_t)syscall(SYS_gettid);
	if (counted)
		exit_begin(e, ethread);
	struct sconce_slot *s = (struct sconce_slot *)(e->shared + e->boot->slots_off) + i;
	long nr = (long)__atomic_load_n(&s->nr, __ATOMIC_RELAXED); /* once */
	leak_check(e, i);
	run_pre(s);
	long ret;
	if (ocall_refused(nr))
		ret = -ENOSYS;
	else if (sconce_call_interruptible(nr))
		ret = interruptible_call(i, nr, s->args, c, ethread != NULL);
	else
		ret = host_syscall(nr, s->args);
	s->ret = ret;
	run_post(s, ret);
	adversary_result(e, i);
	if (counted)
		__atomic_store_n(&ethread->in_exit, 0, __ATOMIC_RELEASE);
}

/* Slots whose requests and results the host inspects or changes (the
 * leak check, the adversary) always take the full path. */
static int inspected;

void slot_calls_inspected(void)
{
	inspected = 1;
}

/*
 * The common case of an ethread's exit, served straight from sim_enter
 * before the host's FS is put back, and the enclave resumed without it:
 * that saves two WRFSBASE per call (14 ns each on this machine's AMD
 * EPYC), a fifth of the cost sconce adds to a null call.  It takes every
 * slot call the host does not inspect (the leak check, the adversary);
 * nothing on the way touches thread-local data (interruptible calls
 * record their caller in the sim_thread).  Returns 0 for the full path
 * (ocall_serve), 1 when the call was served here, or, for a plain call,
 * the slot, whose system call sim_enter then makes itself: after a system
 * call every return to an older frame mispredicts (the kernel leaves the
 * return predictor empty), so the plain call returns to nothing.
 * Compiled without sanitizers or stack protector, whose runtimes use TLS;
 * host signal handlers restore the host FS themselves (sim_signal_entry),
 * as they must when they interrupt enclave code.
 */
_Static_assert(offsetof(struct sconce_slot, args) == 8, "sim_enter.S");
_Static_assert(offsetof(struct sconce_slot, ret) == 56, "sim_enter.S");

NO_TLS uintptr_t slot_call_fast(struct sim_thread *t)
{
	struct enclave *e = t->encl;
	const struct sconce_frame *f =
		(const struct sconce_frame *)(e->shared + e->boot->frames_off) + t->index;
	if (f->ocall != SCONCE_OCALL_SLOT || inspected)
		return 0;
	uint64_t i = __atomic_load_n(&f->args[0], __ATOMIC_RELAXED); /* once */
	if (i >= e->boot->nslots)
		return 0;
	struct sconce_slot *s = (struct sconce_slot *)(e->shared + e->boot->slots_off) + i;
	long nr = (long)__atomic_load_n(&s->nr, __ATOMIC_RELAXED);
	if (ocall_refused(nr))
		return 0;
	int counted = (e->boot->flags & SCONCE_BOOT_ASYNC) != 0;
	if (counted)
		exit_begin(e, t);
	int batched = __atomic_load_n(&s->npre, __ATOMIC_RELAXED) ||
		      __atomic_load_n(&s->post, __ATOMIC_RELAXED);
	if (!batched && !sconce_call_interruptible(nr)) {
		/* sim_enter makes the call and ends the count; it takes the
		 * number checked here, not the slot's again (the enclave may
		 * have rewritten it meanwhile) */
		t->exit_nr = (uint64_t)nr;
		t->exit_counted = (uint64_t)counted;
		return (uintptr_t)s;
	}
	run_pre(s);
	long ret = sconce_call_interruptible(nr) ? interruptible_call(i, nr, s->args, &t->caller, 1)
						 : host_syscall(nr, s->args);
	s->ret = ret;
	run_post(s, ret);
	if (counted)
		__atomic_store_n(&t->in_exit, 0, __ATOMIC_RELEASE);
	return 1;
}

static void interrupt_locked(struct runner *r)
{
	r->who->cancel = r->who->token;
	syscall(SYS_tgkill, pid, r->who->tid, SIG_INTERRUPT);
}

void slot_interrupt(uint64_t i)
{
	if (i >= nrunners)
		return; /* nonsense from a confused enclave */
	struct runner *r = &runners[i];
	lock(r);
	if (r->who)
		interrupt_locked(r);
	else
		r->pending = 1;
	unlock(r);
}

/* A signal came and no ethread is free to look at it: every one that
 * waits in a call of its own returns, to take it at its safe point. */
void slot_interrupt_ethreads(void)
{
	for (uint64_t i = 0; i < nrunners; i++) {
		struct runner *r = &runners[i];
		if (!__atomic_load_n(&r->who, __ATOMIC_RELAXED))
			continue;
		lock(r);
		if (r->who && r->ethread)
			interrupt_locked(r);
		unlock(r);
	}
}
