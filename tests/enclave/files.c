/*
 * File system round trips, all inside the directory given as argv[1]
 * (which must exist and be empty; it is left containing only result.txt
 * with the contents "sconce files test\n").
 *
 * Covers open/openat/creat-style open, write, read, pwrite, pread, lseek,
 * fstat, stat, ftruncate, fsync, rename, unlink, mkdir, rmdir, O_APPEND,
 * stdio and directory listing (getdents64 through opendir/readdir).
 */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static char top[4096];

static const char *path(const char *rel)
{
	static char buf[4][4096 + 256];
	static int n;
	char *p = buf[n++ & 3];
	if (snprintf(p, sizeof buf[0], "%s/%s", top, rel) >= (int)sizeof buf[0]) {
		fprintf(stderr, "FAIL: path too long\n");
		exit(2);
	}
	return p;
}

/* write all of buf, looping over short writes */
static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read until len bytes or EOF; returns bytes read or -1 */
static ssize_t read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void round_trip(size_t size, unsigned seed)
{
	char rel[64];
	unsigned char *buf = malloc(size + 16), *back = malloc(size + 16);
	struct stat st, fst;
	int fd;

	REQUIRE(buf && back, "malloc for %zu bytes", size);
	snprintf(rel, sizeof rel, "sub/f_%zu", size);
	pattern_fill(buf, size, 0, seed);

	fd = open(path(rel), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	REQUIRE(fd >= 0, "open %s for writing", rel);
	/* one single write call for the whole buffer (loop only if short) */
	CHECK(write_all(fd, buf, size) == 0, "write %zu bytes", size);
	CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)size, "offset after write of %zu",
	      size);
	CHECK(fsync(fd) == 0, "fsync");
	CHECK(close(fd) == 0, "close after write");

	CHECK(stat(path(rel), &st) == 0, "stat %s", rel);
	CHECK(S_ISREG(st.st_mode), "%s is a regular file", rel);
	CHECK(st.st_size == (off_t)size, "stat size %lld != %zu",
	      (long long)st.st_size, size);
	CHECK((st.st_mode & 0600) == 0600, "owner read/write mode bits");

	fd = open(path(rel), O_RDONLY);
	REQUIRE(fd >= 0, "open %s for reading", rel);
	CHECK(fstat(fd, &fst) == 0, "fstat");
	CHECK(fst.st_size == (off_t)size, "fstat size");
	CHECK(fst.st_ino == st.st_ino && fst.st_dev == st.st_dev,
	      "stat and fstat agree on the inode");
	memset(back, 0xEE, size + 16);
	/* ask for more than there is: must stop at EOF */
	ssize_t n = read_full(fd, back, size + 16);
	CHECK(n == (ssize_t)size, "read back %zd of %zu bytes", n, size);
	CHECK(pattern_check(back, size, 0, seed) == (size_t)-1,
	      "content of %zu-byte file", size);
	CHECK(read(fd, back, 1) == 0, "read at EOF returns 0");
	CHECK(close(fd) == 0, "close after read");

	printf("round trip %zu bytes: ok\n", size);
	free(buf);
	free(back);
}

