/*
 * epoll registrations stay inside the enclave.
 *
 * An application's epoll_event.data is usually a pointer to its own
 * connection state.  Handing it to the host would leak enclave addresses,
 * and taking it back from epoll_wait would let the host choose which
 * pointer the application dereferences.  So the host is told the
 * descriptor number as the data, the application's data is kept here per
 * (epfd, fd), and epoll_wait's results are translated back:
 *
 *   - an event for a descriptor never registered on that epfd is a lie
 *     (security error);
 *   - an event for a registration that was deleted or whose descriptor was
 *     closed is dropped: the kernel may still report it (a concurrent
 *     epoll_wait, or a duplicate of the descriptor keeps it in the interest
 *     list) and the application has said it no longer wants it;
 *   - otherwise the application's data replaces the descriptor number.
 *
 * A registration is recorded before the host is asked, so an epoll_wait on
 * another thread that sees the new descriptor finds it; a failed
 * epoll_ctl restores the previous state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include "rt.h"
#include "epoll_map.h"
#include "net/mutex.h"

enum { REG_NEVER = 0, REG_LIVE, REG_GONE };

struct reg {
	uint64_t data;
	uint8_t state;
};

struct epset {
	int epfd;
	uint32_t cap;      /* regs[] entries, indexed by descriptor */
	struct reg *regs;
};

static struct sh_mutex lock;
static struct epset *sets;
static int nsets, capsets;

static struct epset *find_set(int epfd)
{
	for (int i = 0; i < nsets; i++)
		if (sets[i].epfd == epfd)
			return &sets[i];
	return 0;
}

static struct reg *slot_for(int epfd, int fd)
{
	struct epset *s = find_set(epfd);
	if (!s) {
		if (nsets == capsets) {
			int cap = capsets ? 2 * capsets : 8;
			struct epset *n = realloc(sets, (size_t)cap * sizeof(*n));
			if (!n)
				return 0;
			sets = n;
			capsets = cap;
		}
		s = &sets[nsets++];
		*s = (struct epset){ .epfd = epfd };
	}
	if ((uint32_t)fd >= s->cap) {
		uint32_t cap = s->cap ? s->cap : 64;
		while (cap <= (uint32_t)fd)
			cap *= 2;
		struct reg *n = realloc(s->regs, (size_t)cap * sizeof(*n));
		if (!n)
			return 0;
		memset(n + s->cap, 0, (size_t)(cap - s->cap) * sizeof(*n));
		s->regs = n;
		s->cap = cap;
	}
	return &s->regs[fd];
}

long rt_epoll_ctl_begin(int epfd, int op, int fd, uint64_t data, struct epoll_undo *u)
{
	u->reg = 0;
	if (epfd < 0 || fd < 0 || epfd >= RT_MAX_FD || fd >= RT_MAX_FD)
		return 0; /* the host answers EBADF; nothing to remember */
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
		return 0;
	sh_lock(&lock);
	struct reg *r = slot_for(epfd, fd);
	if (!r) {
		sh_unlock(&lock);
		return -ENOMEM;
	}
	u->reg = r;
	u->epfd = epfd;
	u->fd = fd;
	u->old_data = r->data;
	u->old_state = r->state;
	if (op == EPOLL_CTL_DEL) {
		if (r->state == REG_LIVE)
			r->state = REG_GONE;
	} else if (op == EPOLL_CTL_ADD || r->state == REG_LIVE) {
		/* MOD of something not registered fails with ENOENT. */
		r->state = REG_LIVE;
		r->data = data;
	}
	sh_unlock(&lock);
	return 0;
}

void rt_epoll_ctl_end(const struct epoll_undo *u, long ret)
{
	if (!u->reg || ret >= 0)
		return;
	sh_lock(&lock);
	/* The array may have moved; look the slot up again. */
	struct epset *s = find_set(u->epfd);
	if (s && (uint32_t)u->fd < s->cap) {
		s->regs[u->fd].data = u->old_data;
		s->regs[u->fd].state = u->old_state;
	}
	sh_unlock(&lock);
}

long rt_epoll_translate(const char *name, int epfd, struct epoll_event *ev, long n)
{
	long out = 0;
	sh_lock(&lock);
	struct epset *s = find_set(epfd);
	for (long i = 0; i < n; i++) {
		uint64_t fd = ev[i].data.u64;
		uint8_t st = s && fd < s->cap ? s->regs[fd].state : REG_NEVER;
		if (st == REG_NEVER) {
			sh_unlock(&lock);
			rt_security_fail(name, "event for a descriptor that was never registered");
		}
		if (st == REG_GONE)
			continue;
		ev[out].events = ev[i].events;
		ev[out].data.u64 = s->regs[fd].data;
		out++;
	}
	sh_unlock(&lock);
	return out;
}

void rt_epoll_closed(int fd)
{
	if (fd < 0 || fd >= RT_MAX_FD || !__atomic_load_n(&nsets, __ATOMIC_RELAXED))
		return; /* nothing registered yet: the common case costs no lock */
	sh_lock(&lock);
	for (int i = 0; i < nsets;) {
		struct epset *s = &sets[i];
		if (s->epfd == fd) {
			free(s->regs);
			sets[i] = sets[--nsets];
			continue;
		}
		if ((uint32_t)fd < s->cap && s->regs[fd].state == REG_LIVE)
			s->regs[fd].state = REG_GONE;
		i++;
	}
	sh_unlock(&lock);
}
