/*
 * Joining a thread that is still running: main waits in pthread_join
 * while the thread finishes, 5,000 times, with 1 to 4 threads at a time.
 * With two ethreads the joiner wakes on one while the exiting thread is
 * still leaving on the other; the joiner then frees the thread's stack,
 * which the exiting thread must no longer be using.
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#define ROUNDS 2000

static void *worker(void *arg)
{
	volatile uintptr_t x = (uintptr_t)arg;
	for (int i = 0; i < 2000; i++)
		x = x * 31 + 7; /* a moment of work, so the joiner waits */
	getppid();          /* and a system call */
	return (void *)((uintptr_t)arg + 1);
}

int main(void)
{
	unsigned long joined = 0, wrong = 0;
	for (int r = 0; r < ROUNDS; r++) {
		pthread_t th[4];
		int n = 1 + r % 4;
		for (int i = 0; i < n; i++)
			REQUIRE(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(r * 4 + i)) == 0,
				"create");
		for (int i = 0; i < n; i++) {
			void *ret;
			REQUIRE(pthread_join(th[i], &ret) == 0, "join");
			joined++;
			wrong += (uintptr_t)ret != (uintptr_t)(r * 4 + i) + 1;
		}
	}
	printf("joined %lu running threads, %lu wrong results\n", joined, wrong);
	CHECK(wrong == 0, "results");
	return check_exit();
}
