/*
 * libFuzzer harness: the validation of the host's boot block.
 *
 * runtime/boot.c is included as it is (not edited), so that its static
 * take_boot_info() and build_stack() can be called; the functions boot.c
 * calls but these two do not reach are stubs that abort.  The enclave is
 * mock_rt.c's fake one; the measured layout is a fake one the harness
 * fills; the shared area is a mapping outside the enclave.
 *
 * One input is one boot block (raw bytes, or a valid configuration with
 * fields then changed), where the host put it (the shared area, or
 * overlapping the enclave), and the argument and environment strings.
 * What must hold:
 *   take_boot_info() accepts only a block whose every region lies inside
 *   the shared area, which lies wholly outside the enclave (checked here
 *   independently with 128-bit arithmetic), with the documented limits and
 *   alignments; it keeps exactly the bytes the host wrote; on refusal it
 *   leaves rt's shared pointers alone;
 *   build_stack() then writes only inside the main stack region, and
 *   either refuses or builds a stack with argc, argv and envp pointing at
 *   NUL-terminated copies inside that region, and an AT_NULL-ended auxv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "mock_rt.h"
#include "boot.c"

/* ---- what boot.c calls outside take_boot_info/build_stack ---- */
void rt_relocate(void) { abort(); }
void rt_mem_init(void) { abort(); }
void rt_queue_init(void) { abort(); }
void rt_sched_init(uintptr_t sp, int (*fn)(void *), void *arg) { (void)sp, (void)fn, (void)arg; abort(); }
void rt_sched_loop(void) { abort(); }
void __sconce_app_start(long *sp) { (void)sp; abort(); }

int rt_random_bytes(void *buf, size_t len)
{
	static uint8_t c;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(++c | 1);
	return 0;
}

/* ---- the harness ---- */

#define E_SIZE MOCK_ENCLAVE_SIZE
#define SH_SIZE (2ul << 20) /* the shared mapping */

#define BUG(...)                                                    \
	do {                                                        \
		fprintf(stderr, "fuzz_boot: BUG: ");               \
		fprintf(stderr, __VA_ARGS__);                       \
		fprintf(stderr, "\n");                              \
		abort();                                            \
	} while (0)

#include "fuzz_input.h"

static uint8_t *E, *pristine, *shared;
static struct sconce_layout L;

