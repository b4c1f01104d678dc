/*
 * The floor of sim mode: ns per getppid made natively after installing
 * the sim backend's own seccomp filter (host/seccomp.c, linked in), for an
 * enclave region this program does not run in.  Every host system call an
 * ethread makes passes that filter, so no sync call can cost less than
 * this; bench/syscall.sh prints it next to the native figure.  (Workers
 * carry no filter: the floor of an async call is bench/cross_cpu.c's.)
 *   seccomp_floor N    prints one number
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int seccomp_install(uintptr_t base, uint64_t size);

void host_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("seccomp_floor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	long n = atol(argv[1]);
	/* 1 GiB at 64 TiB: aligned to its size like an enclave, and far from
	 * this program's code. */
	if (seccomp_install((uintptr_t)1 << 46, (uint64_t)1 << 30) < 0)
		return 1;
	double t0 = now();
	for (long i = 0; i < n; i++)
		getppid();
	printf("%.1f\n", (now() - t0) * 1e9 / n);
	return 0;
}
