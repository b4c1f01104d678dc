/*
 * POSIX file semantics that the file-system shield must keep inside a
 * protected region (argv[1], an empty directory); also runs natively.
 * Complements files.c: open flags, vectors, SEEK_END, ftruncate both
 * ways, dup, private and shared mmap, many open files, and several
 * threads writing one file.  fs_semantics DIR [protected]
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static char top[4096];
static int protected_dir; /* argv[2] == "protected": inside the fs shield */

static const char *path(const char *rel)
{
	static char buf[4][4400];
	static int n;
	char *p = buf[n++ & 3];
	snprintf(p, sizeof buf[0], "%s/%s", top, rel);
	return p;
}

static void open_flags(void)
{
	int fd = open(path("excl"), O_CREAT | O_EXCL | O_WRONLY, 0644);
	CHECK(fd >= 0, "O_CREAT|O_EXCL creates");
	CHECK(write(fd, "abcdef", 6) == 6, "write");
	close(fd);
	CHECK_ERR(open(path("excl"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST, "O_EXCL on an existing file");
	CHECK_ERR(open(path("missing"), O_RDONLY), ENOENT, "open a missing file");
	fd = open(path("excl"), O_WRONLY | O_TRUNC);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC empties");
	close(fd);
	fd = open(path("excl"), O_RDONLY);
	char c;
	CHECK_ERR(write(fd, "x", 1), EBADF, "write on O_RDONLY");
	CHECK(read(fd, &c, 1) == 0, "read at end");
	close(fd);
	printf("open flags: ok\n");
}

static void vectors_and_seek(void)
{
	int fd = open(path("vec"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	struct iovec w[3] = { { "hello ", 6 }, { "vector ", 7 }, { "world", 5 } };
	CHECK(writev(fd, w, 3) == 18, "writev");
	CHECK(lseek(fd, 0, SEEK_END) == 18, "SEEK_END is the plaintext size");
	CHECK(lseek(fd, -5, SEEK_END) == 13, "SEEK_END - 5");
	char a[7] = { 0 }, b[12] = { 0 };
	struct iovec r[2] = { { a, 6 }, { b, 11 } };
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && readv(fd, r, 2) == 17, "readv");
	CHECK(!strcmp(a, "hello ") && !strcmp(b, "vector worl"), "readv contents");
	CHECK(pwritev(fd, w + 2, 1, 100) == 5, "pwritev past the end");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 105, "size after a hole");
	char z[10];
	CHECK(pread(fd, z, 10, 50) == 10 && !memcmp(z, "\0\0\0\0\0\0\0\0\0\0", 10), "the hole reads zeros");
	/* ftruncate: shrink inside a chunk, grow again: no old bytes reappear */
	CHECK(ftruncate(fd, 3) == 0 && ftruncate(fd, 8000) == 0, "ftruncate shrink and grow");
	char g[8];
	CHECK(pread(fd, g, 8, 0) == 8 && !memcmp(g, "hel\0\0\0\0\0", 8), "grown tail is zero");
	CHECK(stat(path("vec"), &st) == 0 && st.st_size == 8000, "stat sees 8000");
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync, fdatasync");
	close(fd);
	printf("vectors, seek, truncate: ok\n");
}

static void dup_shares_offset(void)
{
	int fd = open(path("dup"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	int d = dup(fd), d2 = fcntl(fd, F_DUPFD_CLOEXEC, 50), d3 = dup2(fd, 60);
	CHECK(d >= 0 && d2 >= 50 && d3 == 60, "dup, F_DUPFD_CLOEXEC, dup2");
	CHECK(write(fd, "12", 2) == 2 && write(d, "34", 2) == 2 && write(d2, "56", 2) == 2 &&
	      write(d3, "78", 2) == 2, "writes through all");
	close(fd);
	close(d);
	close(d2);
	char buf[9] = { 0 };
	CHECK(lseek(d3, 0, SEEK_CUR) == 8 && pread(d3, buf, 8, 0) == 8 && !strcmp(buf, "12345678"),
	      "one shared offset and contents");
	close(d3);
	int fl = open(path("dup"), O_WRONLY | O_APPEND);
	CHECK((fcntl(fl, F_GETFL) & (O_APPEND | O_ACCMODE)) == (O_APPEND | O_WRONLY), "F_GETFL");
	CHECK(write(fl, "9", 1) == 1, "O_APPEND write");
	close(fl);
	struct stat st;
	CHECK(stat(path("dup"), &st) == 0 && st.st_size == 9, "appended");
	printf("dup: ok\n");
}

static void mappings(void)
{
	int fd = open(path("map"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	static unsigned char data[10000];
	pattern_fill(data, sizeof data, 0, 7);
	CHECK(write(fd, data, sizeof data) == (ssize_t)sizeof data, "write");
	unsigned char *p = mmap(NULL, 12288, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED && pattern_check(p, sizeof data, 0, 7) == (size_t)-1, "MAP_PRIVATE reads the plaintext");
	CHECK(p != MAP_FAILED && p[10000] == 0 && p[12287] == 0, "beyond the end reads zero");
	if (p != MAP_FAILED)
		munmap(p, 12288);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
	CHECK(p != MAP_FAILED && pattern_check(p, 4096, 4096, 7) == (size_t)-1, "MAP_PRIVATE at an offset");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (protected_dir)
		CHECK(p == MAP_FAILED && errno == EACCES, "shared writable mapping refused");
	else
		CHECK(p != MAP_FAILED, "shared writable mapping (unprotected)");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	close(fd);
	printf("mmap: ok\n");
}

#define MANY 300
static void many_open(void)
{
	static int fds[MANY];
	char name[64];
	int ok = 1;
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof name, "many-%03d", i);
		fds[i] = open(path(name), O_CREAT | O_RDWR | O_TRUNC, 0644);
		ok &= fds[i] >= 0 && write(fds[i], name, strlen(name)) == (ssize_t)strlen(name);
	}
	for (int i = 0; i < MANY; i++) {
		char buf[64] = { 0 };
		snprintf(name, sizeof name, "many-%03d", i);
		ok &= pread(fds[i], buf, sizeof buf, 0) == (ssize_t)strlen(name) && !strcmp(buf, name);
	}
	for (int i = 0; i < MANY; i++) {
		close(fds[i]);
		snprintf(name, sizeof name, "many-%03d", i);
		ok &= unlink(path(name)) == 0;
	}
	CHECK(ok, "%d files open at once", MANY);
	printf("many open files: ok\n");
}

#define THREADS 4
#define PER 40
static int shared_fd;
static void *writer(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	unsigned char buf[1500];
	for (int i = 0; i < PER; i++) {
		size_t off = ((size_t)i * THREADS + t) * sizeof buf;
		pattern_fill(buf, sizeof buf, off, 3);
		if (pwrite(shared_fd, buf, sizeof buf, (off_t)off) != (ssize_t)sizeof buf)
			return (void *)1;
		if (i % 10 == 9 && fsync(shared_fd) < 0)
			return (void *)1;
	}
	return NULL;
}

static void threads(void)
{
	shared_fd = open(path("threads"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	pthread_t th[THREADS];
	int ok = 1;
	for (unsigned t = 0; t < THREADS; t++)
		ok &= pthread_create(&th[t], NULL, writer, (void *)(uintptr_t)t) == 0;
	for (unsigned t = 0; t < THREADS; t++) {
		void *r;
		ok &= pthread_join(th[t], &r) == 0 && r == NULL;
	}
	close(shared_fd);
	static unsigned char back[THREADS * PER * 1500];
	int fd = open(path("threads"), O_RDONLY);
	ok &= read(fd, back, sizeof back) == (ssize_t)sizeof back;
	close(fd);
	CHECK(ok && pattern_check(back, sizeof back, 0, 3) == (size_t)-1, "%d threads writing one file", THREADS);
	printf("threads: ok\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fs_semantics DIR\n");
		return 2;
	}
	snprintf(top, sizeof top, "%s", argv[1]);
	protected_dir = argc > 2 && !strcmp(argv[2], "protected");
	open_flags();
	vectors_and_seek();
	dup_shares_offset();
	mappings();
	many_open();
	threads();
	return check_exit();
}
