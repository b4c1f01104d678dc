/*
 * Fresh anonymous memory reads as zeros: after mmap, after munmap and a new
 * mmap of the same size (which a heap-backed runtime is likely to place
 * at the same address), and after memory freed by malloc is handed out
 * again by mmap.
 */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t nonzero_at(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return i;
	return (size_t)-1;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED, "mmap %zu bytes", len);
	CHECK(((uintptr_t)p & 4095) == 0, "mmap result is page aligned");
	return p;
}

int main(void)
{
	static const size_t sizes[] = {4096, 8192, 65536 + 4096, 1u << 20,
				       (4u << 20) + 4096};

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t len = sizes[i];
		for (int round = 0; round < 3; round++) {
			unsigned char *p = map(len);
			size_t at = nonzero_at(p, len);
			CHECK(at == (size_t)-1,
			      "round %d: fresh %zu-byte mapping has a nonzero "
			      "byte at %zu",
			      round, len, at);
			memset(p, 0xA5, len);
			CHECK(munmap(p, len) == 0, "munmap");
		}
		printf("mmap %zu bytes: zeros, also after munmap + mmap\n", len);
	}

	/* two mappings at once do not overlap */
	unsigned char *a = map(1u << 20), *b = map(1u << 20);
	CHECK(a + (1u << 20) <= b || b + (1u << 20) <= a, "mappings overlap");
	memset(a, 1, 1u << 20);
	memset(b, 2, 1u << 20);
	CHECK(a[0] == 1 && a[(1u << 20) - 1] == 1, "first mapping intact");
	CHECK(munmap(a, 1u << 20) == 0 && munmap(b, 1u << 20) == 0, "munmap both");
	printf("two mappings: disjoint\n");

	/* memory freed by malloc comes back zeroed through mmap */
	for (int round = 0; round < 4; round++) {
		size_t len = 2u << 20;
		unsigned char *m = malloc(len);
		REQUIRE(m, "malloc");
		memset(m, 0x5A, len);
		free(m);
		unsigned char *p = map(len);
		size_t at = nonzero_at(p, len);
		CHECK(at == (size_t)-1,
		      "mmap after free: nonzero byte at %zu", at);
		memset(p, 0x77, len);
		CHECK(munmap(p, len) == 0, "munmap");
	}
	printf("mmap after malloc/free: zeros\n");

	/* calloc memory is zero even when recycled */
	for (int round = 0; round < 4; round++) {
		size_t len = (size_t)(round + 1) * 300000;
		unsigned char *c = calloc(1, len);
		REQUIRE(c, "calloc");
		CHECK(nonzero_at(c, len) == (size_t)-1, "calloc round %d zeroed", round);
		memset(c, 0xEE, len);
		free(c);
	}
	printf("calloc: zeros\n");
	printf("mmap_zero: done\n");
	return check_exit();
}
