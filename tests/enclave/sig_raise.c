/*
 * Signals an application sends itself.  Modes (argv[1]):
 *   basic        raise, pthread_kill(self), kill(getpid()), pthread_kill to
 *                a thread in pause(); sigprocmask block, raise, sigpending,
 *                unblock delivers; SA_RESETHAND
 *   busy         pthread_kill to a thread spinning without system calls
 *   abort        abort(): dies by SIGABRT (134)
 *   abort-handler  a SIGABRT handler that returns: abort still dies (134)
 *   kill-default kill(getpid(), SIGUSR1) with no handler: dies (138)
 *   kill-blocked SIGTERM blocked, kill(getpid(), SIGTERM): still alive until
 *                it is unblocked, then dies (143)
 *   sigwait      SIGUSR2 blocked and raised, then taken by sigwait/sigtimedwait
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static volatile int usr1, usr2, winch, abrt;
static pthread_t last;

static void on_sig(int s)
{
	if (s == SIGUSR1)
		usr1++;
	else if (s == SIGUSR2)
		usr2++;
	else if (s == SIGWINCH)
		winch++;
	else if (s == SIGABRT)
		abrt++;
	last = pthread_self();
}

static void handle(int s, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sa.sa_flags = flags;
	REQUIRE(sigaction(s, &sa, NULL) == 0, "sigaction %d", s);
}

static volatile int stop;

static void *pauser(void *arg)
{
	(void)arg;
	while (!usr1)
		pause();
	return NULL;
}

static void *busy(void *arg)
{
	volatile unsigned long x = 0;
	(void)arg;
	while (!stop)
		x++; /* no system call: the signal waits for the next one */
	sched_yield();
	return NULL;
}

/* Needs a second ethread under sconce: the busy thread never yields. */
static void busy_target(void)
{
	pthread_t t;
	struct timespec d = { 0, 30000000 };
	handle(SIGUSR1, 0);
	REQUIRE(pthread_create(&t, NULL, busy, NULL) == 0, "create");
	nanosleep(&d, NULL);
	CHECK(pthread_kill(t, SIGUSR1) == 0, "pthread_kill(busy)");
	stop = 1;
	pthread_join(t, NULL);
	CHECK(usr1 == 1 && pthread_equal(last, t), "handled on the busy thread: %d", usr1);
	printf("pthread_kill to a busy thread: handled there\n");
}

static void basic(void)
{
	sigset_t set, pend;
	pthread_t t;
	handle(SIGUSR1, 0);
	handle(SIGUSR2, 0);
	CHECK(raise(SIGUSR1) == 0 && usr1 == 1, "raise: handler ran before raise returned");
	CHECK(pthread_kill(pthread_self(), SIGUSR2) == 0 && usr2 == 1, "pthread_kill(self)");
	CHECK(kill(getpid(), SIGUSR2) == 0 && usr2 == 2, "kill(getpid())");
	printf("raise, pthread_kill(self), kill(getpid()): handled\n");

	usr1 = 0;
	REQUIRE(pthread_create(&t, NULL, pauser, NULL) == 0, "create");
	struct timespec d = { 0, 30000000 };
	nanosleep(&d, NULL);
	CHECK(pthread_kill(t, SIGUSR1) == 0, "pthread_kill(other)");
	pthread_join(t, NULL);
	CHECK(usr1 == 1 && pthread_equal(last, t), "handled on the thread in pause()");
	printf("pthread_kill to a thread in pause(): handled there\n");

	usr1 = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block");
	raise(SIGUSR1);
	raise(SIGUSR1); /* not queued: one delivery */
	CHECK(usr1 == 0, "blocked signal not delivered");
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 1, "sigpending shows it");
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "unblock");
	CHECK(usr1 == 1, "delivered once on unblock: %d", usr1);
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1) == 0, "no longer pending");
	printf("blocked, pending, delivered on unblock: %d delivery\n", usr1);

	handle(SIGWINCH, SA_RESETHAND);
	raise(SIGWINCH);
	raise(SIGWINCH); /* default action now: ignore */
	struct sigaction old;
	sigaction(SIGWINCH, NULL, &old);
	CHECK(winch == 1 && old.sa_handler == SIG_DFL, "SA_RESETHAND");
	printf("SA_RESETHAND: %d delivery, then default\n", winch);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "basic";
	sigset_t set;
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	if (!strcmp(mode, "basic")) {
		basic();
	} else if (!strcmp(mode, "busy")) {
		busy_target();
	} else if (!strcmp(mode, "abort") || !strcmp(mode, "abort-handler")) {
		if (mode[5])
			handle(SIGABRT, 0);
		printf("aborting\n");
		abort();
	} else if (!strcmp(mode, "kill-default")) {
		printf("killing myself\n");
		kill(getpid(), SIGUSR1);
		printf("survived\n");
		return 1;
	} else if (!strcmp(mode, "kill-blocked")) {
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		kill(getpid(), SIGTERM);
		printf("alive while SIGTERM is blocked\n");
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		printf("survived the unblock\n");
		return 1;
	} else if (!strcmp(mode, "sigwait")) {
		int s = 0;
		struct timespec zero = { 0, 0 };
		sigaddset(&set, SIGUSR2);
		sigprocmask(SIG_BLOCK, &set, NULL);
		raise(SIGUSR2);
		CHECK(sigwait(&set, &s) == 0 && s == SIGUSR2, "sigwait: %d", s);
		printf("sigwait: got %s\n", s == SIGUSR2 ? "SIGUSR2" : "something else");
		CHECK_ERR(sigtimedwait(&set, NULL, &zero), EAGAIN, "sigtimedwait with nothing pending");
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	return check_exit();
}
