/*
 * poll, select and epoll over protected connections.  Decrypted data (or a whole
 * record) can wait inside the enclave while the host socket is empty; the
 * host cannot know, so these calls would sleep on it.  When such a
 * connection is among the watched descriptors, the call is forwarded
 * without waiting and the connection is reported readable.
 *
 * epoll: the shield remembers the registrations of protected connections
 * (epoll_ctl after accept or connect); a registration made before the
 * descriptor became protected is not seen (docs/shields.md).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include "net/net.h"

struct reg {
	int epfd, fd;
	uint32_t events;
	uint64_t data;
};
static struct sh_mutex reg_lock;
static struct reg *regs;
static int nregs, capregs;

static int readable_fd(long fd)
{
	struct conn *c = conn_get(fd);
	if (!c)
		return 0;
	int r = conn_readable(c);
	conn_put(c);
	return r;
}

int net_poll(long n, const long a[6], long *ret)
{
	long nfds = a[1];
	if (nfds <= 0 || nfds > 65536 || !rt_inside((uintptr_t)a[0], (size_t)nfds * sizeof(struct pollfd)))
		return 0;
	struct pollfd *p = (struct pollfd *)a[0];
	int ready = 0;
	for (long i = 0; i < nfds; i++)
		if ((p[i].events & POLLIN) && readable_fd(p[i].fd))
			ready++;
	if (!ready)
		return 0;
	long b[6] = { a[0], a[1], 0, a[3], a[4], a[5] };
	struct timespec zero = { 0, 0 };
	if (n == SYS_ppoll)
		b[2] = (long)&zero;
	long r = rt_forward(n, b);
	if (r < 0) {
		for (long i = 0; i < nfds; i++)
			p[i].revents = 0;
		r = 0;
	}
	for (long i = 0; i < nfds; i++) {
		if ((p[i].events & POLLIN) && readable_fd(p[i].fd)) {
			r += p[i].revents == 0;
			p[i].revents |= POLLIN;
		}
	}
	*ret = r;
	return 1;
}

/* select and pselect6: the same, on the read set. */
int net_select(long n, const long a[6], long *ret)
{
	long nfds = a[0];
	if (nfds <= 0 || nfds > 1024 || !a[1] || !rt_inside((uintptr_t)a[1], (size_t)(nfds + 7) / 8))
		return 0;
	uint8_t *rd = (uint8_t *)a[1];
	uint8_t mine[128] = { 0 };
	int ready = 0;
	for (long fd = 0; fd < nfds; fd++)
		if ((rd[fd / 8] & (1u << (fd % 8))) && readable_fd(fd)) {
			mine[fd / 8] |= (uint8_t)(1u << (fd % 8));
			ready++;
		}
	if (!ready)
		return 0;
	long b[6] = { a[0], a[1], a[2], a[3], 0, a[5] };
	struct timespec zero = { 0, 0 }; /* a zero timeval has the same bytes */
	b[4] = (long)&zero;
	long r = rt_forward(n, b);
	if (r < 0) {
		for (int k = 1; k <= 3; k++)
			if (a[k] && rt_inside((uintptr_t)a[k], (size_t)(nfds + 7) / 8))
				memset((void *)a[k], 0, (size_t)(nfds + 7) / 8);
		r = 0;
	}
	for (long fd = 0; fd < nfds; fd++) {
		uint8_t bit = (uint8_t)(1u << (fd % 8));
		if ((mine[fd / 8] & bit) && !(rd[fd / 8] & bit)) {
			rd[fd / 8] |= bit;
			r++;
		}
	}
	*ret = r;
	return 1;
}

int net_epoll_ctl(const long a[6], long *ret)
{
	long epfd = a[0], op = a[1], fd = a[2];
	struct conn *c = conn_get(fd);
	if (!c)
		return 0;
	conn_put(c);
	struct epoll_event ev = { 0 };
	if (op != EPOLL_CTL_DEL) {
		if (!rt_inside((uintptr_t)a[3], sizeof(ev)))
			return 0;
		memcpy(&ev, (const void *)a[3], sizeof(ev));
	}
	long r = rt_forward(SYS_epoll_ctl, a);
	*ret = r;
	if (r < 0)
		return 1;
	sh_lock(&reg_lock);
	int i;
	for (i = 0; i < nregs; i++)
		if (regs[i].epfd == epfd && regs[i].fd == fd)
			break;
	if (op == EPOLL_CTL_DEL) {
		if (i < nregs)
			regs[i] = regs[--nregs];
	} else {
		if (i == nregs) {
			if (nregs == capregs) {
				int cap = capregs ? 2 * capregs : 64;
				struct reg *nr = realloc(regs, (size_t)cap * sizeof(*nr));
				if (!nr) {
					sh_unlock(&reg_lock);
					return 1;
				}
				regs = nr;
				capregs = cap;
			}
			nregs++;
		}
		regs[i] = (struct reg){ (int)epfd, (int)fd, ev.events, ev.data.u64 };
	}
	sh_unlock(&reg_lock);
	return 1;
}

void net_epoll_forget(long fd)
{
	sh_lock(&reg_lock);
	for (int i = 0; i < nregs;) {
		if (regs[i].fd == fd || regs[i].epfd == fd)
			regs[i] = regs[--nregs];
		else
			i++;
	}
	sh_unlock(&reg_lock);
}

int net_epoll_wait(long n, const long a[6], long *ret)
{
	long epfd = a[0], max = a[2];
	if (!nregs || max <= 0 || max > 65536 ||
	    !rt_inside((uintptr_t)a[1], (size_t)max * sizeof(struct epoll_event)))
		return 0;
	/* The registrations on epfd that have plaintext waiting. */
	struct { int fd; uint64_t data; } hit[64];
	int nhit = 0;
	sh_lock(&reg_lock);
	for (int i = 0; i < nregs && nhit < 64; i++)
		if (regs[i].epfd == epfd && (regs[i].events & EPOLLIN)) {
			hit[nhit].fd = regs[i].fd;
			hit[nhit++].data = regs[i].data;
		}
	sh_unlock(&reg_lock);
	int k = 0;
	for (int i = 0; i < nhit; i++)
		if (readable_fd(hit[i].fd))
			hit[k++] = hit[i];
	if (!k)
		return 0;
	long b[6] = { a[0], a[1], a[2], 0, a[4], a[5] };
	struct timespec zero = { 0, 0 };
	if (n == SYS_epoll_pwait2)
		b[3] = (long)&zero;
	long r = rt_forward(n, b);
	if (r < 0)
		r = 0;
	struct epoll_event *ev = (struct epoll_event *)a[1];
	for (int i = 0; i < k; i++) {
		long j;
		for (j = 0; j < r; j++)
			if (ev[j].data.u64 == hit[i].data)
				break;
		if (j < r) {
			ev[j].events |= EPOLLIN;
		} else if (r < max) {
			ev[r].events = EPOLLIN;
			ev[r].data.u64 = hit[i].data;
			r++;
		}
	}
	*ret = r;
	return 1;
}
