/*
 * Four threads blocked in the host at once: three read a pipe, main reads
 * its stdin.  Under `--syscalls=async --workers 1` each blocking read holds
 * a worker, so the pool must grow (some workers added by the ethread that
 * found them all busy).  tests/35 looks at the process's threads while
 * main waits; when stdin reaches EOF, main fills the pipe and each reader
 * must get its byte.
 */
#include "check.h"

#include <pthread.h>
#include <unistd.h>

#define READERS 3

static int pp[2];

static void *reader(void *arg)
{
	(void)arg;
	char c = 0;
	ssize_t n = read(pp[0], &c, 1);
	CHECK(n == 1 && c == 'x', "reader got %zd '%c'", n, c);
	return NULL;
}

int main(void)
{
	pthread_t th[READERS];
	char buf[64];
	REQUIRE(pipe(pp) == 0, "pipe");
	/* One read at a time, each well after the last was taken: the pool
	 * then grows on the ethread's request (the spawner), not because a
	 * worker found more requests queued behind the one it took. */
	for (int i = 0; i < READERS; i++) {
		REQUIRE(pthread_create(&th[i], NULL, reader, NULL) == 0, "pthread_create");
		usleep(20000);
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, buf, sizeof buf) > 0)
		;
	REQUIRE(write(pp[1], "xxx", READERS) == READERS, "write");
	for (int i = 0; i < READERS; i++)
		REQUIRE(pthread_join(th[i], NULL) == 0, "pthread_join");
	printf("done\n");
	return check_exit();
}
