/*
 * A thread blocked in accept() on a loopback socket must not stop the
 * others: while accept is pending, two threads pass 2,000 messages through
 * a pipe and four threads finish a computation; only then does main
 * connect, which lets the accepting thread go on and echo a message.
 */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int lfd, accepting, accepted;
static int pp[2];

static void *acceptor(void *arg)
{
	(void)arg;
	char buf[16] = { 0 };
	__atomic_store_n(&accepting, 1, __ATOMIC_SEQ_CST);
	int c = accept(lfd, NULL, NULL);
	__atomic_store_n(&accepted, 1, __ATOMIC_SEQ_CST);
	REQUIRE(c >= 0, "accept");
	ssize_t n = read(c, buf, sizeof buf - 1);
	CHECK(n == 5 && !strcmp(buf, "hello"), "acceptor read %zd '%s'", n, buf);
	CHECK(write(c, "HELLO", 5) == 5, "acceptor write");
	close(c);
	return NULL;
}

/* Count primes below 200,000 in slices, yielding between slices. */
static void *compute(void *arg)
{
	uintptr_t part = (uintptr_t)arg, count = 0;
	for (uintptr_t n = 2 + part; n < 200000; n += 4) {
		int prime = 1;
		for (uintptr_t d = 2; d * d <= n; d++)
			if (n % d == 0) {
				prime = 0;
				break;
			}
		count += (uintptr_t)prime;
		if (n % 4096 < 4)
			sched_yield();
	}
	return (void *)count;
}

static void *pipe_writer(void *arg)
{
	(void)arg;
	for (uint32_t i = 0; i < 2000; i++)
		REQUIRE(write(pp[1], &i, sizeof i) == sizeof i, "pipe write");
	close(pp[1]);
	return NULL;
}

static void *pipe_reader(void *arg)
{
	(void)arg;
	uint32_t v, want = 0;
	while (read(pp[0], &v, sizeof v) == sizeof v)
		if (v == want)
			want++;
	return (void *)(uintptr_t)want;
}

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	pthread_t acc, comp[4], pw, pr;
	REQUIRE((lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0, "socket");
	REQUIRE(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0, "bind");
	REQUIRE(listen(lfd, 4) == 0 && getsockname(lfd, (struct sockaddr *)&sa, &len) == 0, "listen");
	REQUIRE(pthread_create(&acc, NULL, acceptor, NULL) == 0, "create acceptor");
	while (!__atomic_load_n(&accepting, __ATOMIC_SEQ_CST))
		sched_yield();
	struct timespec d = { 0, 50000000 }; /* let it get well into accept() */
	nanosleep(&d, NULL);

	REQUIRE(pipe(pp) == 0, "pipe");
	REQUIRE(pthread_create(&pr, NULL, pipe_reader, NULL) == 0, "create reader");
	REQUIRE(pthread_create(&pw, NULL, pipe_writer, NULL) == 0, "create writer");
	for (uintptr_t i = 0; i < 4; i++)
		REQUIRE(pthread_create(&comp[i], NULL, compute, (void *)i) == 0, "create");
	uintptr_t primes = 0;
	void *r;
	for (int i = 0; i < 4; i++) {
		pthread_join(comp[i], &r);
		primes += (uintptr_t)r;
	}
	pthread_join(pw, NULL);
	pthread_join(pr, &r);
	printf("while accept was pending: %lu primes, %lu pipe messages in order\n",
	       (unsigned long)primes, (unsigned long)(uintptr_t)r);
	CHECK(primes == 17984 && (uintptr_t)r == 2000, "work done");
	int still = !__atomic_load_n(&accepted, __ATOMIC_SEQ_CST);
	printf("accept still pending: %s\n", still ? "yes" : "no");
	CHECK(still, "accept returned before anyone connected");

	int c = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(c >= 0 && connect(c, (struct sockaddr *)&sa, sizeof sa) == 0, "connect");
	char buf[8] = { 0 };
	CHECK(write(c, "hello", 5) == 5, "client write");
	CHECK(read(c, buf, sizeof buf - 1) == 5 && !strcmp(buf, "HELLO"), "client read '%s'", buf);
	pthread_join(acc, NULL);
	printf("after connect: accepted, echoed %s\n", buf);
	close(c);
	close(lfd);
	return check_exit();
}
