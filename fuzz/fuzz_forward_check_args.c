/*
 * fuzz_forward's oracle, part one: what the host is given.  When the mock
 * host is called: it is called once, holding the slot (a positioned
 * transfer in parts: fuzz_forward_parts.c); no argument points into the
 * enclave; every buffer lies inside the bounce allocations and is as large
 * as the length the host is told; input data arrives unchanged (a struct
 * flock's padding zeroed); no marker word (enclave memory, uninitialised
 * runtime stack) reached the bounce buffer; nothing was written past the
 * allocations.
 */
#include <sys/epoll.h>
#include "fuzz_forward.h"

static long popcount_words(const uint64_t *w, size_t n)
{
	long c = 0;
	for (size_t i = 0; i < n; i++)
		c += __builtin_popcountll(w[i]);
	return c;
}

/* The bytes an iovec array gathers, in order, compared with buf. */
int iov_equal_at(uint64_t skip, const uint8_t *buf, size_t n)
{
	size_t off = 0;
	for (int k = 0; k < C.niov && off < n; k++) {
		uint64_t len = C.iov[k].len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		size_t l = len - skip < n - off ? len - skip : n - off;
		if (mcmp((void *)(C.iov[k].base + skip), buf + off, l))
			return 0;
		off += l;
		skip = 0;
	}
	return off == n;
}

int iov_equal(const uint8_t *buf, size_t n)
{
	return iov_equal_at(0, buf, n);
}

static int value_arg(int k)
{
	if (!C.special)
		return k < C.s->nargs && C.s->a[k].kind == K_VAL;
	switch (C.special) {
	case S_READV: case S_WRITEV: case S_PREADV: case S_PWRITEV:
		return k == 0 || k == 3;
	case S_SENDMSG: case S_RECVMSG: return k == 0 || k == 2;
	case S_SELECT: case S_PSELECT6: return k == 0;
	case S_GETSOCKOPT: return k <= 2;
	case S_EPOLL_CTL: return k <= 2;
	case S_IOCTL: case S_FCNTL: return k <= 1 || (k == 2 && (!C.cmd || C.cmd->dir == 0));
	}
	return 0;
}

/* Checks what the host was given; returns the natural result (the count
 * it was told) for choosing a result near it. */
