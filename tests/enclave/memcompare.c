/*
 * memcmp (sconce replaces musl's, libc/src/string/memcmp.c) against a
 * plain byte loop: every length from 0 to 80 at every alignment of both
 * sides modulo 8, equal, and differing at every position by bytes on
 * both sides of 0x80 (the sign of the difference must come from unsigned
 * bytes); then longer lengths, random pairs, and two differences in one
 * word, whose first in memory decides.  The value must equal the
 * byte loop's (the difference of the first differing bytes, as musl
 * returns); stdout counts signs and is the same natively and in sconce.
 */
#include "check.h"

#include <string.h>

#define MAXN 4200

static unsigned char a[MAXN + 16], b[MAXN + 16];

static int reference(const unsigned char *l, const unsigned char *r, size_t n)
{
	for (; n; n--, l++, r++)
		if (*l != *r)
			return *l - *r;
	return 0;
}

static long count[3], wrong;

static void one(const unsigned char *l, const unsigned char *r, size_t n)
{
	int got = memcmp(l, r, n), want = reference(l, r, n);
	/* glibc natively returns another magnitude: only the sign is counted,
	 * and inside the value must be the byte loop's */
	count[(got > 0) - (got < 0) + 1]++;
	if ((got > 0) != (want > 0) || (got < 0) != (want < 0))
		wrong++;
#ifndef __GLIBC__ /* musl: the enclave build */
	if (got != want)
		wrong++;
#endif
}

int main(void)
{
	static const unsigned char bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0x81, 0xfe, 0xff };
	unsigned seed = 7;
	for (size_t i = 0; i < sizeof(a); i++) {
		seed = seed * 1103515245 + 12345;
		a[i] = (unsigned char)(seed >> 16);
	}
	for (size_t n = 0; n <= 80; n++)
		for (size_t al = 0; al < 8; al++)
			for (size_t ar = 0; ar < 8; ar++) {
				memcpy(b + ar, a + al, n);
				one(a + al, b + ar, n);
				for (size_t k = 0; k < n; k++)
					for (size_t v = 0; v < sizeof(bytes); v++) {
						unsigned char keep = b[ar + k];
						b[ar + k] = bytes[v];
						one(a + al, b + ar, n);
						one(b + ar, a + al, n);
						b[ar + k] = keep;
					}
			}
	for (size_t n = 81; n <= MAXN; n += 37) {
		memcpy(b + 3, a + 5, n);
		one(a + 5, b + 3, n);
		for (size_t k = 0; k < n; k += 13) {
			b[3 + k] ^= 0x80;
			one(a + 5, b + 3, n);
			b[3 + k] ^= 0x80;
		}
	}
	for (int i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		size_t n = (seed >> 16) % 40, k = (seed >> 8) % 40;
		memcpy(b, a + 1, n);
		if (k < n)
			b[k] = (unsigned char)(seed >> 24);
		one(a + 1, b, n);
	}
	/* Two differences in one word, in either order of sign: only the
	 * first in memory counts. */
	for (size_t n = 2; n <= 24; n++)
		for (size_t k = 0; k + 1 < n; k++)
			for (size_t d = 1; k + d < n && d < 8; d++)
				for (int s = 0; s < 4; s++) {
					memcpy(b, a + 2, n);
					b[k] = (unsigned char)(a[2 + k] + ((s & 1) ? 1 : -1));
					b[k + d] = (unsigned char)(a[2 + k + d] + ((s & 2) ? 1 : -1));
					one(a + 2, b, n);
				}
	printf("memcmp: %ld negative, %ld zero, %ld positive, %ld wrong\n", count[0], count[1], count[2], wrong);
	return wrong != 0;
}
