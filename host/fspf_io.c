/*
 * `sconce fspf`: host file I/O that the volume's files need: a whole file
 * read, a positioned write that finishes, and a crash-safe replacement
 * (write a copy, sync it, rename it over, sync the directory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host.h"
#include "fspf_tool.h"

int fspf_read_all(const char *path, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	uint8_t *b = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (b && got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!b)
		return -ENOMEM;
	*data = b;
	*len = got;
	return 0;
}

int fspf_write_all_fd(int fd, const void *p, size_t n, off_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p = (const uint8_t *)p + w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

int fspf_fsync_dir_of(const char *path)
{
	char *d = strdup(path), *s = strrchr(d, '/');
	if (s == d)
		s[1] = 0;
	else if (s)
		*s = 0;
	else
		strcpy(d, ".");
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(d);
	if (fd < 0)
		return -errno;
	fsync(fd);
	close(fd);
	return 0;
}

int fspf_replace_file(const char *path, const void *data, size_t len)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = fspf_write_all_fd(fd, data, len, 0);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r == 0)
		fspf_fsync_dir_of(path);
	return r;
}
