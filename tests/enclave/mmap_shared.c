/*
 * Shared file mappings reach the file: at msync, at munmap, when MAP_FIXED
 * replaces them, and (mode "exit") when the process exits without either.
 * Only what was changed through the mapping is written, so a write() to
 * another page of the file survives the mapping's write-back; nothing
 * beyond the end of the file is written.  Usage: mmap_shared DIR [exit].
 * Mode "threads": detached threads come and go while msync writes a large
 * mapping back (their stacks are freed while the write-back is under way).
 *
 * Under sconce the mapping is a copy in the enclave written back by the
 * runtime (runtime/shared_map.c); natively it is the page cache.  The
 * facts printed are the same.
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG 4096
#define SIZE (3 * PG + 100)

static char path[512];

static void make_file(void)
{
	static char buf[SIZE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	REQUIRE(fd >= 0, "create %s", path);
	for (int i = 0; i < SIZE; i++)
		buf[i] = (char)('a' + i / PG);
	REQUIRE(write(fd, buf, SIZE) == SIZE, "write the file");
	close(fd);
}

/* The byte at off of the file, read through a descriptor of its own. */
static char file_at(long off)
{
	char c = '?';
	int fd = open(path, O_RDONLY);
	REQUIRE(fd >= 0, "open for reading");
	CHECK(pread(fd, &c, 1, off) == 1, "pread at %ld", off);
	close(fd);
	return c;
}

static long file_size(void)
{
	struct stat st;
	REQUIRE(stat(path, &st) == 0, "stat");
	return (long)st.st_size;
}

static char *map(int fd, size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED, "mmap MAP_SHARED of %zu bytes", len);
	return p;
}

static void *quick(void *arg)
{
	return arg;
}

static void threads_during_msync(void)
{
	const size_t len = 8u << 20;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	REQUIRE(fd >= 0 && ftruncate(fd, (off_t)len) == 0, "create an 8 MiB file");
	char *p = map(fd, len, PROT_READ | PROT_WRITE);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 8; i++) {
			pthread_t t;
			REQUIRE(pthread_create(&t, &a, quick, NULL) == 0, "pthread_create");
		}
		for (size_t o = 0; o < len; o += PG)
			p[o] = (char)('A' + round);
		CHECK(msync(p, len, MS_ASYNC) == 0, "msync round %d", round);
	}
	munmap(p, len);
	printf("last round in the file: %c %c\n", file_at(0), file_at((long)len - PG));
	close(fd);
}

int main(int argc, char **argv)
{
	REQUIRE(argc >= 2, "usage: mmap_shared DIR [exit]");
	snprintf(path, sizeof(path), "%s/shared.bin", argv[1]);

	if (argc > 2 && !strcmp(argv[2], "threads")) {
		threads_during_msync();
		return check_exit();
	}
	if (argc > 2 && !strcmp(argv[2], "exit")) {
		/* changed, never synced nor unmapped; the descriptor closed */
		make_file();
		int fd = open(path, O_RDWR);
		REQUIRE(fd >= 0, "open");
		char *p = map(fd, 4 * PG, PROT_READ | PROT_WRITE);
		close(fd);
		p[PG + 1] = 'E';
		p[3 * PG + 99] = 'F';
		printf("changed, exiting\n");
		return check_exit();
	}

	make_file();
	int fd = open(path, O_RDWR);
	REQUIRE(fd >= 0, "open read-write");
	char *p = map(fd, 4 * PG, PROT_READ | PROT_WRITE);
	printf("mapped: %c %c %c %c\n", p[0], p[PG], p[2 * PG], p[3 * PG]);
	p[0] = 'X';
	p[2 * PG + 5] = 'Y';
	p[3 * PG + 50] = 'Z';
	p[3 * PG + 200] = 'W'; /* past the end of the file, in its last page */
	printf("msync MS_SYNC: %d\n", msync(p, 4 * PG, MS_SYNC));
	printf("after msync the file has: %c %c %c, size %ld\n", file_at(0), file_at(2 * PG + 5),
	       file_at(3 * PG + 50), file_size());
	printf("after msync page 1 is untouched: %c\n", file_at(PG + 10));

	/* a write() elsewhere survives the mapping's write-back */
	REQUIRE(pwrite(fd, "Q", 1, PG + 10) == 1, "pwrite");
	p[5] = 'V';
	REQUIRE(munmap(p, 4 * PG) == 0, "munmap");
	printf("after munmap: %c %c %c\n", file_at(0), file_at(5), file_at(PG + 10));

	/* unmapping a hole keeps both sides mapped and written back */
	p = map(fd, 3 * PG, PROT_READ | PROT_WRITE);
	REQUIRE(munmap(p + PG, PG) == 0, "munmap the middle page");
	p[1] = 'H';
	p[2 * PG + 1] = 'T';
	printf("msync of the upper part: %d\n", msync(p + 2 * PG, PG, MS_ASYNC));
	printf("upper part written: %c\n", file_at(2 * PG + 1));
	REQUIRE(munmap(p, PG) == 0 && munmap(p + 2 * PG, PG) == 0, "munmap the rest");
	printf("lower part written at munmap: %c\n", file_at(1));

	/* MAP_FIXED over a shared mapping: its changes reach the file first */
	p = map(fd, PG, PROT_READ | PROT_WRITE);
	p[7] = 'R';
	REQUIRE(mmap(p, PG, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == p,
		"mmap MAP_FIXED over it");
	printf("replaced by MAP_FIXED, the file has: %c; the new page reads %d\n", file_at(7), p[7]);
	munmap(p, PG);

	/* a read-only shared mapping of a read-write descriptor sees the file */
	p = map(fd, PG, PROT_READ);
	printf("read-only shared mapping: %c%c\n", p[0], p[5]);
	munmap(p, PG);
	close(fd);

	/* what the kernel refuses */
	fd = open(path, O_RDONLY);
	CHECK_ERR(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES,
		  "writable MAP_SHARED of a read-only descriptor");
	close(fd);
	fd = open(path, O_WRONLY);
	CHECK_ERR(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0), EACCES, "MAP_SHARED of a write-only descriptor");
	close(fd);
	CHECK_ERR(msync((char *)p + 1, PG, MS_SYNC), EINVAL, "msync of an unaligned address");
	return check_exit();
}
