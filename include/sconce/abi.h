/*
 * The sconce ABI: everything the untrusted host and the trusted runtime
 * share.  Both sides include this header and nothing else crosses the wall.
 *
 * Two kinds of shared data are described here:
 *  - the enclave layout, decided by the host when it creates the enclave and
 *    recorded in the measured layout page, so the enclave can trust it;
 *  - the untrusted shared area (call frames, bounce buffers, boot strings),
 *    which the enclave must treat as hostile: read each field once, validate,
 *    then use.
 *
 * All structs that cross the wall use fixed-width fields and explicit
 * padding so that no compiler-dependent layout or padding bytes leak.
 */
#ifndef SCONCE_ABI_H
#define SCONCE_ABI_H

#include <stdint.h>
#include <sys/syscall.h>

#define SCONCE_ABI_VERSION 3u
#define SCONCE_PAGE_SIZE 4096ul

/* ---------------------------------------------------------------------
 * Enclave layout (all offsets relative to the enclave base).
 *
 *   [0, image_size)              the ELF image, segments at p_vaddr
 *   layout_off                   one page: struct sconce_layout (measured)
 *   heap_off .. +heap_size       heap, served by the runtime's mmap/brk
 *   main stack                   guard page, then the first app thread's stack
 *   per ethread i:               guard page, runtime stack, control page
 *                                (GS base while inside), TCS page, SSA pages
 *   ... unused up to the power-of-two size (never mapped)
 * --------------------------------------------------------------------- */

#define SCONCE_LAYOUT_MAGIC 0x74756f79616c6373ull /* "sclayout" */
#define SCONCE_MAX_ETHREADS 64u
#define SCONCE_ETHREAD_STACK (64u * 1024u)
#define SCONCE_SSA_PAGES 1u /* SSA frame size in pages (SECS.SSAFRAMESIZE) */
#define SCONCE_NSSA 2u      /* SSA frames per TCS */

/* Where each ethread's pieces live. */
struct sconce_ethread_layout {
	uint64_t stack_lo;   /* lowest byte of the runtime stack */
	uint64_t stack_top;  /* initial stack pointer (== ctl_off) */
	uint64_t ctl_off;    /* control page: GS base inside the enclave */
	uint64_t tcs_off;    /* TCS page (SGX); unused by the sim backend */
	uint64_t ssa_off;    /* SCONCE_NSSA SSA frames */
};

/* The measured layout page.  The host writes it before measurement, so a
 * host that lies about the layout changes MRENCLAVE. */
struct sconce_layout {
	uint64_t magic;
	uint32_t abi_version;
	uint32_t ethreads;
	uint64_t enclave_size;   /* power of two; base is aligned to it */
	uint64_t image_size;     /* page-rounded */
	uint64_t layout_off;
	uint64_t heap_off;
	uint64_t heap_size;
	uint64_t main_stack_lo;
	uint64_t main_stack_size;
	uint64_t flags;          /* SCONCE_LAYOUT_* */
	struct sconce_ethread_layout ethread[SCONCE_MAX_ETHREADS];
};

/* ---------------------------------------------------------------------
 * Control page (GS base inside the enclave).  Its first words are written
 * by the host before measurement; the rest is the runtime's own state and
 * starts as zero.  The host never reads it after creation.
 * --------------------------------------------------------------------- */
struct sconce_ctl_init {
	uint64_t self_off;       /* offset of this page */
	uint64_t index;          /* ethread number */
	uint64_t stack_top_off;  /* initial runtime stack pointer */
};
#define SCONCE_CTL_INIT_SIZE 24u

/* ---------------------------------------------------------------------
 * Entering and leaving.
 *
 * EENTER (sim: sconce_sim_enter) passes the entry command in RDI and an
 * argument in RSI.  EEXIT passes the exit reason in RAX and a value in
 * RDI (the ocall code for SCONCE_EXIT_OCALL).
 * --------------------------------------------------------------------- */
enum sconce_enter_cmd {
	SCONCE_ENTER_BOOT = 1,   /* first entry of ethread 0: boot, run main */
	SCONCE_ENTER_THREAD = 2, /* first entry of another ethread */
	SCONCE_ENTER_RESUME = 3, /* return from an ocall */
	SCONCE_ENTER_EXCEPTION = 4, /* after an exception: SSA frame 0 holds
	                             * the interrupted state; RSI = signal */
};

