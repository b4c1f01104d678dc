/*
 * fuzz_forward: the marker words that make a leak visible.  The enclave's
 * background and the stack below the harness are filled with words no
 * input can carry; one found in the bounce buffer when the host is called
 * (find_magic) is enclave memory or uninitialised runtime stack that
 * reached the host.  The bytes an application legitimately passes lose
 * their markers first (expose).
 */
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include "fuzz_forward.h"

/* Every 8-byte word of the enclave's background is magic_encl << 32 | its
 * index (< 2^15): bytes i0 i1 00 00 m0 m1 m2 m3.  The stack below the
 * harness is painted with magic_stack words.  Both change with every
 * input (a random sequence; SCONCE_FUZZ_MAGIC=hex seeds it), so that no
 * input can carry them (the fuzzer sees background words the runtime
 * compares): a leak reproduces with any value, a coincidence does not. */
uint32_t magic_encl, magic_stack;
uint64_t case_seed;
static uint64_t magic_state;

/* Once: the sequence's seed, from SCONCE_FUZZ_MAGIC if set. */
void markers_init(void)
{
	const char *fixed = getenv("SCONCE_FUZZ_MAGIC");
	if (fixed)
		magic_state = strtoull(fixed, 0, 16);
	else if (getrandom(&magic_state, sizeof(magic_state), 0) != sizeof(magic_state))
		magic_state = (uint64_t)time(0);
}

/* An input starts: the seed that reproduces its markers (dump_case). */
void markers_new_input(void)
{
	case_seed = magic_state;
}

/* The next markers in the sequence (each call gets its own). */
void new_magic(void)
{
	uint64_t m = magic_state += 0x9e3779b97f4a7c15ull; /* splitmix64 */
	m = (m ^ (m >> 30)) * 0xbf58476d1ce4e5b9ull;
	m = (m ^ (m >> 27)) * 0x94d049bb133111ebull;
	m ^= m >> 31;
	for (int i = 0; i < 8; i++)
		if (!((m >> (8 * i)) & 0xff))
			m |= 0x5aull << (8 * i); /* no zero bytes */
	magic_encl = (uint32_t)m;
	magic_stack = (uint32_t)(m >> 32);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* A marker at p (n bytes readable): 1 background word, 2 stack paint. */
static int marker_at(const uint8_t *p, size_t n)
{
	if (n >= 8 && p[4] == (uint8_t)magic_encl && !p[2] && !p[3] && get32(p + 4) == magic_encl)
		return 1;
	if (n >= 4 && p[0] == (uint8_t)magic_stack && get32(p) == magic_stack)
		return 2;
	return 0;
}

long find_magic(const uint8_t *p, size_t n, int *kind)
{
	const uint8_t *e = p + n, *q;
	long best = -1;
	/* background words: their first non-zero magic byte is at +4 */
	for (q = p + 4; q < e && (q = memchr(q, (uint8_t)magic_encl, (size_t)(e - q))); q++)
		if (marker_at(q - 4, (size_t)(e - q) + 4) == 1) {
			best = q - 4 - p;
			*kind = 1;
			break;
		}
	for (q = p; q < e && (q = memchr(q, (uint8_t)magic_stack, (size_t)(e - q))); q++)
		if (marker_at(q, (size_t)(e - q)) == 2) {
			if (best < 0 || q - p < best) {
				best = q - p;
				*kind = 2;
			}
			break;
		}
	return best;
}

/* Make the bytes of an object legitimately visible to the host: break
 * every marker with a non-zero byte inside it, by flipping the lowest bit
 * of one of those (so NULs stay where they are and string extents do not
 * change).  Returns how many it broke. */
int expose(uintptr_t p, size_t len)
{
	uintptr_t lo, hi, base = rt.base, end = rt.base + rt.size;
	int flips = 0;
	if (!clip(p, len, &lo, &hi))
		return 0;
	/* a marker's non-zero part [x, x+4) meeting [lo, hi) starts in [lo-3, hi) */
	uintptr_t from = lo >= base + 3 ? lo - 3 : base;
	for (int k = 1; k <= 2; k++) {
		uint8_t c = k == 1 ? (uint8_t)magic_encl : (uint8_t)magic_stack;
		for (const uint8_t *x = (const uint8_t *)from; (uintptr_t)x < hi; x++) {
			x = memchr(x, c, hi - (uintptr_t)x);
			if (!x)
				break;
			uintptr_t q = k == 1 ? (uintptr_t)x - 4 : (uintptr_t)x;
			if (q < base || marker_at((const uint8_t *)q, end - q) != k)
				continue;
			uintptr_t j = (uintptr_t)x < lo ? lo : (uintptr_t)x;
			if (j < hi && j < (uintptr_t)x + 4) {
				*(uint8_t *)j ^= 1;
				flips++;
			}
		}
	}
	return flips;
}

/* Hot, so not instrumented. */
__attribute__((no_sanitize("address", "undefined"))) void fill_background(void)
{
	uint64_t *w = (uint64_t *)E, m = (uint64_t)magic_encl << 32;
	for (size_t i = 0; i < E_SIZE / 8; i++)
		w[i] = m | i;
}

/* Leave marker words where the runtime's stack frames will be. */
__attribute__((noinline)) void paint_stack(void)
{
	volatile uint32_t buf[4096];
	for (size_t i = 0; i < 4096; i++)
		buf[i] = magic_stack;
	__asm__ volatile("" : : "r"(buf) : "memory");
}