static void positional(void)
{
	enum { SZ = 8192 };
	unsigned char buf[SZ], back[SZ];
	int fd = open(path("sub/pos"), O_CREAT | O_RDWR | O_EXCL, 0600);

	REQUIRE(fd >= 0, "open sub/pos");
	pattern_fill(buf, SZ, 0, 7);
	CHECK(write_all(fd, buf, SZ) == 0, "write 8192");

	/* pwrite/pread must not move the file offset */
	CHECK(lseek(fd, 100, SEEK_SET) == 100, "lseek SEEK_SET 100");
	CHECK(pwrite(fd, "XYZ", 3, 5000) == 3, "pwrite at 5000");
	CHECK(lseek(fd, 0, SEEK_CUR) == 100, "offset unchanged by pwrite");
	memset(back, 0, sizeof back);
	CHECK(pread(fd, back, 5, 4999) == 5, "pread at 4999");
	CHECK(back[0] == buf[4999] && memcmp(back + 1, "XYZ", 3) == 0 &&
		      back[4] == buf[5003],
	      "pread content");
	CHECK(lseek(fd, 0, SEEK_CUR) == 100, "offset unchanged by pread");
	/* plain read continues from 100 */
	CHECK(read(fd, back, 10) == 10 && memcmp(back, buf + 100, 10) == 0,
	      "read continues at the offset");
	CHECK(lseek(fd, -10, SEEK_CUR) == 100, "lseek SEEK_CUR -10");
	CHECK(lseek(fd, 0, SEEK_END) == SZ, "lseek SEEK_END");
	CHECK(lseek(fd, -1, SEEK_END) == SZ - 1, "lseek SEEK_END -1");
	/* large pread across the whole file */
	memset(back, 0, sizeof back);
	CHECK(pread(fd, back, SZ, 0) == SZ, "pread whole file");
	buf[5000] = 'X';
	buf[5001] = 'Y';
	buf[5002] = 'Z';
	CHECK(memcmp(back, buf, SZ) == 0, "whole file content after pwrite");
	/* pread at and after EOF */
	CHECK(pread(fd, back, 10, SZ) == 0, "pread at EOF returns 0");
	CHECK(pread(fd, back, 10, SZ - 4) == 4, "pread across EOF is short");

	/* writing after a seek past the end leaves a hole of zeros */
	CHECK(lseek(fd, SZ + 1000, SEEK_SET) == SZ + 1000, "seek past end");
	CHECK(write(fd, "E", 1) == 1, "write after hole");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == SZ + 1001,
	      "size after hole write");
	memset(back, 0xff, 1000);
	CHECK(pread(fd, back, 1000, SZ) == 1000, "pread hole");
	int zero = 1;
	for (int i = 0; i < 1000; i++)
		zero &= back[i] == 0;
	CHECK(zero, "hole reads as zeros");

	/* ftruncate: shrink, then grow (new part reads as zeros) */
	CHECK(ftruncate(fd, 10) == 0, "ftruncate to 10");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 10, "size after shrink");
	CHECK(ftruncate(fd, 4096) == 0, "ftruncate to 4096");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 4096, "size after grow");
	memset(back, 0xff, 4096);
	CHECK(pread(fd, back, 4096, 0) == 4096, "pread after grow");
	CHECK(memcmp(back, buf, 10) == 0, "first 10 bytes kept");
	zero = 1;
	for (int i = 10; i < 4096; i++)
		zero &= back[i] == 0;
	CHECK(zero, "grown part reads as zeros");
	CHECK(ftruncate(fd, 0) == 0, "ftruncate to 0");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0, "size after truncate 0");
	CHECK(fsync(fd) == 0, "fsync");
	CHECK(close(fd) == 0, "close");
	printf("pwrite/pread/lseek/ftruncate: ok\n");
}

static void append_mode(void)
{
	int fd = open(path("sub/app"), O_CREAT | O_WRONLY | O_APPEND, 0644);
	char back[32];

	REQUIRE(fd >= 0, "open O_APPEND");
	CHECK(write(fd, "one,", 4) == 4, "append write 1");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "seek to 0");
	CHECK(write(fd, "two", 3) == 3, "append write 2");
	CHECK(close(fd) == 0, "close");
	fd = open(path("sub/app"), O_RDONLY);
	REQUIRE(fd >= 0, "reopen");
	memset(back, 0, sizeof back);
	CHECK(read(fd, back, sizeof back) == 7 && strcmp(back, "one,two") == 0,
	      "O_APPEND writes at the end, got '%s'", back);
	close(fd);
	printf("O_APPEND: ok\n");
}

