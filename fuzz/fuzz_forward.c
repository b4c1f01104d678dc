/*
 * libFuzzer harness: the forwarding path of the runtime against a hostile
 * host.  runtime/forward.c, forward_special.c, syscall_table.c and
 * format.c are compiled for the host as they are; mock_rt.c stands in for
 * the rest of the runtime.
 *
 * One input is a sequence of up to MAX_CALLS forwarded calls (the first
 * one's encoding is that of the older one-call inputs; later ones are
 * biased towards epoll_ctl, epoll_wait, epoll_pwait, close, dup2, dup3, so
 * that registrations made by one call are translated in the next).  Each:
 *   - the bounce buffer's size for this call, the call (mostly one from
 *     the declared table) and its arguments: buffers, strings, structs,
 *     iovec arrays, message headers, fd sets, placed in a fake enclave
 *     (the arena, flush with the enclave's end, straddling it, next to or
 *     overlapping the previous object, NULL, or inaccessible host memory),
 *     with fuzzer-chosen sizes and contents;
 *   - what the host does: a result (raw, an errno, around the count it was
 *     given) and patches to the bounce buffer (bytes, pointers into the
 *     enclave or the bounce buffer, small values), optionally followed by
 *     "helpful" fix-ups that make the answer pass the validators so that
 *     the copy-out code runs too.
 *
 * What must hold (a violation aborts, which libFuzzer reports as a crash;
 * rt_security_fail is a detected attack and a correct outcome):
 *   when the host is called: it is called once, holding the slot (a
 *   positioned transfer larger than the bounce buffer: once per part, see
 *   check_host_part); no argument points into the enclave; every buffer it
 *   is given lies inside the bounce allocations and is as large as the
 *   length it is told; input data arrives unchanged (a struct flock's
 *   padding zeroed); no enclave byte outside the passed objects and no
 *   uninitialised runtime stack reaches the bounce buffer (the enclave's
 *   background and the stack below the harness carry marker words);
 *   nothing was written past the allocations;
 *   after the call: nothing outside the bounce buffer's slot was written;
 *   no enclave byte outside the output objects changed (exactly: only
 *   revents of pollfds, only the returned prefix of a read buffer, ...);
 *   an error leaves the enclave untouched; a success returns the host's
 *   value and satisfies the call's rule (a read-like result <= the count
 *   asked for, a descriptor < 2^20, ...); output objects hold exactly
 *   what the host returned; the extra rules (pipe fds, stat sizes, clock
 *   nanoseconds, poll and select counts, directory records) hold on the
 *   enclave's copy;
 *   epoll: the host is given the descriptor number as an epoll_ctl event's
 *   data, never the application's; epoll_wait's events come back with the
 *   data of the registration the harness's model says is live for that
 *   (epfd, fd), in the host's order, those of deleted or closed ones
 *   dropped and the result lowered to match; an event naming a descriptor
 *   never registered on that epfd is a security failure, and every other
 *   answer within the count is accepted; dup2/dup3 return the new fd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include "rt.h"
#include "syscall_table.h"
#include "epoll_map.h"
#include "mock_rt.h"

#define E_SIZE MOCK_ENCLAVE_SIZE
#define ARENA_OFF (16ul << 10)
#define ARENA_SIZE (160ul << 10)
/* Every 8-byte word of the enclave's background is magic_encl << 32 | its
 * index (< 2^15): bytes i0 i1 00 00 m0 m1 m2 m3.  The stack below the
 * harness is painted with magic_stack words.  Both change with every
 * input (a random sequence; SCONCE_FUZZ_MAGIC=hex seeds it), so that no
 * input can carry them (the fuzzer sees background words the runtime
 * compares): a leak reproduces with any value, a coincidence does not. */
static uint32_t magic_encl, magic_stack;
static uint64_t magic_state, case_seed;

static void new_magic(void)
{
	uint64_t m = magic_state += 0x9e3779b97f4a7c15ull; /* splitmix64 */
	m = (m ^ (m >> 30)) * 0xbf58476d1ce4e5b9ull;
	m = (m ^ (m >> 27)) * 0x94d049bb133111ebull;
	m ^= m >> 31;
	for (int i = 0; i < 8; i++)
		if (!((m >> (8 * i)) & 0xff))
			m |= 0x5aull << (8 * i); /* no zero bytes */
	magic_encl = (uint32_t)m;
	magic_stack = (uint32_t)(m >> 32);
}
#define MAX_FD (1l << 20)
#define SOCKADDR_MAX 128
#define MAX_BUILT_IOV 32
#define MAX_OBJS 256
#define MAX_CALLS 8
#define EV_SIZE 12 /* struct epoll_event, packed */

/* ------------------------------------------------------------------ input */

#include "fuzz_input.h"

/* ------------------------------------------------------------------ state */

static const char *cur_name = "?";
static int call_idx; /* in the input */

static void dump_case(void);
#define BUG(...)                                                              \
	do {                                                                  \
		fprintf(stderr, "fuzz_forward: BUG in %s: ", cur_name);      \
		fprintf(stderr, __VA_ARGS__);                                 \
		fprintf(stderr, "\n");                                        \
		dump_case();                                                  \
		abort();                                                      \
	} while (0)

static uint8_t *E;          /* the fake enclave == rt.base */
static uint8_t *before;     /* its contents just before the call */
static uint8_t *wmap;       /* 1: the call may write this enclave byte */
static uint8_t stale;       /* the bounce buffer's contents before the call */

/* forward_special.c's command tables are the oracle's too: the file is
 * included here for its static tables (its entry point renamed, unused). */
#define fw_special fuzz_unused_fw_special
#include "forward_special.c"
#undef fw_special
/* dir: 0 value, 1 in, 2 out, 3 in-out, 4 none (the host gets 0) */
#define CMD_PTR(c) ((c)->dir >= 1 && (c)->dir <= 3)
#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

struct obj {
	uintptr_t p;
	size_t len;
	int str; /* extent: up to the NUL */
	int set; /* a select fd set */
};
static struct obj objs[MAX_OBJS];
static int nobjs;
static uintptr_t last_p;
static int aliased; /* two objects overlap: content checks are off */
static int odd_alias; /* ... and not just fd sets passed twice to select */

struct iovrec {
	uintptr_t base;
	uint64_t len;
};

/* Everything about the current case. */
static struct {
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
	/* ioctl / fcntl */
	const struct cmd *cmd;
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
} C;

/* ----------------------------------------------------------- enclave bits */

/* memcmp, with zero-length comparisons of NULL allowed */
static int mcmp(const void *a, const void *b, size_t n)
{
	return n ? memcmp(a, b, n) : 0;
}

static int inside(uintptr_t p, size_t n)
{
	return p >= rt.base && n <= rt.size && p - rt.base <= rt.size - n;
}

/* [p, p+len) intersected with the enclave. */
static int clip(uintptr_t p, size_t len, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t b = rt.base, e = rt.base + rt.size;
	uintptr_t end = p + len;
	if (end < p)
		end = UINTPTR_MAX;
	*lo = p > b ? p : b;
	*hi = end < e ? end : e;
	return *lo < *hi;
}

static int overlaps_enclave(uintptr_t p, size_t n)
{
	uintptr_t lo, hi;
	return clip(p, n ? n : 1, &lo, &hi);
}

