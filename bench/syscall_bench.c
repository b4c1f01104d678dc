/*
 * System-call cost, run natively and inside sconce by bench/syscall.sh.
 *   syscall_bench getppid N          ns per getppid
 *   syscall_bench pipe N             ns per 4 KiB write+read through a pipe
 *   syscall_bench threads T N        total calls per second, T threads x N getppid
 * Prints one number.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long iterations;

static void *caller(void *arg)
{
	(void)arg;
	for (long i = 0; i < iterations; i++)
		getppid();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s getppid|pipe N | threads T N\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "getppid")) {
		long n = atol(argv[2]);
		double t0 = now();
		for (long i = 0; i < n; i++)
			getppid();
		printf("%.1f\n", (now() - t0) * 1e9 / n);
	} else if (!strcmp(argv[1], "pipe")) {
		long n = atol(argv[2]);
		int fd[2];
		static char buf[4096];
		if (pipe(fd))
			return 1;
		double t0 = now();
		for (long i = 0; i < n; i++) {
			if (write(fd[1], buf, sizeof(buf)) != sizeof(buf) ||
			    read(fd[0], buf, sizeof(buf)) != sizeof(buf))
				return 1;
		}
		/* one write and one read per iteration: report per 4 KiB read+write pair */
		printf("%.1f\n", (now() - t0) * 1e9 / n);
	} else if (!strcmp(argv[1], "threads") && argc >= 4) {
		int t = atoi(argv[2]);
		iterations = atol(argv[3]);
		pthread_t th[256];
		if (t < 1 || t > 256)
			return 2;
		double t0 = now();
		for (int i = 0; i < t; i++)
			if (pthread_create(&th[i], NULL, caller, NULL))
				return 1;
		for (int i = 0; i < t; i++)
			pthread_join(th[i], NULL);
		printf("%.0f\n", t * iterations / (now() - t0));
	} else {
		return 2;
	}
	return 0;
}
