/*
 * fuzz_forward's oracle, part two: what the call did.  Nothing outside the
 * bounce buffer's slot was written; no enclave byte outside the output
 * objects changed (exactly: only revents of pollfds, only the returned
 * prefix of a read buffer, ...); an error leaves the enclave untouched; a
 * success returns the host's value and satisfies the call's rule (a
 * read-like result <= the count asked for, a descriptor < 2^20, ...);
 * output objects hold exactly what the host returned; the extra rules
 * (pipe fds, stat sizes, clock nanoseconds, poll and select counts,
 * directory records) hold on the enclave's copy.
 */
#include <errno.h>
#include "fuzz_forward.h"

static void wr_mark(uintptr_t p, size_t len)
{
	uintptr_t lo, hi;
	if (clip(p, len, &lo, &hi))
		memset(wmap + (lo - rt.base), 1, hi - lo);
}

static void iov_mark(size_t n)
{
	for (int k = 0; k < C.niov && n; k++) {
		size_t l = C.iov[k].len < n ? C.iov[k].len : n;
		wr_mark(C.iov[k].base, l);
		n -= l;
	}
}

static void mark_table(int tight, long r)
{
	const struct syscall_spec *s = C.s;
	for (int i = 0; i < s->nargs; i++) {
		const struct arg_spec *as = &s->a[i];
		const struct argrec *ar = &C.ar[i];
		long n = ar->n < 0 ? 0 : ar->n;
		switch (as->kind) {
		case K_OUT:
			wr_mark(ar->p, tight && s->ret == R_LEN ? (size_t)r : ar->bytes);
			break;
		case K_OUTNA: {
			/* epoll_wait copies the host's events, then drops some */
			long got = s->check == C_EPOLL ? C.host_ret : r;
			wr_mark(ar->p, tight ? (count_only() ? 0 : (size_t)got * as->size) : ar->bytes);
			break;
		}
		case K_OUTF:
		case K_IOF:
			wr_mark(ar->p, as->size);
			break;
		case K_IONA:
			if (s->check == C_POLL) {
				for (long k = 0; k < n && k <= 65536; k++)
					wr_mark(ar->p + 8 * k + 6, 2); /* revents only */
			} else {
				wr_mark(ar->p, ar->bytes);
			}
			break;
		case K_SA_OUT:
			if (ar->p) {
				size_t m = tight && ar->have < SOCKADDR_MAX ? ar->have : SOCKADDR_MAX;
				wr_mark(ar->p, m);
				wr_mark(ar->lenp, 4);
			}
			break;
		}
	}
}

static void mark_special(int tight, long r)
{
	switch (C.special) {
	case S_READV:
	case S_PREADV:
		if (C.iov_ok)
			iov_mark(tight ? (size_t)r : C.iov_total);
		break;
	case S_RECVMSG:
		if (!C.msg_ok)
			break;
		iov_mark(tight ? (size_t)r : C.iov_total);
		if (C.name)
			wr_mark(C.name, C.namelen);
		if (C.control)
			wr_mark(C.control, C.controllen);
		wr_mark(C.m + 8, 4);
		wr_mark(C.m + 40, 4);
		wr_mark(C.m + 48, 4);
		break;
	case S_SELECT:
	case S_PSELECT6:
		if (!C.sel_ok)
			break;
		for (int k = 0; k < 3; k++)
			if (C.set[k])
				wr_mark(C.set[k], ((size_t)C.nfds + 63) / 64 * 8);
		if (C.tmo)
			wr_mark(C.tmo, 16);
		break;
	case S_GETSOCKOPT:
		wr_mark(C.optval, C.have > 1024 ? 1024 : C.have);
		wr_mark(C.optlen, 4);
		break;
	case S_IOCTL:
	case S_FCNTL:
		if (C.cmd && (C.cmd->dir & 2))
			wr_mark((uintptr_t)C.a[2], C.cmd->size);
		break;
	}
}

