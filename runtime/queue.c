/*
 * Host calls through slots and queues.  A thread making a forwarded call
 * owns one request slot (its arguments and bounce buffer in untrusted
 * memory) for the duration of the call.  Synchronously, the ethread exits
 * and the host runs the slot; asynchronously, the slot number goes into
 * the submission ring, a host worker runs it and puts the number into the
 * completion ring, and meanwhile the thread parks or polls.
 *
 * Everything read back from shared memory is hostile: the enclave keeps
 * its own record of which slots have a request outstanding and who owns
 * them, so a completion for a slot with no request, or a replayed one, is
 * caught rather than believed.
 */
#include <errno.h>
#include <string.h>
#include "sched.h"
#include "batch.h"

/* A slot's request is SUBMITTED from the push on the submission ring to
 * its completion, and IDLE otherwise (free, or in a synchronous call):
 * only a submitted request may complete. */
enum { SLOT_IDLE = 0, SLOT_SUBMITTED };

static struct {
	struct sconce_slot *slots;
	uint8_t *bounce;
	uint64_t n, bounce_size;
	struct sconce_ring *submit, *complete;
	uint64_t ring_mask;
	/* trusted bookkeeping, inside the enclave */
	volatile int lock;
	uint32_t *free;
	uint64_t nfree;
	uint8_t *state;
	struct rt_thread **owner;
	uint64_t outstanding;  /* requests submitted and not completed */
} Q;

static uint32_t free_stack[SCONCE_MAX_SLOTS];
/* Each submission gets a new generation, echoed in its completion, so a
 * replayed completion cannot pass for the slot's next request. */
static uint32_t slot_gen[SCONCE_MAX_SLOTS];
static uint8_t slot_state[SCONCE_MAX_SLOTS];
static struct rt_thread *slot_owner[SCONCE_MAX_SLOTS];

void rt_queue_init(void)
{
	const struct sconce_boot *b = &rt.boot;
	Q.slots = (struct sconce_slot *)(rt.shared + b->slots_off);
	Q.bounce = (uint8_t *)(rt.shared + b->bounce_off);
	Q.n = b->nslots;
	Q.bounce_size = b->bounce_size;
	Q.submit = (struct sconce_ring *)(rt.shared + b->submit_off);
	Q.complete = (struct sconce_ring *)(rt.shared + b->complete_off);
	Q.ring_mask = b->ring_size - 1;
	Q.free = free_stack;
	Q.state = slot_state;
	Q.owner = slot_owner;
	for (uint64_t i = 0; i < Q.n; i++)
		Q.free[i] = (uint32_t)(Q.n - 1 - i);
	Q.nfree = Q.n;
}

static void lock(volatile int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(volatile int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* ---- the ring (Vyukov's bounded MPMC queue) ---- */

/* A cell still held by a consumer that was preempted between claiming it
 * and releasing it looks full: that is transient (or, if the host never
 * releases it, a denial of service, which is out of scope), so the caller
 * retries rather than treating it as an attack. */
static int ring_push(struct sconce_ring *r, uint64_t v)
{
	uint64_t pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	for (int tries = 0; tries < 64; tries++) {
		struct sconce_ring_cell *c = &r->cell[pos & Q.ring_mask];
		uint64_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		int64_t dif = (int64_t)(seq - pos);
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&r->head, &pos, pos + 1, 1,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				c->val = v;
				__atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
				return 0;
			}
		} else if (dif < 0) {
			return -EAGAIN;
		} else {
			pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
		}
	}
	return -EAGAIN;
}

static int ring_pop(struct sconce_ring *r, uint64_t *v)
{
	uint64_t pos = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
	for (int tries = 0; tries < 1 << 20; tries++) {
		struct sconce_ring_cell *c = &r->cell[pos & Q.ring_mask];
		uint64_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		int64_t dif = (int64_t)(seq - (pos + 1));
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&r->tail, &pos, pos + 1, 1,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				*v = RT_READ_ONCE(c->val);
				__atomic_store_n(&c->seq, pos + Q.ring_mask + 1, __ATOMIC_RELEASE);
				return 0;
			}
		} else if (dif < 0) {
			return -EAGAIN; /* empty */
		} else {
			pos = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
		}
	}
	return -EAGAIN;
}

/* ---- slots ---- */

/*
 * Each ethread keeps a few free slots of its own, so that taking and
 * returning one touches no shared lock: with several ethreads making calls
 * at once, the one global lock's cache line moved between cores twice per
 * call (a sixth of the time of two threads calling getppid).  The global
 * stack refills and drains the caches in batches.  Each cache has a lock
 * that only its owner takes in the common case (so its line stays in the
 * owner's cache); when the global stack runs dry, a thread takes from
 * another ethread's cache, so a slot never sits idle in a sleeping
 * ethread's cache while a thread waits for one.  Lock order: a cache,
 * then the global stack; never two caches.
 */
#define CACHE_MAX 8
#define CACHE_BATCH 4

