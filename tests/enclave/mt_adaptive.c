/*
 * The adaptive call path must not let one thread's blocking host call hold
 * the only ethread while another thread waits for it.  The main thread
 * blocks in read() on a pipe that a second thread fills only after
 *   timer:    a nanosleep (the sleeper waits on the in-enclave timer queue)
 *   hostcall: a poll() with a timeout (a host call of its own in flight)
 *   futex:    a condition wait, signalled by a third thread after a sleep
 *   two:      a nanosleep, while another thread already blocks in a read
 *             of its own (with two ethreads, that one holds the other
 *             ethread: the count of ethreads in exits must see it)
 * If the read left with the ethread in any of these states, the writer
 * could never run and the program would hang (the test's timeout).
 * Each case runs 20 rounds; stdout is the same natively and in sconce.
 */
#define _GNU_SOURCE
#include "check.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

static int pfd[2], pfd2[2];
static volatile int started;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int go;

static void pause_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, 0);
}

static void put(char c)
{
	REQUIRE(write(pfd[1], &c, 1) == 1, "write to the pipe");
}

static void *after_timer(void *arg)
{
	(void)arg;
	__atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
	pause_ms(20);
	put('t');
	return 0;
}

static void *after_hostcall(void *arg)
{
	(void)arg;
	__atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
	REQUIRE(poll(0, 0, 20) == 0, "poll with only a timeout");
	put('h');
	return 0;
}

static void *after_condvar(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	__atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	put('f');
	return 0;
}

static void *signaller(void *arg)
{
	(void)arg;
	pause_ms(20);
	pthread_mutex_lock(&mu);
	go = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
}

static void *second_reader(void *arg)
{
	(void)arg;
	__atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
	char c = 0;
	CHECK(read(pfd2[0], &c, 1) == 1 && c == 's', "two: the other reader's read");
	return 0;
}

static void *writes_both(void *arg)
{
	(void)arg;
	pause_ms(20);
	put('2');
	char c = 's';
	REQUIRE(write(pfd2[1], &c, 1) == 1, "write to the second pipe");
	return 0;
}

static void two_blocked(void)
{
	pthread_t r, w;
	started = 0;
	REQUIRE(pthread_create(&r, 0, second_reader, 0) == 0, "two: create the other reader");
	while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST))
		sched_yield();
	pause_ms(5); /* the other reader is now in its read */
	REQUIRE(pthread_create(&w, 0, writes_both, 0) == 0, "two: create the writer");
	char c = 0;
	CHECK(read(pfd[0], &c, 1) == 1 && c == '2', "two: read what the writer wrote");
	pthread_join(w, 0);
	pthread_join(r, 0);
}

static void round_trip(const char *name, void *(*writer)(void *), char want)
{
	pthread_t w, s = 0;
	started = 0;
	go = 0;
	REQUIRE(pthread_create(&w, 0, writer, 0) == 0, "%s: create the writer", name);
	/* Let the writer reach its wait before this thread blocks. */
	while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST))
		sched_yield();
	sched_yield();
	if (writer == after_condvar)
		REQUIRE(pthread_create(&s, 0, signaller, 0) == 0, "%s: create the signaller", name);
	char c = 0;
	CHECK(read(pfd[0], &c, 1) == 1 && c == want, "%s: read what the writer wrote", name);
	pthread_join(w, 0);
	if (s)
		pthread_join(s, 0);
}

int main(void)
{
	REQUIRE(pipe(pfd) == 0 && pipe(pfd2) == 0, "pipes");
	for (int i = 0; i < 20; i++) {
		round_trip("timer", after_timer, 't');
		round_trip("hostcall", after_hostcall, 'h');
		round_trip("futex", after_condvar, 'f');
		two_blocked();
	}
	printf("80 reads woken by a timer, a host call, a condition variable, "
	       "and a timer beside another blocked read\n");
	return check_failures != 0;
}
