/*
 * Shared file mappings.  Enclave memory cannot be a host file's page
 * cache, so mmap(MAP_SHARED) of a file open for writing is, when the run
 * asked for it (--shared-maps=copy; refused otherwise, see mem.c), served
 * as a copy in the enclave heap (mem.c fills it) that is written back to the
 * file, as the kernel writes back dirty pages: at msync, at munmap (and
 * MAP_FIXED over it), and at exit_group.  Only the pages whose contents
 * changed since they were read or last written go back (a 64-bit hash per
 * page tells), clipped to the file's size at that moment.
 *
 * Unlike the kernel's: the copy does not see what is written to the file
 * by other means (write(), other processes) after the mmap, and what a
 * process killed by a signal had not synced is lost.  mremap of such a
 * mapping is refused.  Files under the file-system shield never get here
 * (the shield refuses shared mappings of protected files).
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "rt.h"
#include "fs/fs.h" /* fs_lock (a mutex that may be held across host calls), fsh_* */

#define PAGE SCONCE_PAGE_SIZE
#define SHM_MAX 64

struct shmap {
	uintptr_t lo, hi;   /* 0: free entry */
	long fd;            /* the runtime's own host descriptor of the file */
	long off;           /* file offset of lo */
	uint64_t *hash;     /* one per page, in the heap */
	uint64_t *hash_map; /* where the hashes' mapping starts */
	size_t hash_bytes;  /* and its size */
};

/* One mutex for everything: calls on shared mappings are rare, and each
 * writes to the file while holding it. */
static struct fs_mutex shm_lock;
static struct shmap shm[SHM_MAX];

/* Entries in use: munmap and msync look at nothing else while it is 0. */
int rt_shmap_count;

/* Four independent lanes of multiply-xorshift over the page's words. */
static uint64_t page_hash(uintptr_t page)
{
	const uint64_t *w = (const uint64_t *)page;
	uint64_t h[4] = { 0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
			  0x2545f4914f6cdd1dull };
	for (size_t i = 0; i < PAGE / 8; i += 4)
		for (int k = 0; k < 4; k++) {
			h[k] = (h[k] ^ w[i + k]) * 0xff51afd7ed558ccdull;
			h[k] ^= h[k] >> 29;
		}
	return h[0] ^ (h[1] * 3) ^ (h[2] * 5) ^ (h[3] * 7);
}

static long host(long nr, long a0, long a1, long a2, long a3)
{
	long a[6] = { a0, a1, a2, a3 };
	return rt_forward(nr, a);
}

