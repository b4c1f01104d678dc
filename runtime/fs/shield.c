/*
 * The shield's system calls.  rt_fs_dispatch sees every call before the
 * runtime serves or forwards it; it takes the calls that name a protected
 * path or descriptor and leaves the rest alone.
 *
 * Each application descriptor of a protected file is a real host
 * descriptor (so numbers, close-on-exec and locks behave), but contents
 * never travel through it: the shield reads and writes through the file's
 * private host descriptor and keeps offsets and flags itself.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "fs.h"

#define MAX_FD 65536
#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif
#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif
#define IOV_MAX_CNT 1024
#define STAT_MODE 24   /* offsets in the kernel's struct stat (x86_64) */
#define STAT_SIZE 48
#define STAT_BLOCKS 64
#define STATX_MODE 28  /* struct statx */
#define STATX_SIZE 40
#define STATX_BLOCKS 48

static struct fs_ofd **ofds;

static long fwd(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long a[6] = { a0, a1, a2, a3, a4, a5 };
	return rt_forward(nr, a);
}

/* ------------------------------------------------------------------ */
/* descriptors */

static struct fs_ofd *ofd_get(long fd)
{
	if (!ofds || fd < 0 || fd >= MAX_FD)
		return NULL;
	fs_lock(&fsv.lock);
	struct fs_ofd *o = ofds[fd];
	if (o)
		o->refs++;
	fs_unlock(&fsv.lock);
	return o;
}

/* Drop a reference; the last one closes the description: commit, and
 * when no description is left release the file's host descriptor. */
static long ofd_put(struct fs_ofd *o)
{
	fs_lock(&fsv.lock);
	int last = --o->refs == 0;
	fs_unlock(&fsv.lock);
	if (!last)
		return 0;
	struct fs_file *f = o->f;
	long r = 0;
	fs_lock(&f->lock);
	if ((o->flags & O_ACCMODE) != O_RDONLY || f->changed || f->ndirty)
		r = fs_file_commit(f);
	fs_lock(&fsv.lock);
	int gone = --f->opens == 0;
	int orphan = f->orphan;
	fs_unlock(&fsv.lock);
	if (gone) {
		if (f->hfd >= 0)
			fsh_close(f->hfd);
		f->hfd = -1;
		if (!f->changed && !f->ndirty)
			fs_file_drop_cache(f);
	}
	fs_unlock(&f->lock);
	if (gone && orphan)
		fs_free_file(f);
	free(o);
	return r;
}

/* Install o at fd (volume lock held); returns the previous occupant. */
static struct fs_ofd *ofd_set(long fd, struct fs_ofd *o)
{
	if (!ofds && !(ofds = calloc(MAX_FD, sizeof(*ofds))))
		return NULL;
	struct fs_ofd *old = ofds[fd];
	ofds[fd] = o;
	if (o)
		o->refs++;
	return old;
}

/* The application's fd was closed or replaced on the host. */
static long fd_gone(long fd)
{
	if (!ofds || fd < 0 || fd >= MAX_FD)
		return 0;
	fs_lock(&fsv.lock);
	struct fs_ofd *o = ofds[fd];
	ofds[fd] = NULL;
	fs_dir_clear(fd);
	fs_unlock(&fsv.lock);
	return o ? ofd_put(o) : 0;
}

/* ------------------------------------------------------------------ */
/* open */

static int ensure_init(void)
{
	if (__atomic_load_n(&fsv.state, __ATOMIC_ACQUIRE))
		return 0;
	fs_lock(&fsv.init_lock);
	if (!fsv.state && fs_init() == 0)
		__atomic_store_n(&fsv.state, 1, __ATOMIC_RELEASE);
	fs_unlock(&fsv.init_lock);
	return 0;
}

static void ro_warn(const char *path)
{
	static int warned;
	if (!warned++)
		rt_log("fs: %s: the protected volume is read-only (the configuration has no fspf_tag_file)", path);
}

