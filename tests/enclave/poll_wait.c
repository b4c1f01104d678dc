/*
 * A thread that waits in the host, many times over: 20 calls of
 * poll(NULL, 0, 5 ms), each long enough for the waiting thread to park
 * and its ethread to go to sleep outside.  Each answer must wake that
 * ethread promptly.  In async mode the worker that completes the call
 * wakes an ethread only when every ethread that runs is asleep or in an
 * exit; a worker counting ethreads that never run (--active-ethreads)
 * would never see that, and each call would wait for the enclave's own
 * 100 ms safety net (2 s in all, against 0.1 s).
 */
#include <poll.h>
#include <time.h>
#include "check.h"

#define CALLS 20
#define MS 5

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void)
{
	double t0 = now();
	for (int i = 0; i < CALLS; i++)
		CHECK(poll(NULL, 0, MS) == 0, "poll %d", i);
	double took = now() - t0;
	/* 0.1 s of waiting; a whole second allows for a loaded machine */
	CHECK(took < 1.0, "%d waits of %d ms took %.3f s", CALLS, MS, took);
	printf("%d waits in the host\n", CALLS);
	return check_failures != 0;
}