static void put_app(uintptr_t p, const void *v, size_t n)
{
	if (inside(p, n))
		memcpy((void *)p, v, n);
}
static uint64_t get_app64(uintptr_t p)
{
	uint64_t v = 0;
	if (inside(p, 8))
		memcpy(&v, (void *)p, 8);
	return v;
}
static uint32_t get_app32(uintptr_t p)
{
	uint32_t v = 0;
	if (inside(p, 4))
		memcpy(&v, (void *)p, 4);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* A marker at p (n bytes readable): 1 background word, 2 stack paint. */
static int marker_at(const uint8_t *p, size_t n)
{
	if (n >= 8 && p[4] == (uint8_t)magic_encl && !p[2] && !p[3] && get32(p + 4) == magic_encl)
		return 1;
	if (n >= 4 && p[0] == (uint8_t)magic_stack && get32(p) == magic_stack)
		return 2;
	return 0;
}

static long find_magic(const uint8_t *p, size_t n, int *kind)
{
	const uint8_t *e = p + n, *q;
	long best = -1;
	/* background words: their first non-zero magic byte is at +4 */
	for (q = p + 4; q < e && (q = memchr(q, (uint8_t)magic_encl, (size_t)(e - q))); q++)
		if (marker_at(q - 4, (size_t)(e - q) + 4) == 1) {
			best = q - 4 - p;
			*kind = 1;
			break;
		}
	for (q = p; q < e && (q = memchr(q, (uint8_t)magic_stack, (size_t)(e - q))); q++)
		if (marker_at(q, (size_t)(e - q)) == 2) {
			if (best < 0 || q - p < best) {
				best = q - p;
				*kind = 2;
			}
			break;
		}
	return best;
}

/* Make the bytes of an object legitimately visible to the host: break
 * every marker with a non-zero byte inside it, by flipping the lowest bit
 * of one of those (so NULs stay where they are and string extents do not
 * change).  Returns how many it broke. */
static int expose(uintptr_t p, size_t len)
{
	uintptr_t lo, hi, base = rt.base, end = rt.base + rt.size;
	int flips = 0;
	if (!clip(p, len, &lo, &hi))
		return 0;
	/* a marker's non-zero part [x, x+4) meeting [lo, hi) starts in [lo-3, hi) */
	uintptr_t from = lo >= base + 3 ? lo - 3 : base;
	for (int k = 1; k <= 2; k++) {
		uint8_t c = k == 1 ? (uint8_t)magic_encl : (uint8_t)magic_stack;
		for (const uint8_t *x = (const uint8_t *)from; (uintptr_t)x < hi; x++) {
			x = memchr(x, c, hi - (uintptr_t)x);
			if (!x)
				break;
			uintptr_t q = k == 1 ? (uintptr_t)x - 4 : (uintptr_t)x;
			if (q < base || marker_at((const uint8_t *)q, end - q) != k)
				continue;
			uintptr_t j = (uintptr_t)x < lo ? lo : (uintptr_t)x;
			if (j < hi && j < (uintptr_t)x + 4) {
				*(uint8_t *)j ^= 1;
				flips++;
			}
		}
	}
	return flips;
}

static void add_obj(uintptr_t p, size_t len, int str)
{
	if (nobjs < MAX_OBJS)
		objs[nobjs++] = (struct obj){ p, len, str, 0 };
}

static void wr_mark(uintptr_t p, size_t len)
{
	uintptr_t lo, hi;
	if (clip(p, len, &lo, &hi))
		memset(wmap + (lo - rt.base), 1, hi - lo);
}

/* Where an object of len bytes goes. */
static uintptr_t place(size_t len, size_t align)
{
	uintptr_t base = rt.base, end = rt.base + rt.size;
	uintptr_t arena = base + ARENA_OFF;
	size_t L = len > ARENA_SIZE ? ARENA_SIZE : len;
	uintptr_t p;
	uint8_t m = u8();
	switch (m & 15) {
	case 0:
		return 0;
	case 1: /* flush with the end */
		p = end - L;
		break;
	case 2: /* around the end: may straddle it */
		p = end - L + (int8_t)u8();
		break;
	case 3: /* inaccessible host memory */
		return (mock_noaccess() + (u16() & 0xfff)) & ~(uintptr_t)(align - 1);
	case 4: /* anything */
		p = (uintptr_t)u64();
		break;
	case 5: /* just below the enclave, or at its very start */
		p = base - u8() + (m >> 7) * 256;
		break;
	case 6:
	case 7:
	case 8: /* next to, or over, the previous object */
		p = last_p + (int16_t)u16() % 512;
		break;
	default:
		p = arena + u32() % ARENA_SIZE;
		if (p + L > arena + ARENA_SIZE)
			p = arena + ARENA_SIZE - L;
		break;
	}
	p &= ~(uintptr_t)(align - 1);
	last_p = p;
	return p;
}

/* Fill the enclave part of an object with fuzzer data. */
static void fill(uintptr_t p, size_t len)
{
	uintptr_t lo, hi;
	if (!clip(p, len, &lo, &hi))
		return;
	uint8_t *d = (uint8_t *)lo;
	size_t n = hi - lo;
	switch (u8() & 3) {
	case 0:
		memset(d, 0, n);
		break;
	case 1:
		memset(d, u8(), n);
		break;
	default: {
		uint8_t seed[256];
		size_t k = take(seed, n < sizeof(seed) ? n : sizeof(seed));
		if (!k) {
			memset(d, 0, n);
			break;
		}
		for (size_t i = 0; i < n; i += k)
			memcpy(d + i, seed, n - i < k ? n - i : k);
	}
	}
}

static uintptr_t new_obj(size_t len, size_t align)
{
	uintptr_t p = place(len, align);
	if (p) {
		fill(p, len);
		add_obj(p, len, 0);
	}
	return p;
}

static long len_val(void)
{
	switch (u8() & 7) {
	case 0: return u8();
	case 1: return u16() & 0x3ff;
	case 2: return u16();
	case 3: return (long)(u32() % (E_SIZE + 64));
	case 4: return (long)u64();
	case 5: return -(long)u8();
	default: return u8() & 31;
	}
}

static long val_val(void)
{
	switch (u8() & 3) {
	case 0: return (long)u64();
	case 1: return u16();
	default: return u8() & 63;
	}
}

/* A descriptor: mostly one the input used before, or from a small pool,
 * so that epoll sets, the descriptors registered in them, and what
 * close/dup2/dup3 close meet. */
static long fd_hist[3 * MAX_CALLS];
static int nfd_hist;

static long fd_val(void)
{
	long v;
	uint8_t k = u8();
	switch (k & 7) {
	case 0: v = val_val(); break;
	case 1: v = u16(); break;
	case 2: v = u8() & 15; break;
	case 3: case 4: case 5:
		if (nfd_hist) {
			v = fd_hist[(k >> 3) % nfd_hist];
			break;
		}
		/* fall through */
	default: v = u8() & 3; break;
	}
	if (nfd_hist < (int)NELEM(fd_hist))
		fd_hist[nfd_hist++] = v;
	return v;
}

/* ------------------------------------------------- epoll registrations */

/* The oracle's model of what runtime/epoll_map.c must remember, built
 * from the calls of the current input (the runtime's record is emptied
 * before each input): per (epfd, fd), live (with the application's data)
 * or gone (deleted, or the descriptor closed); absent is never
 * registered.  Only what the calls' results say happened changes it:
 *   - a successful epoll_ctl (epfd and fd in [0, 2^20)): ADD makes the
 *     pair live with the event's data, MOD changes the data of a live
 *     pair, DEL makes a live pair gone; a failed one changes nothing;
 *   - a successful close(fd), or dup2/dup3 onto fd (fd != the old one):
 *     every live pair of fd is gone and the set of epfd fd is forgotten. */
enum { EP_NEVER, EP_LIVE, EP_GONE };
static struct epreg {
	int epfd, fd, state;
	uint64_t data;
} ep[MAX_CALLS];
static int nep;
static int ep_touched[MAX_CALLS]; /* epfds the runtime may hold a set for */
static int nep_touched;
static uint8_t ep_want[MOCK_BOUNCE_MAX]; /* the translated events expected */

static int ep_in_range(long v)
{
	return (int)v >= 0 && (int)v < RT_MAX_FD;
}

static struct epreg *ep_find(int epfd, uint64_t fd)
{
	for (int i = 0; i < nep; i++)
		if (ep[i].epfd == epfd && (uint64_t)ep[i].fd == fd)
			return &ep[i];
	return 0;
}

static int ep_state(int epfd, uint64_t fd, uint64_t *data)
{
	struct epreg *e = ep_find(epfd, fd);
	if (!e)
		return EP_NEVER;
	*data = e->data;
	return e->state;
}

/* Empty the runtime's record (and the model) before an input. */
static void ep_reset(void)
{
	for (int i = 0; i < nep_touched; i++)
		rt_epoll_closed(ep_touched[i]);
	nep_touched = nep = 0;
}

static void ep_ctl_done(int epfd, int op, int fd, uint64_t data)
{
	if (!ep_in_range(epfd) || !ep_in_range(fd))
		return;
	struct epreg *e = ep_find(epfd, (uint64_t)fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (!e) {
			if (nep == MAX_CALLS)
				abort(); /* one pair per call at most */
			e = &ep[nep++];
			*e = (struct epreg){ .epfd = epfd, .fd = fd };
		}
		e->state = EP_LIVE;
		e->data = data;
		break;
	case EPOLL_CTL_MOD:
		if (e && e->state == EP_LIVE)
			e->data = data;
		break;
	case EPOLL_CTL_DEL:
		if (e && e->state == EP_LIVE)
			e->state = EP_GONE;
		break;
	}
}

static void ep_closed(int fd)
{
	if (!ep_in_range(fd))
		return;
	for (int i = 0; i < nep;) {
		if (ep[i].epfd == fd) {
			ep[i] = ep[--nep];
			continue;
		}
		if (ep[i].fd == fd && ep[i].state == EP_LIVE)
			ep[i].state = EP_GONE;
		i++;
	}
}

/* What epoll_wait on epfd must make of the host's n events at ev: the
 * number kept (their translation in ep_want), or -1 if one names a
 * descriptor never registered on epfd. */
static long ep_expect(int epfd, const uint8_t *ev, long n)
{
	long k = 0;
	for (long i = 0; i < n; i++) {
		uint64_t fd, data = 0;
		memcpy(&fd, ev + EV_SIZE * i + 4, 8);
		int st = ep_state(epfd, fd, &data);
		if (st == EP_NEVER)
			return -1;
		if (st == EP_GONE)
			continue;
		memcpy(ep_want + EV_SIZE * k, ev + EV_SIZE * i, 4);
		memcpy(ep_want + EV_SIZE * k + 4, &data, 8);
		k++;
	}
	return k;
}

/* ---------------------------------------------------------- bounce bits */

static int in_bounce(uint64_t hp, size_t n)
{
	uintptr_t p = (uintptr_t)hp, b = (uintptr_t)mock_bounce;
	return p >= b && n <= mock_bounce_used && p - b <= mock_bounce_used - n;
}

static void *hb(uint64_t hp)
{
	return (void *)(uintptr_t)hp;
}

static void dump_case(void)
{
	fprintf(stderr, "  call %ld (number %d of the input), enclave [%#lx, +%#lx), bounce %p (%zu bytes, %zu used)\n",
		C.nr, call_idx + 1, (unsigned long)rt.base, (unsigned long)rt.size, (void *)mock_bounce,
		mock_bounce_size, mock_bounce_used);
	fprintf(stderr, "  app args:  %#lx %#lx %#lx %#lx %#lx %#lx\n", C.a[0], C.a[1], C.a[2], C.a[3],
		C.a[4], C.a[5]);
	if (C.host_calls)
		fprintf(stderr, "  host args: %#lx %#lx %#lx %#lx %#lx %#lx -> %ld\n", C.h[0], C.h[1], C.h[2],
			C.h[3], C.h[4], C.h[5], C.host_ret);
	fprintf(stderr, "  %d objects%s; markers %08x/%08x (SCONCE_FUZZ_MAGIC=%lx)\n", nobjs,
		aliased ? ", some overlapping" : "", magic_encl, magic_stack, (unsigned long)case_seed);
	for (int i = 0; i < nep; i++)
		fprintf(stderr, "  epoll model: epfd %d fd %d %s data %#lx\n", ep[i].epfd, ep[i].fd,
			ep[i].state == EP_LIVE ? "live" : "gone", (unsigned long)ep[i].data);
}

/* ------------------------------------------------------ building a case */

/* Value arguments that are descriptors the epoll model cares about. */
static int fd_arg(int i)
{
	switch (C.nr) {
	case SYS_close: case SYS_epoll_wait: case SYS_epoll_pwait: return i == 0;
	case SYS_dup2: case SYS_dup3: return i <= 1;
	}
	return 0;
}

static void build_table(void)
{
	const struct syscall_spec *s = C.s;
	long *a = C.a;
	for (int i = 0; i < s->nargs; i++) {
		int k = s->a[i].kind;
		if ((k == K_IN || k == K_OUT || k == K_OUTNA || k == K_IONA || k == K_SA_IN) &&
		    s->a[i].len < 6)
			C.islen[s->a[i].len] = 1;
	}
	for (int i = 0; i < s->nargs; i++)
		if (s->a[i].kind == K_VAL)
			a[i] = C.islen[i] ? len_val() : fd_arg(i) ? fd_val() : val_val();
	for (int i = 0; i < s->nargs; i++) {
		const struct arg_spec *as = &s->a[i];
		struct argrec *r = &C.ar[i];
		switch (as->kind) {
		case K_STR:
		case K_STR0: {
			size_t L;
			switch (u8() & 3) {
			case 0: L = u8(); break;
			case 1: L = 4093 + u8() % 6; break;
			case 2: L = u16() % 5000; break;
			default: L = u8() & 15; break;
			}
			uintptr_t p = place(L + 1, 1);
			a[i] = (long)p;
			if (!p)
				break;
			fill(p, L);
			uintptr_t lo, hi;
			if (clip(p, L, &lo, &hi))
				for (uint8_t *q = (uint8_t *)lo; q < (uint8_t *)hi; q++)
					if (!*q)
						*q = 'a';
			if (u8() & 7)
				put_app(p + L, "", 1);
			add_obj(p, L + 1, 1);
			break;
		}
		case K_IN:
		case K_OUT:
		case K_OUTNA:
		case K_IONA:
		case K_SA_IN: {
			size_t elem = (as->kind == K_OUTNA || as->kind == K_IONA) ? as->size : 1;
			long n = as->len < 6 ? a[as->len] : 0;
			size_t bytes = n < 0 ? 0 : (unsigned long)n > (1ul << 40) / elem ? (1ul << 41) : (size_t)n * elem;
			r->n = n;
			r->bytes = bytes;
			r->p = new_obj(bytes, elem == 1 ? 1 : 4);
			a[i] = (long)r->p;
			break;
		}
		case K_INF:
		case K_OUTF:
		case K_IOF:
			r->bytes = as->size;
			r->p = new_obj(as->size, 8);
			a[i] = (long)r->p;
			break;
		case K_SA_OUT: {
			r->lenp = place(4, 4);
			switch (u8() & 3) {
			case 0: r->have = SOCKADDR_MAX; break;
			case 1: r->have = u8(); break;
			case 2: r->have = u32(); break;
			default: r->have = 16; break;
			}
			if (r->lenp) {
				add_obj(r->lenp, 4, 0);
				put_app(r->lenp, &r->have, 4);
			}
			r->bytes = (int32_t)r->have < 0 ? 0 : r->have;
			r->p = new_obj(r->bytes, 4);
			a[i] = (long)r->p;
			if (as->len < 6)
				a[as->len] = (long)r->lenp;
			break;
		}
		default:
			break;
		}
	}
}

/* The harness's own reading of an iovec array: is it valid, and its total. */
static void judge_iov(void)
{
	C.iov_ok = 0;
	C.iov_total = 0;
	C.niov = 0;
	if (C.iovcnt < 0 || C.iovcnt > 1024)
		return;
	if (C.iovcnt && !inside(C.iovp, (size_t)C.iovcnt * 16))
		return;
	C.niov = (int)C.iovcnt;
	uint64_t t = 0;
	int ok = 1;
	for (long k = 0; k < C.iovcnt; k++) {
		uint64_t b = get_app64(C.iovp + 16 * k), l = get_app64(C.iovp + 16 * k + 8);
		C.iov[k] = (struct iovrec){ b, l };
		if (l > (1ul << 40) || (l && !inside(b, l)))
			ok = 0;
		t += l;
	}
	if (!ok || t > (1ul << 40))
		return;
	C.iov_ok = 1;
	C.iov_total = t;
}

static void build_iov(int as_int)
{
	long cnt;
	switch (u8() & 3) {
	case 0: cnt = u8() % 5; break;
	case 1: cnt = u8() % (MAX_BUILT_IOV + 1); break;
	case 2: cnt = as_int ? (long)(int32_t)u32() : (long)u64(); break;
	default: cnt = 1; break;
	}
	size_t bytes = cnt <= 0 ? 0 : (size_t)(cnt > 4096 ? 4096 : cnt) * 16;
	uintptr_t arr = place(bytes, 8);
	C.iovp = arr;
	C.iovcnt = cnt;
	if (!arr)
		return;
	uintptr_t lo, hi;
	if (clip(arr, bytes, &lo, &hi))
		memset((void *)lo, 0, hi - lo);
	add_obj(arr, bytes, 0);
	long built = cnt < 0 ? 0 : cnt > MAX_BUILT_IOV ? MAX_BUILT_IOV : cnt;
	for (long k = 0; k < built; k++) {
		uint64_t l;
		switch (u8() & 3) {
		case 0: l = u8(); break;
		case 1: l = u16(); break;
		case 2: l = u64(); break;
		default: l = u8() & 15; break;
		}
		uint64_t b = new_obj(l, 1);
		put_app(arr + 16 * k, &b, 8);
		put_app(arr + 16 * k + 8, &l, 8);
	}
}

static void build_vector(void)
{
	C.a[0] = val_val();
	build_iov(0);
	C.a[1] = (long)C.iovp;
	C.a[2] = C.iovcnt;
	C.a[3] = val_val();
}

static void build_msg(void)
{
	C.a[0] = val_val();
	C.a[2] = (long)u32();
	uintptr_t m = place(56, 8);
	C.m = m;
	C.a[1] = (long)m;
	if (!m)
		return;
	fill(m, 56); /* the padding */
	add_obj(m, 56, 0);
	switch (u8() & 3) {
	case 0: C.namelen = u8() % 140; break;
	case 1: C.namelen = u32(); break;
	case 2: C.namelen = 16; break;
	default: C.namelen = SOCKADDR_MAX; break;
	}
	C.name = new_obj(C.namelen, 1);
	build_iov(1);
	switch (u8() & 3) {
	case 0: C.controllen = u8(); break;
	case 1: C.controllen = u16() % 70000; break;
	case 2: C.controllen = u32(); break;
	default: C.controllen = 0; break;
	}
	C.control = new_obj(C.controllen, 8);
	int32_t iovlen = (int32_t)C.iovcnt, flags = (int32_t)u32();
	uint64_t v;
	v = C.name;
	put_app(m + 0, &v, 8);
	put_app(m + 8, &C.namelen, 4);
	v = C.iovp;
	put_app(m + 16, &v, 8);
	put_app(m + 24, &iovlen, 4);
	v = C.control;
	put_app(m + 32, &v, 8);
	put_app(m + 40, &C.controllen, 4);
	put_app(m + 48, &flags, 4);
}

static void build_select(void)
{
	switch (u8() & 3) {
	case 0: C.nfds = u16() % 1100; break;
	case 1: C.nfds = (long)u64(); break;
	case 2: C.nfds = 64 * (u8() % 17); break;
	default: C.nfds = u8() & 127; break;
	}
	C.a[0] = C.nfds;
	for (int k = 0; k < 3; k++) {
		C.a[1 + k] = (long)(C.set[k] = new_obj(128, 8));
		if (C.set[k])
			objs[nobjs - 1].set = 1;
	}
	C.a[4] = (long)(C.tmo = new_obj(16, 8));
	if (C.nr == SYS_pselect6) {
		C.sd = place(16, 8);
		C.a[5] = (long)C.sd;
		if (C.sd) {
			add_obj(C.sd, 16, 0);
			uint64_t sd[2] = { new_obj(8, 8), (u8() & 1) ? 8 : u64() };
			put_app(C.sd, sd, 16);
		}
	} else {
		C.a[5] = val_val();
	}
}

static void build_getsockopt(void)
{
	C.a[0] = val_val();
	C.a[1] = val_val();
	C.a[2] = val_val();
	C.optlen = place(4, 4);
	switch (u8() & 3) {
	case 0: C.have = u8(); break;
	case 1: C.have = u16() % 1100; break;
	case 2: C.have = u32(); break;
	default: C.have = 4; break;
	}
	if (C.optlen) {
		add_obj(C.optlen, 4, 0);
		put_app(C.optlen, &C.have, 4);
	}
	C.optval = new_obj(C.have, 1);
	C.a[3] = (long)C.optval;
	C.a[4] = (long)C.optlen;
}

static void build_cmd(void)
{
	const struct cmd *tab = C.nr == SYS_ioctl ? ioctls : fcntls;
	size_t n = C.nr == SYS_ioctl ? NELEM(ioctls) : NELEM(fcntls);
	C.a[0] = val_val();
	if (u8() & 3) {
		C.cmd = &tab[u8() % n];
		C.a[1] = (long)C.cmd->cmd;
	} else {
		C.a[1] = val_val();
		for (size_t i = 0; i < n; i++)
			if (tab[i].cmd == (unsigned long)C.a[1])
				C.cmd = &tab[i];
	}
	if (C.cmd && CMD_PTR(C.cmd) && (u8() & 7))
		C.a[2] = (long)new_obj(C.cmd->size, 8);
	else
		C.a[2] = val_val();
}

static void build_epoll_ctl(void)
{
	C.a[0] = fd_val();
	switch (u8() & 7) {
	case 0: C.a[1] = val_val(); break;
	case 1: case 2: C.a[1] = EPOLL_CTL_DEL; break;
	case 3: C.a[1] = EPOLL_CTL_MOD; break;
	default: C.a[1] = EPOLL_CTL_ADD; break;
	}
	C.a[2] = fd_val();
	C.a[3] = (long)new_obj(EV_SIZE, 4);
}

/* After expose(): read back what the runtime will see. */
static void reload(void)
{
	if (C.special == S_READV || C.special == S_WRITEV || C.special == S_PREADV ||
	    C.special == S_PWRITEV)
		judge_iov();
	if (C.special == S_SENDMSG || C.special == S_RECVMSG) {
		C.msg_ok = 0;
		if (!C.m || !inside(C.m, 56))
			return;
		C.name = get_app64(C.m);
		C.namelen = get_app32(C.m + 8);
		C.iovp = get_app64(C.m + 16);
		C.iovcnt = (int32_t)get_app32(C.m + 24);
		C.control = get_app64(C.m + 32);
		C.controllen = get_app32(C.m + 40);
		judge_iov();
		C.msg_ok = C.iov_ok && C.namelen <= SOCKADDR_MAX && C.controllen <= 65536 &&
			   (!C.name || inside(C.name, C.namelen)) &&
			   (!C.control || inside(C.control, C.controllen));
	}
	if (C.special == S_SELECT || C.special == S_PSELECT6) {
		size_t bytes = ((size_t)C.nfds + 63) / 64 * 8;
		C.sel_ok = C.nfds >= 0 && C.nfds <= 1024;
		for (int k = 0; k < 3; k++) {
			memset(C.in_snap[k], 0, sizeof(C.in_snap[k]));
			if (C.sel_ok && C.set[k]) {
				if (!inside(C.set[k], bytes))
					C.sel_ok = 0;
				else
					memcpy(C.in_snap[k], (void *)C.set[k], bytes);
			}
		}
		if (C.tmo && !inside(C.tmo, 16))
			C.sel_ok = 0;
	}
	if (C.special == S_GETSOCKOPT)
		C.have = get_app32(C.optlen);
	if (C.s && !C.special)
		for (int i = 0; i < C.s->nargs; i++)
			if (C.s->a[i].kind == K_SA_OUT)
				C.ar[i].have = get_app32(C.ar[i].lenp);
}

/* Everything the application legitimately lets the host see, as its
 * memory now says: the objects built, and what the final structures (which
 * later objects may have overwritten) point at. */
static int expose_all(void)
{
	int flips = 0;
	for (int i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];
		if (o->str && inside(o->p, 1)) {
			size_t max = rt.base + rt.size - o->p;
			o->len = strnlen((const char *)o->p, max);
			if (o->len < max)
				o->len++;
		}
		flips += expose(o->p, o->len);
	}
	for (int k = 0; k < C.niov; k++)
		if (C.iov[k].len <= (1ul << 40))
			flips += expose(C.iov[k].base, C.iov[k].len);
	if (C.special == S_SENDMSG || C.special == S_RECVMSG) {
		if (C.namelen <= SOCKADDR_MAX)
			flips += expose(C.name, C.namelen);
		if (C.controllen <= 65536)
			flips += expose(C.control, C.controllen);
	}
	if (C.special == S_GETSOCKOPT)
		flips += expose(C.optval, C.have > 1024 ? 1024 : C.have);
	if (C.special == S_PSELECT6 && inside(C.sd, 16))
		flips += expose(get_app64(C.sd), 8);
	return flips;
}

