/*
 * Faults inside the enclave delivered to the application's own handler.
 * As on SGX, an exception leaves the enclave (the state goes to SSA frame
 * 0) and the host re-enters it to decide; rt_exception then builds a
 * signal frame on the faulting thread's stack and points the saved state
 * at rt_fault_trampoline, which runs the handler and resumes the context
 * the handler leaves in its ucontext.  Without a handler the enclave
 * declines and the host reports the fault and dies from the signal.
 */
#define _GNU_SOURCE 1
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include "sched.h"

void rt_fault_trampoline(void) RT_HIDDEN;

struct fault_frame {
	ucontext_t uc;
	siginfo_t si;
	int sig;
	uint64_t saved_mask;
};

static struct sconce_gprsgx *ssa_gprs(void)
{
	const struct sconce_ethread_layout *l = &rt.layout->ethread[rt_self()->index];
	return (struct sconce_gprsgx *)(rt.base + l->ssa_off + SCONCE_SSA_PAGES * SCONCE_PAGE_SIZE -
					SCONCE_GPRSGX_SIZE);
}

/* Called on the exception stack.  arg: signal number | fault address << 8
 * (the address is the host's word, used only to fill si_addr). */
long rt_exception(uint64_t arg) RT_HIDDEN;
long rt_exception(uint64_t arg)
{
	int sig = (int)(arg & 0xff);
	struct sconce_gprsgx *g = ssa_gprs();
	struct rt_thread *t = rt_self()->cur;
	uintptr_t rsp = g->rsp;

	if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL && sig != SIGTRAP)
		return 0;
	/* Only a fault in an application thread, on its stack inside the
	 * enclave, with a handler that does not block the signal. */
	if (!t || !rt_inside(g->rip, 1) || !rt_inside(rsp - 4096, 4096))
		return 0;
	void (*h)(int, siginfo_t *, void *);
	uint64_t mask;
	if (!rt_signal_handler(sig, &h, &mask) || (t->sigmask & (1ull << (sig - 1))))
		return 0;

	uintptr_t sp = (rsp - 128 - sizeof(struct fault_frame)) & ~63ul;
	if (!rt_inside(sp, sizeof(struct fault_frame)))
		return 0;
	struct fault_frame *f = (struct fault_frame *)sp;
	memset(f, 0, sizeof(*f));
	greg_t *r = f->uc.uc_mcontext.gregs;
	r[REG_R8] = g->r8; r[REG_R9] = g->r9; r[REG_R10] = g->r10; r[REG_R11] = g->r11;
	r[REG_R12] = g->r12; r[REG_R13] = g->r13; r[REG_R14] = g->r14; r[REG_R15] = g->r15;
	r[REG_RDI] = g->rdi; r[REG_RSI] = g->rsi; r[REG_RBP] = g->rbp; r[REG_RBX] = g->rbx;
	r[REG_RDX] = g->rdx; r[REG_RAX] = g->rax; r[REG_RCX] = g->rcx; r[REG_RSP] = g->rsp;
	r[REG_RIP] = g->rip; r[REG_EFL] = g->rflags;
	f->uc.uc_sigmask.__bits[0] = t->sigmask;
	f->si.si_signo = sig;
	f->si.si_code = sig == SIGSEGV ? SEGV_MAPERR : 0;
	f->si.si_addr = (void *)(arg >> 8);
	f->sig = sig;
	f->saved_mask = t->sigmask;
	t->sigmask |= mask | (1ull << (sig - 1));

	g->rsp = sp;
	g->rip = (uint64_t)(uintptr_t)rt_fault_trampoline;
	return 1;
}

/* On the application's stack: run the handler, return the context to
 * resume (the handler may have changed it). */
greg_t *rt_fault_deliver(struct fault_frame *f) RT_HIDDEN;
greg_t *rt_fault_deliver(struct fault_frame *f)
{
	void (*h)(int, siginfo_t *, void *);
	uint64_t mask;
	if (rt_signal_handler(f->sig, &h, &mask))
		h(f->sig, &f->si, &f->uc);
	rt_cur()->sigmask = f->saved_mask;
	greg_t *r = f->uc.uc_mcontext.gregs;
	if (!rt_inside(r[REG_RIP], 1))
		rt_fatal("a signal handler resumed outside the enclave");
	return r;
}
