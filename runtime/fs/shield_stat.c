/*
 * Metadata of protected files: the host's stat answers, with the size
 * and block count replaced by the protected file's working size, which
 * counts what is not committed yet (the host only knows the committed
 * size, and may lie about it).  A regular file the fspf does not list
 * does not exist for the application.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "shield.h"

#define STAT_MODE 24   /* offsets in the kernel's struct stat (x86_64) */
#define STAT_SIZE 48
#define STAT_BLOCKS 64
#define STATX_MODE 28  /* struct statx */
#define STATX_SIZE 40
#define STATX_BLOCKS 48

static void patch_stat(uint8_t *st, int statx, uint64_t size)
{
	uint64_t blocks = (size + 511) / 512;
	memcpy(st + (statx ? STATX_SIZE : STAT_SIZE), &size, 8);
	memcpy(st + (statx ? STATX_BLOCKS : STAT_BLOCKS), &blocks, 8);
}

static int is_reg(const uint8_t *st, int statx)
{
	uint32_t m = 0;
	memcpy(&m, st + (statx ? STATX_MODE : STAT_MODE), statx ? 2 : 4);
	return S_ISREG(m);
}

static uint64_t file_size(struct fs_file *f)
{
	fs_lock(&f->lock);
	uint64_t s = f->size;
	fs_unlock(&f->lock);
	return s;
}

/* stat, lstat, newfstatat, statx on a path. */
long fs_do_stat_path(long n, const long a[6], long *ret)
{
	long dirfd = AT_FDCWD, upath, stp;
	int statx = n == SYS_statx;
	switch (n) {
	case SYS_stat: case SYS_lstat: upath = a[0]; stp = a[1]; break;
	case SYS_newfstatat: dirfd = a[0]; upath = a[1]; stp = a[2]; break;
	default: dirfd = a[0]; upath = a[1]; stp = a[4]; break;
	}
	const char *path;
	char abs[FS_PATH];
	if (fs_user_path(upath, &path) < 0)
		return 0;
	int flags = n == SYS_newfstatat ? (int)a[3] : statx ? (int)a[2] : 0;
	if (!*path && (flags & AT_EMPTY_PATH)) {
		struct fs_ofd *o = fs_ofd_get(dirfd);
		if (!o)
			return 0;
		long r = rt_forward(n, a);
		if (r == 0)
			patch_stat((uint8_t *)stp, statx, file_size(o->f));
		fs_ofd_put(o);
		*ret = r;
		return 1;
	}
	if (!fs_resolve_locked(dirfd, path, abs) || fs_region_mode(abs) == SCONCE_FSPF_UNPROTECTED)
		return 0;
	if (fsv.state != 1) {
		*ret = -EIO;
		return 1;
	}
	/* Ask the host about the absolute path (the working directory is the
	 * shield's), then correct the size. */
	long b[6] = { a[0], a[1], a[2], a[3], a[4], a[5] };
	switch (n) {
	case SYS_stat: case SYS_lstat: b[0] = (long)abs; break;
	default: b[0] = AT_FDCWD; b[1] = (long)abs; break;
	}
	long r = rt_forward(n, b);
	if (r == 0) {
		fs_lock(&fsv.lock);
		struct fs_file *f = fs_lookup(abs);
		if (f)
			f->opens++;
		fs_unlock(&fsv.lock);
		if (f) {
			patch_stat((uint8_t *)stp, statx, file_size(f));
			fs_lock(&fsv.lock);
			f->opens--;
			fs_unlock(&fsv.lock);
		} else if (is_reg((const uint8_t *)stp, statx)) {
			r = -ENOENT; /* not listed: does not exist for the application */
		}
	}
	*ret = r;
	return 1;
}

long fs_do_fstat(struct fs_ofd *o, const long a[6])
{
	long r = rt_forward(SYS_fstat, a);
	if (r == 0)
		patch_stat((uint8_t *)a[1], 0, file_size(o->f));
	return r;
}
