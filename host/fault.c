/*
 * Synchronous signals on an ethread: a system call trapped by the seccomp
 * filter, or a fault.  Both are reported with enclave-relative addresses,
 * then the process dies from the same signal, as the application would.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include "sim.h"

static struct enclave *encl;

static int inside(uintptr_t p)
{
	return p - (uintptr_t)encl->base < encl->size;
}

static __attribute__((noreturn)) void die_by(int sig)
{
	struct sigaction sa;
	sigset_t set;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

void sim_signal_handler(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uintptr_t ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t base = (uintptr_t)encl->base;

	if (sig == SIGSYS && si->si_code == 1 /* SYS_SECCOMP */) {
		uintptr_t at = (uintptr_t)si->si_call_addr - 2; /* the syscall insn */
		fprintf(stderr, "sconce: illegal system call %d from inside the enclave at 0x%lx\n",
			si->si_syscall, (unsigned long)(at - base));
		die_by(SIGSYS);
	}
	if (inside(ip))
		fprintf(stderr, "sconce: %s inside the enclave at 0x%lx (address 0x%lx)\n",
			strsignal(sig), (unsigned long)(ip - base),
			inside((uintptr_t)si->si_addr) ? (unsigned long)((uintptr_t)si->si_addr - base)
							: (unsigned long)(uintptr_t)si->si_addr);
	else
		fprintf(stderr, "sconce: %s in the host at %p (address %p)\n", strsignal(sig),
			(void *)ip, si->si_addr);
	die_by(sig);
}

void fault_init(struct enclave *e)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS };
	struct sigaction sa;

	encl = e;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sim_signal_entry;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}
