/*
 * Sleeps and timeouts measured with CLOCK_MONOTONIC: nanosleep, usleep,
 * clock_nanosleep (relative, and TIMER_ABSTIME on CLOCK_MONOTONIC and
 * CLOCK_REALTIME), a raw FUTEX_WAIT with a timeout, an absolute
 * FUTEX_WAIT_BITSET, all >= the request and not absurdly long; several
 * threads sleeping at once end in deadline order; a deadline in the past
 * returns at once; invalid requests give EINVAL.
 */
#define _GNU_SOURCE
#include "check.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SLACK_MS 1500 /* "absurdly long" */

static int64_t now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
	return t;
}

/* Checks one measured duration against the request, in ns. */
static void within(const char *what, int64_t t0, int64_t want)
{
	int64_t got = now_ns(CLOCK_MONOTONIC) - t0;
	CHECK(got >= want, "%s: slept %.3f ms, asked %.3f ms", what, got / 1e6, want / 1e6);
	CHECK(got < want + (int64_t)SLACK_MS * 1000000, "%s: slept %.3f ms, asked %.3f ms", what,
	      got / 1e6, want / 1e6);
	printf("%s %.0f ms: done\n", what, want / 1e6);
}

static void sleeps(void)
{
	static const int ms[] = { 1, 10, 50, 120 };
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		int64_t want = (int64_t)ms[i] * 1000000, t0;
		struct timespec req = ts_of(want);
		t0 = now_ns(CLOCK_MONOTONIC);
		CHECK(nanosleep(&req, NULL) == 0, "nanosleep");
		within("nanosleep", t0, want);
		t0 = now_ns(CLOCK_MONOTONIC);
		CHECK(usleep((useconds_t)(want / 1000)) == 0, "usleep");
		within("usleep", t0, want);
		t0 = now_ns(CLOCK_MONOTONIC);
		CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0, "clock_nanosleep");
		within("clock_nanosleep relative", t0, want);
		t0 = now_ns(CLOCK_MONOTONIC);
		struct timespec abs = ts_of(t0 + want);
		CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0, "abstime");
		within("clock_nanosleep monotonic abstime", t0, want);
		t0 = now_ns(CLOCK_MONOTONIC); /* first: no host call shortens the span */
		int64_t r0 = now_ns(CLOCK_REALTIME);
		abs = ts_of(r0 + want);
		CHECK(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL) == 0, "rt abstime");
		CHECK(now_ns(CLOCK_REALTIME) >= r0 + want, "realtime abstime: woke before the deadline");
		within("clock_nanosleep realtime abstime", t0, want - 1000000); /* clocks drift apart */
	}
	struct timespec past = { 1, 0 }, bad = { 0, 1000000000 };
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL) == 0, "past deadline");
	CHECK(now_ns(CLOCK_MONOTONIC) - t0 < 200000000, "a past deadline returns at once");
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL, "tv_nsec 1e9 -> EINVAL");
	CHECK_ERR(nanosleep(&bad, NULL), EINVAL, "nanosleep tv_nsec 1e9");
}

static void futexes(void)
{
	int word = 0;
	int64_t want = 60000000, t0 = now_ns(CLOCK_MONOTONIC);
	struct timespec rel = ts_of(want);
	long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0);
	CHECK(r == -1 && errno == ETIMEDOUT, "FUTEX_WAIT timeout: %ld", r);
	within("futex wait relative", t0, want);
	t0 = now_ns(CLOCK_MONOTONIC);
	struct timespec abs = ts_of(t0 + want);
	r = syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	CHECK(r == -1 && errno == ETIMEDOUT, "FUTEX_WAIT_BITSET timeout: %ld", r);
	within("futex wait_bitset absolute", t0, want);
	r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0);
	CHECK(r == -1 && errno == EAGAIN, "FUTEX_WAIT with a changed value: EAGAIN");
}

/* Threads sleeping at once: each records when it woke. */
#define NS 8
static int order[NS], norder;
static pthread_mutex_t omu = PTHREAD_MUTEX_INITIALIZER;

static void *sleeper(void *arg)
{
	int i = (int)(intptr_t)arg;
	int64_t t0 = now_ns(CLOCK_MONOTONIC), want = (int64_t)(NS - i) * 50000000;
	struct timespec req = ts_of(want);
	while (nanosleep(&req, &req) != 0)
		;
	int64_t got = now_ns(CLOCK_MONOTONIC) - t0;
	CHECK(got >= want && got < want + SLACK_MS * 1000000ll, "sleeper %d: %.3f ms", i, got / 1e6);
	pthread_mutex_lock(&omu);
	order[norder++] = i;
	pthread_mutex_unlock(&omu);
	return NULL;
}

static void concurrent(void)
{
	pthread_t th[NS];
	for (int i = 0; i < NS; i++)
		REQUIRE(pthread_create(&th[i], NULL, sleeper, (void *)(intptr_t)i) == 0, "create");
	for (int i = 0; i < NS; i++)
		pthread_join(th[i], NULL);
	printf("concurrent sleepers woke in order:");
	for (int i = 0; i < norder; i++)
		printf(" %d", order[i]);
	printf("\n");
}

int main(void)
{
	sleeps();
	futexes();
	concurrent();
	return check_exit();
}
