/*
 * Paths: the shield decides by absolute, lexically normalised path which
 * region a name belongs to, so it tracks the working directory (chdir,
 * fchdir) and the paths of directory descriptors (for openat and
 * friends) itself rather than asking the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"

#define MAX_DIRFD 65536

static char **dirs; /* fd -> absolute path of an open directory */

int fs_user_path(long p, const char **out)
{
	if (!p || !rt_inside((uintptr_t)p, 1))
		return -EFAULT;
	size_t max = rt.base + rt.size - (uintptr_t)p;
	size_t n = strnlen((const char *)p, max < FS_PATH ? max : FS_PATH);
	if (n == FS_PATH)
		return -ENAMETOOLONG;
	if (n == max)
		return -EFAULT;
	*out = (const char *)p;
	return 0;
}

void fs_normalize(const char *in, char out[FS_PATH])
{
	size_t o = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t len = (size_t)(e - p);
		if (len == 1 && p[0] == '.') {
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (o + len + 2 < FS_PATH) {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
}

int fs_resolve(long dirfd, const char *path, char out[FS_PATH])
{
	char buf[2 * FS_PATH + 2];
	const char *base;
	if (path[0] == '/') {
		fs_normalize(path, out);
		return 0;
	}
	if ((int)dirfd == AT_FDCWD)
		base = fsv.cwd;
	else if (!(base = fs_dir_get(dirfd)))
		return -1;
	size_t bl = strlen(base), pl = strlen(path);
	memcpy(buf, base, bl);
	buf[bl] = '/';
	memcpy(buf + bl + 1, path, pl + 1);
	fs_normalize(buf, out);
	return 0;
}

int fs_resolve_locked(long dirfd, const char *path, char out[FS_PATH])
{
	fs_lock(&fsv.lock);
	int known = fs_resolve(dirfd, path, out) == 0;
	fs_unlock(&fsv.lock);
	return known;
}

int fs_app_path(long dirfd, long upath, char out[FS_PATH])
{
	const char *path;
	if (fs_user_path(upath, &path) < 0)
		return 0;
	return fs_resolve_locked(dirfd, path, out);
}

int fs_protected_path(long dirfd, long upath, char out[FS_PATH])
{
	return fs_app_path(dirfd, upath, out) && fs_region_mode(out) != SCONCE_FSPF_UNPROTECTED;
}

void fs_dir_set(long fd, const char *abs)
{
	if (fd < 0 || fd >= MAX_DIRFD)
		return;
	if (!dirs && !(dirs = calloc(MAX_DIRFD, sizeof(char *))))
		return;
	free(dirs[fd]);
	dirs[fd] = strdup(abs);
}

void fs_dir_clear(long fd)
{
	if (dirs && fd >= 0 && fd < MAX_DIRFD && dirs[fd]) {
		free(dirs[fd]);
		dirs[fd] = NULL;
	}
}

const char *fs_dir_get(long fd)
{
	return dirs && fd >= 0 && fd < MAX_DIRFD ? dirs[fd] : NULL;
}
