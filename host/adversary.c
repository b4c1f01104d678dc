/*
 * The adversarial host (see adversary.h).  Each case lies about one kind
 * of result, in one class of Iago attack; the enclave must stop with a
 * security error naming the call and the rule, and never use the value.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "adversary.h"
#include "queue.h"

struct adv_case {
	const char *name;
	const char *what;
	long nr;            /* the call it lies about; -1: any */
	int async_only;
	void (*lie)(struct enclave *e, struct sconce_slot *s, uint64_t i);
};

static const struct adv_case *active;
static unsigned long hits;

static void oversized_count(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	if (s->ret >= 0)
		s->ret = (int64_t)s->args[2] + 1;
}

static void error_out_of_range(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	s->ret = -100000;
}

static void negative_size(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	if (s->ret == 0) {
		int64_t minus = -1;
		memcpy((char *)s->args[1] + 48, &minus, 8); /* st_size */
	}
}

static void fd_out_of_range(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	if (s->ret >= 0)
		s->ret = 1 << 24;
}

static void malformed_dirent(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	if (s->ret > 0) {
		uint16_t reclen = 0xfff8;
		memcpy((char *)s->args[1] + 16, &reclen, 2);
	}
}

static void oversized_sockaddr(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	if (s->ret >= 0 && s->args[2]) {
		uint32_t len = 4096;
		memcpy((void *)s->args[2], &len, 4);
	}
}

static void poll_count(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	s->ret = (int64_t)s->args[1] + 1;
}

static void poll_phantom(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	struct { int fd; short ev, rev; } *p = (void *)s->args[0];
	for (uint64_t k = 0; k < s->args[1]; k++)
		p[k].rev = 0;
	s->ret = 1;
}

static void epoll_count(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	s->ret = (int64_t)s->args[2] + 1;
}

/* An event for a descriptor the enclave never registered on that epoll
 * instance (the enclave gives the host descriptor numbers as event data). */
static void epoll_foreign(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	if (s->ret >= 1 && s->args[2] >= 1) {
		uint32_t events = 1; /* EPOLLIN */
		uint64_t fd = 999;
		memcpy((char *)s->args[1], &events, 4);
		memcpy((char *)s->args[1] + 4, &fd, 8);
	}
}

static void clock_backwards(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	if (s->args[0] == 1 /* CLOCK_MONOTONIC */ && s->ret == 0 && hits > 1) {
		int64_t zero[2] = { 0, 0 };
		memcpy((void *)s->args[1], zero, sizeof(zero));
	}
}

/* Not a lie but a delay: every other clock reading is answered 5 ms late,
 * as when the host thread loses its CPU right after the call.  The
 * enclave's clocks must stay consistent (tests/70-time-ids-random.t). */
static void slow_clock(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)s; (void)i;
	if (hits % 2 == 0) {
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
}

static void pointer_into_enclave(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)i;
	uint64_t inside = (uint64_t)(uintptr_t)e->base + 0x1000;
	memcpy((char *)s->args[1], &inside, 8); /* msghdr.msg_name */
}

/* Keep rewriting the slot after it was answered: the enclave must have
 * taken one copy and validated that, whatever it reads later. */
static struct sconce_slot *racing_slot;
static uint8_t *racing_data;
static void *racer(void *arg)
{
	(void)arg;
	for (;;) {
		struct sconce_slot *s = __atomic_load_n(&racing_slot, __ATOMIC_ACQUIRE);
		/* Only while the slot holds a read: later calls reusing the
		 * slot would otherwise get garbage addresses (a connect to
		 * nowhere blocks for minutes, a denial of service, not the
		 * double fetch this case is about). */
		if (s && __atomic_load_n(&s->nr, __ATOMIC_RELAXED) == SYS_read) {
			s->ret = 1 << 30;
			memset(racing_data, 0xa5, 64);
		}
	}
	return NULL;
}

