/*
 * The console shield's input side (console_stdin = yes): descriptor 0
 * carries a console stream for fd 0 (made by `sconce console encrypt`);
 * reads return its plaintext once each record has been authenticated.
 * A stream that is tampered with, reordered or cut short makes reads fail
 * with EIO (and a log line); its END record is the end of file.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include "console/console.h"
#include "net/mutex.h"
#include "net/shield.h"

#define REC_HDR sizeof(struct sconce_console_rec)

static struct {
	struct sh_mutex lock;
	int have_hdr, ended, err;
	struct sconce_console_hdr hdr;
	uint8_t key[32];
	uint64_t next;
	size_t fill;                       /* raw bytes of the current unit */
	uint8_t raw[REC_HDR + SCONCE_CONSOLE_MAX_REC + 16];
	uint8_t plain[SCONCE_CONSOLE_MAX_REC];
	size_t pos, len;                   /* plaintext not yet returned */
} in;

static long bad(const char *why)
{
	rt_log("console: stdin: %s", why);
	in.err = -EIO;
	return in.err;
}

/* Have k raw bytes of the current unit: 0, or -errno (EAGAIN keeps what
 * arrived), or 1 at end of file. */
static long need(size_t k)
{
	while (in.fill < k) {
		long r = sh_fwd(SYS_read, 0, (long)(in.raw + in.fill), (long)(k - in.fill), 0, 0, 0);
		if (r < 0)
			return r;
		if (r == 0)
			return 1;
		in.fill += (size_t)r;
	}
	return 0;
}

/* The next record into plain[]: 0, or -errno; in.ended at the end. */
static long next_record(void)
{
	long r;
	if (!in.have_hdr) {
		if ((r = need(sizeof(in.hdr))) != 0)
			return r > 0 ? bad("no stream header (plaintext or empty input)") : r;
		memcpy(&in.hdr, in.raw, sizeof(in.hdr));
		in.fill = 0;
		if (memcmp(in.hdr.magic, SCONCE_CONSOLE_MAGIC, 8) || in.hdr.version != SCONCE_CONSOLE_VERSION ||
		    in.hdr.fd != 0)
			return bad("not a console stream for fd 0");
		if (con_derive(sh_conf.c.console_key, in.hdr.stream_id, in.key) < 0)
			return bad("key derivation failed");
		in.have_hdr = 1;
	}
	if ((r = need(REC_HDR)) != 0)
		return r > 0 ? bad("truncated: the stream ends without its end record") : r;
	struct sconce_console_rec rec;
	memcpy(&rec, in.raw, sizeof(rec));
	if (rec.len > SCONCE_CONSOLE_MAX_REC || rec.fd != 0 || rec.reserved ||
	    (rec.type != SCONCE_CONSOLE_DATA && rec.type != SCONCE_CONSOLE_END) ||
	    (rec.type == SCONCE_CONSOLE_END && rec.len))
		return bad("malformed record header");
	if (rec.seq != in.next)
		return bad("record out of order (reordered, dropped or replayed)");
	if ((r = need(REC_HDR + rec.len + 16)) != 0)
		return r > 0 ? bad("truncated inside a record") : r;
	in.fill = 0;
	if (con_gcm(0, in.key, &in.hdr, &rec, in.raw + REC_HDR, in.plain, in.raw + REC_HDR + rec.len) < 0)
		return bad("a record does not authenticate (tampered, or another key)");
	in.next++;
	in.pos = 0;
	in.len = rec.len;
	if (rec.type == SCONCE_CONSOLE_END)
		in.ended = 1;
	return 0;
}

long con_stdin_read(const struct iovec *iov, int cnt)
{
	size_t total = 0;
	long r = 0;
	sh_lock(&in.lock);
	while (!in.len && !in.ended && !in.err && (r = next_record()) == 0)
		;
	if (in.err)
		r = in.err;
	for (int i = 0; i < cnt && in.len; i++) {
		size_t k = iov[i].iov_len < in.len ? iov[i].iov_len : in.len;
		memcpy(iov[i].iov_base, in.plain + in.pos, k);
		in.pos += k;
		in.len -= k;
		total += k;
	}
	sh_unlock(&in.lock);
	return total ? (long)total : in.ended ? 0 : r;
}