static long do_open(long dirfd, long upath, long flags, long mode, long *ret)
{
	const char *path;
	char abs[FS_PATH];
	if (fs_user_path(upath, &path) < 0)
		return 0;
	fs_lock(&fsv.lock);
	int known = fs_resolve(dirfd, path, abs) == 0;
	fs_unlock(&fsv.lock);
	if (!known)
		return 0;
	uint32_t mode_r = fs_region_mode(abs);
	if (mode_r == SCONCE_FSPF_UNPROTECTED || (flags & O_PATH)) {
		long r = fwd(SYS_openat, dirfd, upath, flags, mode, 0, 0);
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
		ro_warn(abs);
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
	if (r >= MAX_FD) {
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
	struct fs_ofd *old = ofd_set(r, o);
	fs_unlock(&fsv.lock);
	if (old)
		ofd_put(old); /* a stale entry: the host reused the number */
	*ret = r;
	return 1;
}

/* ------------------------------------------------------------------ */
/* contents */

static long do_rw(struct fs_ofd *o, int write, long buf, long n, long pos, int positioned)
{
	if (n < 0)
		return -EINVAL;
	if (n && !rt_inside((uintptr_t)buf, (size_t)n))
		return -EFAULT;
	int acc = o->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	if (positioned && pos < 0)
		return -EINVAL;
	if (write && !fsv.writable)
		return -EROFS;
	struct fs_file *f = o->f;
	fs_lock(&f->lock);
	long r;
	if (fsv.state != 1) {
		r = -EIO;
	} else {
		uint64_t off = positioned ? (uint64_t)pos : o->off;
		if (write && (o->flags & O_APPEND) && !positioned)
			off = f->size;
		r = write ? fs_file_write(f, (const void *)buf, (size_t)n, off)
			  : fs_file_read(f, (void *)buf, (size_t)n, off);
		if (r > 0 && !positioned)
			o->off = off + (uint64_t)r;
	}
	fs_unlock(&f->lock);
	return r;
}

static long do_rwv(struct fs_ofd *o, int write, long iovp, long cnt, long pos, int positioned)
{
	if (cnt < 0 || cnt > IOV_MAX_CNT)
		return -EINVAL;
	if (cnt && !rt_inside((uintptr_t)iovp, (size_t)cnt * sizeof(struct iovec)))
		return -EFAULT;
	struct iovec iov[64];
	const struct iovec *src = (const struct iovec *)iovp;
	int acc = o->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	if (positioned && pos < 0)
		return -EINVAL;
	if (write && !fsv.writable)
		return -EROFS;
	struct fs_file *f = o->f;
	long total = 0, r = 0;
	fs_lock(&f->lock);
	uint64_t off = positioned ? (uint64_t)pos : o->off;
	if (write && (o->flags & O_APPEND) && !positioned)
		off = f->size;
	for (long i = 0; i < cnt; i++) {
		iov[i % 64] = src[i]; /* copy once, then check */
		const struct iovec *v = &iov[i % 64];
		if (v->iov_len > (1ul << 40) ||
		    (v->iov_len && !rt_inside((uintptr_t)v->iov_base, v->iov_len))) {
			r = -EFAULT;
			break;
		}
		if (!v->iov_len)
			continue;
		if (fsv.state != 1) {
			r = -EIO;
			break;
		}
		r = write ? fs_file_write(f, v->iov_base, v->iov_len, off + (uint64_t)total)
			  : fs_file_read(f, v->iov_base, v->iov_len, off + (uint64_t)total);
		if (r < 0)
			break;
		total += r;
		if ((size_t)r < v->iov_len)
			break;
	}
	if (total > 0 && !positioned)
		o->off = off + (uint64_t)total;
	fs_unlock(&f->lock);
	return total > 0 ? total : r;
}

static long do_lseek(struct fs_ofd *o, long off, long whence)
{
	struct fs_file *f = o->f;
	fs_lock(&f->lock);
	long base, r;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (long)o->off; break;
	case SEEK_END: base = (long)f->size; break;
	case SEEK_DATA:
		base = 0;
		if ((uint64_t)off >= f->size) {
			fs_unlock(&f->lock);
			return -ENXIO;
		}
		break;
	case SEEK_HOLE:
		if (off < 0 || (uint64_t)off >= f->size) {
			fs_unlock(&f->lock);
			return -ENXIO;
		}
		base = 0;
		off = (long)f->size;
		break;
	default:
		fs_unlock(&f->lock);
		return -EINVAL;
	}
	if ((off > 0 && base > __LONG_MAX__ - off) || base + off < 0) {
		r = -EINVAL;
	} else {
		o->off = (uint64_t)(base + off);
		r = (long)o->off;
	}
	fs_unlock(&f->lock);
	return r;
}

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
static long do_stat_path(long n, const long a[6], long *ret)
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
		struct fs_ofd *o = ofd_get(dirfd);
		if (!o)
			return 0;
		long r = rt_forward(n, a);
		if (r == 0)
			patch_stat((uint8_t *)stp, statx, file_size(o->f));
		ofd_put(o);
		*ret = r;
		return 1;
	}
	fs_lock(&fsv.lock);
	int known = fs_resolve(dirfd, path, abs) == 0;
	fs_unlock(&fsv.lock);
	if (!known || fs_region_mode(abs) == SCONCE_FSPF_UNPROTECTED)
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

