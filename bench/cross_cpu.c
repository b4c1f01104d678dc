/*
 * The floor of an async call: a request handed to a thread spinning on
 * another CPU and its answer handed back, with no system call in between.
 * Two threads bounce a counter through one cache line, as an ethread and
 * a worker bounce a slot; an async getppid costs at least this plus the
 * call itself.  bench/syscall.sh prints it next to the native call.
 *   cross_cpu N    prints ns per round trip (one number)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static _Alignas(64) volatile uint64_t ping;
static _Alignas(64) volatile uint64_t pong;
static long rounds;

static void *responder(void *arg)
{
	(void)arg;
	for (long i = 1; i <= rounds; i++) {
		while (__atomic_load_n(&ping, __ATOMIC_ACQUIRE) != (uint64_t)i)
			__builtin_ia32_pause();
		__atomic_store_n(&pong, (uint64_t)i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc != 2 || (rounds = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	pthread_t th;
	if (pthread_create(&th, NULL, responder, NULL) != 0) {
		fprintf(stderr, "cross_cpu: cannot create a thread\n");
		return 1;
	}
	/* Warm up: the responder's first answer means both threads run. */
	double t0 = 0;
	for (long i = 1; i <= rounds; i++) {
		if (i == 2)
			t0 = now();
		__atomic_store_n(&ping, (uint64_t)i, __ATOMIC_RELEASE);
		while (__atomic_load_n(&pong, __ATOMIC_ACQUIRE) != (uint64_t)i)
			__builtin_ia32_pause();
	}
	double t = now() - t0;
	pthread_join(th, NULL);
	printf("%.1f\n", rounds > 1 ? t * 1e9 / (rounds - 1) : 0.0);
	return 0;
}
