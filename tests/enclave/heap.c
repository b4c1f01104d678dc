/*
 * Heap exhaustion.
 *
 * usage: heap HEAP_MIB
 * HEAP_MIB is the size of the heap the program runs with (sconce run
 * --heap HEAP_MIB M; natively the test limits the address space instead).
 * Allocates 1 MiB blocks until malloc returns NULL, which must happen
 * after at least 1 and at most HEAP_MIB blocks; every block is written
 * with its own pattern and checked afterwards (no overlap).  Then frees
 * everything and checks the memory can be allocated again, and that too
 * large calloc/mmap requests fail with ENOMEM.
 *
 * The block counts go to stderr as "heap: count=N count2=M" (they are not
 * deterministic between native and sconce runs).
 */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>

#define MIB (1024u * 1024u)
#define MAX_BLOCKS 65536

static unsigned char *blocks[MAX_BLOCKS];

static int fill_heap(long limit, const char *round)
{
	int n = 0;

	for (;;) {
		REQUIRE(n < MAX_BLOCKS, "too many blocks");
		errno = 0;
		unsigned char *p = malloc(MIB);
		if (!p) {
			CHECK(errno == ENOMEM, "%s: malloc failure sets ENOMEM", round);
			break;
		}
		memset(p, (n * 7 + 1) & 0xff, MIB);
		blocks[n++] = p;
		if (n > limit) {
			fprintf(stderr, "FAIL: %s: malloc still succeeds after %d MiB "
					"with a %ld MiB heap\n",
				round, n, limit);
			check_failures++;
			break;
		}
	}
	/* every block still holds its own pattern */
	int bad = 0;
	for (int i = 0; i < n; i++) {
		unsigned char want = (unsigned char)((i * 7 + 1) & 0xff);
		for (size_t j = 0; j < MIB; j += 512)
			if (blocks[i][j] != want || blocks[i][j + 511] != want) {
				bad++;
				break;
			}
	}
	CHECK(bad == 0, "%s: %d blocks were overwritten by others", round, bad);
	return n;
}

static void free_all(int n)
{
	for (int i = 0; i < n; i++) {
		free(blocks[i]);
		blocks[i] = NULL;
	}
}

int main(int argc, char **argv)
{
	long heap_mib = argc > 1 ? strtol(argv[1], NULL, 0) : 0;

	if (heap_mib <= 0 || heap_mib > MAX_BLOCKS / 2) {
		fprintf(stderr, "FAIL: usage: heap HEAP_MIB\n");
		return 2;
	}

	int count = fill_heap(heap_mib, "first round");
	CHECK(count >= 1, "at least one 1 MiB block fits (%d)", count);
	CHECK(count <= heap_mib, "no more than %ld blocks fit (%d)", heap_mib, count);
	printf("malloc returned NULL within the heap: %s\n",
	       count >= 1 && count <= heap_mib ? "ok" : "FAILED");

	/* a small allocation may or may not still fit; it must not crash */
	void *small = malloc(16);
	free(small);

	free_all(count);
	void *again = malloc(MIB);
	CHECK(again != NULL, "malloc works again after free");
	if (again)
		memset(again, 0x55, MIB);
	free(again);
	printf("malloc works after freeing everything: %s\n", again ? "ok" : "FAILED");

	int count2 = fill_heap(heap_mib, "second round");
	CHECK(count2 * 2 >= count, "second round fits at least half as many "
				   "blocks as the first (%d vs %d)",
	      count2, count);
	free_all(count2);
	fprintf(stderr, "heap: count=%d count2=%d\n", count, count2);
	printf("memory is reused after free: %s\n", count2 * 2 >= count ? "ok" : "FAILED");

	/* many small allocations, then free, then again */
	for (int round = 0; round < 2; round++) {
		int n = 0;
		for (; n < 20000; n++) {
			blocks[n] = malloc(48);
			if (!blocks[n])
				break;
			memset(blocks[n], n & 0xff, 48);
		}
		CHECK(n == 20000, "20000 small allocations (%d)", n);
		free_all(n);
	}
	printf("small allocations: ok\n");

	/* impossible requests */
	/* volatile: keep the compiler from judging the sizes at build time */
	volatile size_t huge = SIZE_MAX / 2, huge2 = SIZE_MAX - 4096;
	errno = 0;
	void *c = calloc(huge, 4);
	CHECK(c == NULL && errno == ENOMEM, "calloc overflow -> NULL/ENOMEM");
	free(c);
	errno = 0;
	void *m = malloc(huge2);
	CHECK(m == NULL && errno == ENOMEM, "malloc(SIZE_MAX - 4096) -> NULL/ENOMEM");
	free(m);
	errno = 0;
	m = malloc((size_t)heap_mib * 2 * MIB);
	CHECK(m == NULL && errno == ENOMEM, "malloc twice the heap -> NULL/ENOMEM");
	free(m);
	/* realloc that cannot grow keeps the old block */
	unsigned char *r = malloc(100);
	REQUIRE(r, "malloc 100");
	memset(r, 0x3c, 100);
	errno = 0;
	unsigned char *r2 = realloc(r, (size_t)heap_mib * 2 * MIB);
	CHECK(r2 == NULL && errno == ENOMEM, "realloc beyond the heap -> NULL");
	if (r2 == NULL) {
		CHECK(r[0] == 0x3c && r[99] == 0x3c,
		      "old block intact after failed realloc");
		free(r);
	} else {
		free(r2);
	}
	printf("too large malloc/calloc/realloc: ENOMEM\n");

	size_t sizes[2] = {(size_t)heap_mib * 2 * MIB, (size_t)1 << 44};
	for (int i = 0; i < 2; i++) {
		errno = 0;
		void *p = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(p == MAP_FAILED && errno == ENOMEM,
		      "mmap of %zu bytes -> MAP_FAILED/ENOMEM", sizes[i]);
		if (p != MAP_FAILED)
			munmap(p, sizes[i]);
	}
	printf("too large mmap: MAP_FAILED/ENOMEM\n");

	/* and the heap is still usable */
	void *last = malloc(MIB);
	CHECK(last != NULL, "malloc at the end");
	free(last);
	printf("heap: done\n");
	return check_exit();
}
