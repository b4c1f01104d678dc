/*
 * CPU feature probes.  HWCAP2 is not reliable for FSGSBASE on every kernel
 * we meet, so the instruction itself is tried under a SIGILL guard.
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include "sim.h"

static sigjmp_buf probe_env;

static void on_sigill(int sig)
{
	(void)sig;
	siglongjmp(probe_env, 1);
}

int cpu_has_fsgsbase(void)
{
	struct sigaction sa, old;
	volatile int ok = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigill;
	sigaction(SIGILL, &sa, &old);
	if (!sigsetjmp(probe_env, 1)) {
		unsigned long fs;
		__asm__ volatile("rdfsbase %0" : "=r"(fs));
		__asm__ volatile("wrfsbase %0" : : "r"(fs));
		ok = 1;
	}
	sigaction(SIGILL, &old, NULL);
	return ok;
}