/* The GPRSGX region at the end of an SSA frame (Intel SDM Vol 3D). */
struct sconce_gprsgx {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags, rip, ursp, urbp;
	uint32_t exitinfo, reserved;
	uint64_t fsbase, gsbase;
};
#define SCONCE_GPRSGX_SIZE 184u

enum sconce_exit_reason {
	SCONCE_EXIT_OCALL = 1,  /* host must serve the ocall in the frame */
	SCONCE_EXIT_RETURN = 2, /* ecall finished (the ethread has nothing to do) */
};

/* Ocall codes, in sconce_frame.ocall. */
enum sconce_ocall {
	SCONCE_OCALL_EXIT = 2,    /* exit the process with status args[0] */
	SCONCE_OCALL_KILLED = 3,  /* die from signal args[0] (default action) */
	SCONCE_OCALL_LOG = 4,     /* print the message at args[0], length args[1] */
	SCONCE_OCALL_SECURITY = 5,/* security violation: print message, stop */
	SCONCE_OCALL_SET_FS = 6,  /* no FSGSBASE: set FS to args[0] on re-entry */
	SCONCE_OCALL_SLOT = 7,    /* synchronous path: run the call in slot args[0] */
	SCONCE_OCALL_WAKE_WORKER = 8, /* a request is queued and no worker spins */
	SCONCE_OCALL_IDLE = 9,    /* sleep until wake_seq != args[0] or args[1] ns */
	SCONCE_OCALL_WAKE_ETHREAD = 10, /* runnable work for a sleeping ethread */
	SCONCE_OCALL_INTERRUPT = 11, /* a signal waits for the call in slot args[0]: cut it short */
	SCONCE_OCALL_COUNT
};

/* ---------------------------------------------------------------------
 * The untrusted shared area.  Allocated by the host outside the enclave
 * range; its address arrives in sconce_boot and the enclave checks that
 * the whole area lies outside the enclave.
 * --------------------------------------------------------------------- */

/* One per ethread: the request the ethread is currently making. */
struct sconce_frame {
	uint64_t ocall;
	uint64_t nr;
	uint64_t args[6];
	int64_t ret;
	uint64_t pad[7];
} __attribute__((aligned(64)));

/* A call the host makes before the slot's own (runtime/batch.c): one the
 * enclave answered itself and whose effect may wait for its next call.
 * Its result is not returned: the enclave gave the answer already. */
struct sconce_pre_call {
	uint64_t nr;
	uint64_t args[5];
	uint64_t val;                /* an int the call points to (args[3]) */
};
#define SCONCE_SLOT_PRE_MAX 4u
#define SCONCE_POST_FSTAT 1u     /* after a call that returned fd >= 0: fstat(fd, post_arg) */

/* One request slot: a forwarded call and, after the host ran it, its
 * result.  Its bounce buffer is at bounce_off + index * bounce_size.
 * Before the call the host makes the npre calls in pre[] in order; after
 * it, the post call (result in post_ret). */
struct sconce_slot {
	uint64_t nr;
	uint64_t args[6];
	int64_t ret;
	uint64_t bounce_used;        /* bytes of the bounce buffer this call uses */
	uint64_t npre;               /* 0..SCONCE_SLOT_PRE_MAX */
	uint64_t post;               /* 0 or SCONCE_POST_FSTAT */
	uint64_t post_arg;
	int64_t post_ret;
	struct sconce_pre_call pre[SCONCE_SLOT_PRE_MAX];
} __attribute__((aligned(64)));

/* A bounded lock-free queue of slot numbers (Vyukov's MPMC ring).  Both
 * sides implement the same algorithm on this layout; neither trusts the
 * other's values. */
struct sconce_ring_cell {
	uint64_t seq;
	uint64_t val;
	uint64_t pad[6];             /* one cell per cache line: no false sharing */
};
struct sconce_ring {
	uint64_t head;               /* next position to enqueue */
	uint64_t pad1[7];
	uint64_t tail;               /* next position to dequeue */
	uint64_t pad2[7];
	struct sconce_ring_cell cell[]; /* ring_size cells */
};

