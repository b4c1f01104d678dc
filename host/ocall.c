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
#include "queue.h"
#include "adversary.h"

int ocall_refused(long nr)
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
	uintptr_t lo = (uintptr_t)e->shared + e->boot->msg_off + index * SCONCE_MSG_SIZE;
	if (p < lo || len > SCONCE_MSG_SIZE || p - lo > SCONCE_MSG_SIZE - len)
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

	struct sconce_control *ctl = (struct sconce_control *)(e->shared + e->boot->control_off);

	switch (code) {
	case SCONCE_OCALL_SLOT: {
		uint64_t i = f->args[0];
		if (i >= e->boot->nslots)
			break;
		slot_call(e, i, t);
		return 0;
	}
	case SCONCE_OCALL_WAKE_WORKER:
		workers_wake();
		return 0;
	case SCONCE_OCALL_IDLE: {
		struct sconce_ring *done = (struct sconce_ring *)(e->shared + e->boot->complete_off);
		if (e->boot->flags & SCONCE_BOOT_ASYNC)
			workers_before_idle();
		__atomic_add_fetch(&ctl->ethreads_idle, 1, __ATOMIC_SEQ_CST);
		/* Workers bump wake_seq only when they see an idle ethread, so
		 * look once more after counting ourselves. */
		if (ring_empty(done, e->boot->ring_size - 1))
			futex_wait(&ctl->wake_seq, (uint32_t)f->args[0], f->args[1]);
		__atomic_sub_fetch(&ctl->ethreads_idle, 1, __ATOMIC_SEQ_CST);
		return 0;
	}
	case SCONCE_OCALL_WAKE_ETHREAD:
		futex_wake(&ctl->wake_seq, 1);
		return 0;
	case SCONCE_OCALL_INTERRUPT:
		slot_interrupt(f->args[0]);
		return 0;
	case SCONCE_OCALL_EXIT:
		if (e->stats)
			print_stats(e, stderr);
		fflush(NULL);
		_exit((int)(f->args[0] & 0xff));
	case SCONCE_OCALL_KILLED: {
		int sig = (int)f->args[0];
		if (e->stats)
			print_stats(e, stderr);
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
	host_err("malformed ocall %llu from the enclave", (unsigned long long)code);
	return -1;
}

void print_stats(struct enclave *e, FILE *f)
{
	const struct sconce_control *c = (const void *)(e->shared + e->boot->control_off);
	fprintf(f, "sconce: calls: %llu async, %llu sync, %llu exits\n",
		(unsigned long long)c->st_async, (unsigned long long)c->st_sync,
		(unsigned long long)c->st_exits);
	fprintf(f, "sconce: batched: %llu deferred to the next call, %llu answered from the open\n",
		(unsigned long long)c->st_deferred, (unsigned long long)c->st_fused);
	fprintf(f, "sconce: threads: %llu created, %llu switches, %llu futex waits, %llu idle sleeps\n",
		(unsigned long long)c->st_threads, (unsigned long long)c->st_switches,
		(unsigned long long)c->st_futex_waits, (unsigned long long)c->st_idle);
	fprintf(f, "sconce: ethreads: %u of %u run\n", e->ethreads_run, e->lay.l.ethreads);
	workers_stats(f);
}
