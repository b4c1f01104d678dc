/*
 * File mappings: a private mapping sees the file's bytes and keeps its own
 * changes; a read-only shared mapping of a read-only descriptor (what musl
 * does with /etc/localtime) sees the file's bytes; a shared mapping of a
 * descriptor opened for writing is either served natively or refused
 * inside the enclave, never silently turned into a copy.
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	REQUIRE(argc == 2, "usage: mmap_file_ro DIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/mapped.txt", argv[1]);
	static const char text[] = "a file mapped into memory, 8192 bytes or so";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	REQUIRE(fd >= 0, "create %s", path);
	for (int i = 0; i < 200; i++)
		REQUIRE(write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1, "write");
	close(fd);

	fd = open(path, O_RDONLY);
	REQUIRE(fd >= 0, "open read-only");
	char *p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	REQUIRE(p != MAP_FAILED, "read-only shared mapping of a read-only descriptor");
	CHECK(!memcmp(p, text, sizeof(text) - 1) && !memcmp(p + 43 * 100, text, sizeof(text) - 1),
	      "the shared read-only mapping holds the file's bytes");
	CHECK(munmap(p, 8192) == 0, "munmap");
	printf("shared read-only: ok\n");

	char *q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
	REQUIRE(q != MAP_FAILED, "private mapping at an offset");
	CHECK(q[0] == text[4096 % 43], "the private mapping starts at the offset");
	q[0] = '#';
	char c;
	CHECK(pread(fd, &c, 1, 4096) == 1 && c == text[4096 % 43], "a private change stays private");
	munmap(q, 8192);
	close(fd);
	printf("private: ok\n");

	fd = open(path, O_RDWR);
	REQUIRE(fd >= 0, "open read-write");
	char *w = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (w != MAP_FAILED) {
		/* natively: a true shared mapping, which sees a write */
		CHECK(pwrite(fd, "Z", 1, 0) == 1 && w[0] == 'Z', "a shared mapping sees the file change");
		munmap(w, 4096);
	} else {
		/* inside the enclave: refused, not silently a copy */
		CHECK(errno == ENODEV, "a refused shared mapping fails with ENODEV (errno %d)", errno);
	}
	printf("shared, read-write descriptor: ok\n");
	close(fd);
	unlink(path);
	return check_exit();
}