static void check_enclave_writes(void)
{
	for (size_t o = 0; o < E_SIZE; o += 4096) {
		if (!mcmp(E + o, before + o, 4096))
			continue;
		for (size_t i = o; i < o + 4096; i++)
			if (E[i] != before[i] && !wmap[i])
				BUG("enclave byte at offset %#zx changed (%02x -> %02x) outside the call's outputs",
				    i, before[i], E[i]);
	}
}

static void check_rule(int rule, long r, unsigned long limit)
{
	if (r < -4095)
		BUG("error %ld out of range returned", r);
	if (r < 0)
		return;
	if (rule == R_ZERO && r != 0)
		BUG("%ld returned where only 0 is valid", r);
	if (rule == R_FD && r >= MAX_FD)
		BUG("descriptor %ld returned", r);
	if (rule == R_LEN && (unsigned long)r > limit)
		BUG("%ld returned for a count of %lu", r, limit);
}

static void check_dirents(const uint8_t *b, long len)
{
	long off = 0;
	while (off < len) {
		uint16_t rl;
		if (len - off < 20)
			BUG("accepted a truncated directory record");
		memcpy(&rl, b + off + 16, 2);
		if (rl < 20 || rl > len - off || (rl & 7) || !memchr(b + off + 19, 0, rl - 19))
			BUG("accepted a malformed directory record");
		off += rl;
	}
}

static void check_table_result(long r)
{
	const struct syscall_spec *s = C.s;
	check_rule(s->ret, r, count_only() ? 65536 : s->ret == R_LEN ? (unsigned long)C.a[s->ret_arg] : 0);
	if (s->ret == R_LEN && !count_only() && C.host_calls == 1 &&
	    (unsigned long)r > (unsigned long)C.h[s->ret_arg])
		BUG("%ld returned for a count of %ld given to the host", r, C.h[s->ret_arg]);
	const long *a = C.a, *h = C.h;
	switch (s->check) {
	case C_PIPEFDS: {
		const int32_t *f = (const int32_t *)a[s->nargs == 4 ? 3 : 0];
		if (!f)
			break;
		if (f[0] < 0 || f[1] < 0 || f[0] >= MAX_FD || f[1] >= MAX_FD || f[0] == f[1])
			BUG("accepted descriptors %d %d", f[0], f[1]);
		break;
	}
	case C_STAT: {
		const int64_t *st = (const int64_t *)a[s->nargs == 4 ? 2 : 1];
		if (st && (st[6] < 0 || st[8] < 0))
			BUG("accepted a negative size");
		break;
	}
	case C_CLOCK: {
		const int64_t *ts = (const int64_t *)a[1];
		if (ts && (ts[1] < 0 || ts[1] >= 1000000000))
			BUG("accepted nanoseconds %ld", (long)ts[1]);
		break;
	}
	case C_POLL: {
		long n = 0;
		for (long i = 0; i < a[1]; i++)
			n += ((const uint16_t *)a[0])[4 * i + 3] != 0;
		if (n != r)
			BUG("poll returned %ld with %ld events", r, n);
		break;
	}
	case C_DIRENTS:
		check_dirents((const uint8_t *)a[1], r);
		break;
	case C_CLOSE:
		if (C.nr != SYS_close && r != a[1])
			BUG("returned %ld for the new descriptor %ld", r, a[1]);
		break;
	}
	if (aliased)
		return;
	for (int i = 0; i < s->nargs; i++) {
		const struct arg_spec *as = &s->a[i];
		if (!a[i] || !h[i])
			continue;
		size_t n;
		switch (as->kind) {
		case K_OUT:
			if (C.host_calls > 1) { /* the earlier parts: check_host_part */
				check_last_part();
				continue;
			}
			n = s->ret == R_LEN ? (size_t)r : (size_t)a[as->len];
			break;
		case K_OUTNA:
			if (s->check == C_EPOLL)
				continue; /* translated: check_epoll */
			n = count_only() ? 0 : (size_t)r * as->size;
			break;
		case K_OUTF: case K_IOF: n = as->size; break;
		case K_IONA:
			if (s->check == C_POLL) {
				for (long k = 0; k < a[as->len]; k++)
					if (((const uint16_t *)a[i])[4 * k + 3] != ((const uint16_t *)hb(h[i]))[4 * k + 3])
						BUG("poll: revents %ld differs from the host's", k);
				continue;
			}
			n = (size_t)a[as->len] * as->size;
			break;
		case K_SA_OUT: {
			uint32_t got = *(uint32_t *)hb(h[as->len]);
			uint32_t have = C.ar[i].have;
			if (get_app32(C.ar[i].lenp) != got)
				BUG("socket address length %u, host said %u", get_app32(C.ar[i].lenp), got);
			if (got > SOCKADDR_MAX)
				BUG("socket address length %u accepted", got);
			n = got < have ? got : have;
			break;
		}
		default:
			continue;
		}
		if (mcmp((void *)a[i], hb(h[i]), n))
			BUG("output %d differs from what the host returned", i);
	}
}

