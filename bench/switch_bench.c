/*
 * Thread switch cost: two threads hand a token back and forth through a
 * pair of condition variables; prints ns per hand-off.  Inside sconce the
 * hand-off is a user-level switch (M:N scheduler) that also changes the FS
 * base, with WRFSBASE or an exit (--fsbase).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long turn, n;

static void *player(void *arg)
{
	long me = (long)arg;
	pthread_mutex_lock(&m);
	while (turn < n) {
		while (turn % 2 != me && turn < n)
			pthread_cond_wait(&cv, &m);
		turn++;
		pthread_cond_signal(&cv);
	}
	pthread_mutex_unlock(&m);
	return NULL;
}

int main(int argc, char **argv)
{
	n = argc > 1 ? atol(argv[1]) : 100000;
	struct timespec a, b;
	pthread_t t[2];
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, player, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
