/*
 * fuzz_forward: the generator.  From the input it picks, for one call,
 * the bounce buffer's size and the stale bytes in it, the call (mostly one
 * from the declared table; after the first, biased towards the epoll
 * calls, close, dup2 and dup3), and its arguments: buffers, strings,
 * structs, iovec arrays, message headers, fd sets, placed in the fake
 * enclave (its arena, flush with its end, straddling it, next to or over
 * the previous object, NULL, inaccessible host memory) with fuzzer-chosen
 * sizes and contents.  It records in C what it built and, after exposing
 * the passed objects' markers, what the runtime will read.
 */
#include "fuzz_forward.h"
#include "fuzz_input.h"

/* forward_special.c's command tables are the generator's and the oracle's
 * too: the file is included here for its static tables (its entry point
 * renamed, unused). */
#define fw_special fuzz_unused_fw_special
#include "forward_special.c"
#undef fw_special
#define CMD_PTR(c) ((c)->dir >= 1 && (c)->dir <= 3)
/* The case holds a struct cmd_desc copy of the chosen struct cmd. */
_Static_assert(sizeof(((struct cmd *)0)->cmd) == sizeof(((struct cmd_desc *)0)->cmd) &&
		       sizeof(((struct cmd *)0)->dir) == sizeof(((struct cmd_desc *)0)->dir) &&
		       sizeof(((struct cmd *)0)->ret) == sizeof(((struct cmd_desc *)0)->ret) &&
		       sizeof(((struct cmd *)0)->size) == sizeof(((struct cmd_desc *)0)->size),
	       "struct cmd_desc no longer matches forward_special.c's struct cmd");

#define ARENA_OFF (16ul << 10)
#define ARENA_SIZE (160ul << 10)
#define MAX_BUILT_IOV 32
#define MAX_OBJS 256

struct obj {
	uintptr_t p;
	size_t len;
	int str; /* extent: up to the NUL */
	int set; /* a select fd set */
};
static struct obj objs[MAX_OBJS];
int nobjs;
static uintptr_t last_p;
int aliased, odd_alias;

static void add_obj(uintptr_t p, size_t len, int str)
{
	if (nobjs < MAX_OBJS)
		objs[nobjs++] = (struct obj){ p, len, str, 0 };
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
	const struct cmd *tab = C.nr == SYS_ioctl ? ioctls : fcntls, *c = 0;
	size_t n = C.nr == SYS_ioctl ? NELEM(ioctls) : NELEM(fcntls);
	C.a[0] = val_val();
	if (u8() & 3) {
		c = &tab[u8() % n];
		C.a[1] = (long)c->cmd;
	} else {
		C.a[1] = val_val();
		for (size_t i = 0; i < n; i++)
			if (tab[i].cmd == (unsigned long)C.a[1])
				c = &tab[i];
	}
	if (c) {
		C.cmd_copy = (struct cmd_desc){ c->cmd, c->dir, c->ret, c->size };
		C.cmd = &C.cmd_copy;
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

/* ------------------------------------------------------ choosing a call */

static long *nrs; /* the declared table's calls */
static int nnrs;

void gen_init(void)
{
	nrs = malloc(sizeof(long) * rt_syscalls_count);
	for (unsigned i = 0; i < rt_syscalls_count; i++)
		if (rt_syscalls[i].name)
			nrs[nnrs++] = i;
}

/* An input starts: no descriptors used yet. */
void gen_new_input(void)
{
	nfd_hist = 0;
}

static const long ep_nrs[] = {
	SYS_epoll_ctl, SYS_epoll_ctl, SYS_epoll_wait, SYS_epoll_pwait, SYS_close, SYS_dup2, SYS_dup3,
};

/* Call k of the input: its bounce buffer, the call and its arguments. */
void build_call(int k)
{
	nobjs = 0;
	last_p = rt.base + ARENA_OFF;
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
		ep_note_set(C.a[0]);
	}
}