static void double_fetch(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	static pthread_t th;
	racing_data = e->shared + e->boot->bounce_off + i * e->boot->bounce_size;
	__atomic_store_n(&racing_slot, s, __ATOMIC_RELEASE);
	if (!th)
		pthread_create(&th, NULL, racer, NULL);
}

static void injected_signal(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)s; (void)i;
	struct sconce_control *c = (void *)(e->shared + e->boot->control_off);
	__atomic_fetch_or(&c->signals, 1ull << (strcmp(active->name, "unarmed-alarm") ? SIGSEGV - 1 : SIGALRM - 1),
			  __ATOMIC_SEQ_CST);
}

/* Not a lie but a crash at the worst moment of a commit: the host writes
 * the new fspf in place, then cuts the file to half its length and dies,
 * as a power cut during that write could leave it (the header, with the
 * new tag, on disk; the rest torn).  The next start must redo the commit
 * from the journal. */
static long fspf_fd = -1;

static void torn_fspf(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)i;
	if ((long)s->nr == SYS_openat && s->ret >= 0 && (s->args[2] & O_TRUNC)) {
		const char *p = (const char *)(uintptr_t)s->args[1];
		size_t n = strlen(p);
		if (n > 5 && !strcmp(p + n - 5, ".fspf"))
			fspf_fd = s->ret;
	} else if ((long)s->nr == SYS_pwrite64 && fspf_fd >= 0 && (long)s->args[0] == fspf_fd &&
		   s->ret > 1) {
		if (ftruncate((int)fspf_fd, s->ret / 2) == 0)
			kill(getpid(), SIGKILL);
	}
}

static void no_lie(struct enclave *e, struct sconce_slot *s, uint64_t i)
{
	(void)e; (void)s; (void)i;
}

static const struct adv_case cases[] = {
	{ "read-oversized", "read returns more bytes than were asked for", SYS_read, 0, oversized_count },
	{ "read-bad-error", "read returns an error value outside -4095..-1", SYS_read, 0, error_out_of_range },
	{ "fstat-negative-size", "fstat reports a negative file size", SYS_fstat, 0, negative_size },
	{ "openat-bad-fd", "openat returns a descriptor number beyond any limit", SYS_openat, 0, fd_out_of_range },
	{ "getdents-malformed", "getdents64 returns a record longer than the data", SYS_getdents64, 0, malformed_dirent },
	{ "accept-sockaddr-oversized", "accept4 reports a socket address longer than the buffer", SYS_accept4, 0, oversized_sockaddr },
	{ "poll-count", "poll reports more ready descriptors than it was given", SYS_poll, 0, poll_count },
	{ "poll-phantom", "poll reports a ready descriptor with no events", SYS_poll, 0, poll_phantom },
	{ "epoll-count", "epoll_pwait returns more events than maxevents", SYS_epoll_pwait, 0, epoll_count },
	{ "epoll-foreign-fd", "epoll_pwait reports a descriptor that was never registered", SYS_epoll_pwait, 0, epoll_foreign },
	{ "clock-backwards", "CLOCK_MONOTONIC goes back to zero", SYS_clock_gettime, 0, clock_backwards },
	{ "slow-clock", "every other clock_gettime is answered 5 ms late (a delay, not a lie)", SYS_clock_gettime, 0, slow_clock },
	{ "recvmsg-pointer", "recvmsg points the message header's name into the enclave", SYS_recvmsg, 0, pointer_into_enclave },
	{ "double-fetch", "read's result and data keep changing after the answer", SYS_read, 0, double_fetch },
	{ "unsolicited-completion", "a completion for a slot with no request", -1, 1, no_lie },
	{ "replayed-completion", "the same completion posted twice", -1, 1, no_lie },
	{ "injected-signal", "the host forwards SIGSEGV, which no other process can send", SYS_getppid, 0, injected_signal },
	{ "unarmed-alarm", "the host forwards SIGALRM although no alarm was set", SYS_getppid, 0, injected_signal },
	{ "torn-fspf", "the host dies while rewriting the fspf, leaving it torn after its header", -1, 0, torn_fspf },
};

