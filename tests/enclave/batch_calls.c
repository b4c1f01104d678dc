/*
 * Calls the runtime answers without an exit of their own (runtime/batch.c)
 * must behave exactly as Linux's: tests/82-batch.t runs each mode natively
 * and inside, compares the output, and checks sconce's counts of deferred
 * and fused calls.
 *   files DIR   fstat after open, deferred closes, descriptor reuse
 *   locks DIR   after a lock, closes are made at once
 *   cork        TCP_CORK on, deferred, still holds back data
 *   threads DIR nothing deferred while a second thread runs
 *   sleep DIR   a deferred close is made before the thread sleeps (pause)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char path_a[512];

static void check(int cond, const char *what)
{
	if (!cond) {
		printf("FAILED: %s (errno %d %s)\n", what, errno, strerror(errno));
		exit(1);
	}
}

static void write_file(const char *p, const char *text)
{
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	check(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write a file");
	check(close(fd) == 0, "close after writing");
}

static void files(const char *dir)
{
	char b[512], path_b[512];
	struct stat st;
	write_file(path_a, "0123456789012345678901234567890123456789");

	/* The fstat right after an open (fused, inside). */
	int fd = open(path_a, O_RDONLY);
	check(fd >= 0 && fstat(fd, &st) == 0, "open and fstat");
	printf("fstat after open: size %lld, regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
	/* A second fstat before any other call: the same answer. */
	struct stat st2;
	check(fstat(fd, &st2) == 0, "second fstat");
	printf("second fstat agrees: %d\n", st.st_ino == st2.st_ino && st.st_size == st2.st_size);

	/* The file grows through another descriptor: the next fstat sees it. */
	int w = open(path_a, O_WRONLY | O_APPEND);
	check(w >= 0 && write(w, "abcdefghij", 10) == 10 && close(w) == 0, "append");
	check(fstat(fd, &st) == 0, "fstat after append");
	printf("fstat after another descriptor wrote: size %lld\n", (long long)st.st_size);

	/* A deferred close: the descriptor is gone at once. */
	check(close(fd) == 0, "close (read-only file)");
	int rc = fcntl(fd, F_GETFD), e = errno;
	printf("after close: fcntl %d errno %d\n", rc, e);
	ssize_t rr = read(fd, b, 1);
	e = errno;
	printf("after close: read %zd errno %d\n", rr, e);
	int fd2 = open(path_a, O_RDONLY);
	printf("lowest descriptor reused by open: %d\n", fd2 == fd);
	check(close(fd2) == 0, "close again");
	snprintf(path_b, sizeof(path_b), "%s/b", dir);
	int fd3 = open(path_b, O_CREAT | O_RDWR, 0644);
	printf("... and by an open for writing: %d\n", fd3 == fd);
	check(close(fd3) == 0, "close the read-write file");

	/* A server's loop: open, fstat, read, close. */
	long total = 0;
	for (int i = 0; i < 10; i++) {
		int f = open(path_a, O_RDONLY | O_CLOEXEC);
		check(f >= 0 && fstat(f, &st) == 0, "loop open and fstat");
		ssize_t r = read(f, b, sizeof(b));
		check(r == st.st_size && close(f) == 0, "loop read and close");
		total += r;
	}
	printf("loop read %ld bytes\n", total);

	/* Directories: with O_DIRECTORY no fstat is fused; without, it is, but
	 * a directory's close is not deferred. */
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	check(d >= 0 && fstat(d, &st) == 0 && S_ISDIR(st.st_mode) && close(d) == 0, "directory");
	d = open(dir, O_RDONLY);
	check(d >= 0 && fstat(d, &st) == 0 && S_ISDIR(st.st_mode) && close(d) == 0, "directory again");
	printf("directories: ok\n");

	/* A pipe's close is never deferred: the reader sees the end. */
	int p[2];
	check(pipe(p) == 0 && write(p[1], "x", 1) == 1 && close(p[1]) == 0, "pipe");
	ssize_t r1 = read(p[0], b, 2), r2 = read(p[0], b, 2);
	printf("pipe: %zd then %zd\n", r1, r2);
	close(p[0]);

	/* fstat of a descriptor other than the last opened goes to the host. */
	int x = open(path_a, O_RDONLY), y = open(path_b, O_RDONLY);
	check(x >= 0 && y >= 0 && fstat(x, &st) == 0, "fstat of an older descriptor");
	printf("older descriptor: size %lld\n", (long long)st.st_size);
	check(close(y) == 0 && close(x) == 0, "close both");
	/* closing twice: the second one fails as on Linux */
	int rc2 = close(x), e2 = errno;
	printf("second close: %d errno %d\n", rc2, e2);
}