static struct slot_cache {
	volatile int lock;
	uint32_t n;
	uint32_t slot[CACHE_MAX];
} __attribute__((aligned(64))) caches[SCONCE_MAX_ETHREADS];

static struct slot_cache *own_cache(void)
{
	return &caches[rt_self()->index % SCONCE_MAX_ETHREADS];
}

/* With c locked: move up to a batch from the global stack into c. */
static void refill(struct slot_cache *c)
{
	lock(&Q.lock);
	while (Q.nfree && c->n < CACHE_BATCH)
		c->slot[c->n++] = Q.free[--Q.nfree];
	unlock(&Q.lock);
}

/* With c locked and full: move a batch back to the global stack. */
static void drain(struct slot_cache *c)
{
	lock(&Q.lock);
	while (c->n > CACHE_MAX - CACHE_BATCH)
		Q.free[Q.nfree++] = c->slot[--c->n];
	unlock(&Q.lock);
}

static int take_cached(struct slot_cache *c, int refilling)
{
	int slot = -1;
	lock(&c->lock);
	if (!c->n && refilling)
		refill(c);
	if (c->n)
		slot = (int)c->slot[--c->n];
	unlock(&c->lock);
	return slot;
}

void rt_call_begin(void)
{
	struct rt_thread *t = rt_cur();
	if (t->slot >= 0)
		rt_fatal("nested host call");
	for (;;) {
		struct slot_cache *own = own_cache();
		int slot = take_cached(own, 1);
		for (uint32_t k = 0; slot < 0 && k < rt.ethreads; k++)
			if (&caches[k] != own)
				slot = take_cached(&caches[k], 0);
		if (slot >= 0) {
			t->slot = slot;
			break;
		}
		rt_yield(); /* all slots in flight: let their owners finish */
		__builtin_ia32_pause();
	}
	t->bounce_used = 0;
}

void rt_call_end(void)
{
	struct rt_thread *t = rt_cur();
	struct slot_cache *c = own_cache();
	lock(&c->lock);
	if (c->n == CACHE_MAX)
		drain(c);
	c->slot[c->n++] = (uint32_t)t->slot;
	unlock(&c->lock);
	t->slot = -1;
}

void *rt_bounce_alloc(size_t n)
{
	struct rt_thread *t = rt_cur();
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n || need > Q.bounce_size - t->bounce_used)
		return 0;
	uint8_t *p = Q.bounce + (uint64_t)t->slot * Q.bounce_size + t->bounce_used;
	t->bounce_used += need;
	/* Clear the padding: stale bytes from an earlier call must not sit
	 * next to this call's data (and confuse the leak check). */
	memset(p + n, 0, need - n);
	return p;
}

void rt_bounce_reset(void)
{
	rt_cur()->bounce_used = 0;
}

size_t rt_bounce_avail(void)
{
	return Q.bounce_size - rt_cur()->bounce_used;
}

int rt_requests_outstanding(void)
{
	return RT_READ_ONCE(Q.outstanding) != 0;
}

/* Requests are waiting and no worker spins: every worker is busy in a
 * long call or asleep.  Ask the host for one (it wakes or adds a worker). */
void rt_workers_check(void)
{
	if (RT_READ_ONCE(Q.outstanding) && !RT_READ_ONCE(rt.ctl->workers_spinning))
		rt_ocall(SCONCE_OCALL_WAKE_WORKER, 0);
}

