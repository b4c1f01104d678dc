/*
 * System-call workers: host threads that take requests off the submission
 * ring, run them and post the slot number to the completion ring.  A
 * worker spins for a while, then sleeps on the submission counter.  The
 * pool grows whenever the last free worker picks up a request, so a set of
 * blocking calls (accept, epoll_wait, read on a socket) can never leave a
 * request without a worker; idle workers above the minimum exit.
 *
 * Workers run only host code, so they run without the seccomp filter that
 * ethreads carry (host/seccomp.c): their calls cost what a native call
 * costs, as the workers of an SGX enclave do.  A filter is inherited by
 * every thread its thread creates, so a worker is only ever created by
 * the launcher before the filter, by another worker, or by the spawner
 * thread, which does it for ethreads that find every worker busy.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "sim.h"
#include "queue.h"
#include "adversary.h"

#define IDLE_EXIT_NS 2000000000ull

static struct {
	struct enclave *e;
	struct sconce_control *ctl;
	struct sconce_ring *submit, *complete;
	uint64_t mask;
	uint64_t nslots;
	uint32_t ethreads;
	uint32_t min, max;
	uint64_t spin;
	uint32_t total;        /* live workers */
	uint32_t peak, spawned;
	uint32_t by_spawner;   /* of those spawned, created for an ethread */
	uint32_t spawn_wanted; /* workers reserved by ethreads, not yet created */
	uint32_t spawn_seq;    /* the spawner's futex */
} W;

static void *worker_main(void *arg);

/* Count a new worker in (live, and spinning from birth, so submitters do
 * not wake in vain) before it exists; 0 when the pool is at its maximum. */
static int reserve(void)
{
	uint32_t n = __atomic_add_fetch(&W.total, 1, __ATOMIC_ACQ_REL);
	if (n > W.max) {
		__atomic_sub_fetch(&W.total, 1, __ATOMIC_ACQ_REL);
		return 0;
	}
	__atomic_add_fetch(&W.ctl->workers_spinning, 1, __ATOMIC_SEQ_CST);
	return 1;
}

static int start_thread(void *(*fn)(void *), const char *name)
{
	pthread_t th;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	int r = pthread_create(&th, &attr, fn, NULL);
	pthread_attr_destroy(&attr);
	if (r == 0)
		pthread_setname_np(th, name); /* for top -H, ps -L and tests/35 */
	return r;
}