/* truncate(path): resize and commit at once. */
static long do_truncate(long upath, long len, long *ret)
{
	const char *path;
	char abs[FS_PATH];
	if (fs_user_path(upath, &path) < 0)
		return 0;
	fs_lock(&fsv.lock);
	int known = fs_resolve(AT_FDCWD, path, abs) == 0;
	fs_unlock(&fsv.lock);
	if (!known || fs_region_mode(abs) == SCONCE_FSPF_UNPROTECTED)
		return 0;
	if (len < 0) {
		*ret = -EINVAL;
		return 1;
	}
	long fd;
	if (!do_open(AT_FDCWD, (long)abs, O_WRONLY | O_CLOEXEC, 0, &fd))
		return 0;
	if (fd < 0) {
		*ret = fd;
		return 1;
	}
	struct fs_ofd *o = ofd_get(fd);
	long r = -EIO;
	if (o) {
		fs_lock(&o->f->lock);
		r = fs_file_resize(o->f, (uint64_t)len);
		if (r == 0)
			r = fs_file_commit(o->f);
		fs_unlock(&o->f->lock);
		ofd_put(o);
	}
	fwd(SYS_close, fd, 0, 0, 0, 0, 0);
	long c = fd_gone(fd);
	*ret = r < 0 ? r : c;
	return 1;
}

/* ------------------------------------------------------------------ */
/* names */

/* Entries at or below abs (a file, or a directory's files). */
static int under(const char *p, const char *abs, size_t al)
{
	return !strncmp(p, abs, al) && (p[al] == '/' || !p[al] || (al == 1 && abs[0] == '/'));
}