static long check_host_table(long nr, const long *h)
{
	const struct syscall_spec *s = C.s;
	const long *a = C.a;
	if (nr != C.nr)
		BUG("host asked to run %ld for %ld", nr, C.nr);
	for (int k = s->nargs; k < 6; k++)
		if (h[k])
			BUG("argument %d beyond the call's %d is %#lx", k, s->nargs, h[k]);
	for (int i = 0; i < s->nargs; i++) {
		const struct arg_spec *as = &s->a[i];
		size_t n;
		switch (as->kind) {
		case K_VAL: {
			int clamped = 0;
			for (int j = 0; j < s->nargs; j++)
				if (s->a[j].len == i && s->ret == R_LEN && s->ret_arg == i &&
				    (s->a[j].kind == K_IN || s->a[j].kind == K_OUT || s->a[j].kind == K_OUTNA))
					clamped = 1;
			if (clamped ? (h[i] < 0 || h[i] > a[i]) : h[i] != a[i])
				BUG("value argument %d: %#lx became %#lx", i, a[i], h[i]);
			break;
		}
		case K_STR:
		case K_STR0:
			if (!a[i]) {
				if (h[i])
					BUG("NULL string %d became %#lx", i, h[i]);
				break;
			}
			n = strlen((const char *)a[i]) + 1;
			if (!in_bounce(h[i], n) || mcmp(hb(h[i]), (void *)a[i], n))
				BUG("string argument %d not passed as it is", i);
			break;
		case K_IN:
		case K_OUT:
		case K_OUTNA:
		case K_IONA: {
			size_t elem = (as->kind == K_OUTNA || as->kind == K_IONA) ? as->size : 1;
			n = (size_t)h[as->len] * elem;
			if (!a[i] && !n) {
				if (h[i])
					BUG("NULL buffer %d became %#lx", i, h[i]);
				break;
			}
			if (!in_bounce(h[i], n))
				BUG("buffer %d (%zu bytes) not inside the bounce allocations", i, n);
			if (as->kind != K_OUT && as->kind != K_OUTNA && mcmp(hb(h[i]), (void *)a[i], n))
				BUG("input buffer %d changed on its way out", i);
			break;
		}
		case K_INF:
		case K_OUTF:
		case K_IOF:
			if (!a[i]) {
				if (h[i])
					BUG("NULL struct %d became %#lx", i, h[i]);
				break;
			}
			if (!in_bounce(h[i], as->size))
				BUG("struct %d not inside the bounce allocations", i);
			if (as->kind != K_OUTF && mcmp(hb(h[i]), (void *)a[i], as->size))
				BUG("input struct %d changed on its way out", i);
			break;
		case K_SA_IN:
			if (!a[i]) {
				if (h[i])
					BUG("NULL address %d became %#lx", i, h[i]);
				break;
			}
			n = (size_t)a[as->len];
			if (!in_bounce(h[i], n) || mcmp(hb(h[i]), (void *)a[i], n))
				BUG("socket address %d not passed as it is", i);
			break;
		case K_SA_OUT:
			if (!a[i]) {
				if (h[i] || h[as->len])
					BUG("NULL address %d: host got %#lx/%#lx", i, h[i], h[as->len]);
				break;
			}
			if (!in_bounce(h[as->len], 4) || *(uint32_t *)hb(h[as->len]) != SOCKADDR_MAX ||
			    h[i] != h[as->len] + 4 || !in_bounce(h[i], SOCKADDR_MAX))
				BUG("socket address %d: length/buffer not set up", i);
			break;
		}
	}
	return s->ret == R_LEN ? h[s->ret_arg] : 0;
}

