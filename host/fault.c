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

/* Play the CPU's part of an exception inside the enclave: save the state
 * in SSA frame 0 (AEX), enter the enclave to let it decide, and resume
 * whatever state it left there.  Returns 0 if the enclave declined. */
static int deliver_in_enclave(struct sim_thread *t, int sig, siginfo_t *si, ucontext_t *uc)
{
	const struct sconce_ethread_layout *l = &encl->lay.l.ethread[t->index];
	struct sconce_gprsgx *g = (struct sconce_gprsgx *)(encl->base + l->ssa_off +
		SCONCE_SSA_PAGES * SCONCE_PAGE_SIZE - SCONCE_GPRSGX_SIZE);
	greg_t *r = uc->uc_mcontext.gregs;
	g->rax = r[REG_RAX]; g->rcx = r[REG_RCX]; g->rdx = r[REG_RDX]; g->rbx = r[REG_RBX];
	g->rsp = r[REG_RSP]; g->rbp = r[REG_RBP]; g->rsi = r[REG_RSI]; g->rdi = r[REG_RDI];
	g->r8 = r[REG_R8]; g->r9 = r[REG_R9]; g->r10 = r[REG_R10]; g->r11 = r[REG_R11];
	g->r12 = r[REG_R12]; g->r13 = r[REG_R13]; g->r14 = r[REG_R14]; g->r15 = r[REG_R15];
	g->rflags = r[REG_EFL]; g->rip = r[REG_RIP];
	uint64_t arg = (uint64_t)sig | (uint64_t)(uintptr_t)si->si_addr << 8;
	if (sim_enter(t, SCONCE_ENTER_EXCEPTION, (long)arg) != SCONCE_EXIT_RETURN || t->exit_value != 1)
		return 0;
	r[REG_RAX] = g->rax; r[REG_RCX] = g->rcx; r[REG_RDX] = g->rdx; r[REG_RBX] = g->rbx;
	r[REG_RSP] = g->rsp; r[REG_RBP] = g->rbp; r[REG_RSI] = g->rsi; r[REG_RDI] = g->rdi;
	r[REG_R8] = g->r8; r[REG_R9] = g->r9; r[REG_R10] = g->r10; r[REG_R11] = g->r11;
	r[REG_R12] = g->r12; r[REG_R13] = g->r13; r[REG_R14] = g->r14; r[REG_R15] = g->r15;
	r[REG_EFL] = g->rflags; r[REG_RIP] = g->rip;
	return 1;
}

void sim_signal_handler(int sig, siginfo_t *si, void *uc_, struct sim_thread *t)
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
	if (inside(ip) && t && deliver_in_enclave(t, sig, si, uc))
		return; /* the application's handler runs when we return */
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