static long do_rename(long olddir, long uold, long newdir, long unew, long flags, long nr, const long a[6],
		      long *ret)
{
	const char *po, *pn;
	char ao[FS_PATH], an[FS_PATH];
	if (fs_user_path(uold, &po) < 0 || fs_user_path(unew, &pn) < 0)
		return 0;
	fs_lock(&fsv.lock);
	int known = fs_resolve(olddir, po, ao) == 0 && fs_resolve(newdir, pn, an) == 0;
	fs_unlock(&fsv.lock);
	if (!known)
		return 0;
	uint32_t mo = fs_region_mode(ao), mn = fs_region_mode(an);
	if (mo == SCONCE_FSPF_UNPROTECTED && mn == SCONCE_FSPF_UNPROTECTED)
		return 0;
	(void)nr;
	(void)a;
	if (fsv.state != 1) {
		*ret = -EIO;
		return 1;
	}
	if (mo != mn) {
		*ret = -EXDEV; /* across protection modes: the caller copies */
		return 1;
	}
	if (flags) {
		*ret = -EINVAL; /* RENAME_NOREPLACE/EXCHANGE: not for protected files */
		return 1;
	}
	if (!fsv.writable) {
		ro_warn(ao);
		*ret = -EROFS;
		return 1;
	}
	size_t ol = strlen(ao), nl = strlen(an);
	if (!strcmp(ao, an)) {
		*ret = 0;
		return 1;
	}
	if (nl > ol && under(an, ao, ol)) {
		*ret = -EINVAL;
		return 1;
	}
	fs_lock(&fsv.lock);
	/* Affected entries: the source (file or directory contents), and a
	 * file the target replaces. */
	struct fs_file *victim = fs_lookup(an), *src = fs_lookup(ao);
	int any_listed = victim && victim->listed;
	size_t nmoved = 0;
	for (size_t i = 0; i < fsv.htsize; i++)
		for (struct fs_file *f = fsv.ht[i]; f; f = f->hnext)
			if (under(f->path, ao, ol)) {
				nmoved++;
				any_listed |= f->listed;
			}
	if (!src && victim) {
		fs_unlock(&fsv.lock);
		*ret = -EISDIR; /* a directory cannot replace a file */
		return 1;
	}
	for (size_t i = 0; !src && i < fsv.htsize; i++)
		for (struct fs_file *f = fsv.ht[i]; f; f = f->hnext)
			if (under(f->path, an, nl)) {
				fs_unlock(&fsv.lock);
				*ret = -ENOTEMPTY;
				return 1;
			}
	if (!nmoved) {
		fs_unlock(&fsv.lock);
		long r = fsh_rename(ao, an); /* nothing listed moves */
		if (r == 0 && victim)
			r = -EIO;
		*ret = r;
		return 1;
	}
	if (nmoved && !any_listed) {
		/* only files not yet committed: the host rename is enough */
		long r = fsh_rename(ao, an);
		if (r < 0) {
			fs_unlock(&fsv.lock);
			*ret = r;
			return 1;
		}
	}
	/* Move the entries in memory: collect, re-insert under new names. */
	struct fs_file **moved = malloc(nmoved * sizeof(*moved));
	char **oldnames = malloc(nmoved * sizeof(*oldnames));
	if (!moved || !oldnames) {
		fs_unlock(&fsv.lock);
		free(moved);
		free(oldnames);
		*ret = -ENOMEM;
		return 1;
	}
	size_t k = 0;
	for (size_t i = 0; i < fsv.htsize; i++)
		for (struct fs_file *f = fsv.ht[i]; f; f = f->hnext)
			if (under(f->path, ao, ol))
				moved[k++] = f;
	if (victim)
		fs_remove(victim);
	for (k = 0; k < nmoved; k++) {
		struct fs_file *f = moved[k];
		size_t rest = strlen(f->path) - ol;
		char *np = malloc(nl + rest + 1);
		if (!np)
			rt_fatal("fs: out of memory");
		memcpy(np, an, nl);
		memcpy(np + nl, f->path + ol, rest + 1);
		fs_remove(f);
		oldnames[k] = f->path;
		f->path = np;
		fs_insert(f);
	}
	long r = 0;
	if (any_listed) {
		struct fs_jbuf j = { .open_rec = (size_t)-1 };
		int applied = 0;
		r = fs_jrec(&j, SCONCE_FSPF_J_RENAME, ao, 0, an, nl);
		if (r == 0)
			r = fs_commit_journal(&j, &applied);
		free(j.p);
		if (r < 0 && applied == 0 && fsv.state == 1) {
			/* the host refused: undo and record the old state again */
			for (k = 0; k < nmoved; k++) {
				fs_remove(moved[k]);
				free(moved[k]->path);
				moved[k]->path = oldnames[k];
				oldnames[k] = NULL;
				fs_insert(moved[k]);
			}
			if (victim)
				fs_insert(victim);
			victim = NULL;
			int a2;
			fs_commit_journal(&(struct fs_jbuf){ .open_rec = (size_t)-1 }, &a2);
		}
	}
	for (k = 0; k < nmoved; k++)
		free(oldnames[k]);
	free(oldnames);
	free(moved);
	int free_victim = 0;
	if (victim && r == 0) {
		victim->orphan = 1;
		free_victim = victim->opens == 0;
	}
	fs_unlock(&fsv.lock);
	if (free_victim)
		fs_free_file(victim);
	*ret = r;
	return 1;
}

