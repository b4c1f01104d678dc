/*
 * The allocation pattern of a server's request: take a few 4 KiB blocks
 * (NGINX's request pool, header and output buffers), write into them and
 * give them back, next to blocks of the same size that live across
 * requests (the connections' own), and again for the next request.  Built
 * natively (glibc's malloc) and with sconce-cc (musl's mallocng on the
 * enclave heap) by bench/malloc.sh, which prints the ratio.
 *
 *   malloc_bench LONG_LIVED PER_REQUEST [REQUESTS]    prints ns per request
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 4096
#define MAX_BLOCKS 64

static volatile unsigned sink;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int count(const char *s, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == 0 || *end != 0 || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	long live, per, n = 1000000;
	if (argc < 3 || argc > 4 || count(argv[1], MAX_BLOCKS, &live) < 0 ||
	    count(argv[2], MAX_BLOCKS, &per) < 0 || per == 0 ||
	    (argc == 4 && (count(argv[3], 1L << 40, &n) < 0 || n == 0))) {
		fprintf(stderr, "usage: malloc_bench LONG_LIVED PER_REQUEST [REQUESTS] (blocks: 0-%d, 1-%d)\n",
			MAX_BLOCKS, MAX_BLOCKS);
		return 2;
	}
	char *kept[MAX_BLOCKS], *req[MAX_BLOCKS];
	for (long k = 0; k < live; k++)
		if (!(kept[k] = malloc(BLOCK))) {
			fputs("malloc_bench: out of memory\n", stderr);
			return 1;
		}
	unsigned sum = 0;
	double best = 0;
	for (int round = 0; round < 3; round++) {
		double t0 = now_ns();
		for (long i = 0; i < n; i++) {
			for (long k = 0; k < per; k++) {
				if (!(req[k] = malloc(BLOCK))) {
					fputs("malloc_bench: out of memory\n", stderr);
					return 1;
				}
				req[k][0] = (char)i;
				req[k][BLOCK - 1] = (char)k;
			}
			for (long k = per - 1; k >= 0; k--) {
				sum += (unsigned char)req[k][0];
				free(req[k]);
			}
		}
		double t = (now_ns() - t0) / n;
		if (round == 0 || t < best)
			best = t;
	}
	for (long k = 0; k < live; k++)
		free(kept[k]);
	sink = sum; /* keeps the loop's reads */
	printf("%.1f\n", best);
	return 0;
}
