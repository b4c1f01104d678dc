/*
 * memcpy (sconce replaces musl's, libc/src/string/x86_64/memcpy.s) and
 * memmove, which uses it for forward copies that may overlap: every length
 * from 0 to 700 at every source and destination alignment modulo 16, and
 * memmove with the two ranges overlapping by every distance from -80 to
 * 80; then lengths up to 9000 (the 64-byte block loop) every 61 bytes and
 * around 4 KiB, at a sample of alignments and distances.  Each is checked
 * byte by byte against a plain loop, guard bytes included.
 * stdout is the same natively and in sconce.
 */
#include "check.h"

#define SMALL 700
#define MAXN 9000
#define PAD 96

static unsigned char src[MAXN + 2 * PAD], dst[MAXN + 2 * PAD], want[MAXN + 2 * PAD];

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static const size_t big_align[][2] = {
	{ 0, 0 }, { 1, 0 }, { 0, 1 }, { 5, 3 }, { 8, 8 }, { 13, 11 }, { 15, 15 }, { 3, 15 }, { 8, 0 },
};
static const int big_dist[] = { -80, -65, -64, -63, -17, -16, -1, 1, 16, 17, 63, 64, 65, 80 };

static int copy_one(size_t n, size_t sa, size_t da)
{
	fill(src, sizeof(src), (unsigned)(n * 256 + sa * 16 + da));
	fill(dst, sizeof(dst), (unsigned)n);
	memcpy(want, dst, sizeof(dst));
	for (size_t i = 0; i < n; i++)
		want[PAD + da + i] = src[PAD + sa + i];
	void *r = memcpy(dst + PAD + da, src + PAD + sa, n);
	CHECK(r == dst + PAD + da, "memcpy returns its destination (n %zu)", n);
	if (memcmp(dst, want, sizeof(dst)) != 0) {
		CHECK(0, "memcpy n %zu, source +%zu, destination +%zu", n, sa, da);
		return 1;
	}
	return 0;
}

/* one buffer: move n bytes from PAD to PAD+d */
static int move_one(size_t n, int d)
{
	static unsigned char ref[MAXN + 2 * PAD], tmp[MAXN];
	unsigned char *base = src;
	fill(base, sizeof(src), (unsigned)(n * 200 + (unsigned)(d + 80)));
	memcpy(ref, base, sizeof(src));
	for (size_t i = 0; i < n; i++)
		tmp[i] = base[PAD + i];
	for (size_t i = 0; i < n; i++)
		ref[PAD + d + i] = tmp[i];
	memmove(base + PAD + d, base + PAD, n);
	if (memcmp(base, ref, sizeof(src)) != 0) {
		CHECK(0, "memmove n %zu, distance %d", n, d);
		return 1;
	}
	return 0;
}

static int big_length(size_t n)
{
	return n % 61 == 0 || (n >= 4030 && n <= 4160);
}

int main(void)
{
	long copies = 0, moves = 0;
	for (size_t n = 0; n <= SMALL; n++) {
		for (size_t sa = 0; sa < 16; sa++)
			for (size_t da = 0; da < 16; da++, copies++)
				if (copy_one(n, sa, da))
					return 1;
		for (int d = -80; d <= 80; d++, moves++)
			if (move_one(n, d))
				return 1;
	}
	for (size_t n = SMALL + 1; n <= MAXN; n++) {
		if (!big_length(n))
			continue;
		for (size_t k = 0; k < sizeof(big_align) / sizeof(big_align[0]); k++, copies++)
			if (copy_one(n, big_align[k][0], big_align[k][1]))
				return 1;
		for (size_t k = 0; k < sizeof(big_dist) / sizeof(big_dist[0]); k++, moves++)
			if (move_one(n, big_dist[k]))
				return 1;
	}
	printf("%ld copies and %ld overlapping moves checked\n", copies, moves);
	return check_failures != 0;
}
