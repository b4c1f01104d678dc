/*
 * The console shield: what the application writes to descriptors 1 and 2
 * leaves the enclave as an authenticated encrypted stream (abi.h,
 * struct sconce_console_hdr / sconce_console_rec; docs/shields.md).
 *
 * One stream per descriptor, all under one random stream id per run.  The
 * stream key is HMAC-SHA256(console key, "sconce console v1" || stream id),
 * so keys never repeat across runs; the nonce is fd || seq, so nonces never
 * repeat within a run.  At exit_group every stream gets its END record
 * (a stream that was never written still gets a header and END), so a
 * reader can tell a complete stream from a truncated one.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <poll.h>
#include "console/console.h"
#include "net/mutex.h"
#include "net/shield.h"

#define REC_HDR sizeof(struct sconce_console_rec)
#define TAG 16

static struct {
	struct sh_mutex lock;
	int ready, failed;
	uint8_t key[32];
	struct sconce_console_hdr hdr[3];
	int started[3], ended[3];
	uint64_t seq[3];
	uint8_t out[REC_HDR + SCONCE_CONSOLE_MAX_REC + TAG];
	uint8_t plain[SCONCE_CONSOLE_MAX_REC];
} con;

static int init(void)
{
	if (con.ready)
		return con.failed ? -EIO : 0;
	con.ready = 1;
	con.failed = 1;
	uint8_t id[16];
	if (rt_random_bytes(id, sizeof(id)) < 0 || con_derive(sh_conf.c.console_key, id, con.key) < 0)
		return -EIO;
	for (int fd = 0; fd < 3; fd++) {
		memcpy(con.hdr[fd].magic, SCONCE_CONSOLE_MAGIC, 8);
		con.hdr[fd].version = SCONCE_CONSOLE_VERSION;
		con.hdr[fd].fd = (uint32_t)fd;
		memcpy(con.hdr[fd].stream_id, id, 16);
	}
	con.failed = 0;
	return 0;
}

/* Everything, even if the host takes it in pieces. */
static long write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		long r = sh_fwd(SYS_write, fd, (long)p, (long)len, 0, 0, 0);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			sh_fwd(SYS_poll, (long)&pf, 1, -1, 0, 0, 0);
			continue;
		}
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Seal one record of fd's stream and write it (console lock held). */
static long emit(int fd, int type, const void *data, size_t len)
{
	if (!con.started[fd]) {
		long r = write_all(fd, &con.hdr[fd], sizeof(con.hdr[fd]));
		if (r < 0)
			return r;
		con.started[fd] = 1;
	}
	struct sconce_console_rec rec = { .len = (uint32_t)len, .type = (uint8_t)type, .fd = (uint8_t)fd,
					  .seq = con.seq[fd] };
	uint8_t *ct = con.out + REC_HDR;
	if (con_gcm(1, con.key, &con.hdr[fd], &rec, data, ct, ct + len) < 0)
		return -EIO;
	memcpy(con.out, &rec, sizeof(rec));
	con.seq[fd]++;
	return write_all(fd, con.out, REC_HDR + len + TAG);
}

/* Write the iovecs as records of at most SCONCE_CONSOLE_MAX_REC bytes. */
static long con_writev(int fd, const struct iovec *iov, int cnt)
{
	size_t total = 0, fill = 0;
	long r = 0;
	sh_lock(&con.lock);
	if ((r = init()) < 0 || con.ended[fd])
		goto out;
	for (int i = 0; i < cnt; i++) {
		const char *p = iov[i].iov_base;
		size_t n = iov[i].iov_len;
		while (n) {
			size_t k = SCONCE_CONSOLE_MAX_REC - fill;
			if (k > n)
				k = n;
			memcpy(con.plain + fill, p, k);
			fill += k;
			p += k;
			n -= k;
			if (fill == SCONCE_CONSOLE_MAX_REC) {
				if ((r = emit(fd, SCONCE_CONSOLE_DATA, con.plain, fill)) < 0)
					goto out;
				total += fill;
				fill = 0;
			}
		}
	}
	if (fill && (r = emit(fd, SCONCE_CONSOLE_DATA, con.plain, fill)) == 0)
		total += fill;
out:
	sh_unlock(&con.lock);
	if (con.ended[fd] && r == 0)
		return -EPIPE; /* after exit_group's END: nothing may follow */
	return total ? (long)total : r;
}