static void locks(const char *dir)
{
	(void)dir;
	write_file(path_a, "locked");
	int l = open(path_a, O_RDWR);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	check(l >= 0 && fcntl(l, F_SETLK, &fl) == 0, "lock");
	struct stat st;
	for (int i = 0; i < 3; i++) {
		int f = open(path_a, O_RDONLY);
		check(f >= 0 && fstat(f, &st) == 0 && close(f) == 0, "open, fstat, close after a lock");
	}
	printf("after a lock: size %lld\n", (long long)st.st_size);
	close(l);
}

static void cork(void)
{
	int lst = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	check(lst >= 0 && bind(lst, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lst, 1) == 0 &&
	      getsockname(lst, (struct sockaddr *)&sa, &sl) == 0, "listen");
	int cli = socket(AF_INET, SOCK_STREAM, 0);
	check(cli >= 0 && connect(cli, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect");
	int srv = accept(lst, NULL, NULL);
	check(srv >= 0, "accept");
	int one = 1, zero = 0, v = -1;
	socklen_t vl = sizeof(v);
	char b[16];

	check(setsockopt(srv, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0, "cork");
	check(write(srv, "x", 1) == 1, "write while corked");
	ssize_t r = recv(cli, b, sizeof(b), MSG_DONTWAIT);
	int e = errno;
	printf("corked: recv %zd errno %d\n", r, e);
	check(getsockopt(srv, IPPROTO_TCP, TCP_CORK, &v, &vl) == 0, "getsockopt");
	printf("getsockopt TCP_CORK: %d\n", v);
	check(setsockopt(srv, IPPROTO_TCP, TCP_CORK, &zero, sizeof(zero)) == 0, "uncork");
	r = recv(cli, b, sizeof(b), 0);
	printf("uncorked: recv %zd '%.*s'\n", r, (int)(r > 0 ? r : 0), b);

	/* Where Linux refuses, the enclave refuses too (nothing deferred). */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int rc = setsockopt(u, IPPROTO_TCP, TCP_CORK, &one, sizeof(one));
	e = errno;
	printf("udp: %d errno %d\n", rc, e);
	write_file(path_a, "f");
	int f = open(path_a, O_RDONLY);
	rc = setsockopt(f, IPPROTO_TCP, TCP_CORK, &one, sizeof(one));
	e = errno;
	printf("file: %d errno %d\n", rc, e);
	rc = setsockopt(srv, IPPROTO_TCP, TCP_CORK, &one, 2);
	e = errno;
	printf("short length: %d errno %d\n", rc, e);
	/* Corked, then closed: the data still goes out, with the close. */
	check(setsockopt(srv, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)) == 0, "cork again");
	check(write(srv, "yz", 2) == 2 && close(srv) == 0, "write and close");
	r = recv(cli, b, sizeof(b), 0);
	printf("after close: recv %zd '%.*s'\n", r, (int)(r > 0 ? r : 0), b);
	close(f);
	close(u);
	close(cli);
	close(lst);
}

static void *second(void *arg)
{
	int want = *(int *)arg;
	struct stat st;
	int f = open(path_a, O_RDONLY);
	printf("second thread: lowest descriptor %d\n", f == want);
	check(f >= 0 && fstat(f, &st) == 0 && close(f) == 0, "second thread's open, fstat, close");
	return NULL;
}

static void threads(const char *dir)
{
	(void)dir;
	write_file(path_a, "threads");
	int fd = open(path_a, O_RDONLY);
	check(fd >= 0 && close(fd) == 0, "open and close before the thread");
	pthread_t t;
	check(pthread_create(&t, NULL, second, &fd) == 0 && pthread_join(t, NULL) == 0, "thread");
	struct stat st;
	int f = open(path_a, O_RDONLY);
	check(f >= 0 && fstat(f, &st) == 0 && close(f) == 0, "after the thread");
	printf("after the thread: size %lld\n", (long long)st.st_size);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* pause() sleeps inside the enclave with no host call of its own until a
 * signal comes: the close must have been made before it. */
static void sleep_after_close(void)
{
	write_file(path_a, "sleep");
	signal(SIGUSR1, on_usr1);
	int fd = open(path_a, O_RDONLY);
	check(fd >= 0, "open");
	fprintf(stderr, "closing\n");
	check(close(fd) == 0, "close");
	pause();
	printf("woke\n");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (argc > 2)
		snprintf(path_a, sizeof(path_a), "%s/a", argv[2]);
	if (!strcmp(argv[1], "files") && argc > 2)
		files(argv[2]);
	else if (!strcmp(argv[1], "locks") && argc > 2)
		locks(argv[2]);
	else if (!strcmp(argv[1], "cork") && argc > 2)
		cork();
	else if (!strcmp(argv[1], "threads") && argc > 2)
		threads(argv[2]);
	else if (!strcmp(argv[1], "sleep") && argc > 2)
		sleep_after_close();
	else
		return 2;
	return 0;
}