static long do_unlink(long dirfd, long upath, long flags, long *ret)
{
	const char *path;
	char abs[FS_PATH];
	if (flags & AT_REMOVEDIR)
		return 0;
	if (fs_user_path(upath, &path) < 0)
		return 0;
	fs_lock(&fsv.lock);
	int known = fs_resolve(dirfd, path, abs) == 0;
	fs_unlock(&fsv.lock);
	if (!known || fs_region_mode(abs) == SCONCE_FSPF_UNPROTECTED)
		return 0;
	if (fsv.state != 1) {
		*ret = -EIO;
		return 1;
	}
	fs_lock(&fsv.lock);
	struct fs_file *f = fs_lookup(abs);
	if (!f) {
		fs_unlock(&fsv.lock);
		*ret = fsh_unlink(abs); /* not listed: let the host decide */
		return 1;
	}
	if (!fsv.writable) {
		fs_unlock(&fsv.lock);
		ro_warn(abs);
		*ret = -EROFS;
		return 1;
	}
	fs_remove(f);
	long r;
	if (f->listed) {
		struct fs_jbuf j = { .open_rec = (size_t)-1 };
		int applied = 0;
		/* removed from the table, so no longer in the fspf; f->listed
		 * stays: open descriptors still read its committed chunks */
		r = fs_jrec(&j, SCONCE_FSPF_J_UNLINK, abs, 0, NULL, 0);
		if (r == 0)
			r = fs_commit_journal(&j, &applied);
		free(j.p);
		if (r < 0 && applied == 0 && fsv.state == 1) {
			fs_insert(f);
			int a2;
			fs_commit_journal(&(struct fs_jbuf){ .open_rec = (size_t)-1 }, &a2);
			fs_unlock(&fsv.lock);
			*ret = r;
			return 1;
		}
	} else {
		r = fsh_unlink(abs);
		if (r == -ENOENT)
			r = 0;
	}
	f->orphan = 1;
	int free_now = f->opens == 0;
	fs_unlock(&fsv.lock);
	if (free_now)
		fs_free_file(f);
	*ret = r;
	return 1;
}

/* link and symlink must not create a second name inside a region. */
static long refuse_link(long dirfd, long upath, long *ret)
{
	const char *path;
	char abs[FS_PATH];
	if (fs_user_path(upath, &path) < 0)
		return 0;
	fs_lock(&fsv.lock);
	int known = fs_resolve(dirfd, path, abs) == 0;
	fs_unlock(&fsv.lock);
	if (!known || fs_region_mode(abs) == SCONCE_FSPF_UNPROTECTED)
		return 0;
	rt_log("fs: %s: links cannot be created inside a protected region", abs);
	*ret = -EPERM;
	return 1;
}

static long do_chdir(long upath, long *ret)
{
	const char *path;
	char abs[FS_PATH];
	if (fs_user_path(upath, &path) < 0)
		return 0;
	fs_lock(&fsv.lock);
	fs_resolve(AT_FDCWD, path, abs);
	fs_unlock(&fsv.lock);
	long r = fwd(SYS_chdir, (long)abs, 0, 0, 0, 0, 0);
	if (r == 0) {
		fs_lock(&fsv.lock);
		memcpy(fsv.cwd, abs, strlen(abs) + 1);
		fs_unlock(&fsv.lock);
	}
	*ret = r;
	return 1;
}

