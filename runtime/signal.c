/*
 * Signals, kept inside the enclave.  Handlers registered by the application
 * never reach the host (it would call an enclave address).  Signals come
 * from two places: the application itself (raise, abort, pthread_kill),
 * delivered to the target thread, and the host, which forwards the signals
 * it receives (SIGTERM, SIGINT, ...) through the control block; the
 * enclave checks that each is one a process can legitimately receive.
 * Delivery happens at a safe point: when the thread next returns from a
 * system call or resumes from a wait, which a signal interrupts (EINTR).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include "sched.h"

struct k_sigaction {
	union {
		void (*handler)(int);
		void (*action)(int, siginfo_t *, void *);
	};
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

#define BIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
/* What a host may forward: signals other processes or the terminal send. */
#define FROM_HOST (BIT(SIGHUP) | BIT(SIGINT) | BIT(SIGQUIT) | BIT(SIGABRT) | BIT(SIGUSR1) | BIT(SIGUSR2) | \
		   BIT(SIGTERM) | BIT(SIGWINCH) | BIT(SIGCONT) | BIT(SIGTSTP) | BIT(SIGXCPU))

static struct {
	volatile int lock;
	struct k_sigaction act[65];
	uint64_t process_pending;  /* no thread could take it yet */
	int alarm_armed;           /* SIGALRM from the host is expected */
	stack_t altstack;
} sig = { .altstack = { .ss_flags = SS_DISABLE } };

static void lock(void)
{
	while (__atomic_exchange_n(&sig.lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&sig.lock, 0, __ATOMIC_RELEASE);
}

static int ignored_by_default(int s)
{
	return s == SIGCHLD || s == SIGURG || s == SIGWINCH || s == SIGCONT;
}

/* Host-forwardable signals whose default action the host can apply. */
#define DEFAULT_BY_HOST (BIT(SIGHUP) | BIT(SIGINT) | BIT(SIGQUIT) | BIT(SIGABRT) | BIT(SIGUSR1) | BIT(SIGUSR2) | \
			 BIT(SIGTERM) | BIT(SIGALRM) | BIT(SIGXCPU) | BIT(SIGTSTP))

static void publish_defaults(void)
{
	uint64_t d = 0;
	for (int s = 1; s <= 64; s++)
		if ((DEFAULT_BY_HOST & BIT(s)) && sig.act[s].handler == SIG_DFL)
			d |= BIT(s);
	__atomic_store_n(&rt.ctl->sig_default, d, __ATOMIC_SEQ_CST);
}

void rt_signals_init(void)
{
	publish_defaults();
}

static int ignored(int s)
{
	void (*h)(int) = sig.act[s].handler;
	return h == SIG_IGN || (h == SIG_DFL && ignored_by_default(s));
}

/* Run the action for s on the current thread, now. */
static void deliver(int s)
{
	struct rt_thread *t = rt_cur();
	lock();
	struct k_sigaction a = sig.act[s];
	if (a.handler != SIG_IGN && a.handler != SIG_DFL && (a.flags & SA_RESETHAND))
		sig.act[s].handler = SIG_DFL;
	unlock();
	if (a.handler == SIG_IGN || (a.handler == SIG_DFL && ignored_by_default(s)))
		return;
	if (a.handler == SIG_DFL)
		rt_die_by_signal(s);
	uint64_t saved = t->sigmask;
	t->sigmask |= a.mask & ~UNBLOCKABLE;
	if (!(a.flags & SA_NODEFER))
		t->sigmask |= BIT(s);
	if (a.flags & SA_SIGINFO) {
		siginfo_t si;
		ucontext_t uc;
		memset(&si, 0, sizeof(si));
		memset(&uc, 0, sizeof(uc));
		si.si_signo = s;
		si.si_code = SI_USER;
		si.si_pid = (pid_t)rt.boot.pid;
		uc.uc_sigmask.__bits[0] = saved;
		a.action(s, &si, &uc);
		/* As rt_sigreturn would: the handler may change the mask to
		 * restore (musl's cancellation handler blocks SIGCANCEL so the
		 * signal it re-sends itself stays pending). */
		saved = uc.uc_sigmask.__bits[0] & ~UNBLOCKABLE;
	} else {
		a.handler(s);
	}
	t->sigmask = saved;
}

