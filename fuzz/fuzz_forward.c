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
 *
 * The harness's parts (generator, mock host, oracle, ...) are listed in
 * fuzz_forward.h; this file drives them: one input, call by call.
 */
#include <stdlib.h>
#include <string.h>
#include "fuzz_forward.h"
#include "fuzz_input.h"

const char *cur_name = "?";
int call_idx; /* in the input */

uint8_t *E;          /* the fake enclave == rt.base */
uint8_t *before;     /* its contents just before the call */
uint8_t *wmap;       /* 1: the call may write this enclave byte */
uint8_t stale;       /* the bounce buffer's contents before the call */
struct forward_case C;

void dump_case(void)
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
	ep_dump();
}

static void init(void)
{
	mock_init();
	E = mock_enclave();
	before = malloc(E_SIZE);
	wmap = malloc(E_SIZE);
	if (!before || !wmap)
		abort();
	markers_init();
	gen_init();
	mock_host_hook = hostile_host;
}

/* One forwarded call (the input's number k); returns whether the input
 * goes on: not after the runtime stopped on a detected attack. */
static int one_call(int k)
{
	memset(&C, 0, sizeof(C));
	cur_name = "?";
	call_idx = k;
	new_magic();
	fill_background();
	memset(wmap, 0, E_SIZE);

	build_call(k);
	memcpy(before, E, E_SIZE);

	paint_stack();
	static volatile long r;
	r = 0;
	int how = MOCK_TRY(r = rt_forward(C.nr, C.a));
	return judge_call(how, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!E)
		init();
	in_p = data;
	in_n = size;
	markers_new_input();
	ep_reset();
	gen_new_input();
	for (int k = 0; k < MAX_CALLS && (k == 0 || in_n); k++)
		if (!one_call(k))
			break;
	return 0;
}
