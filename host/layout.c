/*
 * The enclave layout: where the image, the layout page, the heap, the main
 * stack and each ethread's stack, control page, TCS and SSA frames go.  The
 * same walk over the pages feeds both the measurement and the sim loader,
 * so what is measured is exactly what is built.
 */
#include <errno.h>
#include <string.h>
#include "host.h"
#include "measure.h"

#define PAGE SCONCE_PAGE_SIZE
#define RW (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)

int layout_build(struct layout *lay, const struct image *img, const struct options *o)
{
	struct sconce_layout *l = &lay->l;
	uint64_t off;

	memset(lay, 0, sizeof(*lay));
	l->magic = SCONCE_LAYOUT_MAGIC;
	l->abi_version = SCONCE_ABI_VERSION;
	l->ethreads = o->ethreads;
	l->image_size = img->mem_size;
	l->layout_off = img->mem_size;
	off = l->layout_off + PAGE;
	l->heap_off = off;
	l->heap_size = o->heap_size;
	off += o->heap_size + PAGE;                  /* guard page below the stack */
	l->main_stack_lo = off;
	l->main_stack_size = o->stack_size;
	off += o->stack_size;
	for (unsigned i = 0; i < o->ethreads; i++) {
		struct sconce_ethread_layout *e = &l->ethread[i];
		off += PAGE;                             /* guard */
		e->stack_lo = off;
		off += SCONCE_ETHREAD_STACK;
		e->stack_top = off;
		e->ctl_off = off;
		off += PAGE;
		e->tcs_off = off;
		off += PAGE;
		e->ssa_off = off;
		off += (uint64_t)SCONCE_NSSA * SCONCE_SSA_PAGES * PAGE;
	}
	lay->end = off;
	uint64_t size = 2 * PAGE;
	while (size < off)
		size <<= 1;
	l->enclave_size = size;
	return 0;
}

/* The TCS as the SDM defines it (Vol 3D, "Thread Control Structure"). */
void layout_tcs_page(const struct layout *lay, unsigned i, uint64_t entry, uint8_t page[PAGE])
{
	const struct sconce_ethread_layout *e = &lay->l.ethread[i];
	struct {
		uint64_t stage, flags, ossa;
		uint32_t cssa, nssa;
		uint64_t oentry, aep, ofsbasgx, ogsbasgx;
		uint32_t fslimit, gslimit;
	} __attribute__((packed)) tcs = {
		.ossa = e->ssa_off, .nssa = SCONCE_NSSA,
		.oentry = entry,
		.ofsbasgx = 0, .ogsbasgx = e->ctl_off,
		.fslimit = 0xffffffff, .gslimit = 0xffffffff,
	};
	_Static_assert(sizeof(tcs) == 72, "TCS fields");
	memset(page, 0, PAGE);
	memcpy(page, &tcs, sizeof(tcs));
}

void layout_ctl_page(const struct layout *lay, unsigned i, uint8_t page[PAGE])
{
	const struct sconce_ethread_layout *e = &lay->l.ethread[i];
	struct sconce_ctl_init init = { e->ctl_off, i, e->stack_top };
	_Static_assert(sizeof(init) == SCONCE_CTL_INIT_SIZE, "control page header");
	memset(page, 0, PAGE);
	memcpy(page, &init, sizeof(init));
}

static int zero_range(page_fn fn, void *ctx, uint64_t off, uint64_t len, uint64_t flags)
{
	for (uint64_t p = off; p < off + len; p += PAGE) {
		int r = fn(ctx, p, flags, NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

int layout_pages(const struct layout *lay, const struct image *img, page_fn fn, void *ctx)
{
	const struct sconce_layout *l = &lay->l;
	uint8_t page[PAGE];
	int r;

	for (uint64_t p = 0; p < img->mem_size; p += PAGE)
		if ((r = fn(ctx, p, SGX_SECINFO_REG | img->perms[p / PAGE], img->mem + p, 1)) < 0)
			return r;
	memset(page, 0, PAGE);
	memcpy(page, l, sizeof(*l));
	if ((r = fn(ctx, l->layout_off, SGX_SECINFO_REG | SGX_SECINFO_R, page, 1)) < 0)
		return r;
	if ((r = zero_range(fn, ctx, l->heap_off, l->heap_size, RW)) < 0)
		return r;
	if ((r = zero_range(fn, ctx, l->main_stack_lo, l->main_stack_size, RW)) < 0)
		return r;
	for (unsigned i = 0; i < l->ethreads; i++) {
		const struct sconce_ethread_layout *e = &l->ethread[i];
		if ((r = zero_range(fn, ctx, e->stack_lo, SCONCE_ETHREAD_STACK, RW)) < 0)
			return r;
		layout_ctl_page(lay, i, page);
		if ((r = fn(ctx, e->ctl_off, RW, page, 1)) < 0)
			return r;
		layout_tcs_page(lay, i, img->entry, page);
		if ((r = fn(ctx, e->tcs_off, SGX_SECINFO_TCS, page, 1)) < 0)
			return r;
		if ((r = zero_range(fn, ctx, e->ssa_off, (uint64_t)SCONCE_NSSA * SCONCE_SSA_PAGES * PAGE, RW)) < 0)
			return r;
	}
	return 0;
}

static int measure_page(void *ctx, uint64_t off, uint64_t flags, const void *data, int extend)
{
	static const uint8_t zero[PAGE];
	struct measure *m = ctx;
	int r = measure_eadd(m, off, flags);
	if (r == 0 && extend)
		r = measure_eextend_page(m, off, data ? data : zero);
	return r;
}

int layout_measure(const struct layout *lay, const struct image *img, uint8_t out[32])
{
	struct measure *m = measure_new(lay->l.enclave_size, SCONCE_SSA_PAGES);
	if (!m) {
		host_err("measure: %s", strerror(errno));
		return -1;
	}
	int r = layout_pages(lay, img, measure_page, m);
	if (r < 0) {
		measure_free(m);
		host_err("measure: %s", strerror(-r));
		return -1;
	}
	if ((r = measure_finish(m, out)) < 0) {
		host_err("measure: %s", strerror(-r));
		return -1;
	}
	return 0;
}
