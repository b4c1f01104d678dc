/*
 * Rings, futexes and the raw system call, host side.  The enclave is the
 * party that must not trust this side; this side still checks what it
 * reads so that a confused enclave cannot crash a worker.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "queue.h"

int ring_push(struct sconce_ring *r, uint64_t mask, uint64_t v)
{
	uint64_t pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	for (;;) {
		struct sconce_ring_cell *c = &r->cell[pos & mask];
		uint64_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		int64_t dif = (int64_t)(seq - pos);
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&r->head, &pos, pos + 1, 1, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				c->val = v;
				__atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
				return 0;
			}
		} else if (dif < 0) {
			return -EAGAIN;
		} else {
			pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
		}
	}
}

int ring_pop(struct sconce_ring *r, uint64_t mask, uint64_t *v)
{
	uint64_t pos = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
	for (;;) {
		struct sconce_ring_cell *c = &r->cell[pos & mask];
		uint64_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		int64_t dif = (int64_t)(seq - (pos + 1));
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&r->tail, &pos, pos + 1, 1, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				*v = c->val;
				__atomic_store_n(&c->seq, pos + mask + 1, __ATOMIC_RELEASE);
				return 0;
			}
		} else if (dif < 0) {
			return -EAGAIN;
		} else {
			pos = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
		}
	}
}

int ring_empty(struct sconce_ring *r, uint64_t mask)
{
	uint64_t pos = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	struct sconce_ring_cell *c = &r->cell[pos & mask];
	return (int64_t)(__atomic_load_n(&c->seq, __ATOMIC_ACQUIRE) - (pos + 1)) < 0;
}

long host_syscall(long n, const uint64_t a[6])
{
	long ret;
	register long r10 __asm__("r10") = (long)a[3];
	register long r8 __asm__("r8") = (long)a[4];
	register long r9 __asm__("r9") = (long)a[5];
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

long futex_wait(uint32_t *addr, uint32_t val, uint64_t timeout_ns)
{
	struct timespec ts = { (time_t)(timeout_ns / 1000000000ull), (long)(timeout_ns % 1000000000ull) };
	return syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, timeout_ns ? &ts : NULL, NULL, 0);
}

long futex_wake(uint32_t *addr, int n)
{
	return syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}
