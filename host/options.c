/* Command-line and environment options for enclave creation. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"

#define MIN_HEAP (1ull << 20)
#define MAX_HEAP (1ull << 36)

void options_usage(FILE *f)
{
	fprintf(f,
		"  --heap SIZE      enclave heap (default 256M; env SCONCE_HEAP)\n"
		"  --stack SIZE     main thread stack (default 8M; env SCONCE_STACK)\n"
		"  --ethreads N     enclave threads, 1..%u (default 8; env SCONCE_ETHREADS)\n"
		"run only (not part of the measurement):\n"
		"  --syscalls MODE  adaptive (default: an exit when no other thread needs the\n"
		"                   ethread, the queues otherwise), async (always the queues)\n"
		"                   or sync (one exit per call); env SCONCE_SYSCALLS\n"
		"  --active-ethreads N  ethreads to run, at most --ethreads (default: all, but\n"
		"                   with --syscalls=async and no --ethreads, whose ethreads\n"
		"                   and workers both poll, the CPUs the workers leave, at\n"
		"                   least 1); env SCONCE_ACTIVE_ETHREADS\n"
		"  --slots N        request slots, 1..%u (default 256; env SCONCE_SLOTS)\n"
		"  --bounce SIZE    bounce buffer per slot (default 256K; env SCONCE_BOUNCE)\n"
		"  --workers N      system-call workers kept alive (default 1; env SCONCE_WORKERS)\n"
		"  --max-workers N  upper bound as the pool grows (default 512; env SCONCE_MAX_WORKERS)\n"
		"  --spin N         enclave polls before parking or sleeping (default 1000; env SCONCE_SPIN)\n"
		"  --worker-spin N  worker polls before sleeping (default 1000; env SCONCE_WORKER_SPIN)\n"
		"  --fsbase HOW     switch FS with the WRFSBASE instruction or an exit\n"
		"                   (auto, instr, exit; default auto; env SCONCE_FSBASE)\n"
		"  --check-leaks    stop if any request carries an enclave address (env SCONCE_CHECK_LEAKS=1)\n"
		"  --shared-maps HOW  mmap(MAP_SHARED) of a file open for writing: refuse\n"
		"                   (ENODEV, the default) or copy (a copy in the enclave,\n"
		"                   written back at msync, munmap and exit; it does not see\n"
		"                   other writers); env SCONCE_SHARED_MAPS\n"
		"  --batch on|off   let a single-threaded application's close of a read-only\n"
		"                   file and TCP_CORK ride on its next call, and answer the\n"
		"                   fstat after an open from the open's exit (default on;\n"
		"                   docs/architecture.md, \"Fewer exits\"); env SCONCE_BATCH\n"
		"  --adversary CASE lie to the enclave in one way, for tests; needs\n"
		"                   SCONCE_ALLOW_ADVERSARY=1; --adversary=list shows the cases\n"
		"  --stats          print call, switch and worker counts at exit (env SCONCE_STATS=1)\n"
		"  --config FILE    start-up configuration: fspf, key, tag, arguments, environment\n"
		"                   (development form: the host sees the keys; docs/fspf.md)\n"
		"  -v, --verbose    print the measurement and runtime notes (env SCONCE_VERBOSE=1)\n"
		"SIZE takes a K, M or G suffix.\n",
		SCONCE_MAX_ETHREADS, SCONCE_MAX_SLOTS);
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v > (~0ull >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

void options_defaults(struct options *o)
{
	o->heap_size = 256ull << 20;
	o->stack_size = 8ull << 20;
	o->ethreads = 8; /* idle ones sleep; threads that block in the host each keep one */
	o->ethreads_given = 0;
	o->active_ethreads = 0;
	o->bounce_size = SCONCE_DEFAULT_BOUNCE;
	o->verbose = 0;
	o->async = 1;
	o->adaptive = 1;
	o->slots = 256;
	o->workers = 1;
	o->max_workers = 512;
	o->spin = 1000;
	o->worker_spin = 1000;
	o->stats = 0;
	o->fsbase = FSBASE_AUTO;
	o->check_leaks = 0;
	o->shared_copy = 0;
	o->no_batch = 0;
	o->adversary = NULL;
	o->config = NULL;
}

