/*
 * Thread creation and join: 1,000 threads in rounds of 100, each returning
 * a value main checks (half by return, half by pthread_exit); 300 threads
 * alive at the same time on small stacks; detached threads (by attribute
 * and by pthread_detach) that report through a semaphore.
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>

#define TOTAL 1000
#define ROUND 100
#define ALIVE 300
#define DETACHED 200

static void *worker(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	volatile uintptr_t v = i * 3 + 1;
	for (int k = 0; k < 100; k++)
		v = v + (uintptr_t)k - (uintptr_t)k;
	if (i & 1)
		pthread_exit((void *)(v));
	return (void *)v;
}

static void rounds(void)
{
	pthread_t th[ROUND];
	unsigned long sum = 0;
	int created = 0, joined = 0;
	for (int base = 0; base < TOTAL; base += ROUND) {
		for (int i = 0; i < ROUND; i++) {
			int r = pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(base + i));
			REQUIRE(r == 0, "pthread_create %d: %s", base + i, strerror(r));
			created++;
		}
		for (int i = 0; i < ROUND; i++) {
			void *ret = NULL;
			int r = pthread_join(th[i], &ret);
			CHECK(r == 0, "pthread_join %d: %s", base + i, strerror(r));
			CHECK((uintptr_t)ret == (uintptr_t)(base + i) * 3 + 1,
			      "thread %d returned %lu", base + i, (unsigned long)(uintptr_t)ret);
			sum += (uintptr_t)ret;
			joined++;
		}
	}
	printf("rounds: created %d joined %d sum %lu\n", created, joined, sum);
}

static pthread_barrier_t all_up;

static void *waiter(void *arg)
{
	pthread_barrier_wait(&all_up);
	return (void *)((uintptr_t)arg ^ 0x5a5a);
}

static void many_alive(void)
{
	static pthread_t th[ALIVE];
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	CHECK(pthread_attr_setstacksize(&attr, 32 * 1024) == 0, "setstacksize");
	pthread_barrier_init(&all_up, NULL, ALIVE + 1);
	for (int i = 0; i < ALIVE; i++) {
		int r = pthread_create(&th[i], &attr, waiter, (void *)(uintptr_t)i);
		REQUIRE(r == 0, "pthread_create alive %d: %s", i, strerror(r));
	}
	pthread_barrier_wait(&all_up);
	int good = 0;
	for (int i = 0; i < ALIVE; i++) {
		void *ret;
		if (pthread_join(th[i], &ret) == 0 && (uintptr_t)ret == ((uintptr_t)i ^ 0x5a5a))
			good++;
	}
	CHECK(good == ALIVE, "only %d of %d alive threads joined correctly", good, ALIVE);
	printf("alive at once: %d joined\n", good);
	pthread_barrier_destroy(&all_up);
	pthread_attr_destroy(&attr);
}

static sem_t done;
static int detached_sum;

static void *detached(void *arg)
{
	__atomic_fetch_add(&detached_sum, (int)(uintptr_t)arg, __ATOMIC_SEQ_CST);
	sem_post(&done);
	return NULL;
}

static void detach_batch(int batch)
{
	pthread_attr_t attr;
	int state = -1;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_getdetachstate(&attr, &state);
	CHECK(state == PTHREAD_CREATE_DETACHED, "detach state attribute");
	detached_sum = 0;
	for (int i = 0; i < DETACHED; i++) {
		pthread_t t;
		int r;
		if (i % 2) {
			r = pthread_create(&t, &attr, detached, (void *)(uintptr_t)i);
		} else {
			r = pthread_create(&t, NULL, detached, (void *)(uintptr_t)i);
			if (r == 0)
				CHECK(pthread_detach(t) == 0, "pthread_detach %d", i);
		}
		REQUIRE(r == 0, "pthread_create detached %d: %s", i, strerror(r));
	}
	for (int i = 0; i < DETACHED; i++)
		while (sem_wait(&done) != 0)
			CHECK(errno == EINTR, "sem_wait");
	int sum = __atomic_load_n(&detached_sum, __ATOMIC_SEQ_CST);
	printf("detached batch %d: %d finished, sum %d\n", batch, DETACHED, sum);
	CHECK(sum == DETACHED * (DETACHED - 1) / 2, "detached sum %d", sum);
	pthread_attr_destroy(&attr);
}

int main(void)
{
	rounds();
	many_alive();
	sem_init(&done, 0, 0);
	detach_batch(1);
	detach_batch(2); /* reuses what the first batch freed */
	return check_exit();
}
