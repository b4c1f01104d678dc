/* Shared declarations of the untrusted host launcher. */
#ifndef SCONCE_HOST_H
#define SCONCE_HOST_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sconce/abi.h>

/* Error convention: print "sconce: <what>: <why>" and return -1 / exit 1. */
void host_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void host_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* options.c */
struct options {
	uint64_t heap_size;
	uint64_t stack_size;
	uint32_t ethreads;
	int ethreads_given;       /* --ethreads or SCONCE_ETHREADS was given */
	uint32_t active_ethreads; /* of those, how many run; 0: the default */
	uint64_t bounce_size;
	int verbose;
	int async;            /* forward through the queues (default) */
	int adaptive;         /* ... or exit when no other thread needs the ethread (default) */
	uint32_t slots;
	uint32_t workers;     /* minimum pool size */
	uint32_t max_workers;
	uint64_t spin;        /* enclave polls before parking or sleeping */
	uint64_t worker_spin; /* worker polls before sleeping */
	int stats;
	int fsbase;           /* FSBASE_AUTO, FSBASE_INSTR or FSBASE_EXIT */
	int check_leaks;
	int shared_copy;      /* --shared-maps=copy */
	int no_batch;         /* --batch=off */
	const char *adversary;
	const char *config;   /* --config FILE: start-up configuration (docs/fspf.md) */
};
enum { FSBASE_AUTO, FSBASE_INSTR, FSBASE_EXIT };
void options_defaults(struct options *o);
/* Parses layout and run options from argv; returns the index of the first
 * non-option argument, or -1 after printing an error. */
int options_parse(struct options *o, int argc, char **argv, int allow_run_opts);
int parse_size(const char *s, uint64_t *out);
void options_usage(FILE *f);
/* How many of the layout's ethreads to run; -1 after an error. */
int options_active_ethreads(const struct options *o, uint32_t layout_ethreads);

/* image.c: a validated static-PIE enclave image, read into memory */
struct image {
	const char *path;
	uint8_t *data;       /* whole file */
	size_t file_size;
	uint64_t mem_size;   /* page-rounded extent of all PT_LOAD segments */
	uint64_t entry;      /* offset of __sconce_entry */
	uint8_t *mem;        /* the loaded memory image, mem_size bytes */
	uint8_t *perms;      /* per page: SGX_SECINFO_R/W/X */
};
int image_load(struct image *img, const char *path);
void image_free(struct image *img);

/* layout.c: the enclave's fixed layout, and its measurement */
struct layout {
	struct sconce_layout l;   /* the contents of the measured layout page */
	uint64_t end;             /* first unused offset */
};
int layout_build(struct layout *lay, const struct image *img, const struct options *o);
/* Calls fn for every page of the enclave, in ascending offset order, with
 * its SECINFO flags, its contents (NULL for a zero page) and whether it is
 * measured with EEXTEND. */
typedef int (*page_fn)(void *ctx, uint64_t off, uint64_t flags, const void *data, int extend);
int layout_pages(const struct layout *lay, const struct image *img, page_fn fn, void *ctx);
int layout_measure(const struct layout *lay, const struct image *img, uint8_t out[32]);
void layout_tcs_page(const struct layout *lay, unsigned i, uint64_t entry, uint8_t page[SCONCE_PAGE_SIZE]);
void layout_ctl_page(const struct layout *lay, unsigned i, uint8_t page[SCONCE_PAGE_SIZE]);

#endif
