/*
 * The files of /proc that describe the enclave itself.  The host's
 * /proc/self/maps describes the launcher: its stacks, the shared queues,
 * and the enclave as one anonymous block.  An application that reads it
 * to find its own memory (Redis's crash report tests every anonymous
 * read-write mapping it lists by writing patterns over it) would walk
 * the host's memory instead.  So the maps file is answered here, from
 * the enclave's own state:
 *
 *   - the image's segments, with the permissions they were built with;
 *   - the heap's pages in use, merged as the kernel merges mappings;
 *   - the first thread's stack, named [stack].
 *
 * The runtime's private memory (its stacks, control and TCS pages, the
 * heap's bitmap) is not listed: it is not the application's, as the
 * kernel's memory is not a process's.
 *
 * The application's descriptor is a real host descriptor (so numbers,
 * close-on-exec and /proc/self/fd behave): the same path opened O_PATH,
 * through which no data can travel.  Reads are served from a snapshot
 * taken at the first read and again whenever a read starts at offset 0,
 * as the kernel generates the file when it is read.  Only absolute paths are
 * recognised: /proc/{self,thread-self,PID}/maps and .../task/TID/maps.
 */
#define _GNU_SOURCE 1
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "rt.h"
#include "fs/fs.h" /* fsh_close */

#define PF_MAX_FDS 32
#define PF_LINE 96  /* longest line: two addresses, flags, offset, name */

struct pf_file {
	int refs;       /* descriptors sharing it (dup) */
	int flags;      /* O_NONBLOCK etc., for F_GETFL */
	size_t off;
	char *buf;      /* snapshot, in the enclave heap */
	size_t len, cap;
};

static struct {
	volatile int lock;
	struct { int fd; struct pf_file *f; } fds[PF_MAX_FDS];
	struct pf_file files[PF_MAX_FDS]; /* refs == 0: free */
} pf;

/* How many descriptors are ours: the dispatcher looks at nothing else
 * while it is zero. */
int rt_procfs_open_files;

extern const Elf64_Ehdr __ehdr_start;

static void lock(void)
{
	while (__atomic_exchange_n(&pf.lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&pf.lock, 0, __ATOMIC_RELEASE);
}

/* ---- the path ---- */

static const char *skip_number(const char *p, unsigned long *v)
{
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	*v = 0;
	while (*p >= '0' && *p <= '9') {
		if (*v > (1ul << 40))
			return NULL;
		*v = *v * 10 + (unsigned long)(*p++ - '0');
	}
	return p;
}

static int starts(const char **p, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(*p, word, n))
		return 0;
	*p += n;
	return 1;
}

/* /proc/{self,thread-self,PID}/maps or /proc/{...}/task/TID/maps */
static int is_maps_path(const char *p)
{
	unsigned long v;
	if (!starts(&p, "/proc/"))
		return 0;
	if (!starts(&p, "self/") && !starts(&p, "thread-self/")) {
		if (!(p = skip_number(p, &v)) || v != rt.boot.pid || *p++ != '/')
			return 0;
	}
	if (starts(&p, "task/")) {
		if (!(p = skip_number(p, &v)) || *p++ != '/')
			return 0;
	}
	return !strcmp(p, "maps");
}

/* ---- the contents ---- */

struct gen {
	char *buf;
	size_t len, cap;
	uintptr_t last;  /* end of the previous line's range */
};

