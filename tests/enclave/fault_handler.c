/*
 * Faults delivered to the application's handlers: SIGSEGV (with siginfo)
 * three times, recovering with siglongjmp each time; SIGFPE from an
 * integer division by zero; then, with the default action restored, a
 * fault that kills the process by SIGSEGV.  Output must equal native.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf env;
static volatile uintptr_t bad_address = 16;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	printf("handler: sig=%d addr=%p\n", sig, si->si_addr);
	fflush(stdout);
	siglongjmp(env, 1);
}

static void on_fpe(int sig)
{
	printf("fpe handler: sig=%d\n", sig);
	fflush(stdout);
	siglongjmp(env, 2);
}

static void poke(void)
{
	*(volatile int *)bad_address = 1;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	signal(SIGFPE, on_fpe);
	for (volatile int i = 0; i < 3; i++) {
		if (!sigsetjmp(env, 1)) {
			poke();
			printf("not reached\n");
		} else {
			printf("recovered %d\n", i);
		}
	}
	if (!sigsetjmp(env, 1)) {
		volatile int zero = 0, x = 5 / zero;
		(void)x;
		printf("not reached\n");
	} else {
		printf("recovered from SIGFPE\n");
	}
	signal(SIGSEGV, SIG_DFL);
	printf("now dying\n");
	fflush(stdout);
	poke();
	return 0;
}