static void finalize(void)
{
	for (int iter = 0; iter < 16; iter++) {
		reload();
		if (!expose_all())
			break;
	}
	reload();
	aliased = odd_alias = 0;
	for (int i = 0; i < nobjs; i++)
		for (int j = i + 1; j < nobjs; j++) {
			uintptr_t l1, h1, l2, h2;
			if (clip(objs[i].p, objs[i].len, &l1, &h1) &&
			    clip(objs[j].p, objs[j].len, &l2, &h2) && l1 < h2 && l2 < h1) {
				aliased = 1;
				odd_alias |= !(objs[i].set && objs[j].set);
			}
		}
}

/* --------------------------------------------------- the host's view */

static long popcount_words(const uint64_t *w, size_t n)
{
	long c = 0;
	for (size_t i = 0; i < n; i++)
		c += __builtin_popcountll(w[i]);
	return c;
}

/* The bytes an iovec array gathers, in order, compared with buf. */
static int iov_equal_at(uint64_t skip, const uint8_t *buf, size_t n)
{
	size_t off = 0;
	for (int k = 0; k < C.niov && off < n; k++) {
		uint64_t len = C.iov[k].len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		size_t l = len - skip < n - off ? len - skip : n - off;
		if (mcmp((void *)(C.iov[k].base + skip), buf + off, l))
			return 0;
		off += l;
		skip = 0;
	}
	return off == n;
}

