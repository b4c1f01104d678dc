/*
 * UDP over loopback in one process: sendto/recvfrom round trips between
 * two sockets bound to 127.0.0.1 port 0, datagram boundaries, an empty
 * datagram, source addresses, and a connected UDP socket with send/recv.
 */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static int readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 5000) == 1 && (p.revents & POLLIN);
}

static int bound_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof *addr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	REQUIRE(fd >= 0, "socket SOCK_DGRAM");
	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(fd, (struct sockaddr *)addr, sizeof *addr) == 0, "bind");
	REQUIRE(getsockname(fd, (struct sockaddr *)addr, &len) == 0, "getsockname");
	CHECK(len == sizeof *addr && addr->sin_port != 0, "port assigned");
	return fd;
}

static void round_trip(int from, const struct sockaddr_in *from_addr, int to,
		       const struct sockaddr_in *to_addr, size_t sz,
		       unsigned seed)
{
	unsigned char *out = malloc(sz + 1), *in = malloc(sz + 64);
	struct sockaddr_in src;
	socklen_t len = sizeof src;

	REQUIRE(out && in, "malloc");
	pattern_fill(out, sz, 0, seed);
	ssize_t n = sendto(from, out, sz, 0, (const struct sockaddr *)to_addr,
			   sizeof *to_addr);
	CHECK(n == (ssize_t)sz, "sendto %zu bytes returned %zd", sz, n);
	CHECK(readable(to), "datagram of %zu bytes arrives", sz);
	memset(&src, 0, sizeof src);
	memset(in, 0, sz + 64);
	n = recvfrom(to, in, sz + 64, 0, (struct sockaddr *)&src, &len);
	CHECK(n == (ssize_t)sz, "recvfrom %zu bytes returned %zd", sz, n);
	CHECK(pattern_check(in, sz, 0, seed) == (size_t)-1, "datagram content");
	CHECK(len == sizeof src && src.sin_family == AF_INET &&
		      src.sin_addr.s_addr == from_addr->sin_addr.s_addr &&
		      src.sin_port == from_addr->sin_port,
	      "recvfrom source address is the sender");
	printf("datagram of %zu bytes: ok\n", sz);
	free(out);
	free(in);
}

int main(void)
{
	static const size_t sizes[] = {5, 0, 1000, 8000, 65507};
	struct sockaddr_in a_addr, b_addr;
	int a = bound_socket(&a_addr), b = bound_socket(&b_addr);
	char buf[64];

	CHECK(a_addr.sin_port != b_addr.sin_port, "different ports");
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		round_trip(a, &a_addr, b, &b_addr, sizes[i], (unsigned)i + 3);
		round_trip(b, &b_addr, a, &a_addr, sizes[i], (unsigned)i + 50);
	}

	/* boundaries are kept: two datagrams, two reads */
	CHECK(sendto(a, "first", 5, 0, (struct sockaddr *)&b_addr, sizeof b_addr) == 5,
	      "sendto first");
	CHECK(sendto(a, "second", 6, 0, (struct sockaddr *)&b_addr, sizeof b_addr) == 6,
	      "sendto second");
	CHECK(readable(b), "first arrives");
	memset(buf, 0, sizeof buf);
	CHECK(recvfrom(b, buf, sizeof buf, 0, NULL, NULL) == 5 &&
		      strcmp(buf, "first") == 0,
	      "first datagram alone");
	CHECK(readable(b), "second arrives");
	memset(buf, 0, sizeof buf);
	CHECK(recv(b, buf, sizeof buf, 0) == 6 && strcmp(buf, "second") == 0,
	      "second datagram alone");
	/* a short buffer truncates the datagram and drops the rest */
	CHECK(sendto(a, "truncated", 9, 0, (struct sockaddr *)&b_addr,
		     sizeof b_addr) == 9,
	      "sendto truncated");
	CHECK(readable(b), "truncated arrives");
	memset(buf, 0, sizeof buf);
	CHECK(recv(b, buf, 4, 0) == 4 && strcmp(buf, "trun") == 0,
	      "short read gets the start");
	CHECK(recv(b, buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN,
	      "rest of the datagram is dropped");
	printf("datagram boundaries: ok\n");

	/* connected UDP socket: send/recv without addresses */
	CHECK(connect(a, (struct sockaddr *)&b_addr, sizeof b_addr) == 0,
	      "connect UDP");
	CHECK(send(a, "connected", 9, 0) == 9, "send on connected UDP");
	CHECK(readable(b), "connected datagram arrives");
	struct sockaddr_in src;
	socklen_t len = sizeof src;
	memset(buf, 0, sizeof buf);
	CHECK(recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&src, &len) == 9 &&
		      strcmp(buf, "connected") == 0 && src.sin_port == a_addr.sin_port,
	      "recvfrom on the other side");
	CHECK(sendto(b, "reply", 5, 0, (struct sockaddr *)&a_addr, sizeof a_addr) == 5,
	      "reply");
	CHECK(readable(a), "reply arrives");
	memset(buf, 0, sizeof buf);
	CHECK(recv(a, buf, sizeof buf, 0) == 5 && strcmp(buf, "reply") == 0,
	      "recv on connected UDP");
	printf("connected UDP: ok\n");

	CHECK(close(a) == 0 && close(b) == 0, "close");
	printf("udp: done\n");
	return check_exit();
}
