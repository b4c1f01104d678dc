/*
 * Randomness comes from the CPU inside the enclave (RDRAND, with RDSEED as
 * a second source), never from the host.
 */
#include <errno.h>
#include <string.h>
#include "rt.h"

static int rdrand64(uint64_t *v)
{
	for (int i = 0; i < 32; i++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return 0;
	}
	for (int i = 0; i < 256; i++) {
		unsigned char ok;
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return 0;
		__builtin_ia32_pause();
	}
	return -EIO;
}

int rt_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len) {
		uint64_t v;
		if (rdrand64(&v) < 0)
			return -EIO;
		size_t n = len < 8 ? len : 8;
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
	return 0;
}

long rt_sys_getrandom(long buf, long len, long flags)
{
	(void)flags; /* the CPU source never blocks */
	if (len < 0)
		return -EINVAL;
	if (rt_overlaps_enclave((uintptr_t)buf, (size_t)len) &&
	    !rt_inside((uintptr_t)buf, (size_t)len))
		return -EFAULT;
	if (len > 33554431)
		len = 33554431; /* Linux's per-call limit */
	int r = rt_random_bytes((void *)buf, (size_t)len);
	return r < 0 ? r : len;
}
