/*
 * Helper for the file-system shield tests (tests/5*.t); runs natively or
 * inside the enclave.
 *
 *   fs_tool cat PATH          print the file; "error: <strerror>" and exit 1
 *   fs_tool write PATH TEXT   replace the contents (O_TRUNC), fsync
 *   fs_tool append PATH TEXT  append, close
 *   fs_tool crash DIR         rewrite files in DIR forever; after each
 *                             commit print "committed FILE VERSION"
 *   fs_tool check DIR [LOG]   every crash file is readable and a complete
 *                             version, not older than LOG's last commit
 *   fs_tool tree DIR          modify a directory tree (round trip test)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NFILES 4

static int cat(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("error: %s\n", strerror(errno));
		return 1;
	}
	char buf[8192];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	if (n < 0) {
		printf("error: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

static int put(const char *path, const char *text, int append)
{
	int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    (!append && fsync(fd) < 0) || close(fd) < 0) {
		printf("error: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* A version of crash file k: 16-byte header "v%015llu", then bytes that
 * depend on (k, v); its size depends on v too (grows and shrinks). */
static size_t vsize(int k, uint64_t v)
{
	return 16 + (size_t)((v * 7919 + (uint64_t)k * 104729) % 70000);
}

static unsigned char vbyte(int k, uint64_t v, size_t i)
{
	uint64_t x = (i + 1) * 2654435761u ^ (v * 40503u) ^ ((uint64_t)k << 29);
	return (unsigned char)(x ^ (x >> 13));
}

static void crash_name(char *out, size_t n, const char *dir, int k)
{
	snprintf(out, n, "%s/crash%d", dir, k);
}

static int write_version(const char *dir, int k, uint64_t v, unsigned char *buf)
{
	char path[4096], tmp[4200];
	size_t size = vsize(k, v);
	snprintf((char *)buf, 17, "v%015llu", (unsigned long long)v);
	for (size_t i = 16; i < size; i++)
		buf[i] = vbyte(k, v, i);
	crash_name(path, sizeof(path), dir, k);
	if (k == NFILES - 1) {
		/* the write-temporary-then-rename pattern */
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return -1;
		for (size_t o = 0; o < size;) {
			size_t c = size - o < 5000 ? size - o : 5000;
			if (write(fd, buf + o, c) != (ssize_t)c)
				return -1;
			o += c;
		}
		if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0)
			return -1;
		return 0;
	}
	/* in place, in pieces, shrinking with ftruncate */
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return -1;
	for (size_t o = 0; o < size;) {
		size_t c = size - o < 3000 ? size - o : 3000;
		if (pwrite(fd, buf + o, c, (off_t)o) != (ssize_t)c)
			return -1;
		o += c;
	}
	if (ftruncate(fd, (off_t)size) < 0 || (v % 2 ? fsync(fd) : fdatasync(fd)) < 0)
		return -1;
	return close(fd);
}

static int crash(const char *dir)
{
	static unsigned char buf[80000];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (uint64_t v = 1;; v++) {
		int k = (int)(v % NFILES);
		if (write_version(dir, k, v, buf) < 0) {
			printf("error: %s\n", strerror(errno));
			return 1;
		}
		printf("committed %d %llu\n", k, (unsigned long long)v);
	}
}

static int check(const char *dir, const char *log)
{
	static unsigned char buf[80000];
	uint64_t last[NFILES] = { 0 };
	if (log) {
		FILE *f = fopen(log, "r");
		char line[256];
		int k;
		unsigned long long v;
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "committed %d %llu", &k, &v) == 2 && k >= 0 && k < NFILES)
				last[k] = v;
		if (f)
			fclose(f);
	}
	int bad = 0;
	for (int k = 0; k < NFILES; k++) {
		char path[4096];
		crash_name(path, sizeof(path), dir, k);
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			if (errno == ENOENT && last[k] == 0)
				continue; /* never committed */
			printf("crash%d: open: %s\n", k, strerror(errno));
			bad = 1;
			continue;
		}
		ssize_t n = read(fd, buf, sizeof(buf));
		close(fd);
		unsigned long long v = 0;
		if (n < 16 || sscanf((char *)buf, "v%15llu", &v) != 1) {
			printf("crash%d: %s\n", k, n < 0 ? strerror(errno) : "no version header");
			bad = 1;
			continue;
		}
		if ((size_t)n != vsize(k, v)) {
			printf("crash%d: version %llu has %zd bytes, not %zu\n", k, v, n, vsize(k, v));
			bad = 1;
			continue;
		}
		for (size_t i = 16; i < (size_t)n; i++)
			if (buf[i] != vbyte(k, v, i)) {
				printf("crash%d: version %llu differs at byte %zu\n", k, v, i);
				bad = 1;
				break;
			}
		if (v < last[k]) {
			printf("crash%d: version %llu is older than the last commit %llu\n", k, v,
			       (unsigned long long)last[k]);
			bad = 1;
		}
	}
	if (!bad)
		printf("consistent\n");
	return bad;
}

/* Deterministic changes to a tree made by tests/55-fs-roundtrip.t. */
static int tree(const char *dir)
{
	char a[4096], b[4096];
	int r = 0;
	snprintf(a, sizeof(a), "%s/notes.txt", dir);
	r |= put(a, "appended by the enclave\n", 1);
	snprintf(a, sizeof(a), "%s/sub/delete-me", dir);
	if (unlink(a) < 0)
		r = 1;
	snprintf(a, sizeof(a), "%s/sub/old-name", dir);
	snprintf(b, sizeof(b), "%s/sub/new-name", dir);
	if (rename(a, b) < 0)
		r = 1;
	snprintf(a, sizeof(a), "%s/created.txt", dir);
	r |= put(a, "created inside the enclave\n", 0);
	/* rewrite the middle of the big file and shrink it */
	snprintf(a, sizeof(a), "%s/big.bin", dir);
	int fd = open(a, O_RDWR);
	static char mid[20000];
	memset(mid, 'M', sizeof(mid));
	if (fd < 0 || pwrite(fd, mid, sizeof(mid), 100000) != (ssize_t)sizeof(mid) ||
	    ftruncate(fd, 300001) < 0 || close(fd) < 0)
		r = 1;
	if (r)
		printf("error: %s\n", strerror(errno));
	return r;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "cat"))
		return cat(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "write"))
		return put(argv[2], argv[3], 0);
	if (argc >= 4 && !strcmp(argv[1], "append"))
		return put(argv[2], argv[3], 1);
	if (argc >= 3 && !strcmp(argv[1], "crash"))
		return crash(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "check"))
		return check(argv[2], argc > 3 ? argv[3] : NULL);
	if (argc >= 3 && !strcmp(argv[1], "tree"))
		return tree(argv[2]);
	fprintf(stderr, "usage: fs_tool cat|write|append|crash|check|tree ...\n");
	return 2;
}
