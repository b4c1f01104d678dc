/*
 * The mock runtime for the fuzz harnesses (see mock_rt.h).  Compiled for
 * the host with glibc; it stands in for queue.c, ocall.c, thread.c and
 * signal.c around the sources under test.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/futex.h>
#include "rt.h"
#include "sched.h"
#include "mock_rt.h"

/* boot.c defines the real one; the forward harness does not link boot.c. */
__attribute__((weak)) struct rt_state rt;

jmp_buf mock_jmp;
int mock_jmp_armed;
const char *mock_fail_call, *mock_fail_rule;
char mock_fail_msg[256];

uint8_t *mock_bounce;
size_t mock_bounce_size, mock_bounce_used;
int mock_slot_held, mock_calls_begun, mock_calls_ended;
long (*mock_host_hook)(long nr, const long h[6]);
int mock_sigpipe_raised;

static uint8_t *shared_lo;   /* first canary byte */
static uintptr_t noaccess;

#define CANARY_BYTE 0xc5

static void *map_or_die(size_t n, int prot)
{
	void *p = mmap(0, n, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("mock: mmap");
		abort();
	}
	return p;
}

void mock_init(void)
{
	if (rt.base)
		return;
	/* [guard E][enclave E][guard >= E], the enclave aligned to E. */
	const size_t E = MOCK_ENCLAVE_SIZE;
	uintptr_t m = (uintptr_t)map_or_die(4 * E, PROT_NONE);
	uintptr_t base = (m + E + E - 1) & ~(E - 1);
	if (mprotect((void *)base, E, PROT_READ | PROT_WRITE) != 0) {
		perror("mock: mprotect");
		abort();
	}
	rt.base = base;
	rt.size = E;

	/* [guard page][canary][bounce max][canary][guard page] */
	const size_t pg = 4096, body = MOCK_CANARY + MOCK_BOUNCE_MAX + MOCK_CANARY;
	uint8_t *s = map_or_die(pg + body + pg, PROT_NONE);
	if (mprotect(s + pg, body, PROT_READ | PROT_WRITE) != 0) {
		perror("mock: mprotect");
		abort();
	}
	shared_lo = s + pg;
	mock_bounce = shared_lo + MOCK_CANARY;
	noaccess = (uintptr_t)s; /* the leading guard page */
}

uint8_t *mock_enclave(void)
{
	return (uint8_t *)rt.base;
}

uintptr_t mock_noaccess(void)
{
	return noaccess;
}

void mock_reset_call(size_t bounce_size, uint8_t stale)
{
	if (bounce_size > MOCK_BOUNCE_MAX)
		bounce_size = MOCK_BOUNCE_MAX;
	mock_bounce_size = bounce_size;
	mock_bounce_used = 0;
	mock_slot_held = 0;
	mock_calls_begun = mock_calls_ended = 0;
	mock_sigpipe_raised = 0;
	mock_fail_call = mock_fail_rule = 0;
	mock_fail_msg[0] = 0;
	memset(shared_lo, CANARY_BYTE, MOCK_CANARY);
	memset(mock_bounce, stale, bounce_size);
	memset(mock_bounce + bounce_size, CANARY_BYTE, MOCK_BOUNCE_MAX - bounce_size + MOCK_CANARY);
}

/* Is every byte of [p, p+n) equal to v?  (Hot: word at a time, and not
 * instrumented.) */
