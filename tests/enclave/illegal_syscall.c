/*
 * Runs getpid (system call 39) with an inline `syscall` instruction instead
 * of going through libc.  Natively that works and the program prints
 * "after syscall: ..." and exits 0.  Inside a sconce enclave the
 * instruction is illegal: the runtime must stop the program (sconce prints
 * "illegal system call 39 from inside the enclave at 0x..." and dies from
 * SIGSYS), so "after syscall" must never be printed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

static long raw_getpid(void)
{
#if defined(__x86_64__)
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(39L)
			 : "rcx", "r11", "memory");
	return ret;
#else
#error "x86_64 only"
#endif
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("before syscall\n");
	fflush(stdout);
	long pid = raw_getpid();
	printf("after syscall: %s\n",
	       pid == (long)getpid() ? "raw getpid matches getpid()"
				     : "raw getpid differs from getpid()");
	return pid == (long)getpid() ? 0 : 1;
}
