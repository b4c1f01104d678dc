/*
 * Clock reads from many threads at once: 8 threads each read
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME 5,000 times (yielding now and then),
 * each thread's readings never go backwards, and the program is not
 * stopped for reading clocks concurrently.
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define NT 8
#define ITER 5000

static int64_t ns(clockid_t c)
{
	struct timespec t;
	if (clock_gettime(c, &t) != 0)
		return -1;
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *reader(void *arg)
{
	int id = (int)(intptr_t)arg;
	int64_t last_m = 0, last_b = 0;
	long back = 0, fail = 0;
	for (int i = 0; i < ITER; i++) {
		clockid_t c = (i + id) % 2 ? CLOCK_MONOTONIC : CLOCK_BOOTTIME;
		int64_t *last = c == CLOCK_MONOTONIC ? &last_m : &last_b;
		int64_t v = ns(c);
		if (v < 0)
			fail++;
		else if (v < *last)
			back++;
		else
			*last = v;
		if (i % 64 == id)
			sched_yield();
	}
	CHECK(!back && !fail, "thread %d: %ld backwards, %ld failed", id, back, fail);
	return (void *)(intptr_t)(back + fail);
}

int main(void)
{
	pthread_t th[NT];
	long bad = 0;
	for (int i = 0; i < NT; i++)
		REQUIRE(pthread_create(&th[i], NULL, reader, (void *)(intptr_t)i) == 0, "create");
	for (int i = 0; i < NT; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad += (intptr_t)r;
	}
	printf("%d threads x %d clock reads: %ld bad\n", NT, ITER, bad);
	return check_exit();
}
