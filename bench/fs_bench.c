/*
 * File throughput benchmark for bench/fs.sh, built natively and with
 * sconce-cc.  In one directory:
 *
 *   seq_write  create FILE, write SIZE bytes in IO-byte write() calls,
 *              fsync, close (the time includes the fsync and the close:
 *              that is when the shield commits)
 *   seq_read   open FILE again, read it to the end in IO-byte read()
 *              calls, close
 *   rand_read  open FILE again, OPS pread() calls of 4 KiB at random
 *              4 KiB-aligned offsets (fixed seed), close
 *
 * Usage: fs_bench DIR [SIZE_MIB (64)] [IO_KIB (64)] [OPS (20000)]
 * Prints "seq_write MB/s", "seq_read MB/s", "rand_read IOPS" lines
 * (MB = 10^6 bytes) and exits 0, or prints the failing call and exits 1.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fs_bench: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fs_bench DIR [SIZE_MIB] [IO_KIB] [OPS]\n");
		return 2;
	}
	size_t size = (size_t)(argc > 2 ? atol(argv[2]) : 64) << 20;
	size_t io = (size_t)(argc > 3 ? atol(argv[3]) : 64) << 10;
	long ops = argc > 4 ? atol(argv[4]) : 20000;
	if (!size || !io || size % io || ops <= 0) {
		fprintf(stderr, "fs_bench: SIZE must be a multiple of IO, both > 0\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/fs_bench.dat", argv[1]);
	unsigned char *buf = malloc(io);
	if (!buf)
		die("malloc", "");
	for (size_t i = 0; i < io; i++)
		buf[i] = (unsigned char)next();

	/* sequential write */
	double t0 = now();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open", path);
	for (size_t off = 0; off < size; off += io) {
		buf[0] = (unsigned char)off; /* every block differs */
		if (write(fd, buf, io) != (ssize_t)io)
			die("write", path);
	}
	if (fsync(fd) < 0)
		die("fsync", path);
	if (close(fd) < 0)
		die("close", path);
	double t1 = now();
	printf("seq_write %.1f\n", (double)size / (t1 - t0) / 1e6);

	/* sequential read */
	t0 = now();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open", path);
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, io);
		if (n < 0)
			die("read", path);
		if (n == 0)
			break;
		total += (size_t)n;
	}
	close(fd);
	t1 = now();
	if (total != size) {
		fprintf(stderr, "fs_bench: read %zu bytes back, wrote %zu\n", total, size);
		return 1;
	}
	printf("seq_read %.1f\n", (double)size / (t1 - t0) / 1e6);

	/* random 4 KiB reads */
	size_t blocks = size / 4096;
	t0 = now();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open", path);
	for (long i = 0; i < ops; i++) {
		off_t off = (off_t)(next() % blocks) * 4096;
		if (pread(fd, buf, 4096, off) != 4096)
			die("pread", path);
	}
	close(fd);
	t1 = now();
	printf("rand_read %.0f\n", (double)ops / (t1 - t0));
	free(buf);
	return 0;
}
