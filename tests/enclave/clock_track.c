/*
 * Clocks served inside the enclave (extrapolated from the TSC between
 * host readings) must track the host's clocks.  For 1.5 s, across several
 * refreshes: CLOCK_MONOTONIC never goes back, also as seen by a second
 * thread; CLOCK_REALTIME and CLOCK_MONOTONIC advance together (within
 * 2 ms); a 100 ms sleep measures 100-150 ms; CLOCK_REALTIME agrees with
 * the host kernel's time stamp on a file just written (within its tick).
 * Prints the first and last
 * CLOCK_REALTIME readings in ns for the test to compare with the host's.
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int64_t now(clockid_t c)
{
	struct timespec t;
	if (clock_gettime(c, &t) != 0)
		return -1;
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* CLOCK_REALTIME and CLOCK_MONOTONIC read together: a REALTIME reading on
 * each side of the MONOTONIC one, retried until they are close (this
 * thread may lose its CPU between two reads on a loaded machine), and the
 * REALTIME value taken in the middle. */
static void pair(int64_t *r, int64_t *m)
{
	for (int k = 0; k < 100; k++) {
		int64_t r1 = now(CLOCK_REALTIME);
		*m = now(CLOCK_MONOTONIC);
		int64_t r2 = now(CLOCK_REALTIME);
		*r = r1 + (r2 - r1) / 2;
		if (r2 - r1 < 100000)
			return;
	}
}

static int64_t published;
static volatile int stop;
static long cross_back;

/* Each reading must be at least what the other thread saw before it. */
static void *reader(void *arg)
{
	(void)arg;
	while (!stop) {
		int64_t seen = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
		int64_t v = now(CLOCK_MONOTONIC);
		if (v < seen)
			cross_back++;
		int64_t cur = __atomic_load_n(&published, __ATOMIC_RELAXED);
		while (v > cur && !__atomic_compare_exchange_n(&published, &cur, v, 1,
								__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			;
	}
	return NULL;
}

int main(void)
{
	pthread_t th[2];
	int64_t first, m0;
	pair(&first, &m0);
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&th[i], NULL, reader, NULL) == 0, "create");
	int64_t last_m = m0, worst = 0;
	long back = 0;
	struct timespec tick = { 0, 50000000 };
	for (int i = 0; i < 30; i++) {
		nanosleep(&tick, NULL);
		int64_t r, m;
		pair(&r, &m);
		if (m < last_m)
			back++;
		last_m = m;
		int64_t skew = (r - first) - (m - m0);
		if (skew < 0)
			skew = -skew;
		if (skew > worst)
			worst = skew;
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(back == 0, "CLOCK_MONOTONIC went back %ld times", back);
	CHECK(cross_back == 0, "CLOCK_MONOTONIC behind another thread's reading %ld times", cross_back);
	CHECK(worst < 2000000, "REALTIME and MONOTONIC drifted apart by %lld ns", (long long)worst);
	struct timespec d = { 0, 100000000 };
	int64_t s0 = now(CLOCK_MONOTONIC);
	nanosleep(&d, NULL);
	int64_t slept = now(CLOCK_MONOTONIC) - s0;
	CHECK(slept >= 100000000 && slept < 150000000, "100 ms sleep measured %lld ns", (long long)slept);
	struct timeval tv;
	CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday");
	int64_t last = now(CLOCK_REALTIME);
	int64_t tv_ns = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
	CHECK(tv_ns <= last && last - tv_ns < 10000000, "gettimeofday agrees with CLOCK_REALTIME");
	FILE *f = tmpfile();
	struct stat st;
	REQUIRE(f && fputc('x', f) == 'x' && fflush(f) == 0 && fstat(fileno(f), &st) == 0, "tmpfile");
	int64_t stamp = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	int64_t after_write = now(CLOCK_REALTIME);
	CHECK(after_write >= stamp - 1000000 && after_write <= stamp + 10000000,
	      "CLOCK_REALTIME %lld ns from the host's file time stamp", (long long)(after_write - stamp));
	fclose(f);
	printf("%lld %lld\n", (long long)first, (long long)last);
	return check_failures != 0;
}
