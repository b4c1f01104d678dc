/*
 * The enclave heap.  mmap, munmap, mremap, mprotect, madvise and brk are
 * served here from the fixed heap region of the layout; host memory is
 * never handed to the application.  Pages are tracked in a bitmap kept at
 * the start of the heap.  Invariant: a free page is all zeros, so a fresh
 * anonymous mapping needs no clearing.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "rt.h"

#define PAGE SCONCE_PAGE_SIZE

static struct {
	volatile int lock;
	uint64_t *bits;       /* 1 = page in use */
	uintptr_t start;      /* first allocatable page */
	size_t pages;
	size_t hint;          /* where the next search starts */
	size_t used;
} heap;

static void lock(void)
{
	while (__atomic_exchange_n(&heap.lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&heap.lock, 0, __ATOMIC_RELEASE);
}

void rt_mem_init(void)
{
	uintptr_t lo = rt.base + rt.layout->heap_off;
	size_t total = rt.layout->heap_size / PAGE;
	size_t bitmap_pages = ((total + 63) / 64 * 8 + PAGE - 1) / PAGE;

	heap.bits = (uint64_t *)lo;
	heap.start = lo + bitmap_pages * PAGE;
	heap.pages = total > bitmap_pages ? total - bitmap_pages : 0;
}

static int test_bit(size_t i)
{
	return (heap.bits[i / 64] >> (i % 64)) & 1;
}

static void set_bit(size_t i, int used)
{
	if (used)
		heap.bits[i / 64] |= 1ull << (i % 64);
	else
		heap.bits[i / 64] &= ~(1ull << (i % 64));
}

/* Next fit from the hint, wrapping once; skips whole full words. */
static long find_free(size_t n)
{
	for (int pass = 0; pass < 2; pass++) {
		size_t i = pass ? 0 : heap.hint;
		size_t end = pass ? heap.hint + n : heap.pages;
		size_t run = 0;
		if (end > heap.pages)
			end = heap.pages;
		while (i < end) {
			if (run == 0 && i % 64 == 0 && heap.bits[i / 64] == ~0ull) {
				i += 64;
				continue;
			}
			if (test_bit(i))
				run = 0;
			else if (++run == n)
				return (long)(i + 1 - n);
			i++;
		}
	}
	return -1;
}

static int in_heap(uintptr_t addr, size_t len)
{
	return addr >= heap.start && len <= heap.pages * PAGE &&
	       addr - heap.start <= heap.pages * PAGE - len;
}

static size_t page_round(size_t len)
{
	return (len + PAGE - 1) & ~(PAGE - 1);
}

/* Release pages [first, first+n): zero them to keep the invariant. */
static void release(size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++) {
		if (test_bit(i)) {
			memset((void *)(heap.start + i * PAGE), 0, PAGE);
			set_bit(i, 0);
			heap.used--;
		}
	}
	if (first < heap.hint)
		heap.hint = first;
}

/* Fill a private file mapping by reading the file through the host. */
static long fill_from_file(void *dst, size_t len, long fd, long off)
{
	size_t done = 0;
	while (done < len) {
		long a[6] = { fd, (long)((char *)dst + done), (long)(len - done), off + (long)done };
		long r = rt_forward(SYS_pread64, a);
		if (r < 0)
			return r;
		if (r == 0)
			break; /* past the end of the file the mapping stays zero */
		done += (size_t)r;
	}
	return 0;
}

long rt_sys_mmap(long addr, long len, long prot, long flags, long fd, long off)
{
	static int warned_exec;
	long first;
	int shared = 0;

	if (len <= 0 || (off & (PAGE - 1)))
		return -EINVAL;
	if (prot & PROT_EXEC) {
		if (!warned_exec++)
			rt_log("mmap: executable memory cannot be added to the enclave");
		return -EACCES;
	}
	if (!(flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) != MAP_PRIVATE) {
		/* A shared mapping of a file opened read-only can never be
		 * written through (the kernel refuses PROT_WRITE on it), so a
		 * private copy serves it; it does not see later changes to the
		 * file.  musl maps /etc/localtime so.  Of a file open for
		 * writing, only with --shared-maps=copy: then the copy is
		 * written back (shared_map.c). */
		long q[6] = { fd, F_GETFL };
		long fl = rt_forward(SYS_fcntl, q);
		if (fl < 0)
			return fl;
		if ((fl & O_ACCMODE) == O_WRONLY || ((fl & O_ACCMODE) == O_RDONLY && (prot & PROT_WRITE)))
			return -EACCES;
		shared = (fl & O_ACCMODE) == O_RDWR;
		if (shared && !(rt.boot.flags & SCONCE_BOOT_SHARED_COPY)) {
			/* A copy would not see other writers (another process
			 * sharing the file, write() here): only on request. */
			static int warned_shared;
			if (!warned_shared++)
				rt_log("mmap: a shared mapping of a file open for writing is refused; "
				       "sconce run --shared-maps=copy serves it as a copy written back to the file");
			return -ENODEV;
		}
		flags = (flags & ~MAP_TYPE) | MAP_PRIVATE;
	}
	if ((flags & MAP_FIXED) && RT_READ_ONCE(rt_shmap_count) && !(addr & (PAGE - 1)))
		rt_shmap_remove((uintptr_t)addr, (size_t)len); /* what it replaces */
	size_t n = page_round((size_t)len) / PAGE;
	lock();
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if ((addr & (PAGE - 1)) || !in_heap((uintptr_t)addr, n * PAGE)) {
			unlock();
			return (flags & MAP_FIXED) ? -ENOMEM : -EEXIST;
		}
		first = (long)(((uintptr_t)addr - heap.start) / PAGE);
		if (flags & MAP_FIXED_NOREPLACE) {
			for (size_t i = 0; i < n; i++)
				if (test_bit((size_t)first + i)) {
					unlock();
					return -EEXIST;
				}
		}
		release((size_t)first, n); /* MAP_FIXED replaces with zero pages */
	} else {
		first = find_free(n);
		if (first < 0) {
			unlock();
			return -ENOMEM;
		}
		heap.hint = (size_t)first + n;
	}
	for (size_t i = 0; i < n; i++)
		set_bit((size_t)first + i, 1);
	heap.used += n;
	unlock();
	void *p = (void *)(heap.start + (size_t)first * PAGE);
	if (!(flags & MAP_ANONYMOUS)) {
		long r = fill_from_file(p, (size_t)len, fd, off);
		if (r == 0 && shared)
			r = rt_shmap_add((uintptr_t)p, (size_t)len, fd, off);
		if (r < 0) {
			rt_mem_unmap((long)p, len);
			return r;
		}
	}
	return (long)p;
}

