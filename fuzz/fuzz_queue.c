/*
 * libFuzzer harness: the completion ring (runtime/queue.c) against a
 * hostile host.
 *
 * runtime/queue.c is included as it is (not edited), so that its static
 * state can be reset between inputs.  rt_self() reads %gs, so the GS base
 * of this process is pointed at a fake ethread (arch_prctl); the
 * scheduler around the queue is mocked here: rt_park() lets the host act
 * and polls completions, as the scheduler loop would, until the thread is
 * woken, or abandons the thread (it stays blocked, its slot in flight).
 *
 * One input is a sequence of steps: application threads (four) making
 * asynchronous host calls, the host acting (completing a pending request
 * honestly, replaying an old completion, forging one, writing anything
 * into the completion ring's indices and cells, changing a slot's result),
 * and idle ethreads polling the completion ring.  The host model pops
 * submissions from the submission ring honestly (corrupting that ring can
 * only make the enclave spin, a denial of service, out of scope).
 *
 * What must hold (rt_security_fail is a detected attack, a correct
 * outcome): a thread is woken only while it has a request in flight, at
 * most once for it, and only if the host put that request's exact tag
 * (slot and generation) into the completion ring; a call returns only when
 * its thread was woken; slots are never handed to two threads; no access
 * outside the rings and the runtime's arrays (ASan), whatever the host
 * writes into the ring.
 */
#include <asm/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "mock_rt.h"
#include "queue.c"

#define BUG(...)                                              \
	do {                                                  \
		fprintf(stderr, "fuzz_queue: BUG: ");        \
		fprintf(stderr, __VA_ARGS__);                 \
		fprintf(stderr, "\n");                        \
		abort();                                      \
	} while (0)

enum { MOCK_PARKED = 10, MOCK_NOSLOT = 11 };

#include "fuzz_input.h"

/* ---- the world ---- */

#define NT 4              /* application threads */
#define MAX_SLOTS 8
#define MAX_RING 32
#define BOUNCE 4096

static struct rt_ethread eth;
static struct rt_thread T[NT + 1]; /* T[NT]: the idle ethread's own context */
static struct sconce_control ctl __attribute__((aligned(64)));
static uint8_t *shared;
static size_t shared_size;
static struct sconce_ring *sub, *comp;
static uint64_t ring_n;

static struct {
	int inflight;        /* a request submitted, not yet woken */
	int blocked;         /* abandoned in rt_park: its frame is gone */
	int slot;
	uint64_t tag;        /* gen << 32 | slot of the request in flight */
	int woken;
} tw[NT + 1];

/* Every value the host ever put in a completion cell (a wake must be for
 * one of them). */
#define MAX_OFFERED 1024
static uint64_t offered[MAX_OFFERED];
static int noffered, offered_overflow;

/* Requests the honest host has taken off the submission ring. */
static uint64_t pending[MAX_SLOTS * 4], done[64];
static int npending, ndone;

static void offer(uint64_t v)
{
	if (noffered < MAX_OFFERED)
		offered[noffered++] = v;
	else
		offered_overflow = 1;
}

static int was_offered(uint64_t v)
{
	if (offered_overflow)
		return 1;
	for (int i = 0; i < noffered; i++)
		if (offered[i] == v)
			return 1;
	return 0;
}

static int thread_index(struct rt_thread *t)
{
	for (int i = 0; i <= NT; i++)
		if (t == &T[i])
			return i;
	BUG("woke %p, not a thread", (void *)t);
}

/* A thread is woken: it must have been waiting for exactly this. */
static void woken(struct rt_thread *t)
{
	int i = thread_index(t);
	if (!tw[i].inflight)
		BUG("thread %d woken with no request in flight", i);
	if (!was_offered(tw[i].tag))
		BUG("thread %d woken, but the host never offered tag %#lx", i, (unsigned long)tw[i].tag);
	tw[i].inflight = 0;
	tw[i].woken++;
}

/* ---- the host ---- */

/* The host's side of the rings: Vyukov's queue, honestly. */
static int host_push(struct sconce_ring *r, uint64_t v)
{
	uint64_t pos = r->head;
	struct sconce_ring_cell *c = &r->cell[pos % ring_n];
	if (c->seq != pos)
		return -1;
	r->head = pos + 1;
	c->val = v;
	c->seq = pos + 1;
	return 0;
}

static int host_pop(struct sconce_ring *r, uint64_t *v)
{
	uint64_t pos = r->tail;
	struct sconce_ring_cell *c = &r->cell[pos % ring_n];
	if (c->seq != pos + 1)
		return -1;
	r->tail = pos + 1;
	*v = c->val;
	c->seq = pos + ring_n;
	return 0;
}