__attribute__((no_sanitize("address", "undefined"))) int mock_all_bytes(const uint8_t *p, size_t n,
									   uint8_t v)
{
	uint64_t w = 0x0101010101010101ull * v, x;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		if (x != w)
			return 0;
	}
	for (; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

int mock_canaries_ok(void)
{
	return mock_all_bytes(shared_lo, MOCK_CANARY, CANARY_BYTE) &&
	       mock_all_bytes(mock_bounce + mock_bounce_size, MOCK_BOUNCE_MAX - mock_bounce_size + MOCK_CANARY,
			 CANARY_BYTE);
}

/* ---- queue.c: the calling thread's slot and bounce buffer (weak: the
 * queue harness links the real ones) ---- */

__attribute__((weak)) void rt_call_begin(void)
{
	if (mock_slot_held) {
		fprintf(stderr, "mock: nested rt_call_begin\n");
		abort();
	}
	mock_slot_held = 1;
	mock_calls_begun++;
	mock_bounce_used = 0;
}

__attribute__((weak)) void rt_call_end(void)
{
	if (!mock_slot_held) {
		fprintf(stderr, "mock: rt_call_end without rt_call_begin\n");
		abort();
	}
	mock_slot_held = 0;
	mock_calls_ended++;
}

__attribute__((weak)) void *rt_bounce_alloc(size_t n)
{
	if (!mock_slot_held) {
		fprintf(stderr, "mock: rt_bounce_alloc outside a call\n");
		abort();
	}
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n || need > mock_bounce_size - mock_bounce_used)
		return 0;
	uint8_t *p = mock_bounce + mock_bounce_used;
	mock_bounce_used += need;
	memset(p + n, 0, need - n);
	return p;
}

__attribute__((weak)) void rt_bounce_reset(void)
{
	mock_bounce_used = 0;
}

__attribute__((weak)) size_t rt_bounce_avail(void)
{
	return mock_bounce_size - mock_bounce_used;
}

__attribute__((weak)) long rt_host_syscall(long nr, const long args[6])
{
	if (!mock_slot_held) {
		fprintf(stderr, "mock: rt_host_syscall without a slot\n");
		abort();
	}
	if (!mock_host_hook) {
		fprintf(stderr, "mock: no host\n");
		abort();
	}
	return mock_host_hook(nr, args);
}

/* ---- ocall.c: messages and the ways out ---- */

extern int rt_vsnprintf(char *, size_t, const char *, va_list);

static RT_NORETURN void leave(int how)
{
	if (!mock_jmp_armed) {
		fprintf(stderr, "mock: the runtime stopped outside MOCK_TRY: %s\n", mock_fail_msg);
		abort();
	}
	longjmp(mock_jmp, how);
}

void rt_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	rt_vsnprintf(buf, sizeof(buf), fmt, ap); /* exercises format.c */
	va_end(ap);
	if (getenv("SCONCE_FUZZ_VERBOSE"))
		fprintf(stderr, "rt_log: %s\n", buf);
}

void rt_security_fail(const char *call, const char *rule)
{
	mock_fail_call = call;
	mock_fail_rule = rule;
	rt_snprintf(mock_fail_msg, sizeof(mock_fail_msg), "%s: %s", call, rule);
	leave(MOCK_SECURITY);
}

void rt_fatal(const char *what)
{
	rt_snprintf(mock_fail_msg, sizeof(mock_fail_msg), "fatal: %s", what);
	leave(MOCK_FATAL);
}

void rt_die_by_signal(int sig)
{
	rt_snprintf(mock_fail_msg, sizeof(mock_fail_msg), "killed by signal %d", sig);
	leave(MOCK_EXITED);
}

void rt_exit_process(int status)
{
	rt_snprintf(mock_fail_msg, sizeof(mock_fail_msg), "exit %d", status);
	leave(MOCK_EXITED);
}

/* ---- thread.c / signal.c: what rt_forward needs for SIGPIPE ---- */

long rt_sys_gettid(void)
{
	return 1;
}

long rt_sys_tkill(long tid, long sig)
{
	if (tid == 1 && sig == 13)
		mock_sigpipe_raised++;
	return 0;
}

/* ---- futex.c: what the runtime's sleeping mutex (runtime/net/mutex.h,
 * used by epoll_map.c) needs.  There is one thread: a wait on a lock that
 * is held could never end (a path left it locked), so it stops the run. ---- */

__attribute__((weak)) long rt_sys_futex(long uaddr, long op, long val, long timeout, long uaddr2,
					long val3)
{
	(void)timeout;
	(void)uaddr2;
	(void)val3;
	switch (op & FUTEX_CMD_MASK) {
	case FUTEX_WAIT:
		if (__atomic_load_n((int *)uaddr, __ATOMIC_RELAXED) == (int)val) {
			fprintf(stderr, "mock: futex wait on %#lx: a lock was left held (one thread)\n",
				uaddr);
			abort();
		}
		return -EAGAIN;
	case FUTEX_WAKE:
		return 0;
	}
	return -ENOSYS;
}
