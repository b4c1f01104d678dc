/*
 * What the parts of the fuzz_forward harness share: the current case (the
 * call, its arguments as the harness built them, what the host saw and
 * did), the fake enclave's bookkeeping, and the functions one part calls
 * in another.  fuzz_forward.c describes the harness and what it checks.
 *
 *   fuzz_forward.c               the driver: an input, call by call
 *   fuzz_forward_markers.c       marker words that make a leak visible
 *   fuzz_forward_gen.c           the generator: a call and its arguments
 *   fuzz_forward_host.c          the mock host, which lies
 *   fuzz_forward_check_args.c    the oracle: what the host is given
 *   fuzz_forward_check_result.c  the oracle: what the call did
 *   fuzz_forward_parts.c         positioned transfers that go on in parts
 *   fuzz_forward_epoll.c         the model of the epoll registrations
 *
 * Built with glibc, without coverage (fuzz/fuzz.mk): only the runtime's
 * sources steer the fuzzer.
 */
#ifndef SCONCE_FUZZ_FORWARD_H
#define SCONCE_FUZZ_FORWARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "rt.h"
#include "syscall_table.h"
#include "mock_rt.h"

#define E_SIZE MOCK_ENCLAVE_SIZE
#define MAX_FD (1l << 20)
#define SOCKADDR_MAX 128
#define MAX_CALLS 8
#define EV_SIZE 12 /* struct epoll_event, packed */
#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

/* ------------------------------------------------------------------ state */

extern const char *cur_name;  /* the call's name, for BUG */
extern int call_idx;          /* the call's place in the input */

/* A violation: say what and where, and abort (libFuzzer's crash). */
void dump_case(void);
#define BUG(...)                                                              \
	do {                                                                  \
		fprintf(stderr, "fuzz_forward: BUG in %s: ", cur_name);      \
		fprintf(stderr, __VA_ARGS__);                                 \
		fprintf(stderr, "\n");                                        \
		dump_case();                                                  \
		abort();                                                      \
	} while (0)

extern uint8_t *E;          /* the fake enclave == rt.base */
extern uint8_t *before;     /* its contents just before the call */
extern uint8_t *wmap;       /* 1: the call may write this enclave byte */
extern uint8_t stale;       /* the bounce buffer's contents before the call */

extern int nobjs;     /* objects the case's arguments are made of */
extern int aliased;   /* two objects overlap: content checks are off */
extern int odd_alias; /* ... and not just fd sets passed twice to select */

struct iovrec {
	uintptr_t base;
	uint64_t len;
};

/* An ioctl or fcntl command as forward_special.c's tables describe it
 * (its struct cmd, same member types).  Only fuzz_forward_gen.c includes
 * that file, for the tables; the case keeps a copy of the chosen entry. */
struct cmd_desc {
	unsigned long cmd;
	uint8_t dir;  /* 0 value, 1 in, 2 out, 3 in-out, 4 none (the host gets 0) */
	uint8_t ret;  /* R_* rule */
	uint16_t size;
};

/* Everything about the current case. */
struct forward_case {
	long nr;
	const struct syscall_spec *s;
	long a[6];            /* as the application passed them */
	int special;
	/* table calls */
	struct argrec {
		uintptr_t p;      /* the object */
		long n;           /* count, as passed */
		size_t bytes;     /* declared size */
		uintptr_t lenp;   /* K_SA_OUT: the socklen_t */
		uint32_t have;    /* K_SA_OUT: *lenp as passed */
	} ar[6];
	int islen[6];
	/* vectors */
	uintptr_t iovp;
	long iovcnt;
	int niov;
	struct iovrec iov[1024]; /* the array as the runtime will read it */
	int iov_ok;
	uint64_t iov_total;
	/* messages (musl's struct msghdr) */
	uintptr_t m, name, control;
	uint32_t namelen, controllen;
	int msg_ok;
	/* select */
	long nfds;
	uintptr_t set[3], tmo, sd;
	uint64_t in_snap[3][16];
	int sel_ok;
	/* getsockopt */
	uintptr_t optval, optlen;
	uint32_t have;
	/* ioctl / fcntl: the command (&cmd_copy), or NULL if not in the tables */
	const struct cmd_desc *cmd;
	struct cmd_desc cmd_copy;
	/* epoll_ctl: the application's data in its event */
	uint64_t ep_data;
	/* positioned transfers that go on in parts (pread64/pwrite64 shortened
	 * to the bounce buffer, preadv/pwritev): the oracle's account */
	long p_nr;                  /* the call the host runs */
	long p_buf;                 /* vectors: the one bounce buffer */
	uint64_t p_first_k;         /* vectors: the first part's size */
	uint64_t p_done;            /* bytes moved by the parts so far */
	uint64_t p_last_off;        /* where the last part started */
	uint64_t p_prev_off;        /* reads: where the previous part's data goes */
	size_t p_prev_len;
	long p_expect;              /* the result the parts so far make */
	int p_stop;                 /* a part ended the transfer */
	size_t p_dirty;             /* the bounce bytes the last part used */
	/* what the host saw and did */
	int host_calls;
	long host_nr, h[6], host_ret;
	int helpful;
	int lied;                   /* a helpful epoll_wait named an unregistered fd */
	uint64_t host_ptrs[3];      /* recvmsg: the header's pointers */
	uint64_t host_data;         /* recvmsg: the data buffer */
	uint64_t host_set_snap[3][16];
};
extern struct forward_case C;

