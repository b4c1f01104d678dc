/*
 * The network shield's system calls (docs/shields.md).  bind marks a
 * socket bound to a protected port; accept on it completes a TLS handshake
 * before the application sees the connection; connect to a protected
 * destination completes the client handshake and verifies the peer.  Data
 * calls on a protected connection go through io.c, poll, select and epoll
 * through ready.c, close/dup/shutdown keep the table right.  Everything else, and
 * every other descriptor, takes its usual path.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "console/console.h"
#include "net/net.h"

static int port_protected(const void *sa, long len)
{
	if (len < (long)sizeof(struct sockaddr_in) || !rt_inside((uintptr_t)sa, (size_t)len))
		return 0;
	const struct sockaddr_in *s4 = sa;
	if (s4->sin_family != AF_INET && s4->sin_family != AF_INET6)
		return 0;
	int port = ntohs(s4->sin_port); /* same place in sockaddr_in6 */
	for (uint32_t i = 0; i < sh_conf.c.nlisten; i++)
		if (sh_conf.c.listen[i] == port)
			return port;
	return 0;
}

/* The destination rule connect's address matches, or NULL. */
static const struct sconce_shield_dest *dest_of(const void *sa, long len)
{
	if (len < (long)sizeof(struct sockaddr_in) || !rt_inside((uintptr_t)sa, (size_t)len))
		return NULL;
	uint8_t addr[16];
	int fam = ((const struct sockaddr *)sa)->sa_family, port;
	if (fam == AF_INET) {
		const struct sockaddr_in *s = sa;
		memcpy(addr, &s->sin_addr, 4);
		port = ntohs(s->sin_port);
	} else if (fam == AF_INET6 && len >= (long)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = sa;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		port = ntohs(s->sin6_port);
		if (!memcmp(s->sin6_addr.s6_addr, mapped, 12)) {
			fam = AF_INET;
			memcpy(addr, s->sin6_addr.s6_addr + 12, 4);
		} else {
			memcpy(addr, s->sin6_addr.s6_addr, 16);
		}
	} else {
		return NULL;
	}
	for (uint32_t i = 0; i < sh_conf.c.nconnect; i++) {
		const struct sconce_shield_dest *d = &sh_conf.c.connect[i];
		if (d->port == port && d->family == fam && !memcmp(d->addr, addr, fam == AF_INET ? 4 : 16))
			return d;
	}
	return NULL;
}

static void describe(struct conn *c, const char *role, int port, const struct sockaddr *peer)
{
	char a[48] = "?";
	int pp = 0;
	if (peer && peer->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)peer;
		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		pp = ntohs(s->sin_port);
	} else if (peer && peer->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)peer;
		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		pp = ntohs(s->sin6_port);
	}
	rt_snprintf(c->peer, sizeof(c->peer), "%s %d from %s:%d", role, port, a, pp);
}

static struct conn *start(int server, const char *name)
{
	if (tls_ready() < 0)
		return NULL;
	struct conn *c = conn_new(server);
	if (!c)
		return NULL;
	if (!(c->ssl = tls_new(server, name))) {
		conn_free(c);
		return NULL;
	}
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	if (server)
		SSL_set_accept_state(c->ssl);
	else
		SSL_set_connect_state(c->ssl);
	return c;
}

static long do_accept(long n, const long a[6], int port)
{
	for (;;) {
		/* The peer's address, for the log, even if the caller wants none. */
		struct sockaddr_storage ss;
		unsigned sl = sizeof(ss);
		long b[6] = { a[0], (long)&ss, (long)&sl, n == SYS_accept4 ? a[3] : 0, 0, 0 };
		long fd = rt_forward(SYS_accept4, b);
		if (fd < 0)
			return fd;
		struct conn *c = start(1, NULL);
		if (c) {
			describe(c, "port", port, (struct sockaddr *)&ss);
			if (tls_handshake(c, fd, "accept on") == 0) {
				conn_install(fd, c);
				if (a[1] && a[2] && rt_inside((uintptr_t)a[2], 4)) {
					unsigned want = *(unsigned *)a[2];
					if (rt_inside((uintptr_t)a[1], want))
						memcpy((void *)a[1], &ss, want < sl ? want : sl);
					*(unsigned *)a[2] = sl;
				}
				return fd;
			}
			conn_free(c);
		} else {
			rt_log("net: port %d: no TLS context (see the lines above); connection closed", port);
		}
		sh_fwd(SYS_close, fd, 0, 0, 0, 0, 0);
		/* Next connection: a blocking listener waits for it, a
		 * non-blocking one returns EAGAIN if there is none. */
	}
}