void rt_signals_deliver(void)
{
	struct rt_thread *t = rt_cur();
	uint64_t ready;
	while ((ready = t->sigpending & ~t->sigmask)) {
		int s = __builtin_ctzll(ready) + 1;
		__atomic_fetch_and(&t->sigpending, ~BIT(s), __ATOMIC_ACQ_REL);
		deliver(s);
	}
}

int rt_signals_ready(void)
{
	struct rt_thread *t = rt_cur();
	return (t->sigpending & ~t->sigmask) != 0;
}

/* Would Linux restart the interrupted call after these handlers?  Only
 * if each has SA_RESTART (an ignored signal interrupts nothing). */
int rt_signals_restart(void)
{
	struct rt_thread *t = rt_cur();
	uint64_t ready = t->sigpending & ~t->sigmask;
	int all = 1;
	lock();
	for (int s = 1; s <= 64; s++)
		if ((ready & BIT(s)) && !ignored(s) && !(sig.act[s].flags & SA_RESTART))
			all = 0;
	unlock();
	return all;
}

/* Mark s pending on t and cut short an interruptible wait: one inside the
 * enclave, or a host call (a blocking read, accept, epoll_wait), which
 * the host interrupts and the thread's safe point then handles. */
static void post(struct rt_thread *t, int s)
{
	__atomic_fetch_or(&t->sigpending, BIT(s), __ATOMIC_ACQ_REL);
	if ((t->sigmask & BIT(s)) && !(t->sigwait & BIT(s)))
		return;
	if (t->interruptible && rt_wake(t, W_SIGNAL))
		rt_kick();
	int slot = RT_READ_ONCE(t->slot);
	if (slot >= 0 && t != rt_cur() && !ignored(s)) {
		uint64_t a[6] = { (uint64_t)slot };
		rt_ocall(SCONCE_OCALL_INTERRUPT, a);
	}
}

struct pick {
	int s;
	int waiting;
	struct rt_thread *t;
};

static void pick_thread(struct rt_thread *t, void *ctx)
{
	struct pick *p = ctx;
	if (T_STATE(t->state) == T_DEAD)
		return;
	if (t->sigwait & BIT(p->s)) { /* sigwait takes it first */
		p->t = t;
		p->waiting = 1;
		return;
	}
	if ((t->sigmask & BIT(p->s)) || p->waiting)
		return;
	/* Prefer a thread in an interruptible wait: it can act at once. */
	if (!p->t || (t->interruptible && !p->t->interruptible))
		p->t = t;
}

/* A process-directed signal goes to a thread waiting for it in sigwait,
 * else to one that does not block it; if every thread blocks it, it stays
 * pending for the process (even with the default action). */
static void post_process(int s)
{
	struct pick p = { s, 0, 0 };
	rt_for_each_thread(pick_thread, &p);
	if (p.t && p.waiting) {
		post(p.t, s);
		return;
	}
	if (ignored(s))
		return;
	if (!p.t) {
		__atomic_fetch_or(&sig.process_pending, BIT(s), __ATOMIC_ACQ_REL);
		return;
	}
	if (sig.act[s].handler == SIG_DFL)
		rt_die_by_signal(s); /* default action: terminate */
	post(p.t, s);
}

void rt_signals_poll(void)
{
	if (!RT_READ_ONCE(rt.ctl->signals))
		return;
	uint64_t got = __atomic_exchange_n(&rt.ctl->signals, 0, __ATOMIC_ACQ_REL);
	uint64_t allowed = FROM_HOST | (sig.alarm_armed ? BIT(SIGALRM) : 0);
	if (got & ~allowed)
		rt_security_fail("signal", "the host delivered a signal the enclave cannot have received");
	if (got & BIT(SIGALRM))
		sig.alarm_armed = 0;
	while (got) {
		int s = __builtin_ctzll(got) + 1;
		got &= ~BIT(s);
		post_process(s);
	}
}

/* The handler for a fault, if the application installed one (SIG_DFL
 * and SIG_IGN are not handlers: an ignored fault would loop forever). */