static void check_special_result(long r)
{
	switch (C.special) {
	case S_READV:
	case S_WRITEV:
	case S_PREADV:
	case S_PWRITEV:
		check_rule(R_LEN, r, C.iov_total);
		if (C.special == S_PREADV && C.host_calls > 1)
			check_last_part();
		else if ((C.special == S_READV || C.special == S_PREADV) && !aliased && r > 0 &&
			 !iov_equal(hb(C.h[1]), (size_t)r))
			BUG("readv: scattered data differs from the host's");
		break;
	case S_SENDMSG:
	case S_RECVMSG:
		check_rule(R_LEN, r, C.iov_total);
		if (C.special == S_RECVMSG && r >= 0 && !aliased) {
			const uint64_t *hm = hb(C.h[1]);
			uint32_t nl = get_app32(C.m + 8), cl = get_app32(C.m + 40);
			if (C.name && (nl != (uint32_t)hm[1] || nl > SOCKADDR_MAX ||
				       mcmp((void *)C.name, hb(C.host_ptrs[0]), nl < C.namelen ? nl : C.namelen)))
				BUG("recvmsg: name differs from the host's");
			if (cl > C.controllen || (C.control && mcmp((void *)C.control, hb(C.host_ptrs[2]), cl)))
				BUG("recvmsg: control data differs from the host's");
			if (!iov_equal(hb(C.host_data), (size_t)r))
				BUG("recvmsg: scattered data differs from the host's");
		}
		break;
	case S_SELECT:
	case S_PSELECT6: {
		check_rule(R_NONNEG, r, 0);
		if (r < 0)
			break;
		size_t words = ((size_t)C.nfds + 63) / 64;
		long got = 0;
		for (int k = 0; k < 3; k++) {
			if (!C.set[k])
				continue;
			const uint64_t *o = (const uint64_t *)C.set[k];
			for (size_t w = 0; w < words; w++) {
				if (!aliased && (o[w] & ~C.in_snap[k][w]))
					BUG("select: a descriptor not asked about came back");
				got += __builtin_popcountll(o[w]);
			}
		}
		if (!aliased && got != r)
			BUG("select returned %ld with %ld descriptors set", r, got);
		break;
	}
	case S_GETSOCKOPT:
		check_rule(R_ZERO, r, 0);
		if (r == 0 && !aliased) {
			uint32_t have = C.have > 1024 ? 1024 : C.have, l = get_app32(C.optlen);
			if (l > have || mcmp((void *)C.optval, hb(C.h[3]), l))
				BUG("getsockopt: option of %u bytes for a buffer of %u", l, have);
		}
		break;
	case S_EPOLL_CTL:
		check_rule(R_ZERO, r, 0);
		break;
	case S_IOCTL:
	case S_FCNTL:
		if (!C.cmd)
			BUG("unknown command succeeded");
		check_rule(C.cmd->ret, r, 0);
		if (r >= 0 && (C.cmd->dir & 2) && !aliased && mcmp((void *)C.a[2], hb(C.h[2]), C.cmd->size))
			BUG("command: output differs from the host's");
		break;
	}
}