static long do_fchdir(long fd, long *ret)
{
	long r = fwd(SYS_fchdir, fd, 0, 0, 0, 0, 0);
	if (r == 0) {
		fs_lock(&fsv.lock);
		const char *d = fs_dir_get(fd);
		if (d) {
			memcpy(fsv.cwd, d, strlen(d) + 1);
		} else {
			char buf[FS_PATH];
			long g = fwd(SYS_getcwd, (long)buf, sizeof(buf), 0, 0, 0, 0);
			if (g > 0 && g <= (long)sizeof(buf) && buf[g - 1] == 0 && buf[0] == '/')
				fs_normalize(buf, fsv.cwd);
		}
		fs_unlock(&fsv.lock);
	}
	*ret = r;
	return 1;
}

/* dup, dup2, dup3, fcntl(F_DUPFD*): the new descriptor shares the
 * description. */
static long do_dup(long n, const long a[6], long *ret)
{
	long oldfd = a[0], newfd = n == SYS_fcntl ? -1 : a[1];
	struct fs_ofd *o = ofd_get(oldfd);
	struct fs_ofd *t = (n == SYS_dup2 || n == SYS_dup3) ? ofd_get(newfd) : NULL;
	const char *dir = NULL;
	if (!o && !t) {
		fs_lock(&fsv.lock);
		dir = fs_dir_get(oldfd);
		fs_unlock(&fsv.lock);
		if (!dir)
			return 0;
	}
	if (t)
		ofd_put(t);
	if (n == SYS_dup2 && oldfd == newfd) {
		if (o)
			ofd_put(o);
		return 0;
	}
	long r = rt_forward(n, a);
	if (r >= 0 && r < MAX_FD) {
		if (n == SYS_dup2 || n == SYS_dup3)
			fd_gone(r); /* the old occupant of newfd is closed */
		fs_lock(&fsv.lock);
		struct fs_ofd *old = o ? ofd_set(r, o) : NULL;
		const char *d = fs_dir_get(oldfd);
		if (d) {
			char copy[FS_PATH];
			memcpy(copy, d, strlen(d) + 1);
			fs_dir_set(r, copy);
		}
		fs_unlock(&fsv.lock);
		if (old)
			ofd_put(old);
	}
	if (o)
		ofd_put(o);
	*ret = r;
	return 1;
}

static long do_fcntl(struct fs_ofd *o, const long a[6], long *ret)
{
	long cmd = a[1];
	if (cmd == F_GETFL) {
		long r = rt_forward(SYS_fcntl, a);
		if (r >= 0)
			r = (r & ~(long)(O_ACCMODE | O_APPEND)) | o->flags;
		*ret = r;
		return 1;
	}
	if (cmd == F_SETFL) {
		long b[6] = { a[0], a[1], a[2] & ~(long)O_APPEND };
		long r = rt_forward(SYS_fcntl, b);
		if (r == 0) {
			fs_lock(&o->f->lock);
			o->flags = (o->flags & ~O_APPEND) | (int)(a[2] & O_APPEND);
			fs_unlock(&o->f->lock);
		}
		*ret = r;
		return 1;
	}
	return 0;
}

static long do_mmap(const long a[6], long *ret)
{
	long len = a[1], prot = a[2], flags = a[3], fd = a[4], off = a[5];
	struct fs_ofd *o = ofd_get(fd);
	if (!o)
		return 0;
	long r;
	int type = (int)flags & MAP_TYPE;
	if (type != MAP_PRIVATE) {
		if (prot & PROT_WRITE)
			rt_log("fs: mmap: a shared writable mapping of the protected file %s is refused "
			       "(changes made through it could not be sealed); use MAP_PRIVATE or write()",
			       o->f->path);
		else
			rt_log("fs: mmap: a shared mapping of the protected file %s is refused; use MAP_PRIVATE",
			       o->f->path);
		r = -EACCES;
	} else if ((o->flags & O_ACCMODE) == O_WRONLY) {
		r = -EACCES;
	} else if (len <= 0 || off < 0 || (off & (SCONCE_PAGE_SIZE - 1))) {
		r = -EINVAL;
	} else {
		r = rt_sys_mmap(a[0], len, prot, (flags & ~MAP_TYPE) | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r >= 0 && !(prot & PROT_EXEC)) {
			struct fs_file *f = o->f;
			fs_lock(&f->lock);
			long k = fsv.state == 1 ? fs_file_read(f, (void *)r, (size_t)len, (uint64_t)off) : -EIO;
			fs_unlock(&f->lock);
			if (k < 0) {
				rt_sys_munmap(r, len);
				r = k;
			}
		}
	}
	ofd_put(o);
	*ret = r;
	return 1;
}

