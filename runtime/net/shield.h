/* The network and console shields' configuration inside the enclave,
 * copied once from the shared area and checked (shieldconf.c). */
#ifndef SCONCE_NET_SHIELD_H
#define SCONCE_NET_SHIELD_H

#include "rt.h"

struct shield_conf {
	struct sconce_shield_config c;
	char *pem[3];              /* cert, key, ca: NUL-ended copies, or NULL */
	uint32_t pem_len[3];
};
extern struct shield_conf sh_conf RT_HIDDEN;

/* Copy and check the configuration (once; later calls return at once).
 * A malformed blob is a security error. */
void sh_conf_load(void) RT_HIDDEN;

/* Forwarded-call helpers (args are enclave values; rt_forward marshals). */
static inline long sh_fwd(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long a[6] = { a0, a1, a2, a3, a4, a5 };
	return rt_forward(nr, a);
}

#endif
