/*
 * What the shield's system-call handlers share.  rt_fs_dispatch (shield.c)
 * decides which calls the shield takes; the handlers are split by concern:
 *
 *   shield.c        the dispatch, start-up, the commit at exit
 *   shield_fd.c     the descriptor table; dup and friends, fcntl flags
 *   shield_open.c   open, creat, openat; truncate(path)
 *   shield_names.c  rename, unlink, link, symlink, chdir, fchdir
 *   shield_io.c     read and write (vector, positioned), lseek, mmap
 *   shield_stat.c   stat on paths and descriptors
 *
 * A handler fs_do_NAME(..., long *ret) returns 1 when it served the call,
 * with the result in *ret, or 0 to let the call take its usual path (it
 * does not concern a protected file).
 */
#ifndef SCONCE_FS_SHIELD_H
#define SCONCE_FS_SHIELD_H

#include "fs.h"

#define FS_MAX_FD 65536   /* application descriptors the table can hold */

/* rt_forward with the arguments spelled out. */
static inline long fs_fwd(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long a[6] = { a0, a1, a2, a3, a4, a5 };
	return rt_forward(nr, a);
}

/* shield.c */
void fs_ro_warn(const char *path) RT_HIDDEN;

/* shield_fd.c: application descriptor -> open file description */
/* The description of fd with a reference taken, or NULL (not a protected
 * file's descriptor). */
struct fs_ofd *fs_ofd_get(long fd) RT_HIDDEN;
/* Drop a reference; the last one commits and closes the description:
 * 0 or the commit's error. */
long fs_ofd_put(struct fs_ofd *o) RT_HIDDEN;
/* Install o at fd (volume lock held); returns the previous occupant. */
struct fs_ofd *fs_ofd_set(long fd, struct fs_ofd *o) RT_HIDDEN;
/* fd was closed or replaced on the host: forget it. */
long fs_fd_gone(long fd) RT_HIDDEN;
long fs_do_dup(long n, const long a[6], long *ret) RT_HIDDEN;
long fs_do_fcntl(struct fs_ofd *o, const long a[6], long *ret) RT_HIDDEN;

/* shield_open.c */
long fs_do_open(long dirfd, long upath, long flags, long mode, long *ret) RT_HIDDEN;
long fs_do_truncate(long upath, long len, long *ret) RT_HIDDEN;

/* shield_names.c */
long fs_do_rename(long olddir, long uold, long newdir, long unew, long flags, long *ret) RT_HIDDEN;
long fs_do_unlink(long dirfd, long upath, long flags, long *ret) RT_HIDDEN;
long fs_refuse_link(long dirfd, long upath, long *ret) RT_HIDDEN;
long fs_do_chdir(long upath, long *ret) RT_HIDDEN;
long fs_do_fchdir(long fd, long *ret) RT_HIDDEN;

/* shield_io.c: on a protected file's description; each returns the
 * call's result */
long fs_do_rw(struct fs_ofd *o, int write, long buf, long n, long pos, int positioned) RT_HIDDEN;
long fs_do_rwv(struct fs_ofd *o, int write, long iovp, long cnt, long pos, int positioned) RT_HIDDEN;
long fs_do_lseek(struct fs_ofd *o, long off, long whence) RT_HIDDEN;
long fs_do_mmap(const long a[6], long *ret) RT_HIDDEN;

/* shield_stat.c */
long fs_do_stat_path(long n, const long a[6], long *ret) RT_HIDDEN;
long fs_do_fstat(struct fs_ofd *o, const long a[6]) RT_HIDDEN; /* the result */

#endif