int rt_signal_handler(int s, void (**h)(int, siginfo_t *, void *), uint64_t *mask)
{
	lock();
	struct k_sigaction a = sig.act[s];
	if (a.handler != SIG_IGN && a.handler != SIG_DFL && (a.flags & SA_RESETHAND))
		sig.act[s].handler = SIG_DFL;
	unlock();
	if (a.handler == SIG_IGN || a.handler == SIG_DFL)
		return 0;
	*h = a.action;
	*mask = (a.flags & SA_NODEFER) ? a.mask : a.mask | (1ull << (s - 1));
	return 1;
}

void rt_signal_alarm_armed(void) RT_HIDDEN;
void rt_signal_alarm_armed(void)
{
	sig.alarm_armed = 1;
}

static int user_ptr(long p, size_t n)
{
	return p == 0 || rt_inside((uintptr_t)p, n);
}

long rt_sys_rt_sigaction(long s, long act, long old, long size)
{
	if (size != 8 || s < 1 || s > 64)
		return -EINVAL;
	if (!user_ptr(act, sizeof(struct k_sigaction)) || !user_ptr(old, sizeof(struct k_sigaction)))
		return -EFAULT;
	if (act && (s == SIGKILL || s == SIGSTOP))
		return -EINVAL;
	lock();
	if (old)
		memcpy((void *)old, &sig.act[s], sizeof(struct k_sigaction));
	if (act)
		memcpy(&sig.act[s], (void *)act, sizeof(struct k_sigaction));
	if (act)
		publish_defaults();
	unlock();
	return 0;
}

static void take_process_pending(struct rt_thread *t)
{
	uint64_t p = RT_READ_ONCE(sig.process_pending) & ~t->sigmask;
	if (p) {
		p = __atomic_fetch_and(&sig.process_pending, ~p, __ATOMIC_ACQ_REL) & p;
		__atomic_fetch_or(&t->sigpending, p, __ATOMIC_ACQ_REL);
	}
}

long rt_sys_rt_sigprocmask(long how, long set, long old, long size)
{
	struct rt_thread *t = rt_cur();
	if (size != 8)
		return -EINVAL;
	if (!user_ptr(set, 8) || !user_ptr(old, 8))
		return -EFAULT;
	if (old)
		*(uint64_t *)old = t->sigmask;
	if (!set)
		return 0;
	uint64_t v = *(uint64_t *)set;
	switch (how) {
	case SIG_BLOCK: t->sigmask |= v; break;
	case SIG_UNBLOCK: t->sigmask &= ~v; break;
	case SIG_SETMASK: t->sigmask = v; break;
	default: return -EINVAL;
	}
	t->sigmask &= ~UNBLOCKABLE;
	take_process_pending(t);
	return 0; /* pending signals are delivered on the way out of the call */
}