/* ----------------------------------------------------------- enclave bits */

/* memcmp, with zero-length comparisons of NULL allowed */
static inline int mcmp(const void *a, const void *b, size_t n)
{
	return n ? memcmp(a, b, n) : 0;
}

static inline int inside(uintptr_t p, size_t n)
{
	return p >= rt.base && n <= rt.size && p - rt.base <= rt.size - n;
}

/* [p, p+len) intersected with the enclave. */
static inline int clip(uintptr_t p, size_t len, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t b = rt.base, e = rt.base + rt.size;
	uintptr_t end = p + len;
	if (end < p)
		end = UINTPTR_MAX;
	*lo = p > b ? p : b;
	*hi = end < e ? end : e;
	return *lo < *hi;
}

static inline int overlaps_enclave(uintptr_t p, size_t n)
{
	uintptr_t lo, hi;
	return clip(p, n ? n : 1, &lo, &hi);
}

static inline void put_app(uintptr_t p, const void *v, size_t n)
{
	if (inside(p, n))
		memcpy((void *)p, v, n);
}
static inline uint64_t get_app64(uintptr_t p)
{
	uint64_t v = 0;
	if (inside(p, 8))
		memcpy(&v, (void *)p, 8);
	return v;
}
static inline uint32_t get_app32(uintptr_t p)
{
	uint32_t v = 0;
	if (inside(p, 4))
		memcpy(&v, (void *)p, 4);
	return v;
}

/* ---------------------------------------------------------- bounce bits */

static inline int in_bounce(uint64_t hp, size_t n)
{
	uintptr_t p = (uintptr_t)hp, b = (uintptr_t)mock_bounce;
	return p >= b && n <= mock_bounce_used && p - b <= mock_bounce_used - n;
}

static inline void *hb(uint64_t hp)
{
	return (void *)(uintptr_t)hp;
}

/* getgroups(0, ...) asks for the number of groups only. */
static inline int count_only(void)
{
	return C.nr == SYS_getgroups && C.a[0] == 0;
}

/* -------------------------------------------- fuzz_forward_markers.c */

extern uint32_t magic_encl, magic_stack; /* this call's marker words */
extern uint64_t case_seed;               /* SCONCE_FUZZ_MAGIC for this input */
void markers_init(void);
void markers_new_input(void);
void new_magic(void);
long find_magic(const uint8_t *p, size_t n, int *kind);
int expose(uintptr_t p, size_t len);
void fill_background(void);
void paint_stack(void);

/* ------------------------------------------------ fuzz_forward_gen.c */

void gen_init(void);
void gen_new_input(void);
void build_call(int k);

/* ----------------------------------------------- fuzz_forward_host.c */

long hostile_host(long nr, const long h[6]);

/* ----------------------------------------- fuzz_forward_check_args.c */

int iov_equal_at(uint64_t skip, const uint8_t *buf, size_t n);
int iov_equal(const uint8_t *buf, size_t n);
long check_host_call(int part, long nr, const long h[6]);

/* --------------------------------------- fuzz_forward_check_result.c */

int judge_call(int how, long r);

/* ---------------------------------------------- fuzz_forward_parts.c */

int positioned_call(void);
uint64_t part_total(void);
long check_host_part(long nr, const long *h);
void part_answered(int part, long nr, const long *h, long r);
void check_last_part(void);

/* ---------------------------------------------- fuzz_forward_epoll.c */

enum { EP_NEVER, EP_LIVE, EP_GONE };
int ep_state(int epfd, uint64_t fd, uint64_t *data);
int ep_registered(int epfd, int fds[MAX_CALLS]);
void ep_reset(void);
void ep_note_set(long epfd);
void ep_ctl_done(int epfd, int op, int fd, uint64_t data);
void ep_closed(int fd);
int check_epoll(int how, long r);
void ep_dump(void);

#endif
