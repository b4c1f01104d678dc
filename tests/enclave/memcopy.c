/*
 * memcpy (sconce replaces musl's, libc/src/string/x86_64/memcpy.s) and
 * memmove, which uses it for forward copies that may overlap: every length
 * from 0 to 700 at every source and destination alignment modulo 16, and
 * memmove with the two ranges overlapping by every distance from -40 to
 * 40, checked byte by byte against a plain loop, guard bytes included.
 * stdout is the same natively and in sconce.
 */
#include "check.h"

#define MAXN 700
#define PAD 64

static unsigned char src[MAXN + 2 * PAD], dst[MAXN + 2 * PAD], want[MAXN + 2 * PAD];

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = (unsigned char)(seed >> 16);
	}
}

int main(void)
{
	long copies = 0, moves = 0;
	for (size_t n = 0; n <= MAXN; n++) {
		for (size_t sa = 0; sa < 16; sa++) {
			for (size_t da = 0; da < 16; da++) {
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
				copies++;
			}
		}
		for (int d = -40; d <= 40; d++) {
			/* one buffer: move n bytes from PAD to PAD+d */
			unsigned char *base = src, ref[MAXN + 2 * PAD];
			fill(base, sizeof(src), (unsigned)(n * 100 + (unsigned)(d + 40)));
			memcpy(ref, base, sizeof(src));
			unsigned char tmp[MAXN];
			for (size_t i = 0; i < n; i++)
				tmp[i] = base[PAD + i];
			for (size_t i = 0; i < n; i++)
				ref[PAD + d + i] = tmp[i];
			memmove(base + PAD + d, base + PAD, n);
			if (memcmp(base, ref, sizeof(src)) != 0) {
				CHECK(0, "memmove n %zu, distance %d", n, d);
				return 1;
			}
			moves++;
		}
	}
	printf("%ld copies and %ld overlapping moves checked\n", copies, moves);
	return check_failures != 0;
}
