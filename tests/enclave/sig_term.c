/*
 * Signals from outside.  Prints "ready <pid>" and waits; the test sends a
 * signal to that pid (the `sconce run` process).  Modes (argv[1]):
 *   pause, suspend   SIGTERM handler; wait in pause() / sigsuspend()
 *   sleep            SIGTERM handler; a 20 s nanosleep ends early with EINTR
 *   sem              SIGTERM handler; sem_wait ends with EINTR
 *   thread           SIGUSR1 blocked in main, taken by a thread in pause()
 *   read             SIGTERM handler; read() on an empty pipe ends with EINTR
 *   read-restart     SIGTERM handler with SA_RESTART that writes to the pipe:
 *                    the read goes on and returns that byte
 *   epoll            SA_RESTART handler; epoll_wait ends with EINTR anyway
 *   thread-read      SIGUSR1 blocked in main (waiting in join), taken by a
 *                    thread blocked in read(), which ends with EINTR
 *   int, usr1, hup   SIGINT / SIGUSR1 (SA_SIGINFO) / SIGHUP handler, pause()
 *   abrt             SIGABRT handler, pause()
 *   alarm            alarm(1) and a SIGALRM handler, pause()
 *   default          no handler: the signal (SIGTERM, SIGABRT) kills the
 *                    process (status 143, 134)
 *   default-read     no handler, blocked in read() on an empty pipe: killed
 *   default-busy     no handler, computing without system calls: killed
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got, info_ok;
static pthread_t waiter_thread, handled_on;

static void on_signal(int s)
{
	got = s;
	handled_on = pthread_self();
}

static void on_info(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	info_ok = si && si->si_signo == s;
	got = s;
}

static void handle(int s, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	if (flags & SA_SIGINFO)
		sa.sa_sigaction = on_info;
	else
		sa.sa_handler = on_signal;
	REQUIRE(sigaction(s, &sa, NULL) == 0, "sigaction");
}

static void ready(void)
{
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
}

static int pfd[2];

static void on_signal_write(int s)
{
	got = s;
	if (write(pfd[1], "x", 1) != 1)
		got = -1;
}

static const char *read_result(void)
{
	char c = 0;
	ssize_t r = read(pfd[0], &c, 1);
	if (r == -1 && errno == EINTR)
		return "EINTR";
	if (r == 1 && c == 'x')
		return "x";
	return "something else";
}

/* A thread that takes SIGUSR1 (blocked in main), then says ready. */
static void unblock_usr1_ready(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	ready();
}

