/*
 * Synchronisation stress with exact final counts: a mutex-protected
 * counter, a condition-variable bounded buffer, a rwlock keeping two
 * counters equal, a barrier over many rounds.  Timeouts: mt_timedwait.c.
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

#define NT 6
#define ITER 20000
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t bar;
static long counter, a, b, torn, serial, round_no, round_bad;
#define QN 16
#define ITEMS 30000
static int q[QN], qhead, qcount, produced;
static long consumed_sum, consumed_n;

static void run(void *(*fn)(void *), int n)
{
	pthread_t th[NT];
	for (int i = 0; i < n; i++)
		REQUIRE(pthread_create(&th[i], NULL, fn, (void *)(intptr_t)i) == 0, "create");
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

static void *mutex_fn(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITER; i++) {
		pthread_mutex_lock(&mu);
		long v = counter;
		if (i % 512 == 0)
			sched_yield(); /* switch while holding the lock */
		counter = v + 1;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void *producer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (qcount == QN && produced < ITEMS)
			pthread_cond_wait(&not_full, &mu);
		if (produced == ITEMS) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		q[(qhead + qcount++) % QN] = ++produced;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&mu);
	}
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (qcount == 0 && consumed_n < ITEMS)
			pthread_cond_wait(&not_empty, &mu);
		if (qcount == 0) {
			pthread_cond_broadcast(&not_empty);
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		consumed_sum += q[qhead];
		qhead = (qhead + 1) % QN;
		qcount--;
		if (++consumed_n == ITEMS)
			pthread_cond_broadcast(&not_empty);
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&mu);
	}
}

static void *pc_fn(void *arg)
{
	return (intptr_t)arg % 2 ? producer(arg) : consumer(arg);
}

static void *rw_fn(void *arg)
{
	for (int i = 0; i < ITER / 4; i++) {
		if ((intptr_t)arg < 2) {
			pthread_rwlock_wrlock(&rw);
			a++;
			if (i % 256 == 0)
				sched_yield();
			b++;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			if (a != b)
				__atomic_fetch_add(&torn, 1, __ATOMIC_RELAXED);
			pthread_rwlock_unlock(&rw);
		}
	}
	return NULL;
}

static void *bar_fn(void *arg)
{
	(void)arg;
	for (int r = 0; r < 500; r++) {
		if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD) {
			__atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED);
			round_no++; /* alone between the two barriers */
		}
		pthread_barrier_wait(&bar);
		if (__atomic_load_n(&round_no, __ATOMIC_RELAXED) != r + 1)
			__atomic_fetch_add(&round_bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(void)
{
	run(mutex_fn, NT);
	printf("mutex: %ld (want %d)\n", counter, NT * ITER);
	CHECK(counter == NT * ITER, "mutex counter");
	run(pc_fn, NT);
	printf("condvar: %ld items, sum %ld\n", consumed_n, consumed_sum);
	CHECK(consumed_sum == (long)ITEMS * (ITEMS + 1) / 2, "condvar sum");
	run(rw_fn, NT);
	printf("rwlock: a=%ld b=%ld torn=%ld\n", a, b, torn);
	CHECK(a == 2 * ITER / 4 && b == a && torn == 0, "rwlock");
	pthread_barrier_init(&bar, NULL, NT);
	run(bar_fn, NT);
	printf("barrier: rounds %ld serial %ld bad %ld\n", round_no, serial, round_bad);
	CHECK(round_no == 500 && serial == 500 && round_bad == 0, "barrier");
	return check_exit();
}
