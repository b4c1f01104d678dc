/*
 * Positioned I/O larger than sconce's bounce buffer: on a regular file,
 * pread/pwrite/preadv/pwritev move everything asked for (up to the end of
 * the file), as the kernel does, not one bounce buffer's worth; and
 * sync_file_range works (Redis calls it every 32 MB while saving a
 * snapshot).  Usage: pio_large DIR.  Prints one line per check.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define BIG 1000003L

static unsigned char pattern(long i, int seed)
{
	return (unsigned char)((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}

static int check(const unsigned char *p, long off, long n, int seed)
{
	for (long i = 0; i < n; i++)
		if (p[i] != pattern(off + i, seed))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	char path[4096];
	if (argc != 2)
		return 2;
	snprintf(path, sizeof path, "%s/pio", argv[1]);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unsigned char *w = malloc(BIG), *r = malloc(BIG);
	if (fd < 0 || !w || !r)
		return 3;
	for (long i = 0; i < BIG; i++)
		w[i] = pattern(i, 1);

	printf("pwrite %ld at 5: %zd\n", BIG, pwrite(fd, w, BIG, 5));
	memset(r, 0, BIG);
	ssize_t n = pread(fd, r, BIG, 5);
	printf("pread %ld at 5: %zd, data %s\n", BIG, n, check(r, 0, BIG, 1) ? "same" : "DIFFERENT");
	n = pread(fd, r, BIG, BIG + 5 - 1000);
	printf("pread %ld at end-1000: %zd\n", BIG, n);
	n = pread(fd, r, BIG, BIG + 5);
	printf("pread at end: %zd\n", n);

	/* preadv into three pieces of odd sizes */
	memset(r, 0, BIG);
	struct iovec v[3] = { { r, 100000 }, { r + 100000, 700001 }, { r + 800001, BIG - 800001 } };
	n = preadv(fd, v, 3, 5);
	printf("preadv %ld in 3 at 5: %zd, data %s\n", BIG, n, check(r, 0, BIG, 1) ? "same" : "DIFFERENT");

	/* pwritev of three pieces at 2,000,000, read back with pread */
	for (long i = 0; i < BIG; i++)
		w[i] = pattern(i, 2);
	struct iovec u[3] = { { w, 65537 }, { w + 65537, 3 }, { w + 65540, BIG - 65540 } };
	n = pwritev(fd, u, 3, 2000000);
	memset(r, 0, BIG);
	ssize_t m = pread(fd, r, BIG, 2000000);
	printf("pwritev %ld in 3 at 2000000: %zd, read back %zd, data %s\n", BIG, n, m,
	       check(r, 0, BIG, 2) ? "same" : "DIFFERENT");
	/* preadv across the end of the file */
	struct iovec t[2] = { { r, 500000 }, { r + 500000, 500000 } };
	n = preadv(fd, t, 2, 2000000 + BIG - 600000);
	printf("preadv 1000000 at end-600000: %zd, data %s\n", n, check(r, BIG - 600000, 600000, 2) ? "same" : "DIFFERENT");
	printf("sync_file_range: %d\n", sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
						     SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER));
	close(fd);
	unlink(path);
	return 0;
}
