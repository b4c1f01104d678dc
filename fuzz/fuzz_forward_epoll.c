/*
 * fuzz_forward: the model of the epoll registrations, and the check of
 * epoll_wait/epoll_pwait against it.  The host is given the descriptor
 * number as an epoll_ctl event's data, never the application's;
 * epoll_wait's events come back with the data of the registration the
 * model says is live for that (epfd, fd), in the host's order, those of
 * deleted or closed ones dropped and the result lowered to match; an event
 * naming a descriptor never registered on that epfd is a security failure,
 * and every other answer within the count is accepted.
 */
#include <sys/epoll.h>
#include "fuzz_forward.h"
#include "epoll_map.h"

/* The oracle's model of what runtime/epoll_map.c must remember, built
 * from the calls of the current input (the runtime's record is emptied
 * before each input): per (epfd, fd), live (with the application's data)
 * or gone (deleted, or the descriptor closed); absent is never
 * registered.  Only what the calls' results say happened changes it:
 *   - a successful epoll_ctl (epfd and fd in [0, 2^20)): ADD makes the
 *     pair live with the event's data, MOD changes the data of a live
 *     pair, DEL makes a live pair gone; a failed one changes nothing;
 *   - a successful close(fd), or dup2/dup3 onto fd (fd != the old one):
 *     every live pair of fd is gone and the set of epfd fd is forgotten. */
static struct epreg {
	int epfd, fd, state;
	uint64_t data;
} ep[MAX_CALLS];
static int nep;
static int ep_touched[MAX_CALLS]; /* epfds the runtime may hold a set for */
static int nep_touched;
static uint8_t ep_want[MOCK_BOUNCE_MAX]; /* the translated events expected */

static int ep_in_range(long v)
{
	return (int)v >= 0 && (int)v < RT_MAX_FD;
}

static struct epreg *ep_find(int epfd, uint64_t fd)
{
	for (int i = 0; i < nep; i++)
		if (ep[i].epfd == epfd && (uint64_t)ep[i].fd == fd)
			return &ep[i];
	return 0;
}

int ep_state(int epfd, uint64_t fd, uint64_t *data)
{
	struct epreg *e = ep_find(epfd, fd);
	if (!e)
		return EP_NEVER;
	*data = e->data;
	return e->state;
}

/* Empty the runtime's record (and the model) before an input. */
void ep_reset(void)
{
	for (int i = 0; i < nep_touched; i++)
		rt_epoll_closed(ep_touched[i]);
	nep_touched = nep = 0;
}

void ep_ctl_done(int epfd, int op, int fd, uint64_t data)
{
	if (!ep_in_range(epfd) || !ep_in_range(fd))
		return;
	struct epreg *e = ep_find(epfd, (uint64_t)fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (!e) {
			if (nep == MAX_CALLS)
				abort(); /* one pair per call at most */
			e = &ep[nep++];
			*e = (struct epreg){ .epfd = epfd, .fd = fd };
		}
		e->state = EP_LIVE;
		e->data = data;
		break;
	case EPOLL_CTL_MOD:
		if (e && e->state == EP_LIVE)
			e->data = data;
		break;
	case EPOLL_CTL_DEL:
		if (e && e->state == EP_LIVE)
			e->state = EP_GONE;
		break;
	}
}

void ep_closed(int fd)
{
	if (!ep_in_range(fd))
		return;
	for (int i = 0; i < nep;) {
		if (ep[i].epfd == fd) {
			ep[i] = ep[--nep];
			continue;
		}
		if (ep[i].fd == fd && ep[i].state == EP_LIVE)
			ep[i].state = EP_GONE;
		i++;
	}
}

/* What epoll_wait on epfd must make of the host's n events at ev: the
 * number kept (their translation in ep_want), or -1 if one names a
 * descriptor never registered on epfd. */
static long ep_expect(int epfd, const uint8_t *ev, long n)
{
	long k = 0;
	for (long i = 0; i < n; i++) {
		uint64_t fd, data = 0;
		memcpy(&fd, ev + EV_SIZE * i + 4, 8);
		int st = ep_state(epfd, fd, &data);
		if (st == EP_NEVER)
			return -1;
		if (st == EP_GONE)
			continue;
		memcpy(ep_want + EV_SIZE * k, ev + EV_SIZE * i, 4);
		memcpy(ep_want + EV_SIZE * k + 4, &data, 8);
		k++;
	}
	return k;
}

/* epoll_ctl is called on epfd: the runtime may hold a set for it from now
 * on (ep_reset forgets it before the next input). */
void ep_note_set(long epfd)
{
	if (ep_in_range(epfd))
		ep_touched[nep_touched++] = (int)epfd;
}

/* The descriptors registered (live or gone) on epfd, into fds: how many. */
int ep_registered(int epfd, int fds[MAX_CALLS])
{
	int n = 0;
	for (int i = 0; i < nep; i++)
		if (ep[i].epfd == epfd)
			fds[n++] = ep[i].fd;
	return n;
}

/* epoll_wait/epoll_pwait against the model (any outcome): returns 1 if
 * it checked the result, which is then the model's count, not the host's. */
int check_epoll(int how, long r)
{
	long n = C.host_ret;
	if (n < 0 || n > C.h[2])
		return 0; /* an error, or a count the generic rules refuse */
	long want = ep_expect((int)C.a[0], n ? hb(C.h[1]) : 0, n);
	if (want < 0) {
		if (how != MOCK_SECURITY)
			BUG("an event for a descriptor never registered on epfd %d accepted (returned %ld)",
			    (int)C.a[0], r);
		return 1;
	}
	if (how == MOCK_SECURITY)
		BUG("events for registered descriptors refused: %s", mock_fail_msg);
	if (r != want)
		BUG("returned %ld events: %ld of the host's %ld are live registrations", r, want, n);
	if (!aliased && mcmp((void *)C.a[1], ep_want, (size_t)want * EV_SIZE))
		BUG("events not translated to the application's data");
	return 1;
}

/* For dump_case. */
void ep_dump(void)
{
	for (int i = 0; i < nep; i++)
		fprintf(stderr, "  epoll model: epfd %d fd %d %s data %#lx\n", ep[i].epfd, ep[i].fd,
			ep[i].state == EP_LIVE ? "live" : "gone", (unsigned long)ep[i].data);
}
