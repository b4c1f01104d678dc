/*
 * Signal bookkeeping kept inside the enclave.  Handlers registered by the
 * application never reach the host (the host would call an enclave
 * address).  A signal an application sends to itself (raise, abort) is
 * delivered here synchronously, honouring the mask, SA_RESETHAND,
 * SA_NODEFER and SA_SIGINFO; a default action that terminates ends the
 * process with that signal.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include "rt.h"

struct k_sigaction {
	union {
		void (*handler)(int);
		void (*action)(int, siginfo_t *, void *);
	};
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static struct {
	struct k_sigaction act[65];
	uint64_t mask, pending;
	stack_t altstack;
} sig = { .altstack = { .ss_flags = SS_DISABLE } };

#define BIT(s) (1ull << ((s) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

static int ignored_by_default(int s)
{
	return s == SIGCHLD || s == SIGURG || s == SIGWINCH || s == SIGCONT;
}

static void deliver(int s)
{
	struct k_sigaction *a = &sig.act[s];
	void (*h)(int) = a->handler;

	if (h == SIG_IGN || (h == SIG_DFL && ignored_by_default(s)))
		return;
	if (h == SIG_DFL)
		rt_die_by_signal(s);
	uint64_t saved = sig.mask;
	sig.mask |= a->mask & ~UNBLOCKABLE;
	if (!(a->flags & SA_NODEFER))
		sig.mask |= BIT(s);
	if (a->flags & SA_RESETHAND)
		a->handler = SIG_DFL;
	if (a->flags & SA_SIGINFO) {
		siginfo_t si;
		ucontext_t uc;
		memset(&si, 0, sizeof(si));
		memset(&uc, 0, sizeof(uc));
		si.si_signo = s;
		si.si_code = SI_TKILL;
		si.si_pid = (pid_t)rt.boot.pid;
		uc.uc_sigmask.__bits[0] = saved;
		a->action(s, &si, &uc);
	} else {
		h(s);
	}
	sig.mask = saved;
}

static void deliver_pending(void)
{
	uint64_t ready;
	while ((ready = sig.pending & ~sig.mask)) {
		int s = __builtin_ctzll(ready) + 1;
		sig.pending &= ~BIT(s);
		deliver(s);
	}
}

static long send_self(long s)
{
	if (s < 0 || s > 64)
		return -EINVAL;
	if (s == 0)
		return 0;
	if (sig.mask & BIT(s) & ~UNBLOCKABLE) {
		sig.pending |= BIT(s);
		return 0;
	}
	deliver((int)s);
	return 0;
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
	if (old)
		memcpy((void *)old, &sig.act[s], sizeof(struct k_sigaction));
	if (act) {
		memcpy(&sig.act[s], (void *)act, sizeof(struct k_sigaction));
		if (sig.act[s].handler == SIG_IGN)
			sig.pending &= ~BIT(s);
	}
	return 0;
}

long rt_sys_rt_sigprocmask(long how, long set, long old, long size)
{
	if (size != 8)
		return -EINVAL;
	if (!user_ptr(set, 8) || !user_ptr(old, 8))
		return -EFAULT;
	if (old)
		*(uint64_t *)old = sig.mask;
	if (!set)
		return 0;
	uint64_t v = *(uint64_t *)set;
	switch (how) {
	case SIG_BLOCK: sig.mask |= v; break;
	case SIG_UNBLOCK: sig.mask &= ~v; break;
	case SIG_SETMASK: sig.mask = v; break;
	default: return -EINVAL;
	}
	sig.mask &= ~UNBLOCKABLE;
	deliver_pending();
	return 0;
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

long rt_sys_kill(long pid, long s)
{
	if (pid == (long)rt.boot.pid)
		return send_self(s);
	long a[6] = { pid, s };
	return rt_forward(SYS_kill, a);
}

long rt_sys_tkill(long tid, long s)
{
	if (tid != (long)rt.boot.tid)
		return -ESRCH;
	return send_self(s);
}

long rt_sys_tgkill(long tgid, long tid, long s)
{
	if (tgid != (long)rt.boot.pid || tid != (long)rt.boot.tid)
		return -ESRCH;
	return send_self(s);
}

long rt_sys_rt_sigreturn(void)
{
	rt_fatal("rt_sigreturn outside a signal handler");
}
