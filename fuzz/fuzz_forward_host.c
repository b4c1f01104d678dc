/*
 * fuzz_forward: the mock host, which lies.  Its answer to a forwarded call
 * is a fuzzer result (raw, an errno, around the count it was told) and
 * fuzzer patches to the bounce buffer (bytes, pointers into the enclave or
 * the bounce buffer, small values); in "helpful" mode it then fixes the
 * answer up so that it passes the runtime's validators and the copy-out
 * code runs too.
 */
#include <errno.h>
#include "fuzz_forward.h"
#include "fuzz_input.h"

static void apply_patch(void)
{
	if (!mock_bounce_size)
		return;
	uint8_t k = u8();
	size_t off = u16() % mock_bounce_size;
	size_t room = mock_bounce_size - off;
	uint8_t *d = mock_bounce + off;
	uint64_t v;
	switch (k & 7) {
	case 0:
	case 1: {
		size_t n = u8() % 65;
		take(d, n < room ? n : room);
		return;
	}
	case 2: v = rt.base + u32() % rt.size; break;                        /* into the enclave */
	case 3: v = (uintptr_t)mock_bounce + u16() % mock_bounce_size; break; /* within the bounce */
	case 4: {
		uint32_t w = u16();
		d = mock_bounce + (off & ~(size_t)3);
		memcpy(d, &w, mock_bounce_size - (off & ~(size_t)3) < 4 ? 0 : 4);
		return;
	}
	case 5: {
		size_t n = ((size_t)u8() + 1) * 16;
		memset(d, u8(), n < room ? n : room);
		return;
	}
	default: v = u64(); break;
	}
	off &= ~(size_t)7;
	if (mock_bounce_size - off >= 8)
		memcpy(mock_bounce + off, &v, 8);
}

