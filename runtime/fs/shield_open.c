/*
 * Opening a protected file: open, creat and openat install an open file
 * description for the application's descriptor (shield_fd.c) and, for
 * the file's first one, open its private host descriptor; a new file gets
 * a fresh id and key.  truncate(path) opens, resizes and commits at once.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include "shield.h"

long fs_do_open(long dirfd, long upath, long flags, long mode, long *ret)
{
	char abs[FS_PATH];
	if (!fs_app_path(dirfd, upath, abs))
		return 0;
	uint32_t mode_r = fs_region_mode(abs);
	if (mode_r == SCONCE_FSPF_UNPROTECTED || (flags & O_PATH)) {
		long r = fs_fwd(SYS_openat, dirfd, upath, flags, mode, 0, 0);
		if (r >= 0 && (flags & O_DIRECTORY)) {
			fs_lock(&fsv.lock);
			fs_dir_set(r, abs);
			fs_unlock(&fsv.lock);
		}
		*ret = r;
		return 1;
	}
	if (fsv.state != 1) {
		*ret = -EIO;
		return 1;
	}
	int acc = (int)flags & O_ACCMODE;
	int writes = acc != O_RDONLY || (flags & O_TRUNC);
	long r;
	fs_lock(&fsv.lock);
	struct fs_file *f = fs_lookup(abs);
	if (!f && !(flags & O_CREAT)) {
		fs_unlock(&fsv.lock);
		/* A directory, or a file the fspf does not list. */
		r = fsh_open(abs, (int)(flags & ~(O_TRUNC | O_APPEND)), 0);
		if (r < 0) {
			*ret = r;
			return 1;
		}
		uint64_t sz;
		int dir = 0;
		fsh_fsize(r, &sz, &dir);
		if (!dir) {
			fsh_close(r);
			rt_log("fs: %s: not listed in the fspf: refused (ENOENT)", abs);
			*ret = -ENOENT;
			return 1;
		}
		fs_lock(&fsv.lock);
		fs_dir_set(r, abs);
		fs_unlock(&fsv.lock);
		*ret = r;
		return 1;
	}
	if (f && (flags & O_CREAT) && (flags & O_EXCL)) {
		fs_unlock(&fsv.lock);
		*ret = -EEXIST;
		return 1;
	}
	if ((writes || !f) && !fsv.writable) {
		fs_unlock(&fsv.lock);
		fs_ro_warn(abs);
		*ret = -EROFS;
		return 1;
	}
	if (flags & O_DIRECTORY) {
		fs_unlock(&fsv.lock);
		*ret = -ENOTDIR;
		return 1;
	}
	int created = 0;
	int hflags = (acc == O_RDONLY ? O_RDONLY : O_RDWR) | (int)(flags & (O_CLOEXEC | O_NONBLOCK)) | O_NOFOLLOW;
	if (!f) {
		/* New file: an empty host file now, listed at its first commit.
		 * A host file left by an uncommitted creation is reused. */
		r = fsh_open(abs, hflags | O_CREAT | O_TRUNC, (int)mode);
		if (r < 0) {
			fs_unlock(&fsv.lock);
			*ret = r;
			return 1;
		}
		f = fs_new_file(abs, mode_r);
		if (!f || rt_random_bytes(f->file_id, sizeof(f->file_id)) < 0 ||
		    rt_random_bytes(f->key, sizeof(f->key)) < 0) {
			fs_unlock(&fsv.lock);
			fsh_close(r);
			*ret = -ENOMEM;
			return 1;
		}
		f->changed = 1;
		fs_insert(f);
		created = 1;
	} else {
		r = fsh_open(abs, hflags, 0);
		if (r < 0) {
			fs_unlock(&fsv.lock);
			if (r == -ENOENT || r == -ELOOP) {
				rt_log("fs: %s: listed in the fspf but missing on the host (deleted or replaced)", abs);
				r = -EIO;
			}
			*ret = r;
			return 1;
		}
	}
	if (r >= FS_MAX_FD) {
		fs_unlock(&fsv.lock);
		fsh_close(r);
		if (created) {
			fs_remove(f);
			fs_free_file(f);
		}
		*ret = -EMFILE;
		return 1;
	}
	f->opens++; /* pins f */
	fs_unlock(&fsv.lock);

	struct fs_ofd *o = calloc(1, sizeof(*o));
	long e = o ? 0 : -ENOMEM;
	fs_lock(&f->lock);
	if (!e && f->hfd < 0) {
		long h = fsh_open(abs, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
		uint64_t hs = 0;
		int dir = 0;
		if (h < 0 || fsh_fsize(h, &hs, &dir) < 0 || dir) {
			e = -EIO;
		} else if (f->listed && hs != f->c_size) {
			rt_log("fs: %s: %llu bytes on the host, %llu recorded in the fspf: %s", abs,
			       (unsigned long long)hs, (unsigned long long)f->c_size,
			       hs < f->c_size ? "truncated" : "extended");
			e = -EIO;
		}
		if (e && h >= 0)
			fsh_close(h);
		else
			f->hfd = (int)h;
	}
	if (!e && (flags & O_TRUNC) && acc != O_RDONLY)
		e = fs_file_resize(f, 0);
	fs_unlock(&f->lock);
	if (e) {
		fsh_close(r);
		fs_lock(&fsv.lock);
		int gone = --f->opens == 0;
		fs_unlock(&fsv.lock);
		if (gone && f->hfd >= 0) {
			fsh_close(f->hfd);
			f->hfd = -1;
		}
		free(o);
		*ret = e;
		return 1;
	}
	o->f = f;
	o->flags = (int)flags & (O_ACCMODE | O_APPEND);
	fs_lock(&fsv.lock);
	struct fs_ofd *old = fs_ofd_set(r, o);
	fs_unlock(&fsv.lock);
	if (old)
		fs_ofd_put(old); /* a stale entry: the host reused the number */
	*ret = r;
	return 1;
}

/* truncate(path): resize and commit at once. */
long fs_do_truncate(long upath, long len, long *ret)
{
	char abs[FS_PATH];
	if (!fs_protected_path(AT_FDCWD, upath, abs))
		return 0;
	if (len < 0) {
		*ret = -EINVAL;
		return 1;
	}
	long fd;
	if (!fs_do_open(AT_FDCWD, (long)abs, O_WRONLY | O_CLOEXEC, 0, &fd))
		return 0;
	if (fd < 0) {
		*ret = fd;
		return 1;
	}
	struct fs_ofd *o = fs_ofd_get(fd);
	long r = -EIO;
	if (o) {
		fs_lock(&o->f->lock);
		r = fs_file_resize(o->f, (uint64_t)len);
		if (r == 0)
			r = fs_file_commit(o->f);
		fs_unlock(&o->f->lock);
		fs_ofd_put(o);
	}
	fs_fwd(SYS_close, fd, 0, 0, 0, 0, 0);
	long c = fs_fd_gone(fd);
	*ret = r < 0 ? r : c;
	return 1;
}
