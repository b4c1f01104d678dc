/*
 * TCP over loopback inside ONE process: a listening socket on 127.0.0.1
 * port 0, a nonblocking connect, and a poll-driven accept/echo of several
 * messages (up to 200 KiB) between the two ends, then an orderly shutdown.
 *
 * Uses socket, setsockopt/getsockopt, bind, listen, getsockname, connect,
 * accept4, poll, send/recv, sendto/recvfrom, shutdown, close.
 */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define SRV_CAP (256 * 1024)

static int wait_for(int fd, short events, int ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r == 1 ? p.revents : (r == 0 ? 0 : -1);
}

/* Echo one message of size sz from c through s back to c. */
static void echo_message(int c, int s, size_t sz, unsigned seed, int use_to)
{
	static unsigned char srv[SRV_CAP];
	unsigned char *out = malloc(sz + 1), *in = malloc(sz + 1);
	size_t sent = 0, got = 0, srv_len = 0, srv_off = 0;
	int spins = 0;

	REQUIRE(out && in, "malloc");
	pattern_fill(out, sz, 0, seed);
	memset(in, 0, sz + 1);

	while (got < sz) {
		struct pollfd p[2] = {
			{.fd = c, .events = POLLIN | (sent < sz ? POLLOUT : 0)},
			{.fd = s,
			 .events = (srv_len < SRV_CAP ? POLLIN : 0) |
				   (srv_off < srv_len ? POLLOUT : 0)},
		};
		int r = poll(p, 2, 10000);
		if (r < 0 && errno == EINTR)
			continue;
		REQUIRE(r > 0, "poll made progress (message %zu, sent %zu, got %zu)",
			sz, sent, got);
		REQUIRE(++spins < 1000000, "too many poll rounds");
		CHECK(!(p[0].revents & (POLLERR | POLLNVAL)), "client revents %#x",
		      p[0].revents);
		CHECK(!(p[1].revents & (POLLERR | POLLNVAL)), "server revents %#x",
		      p[1].revents);

		if ((p[0].revents & POLLOUT) && sent < sz) {
			size_t chunk = sz - sent;
			ssize_t n = use_to ? sendto(c, out + sent, chunk, 0, NULL, 0)
					   : send(c, out + sent, chunk, 0);
			if (n > 0)
				sent += (size_t)n;
			else
				REQUIRE(n < 0 && errno == EAGAIN, "client send");
		}
		if ((p[1].revents & (POLLIN | POLLHUP)) && srv_len < SRV_CAP) {
			ssize_t n;
			if (use_to) {
				struct sockaddr_storage from;
				socklen_t fl = sizeof from;
				n = recvfrom(s, srv + srv_len, SRV_CAP - srv_len, 0,
					     (struct sockaddr *)&from, &fl);
			} else {
				n = recv(s, srv + srv_len, SRV_CAP - srv_len, 0);
			}
			if (n > 0)
				srv_len += (size_t)n;
			else
				REQUIRE(n < 0 && errno == EAGAIN,
					"server recv (0 = unexpected EOF): %zd", n);
		}
		if ((p[1].revents & POLLOUT) && srv_off < srv_len) {
			ssize_t n = send(s, srv + srv_off, srv_len - srv_off, 0);
			if (n > 0) {
				srv_off += (size_t)n;
				if (srv_off == srv_len)
					srv_off = srv_len = 0;
				else if (srv_len == SRV_CAP) {
					memmove(srv, srv + srv_off, srv_len - srv_off);
					srv_len -= srv_off;
					srv_off = 0;
				}
			} else {
				REQUIRE(n < 0 && errno == EAGAIN, "server send");
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = use_to ? recvfrom(c, in + got, sz + 1 - got, 0,
						      NULL, NULL)
					   : recv(c, in + got, sz + 1 - got, 0);
			if (n > 0)
				got += (size_t)n;
			else
				REQUIRE(n < 0 && errno == EAGAIN,
					"client recv (0 = unexpected EOF): %zd", n);
		}
	}
	CHECK(got == sz, "echoed %zu of %zu bytes", got, sz);
	size_t bad = pattern_check(in, sz, 0, seed);
	CHECK(bad == (size_t)-1, "echo content of %zu-byte message differs at %zu",
	      sz, bad);
	printf("message of %zu bytes via %s: echoed ok\n", sz,
	       use_to ? "sendto/recvfrom" : "send/recv");
	free(out);
	free(in);
}

int main(void)
{
	static const size_t sizes[] = {1, 13, 1000, 4096, 65536, 204800, 7};
	struct sockaddr_in addr = {.sin_family = AF_INET}, got, peer, local;
	socklen_t len;
	int one = 1, val;

	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(l >= 0, "socket");
	CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0,
	      "setsockopt SO_REUSEADDR");
	val = 0;
	len = sizeof val;
	CHECK(getsockopt(l, SOL_SOCKET, SO_REUSEADDR, &val, &len) == 0 && val != 0,
	      "getsockopt SO_REUSEADDR is set");
	val = 0;
	len = sizeof val;
	CHECK(getsockopt(l, SOL_SOCKET, SO_TYPE, &val, &len) == 0 &&
		      val == SOCK_STREAM && len == sizeof val,
	      "SO_TYPE is SOCK_STREAM");
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	REQUIRE(bind(l, (struct sockaddr *)&addr, sizeof addr) == 0, "bind");
	REQUIRE(listen(l, 8) == 0, "listen");
	memset(&got, 0, sizeof got);
	len = sizeof got;
	REQUIRE(getsockname(l, (struct sockaddr *)&got, &len) == 0, "getsockname");
	CHECK(len == sizeof got, "getsockname length %u", (unsigned)len);
	CHECK(got.sin_family == AF_INET, "family AF_INET");
	CHECK(got.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "bound to 127.0.0.1");
	CHECK(ntohs(got.sin_port) != 0, "a port was assigned");
	printf("listening on 127.0.0.1, port assigned\n");

	/* nothing to accept yet */
	CHECK(wait_for(l, POLLIN, 0) == 0, "listen socket not readable yet");

	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	REQUIRE(c >= 0, "client socket");
	CHECK(fcntl(c, F_GETFL) & O_NONBLOCK, "SOCK_NONBLOCK sets O_NONBLOCK");
	int r = connect(c, (struct sockaddr *)&got, sizeof got);
	CHECK(r == 0 || errno == EINPROGRESS, "nonblocking connect");
	printf("nonblocking connect: %s\n", r == 0 || errno == EINPROGRESS ? "ok" : "failed");

	CHECK(wait_for(l, POLLIN, 5000) & POLLIN, "listen socket readable");
	memset(&peer, 0, sizeof peer);
	len = sizeof peer;
	int s = accept4(l, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	REQUIRE(s >= 0, "accept4");
	CHECK(len == sizeof peer && peer.sin_family == AF_INET &&
		      peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "accept4 peer is 127.0.0.1");
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK, "accept4 SOCK_NONBLOCK");
	CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC, "accept4 SOCK_CLOEXEC");

	CHECK(wait_for(c, POLLOUT, 5000) & POLLOUT, "connect completes");
	val = -1;
	len = sizeof val;
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &val, &len) == 0 && val == 0,
	      "SO_ERROR is 0 after connect (%d)", val);
	memset(&local, 0, sizeof local);
	len = sizeof local;
	CHECK(getsockname(c, (struct sockaddr *)&local, &len) == 0 &&
		      local.sin_port == peer.sin_port,
	      "client local port equals accepted peer port");
	CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0,
	      "TCP_NODELAY");
	printf("accepted, connection established\n");

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		echo_message(c, s, sizes[i], (unsigned)i + 11, (int)(i & 1));

	/* MSG_PEEK leaves the data queued */
	char buf[16] = {0};
	CHECK(send(c, "peek", 4, 0) == 4, "send peek");
	CHECK(wait_for(s, POLLIN, 5000) & POLLIN, "peek data arrives");
	CHECK(recv(s, buf, 4, MSG_PEEK) == 4 && memcmp(buf, "peek", 4) == 0,
	      "recv MSG_PEEK");
	memset(buf, 0, sizeof buf);
	struct sockaddr_storage from;
	len = sizeof from;
	CHECK(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 4 &&
		      memcmp(buf, "peek", 4) == 0,
	      "recvfrom after peek");
	printf("MSG_PEEK: ok; recvfrom on TCP addrlen=%u\n", (unsigned)len);
	CHECK(recv(s, buf, sizeof buf, 0) == -1 && errno == EAGAIN,
	      "nonblocking recv with nothing queued -> EAGAIN");

	/* half close from the client: the server sees EOF, can still send */
	CHECK(shutdown(c, SHUT_WR) == 0, "shutdown client SHUT_WR");
	CHECK(wait_for(s, POLLIN, 5000) & POLLIN, "server sees EOF");
	CHECK(recv(s, buf, sizeof buf, 0) == 0, "server recv returns 0 at EOF");
	CHECK(send(s, "bye", 3, 0) == 3, "server sends after client half close");
	CHECK(shutdown(s, SHUT_WR) == 0, "shutdown server SHUT_WR");
	CHECK(wait_for(c, POLLIN, 5000) & POLLIN, "client readable");
	memset(buf, 0, sizeof buf);
	CHECK(recv(c, buf, sizeof buf, 0) == 3 && strcmp(buf, "bye") == 0,
	      "client gets data sent after its half close");
	CHECK(wait_for(c, POLLIN, 5000) & POLLIN, "client readable at EOF");
	CHECK(recv(c, buf, sizeof buf, 0) == 0, "client recv returns 0 at EOF");
	printf("shutdown: ok\n");

	CHECK(close(c) == 0, "close client");
	CHECK(close(s) == 0, "close server side");
	CHECK(close(l) == 0, "close listener");
	printf("tcp echo: done\n");
	return check_exit();
}