static int iov_equal(const uint8_t *buf, size_t n)
{
	return iov_equal_at(0, buf, n);
}

static void iov_mark(size_t n)
{
	for (int k = 0; k < C.niov && n; k++) {
		size_t l = C.iov[k].len < n ? C.iov[k].len : n;
		wr_mark(C.iov[k].base, l);
		n -= l;
	}
}

static int value_arg(int k)
{
	if (!C.special)
		return k < C.s->nargs && C.s->a[k].kind == K_VAL;
	switch (C.special) {
	case S_READV: case S_WRITEV: case S_PREADV: case S_PWRITEV:
		return k == 0 || k == 3;
	case S_SENDMSG: case S_RECVMSG: return k == 0 || k == 2;
	case S_SELECT: case S_PSELECT6: return k == 0;
	case S_GETSOCKOPT: return k <= 2;
	case S_EPOLL_CTL: return k <= 2;
	case S_IOCTL: case S_FCNTL: return k <= 1 || (k == 2 && (!C.cmd || C.cmd->dir == 0));
	}
	return 0;
}

/* Checks what the host was given; returns the natural result (the count
 * it was told) for choosing a result near it. */
static long check_host_table(long nr, const long *h)
{
	const struct syscall_spec *s = C.s;
	const long *a = C.a;
	if (nr != C.nr)
		BUG("host asked to run %ld for %ld", nr, C.nr);
	for (int k = s->nargs; k < 6; k++)
		if (h[k])
			BUG("argument %d beyond the call's %d is %#lx", k, s->nargs, h[k]);
	for (int i = 0; i < s->nargs; i++) {
		const struct arg_spec *as = &s->a[i];
		size_t n;
		switch (as->kind) {
		case K_VAL: {
			int clamped = 0;
			for (int j = 0; j < s->nargs; j++)
				if (s->a[j].len == i && s->ret == R_LEN && s->ret_arg == i &&
				    (s->a[j].kind == K_IN || s->a[j].kind == K_OUT || s->a[j].kind == K_OUTNA))
					clamped = 1;
			if (clamped ? (h[i] < 0 || h[i] > a[i]) : h[i] != a[i])
				BUG("value argument %d: %#lx became %#lx", i, a[i], h[i]);
			break;
		}
		case K_STR:
		case K_STR0:
			if (!a[i]) {
				if (h[i])
					BUG("NULL string %d became %#lx", i, h[i]);
				break;
			}
			n = strlen((const char *)a[i]) + 1;
			if (!in_bounce(h[i], n) || mcmp(hb(h[i]), (void *)a[i], n))
				BUG("string argument %d not passed as it is", i);
			break;
		case K_IN:
		case K_OUT:
		case K_OUTNA:
		case K_IONA: {
			size_t elem = (as->kind == K_OUTNA || as->kind == K_IONA) ? as->size : 1;
			n = (size_t)h[as->len] * elem;
			if (!a[i] && !n) {
				if (h[i])
					BUG("NULL buffer %d became %#lx", i, h[i]);
				break;
			}
			if (!in_bounce(h[i], n))
				BUG("buffer %d (%zu bytes) not inside the bounce allocations", i, n);
			if (as->kind != K_OUT && as->kind != K_OUTNA && mcmp(hb(h[i]), (void *)a[i], n))
				BUG("input buffer %d changed on its way out", i);
			break;
		}
		case K_INF:
		case K_OUTF:
		case K_IOF:
			if (!a[i]) {
				if (h[i])
					BUG("NULL struct %d became %#lx", i, h[i]);
				break;
			}
			if (!in_bounce(h[i], as->size))
				BUG("struct %d not inside the bounce allocations", i);
			if (as->kind != K_OUTF && mcmp(hb(h[i]), (void *)a[i], as->size))
				BUG("input struct %d changed on its way out", i);
			break;
		case K_SA_IN:
			if (!a[i]) {
				if (h[i])
					BUG("NULL address %d became %#lx", i, h[i]);
				break;
			}
			n = (size_t)a[as->len];
			if (!in_bounce(h[i], n) || mcmp(hb(h[i]), (void *)a[i], n))
				BUG("socket address %d not passed as it is", i);
			break;
		case K_SA_OUT:
			if (!a[i]) {
				if (h[i] || h[as->len])
					BUG("NULL address %d: host got %#lx/%#lx", i, h[i], h[as->len]);
				break;
			}
			if (!in_bounce(h[as->len], 4) || *(uint32_t *)hb(h[as->len]) != SOCKADDR_MAX ||
			    h[i] != h[as->len] + 4 || !in_bounce(h[i], SOCKADDR_MAX))
				BUG("socket address %d: length/buffer not set up", i);
			break;
		}
	}
	return s->ret == R_LEN ? h[s->ret_arg] : 0;
}