/* At exit every file's last state is committed, as a kernel would have
 * kept what was written. */
static void commit_all(void)
{
	if (fsv.state != 1)
		return;
	for (;;) {
		struct fs_file *pick = NULL;
		fs_lock(&fsv.lock);
		for (size_t i = 0; i < fsv.htsize && !pick; i++)
			for (struct fs_file *f = fsv.ht[i]; f && !pick; f = f->hnext)
				if (!f->orphan && (f->changed || f->ndirty)) {
					pick = f;
					f->opens++;
				}
		fs_unlock(&fsv.lock);
		if (!pick)
			return;
		fs_lock(&pick->lock);
		long r = fs_file_commit(pick);
		if (r < 0) {
			rt_log("fs: %s: could not be committed at exit (error %ld)", pick->path, -r);
			pick->changed = 0;
			pick->ndirty = 0;
			for (uint64_t i = 0; i < pick->cache_cap; i++)
				pick->dirty[i] = 0;
		}
		fs_unlock(&pick->lock);
		fs_lock(&fsv.lock);
		pick->opens--;
		fs_unlock(&fsv.lock);
	}
}

/* ------------------------------------------------------------------ */

static int is_path_call(long n)
{
	switch (n) {
	case SYS_open: case SYS_openat: case SYS_creat: case SYS_stat: case SYS_lstat:
	case SYS_newfstatat: case SYS_statx: case SYS_truncate: case SYS_rename:
	case SYS_renameat: case SYS_renameat2: case SYS_unlink: case SYS_unlinkat:
	case SYS_link: case SYS_linkat: case SYS_symlink: case SYS_symlinkat:
	case SYS_chdir: case SYS_fchdir:
		return 1;
	}
	return 0;
}

