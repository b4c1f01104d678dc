/*
 * TLS contexts and handshakes for the network shield (OpenSSL libssl,
 * built for the enclave).  The server context serves the protected ports
 * with the configured certificate; the client context verifies protected
 * destinations against the configured CA.  A handshake runs with a time
 * limit and never blocks on the host socket: it waits with forwarded poll
 * calls, so a silent or plaintext peer costs at most the limit.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "net/net.h"

static struct sh_mutex ctx_lock;
static SSL_CTX *server_ctx, *client_ctx;
static int state; /* 0 not yet, 1 ready, -1 failed */

void tls_log_errors(const char *what, struct conn *c)
{
	unsigned long e;
	char buf[256];
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		rt_log("net: %s %s: %s", what, c ? c->peer : "", buf);
	}
}

static int load_ca(SSL_CTX *ctx)
{
	if (!sh_conf.pem[2])
		return 0;
	BIO *b = BIO_new_mem_buf(sh_conf.pem[2], (int)sh_conf.pem_len[2]);
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	X509 *x;
	int n = 0;
	while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(st, x) == 1)
			n++;
		X509_free(x);
	}
	BIO_free(b);
	ERR_clear_error(); /* the end of the PEM text */
	return n > 0 ? 0 : -1;
}

static int no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf, (void)size, (void)rw, (void)u;
	return -1; /* never prompt: the enclave has no terminal */
}

static int load_identity(SSL_CTX *ctx)
{
	if (!sh_conf.pem[0])
		return 0;
	BIO *b = BIO_new_mem_buf(sh_conf.pem[0], (int)sh_conf.pem_len[0]);
	X509 *x = b ? PEM_read_bio_X509_AUX(b, NULL, NULL, NULL) : NULL;
	int ok = x && SSL_CTX_use_certificate(ctx, x) == 1;
	X509_free(x);
	while (ok && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			ok = 0;
		}
	BIO_free(b);
	ERR_clear_error();
	b = BIO_new_mem_buf(sh_conf.pem[1], (int)sh_conf.pem_len[1]);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
	ok = ok && k && SSL_CTX_use_PrivateKey(ctx, k) == 1 && SSL_CTX_check_private_key(ctx) == 1;
	EVP_PKEY_free(k);
	BIO_free(b);
	return ok ? 0 : -1;
}

static SSL_CTX *make(int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, (int)sh_conf.c.tls_min);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (server)
		SSL_CTX_set_num_tickets(ctx, 0);
	if (load_identity(ctx) < 0) {
		rt_log("net: the configured certificate or key cannot be used");
		goto bad;
	}
	if (load_ca(ctx) < 0) {
		rt_log("net: the configured CA holds no certificate");
		goto bad;
	}
	if (!server)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	else if (sh_conf.c.flags & SCONCE_SHIELD_VERIFY_CLIENTS)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	return ctx;
bad:
	tls_log_errors("context", NULL);
	SSL_CTX_free(ctx);
	return NULL;
}

int tls_ready(void)
{
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE))
		return state > 0 ? 0 : -1;
	sh_lock(&ctx_lock);
	if (!state) {
		int ok = OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_LOAD_CONFIG, NULL) == 1;
		if (ok && sh_conf.c.nlisten)
			ok = (server_ctx = make(1)) != NULL;
		if (ok && sh_conf.c.nconnect)
			ok = (client_ctx = make(0)) != NULL;
		__atomic_store_n(&state, ok ? 1 : -1, __ATOMIC_RELEASE);
	}
	sh_unlock(&ctx_lock);
	return state > 0 ? 0 : -1;
}

SSL *tls_new(int server, const char *peer_name)
{
	SSL *s = SSL_new(server ? server_ctx : client_ctx);
	if (!s || server)
		return s;
	unsigned char ip[16];
	if (inet_pton(AF_INET, peer_name, ip) == 1 || inet_pton(AF_INET6, peer_name, ip) == 1) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), peer_name);
	} else {
		SSL_set_tlsext_host_name(s, peer_name);
		SSL_set1_host(s, peer_name);
	}
	return s;
}

/* Wait for fd to be ready for events until deadline (TSC): >0, 0 timeout,
 * or -errno. */
static long wait_fd(long fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = rt_tsc();
		if (now >= deadline)
			return 0;
		long ms = (long)(rt_tsc_to_ns(deadline - now) / 1000000) + 1;
		struct pollfd p = { .fd = (int)fd, .events = events };
		long r = sh_fwd(SYS_poll, (long)&p, 1, ms, 0, 0, 0);
		if (r == -EINTR)
			continue;
		return r;
	}
}

int tls_handshake(struct conn *c, long fd, const char *what)
{
	uint64_t deadline = rt_tsc() + rt_ns_to_tsc((uint64_t)sh_conf.c.handshake_ms * 1000000);
	const char *why = NULL;
	char *p;
	for (;;) {
		ERR_clear_error();
		int r = SSL_do_handshake(c->ssl);
		int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
		/* Send every flight, including a fatal alert. */
		long n = BIO_get_mem_data(c->wbio, &p);
		for (long off = 0; off < n;) {
			long w = sh_fwd(SYS_sendto, fd, (long)(p + off), n - off, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
			if (w == -EAGAIN || w == -EINTR) {
				if (wait_fd(fd, POLLOUT, deadline) <= 0) {
					why = "timed out sending";
					break;
				}
				continue;
			}
			if (w <= 0) {
				why = "the connection failed";
				break;
			}
			off += w;
		}
		(void)BIO_reset(c->wbio);
		if (why)
			break;
		if (r == 1)
			return 0;
		if (err != SSL_ERROR_WANT_READ) {
			why = "protocol error";
			break;
		}
		long q = wait_fd(fd, POLLIN, deadline);
		if (q <= 0) {
			why = q == 0 ? "timed out" : "the connection failed";
			break;
		}
		long got = sh_fwd(SYS_recvfrom, fd, (long)c->rbuf, NET_RAW, MSG_DONTWAIT, 0, 0);
		if (got == -EAGAIN || got == -EINTR)
			continue;
		if (got <= 0) {
			why = got == 0 ? "the peer closed the connection" : "the connection failed";
			break;
		}
		BIO_write(c->rbio, c->rbuf, (int)got);
	}
	long vr = SSL_get_verify_result(c->ssl);
	unsigned long e = ERR_peek_error();
	char reason[200] = "";
	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	if (!c->server && vr != X509_V_OK)
		rt_log("net: %s %s: TLS handshake failed: certificate verification: %s; connection closed", what,
		       c->peer, X509_verify_cert_error_string(vr));
	else
		rt_log("net: %s %s: TLS handshake failed: %s%s%s; connection closed", what, c->peer, why,
		       e ? ": " : "", reason);
	ERR_clear_error();
	return -1;
}