static long check_host_special(long nr, const long *h)
{
	const long *a = C.a;
	switch (C.special) {
	case S_READV:
	case S_WRITEV:
	case S_PREADV:
	case S_PWRITEV: {
		int out = C.special == S_WRITEV || C.special == S_PWRITEV;
		int pos = C.special == S_PREADV || C.special == S_PWRITEV;
		long want = pos ? (out ? SYS_pwrite64 : SYS_pread64) : (out ? SYS_write : SYS_read);
		if (nr != want)
			BUG("vector call became %ld", nr);
		if (!C.iov_ok)
			BUG("invalid iovec array accepted");
		if (h[0] != a[0] || h[3] != (pos ? a[3] : 0) || h[4] || h[5])
			BUG("vector call: value arguments changed");
		if (h[2] < 0 || (uint64_t)h[2] > C.iov_total || !in_bounce(h[1], (size_t)h[2]))
			BUG("vector call: buffer of %ld bytes for %lu", h[2], (unsigned long)C.iov_total);
		if (out && !iov_equal(hb(h[1]), (size_t)h[2]))
			BUG("writev: gathered data differs");
		return h[2];
	}
	case S_SENDMSG:
	case S_RECVMSG: {
		int out = C.special == S_SENDMSG;
		if (nr != C.nr || h[0] != a[0] || h[2] != a[2] || h[3] || h[4] || h[5])
			BUG("message call: values changed");
		if (!C.msg_ok)
			BUG("invalid message header accepted");
		if (!in_bounce(h[1], 56))
			BUG("host message header not in the bounce buffer");
		const uint64_t *hm = hb(h[1]);
		uint32_t hnamelen = (uint32_t)hm[1];
		uint64_t hiovp = hm[2], hiovlen = hm[3], hctl = hm[4], hctllen = hm[5];
		if (hiovlen != 1 || !in_bounce(hiovp, 16))
			BUG("host iovec not set up");
		const uint64_t *hiov = hb(hiovp);
		if (hiov[1] > C.iov_total || !in_bounce(hiov[0], hiov[1] ? hiov[1] : 1))
			BUG("host data buffer wrong");
		if (C.name ? !in_bounce(hm[0], out ? C.namelen : SOCKADDR_MAX) : hm[0] != 0)
			BUG("host name buffer wrong");
		if (hnamelen != (out ? C.namelen : (C.name ? SOCKADDR_MAX : 0)))
			BUG("host namelen %u", hnamelen);
		if (hctllen != C.controllen || (C.control ? !in_bounce(hctl, C.controllen) : hctl != 0))
			BUG("host control buffer wrong");
		if (out) {
			if (C.name && mcmp(hb(hm[0]), (void *)C.name, C.namelen))
				BUG("sendmsg: name differs");
			if (C.control && mcmp(hb(hctl), (void *)C.control, C.controllen))
				BUG("sendmsg: control differs");
			if (!iov_equal(hb(hiov[0]), hiov[1]))
				BUG("sendmsg: gathered data differs");
		}
		C.host_ptrs[0] = hm[0];
		C.host_ptrs[1] = hiovp;
		C.host_ptrs[2] = hctl;
		C.host_data = hiov[0];
		return (long)hiov[1];
	}
	case S_SELECT:
	case S_PSELECT6: {
		if (nr != C.nr || h[0] != a[0])
			BUG("select: values changed");
		if (!C.sel_ok)
			BUG("select: invalid arguments accepted");
		size_t words = ((size_t)C.nfds + 63) / 64;
		long asked = 0;
		for (int k = 0; k < 3; k++) {
			memset(C.host_set_snap[k], 0, sizeof(C.host_set_snap[k]));
			if (!C.set[k]) {
				if (h[1 + k])
					BUG("select: NULL set became %#lx", h[1 + k]);
				continue;
			}
			if (!in_bounce(h[1 + k], words * 8) || mcmp(hb(h[1 + k]), C.in_snap[k], words * 8))
				BUG("select: set %d not passed as it is", k);
			memcpy(C.host_set_snap[k], hb(h[1 + k]), words * 8);
			asked += popcount_words(C.in_snap[k], words);
		}
		if (C.tmo ? !in_bounce(h[4], 16) || mcmp(hb(h[4]), (void *)C.tmo, 16) : h[4] != 0)
			BUG("select: timeout not passed as it is");
		if (C.nr == SYS_select) {
			if (h[5])
				BUG("select: sixth argument %#lx", h[5]);
		} else if (C.sd) {
			const uint64_t *sd = (const uint64_t *)C.sd;
			const uint64_t *hsd = hb(h[5]);
			if (!in_bounce(h[5], 24) || hsd[1] != sd[1] ||
			    (sd[0] ? hsd[0] != (uint64_t)&hsd[2] || hsd[2] != get_app64(sd[0]) : hsd[0] != 0))
				BUG("pselect6: signal mask not passed as it is");
		} else if (h[5]) {
			BUG("pselect6: NULL mask became %#lx", h[5]);
		}
		return asked;
	}
	case S_GETSOCKOPT: {
		uint32_t have = C.have > 1024 ? 1024 : C.have;
		if (nr != C.nr || h[0] != a[0] || h[1] != a[1] || h[2] != a[2] || h[5])
			BUG("getsockopt: values changed");
		if (!in_bounce(h[4], 4 + have) || *(uint32_t *)hb(h[4]) != have || h[3] != h[4] + 4 ||
		    mcmp(hb(h[3]), (void *)C.optval, have))
			BUG("getsockopt: option buffer not passed as it is");
		return 0;
	}
	case S_EPOLL_CTL: {
		if (nr != C.nr || h[0] != a[0] || h[1] != a[1] || h[2] != a[2] || h[4] || h[5])
			BUG("epoll_ctl: values changed");
		if (a[1] == EPOLL_CTL_DEL) {
			if (h[3])
				BUG("epoll_ctl: an event (%#lx) passed with EPOLL_CTL_DEL", h[3]);
			return 0;
		}
		if (!inside((uintptr_t)a[3], EV_SIZE))
			BUG("epoll_ctl: invalid event pointer %#lx accepted", a[3]);
		if (!in_bounce(h[3], EV_SIZE) || mcmp(hb(h[3]), (void *)a[3], 4))
			BUG("epoll_ctl: event mask not passed as it is");
		uint64_t d;
		memcpy(&d, (uint8_t *)hb(h[3]) + 4, 8);
		if (d != (uint64_t)a[2])
			BUG("epoll_ctl: the host was given data %#lx, not the descriptor %#lx", (unsigned long)d,
			    a[2]);
		return 0;
	}
	case S_IOCTL:
	case S_FCNTL:
		if (!C.cmd)
			BUG("unknown command %#lx forwarded", a[1]);
		if (nr != C.nr || h[0] != a[0] || h[1] != a[1] || h[3] || h[4] || h[5])
			BUG("command: values changed");
		if (C.cmd->dir == 0 || C.cmd->dir == 4) {
			if (h[2] != (C.cmd->dir ? 0 : a[2]))
				BUG("command: value argument %#lx became %#lx", a[2], h[2]);
		} else if (!in_bounce(h[2], C.cmd->size)) {
			BUG("command: argument struct not in the bounce allocations");
		} else if ((C.cmd->dir & 1) && C.nr == SYS_fcntl && C.cmd->size == 32) {
			/* struct flock: its padding (after l_whence, after l_pid)
			 * is the enclave stack's, so it goes out zeroed */
			const uint8_t *hf = hb(h[2]), *af = (const uint8_t *)a[2];
			if (mcmp(hf, af, 4) || mcmp(hf + 8, af + 8, 20))
				BUG("fcntl: struct flock not passed as it is");
			if (!mock_all_bytes(hf + 4, 4, 0) || !mock_all_bytes(hf + 28, 4, 0))
				BUG("fcntl: struct flock padding reached the host");
		} else if ((C.cmd->dir & 1) && mcmp(hb(h[2]), (void *)a[2], C.cmd->size)) {
			BUG("command: argument struct not passed as it is");
		}
		return 0;
	}
	return 0;
}

/* ---------------------------------------------------- the host's reply */

static void apply_patch(void)
{
	if (!mock_bounce_size)
		return;
	uint8_t k = u8();
	size_t off = u16() % mock_bounce_size;
	size_t room = mock_bounce_size - off;
	uint8_t *d = mock_bounce + off;
	uint64_t v;
	switch (k & 7) {
	case 0:
	case 1: {
		size_t n = u8() % 65;
		take(d, n < room ? n : room);
		return;
	}
	case 2: v = rt.base + u32() % rt.size; break;                        /* into the enclave */
	case 3: v = (uintptr_t)mock_bounce + u16() % mock_bounce_size; break; /* within the bounce */
	case 4: {
		uint32_t w = u16();
		d = mock_bounce + (off & ~(size_t)3);
		memcpy(d, &w, mock_bounce_size - (off & ~(size_t)3) < 4 ? 0 : 4);
		return;
	}
	case 5: {
		size_t n = ((size_t)u8() + 1) * 16;
		memset(d, u8(), n < room ? n : room);
		return;
	}
	default: v = u64(); break;
	}
	off &= ~(size_t)7;
	if (mock_bounce_size - off >= 8)
		memcpy(mock_bounce + off, &v, 8);
}

/* getgroups(0, ...) asks for the number of groups only. */
static int count_only(void)
{
	return C.nr == SYS_getgroups && C.a[0] == 0;
}