int rt_fs_dispatch(long n, const long a[6], long *ret)
{
	if (!fsv.state) {
		if (!is_path_call(n))
			return 0;
		ensure_init();
	}
	switch (n) {
	case SYS_open: return (int)do_open(AT_FDCWD, a[0], a[1], a[2], ret);
	case SYS_creat: return (int)do_open(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1], ret);
	case SYS_openat: return (int)do_open(a[0], a[1], a[2], a[3], ret);
	case SYS_stat: case SYS_lstat: case SYS_newfstatat: case SYS_statx:
		return (int)do_stat_path(n, a, ret);
	case SYS_truncate: return (int)do_truncate(a[0], a[1], ret);
	case SYS_rename: return (int)do_rename(AT_FDCWD, a[0], AT_FDCWD, a[1], 0, n, a, ret);
	case SYS_renameat: return (int)do_rename(a[0], a[1], a[2], a[3], 0, n, a, ret);
	case SYS_renameat2: return (int)do_rename(a[0], a[1], a[2], a[3], a[4], n, a, ret);
	case SYS_unlink: return (int)do_unlink(AT_FDCWD, a[0], 0, ret);
	case SYS_unlinkat: return (int)do_unlink(a[0], a[1], a[2], ret);
	case SYS_link: return (int)refuse_link(AT_FDCWD, a[1], ret);
	case SYS_linkat: return (int)refuse_link(a[2], a[3], ret);
	case SYS_symlink: return (int)refuse_link(AT_FDCWD, a[1], ret);
	case SYS_symlinkat: return (int)refuse_link(a[1], a[2], ret);
	case SYS_chdir: return (int)do_chdir(a[0], ret);
	case SYS_fchdir: return (int)do_fchdir(a[0], ret);
	case SYS_exit_group: commit_all(); return 0;
	case SYS_dup: case SYS_dup2: case SYS_dup3: return (int)do_dup(n, a, ret);
	case SYS_fcntl:
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
			return (int)do_dup(n, a, ret);
		break;
	case SYS_close: {
		struct fs_ofd *o = ofd_get(a[0]);
		int dir = 0;
		if (!o) {
			fs_lock(&fsv.lock);
			dir = fs_dir_get(a[0]) != NULL;
			fs_unlock(&fsv.lock);
			if (!dir)
				return 0;
		}
		long r = rt_forward(n, a);
		if (o)
			ofd_put(o);
		long c = r == 0 ? fd_gone(a[0]) : 0;
		*ret = r < 0 ? r : c;
		return 1;
	}
	case SYS_mmap:
		if (a[3] & MAP_ANONYMOUS)
			return 0;
		return (int)do_mmap(a, ret);
	}

	/* descriptor calls */
	switch (n) {
	case SYS_read: case SYS_write: case SYS_pread64: case SYS_pwrite64:
	case SYS_readv: case SYS_writev: case SYS_preadv: case SYS_pwritev:
	case SYS_preadv2: case SYS_pwritev2: case SYS_lseek: case SYS_fstat:
	case SYS_ftruncate: case SYS_fsync: case SYS_fdatasync: case SYS_fcntl:
	case SYS_fallocate: case SYS_sendfile: case SYS_copy_file_range:
	case SYS_sync_file_range:
		break;
	default:
		return 0;
	}
	struct fs_ofd *o = ofd_get(a[0]);
	if (!o) {
		if ((n == SYS_sendfile || n == SYS_copy_file_range) && (o = ofd_get(n == SYS_sendfile ? a[1] : a[2]))) {
			ofd_put(o);
			*ret = -EINVAL; /* callers fall back to read and write */
			return 1;
		}
		return 0;
	}
	long r;
	struct fs_file *f = o->f;
	switch (n) {
	case SYS_read: r = do_rw(o, 0, a[1], a[2], 0, 0); break;
	case SYS_write: r = do_rw(o, 1, a[1], a[2], 0, 0); break;
	case SYS_pread64: r = do_rw(o, 0, a[1], a[2], a[3], 1); break;
	case SYS_pwrite64: r = do_rw(o, 1, a[1], a[2], a[3], 1); break;
	case SYS_readv: r = do_rwv(o, 0, a[1], a[2], 0, 0); break;
	case SYS_writev: r = do_rwv(o, 1, a[1], a[2], 0, 0); break;
	case SYS_preadv: case SYS_preadv2:
		r = do_rwv(o, 0, a[1], a[2], a[3], !(n == SYS_preadv2 && a[3] == -1)); break;
	case SYS_pwritev: case SYS_pwritev2:
		r = do_rwv(o, 1, a[1], a[2], a[3], !(n == SYS_pwritev2 && a[3] == -1)); break;
	case SYS_lseek: r = do_lseek(o, a[1], a[2]); break;
	case SYS_fstat:
		r = rt_forward(n, a);
		if (r == 0)
			patch_stat((uint8_t *)a[1], 0, file_size(f));
		break;
	case SYS_ftruncate:
		if ((o->flags & O_ACCMODE) == O_RDONLY || a[1] < 0) {
			r = -EINVAL;
			break;
		}
		if (!fsv.writable) {
			r = -EROFS;
			break;
		}
		fs_lock(&f->lock);
		r = fsv.state == 1 ? fs_file_resize(f, (uint64_t)a[1]) : -EIO;
		fs_unlock(&f->lock);
		break;
	case SYS_fsync: case SYS_fdatasync:
	case SYS_sync_file_range: /* a protected file commits as a whole */
		fs_lock(&f->lock);
		r = fs_file_commit(f);
		fs_unlock(&f->lock);
		break;
	case SYS_fcntl:
		if (do_fcntl(o, a, &r)) {
			break;
		}
		ofd_put(o);
		return 0;
	case SYS_fallocate: r = -EOPNOTSUPP; break;
	default: r = -EINVAL; break; /* sendfile, copy_file_range */
	}
	ofd_put(o);
	*ret = r;
	return 1;
}