/* Words both sides use to sleep and wake each other, and statistics the
 * enclave publishes for `sconce run --stats`. */
#define SCONCE_LINE(type, name) type name __attribute__((aligned(64)))
struct sconce_control {
	/* Each word on its own cache line: they are written by different
	 * threads on different cores. */
	SCONCE_LINE(uint32_t, sub_seq);          /* bumped when a sleeping worker must look */
	SCONCE_LINE(uint32_t, workers_spinning);
	SCONCE_LINE(uint32_t, workers_sleeping);
	uint32_t workers_total;
	SCONCE_LINE(uint32_t, wake_seq);         /* bumped when a sleeping ethread must look */
	SCONCE_LINE(uint32_t, ethreads_idle);
	SCONCE_LINE(uint64_t, signals);          /* host signals for delivery, bit s-1 */
	/* Signals whose action inside is the default one (terminate, or stop
	 * for SIGTSTP): the host applies it itself, since it could anyway,
	 * and an ethread busy in a call would otherwise delay it. */
	uint64_t sig_default;
	/* statistics, published by the enclave when it exits */
	SCONCE_LINE(uint64_t, st_async);
	uint64_t st_sync, st_exits, st_switches, st_threads, st_futex_waits, st_idle;
	uint64_t st_deferred, st_fused; /* calls answered without an exit of their own */
};

/*
 * Calls that may wait indefinitely in the host, and that a signal for the
 * calling thread therefore interrupts (SCONCE_OCALL_INTERRUPT; the call
 * then returns -EINTR, and the enclave restarts it when no signal was
 * delivered after all).  Calls outside this list are never cut short:
 * close or connect interrupted would leave the descriptor in a state the
 * enclave cannot know.
 */
static inline int sconce_call_interruptible(long nr)
{
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_readv: case SYS_writev:
	case SYS_open: case SYS_openat: case SYS_fcntl: case SYS_flock: /* FIFOs, locks */
	case SYS_poll: case SYS_select: case SYS_pselect6: case SYS_ppoll:
	case SYS_epoll_wait: case SYS_epoll_pwait: case 441: /* epoll_pwait2 */
	case SYS_accept: case SYS_accept4:
	case SYS_sendto: case SYS_recvfrom: case SYS_sendmsg: case SYS_recvmsg:
	case SYS_recvmmsg: case SYS_sendmmsg:
	case SYS_wait4: case SYS_waitid: case SYS_ioctl:
		return 1;
	}
	return 0;
}

#define SCONCE_BOOT_FSGSBASE 1u /* CPU lets user code write FS/GS base */
#define SCONCE_BOOT_ASYNC 2u    /* forward calls through the queues */
#define SCONCE_BOOT_ADAPTIVE 4u /* ... but exit when no other thread needs the ethread */
#define SCONCE_BOOT_SHARED_COPY 8u /* MAP_SHARED of a writable file: a written-back copy */
#define SCONCE_BOOT_NO_BATCH 16u /* no deferred or fused calls (runtime/batch.c) */

/* Boot information, at offset 0 of the shared area. */
struct sconce_boot {
	uint32_t abi_version;
	uint32_t flags;           /* SCONCE_BOOT_* */
	uint64_t shared_size;     /* whole shared area */
	uint64_t frames_off;      /* ethreads x struct sconce_frame */
	uint64_t msg_off;         /* ethreads x SCONCE_MSG_SIZE: log messages */
	uint64_t slots_off;       /* nslots x struct sconce_slot */
	uint64_t nslots;
	uint64_t bounce_off;      /* nslots x bounce_size */
	uint64_t bounce_size;
	uint64_t submit_off;      /* struct sconce_ring, ring_size cells */
	uint64_t complete_off;    /* struct sconce_ring, ring_size cells */
	uint64_t ring_size;       /* power of two >= nslots */
	uint64_t control_off;     /* struct sconce_control */
	uint64_t tsc_khz;         /* TSC rate, for scheduling timeouts only */
	uint64_t spin;            /* polls before an idle ethread sleeps */
	uint64_t strings_off;     /* argv strings, then envp strings, NUL-ended */
	uint64_t strings_size;
	uint32_t argc;
	uint32_t envc;
	uint64_t pid;             /* host process and main thread ids */
	uint64_t tid;
	uint64_t verbose;
	/* file-system shield: struct sconce_fs_config (include/sconce/fspf.h)
	 * and its strings; size 0: no shield */
	uint64_t fs_config_off;
	uint64_t fs_config_size;
	/* network and console shields: struct sconce_shield_config and its
	 * PEM strings; size 0: no shield (docs/shields.md) */
	uint64_t shield_config_off;
	uint64_t shield_config_size;
	/* how many of the layout's ethreads the host runs (1..layout's): the
	 * others' records stay unused (a run option, not part of the
	 * measurement) */
	uint64_t ethreads_run;
};