static void at_calls(void)
{
	int dfd = open(path("sub"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	char back[16] = {0};

	REQUIRE(dfd >= 0, "open sub O_DIRECTORY");
	int fd = openat(dfd, "at_file", O_CREAT | O_RDWR | O_TRUNC, 0640);
	CHECK(fd >= 0, "openat create");
	CHECK(write(fd, "relative", 8) == 8, "write via openat fd");
	CHECK(close(fd) == 0, "close");
	CHECK(stat(path("sub/at_file"), &st) == 0 && st.st_size == 8,
	      "openat created the file inside the directory");
	fd = openat(dfd, "at_file", O_RDONLY);
	CHECK(fd >= 0 && read(fd, back, 15) == 8 && strcmp(back, "relative") == 0,
	      "openat read back");
	if (fd >= 0)
		close(fd);
	/* an absolute path ignores dirfd */
	if (top[0] == '/') {
		fd = openat(dfd, path("sub/at_file"), O_RDONLY);
		CHECK(fd >= 0, "openat with absolute path");
		if (fd >= 0)
			close(fd);
	}
	fd = openat(AT_FDCWD, path("sub/at_file"), O_RDONLY);
	CHECK(fd >= 0, "openat AT_FDCWD");
	if (fd >= 0)
		close(fd);
	CHECK(fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode), "fstat directory");
	CHECK(close(dfd) == 0, "close dirfd");
	CHECK(unlink(path("sub/at_file")) == 0, "unlink at_file");
	printf("openat: ok\n");
}

static void rename_unlink(void)
{
	struct stat st;
	int fd = open(path("sub/old"), O_CREAT | O_WRONLY, 0644);
	char back[8] = {0};

	REQUIRE(fd >= 0, "create old");
	CHECK(write(fd, "moved", 5) == 5, "write old");
	close(fd);
	CHECK(rename(path("sub/old"), path("sub/new")) == 0, "rename");
	errno = 0;
	CHECK(stat(path("sub/old"), &st) == -1 && errno == ENOENT,
	      "old name gone");
	fd = open(path("sub/new"), O_RDONLY);
	CHECK(fd >= 0 && read(fd, back, 7) == 5 && strcmp(back, "moved") == 0,
	      "new name has the content");
	if (fd >= 0)
		close(fd);
	/* rename over an existing file replaces it */
	fd = open(path("sub/other"), O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "create other");
	if (fd >= 0)
		close(fd);
	CHECK(rename(path("sub/new"), path("sub/other")) == 0,
	      "rename over existing");
	CHECK(stat(path("sub/other"), &st) == 0 && st.st_size == 5,
	      "replaced file has new content");
	/* an open file survives unlink */
	fd = open(path("sub/other"), O_RDONLY);
	CHECK(fd >= 0, "open before unlink");
	CHECK(unlink(path("sub/other")) == 0, "unlink");
	errno = 0;
	CHECK(stat(path("sub/other"), &st) == -1 && errno == ENOENT,
	      "unlinked file gone");
	memset(back, 0, sizeof back);
	CHECK(fd >= 0 && read(fd, back, 7) == 5 && strcmp(back, "moved") == 0,
	      "unlinked file still readable through open fd");
	if (fd >= 0)
		close(fd);
	/* renaming a directory */
	CHECK(mkdir(path("sub/d1"), 0755) == 0, "mkdir d1");
	CHECK(rename(path("sub/d1"), path("sub/d2")) == 0, "rename directory");
	CHECK(stat(path("sub/d2"), &st) == 0 && S_ISDIR(st.st_mode),
	      "renamed directory");
	CHECK(rmdir(path("sub/d2")) == 0, "rmdir d2");
	printf("rename/unlink: ok\n");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void listing(void)
{
	enum { N = 150 };
	char *names[N + 8];
	int n = 0, files = 0, dirs = 0, dots = 0;
	struct dirent *de;
	DIR *d;

	CHECK(mkdir(path("list"), 0755) == 0, "mkdir list");
	for (int i = 0; i < N; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "list/entry-with-a-long-name-%03d", i);
		int fd = open(path(rel), O_CREAT | O_WRONLY, 0644);
		CHECK(fd >= 0, "create %s", rel);
		if (fd >= 0)
			close(fd);
	}
	CHECK(mkdir(path("list/zdir"), 0755) == 0, "mkdir list/zdir");

	d = opendir(path("list"));
	REQUIRE(d, "opendir list");
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			dots++;
			continue;
		}
		if (n < N + 8)
			names[n++] = strdup(de->d_name);
		if (de->d_type == DT_REG)
			files++;
		else if (de->d_type == DT_DIR)
			dirs++;
		else
			CHECK(de->d_type == DT_UNKNOWN, "d_type of %s", de->d_name);
	}
	CHECK(errno == 0, "readdir ended without error");
	CHECK(closedir(d) == 0, "closedir");
	CHECK(dots == 2, "saw . and .. (%d)", dots);
	CHECK(n == N + 1, "listed %d entries, want %d", n, N + 1);
	qsort(names, (size_t)n, sizeof names[0], cmp_str);
	printf("listing: %d entries\n", n);
	for (int i = 0; i < n; i++) {
		if (i < 3 || i >= n - 3)
			printf("  %s\n", names[i]);
		if (i < N) {
			char want[64];
			snprintf(want, sizeof want, "entry-with-a-long-name-%03d", i);
			CHECK(strcmp(names[i], want) == 0, "entry %d is %s", i,
			      names[i]);
		}
	}
	if (n == N + 1)
		CHECK(strcmp(names[N], "zdir") == 0, "last entry zdir");
	if (files + dirs == n)
		printf("d_type: %d files, %d dirs\n", files, dirs);
	else
		printf("d_type: unknown\n"); /* file system without d_type */

	errno = 0;
	CHECK(rmdir(path("list")) == -1 && errno == ENOTEMPTY,
	      "rmdir non-empty list");
	for (int i = 0; i < n; i++) {
		char rel[300];
		snprintf(rel, sizeof rel, "list/%s", names[i]);
		if (strcmp(names[i], "zdir") == 0)
			CHECK(rmdir(path(rel)) == 0, "rmdir %s", rel);
		else
			CHECK(unlink(path(rel)) == 0, "unlink %s", rel);
		free(names[i]);
	}
	CHECK(rmdir(path("list")) == 0, "rmdir list");

	/* an empty directory lists only . and .. */
	CHECK(mkdir(path("empty"), 0700) == 0, "mkdir empty");
	d = opendir(path("empty"));
	n = 0;
	if (d) {
		while ((de = readdir(d)))
			n++;
		closedir(d);
	}
	CHECK(d && n == 2, "empty directory has 2 entries (%d)", n);
	CHECK(rmdir(path("empty")) == 0, "rmdir empty");
	printf("directory listing: ok\n");
}

