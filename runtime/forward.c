/*
 * Forwarding: marshal a call described in syscall_table.c into untrusted
 * memory, let the host run it, then validate the result against the
 * declared rule before copying anything back.  The host only ever sees
 * pointers into the bounce buffer, never into the enclave.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "rt.h"
#include "syscall_table.h"
#include "forward.h"
#include "sched.h"
#include "epoll_map.h"
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#define MAX_FD RT_MAX_FD
#define SOCKADDR_MAX 128

const char *rt_syscall_name(long nr)
{
	if (nr >= 0 && (unsigned long)nr < rt_syscalls_count && rt_syscalls[nr].name)
		return rt_syscalls[nr].name;
	static char buf[24];
	rt_snprintf(buf, sizeof(buf), "syscall %ld", nr);
	return buf;
}

int fw_user_range(long p, size_t n)
{
	return rt_inside((uintptr_t)p, n);
}

/* Copy an enclave buffer out to the bounce buffer. */
long fw_copy_in(const void *src, size_t n, void **dst)
{
	void *b = rt_bounce_alloc(n ? n : 1);
	if (!b)
		return -ENOMEM;
	if (n)
		memcpy(b, src, n);
	*dst = b;
	return 0;
}

static long check_result(const struct syscall_spec *s, long ret, const long *a)
{
	if (ret < 0) {
		if (ret < -4095)
			rt_security_fail(s->name, "error value out of range");
		return ret;
	}
	switch (s->ret) {
	case R_ZERO:
		if (ret != 0)
			rt_security_fail(s->name, "non-zero result where only 0 is valid");
		break;
	case R_FD:
		if (ret >= MAX_FD)
			rt_security_fail(s->name, "descriptor number out of range");
		break;
	case R_LEN:
		/* getgroups with a count of 0 asks how many there are
		 * (NGROUPS_MAX at most); nothing is copied back. */
		if (s == &rt_syscalls[SYS_getgroups] && a[0] == 0 && ret <= 65536)
			break;
		if ((unsigned long)ret > (unsigned long)a[s->ret_arg])
			rt_security_fail(s->name, "result larger than the requested count");
		break;
	default:
		break;
	}
	return ret;
}

static void check_dirents(const char *name, const unsigned char *buf, long len)
{
	long off = 0;
	while (off < len) {
		uint16_t reclen;
		if (len - off < 20)
			rt_security_fail(name, "truncated directory record");
		memcpy(&reclen, buf + off + 16, 2);
		if (reclen < 20 || reclen > len - off || (reclen & 7))
			rt_security_fail(name, "directory record length out of bounds");
		if (!memchr(buf + off + 19, 0, reclen - 19))
			rt_security_fail(name, "directory entry name not terminated");
		off += reclen;
	}
}

/* The latest CLOCK_MONOTONIC (0) and CLOCK_BOOTTIME (1) readings, in ns. */
static uint64_t clock_last[2];

static uint64_t clock_floor(const struct syscall_spec *s, const long *a)
{
	if (s->check != C_CLOCK || (a[0] != 1 && a[0] != 7))
		return 0;
	return __atomic_load_n(&clock_last[a[0] == 1 ? 0 : 1], __ATOMIC_RELAXED);
}

