/*
 * The shields' start-up configuration: read the blob the host put in the
 * shared area once into enclave memory, then check it (abi.h,
 * struct sconce_shield_config).  The development form comes from the
 * host's --config file; docs/shields.md says what that trusts.
 */
#include <stdlib.h>
#include <string.h>
#include "net/shield.h"
#include "net/mutex.h"

struct shield_conf sh_conf;
static struct sh_mutex once_lock;
static volatile int loaded;

static void bad(const char *why)
{
	rt_security_fail("shield configuration", why);
}

void sh_conf_load(void)
{
	if (__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))
		return;
	sh_lock(&once_lock);
	if (loaded) {
		sh_unlock(&once_lock);
		return;
	}
	uint64_t off = rt.boot.shield_config_off, size = rt.boot.shield_config_size;
	if (off > rt.shared_size || size > rt.shared_size - off || size < sizeof(struct sconce_shield_config) ||
	    size > sizeof(struct sconce_shield_config) + 3ull * (SCONCE_SHIELD_PEM_MAX + 1))
		bad("out of bounds");
	char *copy = malloc(size);
	if (!copy)
		rt_fatal("shields: out of memory");
	memcpy(copy, (const void *)(rt.shared + off), size);
	struct sconce_shield_config *c = &sh_conf.c;
	memcpy(c, copy, sizeof(*c));
	if (c->magic != SCONCE_SHIELD_MAGIC || c->nlisten > SCONCE_SHIELD_MAX_RULES ||
	    c->nconnect > SCONCE_SHIELD_MAX_RULES || (c->tls_min != 0x0303 && c->tls_min != 0x0304) ||
	    c->handshake_ms < 10 || c->handshake_ms > 600000)
		bad("malformed");
	for (uint32_t i = 0; i < c->nconnect; i++) {
		struct sconce_shield_dest *d = &c->connect[i];
		if ((d->family != 2 && d->family != 10) || !memchr(d->name, 0, sizeof(d->name)))
			bad("malformed destination");
	}
	uint32_t len[3] = { c->cert_len, c->key_len, c->ca_len };
	const char *p = copy + sizeof(*c), *end = copy + size;
	for (int i = 0; i < 3; i++) {
		if (len[i] > SCONCE_SHIELD_PEM_MAX || (size_t)(end - p) < (size_t)len[i] + 1 || p[len[i]] != 0)
			bad("malformed PEM text");
		if (len[i]) {
			sh_conf.pem[i] = malloc(len[i] + 1);
			if (!sh_conf.pem[i])
				rt_fatal("shields: out of memory");
			memcpy(sh_conf.pem[i], p, len[i] + 1);
			sh_conf.pem_len[i] = len[i];
		}
		p += len[i] + 1;
	}
	memset(copy, 0, size);
	free(copy);
	__atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
	sh_unlock(&once_lock);
}
