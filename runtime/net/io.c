/*
 * Application data through a protected connection.  Reads decrypt what
 * the host socket delivers; writes encrypt into the outgoing memory BIO
 * and hand the ciphertext to the host.  Blocking follows the host socket:
 * a non-blocking socket (or MSG_DONTWAIT) makes a call that needs the
 * network return EAGAIN.
 *
 * A write that the host takes only in part returns EAGAIN and keeps the
 * rest of the ciphertext; the application's next write (its retry, with
 * the same data, as for OpenSSL's SSL_write) first finishes it and then
 * reports those bytes as written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <openssl/err.h>
#include "net/net.h"

#define IO_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

static long raw_read(long fd, void *buf, size_t n, int flags)
{
	return sh_fwd(SYS_recvfrom, fd, (long)buf, (long)n, flags & MSG_DONTWAIT, 0, 0);
}

static long raw_write(long fd, const void *buf, size_t n, int flags)
{
	return sh_fwd(SYS_sendto, fd, (long)buf, (long)n, flags & IO_FLAGS, 0, 0);
}

/* Move what OpenSSL wrote into wpend (slock held, wlock held). */
static int take_output(struct conn *c)
{
	char *p;
	long n = BIO_get_mem_data(c->wbio, &p);
	if (n <= 0)
		return 0;
	if (c->wpend_off == c->wpend_len)
		c->wpend_off = c->wpend_len = 0;
	if (c->wpend_len + (size_t)n > c->wpend_cap) {
		size_t cap = c->wpend_len + (size_t)n + 4096;
		uint8_t *w = realloc(c->wpend, cap);
		if (!w)
			return -ENOMEM;
		c->wpend = w;
		c->wpend_cap = cap;
	}
	memcpy(c->wpend + c->wpend_len, p, (size_t)n);
	c->wpend_len += (size_t)n;
	(void)BIO_reset(c->wbio);
	return 0;
}

/* Hand wpend to the host (wlock held).  0 when all is out. */
static long flush(struct conn *c, long fd, int flags)
{
	while (c->wpend_off < c->wpend_len) {
		long r = raw_write(fd, c->wpend + c->wpend_off, c->wpend_len - c->wpend_off, flags);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		c->wpend_off += (size_t)r;
	}
	c->wpend_off = c->wpend_len = 0;
	return 0;
}

/* TLS output a read produced (a key update answer, an alert): send what
 * the socket takes now. */
static void reader_output(struct conn *c, long fd)
{
	sh_lock(&c->wlock);
	sh_lock(&c->slock);
	take_output(c);
	sh_unlock(&c->slock);
	flush(c, fd, MSG_DONTWAIT | MSG_NOSIGNAL);
	sh_unlock(&c->wlock);
}

static long fail(struct conn *c, long err, const char *why)
{
	if (!c->dead) {
		rt_log("net: connection %s: %s (error %ld); connection dropped", c->peer, why, -err);
		c->dead = (int)err;
	}
	return err;
}

/* One SSL_read (or peek) into buf: >0 bytes, 0 EOF, or -errno; -EAGAIN
 * when OpenSSL needs more ciphertext. */
static long ssl_take(struct conn *c, void *buf, size_t len, int peek)
{
	size_t got = 0;
	sh_lock(&c->slock);
	ERR_clear_error();
	int ok = peek ? SSL_peek_ex(c->ssl, buf, len, &got) : SSL_read_ex(c->ssl, buf, len, &got);
	int err = ok ? SSL_ERROR_NONE : SSL_get_error(c->ssl, 0);
	int more_out = BIO_ctrl_pending(c->wbio) > 0;
	sh_unlock(&c->slock);
	if (ok)
		return (long)got;
	if (err == SSL_ERROR_WANT_READ)
		return more_out ? -EINPROGRESS : -EAGAIN;
	if (err == SSL_ERROR_ZERO_RETURN)
		return 0;
	tls_log_errors("read", c);
	return fail(c, -EIO, "TLS error while reading");
}

