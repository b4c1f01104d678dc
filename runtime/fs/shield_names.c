/*
 * Names inside protected regions: rename and unlink change the fspf
 * (through a one-record journal commit) as well as the host's directory;
 * link and symlink are refused there (a second name would escape the
 * fspf's one path per file); chdir and fchdir keep the shield's own
 * working directory, by which it resolves relative paths.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "shield.h"

/* Commit the file table with one journal record (a rename or an unlink
 * of a listed file), volume lock held: fs_commit_journal's result.  On
 * failure with *applied == 0 the host refused the record and nothing
 * changed on disk: the caller undoes its change in memory and recommits. */
static long commit_record(uint32_t op, const char *path, const void *payload, size_t len, int *applied)
{
	struct fs_jbuf j = { .open_rec = (size_t)-1 };
	long r = fs_jrec(&j, op, path, 0, payload, len);
	if (r == 0)
		r = fs_commit_journal(&j, applied);
	free(j.p);
	return r;
}

/* After an undo: commit the file table as it is again (no records). */
static void recommit(void)
{
	int applied;
	fs_commit_journal(&(struct fs_jbuf){ .open_rec = (size_t)-1 }, &applied);
}

/* Entries at or below abs (a file, or a directory's files). */
static int under(const char *p, const char *abs, size_t al)
{
	return !strncmp(p, abs, al) && (p[al] == '/' || !p[al] || (al == 1 && abs[0] == '/'));
}

long fs_do_rename(long olddir, long uold, long newdir, long unew, long flags, long *ret)
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
		fs_ro_warn(ao);
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
		int applied = 0;
		r = commit_record(SCONCE_FSPF_J_RENAME, ao, an, nl, &applied);
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
			recommit();
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

long fs_do_unlink(long dirfd, long upath, long flags, long *ret)
{
	char abs[FS_PATH];
	if (flags & AT_REMOVEDIR)
		return 0;
	if (!fs_protected_path(dirfd, upath, abs))
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
		fs_ro_warn(abs);
		*ret = -EROFS;
		return 1;
	}
	fs_remove(f);
	long r;
	if (f->listed) {
		int applied = 0;
		/* removed from the table, so no longer in the fspf; f->listed
		 * stays: open descriptors still read its committed chunks */
		r = commit_record(SCONCE_FSPF_J_UNLINK, abs, NULL, 0, &applied);
		if (r < 0 && applied == 0 && fsv.state == 1) {
			fs_insert(f);
			recommit();
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
long fs_refuse_link(long dirfd, long upath, long *ret)
{
	char abs[FS_PATH];
	if (!fs_protected_path(dirfd, upath, abs))
		return 0;
	rt_log("fs: %s: links cannot be created inside a protected region", abs);
	*ret = -EPERM;
	return 1;
}

long fs_do_chdir(long upath, long *ret)
{
	const char *path;
	char abs[FS_PATH];
	if (fs_user_path(upath, &path) < 0)
		return 0;
	fs_resolve_locked(AT_FDCWD, path, abs);
	long r = fs_fwd(SYS_chdir, (long)abs, 0, 0, 0, 0, 0);
	if (r == 0) {
		fs_lock(&fsv.lock);
		memcpy(fsv.cwd, abs, strlen(abs) + 1);
		fs_unlock(&fsv.lock);
	}
	*ret = r;
	return 1;
}

long fs_do_fchdir(long fd, long *ret)
{
	long r = fs_fwd(SYS_fchdir, fd, 0, 0, 0, 0, 0);
	if (r == 0) {
		fs_lock(&fsv.lock);
		const char *d = fs_dir_get(fd);
		if (d) {
			memcpy(fsv.cwd, d, strlen(d) + 1);
		} else {
			char buf[FS_PATH];
			long g = fs_fwd(SYS_getcwd, (long)buf, sizeof(buf), 0, 0, 0, 0);
			if (g > 0 && g <= (long)sizeof(buf) && buf[g - 1] == 0 && buf[0] == '/')
				fs_normalize(buf, fsv.cwd);
		}
		fs_unlock(&fsv.lock);
	}
	*ret = r;
	return 1;
}
