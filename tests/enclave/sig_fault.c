/*
 * Faults inside the program.  Modes (argv[1]):
 *   null        write through a NULL pointer: SIGSEGV (139)
 *   read        read through a NULL pointer: SIGSEGV (139)
 *   thread      NULL write in a second thread: SIGSEGV (139)
 *   ill         an undefined instruction (ud2): SIGILL (132)
 *   fpe         integer division by zero: SIGFPE (136)
 * Under sconce the launcher reports "... inside the enclave at 0x...".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int *volatile nowhere;
static volatile int zero;

static void *crash(void *arg)
{
	(void)arg;
	*nowhere = 42;
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "null";
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("before the fault\n");
	if (!strcmp(mode, "null")) {
		*nowhere = 1;
	} else if (!strcmp(mode, "read")) {
		printf("%d\n", *nowhere);
	} else if (!strcmp(mode, "thread")) {
		pthread_t t;
		if (pthread_create(&t, NULL, crash, NULL) == 0)
			pthread_join(t, NULL);
	} else if (!strcmp(mode, "ill")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(mode, "fpe")) {
		unsigned q, d = (unsigned)zero; /* in assembly: C may not divide by zero */
		__asm__ volatile("xor %%edx, %%edx; divl %1" : "=a"(q) : "r"(d), "a"(1u) : "edx");
		printf("%u\n", q);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	printf("survived\n");
	return 1;
}
