/*
 * Enclave threads: a host thread bound to one TCS, entering the enclave
 * and serving its ocalls until the application ends.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/prctl.h>
#include "sim.h"

static uint64_t read_fs(void)
{
	uint64_t fs = 0;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
	return fs;
}

/* A signal stack aligned to its size, with the owning sim_thread at its
 * base, so the signal entry can find it without TLS. */
int thread_signal_stack(struct sim_thread *t)
{
	uint8_t *p = mmap(NULL, 2 * ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	uint8_t *a = (uint8_t *)(((uintptr_t)p + ALTSTACK_SIZE - 1) & ~(uintptr_t)(ALTSTACK_SIZE - 1));
	*(struct sim_thread **)a = t;
	stack_t ss = { .ss_sp = a + 64, .ss_size = ALTSTACK_SIZE - 64, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) < 0)
		return -1;
	t->altstack = a;
	return 0;
}

static int thread_init(struct enclave *e, struct sim_thread *t, unsigned index, uint64_t entry)
{
	memset(t, 0, sizeof(*t));
	t->index = index;
	t->encl = e;
	t->caller.tid = (pid_t)syscall(SYS_gettid);
	t->entry = (uint64_t)(uintptr_t)e->base + entry;
	t->fsgsbase = (uint64_t)e->fsgsbase;
	t->host_fs = read_fs();
	t->gs = (uint64_t)(uintptr_t)e->base + e->lay.l.ethread[index].ctl_off;
	/* The hardware loads GS from the TCS on every EENTER; host code never
	 * uses GS, so in sim it is set once for the life of the thread. */
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, t->gs) < 0) {
		host_err("ethread %u: setting GS: %s", index, strerror(errno));
		return -1;
	}
	if (thread_signal_stack(t) < 0) {
		host_err("ethread %u: signal stack: %s", index, strerror(errno));
		return -1;
	}
	return 0;
}

/* Enter as ethread t and serve its ocalls; returns only on failure. */
static void ethread_loop(struct enclave *e, struct sim_thread *t, long cmd, long arg)
{
	long r = sim_enter(t, cmd, arg);
	while (r == SCONCE_EXIT_OCALL) {
		if (ocall_serve(e, t) < 0)
			break;
		r = sim_enter(t, SCONCE_ENTER_RESUME, 0);
	}
	if (r != SCONCE_EXIT_OCALL)
		host_err("ethread %u: the enclave returned unexpectedly (reason %ld, value %ld)",
			 t->index, r, (long)t->exit_value);
	fflush(NULL);
	_exit(1);
}

static struct enclave *encl;
static struct sim_thread threads[SCONCE_MAX_ETHREADS];
static uint64_t entry_off;

/* The ethread whose signal stack holds ss_sp, or NULL.  Called from a
 * signal handler that may run with the enclave's FS: no TLS, and nothing
 * is read through ss_sp itself. */
__attribute__((no_sanitize("address", "undefined")))
struct sim_thread *ethread_of_altstack(const void *ss_sp)
{
	uintptr_t p = (uintptr_t)ss_sp;
	for (unsigned i = 0; encl && i < encl->lay.l.ethreads; i++) {
		uintptr_t a = (uintptr_t)threads[i].altstack;
		if (a && p >= a && p < a + ALTSTACK_SIZE)
			return &threads[i];
	}
	return NULL;
}

/* Ethreads now in an exit the workers must count (slot_call.c): they take
 * no completions meanwhile.  One flag per ethread, each in its own line. */
uint32_t ethreads_in_exit(void)
{
	uint32_t n = 0;
	for (unsigned i = 0; encl && i < encl->ethreads_run; i++)
		n += (uint32_t)__atomic_load_n(&threads[i].in_exit, __ATOMIC_SEQ_CST);
	return n;
}

static void *ethread_main(void *arg)
{
	struct sim_thread *t = arg;
	if (thread_init(encl, t, t->index, entry_off) < 0)
		_exit(1);
	ethread_loop(encl, t, SCONCE_ENTER_THREAD, 0);
	return NULL;
}

int sim_run(struct enclave *e, const struct options *o, uint64_t entry)
{
	encl = e;
	entry_off = entry;
	/* SIGPIPE is raised inside the enclave from EPIPE results, so that
	 * the application's own disposition decides. */
	signal(SIGPIPE, SIG_IGN);
	host_signals_block();
	fault_init(e);
	if (thread_init(e, &threads[0], 0, entry) < 0)
		return -1;
	if (slot_calls_init(e) < 0) {
		host_err("host calls: %s", strerror(errno));
		return -1;
	}
	/* The host's own threads first, then the filter on this thread, which
	 * becomes ethread 0 and whose children, the other ethreads, inherit
	 * it: only ethreads ever run enclave code (host/seccomp.c). */
	if (host_signals_start(e) < 0 || (o->async && workers_start(e, o) < 0))
		return -1;
	if (seccomp_install((uintptr_t)e->base, e->size) < 0)
		return -1;
	for (unsigned i = 1; i < e->ethreads_run; i++) {
		pthread_t th;
		pthread_attr_t attr;
		threads[i].index = i;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, ethread_main, &threads[i]) != 0) {
			host_err("cannot start ethread %u", i);
			return -1;
		}
		pthread_setname_np(th, "sconce-ethread");
		pthread_attr_destroy(&attr);
	}
	ethread_loop(e, &threads[0], SCONCE_ENTER_BOOT, (long)(uintptr_t)e->shared);
	return -1;
}
