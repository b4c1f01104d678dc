/*
 * Producers and consumers over blocking pipes.  4 producers write 16-byte
 * records (atomic: <= PIPE_BUF) into one pipe, 3 consumers read them; each
 * record must arrive exactly once, and each consumer sees every producer's
 * records in order.  Then a 3-stage chain of threads passes 4 MiB through
 * two pipes in writes larger than the pipe buffer.
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#define NP 4
#define NC 3
#define PER 5000
struct rec {
	uint32_t producer, seq, check, pad;
};

static int pfd[2];
static unsigned char seen[NP][PER];
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static long dup_count, bad_count, short_count, order_count, per_consumer[NC];

static void *producer(void *arg)
{
	uint32_t p = (uint32_t)(uintptr_t)arg;
	for (uint32_t s = 0; s < PER; s++) {
		struct rec r = { p, s, p * 2654435761u ^ s, 0 };
		ssize_t n = write(pfd[1], &r, sizeof r);
		CHECK(n == (ssize_t)sizeof r, "producer %u write %u: %zd", p, s, n);
		if (s % 997 == 0)
			sched_yield();
	}
	return NULL;
}

static void *consumer(void *arg)
{
	int c = (int)(uintptr_t)arg;
	long last[NP];
	for (int i = 0; i < NP; i++)
		last[i] = -1;
	for (;;) {
		struct rec r;
		ssize_t n = read(pfd[0], &r, sizeof r);
		if (n == 0)
			break;
		if (n != (ssize_t)sizeof r) {
			__atomic_fetch_add(&short_count, 1, __ATOMIC_RELAXED);
			CHECK(0, "consumer %d: read returned %zd", c, n);
			break;
		}
		if (r.producer >= NP || r.seq >= PER || r.check != (r.producer * 2654435761u ^ r.seq)) {
			__atomic_fetch_add(&bad_count, 1, __ATOMIC_RELAXED);
			continue;
		}
		if ((long)r.seq <= last[r.producer])
			__atomic_fetch_add(&order_count, 1, __ATOMIC_RELAXED);
		last[r.producer] = r.seq;
		pthread_mutex_lock(&seen_mu);
		if (seen[r.producer][r.seq]++)
			dup_count++;
		pthread_mutex_unlock(&seen_mu);
		per_consumer[c]++;
	}
	return NULL;
}

static void many_to_many(void)
{
	pthread_t p[NP], c[NC];
	REQUIRE(pipe(pfd) == 0, "pipe");
	for (int i = 0; i < NC; i++)
		REQUIRE(pthread_create(&c[i], NULL, consumer, (void *)(uintptr_t)i) == 0, "create");
	for (int i = 0; i < NP; i++)
		REQUIRE(pthread_create(&p[i], NULL, producer, (void *)(uintptr_t)i) == 0, "create");
	for (int i = 0; i < NP; i++)
		pthread_join(p[i], NULL);
	close(pfd[1]); /* consumers see EOF once the pipe drains */
	for (int i = 0; i < NC; i++)
		pthread_join(c[i], NULL);
	close(pfd[0]);
	long missing = 0, total = 0;
	for (int i = 0; i < NP; i++)
		for (int s = 0; s < PER; s++)
			missing += !seen[i][s];
	for (int i = 0; i < NC; i++)
		total += per_consumer[i];
	printf("records: %ld received, %ld missing, %ld duplicated, %ld corrupt, %ld out of order\n",
	       total, missing, dup_count, bad_count, order_count);
	CHECK(total == NP * PER && !missing && !dup_count && !bad_count && !order_count &&
	      !short_count, "every record exactly once");
}

#define CHAIN (4 << 20)
#define CHUNK (200 * 1024)
static int a[2], b[2];

static void *stage1(void *arg)
{
	(void)arg;
	static unsigned char buf[CHUNK];
	for (size_t off = 0; off < CHAIN; off += CHUNK) {
		size_t len = CHAIN - off < CHUNK ? CHAIN - off : CHUNK, done = 0;
		pattern_fill(buf, len, off, 7);
		while (done < len) {
			ssize_t n = write(a[1], buf + done, len - done);
			REQUIRE(n > 0, "stage 1 write");
			done += (size_t)n;
		}
	}
	close(a[1]);
	return NULL;
}

static void *stage2(void *arg)
{
	(void)arg;
	static unsigned char buf[65536 + 3];
	ssize_t n;
	while ((n = read(a[0], buf, sizeof buf)) > 0)
		for (ssize_t done = 0, w; done < n; done += w)
			REQUIRE((w = write(b[1], buf + done, (size_t)(n - done))) > 0, "stage 2 write");
	CHECK(n == 0, "stage 2 read");
	close(b[1]);
	return NULL;
}

static void chain(void)
{
	static unsigned char buf[100000];
	pthread_t t1, t2;
	size_t got = 0, bad = (size_t)-1;
	ssize_t n;
	REQUIRE(pipe(a) == 0 && pipe(b) == 0, "pipes");
	REQUIRE(pthread_create(&t2, NULL, stage2, NULL) == 0, "create");
	REQUIRE(pthread_create(&t1, NULL, stage1, NULL) == 0, "create");
	while ((n = read(b[0], buf, sizeof buf)) > 0) {
		size_t at = pattern_check(buf, (size_t)n, got, 7);
		if (at != (size_t)-1 && bad == (size_t)-1)
			bad = got + at;
		got += (size_t)n;
	}
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	printf("chain: %zu bytes through 2 pipes, %s\n", got, bad == (size_t)-1 ? "intact" : "corrupt");
	CHECK(got == CHAIN && bad == (size_t)-1, "chain: got %zu, first bad byte %zd", got, (ssize_t)bad);
}

int main(void)
{
	many_to_many();
	chain();
	return check_exit();
}
