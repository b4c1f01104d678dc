/*
 * The network and console shields' keys in the start-up configuration,
 * development form (docs/shields.md).  The host reads the keys and the PEM
 * files, so this form trusts the host with them; production configurations
 * come from an attested channel instead.
 *
 *   console_key = HEX64        or console_key_file = FILE: encrypt stdout/stderr
 *   console_stdin = yes        stdin is a console stream too (sconce console encrypt)
 *   net_listen = PORT          protected listening port (repeatable)
 *   net_connect = HOST:PORT    protected destination (repeatable; [v6]:port)
 *   net_cert = FILE            PEM certificate (chain) of the enclave
 *   net_key = FILE             PEM private key of net_cert
 *   net_ca = FILE              PEM CA certificates that peers must chain to
 *   net_tls_min = 1.3 | 1.2    lowest TLS version accepted (default 1.3)
 *   net_verify_clients = yes   protected ports require client certificates
 *   net_handshake_ms = N       handshake time limit (default 10000)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "host.h"
#include "fspf.h"
#include "netconf.h"

const void *shieldcfg_run_blob;
size_t shieldcfg_run_blob_size;

static struct sconce_shield_config cfg = { .tls_min = 0x0304, .handshake_ms = 10000 };
static int any;
static char *pem[3]; /* cert, key, ca */

static int bad(const char *path, int lineno, const char *k, const char *why)
{
	host_err("config %s:%d: %s: %s", path, lineno, k, why);
	return -1;
}

static char *slurp(const char *file, size_t *len)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return NULL;
	char *buf = malloc(SCONCE_SHIELD_PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, SCONCE_SHIELD_PEM_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > SCONCE_SHIELD_PEM_MAX || memchr(buf, 0, n)) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

static int port_of(const char *s)
{
	char *e;
	long p = strtol(s, &e, 10);
	return *s && !*e && p > 0 && p < 65536 ? (int)p : -1;
}

static int add_dest(const char *v)
{
	char host[SCONCE_SHIELD_NAME];
	const char *colon;
	if (v[0] == '[') {
		const char *rb = strchr(v, ']');
		if (!rb || rb[1] != ':' || (size_t)(rb - v - 1) >= sizeof(host))
			return -1;
		memcpy(host, v + 1, (size_t)(rb - v - 1));
		host[rb - v - 1] = 0;
		colon = rb + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon || (size_t)(colon - v) >= sizeof(host) || colon == v)
			return -1;
		memcpy(host, v, (size_t)(colon - v));
		host[colon - v] = 0;
	}
	int port = port_of(colon + 1);
	if (port < 0 || cfg.nconnect >= SCONCE_SHIELD_MAX_RULES)
		return -1;
	/* Every address the name has today becomes a rule (the enclave matches
	 * the address the application connects to, and verifies the name). */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -1;
	for (ai = res; ai && cfg.nconnect < SCONCE_SHIELD_MAX_RULES; ai = ai->ai_next) {
		struct sconce_shield_dest *d = &cfg.connect[cfg.nconnect++];
		memset(d, 0, sizeof(*d));
		d->family = (uint16_t)ai->ai_family;
		d->port = (uint16_t)port;
		if (ai->ai_family == AF_INET)
			memcpy(d->addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		else
			memcpy(d->addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		snprintf(d->name, sizeof(d->name), "%s", host);
	}
	freeaddrinfo(res);
	return 0;
}

int shieldcfg_key(const char *k, const char *v, const char *dir, const char *path, int lineno)
{
	static const char *const pem_keys[3] = { "net_cert", "net_key", "net_ca" };
	for (int i = 0; i < 3; i++) {
		if (strcmp(k, pem_keys[i]))
			continue;
		char *file = abs_path(dir, v);
		size_t len = 0;
		free(pem[i]);
		pem[i] = file ? slurp(file, &len) : NULL;
		if (!pem[i] || !strstr(pem[i], "-----BEGIN ")) {
			char why[4300];
			snprintf(why, sizeof(why), "%s: %s", file ? file : v,
				 pem[i] ? "not a PEM file" : strerror(errno));
			free(file);
			return bad(path, lineno, k, why);
		}
		free(file);
		any = 1;
		return 1;
	}
	if (!strcmp(k, "console_key") || !strcmp(k, "console_key_file")) {
		int r = 0;
		if (k[11] == '_') {
			char *file = abs_path(dir, v);
			r = file ? read_hex_file(file, cfg.console_key, 32) : -ENOMEM;
			free(file);
		} else if (hex_decode(v, cfg.console_key, 32) < 0) {
			r = -EINVAL;
		}
		if (r < 0)
			return bad(path, lineno, k, r == -EINVAL ? "not 64 hex digits" : strerror(-r));
		cfg.flags |= SCONCE_SHIELD_CONSOLE;
	} else if (!strcmp(k, "console_stdin")) {
		if (!strcmp(v, "yes"))
			cfg.flags |= SCONCE_SHIELD_CONSOLE_STDIN;
		else if (strcmp(v, "no"))
			return bad(path, lineno, k, "expected yes or no");
	} else if (!strcmp(k, "net_listen")) {
		int p = port_of(v);
		if (p < 0 || cfg.nlisten >= SCONCE_SHIELD_MAX_RULES)
			return bad(path, lineno, k, "expected a port number 1..65535 (at most 32 lines)");
		cfg.listen[cfg.nlisten++] = (uint16_t)p;
	} else if (!strcmp(k, "net_connect")) {
		if (add_dest(v) < 0)
			return bad(path, lineno, k, "expected HOST:PORT with a resolvable HOST (at most 32)");
	} else if (!strcmp(k, "net_tls_min")) {
		if (!strcmp(v, "1.3"))
			cfg.tls_min = 0x0304;
		else if (!strcmp(v, "1.2"))
			cfg.tls_min = 0x0303;
		else
			return bad(path, lineno, k, "expected 1.2 or 1.3");
	} else if (!strcmp(k, "net_verify_clients")) {
		if (!strcmp(v, "yes"))
			cfg.flags |= SCONCE_SHIELD_VERIFY_CLIENTS;
		else if (strcmp(v, "no"))
			return bad(path, lineno, k, "expected yes or no");
	} else if (!strcmp(k, "net_handshake_ms")) {
		char *e;
		long ms = strtol(v, &e, 10);
		if (!*v || *e || ms < 10 || ms > 600000)
			return bad(path, lineno, k, "expected milliseconds 10..600000");
		cfg.handshake_ms = (uint32_t)ms;
	} else {
		return 0;
	}
	any = 1;
	return 1;
}

/* Refuse at start-up what the enclave could not use at the first accept:
 * an unreadable certificate or key, or a key that does not match. */
static int no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf, (void)size, (void)rw, (void)u;
	return -1;
}

