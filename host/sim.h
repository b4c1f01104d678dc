/* The sim backend: the enclave as a fixed region of this process. */
#ifndef SCONCE_SIM_H
#define SCONCE_SIM_H

#include <signal.h>
#include <stddef.h>
#include "host.h"

#define ALTSTACK_SIZE 65536

/* Per host thread that enters the enclave.  The first fields are used by
 * sim_enter.S; keep the offsets in step. */
/* A host thread that runs slot calls interruptibly (slot_call.c). */
struct slot_caller {
	uint64_t token;           /* numbers this thread's calls */
	volatile uint64_t cancel; /* the token of the call to cut short */
	pid_t tid;
};

struct sim_thread {
	uint64_t entry;       /* absolute address of the enclave entry */
	uint64_t host_fs;     /* glibc's thread pointer for this thread */
	uint64_t encl_fs;     /* enclave FS when the CPU lacks FSGSBASE */
	uint64_t fsgsbase;
	uint64_t exit_value;
	uint64_t exit_counted; /* the fast path counted this exit (slot_call.c) */
	uint64_t in_exit;      /* 1 while in an exit counted for the workers */
	uint64_t exit_nr;      /* the fast path's call, read once from the slot */
	unsigned index;
	uint64_t gs;          /* the control page (OGSBASGX) */
	void *altstack;
	struct enclave *encl; /* for the exit fast path, which has no TLS */
	struct slot_caller caller; /* found from the signal stack, not TLS */
} __attribute__((aligned(64))); /* in_exit: no line shared between ethreads */

_Static_assert(offsetof(struct sim_thread, entry) == 0, "sim_enter.S");
_Static_assert(offsetof(struct sim_thread, host_fs) == 8, "sim_enter.S");
_Static_assert(offsetof(struct sim_thread, encl_fs) == 16, "sim_enter.S");
_Static_assert(offsetof(struct sim_thread, fsgsbase) == 24, "sim_enter.S");
_Static_assert(offsetof(struct sim_thread, exit_value) == 32, "sim_enter.S");
_Static_assert(offsetof(struct sim_thread, exit_counted) == 40, "sim_enter.S");
_Static_assert(offsetof(struct sim_thread, in_exit) == 48, "sim_enter.S");
_Static_assert(offsetof(struct sim_thread, exit_nr) == 56, "sim_enter.S");

struct enclave {
	uint8_t *base;
	uint64_t size;
	struct layout lay;
	uint8_t mrenclave[32];
	uint8_t *shared;          /* untrusted shared area */
	uint64_t shared_size;
	struct sconce_boot *boot;
	int fsgsbase;
	int stats;
	uint32_t ethreads_run;    /* of the layout's ethreads, how many run */
};

#define SCONCE_EXIT_SECURITY 125

long sim_enter(struct sim_thread *t, long cmd, long arg) __attribute__((visibility("hidden")));
void sim_signal_entry(int sig, siginfo_t *si, void *uc) __attribute__((visibility("hidden")));
void sim_signal_handler(int sig, siginfo_t *si, void *uc, struct sim_thread *t)
	__attribute__((visibility("hidden")));

/* sim.c */
int sim_create(struct enclave *e, const struct image *img, const struct options *o,
	       int argc, char **argv);
int sim_run(struct enclave *e, const struct options *o, uint64_t entry);

/* seccomp.c */
int seccomp_install(uintptr_t base, uint64_t size);

/* fault.c */
void fault_init(struct enclave *e);
int thread_signal_stack(struct sim_thread *t);

/* ocall.c: serve one ocall; returns 0 to resume the enclave */
int ocall_serve(struct enclave *e, struct sim_thread *t);
int ocall_refused(long nr);
void print_stats(struct enclave *e, FILE *f);

/* worker.c */
int workers_start(struct enclave *e, const struct options *o);
void workers_wake(void);
void workers_before_idle(void);
void workers_stats(FILE *f);

/* slot_call.c: run slot i's call on this host thread, interruptibly */
int slot_calls_init(struct enclave *e);
void slot_call(struct enclave *e, uint64_t i, struct sim_thread *ethread); /* NULL: a worker */
uintptr_t slot_call_fast(struct sim_thread *t); /* from sim_enter.S, enclave FS loaded */
void slot_calls_inspected(void);         /* leak check or adversary: no fast path */
void slot_interrupt(uint64_t i);
void slot_interrupt_ethreads(void);
uint32_t ethreads_in_exit(void); /* ethread.c: how many are in a counted exit */
struct sim_thread *ethread_of_altstack(const void *ss_sp); /* ethread.c */

/* hostsig.c */
int host_signals_start(struct enclave *e);
void host_signals_block(void);

int cpu_has_fsgsbase(void);

#endif
