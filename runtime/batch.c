/*
 * Fewer exits.  Serving a static file, a single-threaded server makes
 * eight host calls (nginx: recvfrom, open, fstat, setsockopt TCP_CORK on,
 * writev, sendfile, TCP_CORK off, close).  Three of them need no exit of
 * their own, because their answer is known inside and their effect can
 * wait for the thread's next host call without anyone being able to tell
 * (and musl adds a fourth to every open with O_CLOEXEC):
 *
 *  - fstat right after open.  The open's slot asks the host to fstat the
 *    new descriptor too (SCONCE_POST_FSTAT); the stat, checked as a
 *    forwarded fstat's would be, answers an fstat of that descriptor made
 *    before the thread's next host call.  Nothing the application does
 *    without a host call can change the file; what other processes do
 *    meanwhile is concurrent with the fstat either way.
 *  - close of a regular file this thread opened read-only through such an
 *    open.  Its answer is 0 (Linux frees the descriptor whatever happens,
 *    and a read-only regular file has nothing to flush); the close itself
 *    is made by the host just before the thread's next call, so that call
 *    sees the descriptor closed (a new open gets the lowest number again).
 *    Only a lock could make an earlier close visible to another process;
 *    once the application has taken one (fcntl F_SETLK*, F_OFD_SETLK*,
 *    flock) closes are made at once again.
 *  - fcntl(F_SETFD, FD_CLOEXEC) right after an open with O_CLOEXEC, which
 *    musl makes for kernels that ignored the flag: the descriptor has it.
 *  - setsockopt(TCP_CORK, 1) on a TCP socket this thread created or
 *    accepted.  It cannot fail there, and corking only holds back data
 *    the application has yet to send, which needs a host call, which
 *    carries the setsockopt first.  (Uncorking sends: never deferred.)
 *
 * Deferred calls wait in the thread (trusted memory) and go into the slot
 * of its next host call, whatever that is; the host makes them first, in
 * order (host/slot_call.c).  Their results are not needed: the host could
 * as well lie about them.  All of this holds only while the application
 * has one thread: with two, another thread's call could see a descriptor
 * still open that this one closed, or a stale stat.  A second thread's
 * creation, and a sleep inside the enclave, make the deferred calls first
 * (rt_batch_flush); descriptors are tracked in any case, so that a number
 * closed and reused under several threads is never taken for the file or
 * socket it was.  `sconce run --batch=off` turns it off.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "batch.h"
#include "epoll_map.h"

#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

_Static_assert(sizeof(struct stat) == sizeof(((struct rt_thread *)0)->stat), "struct stat");

#define TRACKED_FDS 65536
/* Regular files opened read-only with their stat fused: closes may wait. */
static uint64_t closable[TRACKED_FDS / 64];
/* TCP sockets (socket(), or accept on one). */
static uint64_t tcp[TRACKED_FDS / 64];
/* The application took a lock: every close is made at once. */
static int locks_seen;

static int bit(const uint64_t *map, long fd)
{
	return fd >= 0 && fd < TRACKED_FDS &&
	       (__atomic_load_n(&map[fd / 64], __ATOMIC_RELAXED) >> (fd % 64) & 1);
}

static void set_bit(uint64_t *map, long fd)
{
	if (fd >= 0 && fd < TRACKED_FDS)
		__atomic_fetch_or(&map[fd / 64], 1ull << (fd % 64), __ATOMIC_RELAXED);
}

static void clear_bits(long fd)
{
	if (bit(closable, fd))
		__atomic_fetch_and(&closable[fd / 64], ~(1ull << (fd % 64)), __ATOMIC_RELAXED);
	if (bit(tcp, fd))
		__atomic_fetch_and(&tcp[fd / 64], ~(1ull << (fd % 64)), __ATOMIC_RELAXED);
}

static int on(void)
{
	return rt.batch && rt_single_thread();
}

void rt_batch_to_slot(struct rt_thread *t, struct sconce_slot *s)
{
	uint32_t n = t->npre;
	for (uint32_t k = 0; k < n; k++) {
		struct sconce_pre_call *p = &s->pre[k];
		const struct rt_pre *d = &t->pre[k];
		memset(p, 0, sizeof(*p));
		p->nr = d->nr;
		p->args[0] = (uint64_t)(int64_t)d->fd;
		if (d->nr == SYS_setsockopt) {
			p->val = (uint64_t)(uint32_t)d->val;
			p->args[1] = IPPROTO_TCP;
			p->args[2] = TCP_CORK;
			p->args[3] = (uint64_t)(uintptr_t)&p->val; /* the int, little-endian */
			p->args[4] = sizeof(int);
		}
	}
	s->npre = n;
	t->npre = 0;
	s->post = t->want_stat ? SCONCE_POST_FSTAT : 0;
	s->post_arg = t->want_stat ? t->stat_arg : 0;
	s->post_ret = -ENOSYS; /* a host that skips the fstat leaves no old answer */
	t->want_stat = 0;
	t->stat_fd1 = 0;
	t->cloexec_fd1 = 0;
	t->last_slot = s;
}

