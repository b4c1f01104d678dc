/*
 * The declared table of forwarded calls.  Each entry says, per argument,
 * which direction data moves and how its size is found, and which rule the
 * host's result must satisfy.  forward.c marshals and validates from this
 * table alone; calls whose arguments cannot be described this way name a
 * special marshaller instead.
 */
#ifndef SCONCE_SYSCALL_TABLE_H
#define SCONCE_SYSCALL_TABLE_H

#include <stdint.h>

enum arg_kind {
	K_NONE = 0,
	K_VAL,     /* plain value, passed as is */
	K_STR,     /* NUL-terminated input string (a path) */
	K_STR0,    /* as K_STR, NULL allowed */
	K_IN,      /* input buffer, length in argument `len` (clamped) */
	K_OUT,     /* output buffer, length in `len` (clamped); ret bytes back */
	K_INF,     /* fixed-size input struct of `size` bytes, NULL allowed */
	K_OUTF,    /* fixed-size output struct, copied back on success */
	K_IOF,     /* fixed-size in-out struct, NULL allowed */
	K_IONA,    /* in-out array of a[len] elements of `size` bytes */
	K_OUTNA,   /* output array of a[len] elements; ret elements back */
	K_SA_IN,   /* socket address in, length in a[len] */
	K_SA_OUT,  /* socket address out, socklen_t pointer in a[len] */
	K_SALEN,   /* the socklen_t pointer of a K_SA_OUT (marshalled there) */
};

enum ret_rule {
	R_ZERO = 1,  /* 0 on success */
	R_FD,        /* a descriptor number within the limit */
	R_LEN,       /* 0 <= ret <= a[ret_arg] (after clamping) */
	R_NONNEG,    /* any non-negative value */
	R_ANY,       /* any value (e.g. getpriority) */
};

/* Extra per-call rules applied after the generic ones. */
enum check {
	C_NONE = 0,
	C_DIRENTS,   /* getdents64 records well formed */
	C_PIPEFDS,   /* two descriptors written back */
	C_POLL,      /* ret equals the number of pollfds with events */
	C_CLOCK,     /* monotonic clocks do not go backwards */
	C_STAT,      /* sizes non-negative */
	C_CLOSE,     /* close/dup2/dup3: forget epoll registrations; dup2/3 return newfd */
	C_EPOLL,     /* events name registered descriptors; data translated back */
};

enum special {
	S_NONE = 0,
	S_IOCTL, S_FCNTL, S_READV, S_WRITEV, S_PREADV, S_PWRITEV,
	S_SENDMSG, S_RECVMSG, S_SELECT, S_PSELECT6, S_GETSOCKOPT, S_EPOLL_CTL,
};

struct arg_spec {
	uint8_t kind;
	uint8_t len;    /* index of the argument holding the length/count */
	uint16_t size;  /* fixed size or element size */
};

struct syscall_spec {
	const char *name;
	uint8_t nargs;
	uint8_t ret;
	uint8_t ret_arg;
	uint8_t check;
	uint8_t special;
	struct arg_spec a[6];
};

extern const struct syscall_spec rt_syscalls[] __attribute__((visibility("hidden")));
extern const unsigned rt_syscalls_count __attribute__((visibility("hidden")));

#endif
