/*
 * Per-thread state under heavy switching: 16 threads each check, 3,000
 * times, that their __thread variables (an int, an array, an initialised
 * one), errno (set by a failing system call just before), pthread_self(),
 * gettid-stable addresses and a pthread key all still hold their own
 * values after sched_yield and successful forwarded system calls.
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#define NT 16
#define ITER 3000

static __thread int tv;
static __thread char tbuf[64];
static __thread long tinit = 12345;
static pthread_key_t key;
static int *errno_addr[NT];
static long bad[NT];

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	pthread_t me = pthread_self();
	int *my_tv = &tv;
	CHECK(tinit == 12345, "thread %d: initial __thread value %ld", id, tinit);
	tinit = id;
	errno_addr[id] = &errno;
	pthread_setspecific(key, (void *)(intptr_t)(id + 1));
	for (int i = 0; i < ITER; i++) {
		tv = id * 100000 + i;
		memset(tbuf, 'a' + id, sizeof tbuf);
		int want = (i + id) % 2 ? EBADF : ENOENT;
		if (want == EBADF)
			close(-1 - id);
		else
			open("/nonexistent/sconce-mt-tls", O_RDONLY);
		int e1 = errno;
		sched_yield();
		struct stat st;
		if (i % 3 == 0)
			fstat(1, &st); /* a forwarded call that succeeds */
		getppid();
		sched_yield();
		int ok = e1 == want && errno == want && tv == id * 100000 + i && &tv == my_tv &&
			 pthread_equal(pthread_self(), me) && tinit == id &&
			 pthread_getspecific(key) == (void *)(intptr_t)(id + 1) &&
			 tbuf[0] == 'a' + id && tbuf[63] == 'a' + id;
		if (!ok && bad[id]++ < 3)
			CHECK(0, "thread %d iteration %d: errno %d/%d want %d, tv %d, self %s", id, i,
			      e1, errno, want, tv, pthread_equal(pthread_self(), me) ? "same" : "changed");
	}
	return (void *)(intptr_t)tv;
}

int main(void)
{
	pthread_t th[NT];
	tv = -1;
	errno = 0;
	REQUIRE(pthread_key_create(&key, NULL) == 0, "key");
	for (int i = 0; i < NT; i++)
		REQUIRE(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0, "create");
	long total_bad = 0;
	for (int i = 0; i < NT; i++) {
		void *r;
		pthread_join(th[i], &r);
		CHECK((intptr_t)r == i * 100000 + ITER - 1, "thread %d returned %ld", i, (long)(intptr_t)r);
		total_bad += bad[i];
	}
	int distinct = 1;
	for (int i = 0; i < NT; i++)
		for (int j = 0; j < i; j++)
			if (errno_addr[i] == errno_addr[j])
				distinct = 0;
	printf("%d threads x %d iterations: %ld bad\n", NT, ITER, total_bad);
	printf("errno addresses distinct: %s; main's __thread untouched: %s\n",
	       distinct ? "yes" : "no", tv == -1 && tinit == 12345 ? "yes" : "no");
	CHECK(distinct && tv == -1 && tinit == 12345, "main thread state");
	return check_exit();
}
