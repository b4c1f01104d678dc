/*
 * Futexes among application threads are served entirely inside the
 * enclave: a hash of wait queues keyed by address.  Supports WAIT, WAKE,
 * WAIT_BITSET, WAKE_BITSET, REQUEUE and CMP_REQUEUE (what musl uses), with
 * relative and absolute timeouts.
 */
#include <errno.h>
#include <time.h>
#include <linux/futex.h>
#include "sched.h"

#define NBUCKETS 64

static struct bucket {
	volatile int lock;
	struct rt_thread *head;
} buckets[NBUCKETS];

static struct bucket *bucket_of(uintptr_t addr)
{
	return &buckets[(addr >> 2) * 0x9E3779B97F4A7C15ull >> 58];
}

static void lock(struct bucket *b)
{
	while (__atomic_exchange_n(&b->lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(struct bucket *b)
{
	__atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
}

static void unlink_locked(struct bucket *b, struct rt_thread *t)
{
	for (struct rt_thread **p = &b->head; *p; p = &(*p)->fnext)
		if (*p == t) {
			*p = t->fnext;
			t->fnext = 0;
			return;
		}
}

/* A thread woken by a timeout or a signal takes itself off its queue.
 * Requeue may have moved it, so confirm the bucket under its lock. */
void rt_futex_cancel(struct rt_thread *t)
{
	for (;;) {
		uintptr_t addr = RT_READ_ONCE(t->futex_addr);
		if (!addr)
			return;
		struct bucket *b = bucket_of(addr);
		lock(b);
		if (t->futex_addr == addr) {
			unlink_locked(b, t);
			t->futex_addr = 0;
			unlock(b);
			return;
		}
		unlock(b);
	}
}

static long wait(uintptr_t addr, int val, uint32_t bits, long ts, int absolute, int clk)
{
	struct rt_thread *t = rt_cur();
	uint64_t target = 0, deadline = 0;
	if (ts) {
		long r = rt_timeout_target(ts, absolute, clk, &target);
		if (r < 0)
			return r;
	}
again:
	if (ts) {
		long r = rt_timeout_deadline(clk, target, &deadline);
		if (r < 0)
			return r;
		if (!deadline)
			return -ETIMEDOUT;
	}
	struct bucket *b = bucket_of(addr);
	lock(b);
	if (__atomic_load_n((int *)addr, __ATOMIC_SEQ_CST) != val) {
		unlock(b);
		return -EAGAIN;
	}
	t->futex_addr = addr;
	t->futex_bits = bits;
	t->state = T_WAITING;
	t->interruptible = 1;
	t->fnext = b->head;
	b->head = t;
	unlock(b);
	RT_STAT(futex_waits);
	if (deadline)
		rt_timer_add(t, deadline);
	rt_park();
	t->interruptible = 0;
	int why = t->wake_reason;
	if (why != W_FUTEX)
		rt_futex_cancel(t);
	if (deadline && why != W_TIMEOUT)
		rt_timer_remove(t);
	if (why == W_TIMEOUT)
		goto again; /* the clock decides (rt_timeout_deadline) */
	return why == W_FUTEX ? 0 : why == W_TIMEOUT ? -ETIMEDOUT : -EINTR;
}

static long wake(uintptr_t addr, int n, uint32_t bits)
{
	struct bucket *b = bucket_of(addr);
	long woken = 0;
	lock(b);
	for (struct rt_thread **p = &b->head; *p && woken < n;) {
		struct rt_thread *t = *p;
		if (t->futex_addr != addr || !(t->futex_bits & bits)) {
			p = &t->fnext;
			continue;
		}
		*p = t->fnext;
		t->fnext = 0;
		t->futex_addr = 0;
		woken += rt_wake(t, W_FUTEX);
	}
	unlock(b);
	if (woken)
		rt_kick();
	return woken;
}

long rt_futex_wake(uintptr_t addr, int n)
{
	return wake(addr, n, FUTEX_BITSET_MATCH_ANY);
}

static long requeue(uintptr_t addr, int nwake, int nmove, uintptr_t addr2, int cmp, int val3)
{
	struct bucket *b1 = bucket_of(addr), *b2 = bucket_of(addr2);
	struct bucket *first = b1 < b2 ? b1 : b2, *second = b1 < b2 ? b2 : b1;
	long woken = 0, moved = 0;
	lock(first);
	if (second != first)
		lock(second);
	if (cmp && __atomic_load_n((int *)addr, __ATOMIC_SEQ_CST) != val3) {
		if (second != first)
			unlock(second);
		unlock(first);
		return -EAGAIN;
	}
	for (struct rt_thread **p = &b1->head; *p;) {
		struct rt_thread *t = *p;
		if (t->futex_addr != addr) {
			p = &t->fnext;
			continue;
		}
		if (woken < nwake) {
			*p = t->fnext;
			t->futex_addr = 0;
			woken += rt_wake(t, W_FUTEX);
		} else if (moved < nmove) {
			*p = t->fnext;
			t->futex_addr = addr2;
			t->fnext = b2->head;
			b2->head = t;
			moved++;
		} else {
			break;
		}
	}
	if (second != first)
		unlock(second);
	unlock(first);
	if (woken)
		rt_kick();
	return woken + moved;
}

long rt_sys_futex(long uaddr, long op, long val, long timeout, long uaddr2, long val3)
{
	int cmd = (int)op & FUTEX_CMD_MASK;
	int clk = (op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	if ((uaddr & 3) || !rt_inside((uintptr_t)uaddr, 4))
		return -EFAULT;
	switch (cmd) {
	case FUTEX_WAIT:
		return wait((uintptr_t)uaddr, (int)val, FUTEX_BITSET_MATCH_ANY, timeout, 0, CLOCK_MONOTONIC);
	case FUTEX_WAIT_BITSET:
		if (!val3)
			return -EINVAL;
		return wait((uintptr_t)uaddr, (int)val, (uint32_t)val3, timeout, 1, clk);
	case FUTEX_WAKE:
		return wake((uintptr_t)uaddr, (int)val, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		if (!val3)
			return -EINVAL;
		return wake((uintptr_t)uaddr, (int)val, (uint32_t)val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if ((uaddr2 & 3) || !rt_inside((uintptr_t)uaddr2, 4))
			return -EFAULT;
		/* The count to move travels in the timeout argument. */
		return requeue((uintptr_t)uaddr, (int)val, (int)timeout, (uintptr_t)uaddr2,
			       cmd == FUTEX_CMP_REQUEUE, (int)val3);
	}
	return -ENOSYS;
}