static void stdio_round_trip(void)
{
	FILE *f = fopen(path("sub/stdio.txt"), "w");
	char line[128];
	int count = 0;

	REQUIRE(f, "fopen w");
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d of the stdio test\n", i);
	CHECK(fclose(f) == 0, "fclose w");
	f = fopen(path("sub/stdio.txt"), "r");
	REQUIRE(f, "fopen r");
	while (fgets(line, sizeof line, f)) {
		char want[64];
		snprintf(want, sizeof want, "line %d of the stdio test\n", count);
		CHECK(strcmp(line, want) == 0, "stdio line %d", count);
		count++;
	}
	CHECK(!ferror(f) && feof(f), "stdio EOF");
	CHECK(count == 1000, "stdio line count %d", count);
	CHECK(fseek(f, -9, SEEK_END) == 0 && fgets(line, sizeof line, f) &&
		      strcmp(line, "dio test\n") == 0,
	      "fseek from end");
	fclose(f);
	CHECK(unlink(path("sub/stdio.txt")) == 0, "unlink stdio.txt");
	printf("stdio: ok\n");
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {0, 1, 4095, 4096, 4097, 65536,
				       1024 * 1024 + 1};
	struct stat st;

	if (argc != 2) {
		fprintf(stderr, "FAIL: usage: files DIR\n");
		return 2;
	}
	snprintf(top, sizeof top, "%s", argv[1]);
	REQUIRE(stat(top, &st) == 0 && S_ISDIR(st.st_mode), "%s is a directory",
		top);

	CHECK(mkdir(path("sub"), 0755) == 0, "mkdir sub");
	CHECK(stat(path("sub"), &st) == 0 && S_ISDIR(st.st_mode), "stat sub");
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		round_trip(sizes[i], (unsigned)i + 1);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "sub/f_%zu", sizes[i]);
		CHECK(unlink(path(rel)) == 0, "unlink %s", rel);
	}
	positional();
	CHECK(unlink(path("sub/pos")) == 0, "unlink pos");
	append_mode();
	CHECK(unlink(path("sub/app")) == 0, "unlink app");
	at_calls();
	rename_unlink();
	stdio_round_trip();
	listing();
	CHECK(rmdir(path("sub")) == 0, "rmdir sub (must be empty now)");

	int fd = open(path("result.txt"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "sconce files test\n", 18) == 18,
	      "write result.txt");
	if (fd >= 0)
		CHECK(close(fd) == 0, "close result.txt");
	printf("files: done\n");
	return check_exit();
}
