/* The console and network shields' entry points, called from dispatch.c. */
#ifndef SCONCE_CONSOLE_H
#define SCONCE_CONSOLE_H

#include <sys/uio.h>
#include "rt.h"

/* True if the start-up configuration has shield keys (cheap). */
static inline int rt_shields_enabled(void)
{
	return rt.boot.shield_config_size != 0;
}
/* Serve call n if it concerns the console (fds 0..2) or a protected
 * socket: returns 1 and the result in *ret; 0 to let it take its usual
 * path.  Each also watches exit_group (returns 0 for it). */
int rt_console_dispatch(long n, const long a[6], long *ret) RT_HIDDEN;
int rt_net_dispatch(long n, const long a[6], long *ret) RT_HIDDEN;

/* crypt.c: the stream key and one record (enc 1: seal, 0: open) */
int con_derive(const uint8_t master[32], const uint8_t id[16], uint8_t key[32]) RT_HIDDEN;
int con_gcm(int enc, const uint8_t key[32], const struct sconce_console_hdr *h,
	    const struct sconce_console_rec *r, const uint8_t *in, uint8_t *out, uint8_t tag[16]) RT_HIDDEN;
/* stdin.c: fd 0 as an encrypted stream (console_stdin = yes) */
long con_stdin_read(const struct iovec *iov, int cnt) RT_HIDDEN;

#endif
