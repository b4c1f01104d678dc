/*
 * Network shield test server: a non-blocking epoll echo server.
 *
 * usage: net_echo PORT N
 * Listens on 127.0.0.1:PORT, prints "ready", then echoes every connection
 * (accept4 with SOCK_NONBLOCK, edge-free level-triggered epoll, short
 * reads and writes, EPOLLOUT while the peer is slow) until N connections
 * have ended; prints "served N" and exits 0.  Gives up after 60 s without
 * any event (exit 1).  The program knows nothing about TLS.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 65536

struct client {
	int fd, eof;
	size_t head, len; /* ring buffer of received, not yet echoed bytes */
	char buf[BUF];
};

static int ep;

static void arm(struct client *c)
{
	struct epoll_event ev = { .data.ptr = c };
	if (!c->eof && c->len < BUF)
		ev.events |= EPOLLIN;
	if (c->len)
		ev.events |= EPOLLOUT;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* 1 when the connection is finished */
static int serve(struct client *c, uint32_t events)
{
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->eof) {
		while (c->len < BUF) {
			size_t tail = (c->head + c->len) % BUF;
			size_t room = tail >= c->head ? BUF - tail : c->head - tail;
			if (room > BUF - c->len)
				room = BUF - c->len;
			ssize_t n = read(c->fd, c->buf + tail, room);
			if (n > 0) {
				c->len += (size_t)n;
				continue;
			}
			if (n == 0) {
				c->eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				return 1;
			}
			break;
		}
	}
	while (c->len) {
		size_t chunk = c->head + c->len > BUF ? BUF - c->head : c->len;
		ssize_t n = write(c->fd, c->buf + c->head, chunk);
		if (n > 0) {
			c->head = (c->head + (size_t)n) % BUF;
			c->len -= (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		return 1;
	}
	if (c->eof && !c->len)
		return 1;
	arm(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: net_echo PORT N\n");
		return 2;
	}
	int want = atoi(argv[2]), done = 0, one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0) {
		perror("net_echo: listen");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	printf("ready\n");
	fflush(stdout);
	while (done < want) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 60000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "net_echo: %s\n", n == 0 ? "idle for 60 s" : strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					c = calloc(1, sizeof(*c));
					c->fd = fd;
					struct epoll_event e = { .events = EPOLLIN, .data.ptr = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
				}
				if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
					perror("net_echo: accept4");
				continue;
			}
			if (serve(c, evs[i].events)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				free(c);
				done++;
			}
		}
	}
	printf("served %d\n", done);
	return 0;
}