static long do_connect(const long a[6], const struct sconce_shield_dest *d)
{
	long r = rt_forward(SYS_connect, a);
	if (r == -EINPROGRESS || r == -EALREADY) {
		struct pollfd p = { .fd = (int)a[0], .events = POLLOUT };
		r = sh_fwd(SYS_poll, (long)&p, 1, (long)sh_conf.c.handshake_ms, 0, 0, 0);
		int err = 0;
		unsigned el = sizeof(err);
		if (r == 1 && sh_fwd(SYS_getsockopt, a[0], SOL_SOCKET, SO_ERROR, (long)&err, (long)&el, 0) == 0)
			r = err ? -err : 0;
		else
			r = r == 0 ? -ETIMEDOUT : r < 0 ? r : -ECONNREFUSED;
	}
	if (r < 0)
		return r;
	struct conn *c = start(0, d->name);
	if (c) {
		rt_snprintf(c->peer, sizeof(c->peer), "to %s:%u", d->name, d->port);
		if (tls_handshake(c, a[0], "connect") == 0) {
			conn_install(a[0], c);
			return 0;
		}
		conn_free(c);
	}
	/* The socket stays the application's; it is of no further use. */
	sh_fwd(SYS_shutdown, a[0], SHUT_RDWR, 0, 0, 0, 0);
	struct conn *dead = conn_new(0);
	if (dead) {
		dead->dead = -ECONNREFUSED;
		conn_install(a[0], dead);
	}
	return -ECONNREFUSED;
}

