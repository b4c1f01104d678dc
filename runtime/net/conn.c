/*
 * The network shield's descriptor table: which descriptors are protected
 * connections (shared by dup), and which are listening sockets bound to a
 * protected port.  The table is enclave memory, filled from what the
 * application asked for (bind, accept, connect), never from host answers.
 */
#include <stdlib.h>
#include <string.h>
#include "net/net.h"

static struct sh_mutex tab_lock;
static struct conn **conns;
static uint16_t *ports;
static int nconns;

static int table(void)
{
	if (conns)
		return 0;
	struct conn **c = calloc(NET_MAX_FD, sizeof(*c));
	uint16_t *p = calloc(NET_MAX_FD, sizeof(*p));
	if (!c || !p) {
		free(c);
		free(p);
		return -1;
	}
	ports = p;
	__atomic_store_n(&conns, c, __ATOMIC_RELEASE);
	return 0;
}

static int fd_ok(long fd)
{
	return fd >= 0 && fd < NET_MAX_FD;
}

struct conn *conn_get(long fd)
{
	if (!fd_ok(fd) || !__atomic_load_n(&conns, __ATOMIC_ACQUIRE))
		return NULL;
	sh_lock(&tab_lock);
	struct conn *c = conns[fd];
	if (c)
		c->refs++;
	sh_unlock(&tab_lock);
	return c;
}

void conn_put(struct conn *c)
{
	sh_lock(&tab_lock);
	int last = --c->refs == 0;
	sh_unlock(&tab_lock);
	if (last)
		conn_free(c);
}

void conn_install(long fd, struct conn *c)
{
	struct conn *old = NULL;
	sh_lock(&tab_lock);
	if (table() == 0 && fd_ok(fd)) {
		old = conns[fd];
		conns[fd] = c;
		nconns += !old;
		c = NULL;
	}
	sh_unlock(&tab_lock);
	if (old)
		conn_put(old);
	if (c) {
		rt_log("net: descriptor %ld cannot be protected (out of range or memory)", fd);
		conn_put(c);
	}
}

void conn_forget(long fd)
{
	if (!fd_ok(fd) || !__atomic_load_n(&conns, __ATOMIC_ACQUIRE))
		return;
	sh_lock(&tab_lock);
	struct conn *c = conns[fd];
	conns[fd] = NULL;
	nconns -= !!c;
	ports[fd] = 0;
	int last = c && --c->refs == 0;
	sh_unlock(&tab_lock);
	net_epoll_forget(fd);
	if (last) {
		conn_close_notify(c, fd);
		conn_free(c);
	}
}

int conn_dup(long oldfd, long newfd)
{
	if (!fd_ok(oldfd) || !fd_ok(newfd) || !__atomic_load_n(&conns, __ATOMIC_ACQUIRE))
		return 0;
	sh_lock(&tab_lock);
	struct conn *c = conns[oldfd], *old = conns[newfd];
	if (c)
		c->refs++;
	conns[newfd] = c;
	nconns += !!c - !!old;
	ports[newfd] = ports[oldfd];
	int last = old && --old->refs == 0;
	sh_unlock(&tab_lock);
	if (last)
		conn_free(old);
	return c != NULL || ports[newfd];
}

int conn_count(void)
{
	return __atomic_load_n(&nconns, __ATOMIC_RELAXED);
}

int listener_port(long fd)
{
	if (!fd_ok(fd) || !__atomic_load_n(&conns, __ATOMIC_ACQUIRE))
		return 0;
	return __atomic_load_n(&ports[fd], __ATOMIC_RELAXED);
}

void listener_set(long fd, int port)
{
	if (!fd_ok(fd))
		return;
	sh_lock(&tab_lock);
	if (table() == 0)
		ports[fd] = (uint16_t)port;
	sh_unlock(&tab_lock);
}

struct conn *conn_new(int server)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->refs = 1;
	c->server = server;
	c->rbuf = malloc(NET_RAW);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (!c->rbuf || !c->rbio || !c->wbio) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		free(c->rbuf);
		free(c);
		return NULL;
	}
	return c;
}

void conn_free(struct conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl); /* frees the BIOs it owns */
	else {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
	}
	free(c->rbuf);
	free(c->wpend);
	free(c);
}
