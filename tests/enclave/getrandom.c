/*
 * getrandom: two 32-byte draws differ and are not all zero; GRND_NONBLOCK
 * works; a large request is served (possibly in pieces); getentropy too.
 */
#define _GNU_SOURCE
#include "check.h"

#include <sys/random.h>
#include <unistd.h>

static int all_zero(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

int main(void)
{
	unsigned char a[32], b[32], e[32];

	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	CHECK(getrandom(a, sizeof a, 0) == 32, "getrandom 32 bytes");
	CHECK(getrandom(b, sizeof b, 0) == 32, "getrandom 32 bytes again");
	CHECK(!all_zero(a, 32) && !all_zero(b, 32), "not all zero");
	CHECK(memcmp(a, b, 32) != 0, "two draws differ");
	printf("getrandom twice: different values\n");

	memset(a, 0, sizeof a);
	CHECK(getrandom(a, sizeof a, GRND_NONBLOCK) == 32, "GRND_NONBLOCK");
	CHECK(!all_zero(a, 32) && memcmp(a, b, 32) != 0, "GRND_NONBLOCK draw fresh");
	printf("getrandom GRND_NONBLOCK: ok\n");

	CHECK(getrandom(a, 0, 0) == 0, "zero-length getrandom");

	/* 3 MiB: may come back in pieces; every piece must be fresh */
	size_t big = 3u << 20, got = 0;
	unsigned char *buf = calloc(1, big);
	REQUIRE(buf, "calloc");
	while (got < big) {
		ssize_t n = getrandom(buf + got, big - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		REQUIRE(n > 0, "large getrandom");
		got += (size_t)n;
	}
	/* every 4 KiB page has nonzero bytes, and no two pages are equal at
	 * their start */
	int zero_pages = 0, equal = 0;
	for (size_t off = 0; off < big; off += 4096) {
		if (all_zero(buf + off, 4096))
			zero_pages++;
		if (off && memcmp(buf + off, buf + off - 4096, 32) == 0)
			equal++;
	}
	CHECK(zero_pages == 0, "%d zero pages in a large draw", zero_pages);
	CHECK(equal == 0, "%d repeated page starts in a large draw", equal);
	free(buf);
	printf("getrandom 3 MiB: ok\n");

	memset(e, 0, sizeof e);
	CHECK(getentropy(e, sizeof e) == 0, "getentropy");
	CHECK(!all_zero(e, 32) && memcmp(e, a, 32) != 0, "getentropy fresh");
	errno = 0;
	static unsigned char large[512];
	CHECK(getentropy(large, 257) == -1 && errno == EIO,
	      "getentropy > 256 -> EIO");
	printf("getentropy: ok\n");
	printf("getrandom: done\n");
	return check_exit();
}
