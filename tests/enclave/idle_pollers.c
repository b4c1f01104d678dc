/*
 * Seven threads that mostly sleep: each wakes every millisecond for a
 * moment of work, 300 times.  Run on 8 ethreads, the ethreads left idle
 * after each wake-up poll for work before they sleep; only one of them at
 * a time should, so the process uses about one CPU at most, not all of
 * them.  Prints "cpu/wall R" (CPU time of the whole process from
 * getrusage over wall time, x100) for tests/37 to check.
 */
#include "check.h"

#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define THREADS 7
#define ROUNDS 300

static volatile unsigned long sink;

static void *sleeper(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		CHECK(usleep(1000) == 0, "usleep");
		for (int k = 0; k < 1000; k++)
			sink += (unsigned long)k;
	}
	return NULL;
}

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(void)
{
	pthread_t th[THREADS];
	struct timespec t0, t1;
	struct rusage r0, r1;
	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &t0) == 0, "clock_gettime");
	REQUIRE(getrusage(RUSAGE_SELF, &r0) == 0, "getrusage");
	for (int i = 0; i < THREADS; i++)
		REQUIRE(pthread_create(&th[i], NULL, sleeper, NULL) == 0, "pthread_create");
	for (int i = 0; i < THREADS; i++)
		REQUIRE(pthread_join(th[i], NULL) == 0, "pthread_join");
	REQUIRE(getrusage(RUSAGE_SELF, &r1) == 0, "getrusage");
	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &t1) == 0, "clock_gettime");
	double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double cpu = seconds(r1.ru_utime) - seconds(r0.ru_utime) +
		     seconds(r1.ru_stime) - seconds(r0.ru_stime);
	fprintf(stderr, "cpu %.3f s, wall %.3f s\n", cpu, wall);
	printf("cpu/wall %d\n", wall > 0 ? (int)(100 * cpu / wall) : -1);
	return check_exit();
}