/* Make the host's answer pass the validators (so that copy-out runs). */
static long helpful(long nr, const long *h, long r, long hint)
{
	(void)nr;
	if (r < -4095)
		r = -(long)(u8() % 133) - 1;
	if (C.special == S_SENDMSG || C.special == S_RECVMSG) {
		/* checked whatever the result */
		uint64_t *hm = hb(h[1]);
		hm[0] = C.host_ptrs[0];
		hm[2] = C.host_ptrs[1];
		hm[4] = C.host_ptrs[2];
	}
	if (r < 0)
		return r;
	if (!C.special) {
		const struct syscall_spec *s = C.s;
		switch (s->ret) {
		case R_ZERO: r = 0; break;
		case R_FD: r %= MAX_FD; break;
		case R_LEN:
			if (count_only())
				r = u8(); /* the number of groups */
			else if (hint >= 0 && r > hint)
				r = hint;
			break;
		}
		for (int i = 0; i < s->nargs; i++)
			if (s->a[i].kind == K_SA_OUT && h[s->a[i].len]) {
				uint32_t *l = hb(h[s->a[i].len]);
				if (*l > SOCKADDR_MAX)
					*l %= SOCKADDR_MAX + 1;
			}
		switch (s->check) {
		case C_POLL: {
			const uint16_t *p = hb(h[0]);
			r = 0;
			for (long i = 0; i < h[1]; i++)
				r += p[4 * i + 3] != 0;
			break;
		}
		case C_PIPEFDS: {
			int32_t *fds = hb(h[s->nargs == 4 ? 3 : 0]);
			if (!fds)
				return -EFAULT; /* the kernel's answer for NULL */
			fds[0] = 3 + u8() % 100;
			fds[1] = fds[0] + 1 + u8() % 3;
			break;
		}
		case C_STAT: {
			int64_t *st = hb(h[s->nargs == 4 ? 2 : 1]);
			if (!st)
				return -EFAULT;
			st[6] &= INT64_MAX;
			st[8] &= INT64_MAX;
			break;
		}
		case C_CLOCK: {
			static int64_t t;
			int64_t *ts = hb(h[1]);
			if (!ts)
				return -EFAULT;
			ts[0] = ++t;
			ts[1] = (int64_t)((uint64_t)ts[1] % 1000000000);
			break;
		}
		case C_CLOSE:
			if (nr != SYS_close)
				r = C.a[1] >= 0 && C.a[1] < MAX_FD ? C.a[1] : -EBADF;
			break;
		case C_EPOLL: {
			/* Name descriptors registered (live or gone) on the epfd;
			 * now and then a small one that may not be (a lie, which
			 * must then be refused: check_epoll). */
			int cand[MAX_CALLS], nc = 0;
			for (int i = 0; i < nep; i++)
				if (ep[i].epfd == (int)C.a[0])
					cand[nc++] = ep[i].fd;
			uint8_t *ev = hb(h[1]);
			for (long i = 0; i < r; i++) {
				uint8_t c = u8();
				uint64_t fd = nc && !(c & 0x80) ? (uint64_t)cand[c % nc] : c & 15, data;
				memcpy(ev + EV_SIZE * i + 4, &fd, 8);
				if (ep_state((int)C.a[0], fd, &data) == EP_NEVER)
					C.lied = 1;
			}
			break;
		}
		case C_DIRENTS: {
			uint8_t *b = hb(h[1]);
			long off = 0;
			while (r - off >= 24) {
				uint16_t rl = (uint16_t)(24 + 8 * (u8() % 8));
				if (rl > r - off)
					rl = 24;
				memcpy(b + off + 16, &rl, 2);
				b[off + rl - 1] = 0;
				off += rl;
			}
			r = off;
			break;
		}
		}
		return r;
	}
	switch (C.special) {
	case S_READV: case S_WRITEV: case S_PREADV: case S_PWRITEV:
		return r > hint ? hint : r;
	case S_SENDMSG:
	case S_RECVMSG: {
		uint64_t *hm = hb(h[1]);
		if ((uint32_t)hm[1] > SOCKADDR_MAX)
			hm[1] = (hm[1] & ~0xffffffffull) | ((uint32_t)hm[1] % (SOCKADDR_MAX + 1));
		if (hm[5] > C.controllen)
			hm[5] = C.controllen;
		return r > hint ? hint : r;
	}
	case S_SELECT:
	case S_PSELECT6: {
		size_t words = ((size_t)C.nfds + 63) / 64;
		r = 0;
		for (int k = 0; k < 3; k++) {
			if (!h[1 + k])
				continue;
			uint64_t *hs = hb(h[1 + k]);
			for (size_t w = 0; w < words; w++) {
				hs[w] &= C.host_set_snap[k][w];
				r += __builtin_popcountll(hs[w]);
			}
		}
		return r;
	}
	case S_GETSOCKOPT: {
		uint32_t have = C.have > 1024 ? 1024 : C.have;
		uint32_t *hl = hb(h[4]);
		if (*hl > have)
			*hl = have;
		return 0;
	}
	case S_EPOLL_CTL:
		return 0;
	case S_IOCTL:
	case S_FCNTL:
		if (C.cmd->ret == R_ZERO)
			r = 0;
		if (C.cmd->ret == R_FD)
			r %= MAX_FD;
		return r;
	}
	return r;
}

/* ------------------------------------------- transfers in parts */

/* A positioned transfer (a file at an offset, where the kernel moves all it
 * is asked up to the end of the file) larger than the bounce buffer goes on
 * in further host calls while each part moves all it asked; an error after
 * the first part reports what was moved. */
static int positioned_call(void)
{
	return C.nr == SYS_pread64 || C.nr == SYS_pwrite64 || C.special == S_PREADV ||
	       C.special == S_PWRITEV;
}

static int reading_call(void)
{
	return C.nr == SYS_pread64 || C.special == S_PREADV;
}

static uint64_t part_total(void)
{
	return C.special ? C.iov_total : (uint64_t)C.a[2];
}

static uint8_t p_prev[MOCK_BOUNCE_MAX]; /* reads: the previous part's data */

/* Has the application's memory at off (of the buffer or vector) the n
 * bytes at buf? */
static int app_equal_at(uint64_t off, const void *buf, size_t n)
{
	if (C.special)
		return iov_equal_at(off, buf, n);
	uintptr_t p = (uintptr_t)C.a[1] + off;
	return inside(p, n) && !mcmp((void *)p, buf, n);
}

/* The host is asked for a further part: checks it; returns its count. */
static long check_host_part(long nr, const long *h)
{
	const long *a = C.a;
	uint64_t total = part_total(), done = C.p_done;
	if (C.p_stop || done >= total)
		BUG("the host was called again after a part that ended the transfer");
	if (nr != C.p_nr || h[0] != a[0] || (uint64_t)h[3] != (uint64_t)a[3] + done || h[4] || h[5])
		BUG("part at %lu: values changed (offset %#lx)", (unsigned long)done, h[3]);
	uint64_t k = (uint64_t)h[2], left = total - done;
	if (C.special ? k != (left < C.p_first_k ? left : C.p_first_k) || h[1] != C.p_buf
		      : h[2] <= 0 || k > left)
		BUG("part at %lu: %ld bytes asked, %lu left", (unsigned long)done, h[2], (unsigned long)left);
	if (!in_bounce(h[1], k))
		BUG("part at %lu: buffer not inside the bounce allocations", (unsigned long)done);
	if (!reading_call()) {
		if (!app_equal_at(done, hb(h[1]), k))
			BUG("part at %lu: data differs from the application's", (unsigned long)done);
	} else if (!aliased && !app_equal_at(C.p_prev_off, p_prev, C.p_prev_len)) {
		BUG("part at %lu: the previous part's data did not land", (unsigned long)done);
	}
	return h[2];
}

/* The host answered part `part` with r: the account. */
static void part_answered(int part, long nr, const long *h, long r)
{
	uint64_t k = (uint64_t)h[2];
	if (!part) {
		C.p_nr = nr;
		C.p_buf = h[1];
		C.p_first_k = k;
	}
	C.p_last_off = C.p_done;
	if (r < 0 || (uint64_t)r > k) { /* an error, or refused */
		C.p_stop = 1;
		C.p_expect = C.p_done ? (long)C.p_done : r;
		return;
	}
	if (reading_call() && r) {
		memcpy(p_prev, hb(h[1]), (size_t)r);
		C.p_prev_off = C.p_done;
		C.p_prev_len = (size_t)r;
	}
	C.p_done += (uint64_t)r;
	C.p_expect = (long)C.p_done;
	C.p_stop = (uint64_t)r != k || C.p_done >= part_total();
}

/* After the call: the last part's data landed where it belongs. */
static void check_last_part(void)
{
	if (!aliased && C.host_ret > 0 && !app_equal_at(C.p_last_off, hb(C.h[1]), (size_t)C.host_ret))
		BUG("the part at %lu: data differs from the host's", (unsigned long)C.p_last_off);
}

static long host(long nr, const long h[6])
{
	int part = C.host_calls++;
	if (part && !positioned_call())
		BUG("the host was called twice for one call");
	if (!mock_slot_held)
		BUG("host call without a slot");
	C.host_nr = nr;
	memcpy(C.h, h, sizeof(C.h));
	if (mock_bounce_used > mock_bounce_size)
		BUG("bounce allocations beyond the buffer");
	int kind;
	long at = find_magic(mock_bounce, mock_bounce_used, &kind);
	if (at >= 0)
		BUG("%s memory reached the host at bounce offset %ld",
		    kind == 1 ? "enclave" : "uninitialised runtime stack", at);
	/* (a further part of pread64/pwrite64 allocates anew: the last part's
	 * allocation may have been larger) */
	size_t clean = part && C.p_dirty > mock_bounce_used ? C.p_dirty : mock_bounce_used;
	if (!mock_all_bytes(mock_bounce + clean, mock_bounce_size - clean, stale))
		BUG("the runtime wrote past its bounce allocations");
	/* (a further part's value arguments are checked exactly below) */
	for (int k = 0; k < 6; k++)
		if (overlaps_enclave((uintptr_t)h[k], 1) &&
		    !(value_arg(k) && (part || h[k] == C.a[k] || C.islen[k])))
			BUG("argument %d (%#lx) points into the enclave", k, h[k]);

	long hint = part ? check_host_part(nr, h) : C.special ? check_host_special(nr, h) : check_host_table(nr, h);

	uint8_t mode = u8();
	long r;
	switch ((mode >> 1) & 7) {
	case 0: r = (long)u64(); break;
	case 1: r = -(long)(u16() % 4200); break;
	case 2: r = hint - (long)(u8() % 4); break;
	case 3: r = hint + 1 + (u8() & 3); break;
	case 4: r = 0; break;
	case 5: r = u8(); break;
	case 6: r = (u8() & 1) ? -4095 - (long)(u8() & 1) : MAX_FD - 1 + (u8() & 1); break;
	default: r = hint; break;
	}
	for (int n = u8() % 6; n > 0; n--)
		apply_patch();
	/* helpful: every part so far was */
	C.helpful = (!part || C.helpful) && (mode & 1);
	if (mode & 1)
		r = helpful(nr, h, r, hint);
	C.host_ret = r;
	if (positioned_call())
		part_answered(part, nr, h, r);
	/* The host may scribble past the allocations: what the next part's
	 * check compares with is the stale fill. */
	memset(mock_bounce + mock_bounce_used, stale, mock_bounce_size - mock_bounce_used);
	C.p_dirty = mock_bounce_used;
	return r;
}