/* ---------------------------------------------------------------------
 * Network and console shields (docs/shields.md): the host hands this
 * blob over from the start-up configuration; PEM texts follow the struct
 * (cert, key, ca; each NUL-ended, lengths without the NUL).
 * --------------------------------------------------------------------- */
#define SCONCE_SHIELD_MAGIC 0x646c656968736373ull /* "scshield" */
#define SCONCE_SHIELD_CONSOLE 1u        /* encrypt stdout and stderr */
#define SCONCE_SHIELD_CONSOLE_STDIN 2u  /* stdin is an encrypted stream too */
#define SCONCE_SHIELD_VERIFY_CLIENTS 4u /* protected ports require client certs */
#define SCONCE_SHIELD_MAX_RULES 32u
#define SCONCE_SHIELD_NAME 256u
#define SCONCE_SHIELD_PEM_MAX (1u << 20)

struct sconce_shield_dest {
	uint8_t addr[16];         /* IPv4 (first 4 bytes) or IPv6, network order */
	uint16_t family;          /* AF_INET or AF_INET6 */
	uint16_t port;            /* host order */
	uint32_t reserved;
	char name[SCONCE_SHIELD_NAME]; /* peer name to verify (DNS name or IP), NUL-ended */
};

struct sconce_shield_config {
	uint64_t magic;           /* SCONCE_SHIELD_MAGIC */
	uint32_t flags;           /* SCONCE_SHIELD_* */
	uint32_t tls_min;         /* 0x0304 (TLS 1.3, default) or 0x0303 */
	uint8_t console_key[32];  /* AES-256 console master key */
	uint32_t nlisten;
	uint32_t nconnect;
	uint16_t listen[SCONCE_SHIELD_MAX_RULES]; /* protected listening ports */
	struct sconce_shield_dest connect[SCONCE_SHIELD_MAX_RULES];
	uint32_t cert_len, key_len, ca_len;
	uint32_t handshake_ms;    /* handshake time limit */
};

/* The console stream (docs/shields.md).  Per descriptor: a header, then
 * records.  Record = struct sconce_console_rec, len ciphertext bytes, a
 * 16-byte GCM tag.  Key = HMAC-SHA256(console key, "sconce console v1" ||
 * stream_id); nonce = fd (le32) || seq (le64); AAD = header || record
 * header.  The last record of a stream has type END and no payload. */
#define SCONCE_CONSOLE_MAGIC "sconcons"
#define SCONCE_CONSOLE_VERSION 1u
#define SCONCE_CONSOLE_MAX_REC 16384u
enum { SCONCE_CONSOLE_DATA = 1, SCONCE_CONSOLE_END = 2 };
struct sconce_console_hdr {
	char magic[8];            /* SCONCE_CONSOLE_MAGIC, no NUL */
	uint32_t version;
	uint32_t fd;              /* 0, 1 or 2 */
	uint8_t stream_id[16];    /* random per run */
};
struct sconce_console_rec {
	uint32_t len;             /* payload bytes, <= SCONCE_CONSOLE_MAX_REC */
	uint8_t type;             /* DATA or END */
	uint8_t fd;               /* == the header's fd */
	uint16_t reserved;        /* 0 */
	uint64_t seq;             /* 0, 1, 2, ... per stream */
};

#define SCONCE_DEFAULT_BOUNCE (256u * 1024u)
#define SCONCE_MSG_SIZE 4096u
#define SCONCE_MAX_SLOTS 4096u

#endif
