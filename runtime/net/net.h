/*
 * The network shield, inside the enclave (docs/shields.md).  A protected
 * connection is a real host socket whose bytes are TLS records; the TLS
 * state lives here.  Ciphertext moves between OpenSSL's memory BIOs and the
 * socket by forwarded recvfrom/sendto (rt_forward), so the host sees only
 * ciphertext and no pointer into the enclave.
 */
#ifndef SCONCE_NET_NET_H
#define SCONCE_NET_NET_H

#include <stddef.h>
#include <sys/uio.h>
#include <openssl/ssl.h>
#include "net/mutex.h"
#include "net/shield.h"

#define NET_MAX_FD 65536
#define NET_RAW 32768            /* ciphertext bytes per forwarded read */
#define NET_WRITE_MAX 65536      /* plaintext bytes taken per write */

struct conn {
	int refs;                /* descriptors sharing it (dup) */
	int server;              /* accepted (1) or connected (0) */
	SSL *ssl;
	BIO *rbio, *wbio;        /* memory BIOs: ciphertext in and out */
	struct sh_mutex slock;   /* ssl and the BIOs; never held across host calls */
	struct sh_mutex rlock;   /* one reader at a time; rbuf */
	struct sh_mutex wlock;   /* one writer at a time; wpend */
	uint8_t *rbuf;           /* NET_RAW bytes */
	uint8_t *wpend;          /* ciphertext not yet taken by the host */
	size_t wpend_len, wpend_off, wpend_cap;
	size_t wpend_plain;      /* plaintext bytes it stands for, not yet reported */
	int eof;                 /* the host socket reported end of file */
	int dead;                /* -errno for every further call, or 0 */
	char peer[64];           /* for log lines */
};

/* conn.c: the descriptor table */
struct conn *conn_get(long fd);          /* +1 reference, or NULL */
void conn_put(struct conn *c);
void conn_install(long fd, struct conn *c);  /* takes the reference */
void conn_forget(long fd);               /* the descriptor goes away */
int conn_dup(long oldfd, long newfd);    /* 1 if oldfd was protected */
int conn_count(void);
struct conn *conn_new(int server);
void conn_free(struct conn *c);
int listener_port(long fd);              /* protected listening socket: port, else 0 */
void listener_set(long fd, int port);

/* io.c: data through a protected connection */
long conn_read(struct conn *c, long fd, const struct iovec *iov, int cnt, int flags);
long conn_write(struct conn *c, long fd, const struct iovec *iov, int cnt, int flags);
long conn_shutdown(struct conn *c, long fd, int how);
int conn_readable(struct conn *c);       /* plaintext or an event is buffered */
void conn_close_notify(struct conn *c, long fd);

/* tls.c: contexts and handshakes */
int tls_ready(void);                     /* 0, or -1 if the contexts failed */
SSL *tls_new(int server, const char *peer_name);
/* Drive c's handshake on fd; 0 or -1 (reason logged with what). */
int tls_handshake(struct conn *c, long fd, const char *what);
void tls_log_errors(const char *what, struct conn *c);

/* ready.c: poll, select and epoll see buffered plaintext */
int net_poll(long n, const long a[6], long *ret);
int net_select(long n, const long a[6], long *ret);
int net_epoll_ctl(const long a[6], long *ret);
int net_epoll_wait(long n, const long a[6], long *ret);
void net_epoll_forget(long fd);

#endif
