/*
 * The shield's descriptor table: each application descriptor of a
 * protected file maps to an open file description (struct fs_ofd: the
 * file, the offset, the application's flags), shared by the descriptors
 * dup'ed from it.  The description's last reference commits the file and,
 * with the file's last description, releases its private host descriptor.
 * Also here: dup and friends, and fcntl's file status flags, which the
 * shield keeps for the description.
 */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "shield.h"

static struct fs_ofd **ofds;

struct fs_ofd *fs_ofd_get(long fd)
{
	if (!ofds || fd < 0 || fd >= FS_MAX_FD)
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
long fs_ofd_put(struct fs_ofd *o)
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
struct fs_ofd *fs_ofd_set(long fd, struct fs_ofd *o)
{
	if (!ofds && !(ofds = calloc(FS_MAX_FD, sizeof(*ofds))))
		return NULL;
	struct fs_ofd *old = ofds[fd];
	ofds[fd] = o;
	if (o)
		o->refs++;
	return old;
}

/* The application's fd was closed or replaced on the host. */
long fs_fd_gone(long fd)
{
	if (!ofds || fd < 0 || fd >= FS_MAX_FD)
		return 0;
	fs_lock(&fsv.lock);
	struct fs_ofd *o = ofds[fd];
	ofds[fd] = NULL;
	fs_dir_clear(fd);
	fs_unlock(&fsv.lock);
	return o ? fs_ofd_put(o) : 0;
}

/* dup, dup2, dup3, fcntl(F_DUPFD*): the new descriptor shares the
 * description. */
long fs_do_dup(long n, const long a[6], long *ret)
{
	long oldfd = a[0], newfd = n == SYS_fcntl ? -1 : a[1];
	struct fs_ofd *o = fs_ofd_get(oldfd);
	struct fs_ofd *t = (n == SYS_dup2 || n == SYS_dup3) ? fs_ofd_get(newfd) : NULL;
	const char *dir = NULL;
	if (!o && !t) {
		fs_lock(&fsv.lock);
		dir = fs_dir_get(oldfd);
		fs_unlock(&fsv.lock);
		if (!dir)
			return 0;
	}
	if (t)
		fs_ofd_put(t);
	if (n == SYS_dup2 && oldfd == newfd) {
		if (o)
			fs_ofd_put(o);
		return 0;
	}
	long r = rt_forward(n, a);
	if (r >= 0 && r < FS_MAX_FD) {
		if (n == SYS_dup2 || n == SYS_dup3)
			fs_fd_gone(r); /* the old occupant of newfd is closed */
		fs_lock(&fsv.lock);
		struct fs_ofd *old = o ? fs_ofd_set(r, o) : NULL;
		const char *d = fs_dir_get(oldfd);
		if (d) {
			char copy[FS_PATH];
			memcpy(copy, d, strlen(d) + 1);
			fs_dir_set(r, copy);
		}
		fs_unlock(&fsv.lock);
		if (old)
			fs_ofd_put(old);
	}
	if (o)
		fs_ofd_put(o);
	*ret = r;
	return 1;
}

long fs_do_fcntl(struct fs_ofd *o, const long a[6], long *ret)
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
