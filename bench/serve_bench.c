/*
 * The host calls of serving a small static file on a keep-alive TCP
 * connection, as nginx makes them (sendfile on, tcp_nopush on), in one
 * thread and without the network's waiting: the client's request is sent,
 * then the server's recvfrom, open, fstat, TCP_CORK on, write of the
 * header, sendfile of the file, TCP_CORK off, close, then the client
 * reads the response.  Prints ns per request (median of the rounds run by
 * bench/serve.sh) after checking every response byte for byte.
 * Usage: serve_bench FILE REQUESTS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "serve_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: serve_bench FILE REQUESTS\n");
		return 2;
	}
	const char *path = argv[1];
	long n = atol(argv[2]);
	int lst = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	if (lst < 0 || bind(lst, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lst, 1) < 0 ||
	    getsockname(lst, (struct sockaddr *)&sa, &sl) < 0)
		die("listening socket");
	int cli = socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	int srv = accept4(lst, NULL, NULL, SOCK_NONBLOCK);
	if (srv < 0)
		die("accept4");

	struct stat st0;
	if (stat(path, &st0) < 0)
		die(path);
	size_t fsize = (size_t)st0.st_size;
	char *expect = malloc(fsize + 512), *got = malloc(fsize + 512);
	int fd0 = open(path, O_RDONLY);
	if (!expect || !got || fd0 < 0 || read(fd0, expect + 256, fsize) != (ssize_t)fsize)
		die("reading the file");
	close(fd0);
	static const char req[] = "GET /file HTTP/1.1\r\nHost: localhost\r\n\r\n";
	char hdr[256], buf[1024];

	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (send(cli, req, sizeof(req) - 1, 0) != (ssize_t)sizeof(req) - 1)
			die("client send");
		if (recvfrom(srv, buf, sizeof(buf), 0, NULL, NULL) != (ssize_t)sizeof(req) - 1)
			die("server recvfrom");
		int fd = open(path, O_RDONLY | O_NONBLOCK);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			die("open and fstat");
		int hl = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n\r\n",
				  (long long)st.st_size);
		int one = 1, zero = 0;
		if (setsockopt(srv, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) < 0 ||
		    write(srv, hdr, (size_t)hl) != hl ||
		    sendfile(srv, fd, NULL, (size_t)st.st_size) != st.st_size ||
		    setsockopt(srv, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero)) < 0 ||
		    close(fd) < 0)
			die("response");
		size_t want = (size_t)hl + fsize, have = 0;
		while (have < want) {
			ssize_t r = recv(cli, got + have, want - have, 0);
			if (r <= 0)
				die("client recv");
			have += (size_t)r;
		}
		if (memcmp(got, hdr, (size_t)hl) || memcmp(got + hl, expect + 256, fsize)) {
			fprintf(stderr, "serve_bench: response %ld differs from the file\n", i);
			return 1;
		}
	}
	printf("%.1f\n", (now_ns() - t0) / n);
	return 0;
}