/* Data calls on a protected connection. */
static int data_call(long n, const long a[6], long *ret)
{
	switch (n) {
	case SYS_read: case SYS_write: case SYS_readv: case SYS_writev: case SYS_recvfrom:
	case SYS_sendto: case SYS_recvmsg: case SYS_sendmsg: case SYS_pread64: case SYS_pwrite64:
	case SYS_preadv: case SYS_pwritev: case SYS_preadv2: case SYS_pwritev2: case SYS_sendfile:
	case SYS_splice: case SYS_shutdown:
		break;
	default:
		return 0;
	}
	struct conn *c = conn_get(a[0]);
	if (!c) {
		if (n == SYS_sendfile || n == SYS_splice) { /* the input side */
			c = conn_get(n == SYS_sendfile ? a[1] : a[0]);
			if (c) {
				conn_put(c);
				*ret = -EINVAL;
				return 1;
			}
		}
		return 0;
	}
	struct iovec one, *iov = &one;
	int cnt = 1, flags = 0, wr = 0;
	long r;
	switch (n) {
	case SYS_write: wr = 1; /* fall through */
	case SYS_read:
		one = (struct iovec){ (void *)a[1], (size_t)a[2] };
		break;
	case SYS_sendto: wr = 1; /* fall through */
	case SYS_recvfrom:
		one = (struct iovec){ (void *)a[1], (size_t)a[2] };
		flags = (int)a[3];
		if (wr && a[4]) {
			r = -EISCONN;
			goto out;
		}
		if (!wr && a[4] && a[5] && rt_inside((uintptr_t)a[5], 4))
			*(unsigned *)a[5] = 0; /* a stream socket names no sender */
		break;
	case SYS_writev: wr = 1; /* fall through */
	case SYS_readv:
		iov = (struct iovec *)a[1];
		cnt = (int)a[2];
		break;
	case SYS_sendmsg: wr = 1; /* fall through */
	case SYS_recvmsg: {
		struct msghdr *m = (struct msghdr *)a[1];
		if (!rt_inside((uintptr_t)m, sizeof(*m))) {
			r = -EFAULT;
			goto out;
		}
		if (wr && (m->msg_controllen || m->msg_name)) {
			r = m->msg_name ? -EISCONN : -EINVAL;
			goto out;
		}
		iov = m->msg_iov;
		cnt = (int)m->msg_iovlen;
		flags = (int)a[2];
		if (!wr) {
			m->msg_namelen = 0;
			m->msg_controllen = 0;
			m->msg_flags = 0;
		}
		break;
	}
	case SYS_shutdown:
		r = conn_shutdown(c, a[0], (int)a[1]);
		goto out;
	case SYS_sendfile: case SYS_splice:
		r = -EINVAL; /* the kernel would send plaintext */
		goto out;
	default:
		r = -ESPIPE;
		goto out;
	}
	if (cnt < 0 || cnt > 1024 || (iov != &one && !rt_inside((uintptr_t)iov, (size_t)cnt * sizeof(*iov)))) {
		r = cnt < 0 || cnt > 1024 ? -EINVAL : -EFAULT;
		goto out;
	}
	for (int i = 0; i < cnt; i++)
		if ((ssize_t)iov[i].iov_len < 0 ||
		    (iov[i].iov_len && !rt_inside((uintptr_t)iov[i].iov_base, iov[i].iov_len))) {
			r = -EFAULT;
			goto out;
		}
	r = wr ? conn_write(c, a[0], iov, cnt, flags) : conn_read(c, a[0], iov, cnt, flags);
out:
	conn_put(c);
	*ret = r;
	return 1;
}

int rt_net_dispatch(long n, const long a[6], long *ret)
{
	switch (n) {
	case SYS_bind:
		sh_conf_load();
		if (!sh_conf.c.nlisten)
			return 0;
		*ret = rt_forward(n, a);
		if (*ret == 0) {
			int port = port_protected((const void *)a[1], a[2]);
			if (port)
				listener_set(a[0], port);
		}
		return 1;
	case SYS_accept: case SYS_accept4: {
		int port = listener_port(a[0]);
		if (!port)
			return 0;
		*ret = do_accept(n, a, port);
		return 1;
	}
	case SYS_connect: {
		sh_conf_load();
		if (!sh_conf.c.nconnect)
			return 0;
		const struct sconce_shield_dest *d = dest_of((const void *)a[1], a[2]);
		if (!d)
			return 0;
		*ret = do_connect(a, d);
		return 1;
	}
	case SYS_close: {
		struct conn *c = conn_get(a[0]);
		if (c)
			conn_put(c); /* the table still holds its own reference */
		if (c || listener_port(a[0]))
			conn_forget(a[0]);
		return 0; /* the close itself goes on */
	}
	case SYS_dup: case SYS_dup2: case SYS_dup3: case SYS_fcntl: {
		int is_dup = n != SYS_fcntl || a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC;
		if (!is_dup || (!conn_count() && !listener_port(a[0])))
			return 0;
		*ret = rt_forward(n, a);
		if (*ret >= 0 && (n != SYS_dup2 || a[0] != a[1]))
			conn_dup(a[0], *ret);
		return 1;
	}
	case SYS_poll: case SYS_ppoll:
		return conn_count() ? net_poll(n, a, ret) : 0;
	case SYS_select: case SYS_pselect6:
		return conn_count() ? net_select(n, a, ret) : 0;
	case SYS_epoll_ctl:
		return conn_count() ? net_epoll_ctl(a, ret) : 0;
	case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_epoll_pwait2:
		return conn_count() ? net_epoll_wait(n, a, ret) : 0;
	}
	if (!conn_count())
		return 0;
	return data_call(n, a, ret);
}
