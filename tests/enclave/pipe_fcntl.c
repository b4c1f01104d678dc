/*
 * Pipes and file descriptor juggling: pipe/pipe2, dup/dup2/dup3,
 * fcntl F_GETFL/F_SETFL (O_NONBLOCK), F_GETFD/F_SETFD (FD_CLOEXEC),
 * F_DUPFD, F_DUPFD_CLOEXEC, EOF and EAGAIN on pipes, redirecting stdout
 * into a pipe, and 1 MiB pushed through a pipe with poll.
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

static void basics(void)
{
	int p[2];
	char buf[16] = {0};

	REQUIRE(pipe(p) == 0, "pipe");
	CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1], "two distinct fds");
	CHECK(write(p[1], "abc", 3) == 3, "write to pipe");
	CHECK(read(p[0], buf, sizeof buf) == 3 && strcmp(buf, "abc") == 0,
	      "read from pipe");

	int fl = fcntl(p[0], F_GETFL);
	CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDONLY, "read end is O_RDONLY");
	fl = fcntl(p[1], F_GETFL);
	CHECK(fl >= 0 && (fl & O_ACCMODE) == O_WRONLY, "write end is O_WRONLY");
	CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK), "blocking by default");
	CHECK(fcntl(p[0], F_GETFD) == 0, "no FD_CLOEXEC by default");

	/* O_NONBLOCK: empty pipe read gives EAGAIN */
	CHECK(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) == 0,
	      "F_SETFL O_NONBLOCK");
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "F_GETFL shows O_NONBLOCK");
	errno = 0;
	CHECK(read(p[0], buf, sizeof buf) == -1 && errno == EAGAIN,
	      "empty nonblocking read -> EAGAIN");

	/* FD_CLOEXEC */
	CHECK(fcntl(p[0], F_SETFD, FD_CLOEXEC) == 0, "F_SETFD FD_CLOEXEC");
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC, "F_GETFD shows FD_CLOEXEC");
	CHECK(fcntl(p[0], F_SETFD, 0) == 0 && fcntl(p[0], F_GETFD) == 0,
	      "clear FD_CLOEXEC");

	/* dup shares the open file description (status flags, data) but
	 * not the descriptor flags */
	CHECK(fcntl(p[0], F_SETFD, FD_CLOEXEC) == 0, "set FD_CLOEXEC again");
	int d = dup(p[0]);
	CHECK(d >= 0 && d != p[0], "dup");
	CHECK(fcntl(d, F_GETFD) == 0, "dup clears FD_CLOEXEC");
	CHECK(fcntl(d, F_GETFL) & O_NONBLOCK, "dup shares O_NONBLOCK");
	CHECK(fcntl(d, F_SETFL, fcntl(d, F_GETFL) & ~O_NONBLOCK) == 0,
	      "clear O_NONBLOCK through the dup");
	CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK),
	      "original sees O_NONBLOCK cleared");
	CHECK(write(p[1], "xyz", 3) == 3, "write");
	memset(buf, 0, sizeof buf);
	CHECK(read(d, buf, sizeof buf) == 3 && strcmp(buf, "xyz") == 0,
	      "read through dup");

	/* dup2 to a chosen number; dup2 of an fd to itself */
	CHECK(dup2(p[1], 100) == 100, "dup2 to 100");
	CHECK(dup2(100, 100) == 100, "dup2 to itself");
	CHECK(write(100, "via100", 6) == 6, "write through 100");
	memset(buf, 0, sizeof buf);
	CHECK(read(p[0], buf, sizeof buf) == 6 && strcmp(buf, "via100") == 0,
	      "data from fd 100");
	/* dup2 over an open fd closes it first */
	CHECK(dup2(d, 100) == 100, "dup2 over open 100");
	CHECK((fcntl(100, F_GETFL) & O_ACCMODE) == O_RDONLY,
	      "100 is now the read end");
	CHECK(dup3(p[1], 101, O_CLOEXEC) == 101, "dup3 O_CLOEXEC");
	CHECK(fcntl(101, F_GETFD) == FD_CLOEXEC, "dup3 sets FD_CLOEXEC");
	errno = 0;
	CHECK(dup3(101, 101, 0) == -1 && errno == EINVAL, "dup3 same fd EINVAL");

	/* F_DUPFD / F_DUPFD_CLOEXEC pick the lowest fd >= the argument */
	int f1 = fcntl(p[1], F_DUPFD, 50);
	CHECK(f1 >= 50, "F_DUPFD >= 50 (%d)", f1);
	CHECK(fcntl(f1, F_GETFD) == 0, "F_DUPFD without FD_CLOEXEC");
	int f2 = fcntl(p[1], F_DUPFD_CLOEXEC, 50);
	CHECK(f2 > f1, "F_DUPFD_CLOEXEC picks the next free fd (%d)", f2);
	CHECK(fcntl(f2, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC sets FD_CLOEXEC");
	CHECK(close(f1) == 0, "close F_DUPFD copy");
	int f3 = fcntl(p[1], F_DUPFD_CLOEXEC, 50);
	CHECK(f3 == f1, "lowest free fd is reused (%d vs %d)", f3, f1);

	/* EOF only when every write end is closed */
	CHECK(close(p[1]) == 0 && close(101) == 0 && close(f2) == 0, "close some write ends");
	CHECK(write(f3, "!", 1) == 1, "still one write end open");
	memset(buf, 0, sizeof buf);
	CHECK(read(p[0], buf, sizeof buf) == 1 && buf[0] == '!', "read last byte");
	CHECK(close(f3) == 0, "close last write end");
	CHECK(read(p[0], buf, sizeof buf) == 0, "read at EOF returns 0");
	CHECK(read(100, buf, sizeof buf) == 0, "EOF through the dup2 copy too");
	CHECK(close(p[0]) == 0 && close(d) == 0 && close(100) == 0, "close read ends");
	errno = 0;
	CHECK(fcntl(p[0], F_GETFD) == -1 && errno == EBADF, "closed fd is gone");
	printf("pipe/dup/fcntl: ok\n");
}

static void pipe2_flags(void)
{
	int p[2];

	REQUIRE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2");
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC,
	      "pipe2 O_CLOEXEC");
	CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK),
	      "pipe2 O_NONBLOCK");

	/* fill the pipe until EAGAIN, then drain it */
	static char chunk[4096];
	size_t filled = 0, drained = 0;
	for (;;) {
		ssize_t n = write(p[1], chunk, sizeof chunk);
		if (n < 0) {
			CHECK(errno == EAGAIN, "full pipe write -> EAGAIN");
			break;
		}
		filled += (size_t)n;
		REQUIRE(filled < (64u << 20), "pipe never fills");
	}
	CHECK(filled >= 4096, "pipe holds at least a page (%zu)", filled);
	struct pollfd pf = {.fd = p[1], .events = POLLOUT};
	CHECK(poll(&pf, 1, 0) == 0, "full pipe is not writable");
	for (;;) {
		ssize_t n = read(p[0], chunk, sizeof chunk);
		if (n < 0) {
			CHECK(errno == EAGAIN, "empty pipe read -> EAGAIN");
			break;
		}
		drained += (size_t)n;
	}
	CHECK(drained == filled, "drained %zu of %zu", drained, filled);
	printf("pipe2 fill/drain: ok\n");

	/* 1 MiB through the pipe, poll-driven, checking the content */
	enum { TOTAL = 1 << 20 };
	unsigned char *out = malloc(TOTAL), *in = malloc(TOTAL);
	size_t w = 0, r = 0;
	REQUIRE(out && in, "malloc");
	pattern_fill(out, TOTAL, 0, 99);
	while (r < TOTAL) {
		struct pollfd pp[2] = {{.fd = p[1], .events = w < TOTAL ? POLLOUT : 0},
				       {.fd = p[0], .events = POLLIN}};
		REQUIRE(poll(pp, 2, 10000) > 0, "poll on pipe");
		if ((pp[0].revents & POLLOUT) && w < TOTAL) {
			size_t want = TOTAL - w > 100000 ? 100000 : TOTAL - w;
			ssize_t n = write(p[1], out + w, want);
			if (n > 0)
				w += (size_t)n;
			else
				REQUIRE(errno == EAGAIN, "pipe write");
		}
		if (pp[1].revents & POLLIN) {
			ssize_t n = read(p[0], in + r, TOTAL - r);
			if (n > 0)
				r += (size_t)n;
			else
				REQUIRE(n < 0 && errno == EAGAIN, "pipe read");
		}
	}
	CHECK(memcmp(in, out, TOTAL) == 0, "1 MiB through the pipe intact");
	free(in);
	free(out);
	CHECK(close(p[0]) == 0 && close(p[1]) == 0, "close");
	printf("1 MiB through a pipe: ok\n");
}

static void redirect_stdout(void)
{
	int p[2];
	char buf[64] = {0};

	fflush(stdout);
	REQUIRE(pipe(p) == 0, "pipe");
	int saved = dup(1);
	REQUIRE(saved >= 0, "dup stdout");
	REQUIRE(dup2(p[1], 1) == 1, "dup2 pipe onto stdout");
	CHECK(write(1, "to the pipe\n", 12) == 12, "write to fd 1");
	REQUIRE(dup2(saved, 1) == 1, "restore stdout");
	CHECK(close(saved) == 0 && close(p[1]) == 0, "close");
	CHECK(read(p[0], buf, sizeof buf) == 12 && strcmp(buf, "to the pipe\n") == 0,
	      "output redirected into the pipe");
	CHECK(close(p[0]) == 0, "close");
	printf("stdout redirection: ok\n");
}

int main(void)
{
	basics();
	pipe2_flags();
	redirect_stdout();
	printf("pipes: done\n");
	return check_exit();
}