static void host_take_submissions(void)
{
	uint64_t v;
	while (host_pop(sub, &v) == 0) {
		if (npending < (int)(sizeof(pending) / sizeof(pending[0])))
			pending[npending++] = v;
	}
}

static void host_act(void)
{
	uint64_t v;
	host_take_submissions();
	switch (u8() % 8) {
	case 0:
	case 1: /* complete a pending request honestly */
		if (!npending)
			return;
		{
			int i = u8() % npending;
			v = pending[i];
			if (host_push(comp, v) == 0) {
				offer(v);
				pending[i] = pending[--npending];
				if (ndone < 64)
					done[ndone++] = v;
			}
		}
		return;
	case 2: /* replay an old completion */
		if (!ndone)
			return;
		v = done[u8() % ndone];
		if (host_push(comp, v) == 0)
			offer(v);
		return;
	case 3: /* forge one */
		v = (uint64_t)u32() << 32 | (uint64_t)(u8() % (MAX_SLOTS + 2));
		if (host_push(comp, v) == 0)
			offer(v);
		return;
	case 4: { /* write anything into a cell */
		struct sconce_ring_cell *c = &comp->cell[u8() % ring_n];
		if (u8() & 1) {
			c->val = u64();
			offer(c->val);
		} else {
			c->seq = (u8() & 1) ? u64() : comp->tail + (int8_t)u8();
		}
		return;
	}
	case 5: /* move the indices */
		if (u8() & 1)
			comp->tail = (u8() & 1) ? u64() : comp->tail + (int8_t)u8();
		else
			comp->head = (u8() & 1) ? u64() : comp->head + (int8_t)u8();
		return;
	case 6: /* a slot's result */
		Q.slots[u8() % Q.n].ret = (int64_t)u64();
		return;
	default:
		return;
	}
}

/* A cell ahead of the consumer makes ring_pop retry 2^20 times and give
 * up, changing nothing: a slow no-op (a denial of service, out of scope).
 * The host model never leaves the ring so when the enclave looks, or the
 * harness would run a few hundred inputs a second. */
static void unspin(void)
{
	for (uint64_t k = 0; k < ring_n; k++) {
		uint64_t pos = comp->tail + k;
		struct sconce_ring_cell *c = &comp->cell[pos & (ring_n - 1)];
		if ((int64_t)(c->seq - (pos + 1)) > 0)
			c->seq = pos;
	}
}

/* ---- the scheduler and the ways out, mocked ---- */

static int current(void)
{
	return thread_index(eth.cur);
}

long rt_ocall(uint64_t code, const uint64_t args[6])
{
	(void)args;
	if (code == SCONCE_OCALL_WAKE_WORKER)
		host_take_submissions();
	return 0;
}

/* The synchronous exit (rt_host_call): never taken, every call queues. */
void rt_exit_ocall(void)
{
	BUG("a call left with its ethread instead of queueing");
}

int rt_wake(struct rt_thread *t, int reason)
{
	if (reason != W_IO)
		BUG("wake reason %d", reason);
	int w = T_WAITING;
	if (__atomic_compare_exchange_n(&t->state, &w, T_RUNNABLE, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		woken(t);
	else
		BUG("woke thread %d, which was not waiting", thread_index(t));
	return 0;
}

void rt_kick(void) {}
int rt_have_runnable(void) { return 0; }
int rt_timers_armed(void) { return 0; } /* rt.adaptive stays 0: every call queues */
/* batch.c: the harness's threads never defer a call or ask for a stat */
void rt_batch_to_slot(struct rt_thread *t, struct sconce_slot *s)
{
	(void)t;
	(void)s;
	BUG("a thread of the harness had a deferred call");
}

void rt_yield(void)
{
	/* every slot in flight: the caller would wait for one */
	if (mock_jmp_armed)
		longjmp(mock_jmp, MOCK_NOSLOT);
	abort();
}

void rt_park(void)
{
	struct rt_thread *t = eth.cur;
	int i = current();
	for (int k = 0; k < 4; k++) {
		host_act();
		unspin();
		rt_poll_completions();
		if (t->state == T_RUNNING || t->state == T_RUNNABLE) {
			t->state = T_RUNNING;
			return;
		}
		if (!in_n)
			break;
	}
	tw[i].blocked = 1;
	longjmp(mock_jmp, MOCK_PARKED);
}

/* ---- the driver ---- */

static void init(void)
{
	mock_init();
	eth.self = &eth;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, &eth) != 0) {
		perror("arch_prctl(ARCH_SET_GS)");
		abort();
	}
	shared_size = MAX_SLOTS * sizeof(struct sconce_slot) + MAX_SLOTS * BOUNCE +
		      2 * (sizeof(struct sconce_ring) + MAX_RING * sizeof(struct sconce_ring_cell));
	shared = aligned_alloc(64, shared_size);
	if (!shared)
		abort();
}