static int check_identity(const char *path)
{
	BIO *b = BIO_new_mem_buf(pem[0], -1), *k = BIO_new_mem_buf(pem[1], -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	EVP_PKEY *key = k ? PEM_read_bio_PrivateKey(k, NULL, no_passphrase, NULL) : NULL;
	int ok = x && key && X509_check_private_key(x, key) == 1;
	if (!ok)
		host_err("config %s: net_cert/net_key: %s", path,
			 !x ? "no certificate in net_cert" : !key ? "no private key in net_key (encrypted keys are not supported)"
							: "the key does not match the certificate");
	X509_free(x);
	EVP_PKEY_free(key);
	BIO_free(b);
	BIO_free(k);
	return ok ? 0 : -1;
}

int shieldcfg_finish(const char *path)
{
	if (!any)
		return 0;
	if ((cfg.flags & SCONCE_SHIELD_CONSOLE_STDIN) && !(cfg.flags & SCONCE_SHIELD_CONSOLE)) {
		host_err("config %s: console_stdin needs console_key", path);
		return -1;
	}
	if (cfg.nlisten && (!pem[0] || !pem[1])) {
		host_err("config %s: net_listen needs net_cert and net_key", path);
		return -1;
	}
	if (cfg.nconnect && !pem[2]) {
		host_err("config %s: net_connect needs net_ca (the peers' CA)", path);
		return -1;
	}
	if ((cfg.flags & SCONCE_SHIELD_VERIFY_CLIENTS) && !pem[2]) {
		host_err("config %s: net_verify_clients needs net_ca", path);
		return -1;
	}
	if (!!pem[0] != !!pem[1]) {
		host_err("config %s: net_cert and net_key go together", path);
		return -1;
	}
	if (pem[0] && check_identity(path) < 0)
		return -1;
	size_t len[3];
	for (int i = 0; i < 3; i++)
		len[i] = pem[i] ? strlen(pem[i]) : 0;
	size_t n = sizeof(cfg) + len[0] + len[1] + len[2] + 3;
	char *b = calloc(1, n);
	if (!b)
		return -1;
	cfg.magic = SCONCE_SHIELD_MAGIC;
	cfg.cert_len = (uint32_t)len[0];
	cfg.key_len = (uint32_t)len[1];
	cfg.ca_len = (uint32_t)len[2];
	memcpy(b, &cfg, sizeof(cfg));
	char *s = b + sizeof(cfg);
	for (int i = 0; i < 3; i++) {
		if (len[i])
			memcpy(s, pem[i], len[i]);
		s += len[i] + 1;
	}
	shieldcfg_run_blob = b;
	shieldcfg_run_blob_size = n;
	return 0;
}