static void put_hex(struct gen *g, unsigned long v, int width)
{
	char tmp[16];
	int i = 0;
	do {
		tmp[i++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v || i < width);
	while (i)
		g->buf[g->len++] = tmp[--i];
}

static void put_str(struct gen *g, const char *s)
{
	while (*s)
		g->buf[g->len++] = *s++;
}

/* One line as the kernel writes it (fs/proc/task_mmu.c): the inode is
 * followed by a space, and the name, if any, starts in column 74.
 * Returns 1 when the buffer is full. */
static int line(struct gen *g, uintptr_t lo, uintptr_t hi, const char *perm,
		unsigned long off, const char *name)
{
	if (g->len + PF_LINE > g->cap)
		return 1;
	if (lo < g->last)
		rt_fatal("procfs: mappings out of order");
	g->last = hi;
	size_t start = g->len;
	put_hex(g, lo, 8);
	put_str(g, "-");
	put_hex(g, hi, 8);
	put_str(g, " ");
	put_str(g, perm);
	put_str(g, " ");
	put_hex(g, off, 8);
	put_str(g, " 00:00 0 ");
	if (name) {
		while (g->len - start < 73)
			g->buf[g->len++] = ' ';
		put_str(g, name);
	}
	put_str(g, "\n");
	return 0;
}

/* The lowest snapshot buffer that overlaps [lo, hi), the one being
 * written included; 0 if none.  pf's lock is held. */
static uintptr_t next_buffer(const struct gen *g, uintptr_t lo, uintptr_t hi, uintptr_t *end)
{
	uintptr_t best = 0;
	for (int i = -1; i < PF_MAX_FDS; i++) {
		uintptr_t b = i < 0 ? (uintptr_t)g->buf : (uintptr_t)pf.files[i].buf;
		uintptr_t e = b + (i < 0 ? g->cap : pf.files[i].cap);
		if (b && b < hi && e > lo && (!best || b < best)) {
			best = b;
			*end = e;
		}
	}
	return best;
}

/* A heap run, less the snapshots' buffers: the kernel's buffers for
 * these files are not the process's memory either. */
static int heap_line(void *ctx, uintptr_t lo, uintptr_t hi)
{
	struct gen *g = ctx;
	while (lo < hi) {
		uintptr_t end, b = next_buffer(g, lo, hi, &end);
		if (!b)
			return line(g, lo, hi, "rw-p", 0, NULL);
		if (b > lo && line(g, lo, b, "rw-p", 0, NULL))
			return 1;
		lo = end;
	}
	return 0;
}

static int count_run(void *ctx, uintptr_t lo, uintptr_t hi)
{
	(void)lo, (void)hi;
	++*(size_t *)ctx;
	return 0;
}

/* Write the file into g; returns 1 if it did not fit. */
static int generate(struct gen *g)
{
	const Elf64_Phdr *ph = (const void *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
	for (int i = 0; i < __ehdr_start.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		uintptr_t lo = (rt.base + ph[i].p_vaddr) & ~(SCONCE_PAGE_SIZE - 1);
		uintptr_t hi = (rt.base + ph[i].p_vaddr + ph[i].p_memsz + SCONCE_PAGE_SIZE - 1) &
			       ~(SCONCE_PAGE_SIZE - 1);
		char perm[5] = { ph[i].p_flags & PF_R ? 'r' : '-', ph[i].p_flags & PF_W ? 'w' : '-',
				 ph[i].p_flags & PF_X ? 'x' : '-', 'p', 0 };
		if (line(g, lo, hi, perm, ph[i].p_offset & ~(SCONCE_PAGE_SIZE - 1), NULL))
			return 1;
	}
	if (rt_mem_ranges(heap_line, g))
		return 1;
	uintptr_t stack = rt.base + rt.layout->main_stack_lo;
	return line(g, stack, stack + rt.layout->main_stack_size, "rw-p", 0, "[stack]");
}

/* A fresh snapshot for f (its lock not held: this takes the heap's). */
static long snapshot(char **bufp, size_t *lenp, size_t *capp)
{
	size_t runs = 0;
	rt_mem_ranges(count_run, &runs);
	size_t cap = (runs + __ehdr_start.e_phnum + 8) * PF_LINE;
	for (;;) {
		cap = (cap + SCONCE_PAGE_SIZE - 1) & ~(SCONCE_PAGE_SIZE - 1);
		long p = rt_sys_mmap(0, (long)cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p < 0)
			return p;
		struct gen g = { (char *)p, 0, cap, 0 };
		lock(); /* pf, then the heap's: the buffers stay put */
		int full = generate(&g);
		unlock();
		if (!full) {
			*bufp = (char *)p;
			*lenp = g.len;
			*capp = cap;
			return 0;
		}
		rt_sys_munmap(p, (long)cap); /* the heap grew meanwhile */
		cap *= 2;
	}
}

/* ---- descriptors ---- */

/* The file behind fd, with a reference; NULL if fd is not ours. */
static struct pf_file *get(long fd)
{
	struct pf_file *f = NULL;
	lock();
	for (int i = 0; i < PF_MAX_FDS; i++)
		if (pf.fds[i].f && pf.fds[i].fd == fd) {
			f = pf.fds[i].f;
			f->refs++;
			break;
		}
	unlock();
	return f;
}

static void put(struct pf_file *f)
{
	lock();
	int last = --f->refs == 0;
	char *buf = f->buf; /* read before another open may take the entry */
	size_t cap = f->cap;
	unlock();
	if (last && buf)
		rt_sys_munmap((long)buf, (long)cap);
}

/* fd no longer names one of ours (closed, or replaced by dup2). */
static void forget(long fd)
{
	struct pf_file *f = NULL;
	lock();
	for (int i = 0; i < PF_MAX_FDS; i++)
		if (pf.fds[i].f && pf.fds[i].fd == fd) {
			f = pf.fds[i].f;
			pf.fds[i].f = NULL;
			__atomic_sub_fetch(&rt_procfs_open_files, 1, __ATOMIC_RELEASE);
			break;
		}
	unlock();
	if (f)
		put(f);
}

/* Make fd name f (which gains a reference). */
static long install(long fd, struct pf_file *f)
{
	forget(fd); /* a number the host reused: whatever we had is gone */
	lock();
	for (int i = 0; i < PF_MAX_FDS; i++)
		if (!pf.fds[i].f) {
			pf.fds[i].fd = (int)fd;
			pf.fds[i].f = f;
			f->refs++;
			__atomic_add_fetch(&rt_procfs_open_files, 1, __ATOMIC_RELEASE);
			unlock();
			return fd;
		}
	unlock();
	return -EMFILE;
}

static long do_open(long dirfd, long path, long flags, long *ret)
{
	if (!path || !rt_inside((uintptr_t)path, 1))
		return 0;
	size_t max = rt.base + rt.size - (uintptr_t)path;
	size_t n = strnlen((const char *)path, max < 64 ? max : 64);
	if (n == max || n == 64 || !is_maps_path((const char *)path))
		return 0;
	if (flags & O_PATH)
		return 0; /* no contents travel through it: the host's will do */
	if ((flags & O_ACCMODE) != O_RDONLY)
		return *ret = -EACCES, 1;
	if (flags & O_DIRECTORY)
		return *ret = -ENOTDIR, 1;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return *ret = -EEXIST, 1;

	/* the contents are taken at the first read, which starts at 0 */
	struct pf_file *f = NULL;
	lock();
	for (int i = 0; i < PF_MAX_FDS && !f; i++)
		if (!pf.files[i].refs) {
			f = &pf.files[i];
			*f = (struct pf_file){ .refs = 1, .flags = (int)(flags & O_NONBLOCK) };
		}
	unlock();
	if (!f) {
		rt_log("procfs: more than %d of the enclave's /proc files open at once", PF_MAX_FDS);
		return *ret = -EMFILE, 1;
	}
	long a[6] = { dirfd, path, O_PATH | (flags & O_CLOEXEC) };
	long fd = rt_forward(SYS_openat, a);
	if (fd >= 0 && install(fd, f) < 0) {
		fsh_close(fd);
		fd = -EMFILE;
	}
	put(f); /* the installed descriptor holds it now, if any */
	*ret = fd;
	return 1;
}

/* Copy up to n bytes from offset off of f into dst. */
static long copy_out(struct pf_file *f, long dst, size_t n, size_t off)
{
	if (n && !rt_inside((uintptr_t)dst, n))
		return -EFAULT;
	if (off >= f->len)
		return 0;
	if (n > f->len - off)
		n = f->len - off;
	memcpy((void *)dst, f->buf + off, n);
	return (long)n;
}

/* A read at offset 0 (and the first read) sees the enclave as it is now. */
static long refresh(struct pf_file *f, size_t off)
{
	if (off && RT_READ_ONCE(f->buf))
		return 0;
	char *buf;
	size_t len, cap;
	long r = snapshot(&buf, &len, &cap);
	if (r < 0)
		return r;
	lock();
	char *old = f->buf;
	size_t oldcap = f->cap;
	f->buf = buf;
	f->len = len;
	f->cap = cap;
	unlock();
	if (old)
		rt_sys_munmap((long)old, (long)oldcap);
	return 0;
}

/* read, readv, pread64, preadv, preadv2: pos < 0 reads at the offset. */
static long do_read(struct pf_file *f, const struct iovec *iov, long cnt, long pos)
{
	if (cnt < 0 || cnt > 1024 || (cnt && !rt_inside((uintptr_t)iov, (size_t)cnt * sizeof(*iov))))
		return cnt < 0 || cnt > 1024 ? -EINVAL : -EFAULT;
	size_t off = pos < 0 ? RT_READ_ONCE(f->off) : (size_t)pos;
	long r = refresh(f, off);
	if (r < 0)
		return r;
	long done = 0;
	lock();
	if (pos < 0)
		off = f->off;
	for (long i = 0; i < cnt; i++) {
		struct iovec v = iov[i];
		long k = copy_out(f, (long)v.iov_base, v.iov_len, off);
		if (k < 0) {
			if (!done)
				done = k;
			break;
		}
		done += k;
		off += (size_t)k;
		if ((size_t)k < v.iov_len)
			break;
	}
	if (pos < 0 && done > 0)
		f->off = off;
	unlock();
	return done;
}

static long do_lseek(struct pf_file *f, long off, long whence)
{
	long r;
	lock();
	if (whence == SEEK_SET)
		r = off;
	else if (whence == SEEK_CUR)
		r = (long)f->off + off;
	else
		r = -EINVAL; /* as the kernel's seq_file: no SEEK_END */
	if (whence == SEEK_SET || whence == SEEK_CUR)
		r = r < 0 ? -EINVAL : (long)(f->off = (size_t)r);
	unlock();
	return r;
}

/* dup, dup2, dup3, fcntl(F_DUPFD*) of one of ours. */
static long do_dup(long n, const long a[6], struct pf_file *f)
{
	long newfd = (n == SYS_dup2 || n == SYS_dup3) ? a[1] : -1;
	if (n == SYS_dup2 && newfd == a[0])
		return newfd;
	long r = rt_forward(n, a);
	if (r >= 0 && install(r, f) < 0) {
		fsh_close(r);
		r = -EMFILE;
	}
	return r;
}

int rt_procfs_dispatch(long n, const long a[6], long *ret)
{
	if (n == SYS_open)
		return (int)do_open(AT_FDCWD, a[0], a[1], ret);
	if (n == SYS_openat)
		return (int)do_open(a[0], a[1], a[2], ret);
	if ((n == SYS_dup2 || n == SYS_dup3) && a[1] != a[0])
		forget(a[1]); /* if it is ours, dup2 closes it; the call goes on */
	long fd;
	switch (n) {
	case SYS_read: case SYS_readv: case SYS_pread64: case SYS_preadv: case SYS_preadv2:
	case SYS_lseek: case SYS_close: case SYS_dup: case SYS_dup2: case SYS_dup3:
	case SYS_fcntl: case SYS_write: case SYS_writev: case SYS_pwrite64: case SYS_pwritev:
	case SYS_pwritev2: case SYS_ftruncate: case SYS_fallocate:
		fd = a[0];
		break;
	case SYS_mmap:
		if (a[3] & MAP_ANONYMOUS)
			return 0;
		fd = a[4];
		break;
	case SYS_sendfile: fd = a[1]; break;
	case SYS_copy_file_range: case SYS_splice: fd = a[0]; break;
	default:
		return 0;
	}
	struct pf_file *f = get(fd);
	if (!f)
		return 0;
	long r;
	switch (n) {
	case SYS_read: {
		struct iovec v = { (void *)a[1], (size_t)a[2] };
		r = do_read(f, &v, 1, -1);
		break;
	}
	case SYS_pread64: {
		struct iovec v = { (void *)a[1], (size_t)a[2] };
		r = a[3] < 0 ? -EINVAL : do_read(f, &v, 1, a[3]);
		break;
	}
	case SYS_readv: r = do_read(f, (const struct iovec *)a[1], a[2], -1); break;
	case SYS_preadv: r = a[3] < 0 ? -EINVAL : do_read(f, (const struct iovec *)a[1], a[2], a[3]); break;
	case SYS_preadv2:
		r = a[3] < -1 ? -EINVAL : do_read(f, (const struct iovec *)a[1], a[2], a[3]);
		break;
	case SYS_lseek: r = do_lseek(f, a[1], a[2]); break;
	case SYS_close:
		r = fsh_close(fd);
		forget(fd); /* the number is released whatever close said */
		break;
	case SYS_dup: case SYS_dup2: case SYS_dup3:
		r = do_dup(n, a, f);
		break;
	case SYS_fcntl:
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC) {
			r = do_dup(n, a, f);
		} else if (a[1] == F_GETFL) {
			r = O_RDONLY | O_LARGEFILE | RT_READ_ONCE(f->flags);
		} else if (a[1] == F_SETFL) {
			RT_WRITE_ONCE(f->flags, (int)(a[2] & O_NONBLOCK));
			r = 0;
		} else {
			put(f);
			return 0; /* F_GETFD, F_SETFD, locks: the host's descriptor */
		}
		break;
	case SYS_mmap: r = -ENODEV; break;
	case SYS_ftruncate: r = -EINVAL; break;
	case SYS_sendfile: case SYS_copy_file_range: case SYS_splice:
		r = -EINVAL; /* callers fall back to read and write */
		break;
	default: r = -EBADF; break; /* opened read-only */
	}
	put(f);
	*ret = r;
	return 1;
}