static int set_size(uint64_t *dst, const char *what, const char *v, uint64_t lo, uint64_t hi)
{
	uint64_t n;
	if (parse_size(v, &n) < 0 || n < lo || n > hi) {
		host_err("%s: '%s' is not a size between %lluK and %lluG", what, v,
			 (unsigned long long)(lo >> 10), (unsigned long long)(hi >> 30));
		return -1;
	}
	*dst = (n + SCONCE_PAGE_SIZE - 1) & ~(SCONCE_PAGE_SIZE - 1);
	return 0;
}

static int set_ethreads(struct options *o, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || end == v || n < 1 || n > SCONCE_MAX_ETHREADS) {
		host_err("ethreads: '%s' is not a number between 1 and %u", v, SCONCE_MAX_ETHREADS);
		return -1;
	}
	o->ethreads = (uint32_t)n;
	o->ethreads_given = 1;
	return 0;
}

static int set_count(const char *what, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || end == v || *v == '-' || n < lo || n > hi) {
		host_err("%s: '%s' is not a number between %llu and %llu", what, v,
			 (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* A value that must be one of words[] (NULL-ended): its index, or -1
 * after "OPT: 'V' is not a, b or c". */
static int one_of(const char *opt, const char *v, const char *const words[])
{
	char list[128] = "";
	size_t len = 0;
	for (int i = 0; words[i]; i++) {
		if (!strcmp(v, words[i]))
			return i;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i == 0 ? "" : words[i + 1] ? ", " : " or ", words[i]);
	}
	host_err("%s: '%s' is not %s", opt, v, list);
	return -1;
}

static int apply(struct options *o, int key, const char *v)
{
	uint64_t n;
	switch (key) {
	case 'M': {
		int k = one_of("syscalls", v, (const char *const[]){ "adaptive", "async", "sync", NULL });
		if (k < 0)
			return -1;
		o->async = k != 2;
		o->adaptive = k == 0;
		return 0;
	}
	case 'N':
		if (set_count("slots", v, 1, SCONCE_MAX_SLOTS, &n) < 0)
			return -1;
		o->slots = (uint32_t)n;
		return 0;
	case 'W':
		if (set_count("workers", v, 1, 4096, &n) < 0)
			return -1;
		o->workers = (uint32_t)n;
		return 0;
	case 'R':
		if (set_count("active-ethreads", v, 1, SCONCE_MAX_ETHREADS, &n) < 0)
			return -1;
		o->active_ethreads = (uint32_t)n;
		return 0;
	case 'X':
		if (set_count("max-workers", v, 1, 4096, &n) < 0)
			return -1;
		o->max_workers = (uint32_t)n;
		return 0;
	case 'P':
		return set_count("spin", v, 0, 1u << 24, &o->spin);
	case 'Q':
		return set_count("worker-spin", v, 1, 1u << 30, &o->worker_spin);
	case 'T':
		o->stats = 1;
		return 0;
	case 'L':
		o->check_leaks = 1;
		return 0;
	case 'A':
		o->adversary = v;
		return 0;
	case 'Y': {
		int k = one_of("shared-maps", v, (const char *const[]){ "refuse", "copy", NULL });
		o->shared_copy = k == 1;
		return k < 0 ? -1 : 0;
	}
	case 'G': {
		int k = one_of("batch", v, (const char *const[]){ "on", "off", NULL });
		o->no_batch = k == 1;
		return k < 0 ? -1 : 0;
	}
	case 'F': {
		/* in the order of enum { FSBASE_AUTO, FSBASE_INSTR, FSBASE_EXIT } */
		int k = one_of("fsbase", v, (const char *const[]){ "auto", "instr", "exit", NULL });
		if (k < 0)
			return -1;
		o->fsbase = k;
		return 0;
	}
	case 'H': return set_size(&o->heap_size, "heap", v, MIN_HEAP, MAX_HEAP);
	case 'S': return set_size(&o->stack_size, "stack", v, 64 << 10, 1ull << 30);
	case 'E': return set_ethreads(o, v);
	case 'B': return set_size(&o->bounce_size, "bounce", v, 64 << 10, 256ull << 20);
	case 'v': o->verbose = 1; return 0;
	case 'C': o->config = v; return 0;
	}
	return -1;
}

int options_parse(struct options *o, int argc, char **argv, int allow_run_opts)
{
	static const struct { const char *env; int key; } envs[] = {
		{ "SCONCE_HEAP", 'H' }, { "SCONCE_STACK", 'S' },
		{ "SCONCE_ETHREADS", 'E' }, { "SCONCE_BOUNCE", 'B' },
		{ "SCONCE_SYSCALLS", 'M' }, { "SCONCE_SLOTS", 'N' }, { "SCONCE_WORKERS", 'W' },
		{ "SCONCE_ACTIVE_ETHREADS", 'R' },
		{ "SCONCE_MAX_WORKERS", 'X' }, { "SCONCE_SPIN", 'P' }, { "SCONCE_WORKER_SPIN", 'Q' },
		{ "SCONCE_FSBASE", 'F' }, { "SCONCE_SHARED_MAPS", 'Y' }, { "SCONCE_BATCH", 'G' },
	};
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		const char *v = getenv(envs[i].env);
		if (v && *v && apply(o, envs[i].key, v) < 0)
			return -1;
	}
	const char *verbose = getenv("SCONCE_VERBOSE");
	if (allow_run_opts && verbose && *verbose && strcmp(verbose, "0"))
		o->verbose = 1;
	const char *leaks = getenv("SCONCE_CHECK_LEAKS");
	if (allow_run_opts && leaks && *leaks && strcmp(leaks, "0"))
		o->check_leaks = 1;
	const char *stats = getenv("SCONCE_STATS");
	if (allow_run_opts && stats && *stats && strcmp(stats, "0"))
		o->stats = 1;

	static const struct option longopts[] = {
		{ "heap", required_argument, 0, 'H' },
		{ "stack", required_argument, 0, 'S' },
		{ "ethreads", required_argument, 0, 'E' },
		{ "bounce", required_argument, 0, 'B' },
		{ "verbose", no_argument, 0, 'v' },
		{ "syscalls", required_argument, 0, 'M' },
		{ "slots", required_argument, 0, 'N' },
		{ "workers", required_argument, 0, 'W' },
		{ "active-ethreads", required_argument, 0, 'R' },
		{ "max-workers", required_argument, 0, 'X' },
		{ "spin", required_argument, 0, 'P' },
		{ "worker-spin", required_argument, 0, 'Q' },
		{ "stats", no_argument, 0, 'T' },
		{ "fsbase", required_argument, 0, 'F' },
		{ "check-leaks", no_argument, 0, 'L' },
		{ "shared-maps", required_argument, 0, 'Y' },
		{ "batch", required_argument, 0, 'G' },
		{ "adversary", required_argument, 0, 'A' },
		{ "config", required_argument, 0, 'C' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	optind = 1;
	opterr = 0;
	int c;
	/* "+" stops at the first non-option: the image and its arguments. */
	while ((c = getopt_long(argc, argv, "+vh", longopts, 0)) != -1) {
		if (c == 'h')
			return -2;
		if (c == '?') {
			host_err("%s: unknown option or missing value", argv[optind - 1]);
			return -1;
		}
		if (apply(o, c, optarg) < 0)
			return -1;
	}
	if (o->max_workers < o->workers)
		o->max_workers = o->workers;
	return optind;
}

/*
 * In async mode every call goes through the queues: a thread waiting for
 * its answer keeps its ethread polling, and the workers poll the
 * submission ring.  With more pollers than CPUs they take turns by time
 * slice, and a call waits for the worker's next one: on 2 CPUs, 8
 * ethreads with 2-64 application threads calling getppid made 0.55-1.07M
 * calls/s, one ethread 2.0-2.9M (bench/syscall.sh, "threads").  So async
 * mode runs only the ethreads the workers leave CPUs for, unless the
 * ethreads were counted out (--ethreads): user-level threads are not
 * preempted, so a thread that computes without calls holds its ethread,
 * and whoever asked for N ethreads to run such threads side by side gets
 * them.  Adaptive and sync modes leave with the ethread instead of
 * polling, and run all.
 */
int options_active_ethreads(const struct options *o, uint32_t layout_ethreads)
{
	if (o->active_ethreads) {
		if (o->active_ethreads > layout_ethreads) {
			host_err("active-ethreads: %u is more than the enclave's %u ethreads (--ethreads)",
				 o->active_ethreads, layout_ethreads);
			return -1;
		}
		return (int)o->active_ethreads;
	}
	if (!o->async || o->adaptive || o->ethreads_given)
		return (int)layout_ethreads;
	cpu_set_t set;
	long cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
	long n = cpus > (long)o->workers ? cpus - (long)o->workers : 1;
	return (int)(n < (long)layout_ethreads ? n : (long)layout_ethreads);
}