/* Wait for a signal with a temporary mask (sigsuspend; pause with none). */
long rt_sys_rt_sigsuspend(long set, long size)
{
	struct rt_thread *t = rt_cur();
	uint64_t saved = t->sigmask;
	if (set) {
		if (size != 8 || !rt_inside((uintptr_t)set, 8))
			return size != 8 ? -EINVAL : -EFAULT;
		t->sigmask = *(uint64_t *)set & ~UNBLOCKABLE;
	}
	take_process_pending(t);
	while (!(t->sigpending & ~t->sigmask)) {
		t->state = T_WAITING;
		t->interruptible = 1;
		if (t->sigpending & ~t->sigmask) {
			/* raced with a post: undo the wait */
			int w = T_WAITING;
			if (__atomic_compare_exchange_n(&t->state, &w, T_RUNNING, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				t->interruptible = 0;
				break;
			}
		}
		rt_park();
		t->interruptible = 0;
	}
	rt_signals_deliver();
	t->sigmask = saved;
	return -EINTR;
}

long rt_sys_rt_sigpending(long set, long size)
{
	struct rt_thread *t = rt_cur();
	if (size != 8)
		return -EINVAL;
	if (!rt_inside((uintptr_t)set, 8))
		return -EFAULT;
	*(uint64_t *)set = (t->sigpending | RT_READ_ONCE(sig.process_pending));
	return 0;
}

/* sigwait, sigwaitinfo, sigtimedwait: take a pending signal of the set
 * (normally blocked by the caller) without running its handler. */
long rt_sys_rt_sigtimedwait(long set, long info, long ts, long size)
{
	struct rt_thread *t = rt_cur();
	uint64_t deadline = 0;
	if (size != 8)
		return -EINVAL;
	if (!rt_inside((uintptr_t)set, 8) || (info && !rt_inside((uintptr_t)info, sizeof(siginfo_t))))
		return -EFAULT;
	if (ts) {
		long r = rt_timespec_deadline(ts, 0, CLOCK_MONOTONIC, &deadline);
		if (r < 0)
			return r;
	}
	uint64_t want = *(uint64_t *)set & ~UNBLOCKABLE;
	for (;;) {
		uint64_t p = RT_READ_ONCE(sig.process_pending) & want;
		if (p) {
			p = __atomic_fetch_and(&sig.process_pending, ~p, __ATOMIC_ACQ_REL) & p;
			__atomic_fetch_or(&t->sigpending, p, __ATOMIC_ACQ_REL);
		}
		uint64_t got = t->sigpending & want;
		if (got) {
			int s = __builtin_ctzll(got) + 1;
			__atomic_fetch_and(&t->sigpending, ~BIT(s), __ATOMIC_ACQ_REL);
			if (info) {
				siginfo_t *si = (siginfo_t *)info;
				memset(si, 0, sizeof(*si));
				si->si_signo = s;
				si->si_code = SI_USER;
			}
			return s;
		}
		if (t->sigpending & ~t->sigmask)
			return -EINTR; /* another signal's handler runs on the way out */
		if (ts && rt_tsc() >= deadline)
			return -EAGAIN;
		t->sigwait = want;
		t->state = T_WAITING;
		t->interruptible = 1;
		if (t->sigpending & (want | ~t->sigmask)) {
			int w = T_WAITING;
			if (__atomic_compare_exchange_n(&t->state, &w, T_RUNNING, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				t->interruptible = 0;
				t->sigwait = 0;
				continue;
			}
		}
		if (deadline)
			rt_timer_add(t, deadline);
		rt_park();
		t->interruptible = 0;
		t->sigwait = 0;
		if (deadline)
			rt_timer_remove(t);
	}
}

long rt_sys_sigaltstack(long ss, long old)
{
	if (!user_ptr(ss, sizeof(stack_t)) || !user_ptr(old, sizeof(stack_t)))
		return -EFAULT;
	if (old)
		memcpy((void *)old, &sig.altstack, sizeof(stack_t));
	if (ss) {
		stack_t n;
		memcpy(&n, (void *)ss, sizeof(n));
		if (n.ss_flags & ~SS_DISABLE)
			return -EINVAL;
		if (!(n.ss_flags & SS_DISABLE) && n.ss_size < MINSIGSTKSZ)
			return -ENOMEM;
		sig.altstack = n;
	}
	return 0;
}

static long send_thread(struct rt_thread *t, long s)
{
	if (s < 0 || s > 64)
		return -EINVAL;
	if (s == 0)
		return 0;
	if (s == SIGKILL)
		rt_die_by_signal(SIGKILL);
	if (ignored((int)s))
		return 0;
	post(t, (int)s);
	return 0;
}

long rt_sys_kill(long pid, long s)
{
	if (pid == (long)rt.boot.pid) {
		if (s < 0 || s > 64)
			return -EINVAL;
		if (s)
			post_process((int)s);
		return 0;
	}
	long a[6] = { pid, s };
	return rt_forward(SYS_kill, a);
}

long rt_sys_tkill(long tid, long s)
{
	struct rt_thread *t = rt_find_thread((int)tid);
	return t ? send_thread(t, s) : -ESRCH;
}

long rt_sys_tgkill(long tgid, long tid, long s)
{
	if (tgid != (long)rt.boot.pid)
		return -ESRCH;
	return rt_sys_tkill(tid, s);
}

long rt_sys_rt_sigreturn(void)
{
	rt_fatal("rt_sigreturn outside a signal handler");
}