long rt_sys_munmap(long addr, long len)
{
	if (RT_READ_ONCE(rt_shmap_count) && !(addr & (PAGE - 1)) && len > 0)
		rt_shmap_remove((uintptr_t)addr, (size_t)len); /* writes back first */
	return rt_mem_unmap(addr, len);
}

/* munmap without the shared mappings' write-back (shared_map.c's own). */
long rt_mem_unmap(long addr, long len)
{
	if ((addr & (PAGE - 1)) || len <= 0)
		return -EINVAL;
	size_t bytes = page_round((size_t)len);
	if (!in_heap((uintptr_t)addr, bytes))
		return -EINVAL;
	lock();
	release(((uintptr_t)addr - heap.start) / PAGE, bytes / PAGE);
	unlock();
	return 0;
}

long rt_sys_mremap(long old, long oldlen, long newlen, long flags, long new_addr)
{
	(void)new_addr;
	if ((old & (PAGE - 1)) || oldlen <= 0 || newlen <= 0 || (flags & ~MREMAP_MAYMOVE))
		return -EINVAL;
	size_t on = page_round((size_t)oldlen) / PAGE, nn = page_round((size_t)newlen) / PAGE;
	if (!in_heap((uintptr_t)old, on * PAGE))
		return -EFAULT;
	if (rt_shmap_overlaps((uintptr_t)old, on * PAGE)) {
		static int warned;
		if (!warned++)
			rt_log("mremap: a shared file mapping cannot be resized or moved inside the enclave");
		return -EINVAL;
	}
	size_t first = ((uintptr_t)old - heap.start) / PAGE;
	if (nn <= on) {
		if (nn < on)
			rt_sys_munmap(old + (long)(nn * PAGE), (long)((on - nn) * PAGE));
		return old;
	}
	lock();
	int fits = first + nn <= heap.pages;
	for (size_t i = first + on; fits && i < first + nn; i++)
		fits = !test_bit(i);
	if (fits) {
		for (size_t i = first + on; i < first + nn; i++)
			set_bit(i, 1);
		heap.used += nn - on;
		unlock();
		return old;
	}
	unlock();
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	long p = rt_sys_mmap(0, newlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0)
		return p;
	memcpy((void *)p, (void *)old, on * PAGE);
	rt_sys_munmap(old, oldlen);
	return p;
}

long rt_sys_mprotect(long addr, long len, long prot)
{
	static int warned;
	if ((addr & (PAGE - 1)) || len < 0)
		return -EINVAL;
	/* Page permissions are fixed when the enclave is built (as on SGX1):
	 * heap pages stay read-write.  Only executable requests are refused,
	 * since honouring them silently would be a lie. */
	if (prot & PROT_EXEC) {
		if (!warned++)
			rt_log("mprotect: enclave memory cannot become executable");
		return -EACCES;
	}
	if (!rt_inside((uintptr_t)addr, (size_t)len))
		return -ENOMEM;
	return 0;
}

long rt_sys_madvise(long addr, long len, long advice)
{
	if ((addr & (PAGE - 1)) || len < 0)
		return -EINVAL;
	size_t bytes = page_round((size_t)len);
	if (advice == MADV_DONTNEED && in_heap((uintptr_t)addr, bytes))
		memset((void *)addr, 0, bytes); /* private anonymous: reads as zero */
	return 0;
}

/* Report each run of pages in use, lowest first, with the heap locked:
 * what the application has mapped, as the kernel would merge it (all heap
 * pages are private, anonymous and read-write).  Stops when fn returns
 * non-zero and returns that; fn must not call into the heap. */
int rt_mem_ranges(int (*fn)(void *ctx, uintptr_t lo, uintptr_t hi), void *ctx)
{
	int r = 0;
	size_t i = 0;
	lock();
	while (i < heap.pages && !r) {
		if (i % 64 == 0 && heap.bits[i / 64] == 0) {
			i += 64;
			continue;
		}
		if (!test_bit(i)) {
			i++;
			continue;
		}
		size_t first = i;
		while (i < heap.pages && test_bit(i))
			i++;
		r = fn(ctx, heap.start + first * PAGE, heap.start + i * PAGE);
	}
	unlock();
	return r;
}

/* The break never moves: musl's allocator then takes memory with mmap. */
long rt_sys_brk(long addr)
{
	(void)addr;
	return (long)heap.start;
}
