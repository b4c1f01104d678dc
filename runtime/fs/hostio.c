/*
 * Host file operations for the shield.  Arguments are enclave buffers;
 * rt_forward copies them through the bounce buffers and validates the
 * results.  Everything returned here is still the host's word: contents
 * are checked against the fspf by the callers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "fs.h"

static long fwd(long nr, long a0, long a1, long a2, long a3)
{
	long a[6] = { a0, a1, a2, a3, 0, 0 };
	return rt_forward(nr, a);
}

long fsh_open(const char *path, int flags, int mode)
{
	return fwd(SYS_openat, AT_FDCWD, (long)path, flags, mode);
}

long fsh_close(long fd)
{
	return fwd(SYS_close, fd, 0, 0, 0);
}

long fsh_pread(long fd, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		long r = fwd(SYS_pread64, fd, (long)((char *)buf + done), (long)(n - done), (long)(off + done));
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (long)done;
}

long fsh_pwrite(long fd, const void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		long r = fwd(SYS_pwrite64, fd, (long)((const char *)buf + done), (long)(n - done), (long)(off + done));
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return (long)done;
}

long fsh_ftruncate(long fd, uint64_t len)
{
	return fwd(SYS_ftruncate, fd, (long)len, 0, 0);
}

long fsh_fsync(long fd)
{
	return fwd(SYS_fsync, fd, 0, 0, 0);
}

long fsh_fsize(long fd, uint64_t *size, int *is_dir)
{
	struct stat st;
	long r = fwd(SYS_fstat, fd, (long)&st, 0, 0);
	if (r < 0)
		return r;
	*size = (uint64_t)st.st_size;
	if (is_dir)
		*is_dir = S_ISDIR(st.st_mode);
	return 0;
}

long fsh_rename(const char *a, const char *b)
{
	return fwd(SYS_rename, (long)a, (long)b, 0, 0);
}

long fsh_unlink(const char *p)
{
	return fwd(SYS_unlink, (long)p, 0, 0, 0);
}

long fsh_exists(const char *p)
{
	struct stat st;
	return fwd(SYS_lstat, (long)p, (long)&st, 0, 0) == 0;
}

long fsh_fsync_dir(const char *path)
{
	char d[FS_PATH];
	size_t n = strlen(path);
	if (n >= sizeof(d))
		return -ENAMETOOLONG;
	memcpy(d, path, n + 1);
	char *s = strrchr(d, '/');
	if (!s)
		return -EINVAL;
	if (s == d)
		s[1] = 0;
	else
		*s = 0;
	long fd = fsh_open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	fsh_fsync(fd);
	fsh_close(fd);
	return 0;
}

long fsh_read_file(const char *path, uint8_t **data, size_t *len)
{
	long fd = fsh_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	uint64_t size;
	long r = fsh_fsize(fd, &size, NULL);
	if (r == 0 && size > SCONCE_FSPF_MAX_BODY)
		r = -EFBIG;
	uint8_t *b = r == 0 ? malloc(size + 1) : NULL;
	if (r == 0 && !b)
		r = -ENOMEM;
	if (r == 0) {
		r = fsh_pread(fd, b, size, 0);
		if (r >= 0 && (uint64_t)r != size)
			r = -EIO;
	}
	fsh_close(fd);
	if (r < 0) {
		free(b);
		return r;
	}
	*data = b;
	*len = size;
	return 0;
}

/* Write a whole file and make it durable.  replace: 1 through NAME.tmp
 * and rename (atomic); 0 in place after truncating; 2 in place without
 * truncating (an overwrite of the same length: a kill never leaves the
 * file empty or short). */
long fsh_write_file(const char *path, const void *data, size_t len, int replace)
{
	if (replace == 2) {
		long fd = fsh_open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return fd;
		long r = fsh_pwrite(fd, data, len, 0);
		if (r >= 0)
			r = fsh_ftruncate(fd, len);
		if (r >= 0)
			r = fsh_fsync(fd);
		fsh_close(fd);
		return r < 0 ? r : 0;
	}
	char tmp[FS_PATH + 8];
	size_t n = strlen(path);
	if (n + 5 > FS_PATH)
		return -ENAMETOOLONG;
	memcpy(tmp, path, n);
	memcpy(tmp + n, replace ? ".tmp" : "", replace ? 5 : 1);
	long fd = fsh_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fd;
	long r = fsh_pwrite(fd, data, len, 0);
	if (r >= 0)
		r = fsh_fsync(fd);
	fsh_close(fd);
	if (r < 0)
		return r;
	if (replace) {
		r = fsh_rename(tmp, path);
		if (r < 0)
			return r;
		fsh_fsync_dir(path);
	}
	return 0;
}
