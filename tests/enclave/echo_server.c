/*
 * Standalone TCP echo server.
 *
 * usage: echo_server [N]
 * Listens on 127.0.0.1 port 0, prints "port P" as its first stdout line
 * (the only nondeterministic line), then serves N (default 1) connections
 * one after the other: echoes everything until the client shuts down its
 * side, then closes.  Gives up if nothing happens for 15 seconds.
 */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static int wait_in(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, 15000);
	while (r < 0 && errno == EINTR);
	return r == 1;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	int conns = argc > 1 ? atoi(argv[1]) : 1, one = 1;
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof addr;

	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(l >= 0, "socket");
	CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0,
	      "SO_REUSEADDR");
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(l, (struct sockaddr *)&addr, sizeof addr) == 0, "bind");
	REQUIRE(listen(l, 16) == 0, "listen");
	REQUIRE(getsockname(l, (struct sockaddr *)&addr, &len) == 0, "getsockname");
	printf("port %d\n", ntohs(addr.sin_port));
	fflush(stdout);

	for (int i = 1; i <= conns; i++) {
		size_t total = 0;
		struct sockaddr_in peer;

		REQUIRE(wait_in(l), "connection %d arrives within 15 s", i);
		len = sizeof peer;
		int c = accept4(l, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
		REQUIRE(c >= 0, "accept4");
		CHECK(peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "peer address");
		for (;;) {
			REQUIRE(wait_in(c), "data on connection %d within 15 s", i);
			ssize_t n = read(c, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			REQUIRE(n >= 0, "read from connection %d", i);
			if (n == 0)
				break;
			REQUIRE(write_all(c, buf, (size_t)n) == 0, "write back");
			total += (size_t)n;
		}
		CHECK(shutdown(c, SHUT_WR) == 0, "shutdown");
		CHECK(close(c) == 0, "close connection");
		printf("connection %d: %zu bytes echoed\n", i, total);
		fflush(stdout);
	}
	CHECK(close(l) == 0, "close listener");
	printf("server: done\n");
	return check_exit();
}
