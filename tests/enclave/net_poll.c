/*
 * Network shield test server: readiness of buffered data.
 *
 * usage: net_poll PORT
 * Listens on 127.0.0.1:PORT, prints "ready", accepts one connection, then
 * reads it ONE byte at a time, each time after waiting for it with poll,
 * select and epoll_wait in turn (5 s each).  On a protected port the rest
 * of a TLS record waits inside the enclave while the host socket is
 * empty, so this only works if the waits see that data.  Echoes the first
 * line back, prints "line LEN" and exits 0; prints "stalled in WAIT" and
 * exits 1 if a wait times out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 4) < 0) {
		perror("net_poll: listen");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	int c = accept(l, NULL, NULL);
	if (c < 0) {
		perror("net_poll: accept");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	char line[4096];
	size_t n = 0;
	static const char *const names[3] = { "poll", "select", "epoll_wait" };
	for (int i = 0; n < sizeof(line); i++) {
		int r;
		if (i % 3 == 0) {
			struct pollfd p = { .fd = c, .events = POLLIN };
			r = poll(&p, 1, 5000) == 1 && (p.revents & POLLIN);
		} else if (i % 3 == 1) {
			fd_set rd;
			FD_ZERO(&rd);
			FD_SET(c, &rd);
			struct timeval tv = { 5, 0 };
			r = select(c + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(c, &rd);
		} else {
			struct epoll_event out;
			r = epoll_wait(ep, &out, 1, 5000) == 1 && out.data.u64 == 42;
		}
		if (!r) {
			printf("stalled in %s after %zu bytes\n", names[i % 3], n);
			return 1;
		}
		if (read(c, line + n, 1) != 1)
			break;
		if (line[n++] == '\n')
			break;
	}
	write(c, line, n);
	shutdown(c, SHUT_WR);
	printf("line %zu\n", n);
	close(c);
	return 0;
}