/* Take completions off the ring and wake their owners.  Returns how many. */
int rt_poll_completions(void)
{
	struct rt_thread *self = rt_cur();
	uint64_t v;
	int n = 0, kick = 0;
	while (ring_pop(Q.complete, &v) == 0) {
		uint32_t gen = (uint32_t)(v >> 32);
		v &= 0xffffffffu;
		if (v >= Q.n)
			rt_security_fail("completion queue", "slot number out of range");
		if (RT_READ_ONCE(Q.state[v]) != SLOT_SUBMITTED)
			rt_security_fail("completion queue", "response for a slot with no request");
		if (gen != RT_READ_ONCE(slot_gen[v]))
			rt_security_fail("completion queue", "replayed response for an earlier request");
		uint8_t expected = SLOT_SUBMITTED;
		if (!__atomic_compare_exchange_n(&Q.state[v], &expected, SLOT_IDLE, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			rt_security_fail("completion queue", "response for a slot with no request");
		struct rt_thread *t = Q.owner[v];
		__atomic_fetch_sub(&Q.outstanding, 1, __ATOMIC_RELAXED);
		n++;
		if (t == self) {
			int w = T_WAITING;
			__atomic_compare_exchange_n(&t->state, &w, T_RUNNING, 0, __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE);
		} else {
			kick |= rt_wake(t, W_IO);
		}
	}
	if (kick)
		rt_kick();
	return n;
}

/* The host's answer, read once; an interrupted call is noted for the
 * safe point (__sconce_syscall), which restarts it or delivers. */
static long result(struct rt_thread *t, struct sconce_slot *s)
{
	long r = RT_READ_ONCE(s->ret);
	if (r == -EINTR)
		t->host_eintr = 1;
	return r;
}

/*
 * Adaptive mode: a call may leave with its ethread (the cheapest path when
 * the host is quick, and the only one that does not need a second core)
 * when no other application thread can need that ethread meanwhile —
 * otherwise a blocking call (accept, a read on an idle socket) would hold
 * back threads that could run.  Either another ethread stays outside any
 * host call to run them, or nothing could become runnable without a
 * running thread: nothing queued, no request of another thread in flight
 * (its completion would need an ethread), no thread waiting for a
 * deadline.  A thread woken later by a running thread is queued by that
 * thread's ethread, which runs it.
 *
 * Which ethreads are in such an exit is a flag per ethread, each in a
 * cache line of its own, not a shared counter: with several ethreads
 * calling at once, a counter's line moved between cores twice per call.
 * A claim sets its flag, fences, and looks for another ethread whose flag
 * is clear, starting with the one found last time (usually an idle one,
 * whose line does not move).  As with Dekker's algorithm, of ethreads
 * claiming at the same time at least the last to fence sees all the
 * others' flags, so they cannot all leave on the strength of each other.
 */
static struct {
	volatile uint32_t v;
	uint32_t last_out; /* the ethread found outside last time */
} __attribute__((aligned(64))) exiting[SCONCE_MAX_ETHREADS];

static unsigned own_index(void)
{
	return (unsigned)(rt_self()->index % SCONCE_MAX_ETHREADS);
}

static int exit_claim(void)
{
	unsigned me = own_index(), n = rt.ethreads;
	exiting[me].v = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	unsigned last = exiting[me].last_out;
	if (last != me && last < n && !exiting[last].v)
		return 1;
	for (unsigned k = n - 1; k > 0; k--) {
		unsigned j = (me + k) % n;
		if (!exiting[j].v) {
			exiting[me].last_out = j;
			return 1;
		}
	}
	if (!rt_have_runnable() && !RT_READ_ONCE(Q.outstanding) && !rt_timers_armed())
		return 1;
	exiting[me].v = 0;
	return 0;
}

/* Fill this thread's slot with the call.  Returns the slot when the call
 * is to leave with this ethread (sync mode, or an adaptive exit claimed):
 * the caller then exits for it and reads the answer with rt_host_exited
 * (rt_host_call in rt.h); -1 when it goes through the queues
 * (rt_host_queued). */
int rt_host_prepare(long nr, const long args[6])
{
	struct rt_thread *t = rt_cur();
	struct sconce_slot *s = &Q.slots[t->slot];

	s->nr = (uint64_t)nr;
	for (int k = 0; k < 6; k++)
		s->args[k] = (uint64_t)args[k];
	rt_batch_prepare(t, s);
	s->bounce_used = t->bounce_used;
	return !rt.async || (rt.adaptive && exit_claim()) ? t->slot : -1;
}

long rt_host_exited(void)
{
	struct rt_thread *t = rt_cur();
	if (rt.async)
		__atomic_store_n(&exiting[own_index()].v, 0, __ATOMIC_RELEASE);
	return result(t, &Q.slots[t->slot]);
}

long rt_host_queued(void)
{
	struct rt_thread *t = rt_cur();
	int i = t->slot;
	struct sconce_slot *s = &Q.slots[i];

	RT_STAT(async);
	Q.owner[i] = t;
	t->state = T_WAITING;
	__atomic_store_n(&Q.state[i], SLOT_SUBMITTED, __ATOMIC_RELEASE);
	uint64_t tag = (uint64_t)++slot_gen[i] << 32 | (uint64_t)i;
	while (ring_push(Q.submit, tag) < 0) {
		rt_poll_completions();
		__builtin_ia32_pause();
	}
	__atomic_fetch_add(&Q.outstanding, 1, __ATOMIC_RELAXED);
	/* A spinning worker will see the ring.  If every worker sleeps, wake
	 * one now; if some are busy, give them a moment (rt_workers_check). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Every worker asleep means none spins; these two words rarely change,
	 * so this costs no cache miss per call (workers_spinning would). */
	if (RT_READ_ONCE(rt.ctl->workers_sleeping) == RT_READ_ONCE(rt.ctl->workers_total))
		rt_ocall(SCONCE_OCALL_WAKE_WORKER, 0);
	/* Poll rather than switch while nothing else could run here. */
	for (uint64_t k = 0; k < rt.boot.spin; k++) {
		rt_poll_completions();
		if (t->state == T_RUNNING)
			return result(t, s);
		if (t->state != T_WAITING || rt_have_runnable())
			break; /* others could run here, or another ethread woke us */
		if (k == rt.boot.spin / 2)
			rt_workers_check();
		__builtin_ia32_pause();
	}
	rt_park();
	return result(t, s);
}

long rt_host_syscall(long nr, const long args[6])
{
	return rt_host_call(nr, args);
}
