/*
 * Internal interface of the trusted runtime.  Everything here runs inside
 * the enclave.  Functions return negative errno values; nothing here sets
 * errno (that is musl's job, in one place).
 */
#ifndef SCONCE_RT_H
#define SCONCE_RT_H

#include <stddef.h>
#include <stdint.h>
#include <sconce/abi.h>

#define RT_HIDDEN __attribute__((visibility("hidden")))
#define RT_NORETURN __attribute__((noreturn))
#define RT_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define RT_WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* Per-ethread state, in the control page (GS base inside the enclave).
 * The first three words come from the measured page contents. */
struct rt_ethread {
	uint64_t self_off;
	uint64_t index;
	uint64_t stack_top_off;
	struct rt_ethread *self;
	uint64_t host_rsp;      /* host context, saved at every entry */
	uint64_t host_rbp;
	uint64_t host_ret;
	uint64_t encl_rsp;      /* enclave context while outside for an ocall */
	uint64_t fsbase;        /* FS base to restore when re-entering */
	uint64_t fsgsbase;      /* 1: WRFSBASE usable */
	uint64_t state;         /* entry.S: 0 outside, 1 inside, 2 out for an ocall,
	                         * 3 handling an exception */
	uint64_t exc_host_rsp;  /* host context of an exception entry */
	uint64_t exc_host_rbp;
	uint64_t exc_host_ret;
	uint64_t jmp_scratch;   /* rt_fault_trampoline's jump target */
	struct sconce_frame *frame;   /* this ethread's shared call frame */
	char *msg;                    /* this ethread's message buffer */
	uint64_t sched_rsp;           /* the scheduler loop's saved context */
	struct rt_thread *cur;        /* application thread running here */
	uint64_t spins;
	/* statistics, summed into the control block at exit */
	uint64_t st_async, st_sync, st_exits, st_switches, st_threads, st_futex_waits, st_idle;
	uint64_t st_deferred, st_fused;
};

/* Offsets used by entry.S. */
#define CTL_STACK_TOP_OFF 16
#define CTL_SELF 24
#define CTL_HOST_RSP 32
#define CTL_HOST_RBP 40
#define CTL_HOST_RET 48
#define CTL_ENCL_RSP 56
#define CTL_FSBASE 64
#define CTL_FSGSBASE 72
#define CTL_STATE 80
#define CTL_EXC_HOST_RSP 88
#define CTL_JMP_SCRATCH 112

#include <stddef.h>
_Static_assert(offsetof(struct rt_ethread, stack_top_off) == CTL_STACK_TOP_OFF, "entry.S");
_Static_assert(offsetof(struct rt_ethread, self) == CTL_SELF, "entry.S");
_Static_assert(offsetof(struct rt_ethread, host_rsp) == CTL_HOST_RSP, "entry.S");
_Static_assert(offsetof(struct rt_ethread, host_rbp) == CTL_HOST_RBP, "entry.S");
_Static_assert(offsetof(struct rt_ethread, host_ret) == CTL_HOST_RET, "entry.S");
_Static_assert(offsetof(struct rt_ethread, encl_rsp) == CTL_ENCL_RSP, "entry.S");
_Static_assert(offsetof(struct rt_ethread, fsbase) == CTL_FSBASE, "entry.S");
_Static_assert(offsetof(struct rt_ethread, fsgsbase) == CTL_FSGSBASE, "entry.S");
_Static_assert(offsetof(struct rt_ethread, state) == CTL_STATE, "entry.S");
_Static_assert(offsetof(struct rt_ethread, exc_host_rsp) == CTL_EXC_HOST_RSP, "entry.S");
_Static_assert(offsetof(struct rt_ethread, jmp_scratch) == CTL_JMP_SCRATCH, "entry.S");

static inline struct rt_ethread *rt_self(void)
{
	struct rt_ethread *p;
	__asm__ volatile("mov %%gs:%c1, %0" : "=r"(p) : "i"(CTL_SELF));
	return p;
}

struct rt_thread;