/* Make the host's answer pass the validators (so that copy-out runs). */
static long helpful(long nr, const long *h, long r, long hint)
{
	(void)nr;
	if (r < -4095)
		r = -(long)(u8() % 133) - 1;
	if (C.special == S_SENDMSG || C.special == S_RECVMSG) {
		/* checked whatever the result */
		uint64_t *hm = hb(h[1]);
		hm[0] = C.host_ptrs[0];
		hm[2] = C.host_ptrs[1];
		hm[4] = C.host_ptrs[2];
	}
	if (r < 0)
		return r;
	if (!C.special) {
		const struct syscall_spec *s = C.s;
		switch (s->ret) {
		case R_ZERO: r = 0; break;
		case R_FD: r %= MAX_FD; break;
		case R_LEN:
			if (count_only())
				r = u8(); /* the number of groups */
			else if (hint >= 0 && r > hint)
				r = hint;
			break;
		}
		for (int i = 0; i < s->nargs; i++)
			if (s->a[i].kind == K_SA_OUT && h[s->a[i].len]) {
				uint32_t *l = hb(h[s->a[i].len]);
				if (*l > SOCKADDR_MAX)
					*l %= SOCKADDR_MAX + 1;
			}
		switch (s->check) {
		case C_POLL: {
			const uint16_t *p = hb(h[0]);
			r = 0;
			for (long i = 0; i < h[1]; i++)
				r += p[4 * i + 3] != 0;
			break;
		}
		case C_PIPEFDS: {
			int32_t *fds = hb(h[s->nargs == 4 ? 3 : 0]);
			if (!fds)
				return -EFAULT; /* the kernel's answer for NULL */
			fds[0] = 3 + u8() % 100;
			fds[1] = fds[0] + 1 + u8() % 3;
			break;
		}
		case C_STAT: {
			int64_t *st = hb(h[s->nargs == 4 ? 2 : 1]);
			if (!st)
				return -EFAULT;
			st[6] &= INT64_MAX;
			st[8] &= INT64_MAX;
			break;
		}
		case C_CLOCK: {
			static int64_t t;
			int64_t *ts = hb(h[1]);
			if (!ts)
				return -EFAULT;
			ts[0] = ++t;
			ts[1] = (int64_t)((uint64_t)ts[1] % 1000000000);
			break;
		}
		case C_CLOSE:
			if (nr != SYS_close)
				r = C.a[1] >= 0 && C.a[1] < MAX_FD ? C.a[1] : -EBADF;
			break;
		case C_EPOLL: {
			/* Name descriptors registered (live or gone) on the epfd;
			 * now and then a small one that may not be (a lie, which
			 * must then be refused: check_epoll). */
			int cand[MAX_CALLS], nc = ep_registered((int)C.a[0], cand);
			uint8_t *ev = hb(h[1]);
			for (long i = 0; i < r; i++) {
				uint8_t c = u8();
				uint64_t fd = nc && !(c & 0x80) ? (uint64_t)cand[c % nc] : c & 15, data;
				memcpy(ev + EV_SIZE * i + 4, &fd, 8);
				if (ep_state((int)C.a[0], fd, &data) == EP_NEVER)
					C.lied = 1;
			}
			break;
		}
		case C_DIRENTS: {
			uint8_t *b = hb(h[1]);
			long off = 0;
			while (r - off >= 24) {
				uint16_t rl = (uint16_t)(24 + 8 * (u8() % 8));
				if (rl > r - off)
					rl = 24;
				memcpy(b + off + 16, &rl, 2);
				b[off + rl - 1] = 0;
				off += rl;
			}
			r = off;
			break;
		}
		}
		return r;
	}
	switch (C.special) {
	case S_READV: case S_WRITEV: case S_PREADV: case S_PWRITEV:
		return r > hint ? hint : r;
	case S_SENDMSG:
	case S_RECVMSG: {
		uint64_t *hm = hb(h[1]);
		if ((uint32_t)hm[1] > SOCKADDR_MAX)
			hm[1] = (hm[1] & ~0xffffffffull) | ((uint32_t)hm[1] % (SOCKADDR_MAX + 1));
		if (hm[5] > C.controllen)
			hm[5] = C.controllen;
		return r > hint ? hint : r;
	}
	case S_SELECT:
	case S_PSELECT6: {
		size_t words = ((size_t)C.nfds + 63) / 64;
		r = 0;
		for (int k = 0; k < 3; k++) {
			if (!h[1 + k])
				continue;
			uint64_t *hs = hb(h[1 + k]);
			for (size_t w = 0; w < words; w++) {
				hs[w] &= C.host_set_snap[k][w];
				r += __builtin_popcountll(hs[w]);
			}
		}
		return r;
	}
	case S_GETSOCKOPT: {
		uint32_t have = C.have > 1024 ? 1024 : C.have;
		uint32_t *hl = hb(h[4]);
		if (*hl > have)
			*hl = have;
		return 0;
	}
	case S_EPOLL_CTL:
		return 0;
	case S_IOCTL:
	case S_FCNTL:
		if (C.cmd->ret == R_ZERO)
			r = 0;
		if (C.cmd->ret == R_FD)
			r %= MAX_FD;
		return r;
	}
	return r;
}

/* The host: called (by the mock's rt_host_syscall) with what the runtime
 * marshalled, which the oracle checks first; answers with a fuzzer result
 * and fuzzer patches to the bounce buffer, helpful or not. */
long hostile_host(long nr, const long h[6])
{
	int part = C.host_calls++;
	long hint = check_host_call(part, nr, h);

	uint8_t mode = u8();
	long r;
	switch ((mode >> 1) & 7) {
	case 0: r = (long)u64(); break;
	case 1: r = -(long)(u16() % 4200); break;
	case 2: r = hint - (long)(u8() % 4); break;
	case 3: r = hint + 1 + (u8() & 3); break;
	case 4: r = 0; break;
	case 5: r = u8(); break;
	case 6: r = (u8() & 1) ? -4095 - (long)(u8() & 1) : MAX_FD - 1 + (u8() & 1); break;
	default: r = hint; break;
	}
	for (int n = u8() % 6; n > 0; n--)
		apply_patch();
	/* helpful: every part so far was */
	C.helpful = (!part || C.helpful) && (mode & 1);
	if (mode & 1)
		r = helpful(nr, h, r, hint);
	C.host_ret = r;
	if (positioned_call())
		part_answered(part, nr, h, r);
	/* The host may scribble past the allocations: what the next part's
	 * check compares with is the stale fill. */
	memset(mock_bounce + mock_bounce_used, stale, mock_bounce_size - mock_bounce_used);
	C.p_dirty = mock_bounce_used;
	return r;
}