static long check_host_special(long nr, const long *h)
{
	const long *a = C.a;
	switch (C.special) {
	case S_READV:
	case S_WRITEV:
	case S_PREADV:
	case S_PWRITEV: {
		int out = C.special == S_WRITEV || C.special == S_PWRITEV;
		int pos = C.special == S_PREADV || C.special == S_PWRITEV;
		long want = pos ? (out ? SYS_pwrite64 : SYS_pread64) : (out ? SYS_write : SYS_read);
		if (nr != want)
			BUG("vector call became %ld", nr);
		if (!C.iov_ok)
			BUG("invalid iovec array accepted");
		if (h[0] != a[0] || h[3] != (pos ? a[3] : 0) || h[4] || h[5])
			BUG("vector call: value arguments changed");
		if (h[2] < 0 || (uint64_t)h[2] > C.iov_total || !in_bounce(h[1], (size_t)h[2]))
			BUG("vector call: buffer of %ld bytes for %lu", h[2], (unsigned long)C.iov_total);
		if (out && !iov_equal(hb(h[1]), (size_t)h[2]))
			BUG("writev: gathered data differs");
		return h[2];
	}
	case S_SENDMSG:
	case S_RECVMSG: {
		int out = C.special == S_SENDMSG;
		if (nr != C.nr || h[0] != a[0] || h[2] != a[2] || h[3] || h[4] || h[5])
			BUG("message call: values changed");
		if (!C.msg_ok)
			BUG("invalid message header accepted");
		if (!in_bounce(h[1], 56))
			BUG("host message header not in the bounce buffer");
		const uint64_t *hm = hb(h[1]);
		uint32_t hnamelen = (uint32_t)hm[1];
		uint64_t hiovp = hm[2], hiovlen = hm[3], hctl = hm[4], hctllen = hm[5];
		if (hiovlen != 1 || !in_bounce(hiovp, 16))
			BUG("host iovec not set up");
		const uint64_t *hiov = hb(hiovp);
		if (hiov[1] > C.iov_total || !in_bounce(hiov[0], hiov[1] ? hiov[1] : 1))
			BUG("host data buffer wrong");
		if (C.name ? !in_bounce(hm[0], out ? C.namelen : SOCKADDR_MAX) : hm[0] != 0)
			BUG("host name buffer wrong");
		if (hnamelen != (out ? C.namelen : (C.name ? SOCKADDR_MAX : 0)))
			BUG("host namelen %u", hnamelen);
		if (hctllen != C.controllen || (C.control ? !in_bounce(hctl, C.controllen) : hctl != 0))
			BUG("host control buffer wrong");
		if (out) {
			if (C.name && mcmp(hb(hm[0]), (void *)C.name, C.namelen))
				BUG("sendmsg: name differs");
			if (C.control && mcmp(hb(hctl), (void *)C.control, C.controllen))
				BUG("sendmsg: control differs");
			if (!iov_equal(hb(hiov[0]), hiov[1]))
				BUG("sendmsg: gathered data differs");
		}
		C.host_ptrs[0] = hm[0];
		C.host_ptrs[1] = hiovp;
		C.host_ptrs[2] = hctl;
		C.host_data = hiov[0];
		return (long)hiov[1];
	}
	case S_SELECT:
	case S_PSELECT6: {
		if (nr != C.nr || h[0] != a[0])
			BUG("select: values changed");
		if (!C.sel_ok)
			BUG("select: invalid arguments accepted");
		size_t words = ((size_t)C.nfds + 63) / 64;
		long asked = 0;
		for (int k = 0; k < 3; k++) {
			memset(C.host_set_snap[k], 0, sizeof(C.host_set_snap[k]));
			if (!C.set[k]) {
				if (h[1 + k])
					BUG("select: NULL set became %#lx", h[1 + k]);
				continue;
			}
			if (!in_bounce(h[1 + k], words * 8) || mcmp(hb(h[1 + k]), C.in_snap[k], words * 8))
				BUG("select: set %d not passed as it is", k);
			memcpy(C.host_set_snap[k], hb(h[1 + k]), words * 8);
			asked += popcount_words(C.in_snap[k], words);
		}
		if (C.tmo ? !in_bounce(h[4], 16) || mcmp(hb(h[4]), (void *)C.tmo, 16) : h[4] != 0)
			BUG("select: timeout not passed as it is");
		if (C.nr == SYS_select) {
			if (h[5])
				BUG("select: sixth argument %#lx", h[5]);
		} else if (C.sd) {
			const uint64_t *sd = (const uint64_t *)C.sd;
			const uint64_t *hsd = hb(h[5]);
			if (!in_bounce(h[5], 24) || hsd[1] != sd[1] ||
			    (sd[0] ? hsd[0] != (uint64_t)&hsd[2] || hsd[2] != get_app64(sd[0]) : hsd[0] != 0))
				BUG("pselect6: signal mask not passed as it is");
		} else if (h[5]) {
			BUG("pselect6: NULL mask became %#lx", h[5]);
		}
		return asked;
	}
	case S_GETSOCKOPT: {
		uint32_t have = C.have > 1024 ? 1024 : C.have;
		if (nr != C.nr || h[0] != a[0] || h[1] != a[1] || h[2] != a[2] || h[5])
			BUG("getsockopt: values changed");
		if (!in_bounce(h[4], 4 + have) || *(uint32_t *)hb(h[4]) != have || h[3] != h[4] + 4 ||
		    mcmp(hb(h[3]), (void *)C.optval, have))
			BUG("getsockopt: option buffer not passed as it is");
		return 0;
	}
	case S_EPOLL_CTL: {
		if (nr != C.nr || h[0] != a[0] || h[1] != a[1] || h[2] != a[2] || h[4] || h[5])
			BUG("epoll_ctl: values changed");
		if (a[1] == EPOLL_CTL_DEL) {
			if (h[3])
				BUG("epoll_ctl: an event (%#lx) passed with EPOLL_CTL_DEL", h[3]);
			return 0;
		}
		if (!inside((uintptr_t)a[3], EV_SIZE))
			BUG("epoll_ctl: invalid event pointer %#lx accepted", a[3]);
		if (!in_bounce(h[3], EV_SIZE) || mcmp(hb(h[3]), (void *)a[3], 4))
			BUG("epoll_ctl: event mask not passed as it is");
		uint64_t d;
		memcpy(&d, (uint8_t *)hb(h[3]) + 4, 8);
		if (d != (uint64_t)a[2])
			BUG("epoll_ctl: the host was given data %#lx, not the descriptor %#lx", (unsigned long)d,
			    a[2]);
		return 0;
	}
	case S_IOCTL:
	case S_FCNTL:
		if (!C.cmd)
			BUG("unknown command %#lx forwarded", a[1]);
		if (nr != C.nr || h[0] != a[0] || h[1] != a[1] || h[3] || h[4] || h[5])
			BUG("command: values changed");
		if (C.cmd->dir == 0 || C.cmd->dir == 4) {
			if (h[2] != (C.cmd->dir ? 0 : a[2]))
				BUG("command: value argument %#lx became %#lx", a[2], h[2]);
		} else if (!in_bounce(h[2], C.cmd->size)) {
			BUG("command: argument struct not in the bounce allocations");
		} else if ((C.cmd->dir & 1) && C.nr == SYS_fcntl && C.cmd->size == 32) {
			/* struct flock: its padding (after l_whence, after l_pid)
			 * is the enclave stack's, so it goes out zeroed */
			const uint8_t *hf = hb(h[2]), *af = (const uint8_t *)a[2];
			if (mcmp(hf, af, 4) || mcmp(hf + 8, af + 8, 20))
				BUG("fcntl: struct flock not passed as it is");
			if (!mock_all_bytes(hf + 4, 4, 0) || !mock_all_bytes(hf + 28, 4, 0))
				BUG("fcntl: struct flock padding reached the host");
		} else if ((C.cmd->dir & 1) && mcmp(hb(h[2]), (void *)a[2], C.cmd->size)) {
			BUG("command: argument struct not passed as it is");
		}
		return 0;
	}
	return 0;
}

