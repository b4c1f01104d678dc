/*
 * Marshallers for the calls whose arguments the declared table cannot
 * describe: vectors (readv/writev, sendmsg/recvmsg), fd sets, and the
 * multiplexers ioctl and fcntl whose argument type depends on a command.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/epoll.h>
#include "rt.h"
#include "forward.h"
#include "epoll_map.h"

#define IOV_MAX_CNT 1024
#define SOCKADDR_MAX 128
#define CONTROL_MAX 65536

/* Do two ranges inside the enclave share a byte? */
static int overlap(const void *p, size_t n, const void *q, size_t m)
{
	return n && m && (uintptr_t)p < (uintptr_t)q + m && (uintptr_t)q < (uintptr_t)p + n;
}

/* Sum an application iovec array, checking every element lies inside.
 * Buffers that will receive the host's data must not overlap the array
 * itself: the data would rewrite entries still to be used and so choose
 * where the enclave writes next.  (The kernel reads the array once;
 * refusing such a program is simpler than copying 1024 entries.) */
static long iov_total(long iovp, long cnt, size_t *total, int written)
{
	if (cnt < 0 || cnt > IOV_MAX_CNT)
		return -EINVAL;
	if (cnt && !fw_user_range(iovp, (size_t)cnt * sizeof(struct iovec)))
		return -EFAULT;
	const struct iovec *iov = (const struct iovec *)iovp;
	size_t t = 0;
	for (long i = 0; i < cnt; i++) {
		if (iov[i].iov_len > (1ul << 40) || (iov[i].iov_len && !fw_user_range((long)iov[i].iov_base, iov[i].iov_len)))
			return -EFAULT;
		if (written && overlap(iov[i].iov_base, iov[i].iov_len, iov, (size_t)cnt * sizeof(*iov)))
			return -EINVAL;
		t += iov[i].iov_len;
	}
	if (t > (1ul << 40))
		return -EINVAL;
	*total = t;
	return 0;
}

/* Copy n bytes between a buffer and the vector, starting `skip` bytes into
 * the vector (out: from the vector into dst; otherwise into the vector). */
