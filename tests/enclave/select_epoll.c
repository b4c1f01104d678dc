/*
 * Readiness APIs on pipes: select (incl. timeouts and a high fd), poll,
 * and epoll (create1, ctl ADD/MOD/DEL, wait, data round trip, EPOLLHUP,
 * edge triggering, error codes).
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_select(void)
{
	int p[2];
	fd_set r, w;
	struct timeval tv;
	char c;

	REQUIRE(pipe(p) == 0, "pipe");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0, "empty pipe not readable");
	CHECK(!FD_ISSET(p[0], &r), "fd cleared from the set");

	/* a real timeout: 50 ms with nothing ready */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 50000;
	long long t0 = now_ms();
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0, "select times out");
	long long dt = now_ms() - t0;
	CHECK(dt >= 40 && dt < 5000, "select waited about 50 ms (%lld)", dt);

	/* readable and writable */
	CHECK(write(p[1], "s", 1) == 1, "write");
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	int n = select((p[0] > p[1] ? p[0] : p[1]) + 1, &r, &w, NULL, &tv);
	CHECK(n == 2, "select returns 2 ready fds (%d)", n);
	CHECK(FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w), "both ready");
	CHECK(read(p[0], &c, 1) == 1 && c == 's', "read");

	/* a high descriptor number */
	CHECK(dup2(p[0], 200) == 200, "dup2 to 200");
	CHECK(write(p[1], "h", 1) == 1, "write");
	FD_ZERO(&r);
	FD_SET(200, &r);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	CHECK(select(201, &r, NULL, NULL, &tv) == 1 && FD_ISSET(200, &r),
	      "select on fd 200");
	CHECK(read(200, &c, 1) == 1 && c == 'h', "read from 200");
	CHECK(close(200) == 0, "close 200");

	/* EOF makes the read end readable */
	CHECK(close(p[1]) == 0, "close write end");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 1, "EOF is readable");
	CHECK(read(p[0], &c, 1) == 0, "read EOF");
	errno = 0;
	CHECK(close(p[0]) == 0, "close");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	errno = 0;
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == -1 && errno == EBADF,
	      "select on a closed fd -> EBADF");
	printf("select: ok\n");
}

static void test_poll(void)
{
	int p[2];
	char c;

	REQUIRE(pipe(p) == 0, "pipe");
	struct pollfd pf[2] = {{.fd = p[0], .events = POLLIN},
			       {.fd = p[1], .events = POLLOUT}};
	CHECK(poll(pf, 2, 0) == 1 && pf[0].revents == 0 && pf[1].revents == POLLOUT,
	      "only the write end is ready");
	long long t0 = now_ms();
	CHECK(poll(pf, 1, 30) == 0, "poll times out");
	long long dt = now_ms() - t0;
	CHECK(dt >= 20 && dt < 5000, "poll waited about 30 ms (%lld)", dt);
	CHECK(write(p[1], "p", 1) == 1, "write");
	CHECK(poll(pf, 2, 1000) == 2 && pf[0].revents == POLLIN, "read end ready");
	CHECK(read(p[0], &c, 1) == 1, "read");
	CHECK(close(p[1]) == 0, "close write end");
	CHECK(poll(pf, 1, 1000) == 1 && (pf[0].revents & POLLHUP), "POLLHUP");
	/* negative fds are ignored, closed fds give POLLNVAL */
	struct pollfd q[2] = {{.fd = -1, .events = POLLIN}, {.fd = p[1], .events = POLLIN}};
	CHECK(poll(q, 2, 0) == 1 && q[0].revents == 0 && q[1].revents == POLLNVAL,
	      "negative fd ignored, closed fd POLLNVAL");
	CHECK(close(p[0]) == 0, "close");
	printf("poll: ok\n");
}