/* ----------------------------------------------- after the call */

static void mark_table(int tight, long r)
{
	const struct syscall_spec *s = C.s;
	for (int i = 0; i < s->nargs; i++) {
		const struct arg_spec *as = &s->a[i];
		const struct argrec *ar = &C.ar[i];
		long n = ar->n < 0 ? 0 : ar->n;
		switch (as->kind) {
		case K_OUT:
			wr_mark(ar->p, tight && s->ret == R_LEN ? (size_t)r : ar->bytes);
			break;
		case K_OUTNA: {
			/* epoll_wait copies the host's events, then drops some */
			long got = s->check == C_EPOLL ? C.host_ret : r;
			wr_mark(ar->p, tight ? (count_only() ? 0 : (size_t)got * as->size) : ar->bytes);
			break;
		}
		case K_OUTF:
		case K_IOF:
			wr_mark(ar->p, as->size);
			break;
		case K_IONA:
			if (s->check == C_POLL) {
				for (long k = 0; k < n && k <= 65536; k++)
					wr_mark(ar->p + 8 * k + 6, 2); /* revents only */
			} else {
				wr_mark(ar->p, ar->bytes);
			}
			break;
		case K_SA_OUT:
			if (ar->p) {
				size_t m = tight && ar->have < SOCKADDR_MAX ? ar->have : SOCKADDR_MAX;
				wr_mark(ar->p, m);
				wr_mark(ar->lenp, 4);
			}
			break;
		}
	}
}

static void mark_special(int tight, long r)
{
	switch (C.special) {
	case S_READV:
	case S_PREADV:
		if (C.iov_ok)
			iov_mark(tight ? (size_t)r : C.iov_total);
		break;
	case S_RECVMSG:
		if (!C.msg_ok)
			break;
		iov_mark(tight ? (size_t)r : C.iov_total);
		if (C.name)
			wr_mark(C.name, C.namelen);
		if (C.control)
			wr_mark(C.control, C.controllen);
		wr_mark(C.m + 8, 4);
		wr_mark(C.m + 40, 4);
		wr_mark(C.m + 48, 4);
		break;
	case S_SELECT:
	case S_PSELECT6:
		if (!C.sel_ok)
			break;
		for (int k = 0; k < 3; k++)
			if (C.set[k])
				wr_mark(C.set[k], ((size_t)C.nfds + 63) / 64 * 8);
		if (C.tmo)
			wr_mark(C.tmo, 16);
		break;
	case S_GETSOCKOPT:
		wr_mark(C.optval, C.have > 1024 ? 1024 : C.have);
		wr_mark(C.optlen, 4);
		break;
	case S_IOCTL:
	case S_FCNTL:
		if (C.cmd && (C.cmd->dir & 2))
			wr_mark((uintptr_t)C.a[2], C.cmd->size);
		break;
	}
}

static void check_enclave_writes(void)
{
	for (size_t o = 0; o < E_SIZE; o += 4096) {
		if (!mcmp(E + o, before + o, 4096))
			continue;
		for (size_t i = o; i < o + 4096; i++)
			if (E[i] != before[i] && !wmap[i])
				BUG("enclave byte at offset %#zx changed (%02x -> %02x) outside the call's outputs",
				    i, before[i], E[i]);
	}
}

static void check_rule(int rule, long r, unsigned long limit)
{
	if (r < -4095)
		BUG("error %ld out of range returned", r);
	if (r < 0)
		return;
	if (rule == R_ZERO && r != 0)
		BUG("%ld returned where only 0 is valid", r);
	if (rule == R_FD && r >= MAX_FD)
		BUG("descriptor %ld returned", r);
	if (rule == R_LEN && (unsigned long)r > limit)
		BUG("%ld returned for a count of %lu", r, limit);
}

static void check_dirents(const uint8_t *b, long len)
{
	long off = 0;
	while (off < len) {
		uint16_t rl;
		if (len - off < 20)
			BUG("accepted a truncated directory record");
		memcpy(&rl, b + off + 16, 2);
		if (rl < 20 || rl > len - off || (rl & 7) || !memchr(b + off + 19, 0, rl - 19))
			BUG("accepted a malformed directory record");
		off += rl;
	}
}

static void check_table_result(long r)
{
	const struct syscall_spec *s = C.s;
	check_rule(s->ret, r, count_only() ? 65536 : s->ret == R_LEN ? (unsigned long)C.a[s->ret_arg] : 0);
	if (s->ret == R_LEN && !count_only() && C.host_calls == 1 &&
	    (unsigned long)r > (unsigned long)C.h[s->ret_arg])
		BUG("%ld returned for a count of %ld given to the host", r, C.h[s->ret_arg]);
	const long *a = C.a, *h = C.h;
	switch (s->check) {
	case C_PIPEFDS: {
		const int32_t *f = (const int32_t *)a[s->nargs == 4 ? 3 : 0];
		if (!f)
			break;
		if (f[0] < 0 || f[1] < 0 || f[0] >= MAX_FD || f[1] >= MAX_FD || f[0] == f[1])
			BUG("accepted descriptors %d %d", f[0], f[1]);
		break;
	}
	case C_STAT: {
		const int64_t *st = (const int64_t *)a[s->nargs == 4 ? 2 : 1];
		if (st && (st[6] < 0 || st[8] < 0))
			BUG("accepted a negative size");
		break;
	}
	case C_CLOCK: {
		const int64_t *ts = (const int64_t *)a[1];
		if (ts && (ts[1] < 0 || ts[1] >= 1000000000))
			BUG("accepted nanoseconds %ld", (long)ts[1]);
		break;
	}
	case C_POLL: {
		long n = 0;
		for (long i = 0; i < a[1]; i++)
			n += ((const uint16_t *)a[0])[4 * i + 3] != 0;
		if (n != r)
			BUG("poll returned %ld with %ld events", r, n);
		break;
	}
	case C_DIRENTS:
		check_dirents((const uint8_t *)a[1], r);
		break;
	case C_CLOSE:
		if (C.nr != SYS_close && r != a[1])
			BUG("returned %ld for the new descriptor %ld", r, a[1]);
		break;
	}
	if (aliased)
		return;
	for (int i = 0; i < s->nargs; i++) {
		const struct arg_spec *as = &s->a[i];
		if (!a[i] || !h[i])
			continue;
		size_t n;
		switch (as->kind) {
		case K_OUT:
			if (C.host_calls > 1) { /* the earlier parts: check_host_part */
				check_last_part();
				continue;
			}
			n = s->ret == R_LEN ? (size_t)r : (size_t)a[as->len];
			break;
		case K_OUTNA:
			if (s->check == C_EPOLL)
				continue; /* translated: check_epoll */
			n = count_only() ? 0 : (size_t)r * as->size;
			break;
		case K_OUTF: case K_IOF: n = as->size; break;
		case K_IONA:
			if (s->check == C_POLL) {
				for (long k = 0; k < a[as->len]; k++)
					if (((const uint16_t *)a[i])[4 * k + 3] != ((const uint16_t *)hb(h[i]))[4 * k + 3])
						BUG("poll: revents %ld differs from the host's", k);
				continue;
			}
			n = (size_t)a[as->len] * as->size;
			break;
		case K_SA_OUT: {
			uint32_t got = *(uint32_t *)hb(h[as->len]);
			uint32_t have = C.ar[i].have;
			if (get_app32(C.ar[i].lenp) != got)
				BUG("socket address length %u, host said %u", get_app32(C.ar[i].lenp), got);
			if (got > SOCKADDR_MAX)
				BUG("socket address length %u accepted", got);
			n = got < have ? got : have;
			break;
		}
		default:
			continue;
		}
		if (mcmp((void *)a[i], hb(h[i]), n))
			BUG("output %d differs from what the host returned", i);
	}
}

static void check_special_result(long r)
{
	switch (C.special) {
	case S_READV:
	case S_WRITEV:
	case S_PREADV:
	case S_PWRITEV:
		check_rule(R_LEN, r, C.iov_total);
		if (C.special == S_PREADV && C.host_calls > 1)
			check_last_part();
		else if ((C.special == S_READV || C.special == S_PREADV) && !aliased && r > 0 &&
			 !iov_equal(hb(C.h[1]), (size_t)r))
			BUG("readv: scattered data differs from the host's");
		break;
	case S_SENDMSG:
	case S_RECVMSG:
		check_rule(R_LEN, r, C.iov_total);
		if (C.special == S_RECVMSG && r >= 0 && !aliased) {
			const uint64_t *hm = hb(C.h[1]);
			uint32_t nl = get_app32(C.m + 8), cl = get_app32(C.m + 40);
			if (C.name && (nl != (uint32_t)hm[1] || nl > SOCKADDR_MAX ||
				       mcmp((void *)C.name, hb(C.host_ptrs[0]), nl < C.namelen ? nl : C.namelen)))
				BUG("recvmsg: name differs from the host's");
			if (cl > C.controllen || (C.control && mcmp((void *)C.control, hb(C.host_ptrs[2]), cl)))
				BUG("recvmsg: control data differs from the host's");
			if (!iov_equal(hb(C.host_data), (size_t)r))
				BUG("recvmsg: scattered data differs from the host's");
		}
		break;
	case S_SELECT:
	case S_PSELECT6: {
		check_rule(R_NONNEG, r, 0);
		if (r < 0)
			break;
		size_t words = ((size_t)C.nfds + 63) / 64;
		long got = 0;
		for (int k = 0; k < 3; k++) {
			if (!C.set[k])
				continue;
			const uint64_t *o = (const uint64_t *)C.set[k];
			for (size_t w = 0; w < words; w++) {
				if (!aliased && (o[w] & ~C.in_snap[k][w]))
					BUG("select: a descriptor not asked about came back");
				got += __builtin_popcountll(o[w]);
			}
		}
		if (!aliased && got != r)
			BUG("select returned %ld with %ld descriptors set", r, got);
		break;
	}
	case S_GETSOCKOPT:
		check_rule(R_ZERO, r, 0);
		if (r == 0 && !aliased) {
			uint32_t have = C.have > 1024 ? 1024 : C.have, l = get_app32(C.optlen);
			if (l > have || mcmp((void *)C.optval, hb(C.h[3]), l))
				BUG("getsockopt: option of %u bytes for a buffer of %u", l, have);
		}
		break;
	case S_EPOLL_CTL:
		check_rule(R_ZERO, r, 0);
		break;
	case S_IOCTL:
	case S_FCNTL:
		if (!C.cmd)
			BUG("unknown command succeeded");
		check_rule(C.cmd->ret, r, 0);
		if (r >= 0 && (C.cmd->dir & 2) && !aliased && mcmp((void *)C.a[2], hb(C.h[2]), C.cmd->size))
			BUG("command: output differs from the host's");
		break;
	}
}