long conn_read(struct conn *c, long fd, const struct iovec *iov, int cnt, int flags)
{
	size_t total = 0;
	long r = 0;
	if (c->dead)
		return c->dead;
	sh_lock(&c->rlock);
	for (int i = 0; i < cnt; i++) {
		size_t off = 0;
		while (off < iov[i].iov_len) {
			r = ssl_take(c, (char *)iov[i].iov_base + off, iov[i].iov_len - off, flags & MSG_PEEK);
			if (r == -EINPROGRESS) {
				reader_output(c, fd);
				r = -EAGAIN;
			}
			if (r > 0) {
				off += (size_t)r;
				total += (size_t)r;
				if (flags & MSG_PEEK)
					goto out;
				continue;
			}
			if (r != -EAGAIN || total)
				goto out;
			/* OpenSSL needs ciphertext, and nothing is read yet. */
			if (c->eof) {
				r = 0;
				goto out;
			}
			r = raw_read(fd, c->rbuf, NET_RAW, flags);
			if (r == -EINTR && !total)
				goto out;
			if (r < 0)
				goto out;
			if (r == 0) {
				c->eof = 1;
				sh_lock(&c->slock);
				int mid = BIO_ctrl_pending(c->rbio) > 0 || SSL_has_pending(c->ssl);
				sh_unlock(&c->slock);
				if (mid) {
					r = fail(c, -ECONNRESET, "the peer closed the connection in the middle of a TLS record");
					goto out;
				}
				/* End of stream at a record boundary without close_notify:
				 * reported as end of file, as a TCP peer's close would be. */
				r = 0;
				goto out;
			}
			sh_lock(&c->slock);
			int w = BIO_write(c->rbio, c->rbuf, (int)r);
			sh_unlock(&c->slock);
			if (w != r) {
				r = fail(c, -ENOMEM, "out of memory");
				goto out;
			}
		}
	}
out:
	sh_unlock(&c->rlock);
	return total ? (long)total : r;
}

long conn_write(struct conn *c, long fd, const struct iovec *iov, int cnt, int flags)
{
	size_t want = 0;
	for (int i = 0; i < cnt; i++)
		want += iov[i].iov_len;
	if (c->dead)
		return c->dead;
	sh_lock(&c->wlock);
	long r;
	if (c->wpend_plain) {
		/* The retry of a write that returned EAGAIN: finish it first. */
		r = flush(c, fd, flags);
		if (r == 0) {
			r = (long)(want < c->wpend_plain ? want : c->wpend_plain);
			c->wpend_plain -= (size_t)r;
		}
		sh_unlock(&c->wlock);
		return r;
	}
	if ((r = flush(c, fd, flags)) < 0) { /* leftovers of a reader or a shutdown */
		sh_unlock(&c->wlock);
		return r;
	}
	size_t taken = 0;
	sh_lock(&c->slock);
	for (int i = 0; i < cnt && taken < NET_WRITE_MAX; i++) {
		size_t n = iov[i].iov_len, w = 0;
		if (n > NET_WRITE_MAX - taken)
			n = NET_WRITE_MAX - taken;
		if (n == 0)
			continue;
		ERR_clear_error();
		if (SSL_write_ex(c->ssl, iov[i].iov_base, n, &w) != 1 || w != n) {
			sh_unlock(&c->slock);
			sh_unlock(&c->wlock);
			tls_log_errors("write", c);
			return taken ? (long)taken : fail(c, -EIO, "TLS error while writing");
		}
		taken += n;
	}
	r = take_output(c);
	sh_unlock(&c->slock);
	if (r == 0)
		r = flush(c, fd, flags);
	if (r == 0) {
		r = (long)taken;
	} else if (r == -EAGAIN || r == -EINTR) {
		c->wpend_plain = taken; /* reported by the retry */
		r = -EAGAIN;
	} else {
		c->wpend_off = c->wpend_len = 0;
		fail(c, r, "the host socket failed while writing");
	}
	sh_unlock(&c->wlock);
	return r;
}

/* Send close_notify, once, without waiting. */
void conn_close_notify(struct conn *c, long fd)
{
	if (c->dead || !c->ssl)
		return;
	sh_lock(&c->wlock);
	sh_lock(&c->slock);
	if (!(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN) && SSL_is_init_finished(c->ssl)) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		take_output(c);
	}
	sh_unlock(&c->slock);
	flush(c, fd, MSG_DONTWAIT | MSG_NOSIGNAL);
	sh_unlock(&c->wlock);
}

long conn_shutdown(struct conn *c, long fd, int how)
{
	if (how == SHUT_WR || how == SHUT_RDWR) {
		sh_lock(&c->wlock);
		flush(c, fd, MSG_NOSIGNAL);
		sh_unlock(&c->wlock);
		conn_close_notify(c, fd);
	}
	return sh_fwd(SYS_shutdown, fd, how, 0, 0, 0, 0);
}

/* A complete TLS record waits in rbio (slock held). */
static int whole_record(struct conn *c)
{
	char *p;
	long n = BIO_get_mem_data(c->rbio, &p);
	if (n < 5)
		return 0;
	long len = ((long)(uint8_t)p[3] << 8) | (uint8_t)p[4];
	return n >= 5 + len;
}

int conn_readable(struct conn *c)
{
	if (c->dead || c->eof)
		return 1;
	sh_lock(&c->slock);
	int r = SSL_pending(c->ssl) > 0 || whole_record(c);
	sh_unlock(&c->slock);
	return r;
}
