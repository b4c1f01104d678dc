/*
 * Waking a sleeping ethread for a new thread, many times over.  The main
 * thread creates a thread and then blocks in a read that only the new
 * thread can satisfy.  In sync mode the read holds main's ethread, so
 * another ethread must run the new thread; that ethread may be just about
 * to go to sleep when the thread is queued.  A wake lost in that window
 * leaves the program blocked for good.  Short spins (--spin) make the
 * window come round often.
 *
 * Then two threads at a time: the first blocks reading what only the
 * second writes.  An ethread that was polling when both were queued takes
 * one; if that is the first, it blocks in its read, and the second needs
 * another ethread woken although one was polling when it was queued.
 */
#include "check.h"
#include <pthread.h>
#include <unistd.h>

#define ROUNDS 2000

static int fds[2], mid[2];

static void *writer(void *arg)
{
	(void)arg;
	char c = 'x';
	REQUIRE(write(fds[1], &c, 1) == 1, "write");
	return NULL;
}

/* the first of a pair: reads what the second writes, passes it on */
static void *relay(void *arg)
{
	(void)arg;
	char c;
	REQUIRE(read(mid[0], &c, 1) == 1, "relay read");
	REQUIRE(write(fds[1], &c, 1) == 1, "relay write");
	return NULL;
}

static void *source(void *arg)
{
	(void)arg;
	char c = 'y';
	REQUIRE(write(mid[1], &c, 1) == 1, "source write");
	return NULL;
}

int main(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		pthread_t t;
		char c;
		REQUIRE(pipe(fds) == 0, "pipe");
		REQUIRE(pthread_create(&t, NULL, writer, NULL) == 0, "create");
		REQUIRE(read(fds[0], &c, 1) == 1, "read %d", i);
		pthread_join(t, NULL);
		close(fds[0]);
		close(fds[1]);
	}
	printf("%d threads woken\n", ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		pthread_t a, b;
		char c;
		REQUIRE(pipe(fds) == 0 && pipe(mid) == 0, "pipes");
		REQUIRE(pthread_create(&a, NULL, relay, NULL) == 0, "create");
		REQUIRE(pthread_create(&b, NULL, source, NULL) == 0, "create");
		REQUIRE(read(fds[0], &c, 1) == 1 && c == 'y', "pair read %d", i);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		close(fds[0]);
		close(fds[1]);
		close(mid[0]);
		close(mid[1]);
	}
	printf("%d pairs woken\n", ROUNDS);
	return check_exit();
}