/* The call returned r, or ended as `how` says (a mock_outcome): checks
 * everything, and keeps the epoll model up to date.  Returns whether the
 * input goes on: not after the runtime stopped on a detected attack. */
int judge_call(int how, long r)
{
	if (how == MOCK_FATAL || how == MOCK_EXITED)
		BUG("the runtime stopped: %s", mock_fail_msg);
	if (!mock_canaries_ok())
		BUG("the runtime wrote outside its slot's bounce buffer");
	/* What may have changed: nothing without a successful host call
	 * (an EFAULT after one: a copy-out refused half-way, when the
	 * application's buffers overlap); exactly the outputs on success. */
	int wrote = C.host_calls &&
		    (how == MOCK_SECURITY || r >= 0 || (r == -EFAULT && C.host_ret >= 0));
	int tight = how == MOCK_RETURNED && r >= 0 && !aliased;
	if (wrote && !C.special)
		mark_table(tight, r);
	else if (wrote)
		mark_special(tight, r);
	check_enclave_writes();
	int epoll_checked = C.s && C.s->check == C_EPOLL && C.host_calls && check_epoll(how, r);
	/* A helpful host's answer is consistent (except for clocks: the
	 * runtime remembers readings across inputs): refusing it would stop
	 * an honest application, unless that passes overlapping objects in
	 * ways no real one does (the same fd set twice to select does). */
	if (how == MOCK_SECURITY && C.helpful && !C.lied && !odd_alias && !(C.s && C.s->check == C_CLOCK))
		BUG("a consistent answer was refused: %s", mock_fail_msg);
	if (how == MOCK_SECURITY)
		return 0;

	/* pread64/pwrite64 take the slot again for each further part (and
	 * may fail before asking the host for one) */
	int table_parts = !C.special && positioned_call();
	if (mock_calls_begun != mock_calls_ended || mock_slot_held || mock_calls_begun < 1 ||
	    (table_parts ? mock_calls_begun > C.host_calls + 1 : mock_calls_begun != 1))
		BUG("slot not taken and released exactly once per part (%d/%d for %d host calls)",
		    mock_calls_begun, mock_calls_ended, C.host_calls);
	if (mock_sigpipe_raised && r != -EPIPE)
		BUG("SIGPIPE raised for a result of %ld", r);
	if (r < -4095)
		BUG("error %ld out of range returned", r);
	if (!C.host_calls) {
		if (r >= 0)
			BUG("success %ld without asking the host", r);
		return 1;
	}
	if (positioned_call()) {
		/* a part that moved all it asked, with more to go: the runtime
		 * goes on (pread64/pwrite64 may find the rest outside) */
		uint64_t left = part_total() - C.p_done;
		if (!C.p_stop && (C.special || inside((uintptr_t)C.a[1] + C.p_done, left)))
			BUG("stopped after %d parts that moved all they asked, %lu bytes left", C.host_calls,
			    (unsigned long)left);
		if (r != C.p_expect)
			BUG("returned %ld, the %d parts make %ld", r, C.host_calls, C.p_expect);
	} else if (r != C.host_ret && !(epoll_checked && r >= 0)) {
		if (r == -EFAULT && C.host_ret >= 0 && aliased)
			return 1;
		BUG("returned %ld, the host said %ld", r, C.host_ret);
	}
	if (r < 0) {
		/* close releases the descriptor even when it reports an error */
		if (C.nr == SYS_close && C.host_calls > 0)
			ep_closed((int)C.a[0]);
		return 1;
	}
	if (!C.special)
		check_table_result(r);
	else
		check_special_result(r);

	/* What the call did to the registrations. */
	if (C.special == S_EPOLL_CTL)
		ep_ctl_done((int)C.a[0], (int)C.a[1], (int)C.a[2], C.ep_data);
	else if (C.nr == SYS_close)
		ep_closed((int)C.a[0]);
	else if ((C.nr == SYS_dup2 || C.nr == SYS_dup3) && C.a[0] != C.a[1])
		ep_closed((int)C.a[1]);
	return 1;
}
