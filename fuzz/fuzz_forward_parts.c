/*
 * fuzz_forward: positioned transfers that go on in parts.  pread64 and
 * pwrite64 shortened to the bounce buffer, and preadv/pwritev, go on in
 * further host calls (pread64/pwrite64: each holding the slot anew)
 * exactly while each part moved all it asked and bytes remain; a further
 * part asks for the rest at the offset advanced by what was moved
 * (vectors: the same buffer, the first part's size), writes carry the
 * application's bytes from there, reads find the previous part's data in
 * place; the result is what the parts moved, or the first part's error.
 * The account of the parts lives in C (p_*).
 */
#include "fuzz_forward.h"

/* A positioned transfer (a file at an offset, where the kernel moves all it
 * is asked up to the end of the file) larger than the bounce buffer goes on
 * in further host calls while each part moves all it asked; an error after
 * the first part reports what was moved. */
int positioned_call(void)
{
	return C.nr == SYS_pread64 || C.nr == SYS_pwrite64 || C.special == S_PREADV ||
	       C.special == S_PWRITEV;
}

static int reading_call(void)
{
	return C.nr == SYS_pread64 || C.special == S_PREADV;
}

uint64_t part_total(void)
{
	return C.special ? C.iov_total : (uint64_t)C.a[2];
}

static uint8_t p_prev[MOCK_BOUNCE_MAX]; /* reads: the previous part's data */

/* Has the application's memory at off (of the buffer or vector) the n
 * bytes at buf? */
static int app_equal_at(uint64_t off, const void *buf, size_t n)
{
	if (C.special)
		return iov_equal_at(off, buf, n);
	uintptr_t p = (uintptr_t)C.a[1] + off;
	return inside(p, n) && !mcmp((void *)p, buf, n);
}

/* The host is asked for a further part: checks it; returns its count. */
long check_host_part(long nr, const long *h)
{
	const long *a = C.a;
	uint64_t total = part_total(), done = C.p_done;
	if (C.p_stop || done >= total)
		BUG("the host was called again after a part that ended the transfer");
	if (nr != C.p_nr || h[0] != a[0] || (uint64_t)h[3] != (uint64_t)a[3] + done || h[4] || h[5])
		BUG("part at %lu: values changed (offset %#lx)", (unsigned long)done, h[3]);
	uint64_t k = (uint64_t)h[2], left = total - done;
	if (C.special ? k != (left < C.p_first_k ? left : C.p_first_k) || h[1] != C.p_buf
		      : h[2] <= 0 || k > left)
		BUG("part at %lu: %ld bytes asked, %lu left", (unsigned long)done, h[2], (unsigned long)left);
	if (!in_bounce(h[1], k))
		BUG("part at %lu: buffer not inside the bounce allocations", (unsigned long)done);
	if (!reading_call()) {
		if (!app_equal_at(done, hb(h[1]), k))
			BUG("part at %lu: data differs from the application's", (unsigned long)done);
	} else if (!aliased && !app_equal_at(C.p_prev_off, p_prev, C.p_prev_len)) {
		BUG("part at %lu: the previous part's data did not land", (unsigned long)done);
	}
	return h[2];
}

/* The host answered part `part` with r: the account. */
void part_answered(int part, long nr, const long *h, long r)
{
	uint64_t k = (uint64_t)h[2];
	if (!part) {
		C.p_nr = nr;
		C.p_buf = h[1];
		C.p_first_k = k;
	}
	C.p_last_off = C.p_done;
	if (r < 0 || (uint64_t)r > k) { /* an error, or refused */
		C.p_stop = 1;
		C.p_expect = C.p_done ? (long)C.p_done : r;
		return;
	}
	if (reading_call() && r) {
		memcpy(p_prev, hb(h[1]), (size_t)r);
		C.p_prev_off = C.p_done;
		C.p_prev_len = (size_t)r;
	}
	C.p_done += (uint64_t)r;
	C.p_expect = (long)C.p_done;
	C.p_stop = (uint64_t)r != k || C.p_done >= part_total();
}

/* After the call: the last part's data landed where it belongs. */
void check_last_part(void)
{
	if (!aliased && C.host_ret > 0 && !app_equal_at(C.p_last_off, hb(C.h[1]), (size_t)C.host_ret))
		BUG("the part at %lu: data differs from the host's", (unsigned long)C.p_last_off);
}
