/*
 * errno values of failing system calls (the enclave must hand back the
 * host's error codes unchanged, as -1 plus errno).
 *
 * usage: errnos DIR   (an existing, empty scratch directory)
 */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[2048];

static const char *path(const char *rel)
{
	static char buf[4][4096];
	static int n;
	char *p = buf[n++ & 3];
	if (snprintf(p, sizeof buf[0], "%s/%s", top, rel) >= (int)sizeof buf[0]) {
		fprintf(stderr, "FAIL: path too long\n");
		exit(2);
	}
	return p;
}

static int loopback_socket(int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof *addr;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	REQUIRE(fd >= 0, "socket");
	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(bind(fd, (struct sockaddr *)addr, sizeof *addr) == 0, "bind");
	REQUIRE(getsockname(fd, (struct sockaddr *)addr, &len) == 0, "getsockname");
	return fd;
}

int main(int argc, char **argv)
{
	struct stat st;
	char buf[16];
	int p[2];

	if (argc != 2) {
		fprintf(stderr, "FAIL: usage: errnos DIR\n");
		return 2;
	}
	snprintf(top, sizeof top, "%s", argv[1]);

	/* files */
	CHECK_ERR(open(path("missing"), O_RDONLY), ENOENT, "open missing file");
	CHECK_ERR(open(path("no/such/dir/file"), O_CREAT | O_WRONLY, 0644), ENOENT,
		  "create in a missing directory");
	CHECK_ERR(stat(path("missing"), &st), ENOENT, "stat missing file");
	CHECK_ERR(unlink(path("missing")), ENOENT, "unlink missing file");
	CHECK_ERR(rename(path("missing"), path("other")), ENOENT, "rename missing file");
	CHECK_ERR(close(-1), EBADF, "close(-1)");
	CHECK_ERR(close(9999), EBADF, "close(9999)");
	CHECK_ERR(fstat(9999, &st), EBADF, "fstat(9999)");
	CHECK_ERR(fstat(-1, &st), EBADF, "fstat(-1)");
	CHECK_ERR(read(9999, buf, 1), EBADF, "read(9999)");
	CHECK_ERR(write(-5, "x", 1), EBADF, "write(-5)");
	CHECK_ERR(lseek(9999, 0, SEEK_SET), EBADF, "lseek(9999)");
	CHECK_ERR(dup(9999), EBADF, "dup(9999)");
	CHECK_ERR(fcntl(9999, F_GETFL), EBADF, "fcntl(9999, F_GETFL)");

	int fd = open(path("file"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	REQUIRE(fd >= 0, "create file");
	CHECK(write(fd, "data", 4) == 4, "write file");
	CHECK_ERR(read(fd, buf, 1), EBADF, "read from a write-only fd");
	CHECK_ERR(lseek(fd, -100, SEEK_SET), EINVAL, "lseek to a negative offset");
	CHECK_ERR(lseek(fd, 0, 12345), EINVAL, "lseek with a bad whence");
	CHECK(close(fd) == 0, "close");
	fd = open(path("file"), O_RDONLY);
	REQUIRE(fd >= 0, "open file read-only");
	CHECK_ERR(write(fd, "x", 1), EBADF, "write to a read-only fd");
	CHECK_ERR(ftruncate(fd, 0), EINVAL, "ftruncate a read-only fd");
	CHECK(close(fd) == 0, "close");
	CHECK_ERR(close(fd), EBADF, "close twice");
	CHECK_ERR(open(path("file"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST,
		  "O_CREAT|O_EXCL on an existing file");
	CHECK_ERR(open(path("file"), O_RDONLY | O_DIRECTORY), ENOTDIR,
		  "O_DIRECTORY on a file");
	CHECK_ERR(open(path("file/below"), O_RDONLY), ENOTDIR,
		  "path through a file");

	/* directories */
	CHECK(mkdir(path("dir"), 0755) == 0, "mkdir dir");
	CHECK_ERR(mkdir(path("dir"), 0755), EEXIST, "mkdir existing directory");
	CHECK_ERR(mkdir(path("file"), 0755), EEXIST, "mkdir over a file");
	fd = open(path("dir/inner"), O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create dir/inner");
	if (fd >= 0)
		close(fd);
	CHECK_ERR(rmdir(path("dir")), ENOTEMPTY, "rmdir non-empty directory");
	CHECK_ERR(rmdir(path("file")), ENOTDIR, "rmdir a file");
	CHECK_ERR(rmdir(path("missing")), ENOENT, "rmdir missing");
	CHECK_ERR(unlink(path("dir")), EISDIR, "unlink a directory");
	CHECK_ERR(open(path("dir"), O_WRONLY), EISDIR, "open a directory for writing");
	fd = open(path("dir"), O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "open directory");
	if (fd >= 0) {
		CHECK_ERR(read(fd, buf, sizeof buf), EISDIR, "read a directory");
		close(fd);
	}
	CHECK_ERR(openat(9999, "x", O_RDONLY), EBADF, "openat with a bad dirfd");
	CHECK(unlink(path("dir/inner")) == 0 && rmdir(path("dir")) == 0 &&
		      unlink(path("file")) == 0,
	      "clean up");

	/* pipes */
	REQUIRE(pipe(p) == 0, "pipe");
	CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE, "lseek on a pipe");
	CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE, "pread on a pipe");
	CHECK_ERR(write(p[0], "x", 1), EBADF, "write to the read end");
	CHECK_ERR(read(p[1], buf, 1), EBADF, "read from the write end");
	CHECK(close(p[0]) == 0 && close(p[1]) == 0, "close pipe");

	/* sockets */
	struct sockaddr_in a, b;
	int bound = loopback_socket(SOCK_STREAM, &a); /* bound, not listening */
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(c >= 0, "socket");
	CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a), ECONNREFUSED,
		  "connect to a port nobody listens on");
	close(c);
	CHECK(listen(bound, 4) == 0, "listen");
	int other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(other >= 0, "socket");
	CHECK_ERR(bind(other, (struct sockaddr *)&a, sizeof a), EADDRINUSE,
		  "bind to a port in use");
	close(other);
	int u1 = loopback_socket(SOCK_DGRAM, &b);
	int u2 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	REQUIRE(u2 >= 0, "socket");
	CHECK_ERR(bind(u2, (struct sockaddr *)&b, sizeof b), EADDRINUSE,
		  "bind UDP to a port in use");
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(c >= 0, "socket");
	CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send on an unconnected TCP socket");
	CHECK_ERR(listen(u1, 1), EOPNOTSUPP, "listen on a UDP socket");
	CHECK_ERR(accept4(c, NULL, NULL, 0), EINVAL, "accept on a non-listening socket");
	CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT,
		  "TCP socket with protocol UDP");
	CHECK_ERR(accept4(9999, NULL, NULL, 0), EBADF, "accept on a bad fd");
	CHECK_ERR(shutdown(c, SHUT_RDWR), ENOTCONN, "shutdown unconnected socket");
	CHECK_ERR(recv(9999, buf, 1, 0), EBADF, "recv on a bad fd");
	fd = open(path("plain"), O_CREAT | O_RDWR, 0644);
	REQUIRE(fd >= 0, "create plain");
	CHECK_ERR(send(fd, "x", 1, 0), ENOTSOCK, "send on a file");
	CHECK_ERR(getsockname(fd, (struct sockaddr *)&b, &(socklen_t){sizeof b}),
		  ENOTSOCK, "getsockname on a file");
	close(fd);
	CHECK(unlink(path("plain")) == 0, "unlink plain");
	close(c);
	close(u1);
	close(u2);
	close(bound);

	/* errno is per call: a success after a failure does not matter, a
	 * new failure overwrites */
	errno = 0;
	CHECK(close(-1) == -1 && errno == EBADF, "EBADF again");
	CHECK(open(path("missing"), O_RDONLY) == -1 && errno == ENOENT,
	      "errno overwritten by the next failure");

	printf("errnos: done\n");
	return check_exit();
}
