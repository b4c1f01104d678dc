/*
 * Boot: the first entry of ethread 0.  Establishes the trusted facts (the
 * measured layout), copies and validates the host's boot information, sets
 * up the heap and builds the application's initial stack exactly as Linux
 * would (argc, argv, envp, auxv), then starts musl on it.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include "sched.h"

extern const Elf64_Ehdr __ehdr_start RT_HIDDEN;
extern char _end[] RT_HIDDEN;
void __sconce_app_start(long *sp) RT_HIDDEN;

struct rt_state rt;

#define PAGE_ROUND(x) (((x) + SCONCE_PAGE_SIZE - 1) & ~(SCONCE_PAGE_SIZE - 1))

static int find_layout(void)
{
	uintptr_t base = (uintptr_t)&__ehdr_start;
	const struct sconce_layout *l =
		(const void *)(base + PAGE_ROUND((uintptr_t)_end - base));

	if (l->magic != SCONCE_LAYOUT_MAGIC || l->abi_version != SCONCE_ABI_VERSION)
		return -EINVAL;
	if (l->enclave_size == 0 || (l->enclave_size & (l->enclave_size - 1)) ||
	    (base & (l->enclave_size - 1)))
		return -EINVAL;
	if (l->ethreads == 0 || l->ethreads > SCONCE_MAX_ETHREADS)
		return -EINVAL;
	rt.base = base;
	rt.size = l->enclave_size;
	rt.layout = l;
	return 0;
}

/* The per-ethread part of boot, for every ethread. */
static int setup_ethread(void)
{
	uint64_t self_off, index;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(self_off));
	__asm__ volatile("mov %%gs:8, %0" : "=r"(index));
	if (index >= rt.layout->ethreads || rt.layout->ethread[index].ctl_off != self_off)
		return -EINVAL;
	struct rt_ethread *self = (void *)(rt.base + self_off);
	self->self = self;
	self->fsgsbase = !!(rt.boot.flags & SCONCE_BOOT_FSGSBASE);
	self->frame = (struct sconce_frame *)(rt.shared + rt.boot.frames_off) + index;
	self->msg = (char *)(rt.shared + rt.boot.msg_off + index * SCONCE_MSG_SIZE);
	return 0;
}

