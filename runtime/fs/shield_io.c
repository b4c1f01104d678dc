/*
 * Contents of protected files: read and write and their vector and
 * positioned forms go through the file's chunk cache (file.c) at the
 * offset the shield keeps for the description, never through the
 * application's host descriptor; lseek moves that offset; a private
 * mapping is filled with the file's plaintext.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include "shield.h"

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

/* What read and write and their forms check once their buffers are valid:
 * the description's access mode, the position, a read-only volume.  0, or
 * the error. */
static long rw_refused(const struct fs_ofd *o, int write, long pos, int positioned)
{
	int acc = o->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	if (positioned && pos < 0)
		return -EINVAL;
	if (write && !fsv.writable)
		return -EROFS;
	return 0;
}

/* Where a transfer starts (file lock held): at pos, at the description's
 * offset, or for an appending write at the end of the file. */
static uint64_t start_offset(const struct fs_ofd *o, int write, long pos, int positioned)
{
	uint64_t off = positioned ? (uint64_t)pos : o->off;
	if (write && (o->flags & O_APPEND) && !positioned)
		off = o->f->size;
	return off;
}

long fs_do_rw(struct fs_ofd *o, int write, long buf, long n, long pos, int positioned)
{
	if (n < 0)
		return -EINVAL;
	if (n && !rt_inside((uintptr_t)buf, (size_t)n))
		return -EFAULT;
	long e = rw_refused(o, write, pos, positioned);
	if (e)
		return e;
	struct fs_file *f = o->f;
	fs_lock(&f->lock);
	long r;
	if (fsv.state != 1) {
		r = -EIO;
	} else {
		uint64_t off = start_offset(o, write, pos, positioned);
		r = write ? fs_file_write(f, (const void *)buf, (size_t)n, off)
			  : fs_file_read(f, (void *)buf, (size_t)n, off);
		if (r > 0 && !positioned)
			o->off = off + (uint64_t)r;
	}
	fs_unlock(&f->lock);
	return r;
}

long fs_do_rwv(struct fs_ofd *o, int write, long iovp, long cnt, long pos, int positioned)
{
	if (cnt < 0 || cnt > IOV_MAX_CNT)
		return -EINVAL;
	if (cnt && !rt_inside((uintptr_t)iovp, (size_t)cnt * sizeof(struct iovec)))
		return -EFAULT;
	struct iovec iov[64];
	const struct iovec *src = (const struct iovec *)iovp;
	long e = rw_refused(o, write, pos, positioned);
	if (e)
		return e;
	struct fs_file *f = o->f;
	long total = 0, r = 0;
	fs_lock(&f->lock);
	uint64_t off = start_offset(o, write, pos, positioned);
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

long fs_do_lseek(struct fs_ofd *o, long off, long whence)
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

long fs_do_mmap(const long a[6], long *ret)
{
	long len = a[1], prot = a[2], flags = a[3], fd = a[4], off = a[5];
	struct fs_ofd *o = fs_ofd_get(fd);
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
	fs_ofd_put(o);
	*ret = r;
	return 1;
}