static int defer(struct rt_thread *t, uint32_t nr, long fd, int val)
{
	if (t->npre >= SCONCE_SLOT_PRE_MAX)
		return 0;
	t->pre[t->npre++] = (struct rt_pre){ nr, (int32_t)fd, val };
	rt_self()->st_deferred++;
	return 1;
}

int rt_batch_answer(long n, const long a[6], long *ret)
{
	struct rt_thread *t = rt_cur();
	switch (n) {
	case SYS_fstat:
		if (t->stat_fd1 == 0 || t->stat_fd1 - 1 != a[0] || !on() ||
		    !rt_inside((uintptr_t)a[1], sizeof(struct stat)))
			return 0;
		memcpy((void *)a[1], t->stat, sizeof(struct stat));
		rt_self()->st_fused++;
		*ret = 0;
		return 1;
	case SYS_close:
		if (locks_seen || !bit(closable, a[0]) || !on() ||
		    !defer(t, SYS_close, a[0], 0))
			return 0;
		clear_bits(a[0]);
		if (t->stat_fd1 - 1 == a[0])
			t->stat_fd1 = 0;
		rt_epoll_closed((int)a[0]);
		*ret = 0;
		return 1;
	case SYS_setsockopt: {
		if (a[1] != IPPROTO_TCP || a[2] != TCP_CORK || a[4] < (long)sizeof(int) ||
		    !rt_inside((uintptr_t)a[3], sizeof(int)) || !bit(tcp, a[0]) || !on())
			return 0;
		int v;
		memcpy(&v, (const void *)a[3], sizeof(v));
		if (v == 0 || !defer(t, SYS_setsockopt, a[0], 1))
			return 0;
		*ret = 0;
		return 1;
	}
	case SYS_fcntl:
		if (a[1] == F_SETFD && a[2] == FD_CLOEXEC && t->cloexec_fd1 && t->cloexec_fd1 - 1 == a[0] &&
		    on()) {
			rt_self()->st_fused++;
			*ret = 0;
			return 1;
		}
		if (a[1] == F_SETLK || a[1] == F_SETLKW || a[1] == F_OFD_SETLK || a[1] == F_OFD_SETLKW)
			__atomic_store_n(&locks_seen, 1, __ATOMIC_RELAXED);
		return 0;
	case SYS_flock:
		__atomic_store_n(&locks_seen, 1, __ATOMIC_RELAXED);
		return 0;
	}
	return 0;
}

int rt_batch_ask_stat(long n, const long a[6])
{
	long flags = n == SYS_open ? a[1] : a[2];
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_PATH | O_DIRECTORY)) || !on())
		return 0;
	void *b = rt_bounce_alloc(sizeof(struct stat));
	if (!b)
		return 0;
	struct rt_thread *t = rt_cur();
	t->want_stat = 1;
	t->stat_arg = (uint64_t)(uintptr_t)b;
	return 1;
}

/* The fused fstat's answer: the same checks as a forwarded fstat's
 * (forward.c, C_STAT); one that fails them is not kept, and the
 * application's own fstat then goes to the host and meets them there. */
static void take_stat(struct rt_thread *t, long fd)
{
	const struct sconce_slot *s = t->last_slot;
	if (!s || RT_READ_ONCE(s->post_ret) != 0)
		return;
	struct stat st;
	memcpy(&st, (const void *)(uintptr_t)t->stat_arg, sizeof(st)); /* read once */
	if (st.st_size < 0 || st.st_blocks < 0)
		return;
	memcpy(t->stat, &st, sizeof(st));
	t->stat_fd1 = (int)fd + 1;
	if (S_ISREG(st.st_mode))
		set_bit(closable, fd);
}

void rt_batch_note(long n, const long a[6], long ret, int asked_stat)
{
	switch (n) {
	case SYS_close:
		clear_bits(a[0]); /* the descriptor is gone whatever the answer */
		return;
	case SYS_dup2: case SYS_dup3:
		if (ret >= 0 && a[0] != a[1])
			clear_bits(a[1]);
		return;
	}
	if (ret < 0)
		return;
	clear_bits(ret); /* a number this runtime saw closed is new */
	if (!on())
		return;
	switch (n) {
	case SYS_open: case SYS_openat:
		if ((n == SYS_open ? a[1] : a[2]) & O_CLOEXEC)
			rt_cur()->cloexec_fd1 = (int)ret + 1;
		if (asked_stat)
			take_stat(rt_cur(), ret);
		return;
	case SYS_socket:
		if ((a[0] == AF_INET || a[0] == AF_INET6) && (a[1] & 0xf) == SOCK_STREAM &&
		    (a[2] == 0 || a[2] == IPPROTO_TCP))
			set_bit(tcp, ret);
		return;
	case SYS_accept: case SYS_accept4:
		if (bit(tcp, a[0]))
			set_bit(tcp, ret);
		return;
	}
}

void rt_batch_flush(void)
{
	struct rt_thread *t = rt_cur();
	if (!t->npre || t->slot >= 0)
		return;
	/* getppid only carries them: its own answer is not needed. */
	long a[6] = { 0 };
	rt_call_begin();
	(void)rt_host_call(SYS_getppid, a);
	rt_call_end();
}