static void vcopy(const struct iovec *iov, long cnt, size_t skip, void *buf, size_t n, int out)
{
	for (long i = 0; i < cnt && n; i++) {
		size_t len = iov[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		size_t k = len - skip < n ? len - skip : n;
		char *v = (char *)iov[i].iov_base + skip;
		if (out)
			memcpy(buf, v, k);
		else
			memcpy(v, buf, k);
		buf = (char *)buf + k;
		n -= k;
		skip = 0;
	}
}

static void gather(void *dst, const struct iovec *iov, long cnt, size_t n)
{
	vcopy(iov, cnt, 0, dst, n, 1);
}

static void scatter(const struct iovec *iov, long cnt, const void *src, size_t n)
{
	vcopy(iov, cnt, 0, (void *)src, n, 0);
}

/* readv/writev and the positioned variants become one read or write of a
 * single bounce buffer: the same atomicity, one copy each way.  A
 * positioned transfer (preadv/pwritev: a file at an offset, where the
 * kernel moves everything asked for up to the end of the file) larger than
 * the bounce buffer goes on in further pieces while each piece moves all
 * it asked; an error after the first piece reports what was moved. */
static long vector_io(const struct syscall_spec *s, long *a, int out, int positioned)
{
	size_t total;
	long r = iov_total(a[1], a[2], &total, !out);
	if (r < 0)
		return r;
	size_t n = total < rt_bounce_avail() ? total : rt_bounce_avail();
	void *b = rt_bounce_alloc(n ? n : 1);
	if (!b)
		return -ENOMEM;
	const struct iovec *iov = (const struct iovec *)a[1];
	long nr = positioned ? (out ? SYS_pwrite64 : SYS_pread64) : (out ? SYS_write : SYS_read);
	struct syscall_spec one = *s;
	one.ret_arg = 2;
	size_t done = 0;
	for (;;) {
		size_t k = total - done < n ? total - done : n;
		if (out)
			vcopy(iov, a[2], done, b, k, 1);
		long h[6] = { a[0], (long)b, (long)k, positioned ? (long)((unsigned long)a[3] + done) : 0 };
		long lim[6] = { 0, 0, (long)k };
		long ret = fw_finish(&one, rt_host_syscall(nr, h), lim);
		if (ret < 0)
			return done ? (long)done : ret;
		if (!out)
			vcopy(iov, a[2], done, b, (size_t)ret, 0);
		done += (size_t)ret;
		if (!positioned || (size_t)ret != k || done == total)
			return (long)done;
	}
}

/* The kernel's struct msghdr, as the host sees it. */
struct host_msghdr {
	uint64_t name;
	uint32_t namelen, pad1;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags, pad2;
};

static long msg_io(const struct syscall_spec *s, long nr, long *a, int out)
{
	if (!fw_user_range(a[1], sizeof(struct msghdr)))
		return -EFAULT;
	/* Read the header once: the host's data may land on it (the name
	 * buffer may overlap it), and must not choose where we write. */
	struct msghdr *um = (struct msghdr *)a[1], mh;
	memcpy(&mh, um, sizeof(mh));
	struct msghdr *m = &mh;
	size_t total;
	long r = iov_total((long)m->msg_iov, m->msg_iovlen, &total, !out);
	if (r < 0)
		return r;
	if (m->msg_namelen > SOCKADDR_MAX || m->msg_controllen > CONTROL_MAX)
		return -EINVAL;
	if ((m->msg_name && !fw_user_range((long)m->msg_name, m->msg_namelen)) ||
	    (m->msg_control && !fw_user_range((long)m->msg_control, m->msg_controllen)))
		return -EFAULT;
	size_t iov_bytes = (size_t)m->msg_iovlen * sizeof(struct iovec);
	if (!out && (overlap(m->msg_name, m->msg_namelen, m->msg_iov, iov_bytes) ||
		     overlap(m->msg_control, m->msg_controllen, m->msg_iov, iov_bytes)))
		return -EINVAL;
	struct host_msghdr *hm = rt_bounce_alloc(sizeof(*hm));
	struct iovec *hiov = rt_bounce_alloc(sizeof(*hiov));
	void *name = m->msg_name ? rt_bounce_alloc(SOCKADDR_MAX) : 0;
	void *ctl = m->msg_control ? rt_bounce_alloc(m->msg_controllen) : 0;
	if (!hm || !hiov || (m->msg_name && !name) || (m->msg_control && !ctl))
		return -ENOMEM;
	size_t n = total < rt_bounce_avail() ? total : rt_bounce_avail();
	void *data = rt_bounce_alloc(n ? n : 1);
	if (!data)
		return -ENOMEM;
	memset(hm, 0, sizeof(*hm));
	hiov->iov_base = data;
	hiov->iov_len = n;
	hm->iov = (uint64_t)hiov;
	hm->iovlen = 1;
	hm->name = (uint64_t)name;
	hm->namelen = out ? m->msg_namelen : (name ? SOCKADDR_MAX : 0);
	hm->control = (uint64_t)ctl;
	hm->controllen = m->msg_controllen;
	if (out) {
		if (name)
			memcpy(name, m->msg_name, m->msg_namelen);
		if (ctl)
			memcpy(ctl, m->msg_control, m->msg_controllen);
		gather(data, m->msg_iov, m->msg_iovlen, n);
	}
	long h[6] = { a[0], (long)hm, a[2] };
	long lim[6] = { 0, 0, (long)n };
	struct syscall_spec one = *s;
	one.ret_arg = 2;
	long ret = fw_finish(&one, rt_host_syscall(nr, h), lim);
	/* The host may write lengths and flags back, never the pointers: a
	 * changed pointer is an attempt to make us read or write elsewhere. */
	uint64_t pn = RT_READ_ONCE(hm->name), pi = RT_READ_ONCE(hm->iov), pc = RT_READ_ONCE(hm->control);
	if (pn != (uint64_t)name || pi != (uint64_t)hiov || pc != (uint64_t)ctl)
		rt_security_fail(s->name, rt_overlaps_enclave(pn, 1) || rt_overlaps_enclave(pi, 1) ||
						  rt_overlaps_enclave(pc, 1)
					  ? "the host pointed the message header into the enclave"
					  : "the host changed a pointer in the message header");
	if (ret < 0 || out)
		return ret;
	uint32_t namelen = RT_READ_ONCE(hm->namelen);
	uint64_t controllen = RT_READ_ONCE(hm->controllen);
	int32_t flags = RT_READ_ONCE(hm->flags);
	if ((name && namelen > SOCKADDR_MAX) || controllen > m->msg_controllen)
		rt_security_fail(s->name, "returned lengths exceed the buffers");
	if (name) {
		memcpy(m->msg_name, name, namelen < m->msg_namelen ? namelen : m->msg_namelen);
		um->msg_namelen = namelen;
	}
	if (ctl)
		memcpy(m->msg_control, ctl, controllen);
	um->msg_controllen = (socklen_t)controllen;
	um->msg_flags = flags;
	scatter(m->msg_iov, m->msg_iovlen, data, (size_t)ret);
	return ret;
}

static long popcount_set(const uint64_t *set, size_t words)
{
	long n = 0;
	for (size_t i = 0; set && i < words; i++)
		n += __builtin_popcountll(set[i]);
	return n;
}

/* select and pselect6: in-out fd sets sized by nfds. */
static long select_io(const struct syscall_spec *s, long nr, long *a)
{
	if (a[0] < 0 || a[0] > 1024)
		return -EINVAL;
	size_t words = ((size_t)a[0] + 63) / 64, bytes = words * 8;
	uint64_t *hs[3] = { 0 }, *in[3] = { 0 };
	uint64_t want[3][16]; /* the sets as asked: they may be one and the same */
	long h[6] = { a[0] };
	long asked = 0;
	for (int k = 0; k < 3; k++) {
		if (!a[1 + k])
			continue;
		if (!fw_user_range(a[1 + k], bytes))
			return -EFAULT;
		in[k] = (uint64_t *)a[1 + k];
		memcpy(want[k], in[k], bytes);
		if (fw_copy_in(in[k], bytes, (void **)&hs[k]) < 0)
			return -ENOMEM;
		asked += popcount_set(in[k], words);
		h[1 + k] = (long)hs[k];
	}
	size_t tsz = nr == SYS_select ? 16 : 16;
	void *ht = 0;
	if (a[4]) {
		if (!fw_user_range(a[4], tsz) || fw_copy_in((void *)a[4], tsz, &ht) < 0)
			return -EFAULT;
	}
	h[4] = (long)ht;
	if (nr == SYS_pselect6 && a[5]) {
		if (!fw_user_range(a[5], 16))
			return -EFAULT;
		const uint64_t *sd = (const uint64_t *)a[5];
		uint64_t *hsd = rt_bounce_alloc(16 + 8);
		if (!hsd)
			return -ENOMEM;
		hsd[0] = 0;
		hsd[1] = sd[1];
		if (sd[0]) {
			if (!fw_user_range((long)sd[0], 8))
				return -EFAULT;
			hsd[2] = *(const uint64_t *)sd[0];
			hsd[0] = (uint64_t)&hsd[2];
		}
		h[5] = (long)hsd;
	}
	long ret = fw_finish(s, rt_host_syscall(nr, h), a);
	if (ret < 0)
		return ret;
	long got = 0;
	for (int k = 0; k < 3; k++) {
		if (!in[k])
			continue;
		for (size_t w = 0; w < words; w++) {
			uint64_t v = RT_READ_ONCE(hs[k][w]);
			if (v & ~want[k][w])
				rt_security_fail(s->name, "descriptor reported that was not asked about");
			in[k][w] = v;
			got += __builtin_popcountll(v);
		}
	}
	if (ret > asked || got != ret)
		rt_security_fail(s->name, "result does not match the returned sets");
	if (ht)
		memcpy((void *)a[4], ht, tsz);
	return ret;
}

static long getsockopt_io(const struct syscall_spec *s, long *a)
{
	if (!fw_user_range(a[4], 4))
		return -EFAULT;
	unsigned have = *(unsigned *)a[4];
	if (have > 1024)
		have = 1024;
	if (have && !fw_user_range(a[3], have))
		return -EFAULT;
	unsigned *hl = rt_bounce_alloc(4 + have);
	if (!hl)
		return -ENOMEM;
	*hl = have;
	if (have)
		memcpy(hl + 1, (void *)a[3], have);
	long h[6] = { a[0], a[1], a[2], (long)(hl + 1), (long)hl };
	long ret = fw_finish(s, rt_host_syscall(SYS_getsockopt, h), a);
	if (ret < 0)
		return ret;
	unsigned got = RT_READ_ONCE(*hl);
	if (got > have)
		rt_security_fail(s->name, "option length larger than the buffer");
	memcpy((void *)a[3], hl + 1, got);
	*(unsigned *)a[4] = got;
	return 0;
}

/* A command with an argument struct of `size` bytes moving in `dir`. */
struct cmd {
	unsigned long cmd;
	uint8_t dir;   /* 0 value, 1 in, 2 out, 3 in-out, 4 none (pass 0: the
	                * caller's third argument is whatever was in a register) */
	uint8_t ret;   /* R_* rule */
	uint16_t size;
};

static const struct cmd ioctls[] = {
	{ 0x5401, 2, R_ZERO, 36 }, /* TCGETS (kernel struct termios) */
	{ 0x5402, 1, R_ZERO, 36 }, { 0x5403, 1, R_ZERO, 36 }, { 0x5404, 1, R_ZERO, 36 },
	{ 0x5409, 0, R_ZERO, 0 },  /* TCSBRK */
	{ 0x540A, 0, R_ZERO, 0 },  /* TCXONC */
	{ 0x540B, 0, R_ZERO, 0 },  /* TCFLSH */
	{ 0x540E, 0, R_ZERO, 0 },  /* TIOCSCTTY */
	{ 0x540F, 2, R_ZERO, 4 },  /* TIOCGPGRP */
	{ 0x5410, 1, R_ZERO, 4 },  /* TIOCSPGRP */
	{ 0x5413, 2, R_ZERO, 8 },  /* TIOCGWINSZ */
	{ 0x5414, 1, R_ZERO, 8 },  /* TIOCSWINSZ */
	{ 0x541B, 2, R_ZERO, 4 },  /* FIONREAD */
	{ 0x5421, 1, R_ZERO, 4 },  /* FIONBIO */
	{ 0x5422, 4, R_ZERO, 0 },  /* TIOCNOTTY */
	{ 0x5450, 4, R_ZERO, 0 },  /* FIONCLEX */
	{ 0x5451, 4, R_ZERO, 0 },  /* FIOCLEX */
	{ 0x5452, 1, R_ZERO, 4 },  /* FIOASYNC */
};

static const struct cmd fcntls[] = {
	{ 0, 0, R_FD, 0 }, { 1030, 0, R_FD, 0 },         /* F_DUPFD, F_DUPFD_CLOEXEC */
	{ 1, 4, R_NONNEG, 0 }, { 2, 0, R_ZERO, 0 },      /* F_GETFD, F_SETFD */
	{ 3, 4, R_NONNEG, 0 }, { 4, 0, R_ZERO, 0 },      /* F_GETFL, F_SETFL */
	{ 5, 3, R_ZERO, 32 }, { 6, 1, R_ZERO, 32 }, { 7, 1, R_ZERO, 32 }, /* locks */
	{ 36, 3, R_ZERO, 32 }, { 37, 1, R_ZERO, 32 }, { 38, 1, R_ZERO, 32 },
	{ 8, 0, R_ZERO, 0 }, { 9, 4, R_ANY, 0 },         /* F_SETOWN, F_GETOWN */
	{ 15, 1, R_ZERO, 8 }, { 16, 2, R_ZERO, 8 },      /* F_SETOWN_EX, F_GETOWN_EX */
	{ 1031, 0, R_NONNEG, 0 }, { 1032, 4, R_NONNEG, 0 }, /* pipe size */
	{ 1033, 0, R_ZERO, 0 }, { 1034, 4, R_NONNEG, 0 },  /* seals */
};

static long command_io(const struct syscall_spec *s, long nr, long *a,
		       const struct cmd *tab, size_t n, int unknown)
{
	static uint64_t warned;
	const struct cmd *c = 0;
	for (size_t i = 0; i < n; i++)
		if (tab[i].cmd == (unsigned long)a[1])
			c = &tab[i];
	if (!c) {
		if (!(warned & (1ull << (nr & 63)))) {
			warned |= 1ull << (nr & 63);
			rt_log("%s: command 0x%lx is not supported inside the enclave", s->name, a[1]);
		}
		return -unknown;
	}
	long h[6] = { a[0], a[1], c->dir == 4 ? 0 : a[2] };
	void *b = 0;
	if (c->dir == 1 || c->dir == 2 || c->dir == 3) {
		if (!fw_user_range(a[2], c->size))
			return -EFAULT;
		if (c->dir & 1) {
			if (fw_copy_in((void *)a[2], c->size, &b) < 0)
				return -ENOMEM;
			/* struct flock has padding after l_whence and l_pid:
			 * whatever the enclave's stack held there must not
			 * reach the host. */
			if (tab == fcntls && c->size == 32) {
				memset((char *)b + 4, 0, 4);
				memset((char *)b + 28, 0, 4);
			}
		} else if (!(b = rt_bounce_alloc(c->size))) {
			return -ENOMEM;
		}
		h[2] = (long)b;
	}
	struct syscall_spec one = *s;
	one.ret = c->ret;
	long ret = fw_finish(&one, rt_host_syscall(nr, h), a);
	if (ret >= 0 && (c->dir & 2))
		memcpy((void *)a[2], b, c->size);
	return ret;
}

/* epoll_ctl: the host is given the descriptor number as the event's data,
 * never the application's (often a pointer); see epoll_map.c. */
static long epoll_ctl_io(const struct syscall_spec *s, long nr, long *a)
{
	struct epoll_event ev = { 0 };
	long h[6] = { a[0], a[1], a[2], 0 };
	if (a[1] != EPOLL_CTL_DEL) {
		if (!fw_user_range(a[3], sizeof(ev)))
			return -EFAULT;
		memcpy(&ev, (const void *)a[3], sizeof(ev));
		void *b;
		struct epoll_event host = { .events = ev.events, .data.u64 = (uint64_t)a[2] };
		if (fw_copy_in(&host, sizeof(host), &b) < 0)
			return -ENOMEM;
		h[3] = (long)b;
	}
	struct epoll_undo undo;
	long r = rt_epoll_ctl_begin((int)a[0], (int)a[1], (int)a[2], ev.data.u64, &undo);
	if (r < 0)
		return r;
	r = fw_finish(s, rt_host_syscall(nr, h), a);
	rt_epoll_ctl_end(&undo, r);
	return r;
}

long fw_special(const struct syscall_spec *s, long nr, long *a)
{
	switch (s->special) {
	case S_READV: return vector_io(s, a, 0, 0);
	case S_WRITEV: return vector_io(s, a, 1, 0);
	case S_PREADV: return vector_io(s, a, 0, 1);
	case S_PWRITEV: return vector_io(s, a, 1, 1);
	case S_SENDMSG: return msg_io(s, nr, a, 1);
	case S_RECVMSG: return msg_io(s, nr, a, 0);
	case S_SELECT:
	case S_PSELECT6: return select_io(s, nr, a);
	case S_GETSOCKOPT: return getsockopt_io(s, a);
	case S_EPOLL_CTL: return epoll_ctl_io(s, nr, a);
	case S_IOCTL: return command_io(s, nr, a, ioctls, sizeof(ioctls) / sizeof(ioctls[0]), ENOTTY);
	case S_FCNTL: return command_io(s, nr, a, fcntls, sizeof(fcntls) / sizeof(fcntls[0]), EINVAL);
	}
	return -ENOSYS;
}