static void reset(uint64_t nslots, uint64_t rs)
{
	memset(&Q, 0, sizeof(Q));
	memset(free_stack, 0, sizeof(free_stack));
	memset(slot_gen, 0, sizeof(slot_gen));
	memset(slot_state, 0, sizeof(slot_state));
	memset(slot_owner, 0, sizeof(slot_owner));
	memset(shared, 0, shared_size);
	memset(&ctl, 0, sizeof(ctl));
	memset(T, 0, sizeof(T));
	memset(tw, 0, sizeof(tw));
	noffered = offered_overflow = npending = ndone = 0;

	uint64_t off = 0;
	struct sconce_boot *b = &rt.boot;
	memset(b, 0, sizeof(*b));
	b->nslots = nslots;
	b->ring_size = rs;
	b->bounce_size = BOUNCE;
	b->slots_off = off;
	off += nslots * sizeof(struct sconce_slot);
	b->bounce_off = off;
	off += nslots * BOUNCE;
	b->submit_off = off;
	off += sizeof(struct sconce_ring) + rs * sizeof(struct sconce_ring_cell);
	b->complete_off = off;
	b->spin = u8() % 4;
	rt.shared = (uintptr_t)shared;
	rt.ctl = &ctl;
	rt.async = 1;
	sub = (struct sconce_ring *)(shared + b->submit_off);
	comp = (struct sconce_ring *)(shared + b->complete_off);
	ring_n = rs;
	for (uint64_t i = 0; i < rs; i++) {
		sub->cell[i].seq = i;
		comp->cell[i].seq = i;
	}
	for (int i = 0; i <= NT; i++) {
		T[i].slot = -1;
		T[i].state = T_RUNNING;
	}
	rt_queue_init();
}

/* Thread t makes one forwarded call (inside MOCK_TRY). */
static void do_call(int t)
{
	rt_call_begin();
	int s = T[t].slot;
	for (int k = 0; k <= NT; k++)
		if (k != t && T[k].slot == s)
			BUG("slot %d given to threads %d and %d", s, k, t);
	tw[t].slot = s;
	tw[t].tag = (uint64_t)(slot_gen[s] + 1) << 32 | (uint64_t)s;
	tw[t].inflight = 1;
	long a[6] = { 0 };
	rt_host_syscall(0, a);
	if (tw[t].inflight) {
		/* woken on its own ethread, while it polled */
		if (T[t].state != T_RUNNING)
			BUG("call returned for thread %d in state %d", t, T[t].state);
		woken(&T[t]);
	}
	rt_call_end();
}

static int call(int t)
{
	eth.cur = &T[t];
	T[t].state = T_RUNNING;
	unspin();
	return MOCK_TRY(do_call(t));
}

/* An idle ethread polls: blocked threads woken here finish their call. */
static int idle_poll(void)
{
	eth.cur = &T[NT];
	unspin();
	int how = MOCK_TRY(rt_poll_completions());
	if (how != MOCK_RETURNED)
		return how;
	for (int t = 0; t < NT; t++)
		if (tw[t].blocked && T[t].state == T_RUNNABLE) {
			tw[t].blocked = 0;
			T[t].state = T_RUNNING;
			eth.cur = &T[t];
			how = MOCK_TRY(rt_call_end());
			if (how != MOCK_RETURNED)
				return how;
		}
	return MOCK_RETURNED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!shared)
		init();
	in_p = data;
	in_n = size;
	uint64_t nslots = 1 + u8() % MAX_SLOTS, rs = 1;
	while (rs < nslots)
		rs <<= 1;
	while (rs < MAX_RING && (u8() & 1))
		rs <<= 1;
	reset(nslots, rs);

	for (int step = 0; step < 64 && in_n; step++) {
		int how = MOCK_RETURNED;
		uint8_t op = u8();
		switch (op % 4) {
		case 0:
		case 1: {
			int t = u8() % NT;
			if (tw[t].blocked)
				break;
			how = call(t);
			break;
		}
		case 2:
			host_act();
			break;
		default:
			how = idle_poll();
			break;
		}
		if (how == MOCK_SECURITY)
			return 0; /* the enclave stops: a detected attack */
		if (how == MOCK_FATAL || how == MOCK_EXITED)
			BUG("the runtime stopped: %s", mock_fail_msg);
	}
	return 0;
}
