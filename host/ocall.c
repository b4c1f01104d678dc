/*
 * Serving ocalls.  The host runs the calls the enclave asks for, with the
 * arguments it was given (pointers into the shared bounce buffers).  Calls
 * that would change the host process itself are refused even if asked:
 * the enclave never needs them and a confused request must not run.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sim.h"

#define SCONCE_EXIT_SECURITY 125

static long raw_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static int refused(long nr)
{
	switch (nr) {
	case SYS_exit: case SYS_exit_group: case SYS_clone: case SYS_clone3:
	case SYS_fork: case SYS_vfork: case SYS_execve: case SYS_execveat:
	case SYS_mmap: case SYS_munmap: case SYS_mprotect: case SYS_mremap:
	case SYS_brk: case SYS_arch_prctl: case SYS_rt_sigaction:
	case SYS_rt_sigprocmask: case SYS_rt_sigreturn: case SYS_sigaltstack:
	case SYS_seccomp: case SYS_prctl: case SYS_ptrace: case SYS_set_tid_address:
	case SYS_process_vm_readv: case SYS_process_vm_writev:
		return 1;
	}
	return 0;
}

/* A message from the enclave must lie inside this thread's bounce buffer. */
static int message(struct enclave *e, unsigned index, uint64_t p, uint64_t len,
		   const char **msg, int *n)
{
	uintptr_t lo = (uintptr_t)e->shared + e->boot->bounce_off + index * e->boot->bounce_size;
	if (p < lo || len > e->boot->bounce_size || p - lo > e->boot->bounce_size - len)
		return -1;
	*msg = (const char *)(uintptr_t)p;
	*n = (int)len;
	return 0;
}

int ocall_serve(struct enclave *e, struct sim_thread *t)
{
	struct sconce_frame *f = (struct sconce_frame *)(e->shared + e->boot->frames_off) + t->index;
	uint64_t code = f->ocall;
	const char *msg;
	int n;

	switch (code) {
	case SCONCE_OCALL_SYSCALL: {
		long nr = (long)f->nr;
		const uint64_t *a = f->args;
		f->ret = refused(nr) ? -ENOSYS
				     : raw_syscall6(nr, (long)a[0], (long)a[1], (long)a[2],
						    (long)a[3], (long)a[4], (long)a[5]);
		return 0;
	}
	case SCONCE_OCALL_EXIT:
		fflush(NULL);
		_exit((int)(f->args[0] & 0xff));
	case SCONCE_OCALL_KILLED: {
		int sig = (int)f->args[0];
		if (sig < 1 || sig > 64)
			sig = SIGABRT;
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(sig, &sa, NULL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	case SCONCE_OCALL_LOG:
	case SCONCE_OCALL_SECURITY:
		if (message(e, t->index, f->args[0], f->args[1], &msg, &n) < 0) {
			host_err("enclave message outside its buffer");
			_exit(SCONCE_EXIT_SECURITY);
		}
		if (code == SCONCE_OCALL_LOG) {
			fprintf(stderr, "sconce: %.*s\n", n, msg);
			return 0;
		}
		fprintf(stderr, "sconce: security violation: %.*s\n", n, msg);
		fflush(NULL);
		_exit(SCONCE_EXIT_SECURITY);
	case SCONCE_OCALL_SET_FS:
		t->encl_fs = f->args[0];
		return 0;
	}
	host_err("unknown ocall %llu from the enclave", (unsigned long long)code);
	return -1;
}