static void finish(void)
{
	sh_lock(&con.lock);
	if (init() == 0) {
		for (int fd = 1; fd <= 2; fd++) {
			if (con.ended[fd])
				continue;
			long r = emit(fd, SCONCE_CONSOLE_END, NULL, 0);
			if (r < 0 && r != -EBADF) /* a closed stdout has no stream to end */
				rt_log("console: cannot write the end of the stream on fd %d (error %ld)", fd, -r);
			con.ended[fd] = 1;
		}
	}
	sh_unlock(&con.lock);
}

/* The iovecs lie inside the enclave: 0 (and their total) or -EFAULT. */
static long check_iov(const struct iovec *iov, int cnt, size_t *total)
{
	size_t t = 0;
	if (cnt < 0 || cnt > 1024)
		return -EINVAL;
	if (!rt_inside((uintptr_t)iov, (size_t)cnt * sizeof(*iov)))
		return -EFAULT;
	for (int i = 0; i < cnt; i++) {
		if ((ssize_t)iov[i].iov_len < 0 ||
		    (iov[i].iov_len && !rt_inside((uintptr_t)iov[i].iov_base, iov[i].iov_len)))
			return -EFAULT;
		t += iov[i].iov_len;
	}
	if (total)
		*total = t;
	return 0;
}

int rt_console_dispatch(long n, const long a[6], long *ret)
{
	if (n == SYS_exit_group) {
		sh_conf_load();
		if (sh_conf.c.flags & SCONCE_SHIELD_CONSOLE)
			finish();
		return 0; /* exit_group itself goes on */
	}
	if (a[0] == 0 && (n == SYS_read || n == SYS_readv)) {
		sh_conf_load();
		if (!(sh_conf.c.flags & SCONCE_SHIELD_CONSOLE_STDIN))
			return 0;
		struct iovec one = { (void *)a[1], (size_t)a[2] };
		const struct iovec *iov = n == SYS_read ? &one : (const struct iovec *)a[1];
		int cnt = n == SYS_read ? 1 : (int)a[2];
		*ret = check_iov(iov, cnt, NULL);
		if (*ret == 0)
			*ret = con_stdin_read(iov, cnt);
		return 1;
	}
	if (a[0] != 1 && a[0] != 2)
		return 0;
	switch (n) {
	case SYS_write: case SYS_writev: case SYS_sendto:
	case SYS_pwrite64: case SYS_pwritev: case SYS_pwritev2: case SYS_sendmsg:
	case SYS_sendfile: case SYS_splice: case SYS_copy_file_range: case SYS_vmsplice:
		break;
	default:
		return 0;
	}
	sh_conf_load();
	if (!(sh_conf.c.flags & SCONCE_SHIELD_CONSOLE))
		return 0;
	int fd = (int)a[0];
	struct iovec one;
	const struct iovec *iov = &one;
	int cnt = 1;
	switch (n) {
	case SYS_sendto:
		if (a[4]) { /* a destination address: not the console stream */
			*ret = -EINVAL;
			return 1;
		}
		/* fall through */
	case SYS_write:
		one.iov_base = (void *)a[1];
		one.iov_len = (size_t)a[2];
		break;
	case SYS_writev:
		if (a[2] < 0 || a[2] > 1024) {
			*ret = -EINVAL;
			return 1;
		}
		if (!rt_inside((uintptr_t)a[1], (size_t)a[2] * sizeof(struct iovec))) {
			*ret = -EFAULT;
			return 1;
		}
		iov = (const struct iovec *)a[1];
		cnt = (int)a[2];
		break;
	default: /* positioned or zero-copy output would bypass the stream */
		*ret = n == SYS_pwrite64 || n == SYS_pwritev || n == SYS_pwritev2 ? -ESPIPE : -EINVAL;
		return 1;
	}
	size_t total = 0;
	if ((*ret = check_iov(iov, cnt, &total)) < 0)
		return 1;
	if (total == 0) {
		*ret = 0;
		return 1;
	}
	*ret = con_writev(fd, iov, cnt);
	return 1;
}
