/*
 * malloc under churn: random allocations, reallocations and frees of
 * blocks from 1 byte to 300 KiB, each filled with a pattern that is
 * checked before it goes, then a server's request pattern (a few 4-5 KiB
 * blocks per request beside long-lived ones).  Prints a checksum of
 * everything read back, the same natively and inside the enclave.
 *
 * On stderr: "footprint: grew N KiB", how much more private anonymous
 * memory /proc/self/maps lists after everything was freed than before
 * the churn began: what the allocator keeps (inside the enclave the
 * runtime answers the file with the heap's pages in use).
 *
 *   malloc_churn            one thread
 *   malloc_churn threads    four threads at once, each its own blocks
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#define LIVE 3000
#define OPS 200000
#define REQUESTS 100000
#define THREADS 4

static __thread uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t pick_size(void)
{
	uint64_t r = next();
	switch (r % 16) {
	case 0: return 1 + (r >> 8) % (300 * 1024);   /* large, some individually mapped */
	case 1: case 2: return 4000 + (r >> 8) % 1500; /* a request pool's class */
	case 3: case 4: case 5: return 1 + (r >> 8) % 16384;
	default: return 1 + (r >> 8) % 512;
	}
}

struct block {
	unsigned char *p;
	size_t n;
	uint8_t seed;
};

static void fill(struct block *b)
{
	for (size_t i = 0; i + 1 < b->n; i += 61)
		b->p[i] = (uint8_t)(b->seed + i);
	b->p[b->n - 1] = b->seed;
}

static uint64_t verify(const struct block *b)
{
	uint64_t sum = 0;
	for (size_t i = 0; i + 1 < b->n; i += 61) {
		if (b->p[i] != (uint8_t)(b->seed + i)) {
			fprintf(stderr, "malloc_churn: block of %zu bytes changed at %zu\n", b->n, i);
			exit(1);
		}
		sum += b->p[i];
	}
	CHECK(b->p[b->n - 1] == b->seed, "last byte of a block of %zu bytes", b->n);
	return sum + b->n;
}

/* KiB of private anonymous memory (no path) listed in /proc/self/maps. */
static long anon_kib(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	REQUIRE(f != NULL, "open /proc/self/maps");
	char line[512];
	long kib = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off;
		char perms[8];
		int name = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &lo, &hi, perms, &off, &name) < 4)
			continue;
		const char *rest = line + name;
		if (perms[3] == 'p' && perms[1] == 'w' && (*rest == '\n' || *rest == 0))
			kib += (long)((hi - lo) / 1024);
	}
	fclose(f);
	return kib;
}

static void *churn(void *arg)
{
	uint64_t *result = arg;
	struct block *live = calloc(LIVE, sizeof(*live));
	REQUIRE(live != NULL, "calloc for the table");
	uint64_t sum = 0;

	rng = 0x9e3779b97f4a7c15ull ^ *result;
	for (long op = 0; op < OPS; op++) {
		struct block *b = &live[next() % LIVE];
		if (b->p) {
			sum += verify(b);
			if (next() % 4 == 0) {
				/* grow or shrink in place or by moving: the kept
				 * prefix must survive */
				size_t n = pick_size(), keep = n < b->n ? n : b->n;
				unsigned char *q = realloc(b->p, n);
				REQUIRE(q != NULL, "realloc to %zu bytes", n);
				for (size_t i = 0; i < keep && i + 1 < b->n; i += 61)
					CHECK(q[i] == (uint8_t)(b->seed + i), "realloc kept byte %zu", i);
				b->p = q;
				b->n = n;
				b->seed = (uint8_t)next();
				fill(b);
				continue;
			}
			free(b->p);
			b->p = NULL;
		} else {
			b->n = pick_size();
			b->seed = (uint8_t)next();
			b->p = malloc(b->n);
			REQUIRE(b->p != NULL, "malloc(%zu)", b->n);
			fill(b);
		}
	}
	for (int i = 0; i < LIVE; i++) {
		if (live[i].p) {
			sum += verify(&live[i]);
			free(live[i].p);
			live[i].p = NULL;
		}
	}

	/* A server's requests: long-lived blocks and per-request ones of the
	 * same sizes. */
	struct block kept[5], req[3];
	for (int k = 0; k < 5; k++) {
		kept[k] = (struct block){ malloc(4500), 4500, (uint8_t)k };
		REQUIRE(kept[k].p != NULL, "malloc(4500)");
		fill(&kept[k]);
	}
	for (long r = 0; r < REQUESTS; r++) {
		int n = 2 + (int)(r % 2);
		for (int k = 0; k < n; k++) {
			req[k] = (struct block){ malloc(4096 + 512 * (size_t)k), 4096 + 512 * (size_t)k, (uint8_t)r };
			REQUIRE(req[k].p != NULL, "malloc for a request");
			fill(&req[k]);
		}
		for (int k = n - 1; k >= 0; k--) {
			sum += verify(&req[k]);
			free(req[k].p);
		}
	}
	for (int k = 0; k < 5; k++) {
		sum += verify(&kept[k]);
		free(kept[k].p);
	}
	free(live);
	*result = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 && strcmp(argv[1], "threads") == 0 ? THREADS : 1;
	pthread_t t[THREADS];
	uint64_t sums[THREADS];

	free(malloc(1)); /* the allocator's own start-up, before the baseline */
	long before = anon_kib();
	for (int i = 0; i < threads; i++) {
		sums[i] = (uint64_t)i * 0x1234567;
		if (threads == 1)
			churn(&sums[i]);
		else
			REQUIRE(pthread_create(&t[i], NULL, churn, &sums[i]) == 0, "pthread_create");
	}
	for (int i = 0; i < threads && threads > 1; i++)
		REQUIRE(pthread_join(t[i], NULL) == 0, "pthread_join");
	long after = anon_kib();
	fprintf(stderr, "footprint: grew %ld KiB\n", after - before);
	for (int i = 0; i < threads; i++)
		printf("thread %d: checksum %llu\n", i, (unsigned long long)sums[i]);
	return check_exit();
}
