/*
 * Time: CLOCK_MONOTONIC never goes backwards, CLOCK_REALTIME agrees with
 * time() and gettimeofday(), nanosleep(20 ms) sleeps about 20 ms,
 * clock_getres works.  Prints only deterministic facts.
 */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

int main(void)
{
	struct timespec a, b, res;
	struct timeval tv;

	/* monotonic: non-decreasing over many calls */
	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime MONOTONIC");
	CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000, "tv_nsec in range");
	int backwards = 0;
	for (int i = 0; i < 10000; i++) {
		CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0, "clock_gettime");
		if (ns(&b) < ns(&a))
			backwards++;
		a = b;
	}
	CHECK(backwards == 0, "CLOCK_MONOTONIC went backwards %d times", backwards);
	printf("CLOCK_MONOTONIC non-decreasing: ok\n");

	/* realtime vs time() vs gettimeofday() */
	time_t t1 = time(NULL);
	REQUIRE(clock_gettime(CLOCK_REALTIME, &a) == 0, "clock_gettime REALTIME");
	CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday");
	time_t t2 = time(NULL);
	time_t t3;
	CHECK(time(&t3) == t3, "time(&t) stores its result");
	CHECK(t1 > 1600000000, "time() is after 2020 (%lld)", (long long)t1);
	CHECK(a.tv_sec >= t1 - 1 && a.tv_sec <= t2 + 1,
	      "REALTIME %lld within [time()-1, time()+1] (%lld..%lld)",
	      (long long)a.tv_sec, (long long)t1, (long long)t2);
	CHECK(tv.tv_sec >= a.tv_sec - 1 && tv.tv_sec <= t2 + 1,
	      "gettimeofday agrees");
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec in range");
	printf("CLOCK_REALTIME matches time(): ok\n");

	/* nanosleep 20 ms, measured with the monotonic clock */
	struct timespec req = {.tv_sec = 0, .tv_nsec = 20000000}, rem = {1, 1};
	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime");
	int r = nanosleep(&req, &rem);
	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &b) == 0, "clock_gettime");
	CHECK(r == 0, "nanosleep returns 0");
	int64_t slept = ns(&b) - ns(&a);
	CHECK(slept >= 20000000, "nanosleep slept at least 20 ms (%lld ns)",
	      (long long)slept);
	CHECK(slept < 2000000000, "nanosleep slept less than 2 s (%lld ns)",
	      (long long)slept);
	printf("nanosleep 20 ms: ok\n");

	/* usleep and clock_nanosleep go the same way */
	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime");
	CHECK(usleep(10000) == 0, "usleep");
	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &b) == 0, "clock_gettime");
	CHECK(ns(&b) - ns(&a) >= 10000000, "usleep slept at least 10 ms");
	struct timespec deadline = b;
	deadline.tv_nsec += 15000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_nsec -= 1000000000;
		deadline.tv_sec++;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == 0,
	      "clock_nanosleep TIMER_ABSTIME");
	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime");
	CHECK(ns(&a) >= ns(&deadline), "woke up after the absolute deadline");
	printf("usleep/clock_nanosleep: ok\n");

	/* a zero sleep returns at once */
	req.tv_nsec = 0;
	CHECK(nanosleep(&req, NULL) == 0, "nanosleep 0");
	req.tv_nsec = 1000000000;
	errno = 0;
	CHECK(nanosleep(&req, NULL) == -1 && errno == EINVAL,
	      "nanosleep with tv_nsec = 1e9 -> EINVAL");

	CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0, "clock_getres");
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000,
	      "MONOTONIC resolution at most 10 ms");
	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0 ||
		      errno == EINVAL || errno == ENOSYS,
	      "CLOCK_PROCESS_CPUTIME_ID");
	errno = 0;
	CHECK(clock_gettime((clockid_t)12345, &a) == -1 && errno == EINVAL,
	      "bad clock id -> EINVAL");
	printf("clock_getres: ok\n");
	printf("clocks: done\n");
	return check_exit();
}
