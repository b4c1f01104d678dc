/*
 * The shield's system calls.  rt_fs_dispatch sees every call before the
 * runtime serves or forwards it; it takes the calls that name a protected
 * path or descriptor and leaves the rest alone.
 *
 * Each application descriptor of a protected file is a real host
 * descriptor (so numbers, close-on-exec and locks behave), but contents
 * never travel through it: the shield reads and writes through the file's
 * private host descriptor and keeps offsets and flags itself.
 *
 * The handlers are in the files shield.h lists, by concern; this one
 * decides which calls the shield takes and sends each to its handler.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "shield.h"

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

/* A change refused because the volume is read-only: say why, once. */
void fs_ro_warn(const char *path)
{
	static int warned;
	if (!warned++)
		rt_log("fs: %s: the protected volume is read-only (the configuration has no fspf_tag_file)", path);
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
	case SYS_open: return (int)fs_do_open(AT_FDCWD, a[0], a[1], a[2], ret);
	case SYS_creat: return (int)fs_do_open(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1], ret);
	case SYS_openat: return (int)fs_do_open(a[0], a[1], a[2], a[3], ret);
	case SYS_stat: case SYS_lstat: case SYS_newfstatat: case SYS_statx:
		return (int)fs_do_stat_path(n, a, ret);
	case SYS_truncate: return (int)fs_do_truncate(a[0], a[1], ret);
	case SYS_rename: return (int)fs_do_rename(AT_FDCWD, a[0], AT_FDCWD, a[1], 0, ret);
	case SYS_renameat: return (int)fs_do_rename(a[0], a[1], a[2], a[3], 0, ret);
	case SYS_renameat2: return (int)fs_do_rename(a[0], a[1], a[2], a[3], a[4], ret);
	case SYS_unlink: return (int)fs_do_unlink(AT_FDCWD, a[0], 0, ret);
	case SYS_unlinkat: return (int)fs_do_unlink(a[0], a[1], a[2], ret);
	case SYS_link: return (int)fs_refuse_link(AT_FDCWD, a[1], ret);
	case SYS_linkat: return (int)fs_refuse_link(a[2], a[3], ret);
	case SYS_symlink: return (int)fs_refuse_link(AT_FDCWD, a[1], ret);
	case SYS_symlinkat: return (int)fs_refuse_link(a[1], a[2], ret);
	case SYS_chdir: return (int)fs_do_chdir(a[0], ret);
	case SYS_fchdir: return (int)fs_do_fchdir(a[0], ret);
	case SYS_exit_group: commit_all(); return 0;
	case SYS_dup: case SYS_dup2: case SYS_dup3: return (int)fs_do_dup(n, a, ret);
	case SYS_fcntl:
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
			return (int)fs_do_dup(n, a, ret);
		break;
	case SYS_close: {
		struct fs_ofd *o = fs_ofd_get(a[0]);
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
			fs_ofd_put(o);
		long c = r == 0 ? fs_fd_gone(a[0]) : 0;
		*ret = r < 0 ? r : c;
		return 1;
	}
	case SYS_mmap:
		if (a[3] & MAP_ANONYMOUS)
			return 0;
		return (int)fs_do_mmap(a, ret);
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
	struct fs_ofd *o = fs_ofd_get(a[0]);
	if (!o) {
		if ((n == SYS_sendfile || n == SYS_copy_file_range) && (o = fs_ofd_get(n == SYS_sendfile ? a[1] : a[2]))) {
			fs_ofd_put(o);
			*ret = -EINVAL; /* callers fall back to read and write */
			return 1;
		}
		return 0;
	}
	long r;
	struct fs_file *f = o->f;
	switch (n) {
	case SYS_read: r = fs_do_rw(o, 0, a[1], a[2], 0, 0); break;
	case SYS_write: r = fs_do_rw(o, 1, a[1], a[2], 0, 0); break;
	case SYS_pread64: r = fs_do_rw(o, 0, a[1], a[2], a[3], 1); break;
	case SYS_pwrite64: r = fs_do_rw(o, 1, a[1], a[2], a[3], 1); break;
	case SYS_readv: r = fs_do_rwv(o, 0, a[1], a[2], 0, 0); break;
	case SYS_writev: r = fs_do_rwv(o, 1, a[1], a[2], 0, 0); break;
	case SYS_preadv: case SYS_preadv2:
		r = fs_do_rwv(o, 0, a[1], a[2], a[3], !(n == SYS_preadv2 && a[3] == -1)); break;
	case SYS_pwritev: case SYS_pwritev2:
		r = fs_do_rwv(o, 1, a[1], a[2], a[3], !(n == SYS_pwritev2 && a[3] == -1)); break;
	case SYS_lseek: r = fs_do_lseek(o, a[1], a[2]); break;
	case SYS_fstat: r = fs_do_fstat(o, a); break;
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
		if (fs_do_fcntl(o, a, &r)) {
			break;
		}
		fs_ofd_put(o);
		return 0;
	case SYS_fallocate: r = -EOPNOTSUPP; break;
	default: r = -EINVAL; break; /* sendfile, copy_file_range */
	}
	fs_ofd_put(o);
	*ret = r;
	return 1;
}