/* Records what the host was given (for the later checks and dump_case)
 * and checks it: call `part` of the current case.  Returns the natural
 * result (the count the host was told), for choosing a result near it. */
long check_host_call(int part, long nr, const long h[6])
{
	if (part && !positioned_call())
		BUG("the host was called twice for one call");
	if (!mock_slot_held)
		BUG("host call without a slot");
	C.host_nr = nr;
	memcpy(C.h, h, sizeof(C.h));
	if (mock_bounce_used > mock_bounce_size)
		BUG("bounce allocations beyond the buffer");
	int kind;
	long at = find_magic(mock_bounce, mock_bounce_used, &kind);
	if (at >= 0)
		BUG("%s memory reached the host at bounce offset %ld",
		    kind == 1 ? "enclave" : "uninitialised runtime stack", at);
	/* (a further part of pread64/pwrite64 allocates anew: the last part's
	 * allocation may have been larger) */
	size_t clean = part && C.p_dirty > mock_bounce_used ? C.p_dirty : mock_bounce_used;
	if (!mock_all_bytes(mock_bounce + clean, mock_bounce_size - clean, stale))
		BUG("the runtime wrote past its bounce allocations");
	/* (a further part's value arguments are checked exactly below) */
	for (int k = 0; k < 6; k++)
		if (overlaps_enclave((uintptr_t)h[k], 1) &&
		    !(value_arg(k) && (part || h[k] == C.a[k] || C.islen[k])))
			BUG("argument %d (%#lx) points into the enclave", k, h[k]);

	return part ? check_host_part(nr, h) : C.special ? check_host_special(nr, h) : check_host_table(nr, h);
}
