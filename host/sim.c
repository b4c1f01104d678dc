/*
 * The sim backend: the enclave is one region of this process, its size a
 * power of two and its base aligned to it, laid out and measured exactly as
 * the sgx backend would add it page by page.  A seccomp filter keyed on the
 * instruction pointer stands in for the hardware rule that enclave code
 * cannot make system calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>
#include "fspf.h"
#include "netconf.h"
#include "sim.h"
#include "measure.h"

#define PAGE SCONCE_PAGE_SIZE

extern char **environ;

/* Reserve size bytes aligned to size. */
static uint8_t *reserve_aligned(uint64_t size)
{
	uint8_t *p = mmap(NULL, 2 * size, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	uintptr_t base = ((uintptr_t)p + size - 1) & ~(uintptr_t)(size - 1);
	if (base > (uintptr_t)p)
		munmap(p, base - (uintptr_t)p);
	uintptr_t end = (uintptr_t)p + 2 * size;
	if (end > base + size)
		munmap((void *)(base + size), end - (base + size));
	return (uint8_t *)base;
}

struct loader {
	struct enclave *e;
	struct measure *m;
	uint64_t run_start, run_end;
	int run_prot;
	int err;
};

static int prot_of(uint64_t flags)
{
	if (flags & SGX_SECINFO_TCS)
		return PROT_NONE; /* the CPU's, not the enclave's */
	return ((flags & SGX_SECINFO_R) ? PROT_READ : 0) |
	       ((flags & SGX_SECINFO_W) ? PROT_WRITE : 0) |
	       ((flags & SGX_SECINFO_X) ? PROT_EXEC : 0);
}

static int flush_run(struct loader *ld)
{
	if (ld->run_end > ld->run_start &&
	    mprotect(ld->e->base + ld->run_start, ld->run_end - ld->run_start, ld->run_prot) < 0)
		return -errno;
	ld->run_start = ld->run_end;
	return 0;
}

/* EADD (+EEXTEND): copy the page in, measure it, and track protections. */
static int add_page(void *ctx, uint64_t off, uint64_t flags, const void *data, int extend)
{
	static const uint8_t zero[PAGE];
	struct loader *ld = ctx;
	int prot = prot_of(flags), r;

	if (data)
		memcpy(ld->e->base + off, data, PAGE);
	if ((r = measure_eadd(ld->m, off, flags)) < 0)
		return r;
	if (extend && (r = measure_eextend_page(ld->m, off, data ? data : zero)) < 0)
		return r;
	if (off != ld->run_end || prot != ld->run_prot) {
		if ((r = flush_run(ld)) < 0)
			return r;
		/* Pages the layout skips (guards) are never accessible. */
		if (off > ld->run_end && mprotect(ld->e->base + ld->run_end, off - ld->run_end, PROT_NONE) < 0)
			return -errno;
		ld->run_start = off;
		ld->run_prot = prot;
	}
	ld->run_end = off + PAGE;
	return 0;
}

/* The TSC rate, for the enclave's timeouts and clock extrapolation.  It
 * is measured from the launcher's start, so that loading and measuring
 * the image lengthen the window (at least 20 ms): the enclave's clocks run
 * at this rate until they have learnt a better one. */
static struct timespec start_ns;
static uint64_t start_tsc;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

__attribute__((constructor)) static void tsc_start(void)
{
	clock_gettime(CLOCK_MONOTONIC_RAW, &start_ns);
	start_tsc = rdtsc();
}

static uint64_t tsc_khz(void)
{
	for (;;) {
		struct timespec b;
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		uint64_t t1 = rdtsc();
		uint64_t ns = (uint64_t)(b.tv_sec - start_ns.tv_sec) * 1000000000ull +
			      (uint64_t)(b.tv_nsec - start_ns.tv_nsec);
		if (ns >= 20000000)
			return (t1 - start_tsc) * 1000000ull / ns;
		struct timespec d = { 0, (long)(20000000 - ns) };
		nanosleep(&d, NULL);
	}
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* The untrusted shared area:
 *   boot block | frames | message buffers | slots | submission ring |
 *   completion ring | control block | bounce buffers | argv and envp */
static int build_shared(struct enclave *e, const struct options *o, int argc, char **argv)
{
	size_t strings = 0, envc = 0;
	for (int i = 0; i < argc; i++)
		strings += strlen(argv[i]) + 1;
	for (char **v = environ; *v; v++, envc++)
		strings += strlen(*v) + 1;

	uint64_t n = e->lay.l.ethreads, ns = o->slots, rs = 1;
	while (rs < ns)
		rs <<= 1;
	uint64_t ring = sizeof(struct sconce_ring) + rs * sizeof(struct sconce_ring_cell);
	uint64_t off = PAGE;
	uint64_t frames_off = off;
	off = round_up(off + n * sizeof(struct sconce_frame), 64);
	uint64_t msg_off = off;
	off = round_up(off + n * SCONCE_MSG_SIZE, 64);
	uint64_t slots_off = off;
	off = round_up(off + ns * sizeof(struct sconce_slot), 64);
	uint64_t submit_off = off;
	off = round_up(off + ring, 64);
	uint64_t complete_off = off;
	off = round_up(off + ring, 64);
	uint64_t control_off = off;
	off = round_up(off + sizeof(struct sconce_control), PAGE);
	uint64_t bounce_off = off;
	off += ns * o->bounce_size;
	uint64_t strings_off = off;
	uint64_t fs_config_off = round_up(off + strings, 64); /* --config: fspf.h */
	uint64_t shield_off = round_up(fs_config_off + fscfg_run_blob_size, 64); /* netconf.h */
	e->shared_size = round_up(shield_off + shieldcfg_run_blob_size, PAGE);
	e->shared = mmap(NULL, e->shared_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (e->shared == MAP_FAILED) {
		host_err("shared area of %llu bytes: %s", (unsigned long long)e->shared_size,
			 strerror(errno));
		return -1;
	}
	char *s = (char *)e->shared + strings_off;
	for (int i = 0; i < argc; i++)
		s = stpcpy(s, argv[i]) + 1;
	for (char **v = environ; *v; v++)
		s = stpcpy(s, *v) + 1;
	if (fscfg_run_blob_size)
		memcpy(e->shared + fs_config_off, fscfg_run_blob, fscfg_run_blob_size);
	if (shieldcfg_run_blob_size)
		memcpy(e->shared + shield_off, shieldcfg_run_blob, shieldcfg_run_blob_size);
	for (uint64_t k = 0; k < rs; k++) {
		((struct sconce_ring *)(e->shared + submit_off))->cell[k].seq = k;
		((struct sconce_ring *)(e->shared + complete_off))->cell[k].seq = k;
	}

	struct sconce_boot *b = e->boot = (struct sconce_boot *)e->shared;
	b->abi_version = SCONCE_ABI_VERSION;
	b->flags = (e->fsgsbase ? SCONCE_BOOT_FSGSBASE : 0) | (o->async ? SCONCE_BOOT_ASYNC : 0) |
		   (o->adaptive ? SCONCE_BOOT_ADAPTIVE : 0) | (o->shared_copy ? SCONCE_BOOT_SHARED_COPY : 0) |
		   (o->no_batch ? SCONCE_BOOT_NO_BATCH : 0);
	b->shared_size = e->shared_size;
	b->frames_off = frames_off;
	b->msg_off = msg_off;
	b->slots_off = slots_off;
	b->nslots = ns;
	b->bounce_off = bounce_off;
	b->bounce_size = o->bounce_size;
	b->submit_off = submit_off;
	b->complete_off = complete_off;
	b->ring_size = rs;
	b->control_off = control_off;
	b->tsc_khz = tsc_khz();
	b->spin = o->spin;
	b->strings_off = strings_off;
	b->strings_size = strings;
	b->argc = (uint32_t)argc;
	b->envc = (uint32_t)envc;
	b->pid = (uint64_t)getpid();
	b->tid = (uint64_t)syscall(SYS_gettid);
	b->verbose = (uint64_t)o->verbose;
	b->fs_config_off = fscfg_run_blob_size ? fs_config_off : 0;
	b->fs_config_size = fscfg_run_blob_size;
	b->shield_config_off = shieldcfg_run_blob_size ? shield_off : 0;
	b->shield_config_size = shieldcfg_run_blob_size;
	b->ethreads_run = e->ethreads_run;
	e->stats = o->stats;
	return 0;
}

int sim_create(struct enclave *e, const struct image *img, const struct options *o,
	       int argc, char **argv)
{
	memset(e, 0, sizeof(*e));
	e->fsgsbase = o->fsbase != FSBASE_EXIT && cpu_has_fsgsbase();
	if (o->fsbase == FSBASE_INSTR && !e->fsgsbase) {
		host_err("--fsbase=instr: this CPU or kernel does not allow WRFSBASE");
		return -1;
	}
	if (layout_build(&e->lay, img, o) < 0)
		return -1;
	int run = options_active_ethreads(o, e->lay.l.ethreads);
	if (run < 0)
		return -1;
	e->ethreads_run = (uint32_t)run;
	e->size = e->lay.l.enclave_size;
	e->base = reserve_aligned(e->size);
	if (!e->base) {
		host_err("cannot reserve %llu MiB for the enclave: %s (try a smaller --heap)",
			 (unsigned long long)(e->size >> 20), strerror(errno));
		return -1;
	}
	if (mprotect(e->base, e->lay.end, PROT_READ | PROT_WRITE) < 0) {
		host_err("enclave memory: %s", strerror(errno));
		return -1;
	}
	struct loader ld = { .e = e, .m = measure_new(e->size, SCONCE_SSA_PAGES) };
	if (!ld.m) {
		host_err("measure: %s", strerror(errno));
		return -1;
	}
	int r = layout_pages(&e->lay, img, add_page, &ld);
	if (r == 0)
		r = flush_run(&ld);
	if (r < 0) {
		measure_free(ld.m);
		host_err("loading %s: %s", img->path, strerror(-r));
		return -1;
	}
	if ((r = measure_finish(ld.m, e->mrenclave)) < 0) {
		host_err("measure: %s", strerror(-r));
		return -1;
	}
	return build_shared(e, o, argc, argv);
}