/* ---------------------------------------------------------- the driver */

static long *nrs;
static int nnrs;

static void init(void)
{
	mock_init();
	E = mock_enclave();
	before = malloc(E_SIZE);
	wmap = malloc(E_SIZE);
	if (!before || !wmap)
		abort();
	const char *fixed = getenv("SCONCE_FUZZ_MAGIC");
	if (fixed)
		magic_state = strtoull(fixed, 0, 16);
	else if (getrandom(&magic_state, sizeof(magic_state), 0) != sizeof(magic_state))
		magic_state = (uint64_t)time(0);
	nrs = malloc(sizeof(long) * rt_syscalls_count);
	for (unsigned i = 0; i < rt_syscalls_count; i++)
		if (rt_syscalls[i].name)
			nrs[nnrs++] = i;
	mock_host_hook = host;
}

/* Hot, so not instrumented. */
__attribute__((no_sanitize("address", "undefined"))) static void fill_background(void)
{
	uint64_t *w = (uint64_t *)E, m = (uint64_t)magic_encl << 32;
	for (size_t i = 0; i < E_SIZE / 8; i++)
		w[i] = m | i;
}

/* Leave marker words where the runtime's stack frames will be. */
__attribute__((noinline)) static void paint_stack(void)
{
	volatile uint32_t buf[4096];
	for (size_t i = 0; i < 4096; i++)
		buf[i] = magic_stack;
	__asm__ volatile("" : : "r"(buf) : "memory");
}

/* epoll_wait/epoll_pwait against the model (any outcome): returns 1 if
 * it checked the result, which is then the model's count, not the host's. */
static int check_epoll(int how, long r)
{
	long n = C.host_ret;
	if (n < 0 || n > C.h[2])
		return 0; /* an error, or a count the generic rules refuse */
	long want = ep_expect((int)C.a[0], n ? hb(C.h[1]) : 0, n);
	if (want < 0) {
		if (how != MOCK_SECURITY)
			BUG("an event for a descriptor never registered on epfd %d accepted (returned %ld)",
			    (int)C.a[0], r);
		return 1;
	}
	if (how == MOCK_SECURITY)
		BUG("events for registered descriptors refused: %s", mock_fail_msg);
	if (r != want)
		BUG("returned %ld events: %ld of the host's %ld are live registrations", r, want, n);
	if (!aliased && mcmp((void *)C.a[1], ep_want, (size_t)want * EV_SIZE))
		BUG("events not translated to the application's data");
	return 1;
}

static const long ep_nrs[] = {
	SYS_epoll_ctl, SYS_epoll_ctl, SYS_epoll_wait, SYS_epoll_pwait, SYS_close, SYS_dup2, SYS_dup3,
};

/* One forwarded call (the input's number k); returns whether the input
 * goes on: not after the runtime stopped on a detected attack. */
static int one_call(int k)
{
	memset(&C, 0, sizeof(C));
	nobjs = 0;
	last_p = rt.base + ARENA_OFF;
	cur_name = "?";
	call_idx = k;
	new_magic();
	fill_background();
	memset(wmap, 0, E_SIZE);

	size_t bsz = 16 * (1 + u16() % (MOCK_BOUNCE_MAX / 16));
	stale = u8();
	mock_reset_call(bsz, stale);

	/* The first call is chosen as in one-call inputs (fuzz/regress). */
	uint8_t pick = k ? u8() : 0;
	if (pick & 1) {
		C.nr = ep_nrs[(pick >> 1) % NELEM(ep_nrs)];
	} else {
		uint16_t sel = u16();
		if ((sel & 63) == 63)
			C.nr = u16() % 600;
		else
			C.nr = nrs[(sel >> 6) % nnrs];
	}
	if (C.nr >= 0 && (unsigned long)C.nr < rt_syscalls_count && rt_syscalls[C.nr].name) {
		C.s = &rt_syscalls[C.nr];
		C.special = C.s->special;
		cur_name = C.s->name;
	}
	if (!C.s) {
		for (int i = 0; i < 6; i++)
			C.a[i] = val_val();
	} else {
		switch (C.special) {
		case S_NONE: build_table(); break;
		case S_READV: case S_WRITEV: case S_PREADV: case S_PWRITEV: build_vector(); break;
		case S_SENDMSG: case S_RECVMSG: build_msg(); break;
		case S_SELECT: case S_PSELECT6: build_select(); break;
		case S_GETSOCKOPT: build_getsockopt(); break;
		case S_EPOLL_CTL: build_epoll_ctl(); break;
		case S_IOCTL: case S_FCNTL: build_cmd(); break;
		}
	}
	finalize();
	if (C.special == S_EPOLL_CTL) {
		C.ep_data = get_app64((uintptr_t)C.a[3] + 4);
		if (ep_in_range(C.a[0]))
			ep_touched[nep_touched++] = (int)C.a[0];
	}
	memcpy(before, E, E_SIZE);

	paint_stack();
	static volatile long r;
	r = 0;
	int how = MOCK_TRY(r = rt_forward(C.nr, C.a));

	if (how == MOCK_FATAL || how == MOCK_EXITED)
		BUG("the runtime stopped: %s", mock_fail_msg);
	if (!mock_canaries_ok())
		BUG("the runtime wrote outside its slot's bounce buffer");
	/* What may have changed: nothing without a successful host call
	 * (an EFAULT after one: a copy-out refused half-way, when the
	 * application's buffers overlap); exactly the outputs on success. */
	int wrote = C.host_calls &&
		    (how == MOCK_SECURITY || r >= 0 || (r == -EFAULT && C.host_ret >= 0));
	int tight = how == MOCK_RETURNED && r >= 0 && !aliased;
	if (wrote && !C.special)
		mark_table(tight, r);
	else if (wrote)
		mark_special(tight, r);
	check_enclave_writes();
	int epoll_checked = C.s && C.s->check == C_EPOLL && C.host_calls && check_epoll(how, r);
	/* A helpful host's answer is consistent (except for clocks: the
	 * runtime remembers readings across inputs): refusing it would stop
	 * an honest application, unless that passes overlapping objects in
	 * ways no real one does (the same fd set twice to select does). */
	if (how == MOCK_SECURITY && C.helpful && !C.lied && !odd_alias && !(C.s && C.s->check == C_CLOCK))
		BUG("a consistent answer was refused: %s", mock_fail_msg);
	if (how == MOCK_SECURITY)
		return 0;

	/* pread64/pwrite64 take the slot again for each further part (and
	 * may fail before asking the host for one) */
	int table_parts = !C.special && positioned_call();
	if (mock_calls_begun != mock_calls_ended || mock_slot_held || mock_calls_begun < 1 ||
	    (table_parts ? mock_calls_begun > C.host_calls + 1 : mock_calls_begun != 1))
		BUG("slot not taken and released exactly once per part (%d/%d for %d host calls)",
		    mock_calls_begun, mock_calls_ended, C.host_calls);
	if (mock_sigpipe_raised && r != -EPIPE)
		BUG("SIGPIPE raised for a result of %ld", r);
	if (r < -4095)
		BUG("error %ld out of range returned", r);
	if (!C.host_calls) {
		if (r >= 0)
			BUG("success %ld without asking the host", r);
		return 1;
	}
	if (positioned_call()) {
		/* a part that moved all it asked, with more to go: the runtime
		 * goes on (pread64/pwrite64 may find the rest outside) */
		uint64_t left = part_total() - C.p_done;
		if (!C.p_stop && (C.special || inside((uintptr_t)C.a[1] + C.p_done, left)))
			BUG("stopped after %d parts that moved all they asked, %lu bytes left", C.host_calls,
			    (unsigned long)left);
		if (r != C.p_expect)
			BUG("returned %ld, the %d parts make %ld", r, C.host_calls, C.p_expect);
	} else if (r != C.host_ret && !(epoll_checked && r >= 0)) {
		if (r == -EFAULT && C.host_ret >= 0 && aliased)
			return 1;
		BUG("returned %ld, the host said %ld", r, C.host_ret);
	}
	if (r < 0) {
		/* close releases the descriptor even when it reports an error */
		if (C.nr == SYS_close && C.host_calls > 0)
			ep_closed((int)C.a[0]);
		return 1;
	}
	if (!C.special)
		check_table_result(r);
	else
		check_special_result(r);

	/* What the call did to the registrations. */
	if (C.special == S_EPOLL_CTL)
		ep_ctl_done((int)C.a[0], (int)C.a[1], (int)C.a[2], C.ep_data);
	else if (C.nr == SYS_close)
		ep_closed((int)C.a[0]);
	else if ((C.nr == SYS_dup2 || C.nr == SYS_dup3) && C.a[0] != C.a[1])
		ep_closed((int)C.a[1]);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!E)
		init();
	in_p = data;
	in_n = size;
	case_seed = magic_state;
	ep_reset();
	nfd_hist = 0;
	for (int k = 0; k < MAX_CALLS && (k == 0 || in_n); k++)
		if (!one_call(k))
			break;
	return 0;
}