static uint64_t *alloc_hashes(size_t pages, size_t *bytes)
{
	*bytes = (pages * sizeof(uint64_t) + PAGE - 1) & ~(PAGE - 1);
	long p = rt_sys_mmap(0, (long)*bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p < 0 ? NULL : (uint64_t *)p;
}

static uint64_t *hash_of(const struct shmap *e, uintptr_t page)
{
	return &e->hash[(page - e->lo) / PAGE];
}

/* Write back the changed pages of e within [lo, hi) (page aligned, inside
 * e), clipped to the file's size now.  shm_lock held.  A page's hash is
 * taken once: stored when the page is found changed, and inverted (so
 * the page stays changed for a later sync) if its write fails. */
static long write_back(const struct shmap *e, uintptr_t lo, uintptr_t hi)
{
	uint64_t size;
	long r = fsh_fsize(e->fd, &size, NULL);
	if (r < 0)
		return r;
	uint64_t off = (uint64_t)e->off;
	uintptr_t eof = size <= off ? e->lo : size - off >= e->hi - e->lo ? e->hi : e->lo + (uintptr_t)(size - off);
	if (hi > eof)
		hi = eof;
	long err = 0;
	for (uintptr_t p = lo; p < hi;) {
		uint64_t h = page_hash(p);
		if (h == *hash_of(e, p)) {
			p += PAGE;
			continue;
		}
		uintptr_t q = p; /* a run of changed pages, written at once */
		do {
			*hash_of(e, q) = h;
			q += PAGE;
		} while (q < hi && (h = page_hash(q)) != *hash_of(e, q));
		uintptr_t end = q < hi ? q : hi;
		r = fsh_pwrite(e->fd, (const void *)p, end - p, off + (p - e->lo));
		if (r < 0) {
			for (uintptr_t x = p; x < q; x += PAGE)
				*hash_of(e, x) = ~*hash_of(e, x);
			if (!err)
				err = r;
		}
		p = q < hi ? q + PAGE : q; /* page q, if any, was found unchanged */
	}
	return err;
}

long rt_shmap_add(uintptr_t p, size_t len, long fd, long off)
{
	size_t pages = (len + PAGE - 1) / PAGE, bytes;
	uint64_t *hash = alloc_hashes(pages, &bytes);
	if (!hash)
		return -ENOMEM;
	for (size_t i = 0; i < pages; i++)
		hash[i] = page_hash(p + i * PAGE);
	long dup = host(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0, 0);
	if (dup < 0) {
		rt_mem_unmap((long)hash, (long)bytes);
		return dup;
	}
	fs_lock(&shm_lock);
	for (int i = 0; i < SHM_MAX; i++)
		if (!shm[i].lo) {
			shm[i] = (struct shmap){ p, p + pages * PAGE, dup, off, hash, hash, bytes };
			__atomic_add_fetch(&rt_shmap_count, 1, __ATOMIC_RELEASE);
			fs_unlock(&shm_lock);
			return 0;
		}
	fs_unlock(&shm_lock);
	rt_log("mmap: more than %d shared file mappings at once", SHM_MAX);
	fsh_close(dup);
	rt_mem_unmap((long)hash, (long)bytes);
	return -ENOMEM;
}

static void drop(struct shmap *e)
{
	fsh_close(e->fd);
	rt_mem_unmap((long)e->hash_map, (long)e->hash_bytes);
	e->lo = 0;
	__atomic_sub_fetch(&rt_shmap_count, 1, __ATOMIC_RELEASE);
}

int rt_shmap_overlaps(uintptr_t lo, size_t len)
{
	int found = 0;
	if (!RT_READ_ONCE(rt_shmap_count))
		return 0;
	fs_lock(&shm_lock);
	for (int i = 0; i < SHM_MAX && !found; i++)
		found = shm[i].lo && shm[i].lo < lo + len && shm[i].hi > lo;
	fs_unlock(&shm_lock);
	return found;
}

/* Before [lo, lo+len) is unmapped or replaced: write back what changed
 * there, and cut it out of the mappings (splitting one if need be). */
void rt_shmap_remove(uintptr_t lo, size_t len)
{
	if (!RT_READ_ONCE(rt_shmap_count))
		return;
	uintptr_t hi = lo + ((len + PAGE - 1) & ~(PAGE - 1));
	fs_lock(&shm_lock);
	for (int i = 0; i < SHM_MAX; i++) {
		struct shmap *e = &shm[i];
		if (!e->lo || e->lo >= hi || e->hi <= lo)
			continue;
		uintptr_t a = lo > e->lo ? lo : e->lo, b = hi < e->hi ? hi : e->hi;
		long r = write_back(e, a, b);
		if (r < 0)
			rt_log("munmap: writing a shared mapping back to its file failed (error %ld)", -r);
		if (a == e->lo && b == e->hi) {
			drop(e);
		} else if (a == e->lo) { /* the head goes */
			e->hash += (b - e->lo) / PAGE;
			e->off += (long)(b - e->lo);
			e->lo = b;
		} else if (b == e->hi) { /* the tail goes */
			e->hi = a;
		} else { /* a hole: the part above it becomes its own entry */
			struct shmap t = { b, e->hi, -1, e->off + (long)(b - e->lo), NULL, NULL, 0 };
			int k = 0;
			while (k < SHM_MAX && shm[k].lo)
				k++;
			t.hash_map = k < SHM_MAX ? alloc_hashes((t.hi - b) / PAGE, &t.hash_bytes) : NULL;
			t.fd = t.hash_map ? host(SYS_fcntl, e->fd, F_DUPFD_CLOEXEC, 0, 0) : -ENOMEM;
			if (t.fd >= 0) {
				t.hash = t.hash_map;
				memcpy(t.hash, hash_of(e, b), (t.hi - b) / PAGE * sizeof(uint64_t));
				shm[k] = t;
				__atomic_add_fetch(&rt_shmap_count, 1, __ATOMIC_RELEASE);
			} else {
				rt_log("munmap: the part of a shared mapping above the hole is no longer written back");
				if (t.hash_map)
					rt_mem_unmap((long)t.hash_map, (long)t.hash_bytes);
			}
			e->hi = a;
		}
	}
	fs_unlock(&shm_lock);
}

long rt_shmap_sync(long addr, long len, long flags)
{
	if ((addr & (PAGE - 1)) || len < 0 || (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	if (!RT_READ_ONCE(rt_shmap_count) || !len)
		return 0;
	uintptr_t lo = (uintptr_t)addr, hi = lo + (((size_t)len + PAGE - 1) & ~(PAGE - 1));
	long err = 0;
	fs_lock(&shm_lock);
	for (int i = 0; i < SHM_MAX; i++) {
		struct shmap *e = &shm[i];
		if (!e->lo || e->lo >= hi || e->hi <= lo)
			continue;
		long r = write_back(e, lo > e->lo ? lo : e->lo, hi < e->hi ? hi : e->hi);
		if (!r && (flags & MS_SYNC))
			r = host(SYS_fdatasync, e->fd, 0, 0, 0);
		if (r < 0 && !err)
			err = r;
	}
	fs_unlock(&shm_lock);
	return err;
}

/* exit_group: what the kernel would write back after the process. */
void rt_shmap_sync_all(void)
{
	if (!RT_READ_ONCE(rt_shmap_count))
		return;
	fs_lock(&shm_lock);
	for (int i = 0; i < SHM_MAX; i++)
		if (shm[i].lo) {
			long r = write_back(&shm[i], shm[i].lo, shm[i].hi);
			if (r < 0)
				rt_log("exit: writing a shared mapping back to its file failed (error %ld)", -r);
		}
	fs_unlock(&shm_lock);
}