static void init(void)
{
	mock_init();
	E = mock_enclave();
	pristine = malloc(E_SIZE);
	if (!pristine)
		abort();
	for (size_t i = 0; i < E_SIZE; i++)
		pristine[i] = (uint8_t)(0xa5 ^ (i * 7));
	/* the shared mapping and an inaccessible page after it */
	shared = mmap(0, SH_SIZE + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	if (shared == MAP_FAILED || mprotect(shared + SH_SIZE, 4096, PROT_NONE))
		abort();
	rt.layout = &L;
}

typedef unsigned __int128 u128;

static int region_ok(uint64_t off, u128 len, uint64_t total)
{
	return (u128)off + len <= total;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* A configuration the runtime must accept, laid out like host/sim.c. */
static void plausible(struct sconce_boot *b, uint64_t room)
{
	uint64_t n = L.ethreads;
	memset(b, 0, sizeof(*b));
	b->abi_version = SCONCE_ABI_VERSION;
	b->flags = u8() & 3;
	b->nslots = 1 + u8() % 8;
	b->ring_size = 1;
	while (b->ring_size < b->nslots)
		b->ring_size <<= 1;
	b->ring_size <<= u8() % 3;
	b->bounce_size = 65536 + 16 * (uint64_t)u8();
	uint64_t ring_bytes = sizeof(struct sconce_ring) + b->ring_size * sizeof(struct sconce_ring_cell);
	uint64_t off = align_up(sizeof(*b), 64);
	b->frames_off = off;
	off += n * sizeof(struct sconce_frame);
	b->msg_off = off;
	off += n * SCONCE_MSG_SIZE;
	b->slots_off = off = align_up(off, 64);
	off += b->nslots * sizeof(struct sconce_slot);
	b->bounce_off = off = align_up(off, 64);
	off += b->nslots * b->bounce_size;
	b->submit_off = off = align_up(off, 64);
	off += ring_bytes;
	b->complete_off = off = align_up(off, 64);
	off += ring_bytes;
	b->control_off = off = align_up(off, 64);
	off += sizeof(struct sconce_control);
	b->strings_off = off;
	b->strings_size = u16() % 3000;
	off += b->strings_size;
	b->shared_size = off < room ? off : room;
	b->tsc_khz = 100000 + u32() % 5000000;
	b->spin = u16();
	b->argc = 1 + u8() % 6;
	b->envc = u8() % 6;
	b->verbose = u8() & 1;
}

static void mutate_field(struct sconce_boot *b)
{
	static const uint8_t offs64[] = {
		offsetof(struct sconce_boot, shared_size), offsetof(struct sconce_boot, frames_off),
		offsetof(struct sconce_boot, msg_off), offsetof(struct sconce_boot, slots_off),
		offsetof(struct sconce_boot, nslots), offsetof(struct sconce_boot, bounce_off),
		offsetof(struct sconce_boot, bounce_size), offsetof(struct sconce_boot, submit_off),
		offsetof(struct sconce_boot, complete_off), offsetof(struct sconce_boot, ring_size),
		offsetof(struct sconce_boot, control_off), offsetof(struct sconce_boot, tsc_khz),
		offsetof(struct sconce_boot, spin), offsetof(struct sconce_boot, strings_off),
		offsetof(struct sconce_boot, strings_size), offsetof(struct sconce_boot, argc),
		offsetof(struct sconce_boot, abi_version), offsetof(struct sconce_boot, fs_config_off),
	};
	uint8_t f = u8() % sizeof(offs64);
	uint64_t v;
	int is32 = offs64[f] == offsetof(struct sconce_boot, argc) ||
		   offs64[f] == offsetof(struct sconce_boot, abi_version);
	memcpy(&v, (uint8_t *)b + offs64[f], 8);
	switch (u8() & 7) {
	case 0: v = u64(); break;
	case 1: v = u16(); break;
	case 2: v += (int8_t)u8(); break;
	case 3: v = 1ull << (u8() & 63); break;
	case 4: v = ~0ull - (u8() & 3); break;
	case 5: v = 0; break;
	case 6: v ^= (uint64_t)u32() << (is32 ? 0 : 32); break;
	default: v = (v & ~0xffffffffull) | u32(); break;
	}
	memcpy((uint8_t *)b + offs64[f], &v, 8);
}

/* Independent check of an accepted block. */
static void check_accepted(uintptr_t arg, const struct sconce_boot *src)
{
	const struct sconce_boot *b = &rt.boot;
	if (memcmp(b, src, sizeof(*b)))
		BUG("the runtime's copy differs from what the host wrote");
	if (b->abi_version != SCONCE_ABI_VERSION)
		BUG("accepted ABI version %u", b->abi_version);
	u128 lo = arg, hi = (u128)arg + b->shared_size;
	if (b->shared_size < sizeof(*b) || (lo < (u128)rt.base + rt.size && hi > rt.base))
		BUG("accepted a shared area [%#lx, +%#lx) overlapping the enclave", (unsigned long)arg,
		    (unsigned long)b->shared_size);
	if (hi > ((u128)1 << 64))
		BUG("accepted a shared area wrapping around");
	uint64_t n = L.ethreads, ns = b->nslots, rs = b->ring_size, S = b->shared_size;
	u128 ring = sizeof(struct sconce_ring) + (u128)rs * sizeof(struct sconce_ring_cell);
	if (ns == 0 || ns > SCONCE_MAX_SLOTS || rs < ns || rs > 65536 || (rs & (rs - 1)))
		BUG("accepted %lu slots and a ring of %lu", (unsigned long)ns, (unsigned long)rs);
	if (b->bounce_size < 65536 || b->bounce_size > (1ull << 28) || (b->bounce_size & 15))
		BUG("accepted bounce buffers of %lu bytes", (unsigned long)b->bounce_size);
	if (!region_ok(b->frames_off, (u128)n * sizeof(struct sconce_frame), S) ||
	    !region_ok(b->msg_off, (u128)n * SCONCE_MSG_SIZE, S) ||
	    !region_ok(b->slots_off, (u128)ns * sizeof(struct sconce_slot), S) ||
	    !region_ok(b->bounce_off, (u128)ns * b->bounce_size, S) ||
	    !region_ok(b->submit_off, ring, S) || !region_ok(b->complete_off, ring, S) ||
	    !region_ok(b->control_off, sizeof(struct sconce_control), S) ||
	    !region_ok(b->strings_off, b->strings_size, S))
		BUG("accepted a region outside the shared area");
	if ((b->frames_off | b->slots_off | b->submit_off | b->complete_off | b->control_off) & 63)
		BUG("accepted a misaligned region");
	if (b->tsc_khz < 100000 || b->tsc_khz > 100000000 || b->spin > (1u << 24))
		BUG("accepted TSC rate %lu / spin %lu", (unsigned long)b->tsc_khz, (unsigned long)b->spin);
	if (b->argc == 0 || b->argc > 65536 || b->envc > 65536)
		BUG("accepted argc %u envc %u", b->argc, b->envc);
	if (rt.shared != arg || rt.shared_size != S || rt.ctl != (void *)(arg + b->control_off))
		BUG("shared pointers not set from the accepted block");
	if (rt.async != !!(b->flags & SCONCE_BOOT_ASYNC) || rt.verbose != (b->verbose != 0))
		BUG("flags not taken from the accepted block");
}

static void check_stack(long *sp)
{
	uintptr_t lo = rt.base + L.main_stack_lo, top = lo + L.main_stack_size;
	const struct sconce_boot *b = &rt.boot;
	const char *strs = (const char *)(rt.shared + b->strings_off);
	uint64_t len = b->strings_size, nstr = (uint64_t)b->argc + b->envc;

	/* Nothing outside the main stack region changed. */
	size_t slo = L.main_stack_lo, shi = slo + L.main_stack_size;
	if (memcmp(E, pristine, slo) || memcmp(E + shi, pristine + shi, E_SIZE - shi))
		BUG("build_stack wrote outside the main stack region");

	/* Would an honest parse succeed? */
	int fits = len <= L.main_stack_size / 4 && (nstr + 32) * 8 <= L.main_stack_size / 4;
	uint64_t pos = 0, i;
	for (i = 0; fits && i < nstr; i++) {
		size_t sl = strnlen(strs + pos, len - pos);
		if (sl == len - pos)
			break;
		pos += sl + 1;
	}
	int good = fits && i == nstr;
	if (!sp) {
		if (good)
			BUG("refused a valid argument block (%lu strings, %lu bytes)", (unsigned long)nstr,
			    (unsigned long)len);
		return;
	}
	if (!good)
		BUG("built a stack from an invalid argument block");
	if ((uintptr_t)sp < lo || (uintptr_t)sp >= top || ((uintptr_t)sp & 15))
		BUG("stack pointer %p outside the main stack", (void *)sp);
	if (sp[0] != (long)b->argc)
		BUG("argc %ld, expected %u", sp[0], b->argc);
	long *w = sp + 1;
	for (uint64_t k = 0; k <= nstr + 1; k++, w++) {
		if ((uintptr_t)w + 8 > top)
			BUG("vectors run off the stack");
		if (k == b->argc || k == nstr + 1) {
			if (*w)
				BUG("vector not NULL-terminated at %lu", (unsigned long)k);
			continue;
		}
		uintptr_t s = (uintptr_t)*w;
		if (s < top - len || s >= top || !memchr((void *)s, 0, top - s))
			BUG("string pointer %#lx outside the copied strings", (unsigned long)s);
	}
	for (int k = 0; k < 8; k++, w += 2) {
		if ((uintptr_t)(w + 2) > top)
			BUG("auxv runs off the stack");
		if (w[0] == AT_NULL)
			return;
		if (w[0] == AT_RANDOM && ((uintptr_t)w[1] < lo || (uintptr_t)w[1] + 16 > top))
			BUG("AT_RANDOM outside the stack");
	}
	BUG("auxv not terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!E)
		init();
	in_p = data;
	in_n = size;
	memcpy(E, pristine, E_SIZE);
	memset(&rt.boot, 0, sizeof(rt.boot));
	rt.shared = 0;
	rt.shared_size = 0;
	rt.ctl = 0;
	rt.async = rt.verbose = 0;

	memset(&L, 0, sizeof(L));
	L.ethreads = 1 + u8() % SCONCE_MAX_ETHREADS;
	L.main_stack_size = 16384ul << (u8() & 3);
	L.main_stack_lo = E_SIZE - L.main_stack_size - 4096;

	/* Where the host puts the block. */
	uintptr_t arg;
	uint64_t room = SH_SIZE;
	switch (u8() & 7) {
	case 0: arg = rt.base + (u32() % rt.size & ~7ul); break;       /* inside the enclave */
	case 1: arg = rt.base - 8 * (1 + u8() % 21); break;             /* straddling its start */
	case 2: arg = (uintptr_t)shared + 8 * (u16() % 4096); room -= arg - (uintptr_t)shared; break;
	default: arg = (uintptr_t)shared; break;
	}
	int mapped = arg >= (uintptr_t)shared && arg < (uintptr_t)shared + SH_SIZE;

	struct sconce_boot b;
	if (u8() & 3) {
		plausible(&b, room);
		for (int k = u8() % 4; k > 0; k--)
			mutate_field(&b);
	} else {
		memset(&b, 0, sizeof(b));
		take(&b, sizeof(b));
	}
	if (mapped) {
		memcpy((void *)arg, &b, sizeof(b));
		/* the argument and environment strings */
		if (b.strings_off < room && b.strings_size <= room - b.strings_off && b.strings_size <= 65536) {
			uint8_t *s = (uint8_t *)arg + b.strings_off;
			size_t n = take(s, b.strings_size);
			memset(s + n, 0, b.strings_size - n);
			if (u8() & 1) /* end with a terminator, mostly */
				s[b.strings_size ? b.strings_size - 1 : 0] = 0;
		}
	} else if (arg + sizeof(b) > rt.base && arg < rt.base + rt.size) {
		/* A block overlapping the enclave (its part outside is the
		 * inaccessible guard): the runtime must refuse it unread. */
		uintptr_t lo = arg > rt.base ? arg : rt.base;
		uintptr_t hi = arg + sizeof(b) < rt.base + rt.size ? arg + sizeof(b) : rt.base + rt.size;
		memcpy((void *)lo, (uint8_t *)&b + (lo - arg), hi - lo);
	} else {
		return 0; /* unmapped memory: a host's own crash */
	}

	/* what the host wrote, as the runtime will find it */
	struct sconce_boot seen;
	memset(&seen, 0, sizeof(seen));
	if (mapped)
		memcpy(&seen, (void *)arg, sizeof(seen));
	int rc = take_boot_info(arg);
	if (rc != 0) {
		if (rt.shared || rt.ctl)
			BUG("refused block (%d) left shared pointers set", rc);
		return 0;
	}
	check_accepted(arg, &seen);
	if (!mapped || b.shared_size > room)
		return 0; /* the host lied about memory it does not have: not ours to read */
	static long *volatile sp;
	int how = MOCK_TRY(sp = build_stack());
	if (how != MOCK_RETURNED)
		BUG("build_stack stopped the runtime: %s", mock_fail_msg);
	check_stack(sp);
	return 0;
}