/* Create the worker reserved for; never on an ethread.  0 on success. */
static int create_reserved(void)
{
	if (start_thread(worker_main, "sconce-worker") != 0) {
		__atomic_sub_fetch(&W.ctl->workers_spinning, 1, __ATOMIC_SEQ_CST);
		__atomic_sub_fetch(&W.total, 1, __ATOMIC_ACQ_REL);
		return -1;
	}
	uint32_t n = __atomic_load_n(&W.total, __ATOMIC_ACQUIRE);
	__atomic_add_fetch(&W.spawned, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&W.ctl->workers_total, n, __ATOMIC_SEQ_CST);
	/* Workers and the spawner create workers concurrently. */
	uint32_t peak = __atomic_load_n(&W.peak, __ATOMIC_RELAXED);
	while (n > peak && !__atomic_compare_exchange_n(&W.peak, &peak, n, 1,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return 0;
}

/* On a worker or the launcher before the filter. */
static void spawn(void)
{
	if (reserve())
		create_reserved();
}

/* On an ethread: the spawner creates the worker. */
static void spawn_from_ethread(void)
{
	if (!reserve())
		return;
	__atomic_add_fetch(&W.spawn_wanted, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&W.spawn_seq, 1, __ATOMIC_SEQ_CST);
	futex_wake(&W.spawn_seq, 1);
}

static void *spawner_main(void *arg)
{
	(void)arg;
	for (;;) {
		uint32_t seq = __atomic_load_n(&W.spawn_seq, __ATOMIC_SEQ_CST);
		for (uint32_t n = __atomic_exchange_n(&W.spawn_wanted, 0, __ATOMIC_SEQ_CST); n; n--)
			if (create_reserved() == 0)
				__atomic_add_fetch(&W.by_spawner, 1, __ATOMIC_RELAXED);
		futex_wait(&W.spawn_seq, seq, 0);
	}
	return NULL;
}

/* v is the submission's tag: generation in the high half, slot below. */
static void run_slot(uint64_t v)
{
	uint64_t i = v & 0xffffffffu;
	if (i >= W.nslots) { /* nonsense from a confused enclave: drop it */
		__atomic_add_fetch(&W.ctl->workers_spinning, 1, __ATOMIC_SEQ_CST);
		return;
	}
	slot_call(W.e, i, NULL);
	/* Free again before the enclave can see the result, so that its next
	 * request finds a spinning worker instead of waking a sleeping one. */
	__atomic_add_fetch(&W.ctl->workers_spinning, 1, __ATOMIC_SEQ_CST);
	/* Transiently full while the enclave is between claiming and freeing
	 * a cell; never drop a completion. */
	while (ring_push(W.complete, W.mask, v) < 0)
		__builtin_ia32_pause();
	adversary_completed(W.e, v);
	/* An idle ethread counts itself before its last look at the ring, and
	 * one leaving for an exit looks at it after counting itself.  Wake one
	 * only when no ethread is left running inside to take the completion:
	 * with many ethreads, waking one per completion costs a futex call and
	 * a thread that finds nothing to do. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint32_t idle = __atomic_load_n(&W.ctl->ethreads_idle, __ATOMIC_SEQ_CST);
	if (idle && idle + ethreads_in_exit() >= W.ethreads) {
		__atomic_add_fetch(&W.ctl->wake_seq, 1, __ATOMIC_SEQ_CST);
		futex_wake(&W.ctl->wake_seq, 1);
	}
}

/* Sleep until the submission ring has work.  Returns 1 if this worker
 * should exit instead (idle for long, and above the minimum). */
static int sleep_for_work(void)
{
	uint32_t *sleeping = &W.ctl->workers_sleeping;
	__atomic_add_fetch(sleeping, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t seq = __atomic_load_n(&W.ctl->sub_seq, __ATOMIC_SEQ_CST);
		if (!ring_empty(W.submit, W.mask))
			break;
		long r = futex_wait(&W.ctl->sub_seq, seq, IDLE_EXIT_NS);
		if (r < 0 && errno == ETIMEDOUT && ring_empty(W.submit, W.mask)) {
			uint32_t n = __atomic_load_n(&W.total, __ATOMIC_ACQUIRE);
			if (n > W.min && __atomic_compare_exchange_n(&W.total, &n, n - 1, 0,
								     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				__atomic_store_n(&W.ctl->workers_total, n - 1, __ATOMIC_SEQ_CST);
				__atomic_sub_fetch(sleeping, 1, __ATOMIC_SEQ_CST);
				return 1; /* shrink */
			}
		}
	}
	__atomic_sub_fetch(sleeping, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void *worker_main(void *arg)
{
	(void)arg;
	uint32_t *spinning = &W.ctl->workers_spinning;
	uint64_t v, idle = 0;
	for (;;) {
		if (ring_pop(W.submit, W.mask, &v) == 0) {
			/* More requests wait and no other worker is free: add
			 * one before this call may block. */
			if (__atomic_sub_fetch(spinning, 1, __ATOMIC_SEQ_CST) == 0 &&
			    !__atomic_load_n(&W.ctl->workers_sleeping, __ATOMIC_SEQ_CST) &&
			    !ring_empty(W.submit, W.mask))
				spawn();
			run_slot(v); /* counts us spinning again before completing */
			idle = 0;
			continue;
		}
		if (++idle < W.spin) {
			__builtin_ia32_pause();
			continue;
		}
		__atomic_sub_fetch(spinning, 1, __ATOMIC_SEQ_CST);
		if (sleep_for_work())
			return NULL;
		__atomic_add_fetch(spinning, 1, __ATOMIC_SEQ_CST);
		idle = 0;
	}
}

/* An ethread is about to sleep: requests still queued with no free
 * worker mean every worker is blocked in a long call; add one. */
void workers_before_idle(void)
{
	if (!ring_empty(W.submit, W.mask) &&
	    !__atomic_load_n(&W.ctl->workers_spinning, __ATOMIC_SEQ_CST))
		workers_wake();
}

/* The enclave found no spinning worker for a queued request: wake a
 * sleeping one, or, if every worker is busy (blocked in a long call),
 * add one so that blocking calls cannot starve the rest. */
void workers_wake(void)
{
	if (__atomic_load_n(&W.ctl->workers_sleeping, __ATOMIC_SEQ_CST)) {
		__atomic_add_fetch(&W.ctl->sub_seq, 1, __ATOMIC_SEQ_CST);
		futex_wake(&W.ctl->sub_seq, 1);
	} else if (!__atomic_load_n(&W.ctl->workers_spinning, __ATOMIC_SEQ_CST)) {
		spawn_from_ethread();
	}
}


int workers_start(struct enclave *e, const struct options *o)
{
	const struct sconce_boot *b = e->boot;
	W.e = e;
	W.ctl = (struct sconce_control *)(e->shared + b->control_off);
	W.submit = (struct sconce_ring *)(e->shared + b->submit_off);
	W.complete = (struct sconce_ring *)(e->shared + b->complete_off);
	W.mask = b->ring_size - 1;
	W.nslots = b->nslots;
	W.ethreads = e->ethreads_run; /* the others never run */
	W.min = o->workers;
	W.max = o->max_workers;
	W.spin = o->worker_spin;
	if (start_thread(spawner_main, "sconce-spawner") != 0)
		return -1;
	for (uint32_t i = 0; i < W.min; i++)
		spawn();
	return W.total == W.min ? 0 : -1;
}

void workers_stats(FILE *f)
{
	fprintf(f, "sconce: workers: %u live, %u peak, %u created (%u for ethreads)\n",
		__atomic_load_n(&W.total, __ATOMIC_ACQUIRE), __atomic_load_n(&W.peak, __ATOMIC_RELAXED),
		__atomic_load_n(&W.spawned, __ATOMIC_RELAXED),
		__atomic_load_n(&W.by_spawner, __ATOMIC_RELAXED));
}
