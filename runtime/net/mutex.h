/* A sleeping mutex for the shields: waiters park on the runtime's futex
 * (another application thread runs on the ethread meanwhile), so it may be
 * held across forwarded calls. */
#ifndef SCONCE_NET_MUTEX_H
#define SCONCE_NET_MUTEX_H

#include <linux/futex.h>
#include "sched.h"

struct sh_mutex {
	int v;
};

static inline void sh_lock(struct sh_mutex *m)
{
	int c = 0;
	if (__atomic_compare_exchange_n(&m->v, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&m->v, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		rt_sys_futex((long)&m->v, FUTEX_WAIT_PRIVATE, 2, 0, 0, 0);
		c = __atomic_exchange_n(&m->v, 2, __ATOMIC_ACQUIRE);
	}
}

static inline void sh_unlock(struct sh_mutex *m)
{
	if (__atomic_fetch_sub(&m->v, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(&m->v, 0, __ATOMIC_RELEASE);
		rt_sys_futex((long)&m->v, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	}
}

#endif