/* Returns the result, which C_EPOLL may lower (dropped events). */
static long extra_checks(const struct syscall_spec *s, long ret, const long *a, long *host,
			 uint64_t floor_ns)
{
	switch (s->check) {
	case C_DIRENTS:
		/* Validate the enclave copy: it was copied once already. */
		check_dirents(s->name, (const unsigned char *)a[1], ret);
		break;
	case C_PIPEFDS: {
		int *fds = (int *)(s->nargs == 4 ? a[3] : a[0]);
		if (!fds)
			rt_security_fail(s->name, "success reported for a NULL buffer");
		if (fds[0] < 0 || fds[1] < 0 || fds[0] >= MAX_FD || fds[1] >= MAX_FD ||
		    fds[0] == fds[1])
			rt_security_fail(s->name, "invalid descriptor pair");
		break;
	}
	case C_POLL: {
		const struct { int fd; short ev, rev; } *p = (const void *)a[0];
		long n = 0;
		for (long i = 0; i < a[1]; i++)
			n += p[i].rev != 0;
		if (n != ret)
			rt_security_fail(s->name, "result does not match the returned events");
		break;
	}
	case C_CLOCK: {
		int k = a[0] == 1 ? 0 : a[0] == 7 ? 1 : -1;
		const int64_t *ts = (const int64_t *)a[1];
		if (!ts)
			rt_security_fail(s->name, "success reported for a NULL buffer");
		if (ts[1] < 0 || ts[1] >= 1000000000 || ts[0] < 0 || ts[0] > (int64_t)(1ull << 33))
			rt_security_fail(s->name, "time out of range");
		if (k >= 0) {
			/* Calls overlap across threads, so a reading may only be
			 * compared with readings that completed before this call
			 * was made (the floor taken then). */
			uint64_t now = (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
			if (now < floor_ns)
				rt_security_fail(s->name, "monotonic clock went backwards");
			uint64_t seen = __atomic_load_n(&clock_last[k], __ATOMIC_RELAXED);
			while (now > seen && !__atomic_compare_exchange_n(&clock_last[k], &seen, now, 1,
									  __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				;
		}
		break;
	}
	case C_CLOSE:
		if (s != &rt_syscalls[SYS_close] && ret != a[1])
			rt_security_fail(s->name, "result is not the requested descriptor");
		if (s == &rt_syscalls[SYS_close])
			rt_epoll_closed((int)a[0]);
		else if (a[0] != a[1]) /* dup2(fd, fd) closes nothing */
			rt_epoll_closed((int)a[1]);
		break;
	case C_EPOLL:
		return rt_epoll_translate(s->name, (int)a[0], (struct epoll_event *)a[1], ret);
	case C_STAT: {
		const int64_t *st = (const int64_t *)(s->nargs == 4 ? a[2] : a[1]);
		if (!st)
			rt_security_fail(s->name, "success reported for a NULL buffer");
		if (st[6] < 0 || st[8] < 0) /* st_size, st_blocks */
			rt_security_fail(s->name, "negative file size");
		break;
	}
	}
	(void)host;
	return ret;
}

/* Can this argument be shortened to fit the bounce buffer?  Only the data
 * buffer of a call that returns how much it transferred. */
static int clampable(const struct syscall_spec *s, const struct arg_spec *as)
{
	return s->ret == R_LEN && as->len == s->ret_arg &&
	       (as->kind == K_IN || as->kind == K_OUT || as->kind == K_OUTNA);
}

static long marshal_arg(const struct syscall_spec *s, int i, long *a, long *h)
{
	const struct arg_spec *as = &s->a[i];
	void *b;
	long r;

	switch (as->kind) {
	case K_VAL:
		h[i] = a[i];
		return 0;
	case K_SALEN:
		return 0; /* marshalled with its K_SA_OUT, which comes first */
	case K_STR0:
	case K_STR: {
		if (!a[i] && as->kind == K_STR0)
			return h[i] = 0;
		if (!a[i] || !fw_user_range(a[i], 1))
			return -EFAULT;
		size_t max = rt.base + rt.size - (uintptr_t)a[i];
		size_t n = strnlen((const char *)a[i], max < PATH_MAX ? max : PATH_MAX);
		if (n == PATH_MAX)
			return -ENAMETOOLONG;
		if (n == max)
			return -EFAULT;
		r = fw_copy_in((void *)a[i], n + 1, &b);
		break;
	}
	case K_IN:
	case K_OUT:
	case K_OUTNA: {
		size_t elem = as->kind == K_OUTNA ? as->size : 1;
		if (a[as->len] < 0 || (unsigned long)a[as->len] > (1ul << 40) / elem)
			return -EINVAL;
		if (clampable(s, as) && (size_t)a[as->len] * elem > rt_bounce_avail())
			a[as->len] = (long)(rt_bounce_avail() / elem);
		size_t n = (size_t)a[as->len] * elem;
		if (!a[i] && n == 0)
			return h[i] = 0;
		if (!fw_user_range(a[i], n))
			return -EFAULT;
		if (as->kind == K_IN) {
			r = fw_copy_in((void *)a[i], n, &b);
		} else {
			b = rt_bounce_alloc(n ? n : 1);
			r = b ? 0 : -ENOMEM;
		}
		break;
	}
	case K_INF:
	case K_OUTF:
	case K_IOF:
		if (!a[i])
			return h[i] = 0;
		if (!fw_user_range(a[i], as->size))
			return -EFAULT;
		if (as->kind == K_OUTF) {
			b = rt_bounce_alloc(as->size);
			r = b ? 0 : -ENOMEM;
		} else {
			r = fw_copy_in((void *)a[i], as->size, &b);
		}
		break;
	case K_IONA: {
		if (a[as->len] < 0 || a[as->len] > 65536)
			return -EINVAL;
		size_t n = (size_t)a[as->len] * as->size;
		if (!a[i] && n == 0)
			return h[i] = 0;
		if (!fw_user_range(a[i], n))
			return -EFAULT;
		r = fw_copy_in((void *)a[i], n, &b);
		break;
	}
	case K_SA_IN:
		if (!a[i])
			return h[i] = 0;
		if (a[as->len] < 0 || a[as->len] > SOCKADDR_MAX)
			return -EINVAL;
		if (!fw_user_range(a[i], (size_t)a[as->len]))
			return -EFAULT;
		r = fw_copy_in((void *)a[i], (size_t)a[as->len], &b);
		break;
	case K_SA_OUT: {
		if (!a[i]) {
			h[as->len] = 0;
			return h[i] = 0;
		}
		if (!a[as->len] || !fw_user_range(a[as->len], 4) ||
		    *(int *)a[as->len] < 0)
			return -EFAULT;
		if (!fw_user_range(a[i], (size_t)*(unsigned *)a[as->len]))
			return -EFAULT;
		unsigned *len = rt_bounce_alloc(4 + SOCKADDR_MAX);
		if (!len)
			return -ENOMEM;
		*len = SOCKADDR_MAX;
		h[as->len] = (long)len;
		b = len + 1;
		r = 0;
		break;
	}
	default:
		return -ENOSYS;
	}
	if (r < 0)
		return r;
	h[i] = (long)b;
	return 0;
}

static int unmarshal_arg(const struct syscall_spec *s, int i, long ret, long *a, long *h)
{
	const struct arg_spec *as = &s->a[i];
	if (!a[i] || !h[i])
		return 0;
	switch (as->kind) {
	case K_OUT:
		memcpy((void *)a[i], (void *)h[i], s->ret == R_LEN ? (size_t)ret : (size_t)a[as->len]);
		break;
	case K_OUTNA:
		/* With a zero count (getgroups) the result is a count only. */
		if ((unsigned long)ret > (unsigned long)a[as->len]) {
			if (a[as->len] != 0)
				rt_security_fail(s->name, "more elements than requested");
			break;
		}
		memcpy((void *)a[i], (void *)h[i], (size_t)ret * as->size);
		break;
	case K_OUTF:
	case K_IOF:
		memcpy((void *)a[i], (void *)h[i], as->size);
		break;
	case K_IONA:
		if (s->check == C_POLL) {
			/* Only revents is the host's to change. */
			struct pfd { int fd; short ev, rev; } *d = (void *)a[i];
			const struct pfd *src = (const void *)h[i];
			for (long k = 0; k < a[as->len]; k++)
				d[k].rev = RT_READ_ONCE(src[k].rev);
			break;
		}
		memcpy((void *)a[i], (void *)h[i], (size_t)a[as->len] * as->size);
		break;
	case K_SA_OUT: {
		unsigned got = RT_READ_ONCE(*(unsigned *)h[as->len]);
		unsigned have = *(unsigned *)a[as->len];
		if (got > SOCKADDR_MAX)
			rt_security_fail(s->name, "socket address length larger than the buffer");
		/* The length is read again, as the kernel does, so check the
		 * range again, as copy_to_user would: data copied out just
		 * before may have rewritten it (the buffers overlap). */
		size_t n = got < have ? got : have;
		if (!fw_user_range(a[i], n))
			return -EFAULT;
		memcpy((void *)a[i], (void *)h[i], n);
		*(unsigned *)a[as->len] = got;
		break;
	}
	}
	return 0;
}

static long forward(long nr, const long args[6], long *asked);

/* Writing to a broken pipe or socket raises SIGPIPE in the writer (the
 * host ignores it, so the application's disposition decides). */
static int raises_sigpipe(long nr, const long a[6])
{
	switch (nr) {
	case SYS_write: case SYS_writev: case SYS_pwrite64: case SYS_pwritev: case SYS_sendfile:
		return 1;
	case SYS_sendto: return !(a[3] & MSG_NOSIGNAL);
	case SYS_sendmsg: return !(a[2] & MSG_NOSIGNAL);
	}
	return 0;
}

/* pread64 and pwrite64 act on a file at an offset, where the kernel moves
 * everything asked for (up to the end of the file), and programs count on
 * it (memcached's extstore reads items so).  When the bounce buffer
 * shortened such a request and the host moved all of the shortened part,
 * the rest follows in further calls, each where the last one ended.  An
 * error after the first part reports what was moved, as the kernel does. */
static long positioned_rest(long nr, const long args[6], long done)
{
	while (done < args[2]) {
		long a[6] = { args[0], args[1] + done, args[2] - done,
			       (long)((unsigned long)args[3] + (unsigned long)done), args[4], args[5] };
		long asked = -1;
		rt_call_begin();
		long r = forward(nr, a, &asked);
		rt_call_end();
		if (r <= 0)
			break;
		done += r;
		if (r != asked)
			break; /* end of file, or a short write */
	}
	return done;
}

long rt_forward_after(long nr, const long args[6], long r, long asked)
{
	if ((nr == SYS_pread64 || nr == SYS_pwrite64) && r > 0 && r == asked && asked < args[2])
		r = positioned_rest(nr, args, r);
	if (r == -EPIPE && raises_sigpipe(nr, args))
		rt_sys_tkill(rt_sys_gettid(), SIGPIPE);
	return r;
}

long rt_forward(long nr, const long args[6])
{
	long asked = -1;
	rt_call_begin();
	long r = forward(nr, args, &asked);
	rt_call_end();
	return rt_forward_after(nr, args, r, asked);
}

int fw_prepare(struct fw_call *c, long nr, const long args[6], long *ret)
{
	static uint64_t warned[8];
	const struct syscall_spec *s = 0;
	long *a = c->a, *h = c->h;

	c->asked = -1;
	if (nr >= 0 && (unsigned long)nr < rt_syscalls_count && rt_syscalls[nr].name)
		s = &rt_syscalls[nr];
	if (!s) {
		if (nr >= 0 && nr < 512 && !(warned[nr / 64] & (1ull << (nr % 64)))) {
			warned[nr / 64] |= 1ull << (nr % 64);
			rt_log("unsupported system call %ld: returning ENOSYS", nr);
		}
		*ret = -ENOSYS;
		return 0;
	}
	c->s = s;
	c->nr = nr;
	memcpy(a, args, sizeof(c->a));
	if (s->special) {
		*ret = fw_special(s, nr, a);
		return 0;
	}
	memset(h, 0, sizeof(c->h));

	/* The data buffer that may be shortened goes last, so it gets what
	 * the fixed-size arguments leave of the bounce buffer. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < s->nargs; i++) {
			if (clampable(s, &s->a[i]) != pass)
				continue;
			long r = marshal_arg(s, i, a, h);
			if (r < 0) {
				*ret = r;
				return 0;
			}
		}
	}
	/* Plain values last: a length may just have been shortened. */
	for (int i = 0; i < s->nargs; i++)
		if (s->a[i].kind == K_VAL)
			h[i] = a[i];
	if (s->ret == R_LEN)
		c->asked = a[s->ret_arg];
	c->floor_ns = clock_floor(s, a);
	return 1;
}

long fw_complete(struct fw_call *c, long host_ret)
{
	const struct syscall_spec *s = c->s;
	long *a = c->a, *h = c->h;
	long ret = check_result(s, host_ret, a);
	/* close releases the descriptor even when it reports an error (EINTR,
	 * EIO): its epoll registrations go whatever the host answered, or the
	 * host could later hand back the data of a connection the application
	 * has freed. */
	if (ret < 0 && c->nr == SYS_close)
		rt_epoll_closed((int)a[0]);
	if (ret < 0)
		return ret;
	/* Copy out first (each shared byte read once), then check the copies. */
	int fault = 0;
	for (int i = 0; i < s->nargs; i++)
		fault |= unmarshal_arg(s, i, ret, a, h) < 0;
	if (fault)
		return -EFAULT;
	return extra_checks(s, ret, a, h, c->floor_ns);
}

/* *asked: for a call that returns a length, the length asked of the host
 * (after shortening to the bounce buffer); otherwise left alone. */
static long forward(long nr, const long args[6], long *asked)
{
	struct fw_call c;
	long r;
	if (fw_prepare(&c, nr, args, &r))
		r = fw_complete(&c, rt_host_syscall(nr, c.h));
	if (c.asked >= 0)
		*asked = c.asked;
	return r;
}

long fw_finish(const struct syscall_spec *s, long ret, const long *a)
{
	return check_result(s, ret, a);
}