/* Global, trusted facts established at boot. */
struct rt_state {
	uintptr_t base;             /* enclave base */
	uintptr_t size;             /* enclave size (power of two) */
	const struct sconce_layout *layout;
	uintptr_t shared;           /* untrusted shared area */
	uint64_t shared_size;
	struct sconce_boot boot;    /* copied and validated */
	struct sconce_control *ctl; /* untrusted control words */
	int verbose;
	int async;
	int adaptive;
	int batch;                  /* deferred and fused calls (batch.c) */
	uint32_t ethreads;          /* ethreads the host runs (boot.ethreads_run) */
};
extern struct rt_state rt RT_HIDDEN;

/* entry.S */
void rt_exit_ocall(void) RT_HIDDEN;

/* reloc.c */
void rt_relocate(void) RT_HIDDEN;

/* boot.c */
long rt_ecall(long cmd, long arg) RT_HIDDEN;

/* ocall.c: the only way out of the enclave */
long rt_ocall(uint64_t code, const uint64_t args[6]) RT_HIDDEN;
RT_NORETURN void rt_exit_process(int status) RT_HIDDEN;
RT_NORETURN void rt_die_by_signal(int sig) RT_HIDDEN;
RT_NORETURN void rt_security_fail(const char *call, const char *rule) RT_HIDDEN;
RT_NORETURN void rt_fatal(const char *what) RT_HIDDEN;
void rt_log(const char *fmt, ...) RT_HIDDEN __attribute__((format(printf, 1, 2)));
int rt_snprintf(char *buf, size_t n, const char *fmt, ...) RT_HIDDEN
	__attribute__((format(printf, 3, 4)));
void rt_set_fs(uint64_t fs) RT_HIDDEN;

/* Bounce buffer: untrusted memory for the current call's data (the
 * calling thread's slot, see queue.c). */
void *rt_bounce_alloc(size_t n) RT_HIDDEN;
void rt_bounce_reset(void) RT_HIDDEN;
size_t rt_bounce_avail(void) RT_HIDDEN;

/* Raw forwarded call: args must already point into untrusted memory.
 * The returned value is hostile and must be validated by the caller. */
long rt_host_syscall(long nr, const long args[6]) RT_HIDDEN;
/* The parts of rt_host_call, below. */
int rt_host_prepare(long nr, const long args[6]) RT_HIDDEN;
long rt_host_exited(void) RT_HIDDEN;
long rt_host_queued(void) RT_HIDDEN;

/* Range checks against the enclave. */
static inline int rt_inside(uintptr_t p, size_t n)
{
	return p >= rt.base && n <= rt.size && p - rt.base <= rt.size - n;
}
static inline int rt_overlaps_enclave(uintptr_t p, size_t n)
{
	if (n == 0)
		return p >= rt.base && p < rt.base + rt.size;
	if (p + n < p)
		return 1;
	return p < rt.base + rt.size && p + n > rt.base;
}

/* mem.c: the enclave heap */
void rt_mem_init(void) RT_HIDDEN;
long rt_sys_mmap(long addr, long len, long prot, long flags, long fd, long off) RT_HIDDEN;
long rt_sys_munmap(long addr, long len) RT_HIDDEN;
long rt_sys_mremap(long old, long oldlen, long newlen, long flags, long new_addr) RT_HIDDEN;
long rt_sys_mprotect(long addr, long len, long prot) RT_HIDDEN;
long rt_sys_madvise(long addr, long len, long advice) RT_HIDDEN;
long rt_sys_brk(long addr) RT_HIDDEN;
int rt_mem_ranges(int (*fn)(void *ctx, uintptr_t lo, uintptr_t hi), void *ctx) RT_HIDDEN;
long rt_mem_unmap(long addr, long len) RT_HIDDEN;

/* shared_map.c: MAP_SHARED file mappings, written back to the file */
long rt_shmap_add(uintptr_t p, size_t len, long fd, long off) RT_HIDDEN;
void rt_shmap_remove(uintptr_t lo, size_t len) RT_HIDDEN;
int rt_shmap_overlaps(uintptr_t lo, size_t len) RT_HIDDEN;
long rt_shmap_sync(long addr, long len, long flags) RT_HIDDEN;
void rt_shmap_sync_all(void) RT_HIDDEN;
extern int rt_shmap_count RT_HIDDEN; /* 0: no shared mapping to look at */

/* procfs.c: the files of /proc that describe the enclave itself */
int rt_procfs_dispatch(long n, const long a[6], long *ret) RT_HIDDEN;
extern int rt_procfs_open_files RT_HIDDEN;