static int range_ok(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

/* Copy the host's boot block once, then check every field of the copy. */
static int take_boot_info(uintptr_t arg)
{
	struct sconce_boot *b = &rt.boot;

	if (rt_overlaps_enclave(arg, sizeof(*b)))
		return -EFAULT;
	memcpy(b, (const void *)arg, sizeof(*b));
	if (b->abi_version != SCONCE_ABI_VERSION)
		return -EPROTO;
	if (b->shared_size < sizeof(*b) || rt_overlaps_enclave(arg, b->shared_size))
		return -EFAULT;
	uint64_t n = rt.layout->ethreads, ns = b->nslots, rs = b->ring_size;
	uint64_t ring_bytes = sizeof(struct sconce_ring) + rs * sizeof(struct sconce_ring_cell);
	if (b->bounce_size < 65536 || b->bounce_size > (1ull << 28) || (b->bounce_size & 15) ||
	    ns == 0 || ns > SCONCE_MAX_SLOTS || rs < ns || (rs & (rs - 1)) || rs > (1u << 16) ||
	    !range_ok(b->frames_off, n * sizeof(struct sconce_frame), b->shared_size) ||
	    !range_ok(b->msg_off, n * SCONCE_MSG_SIZE, b->shared_size) ||
	    !range_ok(b->slots_off, ns * sizeof(struct sconce_slot), b->shared_size) ||
	    !range_ok(b->bounce_off, ns * b->bounce_size, b->shared_size) ||
	    !range_ok(b->submit_off, ring_bytes, b->shared_size) ||
	    !range_ok(b->complete_off, ring_bytes, b->shared_size) ||
	    !range_ok(b->control_off, sizeof(struct sconce_control), b->shared_size) ||
	    !range_ok(b->strings_off, b->strings_size, b->shared_size) ||
	    ((b->frames_off | b->slots_off | b->submit_off | b->complete_off | b->control_off) & 63) ||
	    b->tsc_khz < 100000 || b->tsc_khz > 100000000 || b->spin > (1u << 24) ||
	    b->argc == 0 || b->argc > 65536 || b->envc > 65536 ||
	    b->ethreads_run == 0 || b->ethreads_run > n)
		return -EINVAL;
	rt.shared = arg;
	rt.shared_size = b->shared_size;
	rt.verbose = b->verbose != 0;
	rt.async = (b->flags & SCONCE_BOOT_ASYNC) != 0;
	rt.adaptive = rt.async && (b->flags & SCONCE_BOOT_ADAPTIVE) != 0;
	rt.batch = (b->flags & SCONCE_BOOT_NO_BATCH) == 0;
	rt.ctl = (struct sconce_control *)(arg + b->control_off);
	rt.ethreads = (uint32_t)b->ethreads_run;
	return 0;
}

/* Build the initial stack at the top of the main stack region. */
static long *build_stack(void)
{
	const struct sconce_layout *l = rt.layout;
	char *top = (char *)(rt.base + l->main_stack_lo + l->main_stack_size);
	uint64_t nstr = (uint64_t)rt.boot.argc + rt.boot.envc;
	uint64_t len = rt.boot.strings_size;

	/* Strings, aux random bytes and vectors must fit in a quarter of the
	 * stack; the rest is the application's. */
	if (len > l->main_stack_size / 4 || (nstr + 32) * 8 > l->main_stack_size / 4)
		return 0;
	char *str = top - len;
	memcpy(str, (const void *)(rt.shared + rt.boot.strings_off), len);

	unsigned char *random = (unsigned char *)((uintptr_t)(str - 16) & ~15ul);
	if (rt_random_bytes(random, 16) < 0)
		return 0;

	size_t nwords = 1 + nstr + 2 + 2 * 8;
	long *sp = (long *)(((uintptr_t)random - nwords * 8) & ~15ul);
	long *w = sp;
	*w++ = rt.boot.argc;
	size_t pos = 0;
	for (uint64_t i = 0; i < nstr; i++) {
		if (i == rt.boot.argc)
			*w++ = 0;
		char *s = str + pos;
		size_t slen = strnlen(s, len - pos);
		if (slen == len - pos)
			return 0; /* not NUL-terminated inside the block */
		*w++ = (long)s;
		pos += slen + 1;
	}
	if (nstr == rt.boot.argc)
		*w++ = 0;
	*w++ = 0;
	const Elf64_Ehdr *eh = &__ehdr_start;
	long aux[] = {
		AT_PHDR, (long)(rt.base + eh->e_phoff), AT_PHENT, eh->e_phentsize,
		AT_PHNUM, eh->e_phnum, AT_PAGESZ, SCONCE_PAGE_SIZE,
		AT_RANDOM, (long)random, AT_EXECFN, sp[1],
		AT_SECURE, 0, AT_NULL, 0,
	};
	memcpy(w, aux, sizeof(aux));
	return sp;
}

static int start_app(void *sp)
{
	__sconce_app_start(sp);
	rt_fatal("the application returned from its start routine");
}

static volatile int booted;

static RT_NORETURN void boot(uintptr_t arg)
{
	static int once;
	if (__atomic_exchange_n(&once, 1, __ATOMIC_ACQ_REL))
		__builtin_trap(); /* a second boot request: refuse */
	rt_relocate();
	if (find_layout() < 0)
		__builtin_trap(); /* no layout: nothing to report through */
	if (take_boot_info(arg) < 0 || setup_ethread() < 0)
		__builtin_trap(); /* no trusted channel out yet */
	rt_mem_init();
	rt_queue_init();
	long *sp = build_stack();
	if (!sp)
		rt_fatal("arguments and environment do not fit the initial stack");
	rt_signals_init();
	rt_sched_init((uintptr_t)sp, start_app, sp);
	__atomic_store_n(&booted, 1, __ATOMIC_RELEASE);
	rt_sched_loop();
}

/* Another ethread joins the scheduler once boot has finished. */
static RT_NORETURN void join(void)
{
	while (!__atomic_load_n(&booted, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	if (setup_ethread() < 0)
		rt_fatal("ethread control page does not match the layout");
	rt_sched_loop();
}

long rt_ecall(long cmd, long arg)
{
	if (cmd == SCONCE_ENTER_BOOT)
		boot((uintptr_t)arg);
	if (cmd == SCONCE_ENTER_THREAD)
		join();
	return -EINVAL;
}