static void *reader(void *arg)
{
	(void)arg;
	unblock_usr1_ready();
	printf("read on the thread: %s\n", read_result());
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	unblock_usr1_ready();
	while (!got)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "pause";
	int want = SIGTERM;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "default")) {
		ready();
		for (;;)
			pause();
	} else if (!strcmp(mode, "default-read")) {
		int p[2];
		char c;
		REQUIRE(pipe(p) == 0, "pipe");
		ready();
		printf("read returned %zd\n", read(p[0], &c, 1));
		return 1;
	} else if (!strcmp(mode, "default-busy")) {
		volatile unsigned long n = 0;
		ready();
		for (;;)
			n++;
	} else if (!strcmp(mode, "pause")) {
		handle(SIGTERM, 0);
		ready();
		while (!got)
			pause();
	} else if (!strcmp(mode, "suspend")) {
		sigset_t block, old;
		handle(SIGTERM, 0);
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigprocmask(SIG_BLOCK, &block, &old); /* no window between the test and the wait */
		ready();
		while (!got)
			CHECK(sigsuspend(&old) == -1 && errno == EINTR, "sigsuspend: EINTR");
		sigprocmask(SIG_SETMASK, &old, NULL);
	} else if (!strcmp(mode, "sleep")) {
		struct timespec req = { 20, 0 }, rem = { 0, 0 };
		handle(SIGTERM, 0);
		ready();
		int r = nanosleep(&req, &rem);
		CHECK(r == -1 && errno == EINTR, "nanosleep interrupted: %d", r);
		CHECK(rem.tv_sec > 0 && rem.tv_sec <= 20, "remaining time %ld s", (long)rem.tv_sec);
		printf("nanosleep: %s\n", r == -1 && errno == EINTR ? "EINTR" : "not interrupted");
	} else if (!strcmp(mode, "sem")) {
		sem_t sem;
		sem_init(&sem, 0, 0);
		handle(SIGTERM, 0);
		ready();
		int r = sem_wait(&sem);
		CHECK(r == -1 && errno == EINTR, "sem_wait interrupted: %d", r);
		printf("sem_wait: %s\n", r == -1 && errno == EINTR ? "EINTR" : "not interrupted");
	} else if (!strcmp(mode, "thread")) {
		sigset_t set;
		want = SIGUSR1;
		handle(SIGUSR1, 0);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		REQUIRE(pthread_create(&waiter_thread, NULL, waiter, NULL) == 0, "create");
		pthread_join(waiter_thread, NULL);
		CHECK(pthread_equal(handled_on, waiter_thread), "handler ran on the unblocked thread");
		printf("handled on the thread that did not block it: %s\n",
		       pthread_equal(handled_on, waiter_thread) ? "yes" : "no");
	} else if (!strcmp(mode, "read")) {
		REQUIRE(pipe(pfd) == 0, "pipe");
		handle(SIGTERM, 0);
		ready();
		printf("read: %s\n", read_result());
	} else if (!strcmp(mode, "read-restart")) {
		struct sigaction sa;
		REQUIRE(pipe(pfd) == 0, "pipe");
		memset(&sa, 0, sizeof sa);
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sa.sa_handler = on_signal_write;
		REQUIRE(sigaction(SIGTERM, &sa, NULL) == 0, "sigaction");
		ready();
		printf("read restarted: %s\n", read_result());
	} else if (!strcmp(mode, "epoll")) {
		struct epoll_event ev = { .events = EPOLLIN }, out;
		int ep = epoll_create1(0);
		REQUIRE(pipe(pfd) == 0 && ep >= 0, "pipe, epoll_create1");
		REQUIRE(epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev) == 0, "epoll_ctl");
		handle(SIGTERM, SA_RESTART);
		ready();
		int r = epoll_wait(ep, &out, 1, -1);
		printf("epoll_wait: %s\n", r == -1 && errno == EINTR ? "EINTR" : "not interrupted");
	} else if (!strcmp(mode, "thread-read")) {
		sigset_t set;
		pthread_t th;
		want = SIGUSR1;
		REQUIRE(pipe(pfd) == 0, "pipe");
		handle(SIGUSR1, 0);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		REQUIRE(pthread_create(&th, NULL, reader, NULL) == 0, "create");
		pthread_join(th, NULL);
	} else if (!strcmp(mode, "int") || !strcmp(mode, "usr1") || !strcmp(mode, "hup") ||
		   !strcmp(mode, "abrt") || !strcmp(mode, "alarm")) {
		want = !strcmp(mode, "int") ? SIGINT : !strcmp(mode, "usr1") ? SIGUSR1 :
		       !strcmp(mode, "hup") ? SIGHUP : !strcmp(mode, "abrt") ? SIGABRT : SIGALRM;
		handle(want, want == SIGUSR1 ? SA_SIGINFO : 0);
		if (want == SIGALRM)
			alarm(1);
		ready();
		while (!got)
			pause();
		if (want == SIGUSR1)
			CHECK(info_ok, "siginfo si_signo");
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	CHECK(got == want, "handler saw signal %d, want %d", (int)got, want);
	printf("got %s\n", got == SIGTERM ? "SIGTERM" : got == SIGINT ? "SIGINT" : got == SIGUSR1 ?
	       "SIGUSR1" : got == SIGHUP ? "SIGHUP" : got == SIGABRT ? "SIGABRT" : got == SIGALRM ?
	       "SIGALRM" : "something else");
	return check_exit();
}
