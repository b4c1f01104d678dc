/*
 * Network shield test client.
 *
 * usage: net_client PORT MESSAGE
 * Connects to 127.0.0.1:PORT, writes MESSAGE, shuts down its sending side,
 * prints everything it reads back until end of file, exits 0.  If connect
 * fails it prints "connect: <error>" on stdout and exits 3.  The program
 * knows nothing about TLS.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: net_client PORT MESSAGE\n");
		return 2;
	}
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("connect: %s\n", strerror(errno));
		return 3;
	}
	size_t len = strlen(argv[1 + 1]);
	if (write(s, argv[2], len) != (ssize_t)len || shutdown(s, SHUT_WR) < 0) {
		perror("net_client: write");
		return 1;
	}
	char buf[4096];
	ssize_t n;
	while ((n = read(s, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	if (n < 0) {
		perror("net_client: read");
		return 1;
	}
	printf("\n");
	close(s);
	return 0;
}