void adversary_list(FILE *f)
{
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		fprintf(f, "%-26s %s\n", cases[k].name, cases[k].what);
}

int adversary_select(const char *name, int async)
{
	const char *allow = getenv("SCONCE_ALLOW_ADVERSARY");
	if (!allow || strcmp(allow, "1")) {
		host_err("adversary: refusing to lie to the enclave unless SCONCE_ALLOW_ADVERSARY=1 (testing only)");
		return -1;
	}
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		if (strcmp(cases[k].name, name))
			continue;
		if (cases[k].async_only && !async) {
			host_err("adversary: %s needs --syscalls=async", name);
			return -1;
		}
		active = &cases[k];
		slot_calls_inspected();
		return 0;
	}
	host_err("adversary: no case '%s' (see --adversary=list)", name);
	return -1;
}

void adversary_result(struct enclave *e, uint64_t i)
{
	struct sconce_slot *s = (struct sconce_slot *)(e->shared + e->boot->slots_off) + i;
	/* The fstat fused to an open (runtime/batch.c) lies the same way. */
	if (active && active->lie == negative_size && s->post == SCONCE_POST_FSTAT &&
	    s->ret >= 0 && s->post_ret == 0) {
		int64_t minus = -1;
		memcpy((char *)s->post_arg + 48, &minus, 8);
	}
	if (!active || (active->nr >= 0 && (long)s->nr != active->nr))
		return;
	hits++;
	active->lie(e, s, i);
}

void adversary_completed(struct enclave *e, uint64_t v)
{
	uint64_t i = v & 0xffffffffu;
	if (!active || !active->async_only || hits++ < 2)
		return;
	struct sconce_ring *done = (struct sconce_ring *)(e->shared + e->boot->complete_off);
	uint64_t mask = e->boot->ring_size - 1;
	if (!strcmp(active->name, "replayed-completion"))
		ring_push(done, mask, v);
	else
		ring_push(done, mask, (v & ~0xffffffffull) | ((i + 1) % e->boot->nslots));
}

/* ---- the leak check ---- */

static int leak_checking;

void leak_check_enable(void)
{
	leak_checking = 1;
	slot_calls_inspected();
}

void leak_check(struct enclave *e, uint64_t i)
{
	if (!leak_checking)
		return;
	const struct sconce_slot *s = (const struct sconce_slot *)(e->shared + e->boot->slots_off) + i;
	uintptr_t base = (uintptr_t)e->base;
	const char *where = NULL;
	uint64_t bad = 0;
	for (int k = 0; k < 6 && !where; k++)
		if (s->args[k] - base < e->size)
			where = "an argument", bad = s->args[k];
	uint64_t npre = s->npre < SCONCE_SLOT_PRE_MAX ? s->npre : SCONCE_SLOT_PRE_MAX;
	for (uint64_t p = 0; p < npre && !where; p++)
		for (int k = 0; k < 5 && !where; k++)
			if (s->pre[p].args[k] - base < e->size)
				where = "a deferred call's argument", bad = s->pre[p].args[k];
	if (!where && s->post && s->post_arg - base < e->size)
		where = "the fused call's argument", bad = s->post_arg;
	uint64_t used = s->bounce_used < e->boot->bounce_size ? s->bounce_used : e->boot->bounce_size;
	const uint64_t *w = (const uint64_t *)(e->shared + e->boot->bounce_off + i * e->boot->bounce_size);
	for (uint64_t k = 0; k < used / 8 && !where; k++)
		if (w[k] - base < e->size)
			where = "the data", bad = w[k];
	if (where) {
		host_err("leak check: system call %llu carries enclave address 0x%llx in %s",
			 (unsigned long long)s->nr, (unsigned long long)bad, where);
		_exit(124);
	}
}
