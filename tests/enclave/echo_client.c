/*
 * Client for echo_server.
 *
 * usage: echo_client PORT [ID]
 * Connects to 127.0.0.1:PORT, sends messages of several sizes (up to
 * 200 KiB), each with a pattern depending on ID, reads each echo back
 * (poll-driven, so large messages cannot deadlock), checks the contents,
 * then shuts down its side and expects EOF.
 */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static void exchange(int fd, size_t sz, unsigned seed)
{
	unsigned char *out = malloc(sz + 1), *in = malloc(sz + 1);
	size_t sent = 0, got = 0;

	REQUIRE(out && in, "malloc");
	pattern_fill(out, sz, 0, seed);
	while (got < sz) {
		struct pollfd p = {.fd = fd,
				   .events = POLLIN | (sent < sz ? POLLOUT : 0)};
		int r = poll(&p, 1, 10000);
		if (r < 0 && errno == EINTR)
			continue;
		REQUIRE(r == 1, "poll (message %zu bytes, sent %zu, got %zu)", sz,
			sent, got);
		REQUIRE(!(p.revents & (POLLERR | POLLNVAL)), "revents %#x", p.revents);
		if ((p.revents & POLLOUT) && sent < sz) {
			ssize_t n = send(fd, out + sent, sz - sent, 0);
			if (n > 0)
				sent += (size_t)n;
			else
				REQUIRE(n < 0 && errno == EAGAIN, "send");
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			ssize_t n = recv(fd, in + got, sz + 1 - got, 0);
			if (n > 0)
				got += (size_t)n;
			else
				REQUIRE(n < 0 && errno == EAGAIN,
					"recv (0 = early EOF): %zd", n);
		}
	}
	CHECK(got == sz, "got %zu of %zu", got, sz);
	CHECK(pattern_check(in, sz, 0, seed) == (size_t)-1,
	      "echo of %zu bytes matches", sz);
	printf("message of %zu bytes: echoed ok\n", sz);
	free(out);
	free(in);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {1, 100, 4096, 65536, 204800, 3};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	char buf[16];

	if (argc < 2) {
		fprintf(stderr, "FAIL: usage: echo_client PORT [ID]\n");
		return 2;
	}
	int port = atoi(argv[1]);
	unsigned id = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
	REQUIRE(port > 0 && port < 65536, "port %s", argv[1]);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((unsigned short)port);

	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(fd >= 0, "socket");
	REQUIRE(connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0, "connect");
	printf("client %u: connected\n", id);
	CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0,
	      "set O_NONBLOCK");

	size_t total = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		exchange(fd, sizes[i], id * 100 + (unsigned)i);
		total += sizes[i];
	}
	CHECK(shutdown(fd, SHUT_WR) == 0, "shutdown SHUT_WR");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	CHECK(poll(&p, 1, 10000) == 1, "EOF arrives");
	CHECK(recv(fd, buf, sizeof buf, 0) == 0, "recv returns 0 at EOF");
	CHECK(close(fd) == 0, "close");
	printf("client %u: %zu bytes echoed, done\n", id, total);
	return check_exit();
}