/* rand.c */
long rt_sys_getrandom(long buf, long len, long flags) RT_HIDDEN;
int rt_random_bytes(void *buf, size_t len) RT_HIDDEN;

/* signal.c */
long rt_sys_rt_sigaction(long sig, long act, long old, long size) RT_HIDDEN;
long rt_sys_rt_sigprocmask(long how, long set, long old, long size) RT_HIDDEN;
long rt_sys_sigaltstack(long ss, long old) RT_HIDDEN;
long rt_sys_kill(long pid, long sig) RT_HIDDEN;
long rt_sys_tkill(long tid, long sig) RT_HIDDEN;
long rt_sys_tgkill(long tgid, long tid, long sig) RT_HIDDEN;
long rt_sys_rt_sigreturn(void) RT_HIDDEN;
long rt_sys_rt_sigsuspend(long set, long size) RT_HIDDEN;
long rt_sys_rt_sigpending(long set, long size) RT_HIDDEN;
long rt_sys_rt_sigtimedwait(long set, long info, long ts, long size) RT_HIDDEN;
void rt_signal_alarm_armed(void) RT_HIDDEN;

/* thread.c */
long rt_sys_set_tid_address(long p) RT_HIDDEN;
long rt_sys_exit(long code) RT_HIDDEN;
long rt_sys_exit_group(long code) RT_HIDDEN;
long rt_sys_gettid(void) RT_HIDDEN;
long rt_sys_getpid(void) RT_HIDDEN;

/* statistics: per ethread, published in the control block at exit */
#define RT_STAT(name) (rt_self()->st_##name++)
void rt_publish_stats(void) RT_HIDDEN;

/* Leave with this ethread for the ocall described by code, nr and args
 * (NULL: none), in the caller's own frame; the host's answer is in the
 * frame's ret.  Inline on purpose: the host's system call empties the
 * CPU's return predictor, so every return to a frame older than the exit
 * mispredicts (~7 ns each here), and an ordinary forwarded call exits
 * from __sconce_syscall itself (dispatch.c) through rt_host_call. */
static inline __attribute__((always_inline)) struct sconce_frame *
rt_frame_exit(uint64_t code, uint64_t nr, const uint64_t args[6])
{
	struct rt_ethread *self = rt_self();
	struct sconce_frame *f = self->frame;
	f->ocall = code;
	f->nr = nr;
	for (int i = 0; i < 6; i++)
		f->args[i] = args ? args[i] : 0;
	self->st_exits++;
	rt_exit_ocall();
	return f;
}

/* A forwarded call whose arguments already point into untrusted memory
 * (rt_host_syscall, inline): the slot is filled, then the call leaves
 * with this ethread or goes through the queues (queue.c decides). */
static inline __attribute__((always_inline)) long rt_host_call(long nr, const long args[6])
{
	int slot = rt_host_prepare(nr, args);
	if (slot < 0)
		return rt_host_queued();
	uint64_t a[6] = { (uint64_t)slot };
	rt_self()->st_sync++;
	rt_frame_exit(SCONCE_OCALL_SLOT, 0, a);
	return rt_host_exited();
}

/* forward.c: table-driven marshalling of forwarded calls */
long rt_forward(long nr, const long a[6]) RT_HIDDEN;
/* rt_forward in parts (dispatch.c), between rt_call_begin and
 * rt_call_end: fw_prepare marshals into the slot and returns 1 when the
 * host call is ready, or 0 with *ret already the answer (an error, or a
 * call that made its own host calls); fw_complete checks the host's answer
 * and copies results back; rt_forward_after, after rt_call_end, finishes
 * positioned transfers and raises SIGPIPE. */
struct syscall_spec;
struct fw_call {
	const struct syscall_spec *s;
	long nr, asked;
	uint64_t floor_ns;
	long a[6], h[6];
};
int fw_prepare(struct fw_call *c, long nr, const long args[6], long *ret) RT_HIDDEN;
long fw_complete(struct fw_call *c, long host_ret) RT_HIDDEN;
long rt_forward_after(long nr, const long args[6], long r, long asked) RT_HIDDEN;
const char *rt_syscall_name(long nr) RT_HIDDEN;

/* dispatch.c */
long __sconce_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6) RT_HIDDEN;

#endif