static void test_epoll(void)
{
	enum { NP = 5 };
	int p[NP][2];
	struct epoll_event ev, out[8];
	char c;

	int ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0, "epoll_create1");
	CHECK(fcntl(ep, F_GETFD) == FD_CLOEXEC, "EPOLL_CLOEXEC");
	for (int i = 0; i < NP; i++) {
		REQUIRE(pipe(p[i]) == 0, "pipe %d", i);
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.u64 = 0x1234567800000000ull + (uint64_t)i;
		CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[i][0], &ev) == 0, "EPOLL_CTL_ADD %d", i);
	}
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0][0], &ev) == -1 && errno == EEXIST,
	      "adding twice -> EEXIST");
	CHECK(epoll_wait(ep, out, 8, 0) == 0, "nothing ready");
	long long t0 = now_ms();
	CHECK(epoll_wait(ep, out, 8, 30) == 0, "epoll_wait times out");
	long long dt = now_ms() - t0;
	CHECK(dt >= 20 && dt < 5000, "epoll_wait waited about 30 ms (%lld)", dt);

	/* make pipes 1 and 3 readable */
	CHECK(write(p[1][1], "a", 1) == 1 && write(p[3][1], "b", 1) == 1, "write");
	memset(out, 0, sizeof out);
	int n = epoll_wait(ep, out, 8, 5000);
	CHECK(n == 2, "two ready (%d)", n);
	unsigned seen = 0;
	for (int i = 0; i < n && i < 8; i++) {
		CHECK((out[i].data.u64 >> 32) == 0x12345678u, "data round trip");
		CHECK(out[i].events == EPOLLIN, "events EPOLLIN (%#x)", out[i].events);
		seen |= 1u << (out[i].data.u64 & 31);
	}
	CHECK(seen == ((1u << 1) | (1u << 3)), "pipes 1 and 3 are the ready ones");
	/* maxevents 1 returns one at a time; level triggered keeps reporting */
	CHECK(epoll_wait(ep, out, 1, 5000) == 1, "maxevents 1");
	CHECK(epoll_wait(ep, out, 8, 0) == 2, "level triggered: still 2");
	CHECK(read(p[1][0], &c, 1) == 1 && read(p[3][0], &c, 1) == 1, "drain");
	CHECK(epoll_wait(ep, out, 8, 0) == 0, "none after drain");

	/* edge triggered: one report per new write */
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 42;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[2][0], &ev) == 0, "EPOLL_CTL_MOD ET");
	CHECK(write(p[2][1], "e", 1) == 1, "write");
	CHECK(epoll_wait(ep, out, 8, 5000) == 1 && out[0].data.u64 == 42,
	      "edge reported");
	CHECK(epoll_wait(ep, out, 8, 0) == 0, "edge not reported again");
	CHECK(read(p[2][0], &c, 1) == 1, "drain");

	/* DEL stops reports; DEL of an unregistered fd -> ENOENT */
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[4][0], NULL) == 0, "EPOLL_CTL_DEL");
	CHECK(write(p[4][1], "d", 1) == 1, "write");
	CHECK(epoll_wait(ep, out, 8, 0) == 0, "deleted fd not reported");
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[4][0], NULL) == -1 && errno == ENOENT,
	      "delete twice -> ENOENT");

	/* hang up */
	CHECK(close(p[0][1]) == 0, "close write end of pipe 0");
	memset(out, 0, sizeof out);
	CHECK(epoll_wait(ep, out, 8, 5000) == 1 && (out[0].events & EPOLLHUP) &&
		      out[0].data.u64 == 0x1234567800000000ull,
	      "EPOLLHUP on pipe 0");

	/* writable end */
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLOUT;
	ev.data.fd = p[1][1];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1][1], &ev) == 0, "add write end");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0][0], NULL) == 0, "del pipe 0");
	memset(out, 0, sizeof out);
	CHECK(epoll_wait(ep, out, 8, 5000) == 1 && out[0].events == EPOLLOUT &&
		      out[0].data.fd == p[1][1],
	      "EPOLLOUT on the write end");

	errno = 0;
	CHECK(epoll_wait(-1, out, 8, 0) == -1 && errno == EBADF, "epoll_wait(-1) EBADF");
	for (int i = 0; i < NP; i++) {
		close(p[i][0]);
		if (i)
			close(p[i][1]);
	}
	CHECK(close(ep) == 0, "close epoll fd");
	printf("epoll: ok\n");
}

int main(void)
{
	test_select();
	test_poll();
	test_epoll();
	printf("select/poll/epoll: done\n");
	return check_exit();
}
