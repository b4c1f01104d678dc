/*
 * SIGPIPE.  Modes (argv[1]):
 *   ignore        SIG_IGN: write/writev to a pipe with no reader and send on
 *                 a socketpair whose peer closed return -1/EPIPE
 *   handler       a handler runs once per write and send; MSG_NOSIGNAL sends
 *                 none; the signal goes to the writing thread
 *   default       write with the default action: dies by SIGPIPE (141)
 *   send          send without MSG_NOSIGNAL, default action: dies (141)
 *   nosignal      send with MSG_NOSIGNAL, default action: EPIPE, lives
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static pthread_t hit_thread;

static void on_pipe(int s)
{
	(void)s;
	hits++;
	hit_thread = pthread_self();
}

static int broken_pipe(void)
{
	int p[2];
	REQUIRE(pipe(p) == 0, "pipe");
	close(p[0]);
	return p[1];
}

static int broken_socket(void)
{
	int sv[2];
	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	close(sv[1]);
	return sv[0];
}

static void expect_epipe(const char *what, long r, int hits_before, int hits_want)
{
	int e = errno;
	CHECK(r == -1 && e == EPIPE, "%s: %ld/%s", what, r, strerror(e));
	CHECK(hits - hits_before == hits_want, "%s: %d SIGPIPE(s), want %d", what,
	      (int)(hits - hits_before), hits_want);
	printf("%s: %s, %d signal(s)\n", what, r == -1 && e == EPIPE ? "EPIPE" : "wrong",
	       (int)(hits - hits_before));
}

static void *thread_writer(void *arg)
{
	sigset_t set;
	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL); /* inherited blocked from main */
	int fd = broken_pipe(), h = hits;
	expect_epipe("write from a thread", write(fd, "x", 1), h, 1);
	CHECK(pthread_equal(hit_thread, pthread_self()), "SIGPIPE handled by the writing thread");
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "ignore";
	struct iovec iov = { "abc", 3 };
	int fd, h;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "ignore") || !strcmp(mode, "handler")) {
		int per = mode[0] == 'h';
		if (per) {
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = on_pipe;
			REQUIRE(sigaction(SIGPIPE, &sa, NULL) == 0, "sigaction");
		} else {
			REQUIRE(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "signal");
		}
		fd = broken_pipe();
		h = hits;
		expect_epipe("write", write(fd, "x", 1), h, per);
		h = hits;
		expect_epipe("writev", writev(fd, &iov, 1), h, per);
		close(fd);
		fd = broken_socket();
		h = hits;
		expect_epipe("send", send(fd, "x", 1, 0), h, per);
		h = hits;
		expect_epipe("send MSG_NOSIGNAL", send(fd, "x", 1, MSG_NOSIGNAL), h, 0);
		h = hits;
		expect_epipe("write to socket", write(fd, "x", 1), h, per);
		close(fd);
		if (per) {
			pthread_t t;
			sigset_t set;
			sigemptyset(&set);
			sigaddset(&set, SIGPIPE);
			pthread_sigmask(SIG_BLOCK, &set, NULL); /* main could not take it */
			REQUIRE(pthread_create(&t, NULL, thread_writer, NULL) == 0, "create");
			pthread_join(t, NULL);
		}
	} else if (!strcmp(mode, "default") || !strcmp(mode, "send")) {
		fd = mode[0] == 'd' ? broken_pipe() : broken_socket();
		printf("writing\n");
		long r = mode[0] == 'd' ? write(fd, "x", 1) : send(fd, "x", 1, 0);
		printf("survived: %ld/%s\n", r, strerror(errno));
		return 1;
	} else if (!strcmp(mode, "nosignal")) {
		fd = broken_socket();
		expect_epipe("send MSG_NOSIGNAL with default action", send(fd, "x", 1, MSG_NOSIGNAL), 0, 0);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	return check_exit();
}
