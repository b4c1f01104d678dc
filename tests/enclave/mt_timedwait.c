/*
 * Timeouts of the pthread primitives: pthread_cond_timedwait on
 * CLOCK_REALTIME and on a CLOCK_MONOTONIC condattr, pthread_mutex_timedlock
 * and sem_timedwait, each ~50 ms, measured with CLOCK_MONOTONIC (>= 50 ms,
 * < 2 s); a waiter signalled before its deadline does not time out.
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int flag;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static struct timespec in_50ms(clockid_t clk)
{
	struct timespec t;
	clock_gettime(clk, &t);
	t.tv_nsec += 50000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* The clock starts before the deadline is computed: a host call between the
 * two (clock_gettime in the enclave) must not shorten the measured time. */
#define TIMED(what, clk, expr)                                                              \
	do {                                                                                \
		double t0_ = now_ms();                                                      \
		ts = in_50ms(clk);                                                          \
		int r_ = (expr);                                                            \
		double dt_ = now_ms() - t0_;                                                \
		CHECK(r_ == ETIMEDOUT, "%s returned %d, not ETIMEDOUT", what, r_);          \
		CHECK(dt_ >= 49.9 && dt_ < 2000, "%s took %.1f ms (want ~50)", what, dt_); \
		printf("%s: %s\n", what, r_ == ETIMEDOUT ? "ETIMEDOUT" : "wrong");          \
	} while (0)

static void timeouts(void)
{
	pthread_condattr_t ca;
	pthread_cond_t mono;
	struct timespec ts;
	sem_t sem;
	pthread_condattr_init(&ca);
	CHECK(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0, "condattr_setclock");
	pthread_cond_init(&mono, &ca);
	pthread_mutex_lock(&mu);
	TIMED("cond_timedwait realtime", CLOCK_REALTIME, pthread_cond_timedwait(&cv, &mu, &ts));
	TIMED("cond_timedwait monotonic", CLOCK_MONOTONIC, pthread_cond_timedwait(&mono, &mu, &ts));
	/* a normal mutex we hold ourselves: times out */
	TIMED("mutex_timedlock", CLOCK_REALTIME, pthread_mutex_timedlock(&mu, &ts));
	pthread_mutex_unlock(&mu);
	sem_init(&sem, 0, 0);
	TIMED("sem_timedwait", CLOCK_REALTIME, sem_timedwait(&sem, &ts) == -1 ? errno : 0);
	sem_post(&sem);
	ts = in_50ms(CLOCK_REALTIME);
	CHECK(sem_timedwait(&sem, &ts) == 0, "sem_timedwait with a token");
	CHECK(sem_trywait(&sem) == -1 && errno == EAGAIN, "sem_trywait empty");
}

static void *signaller(void *arg)
{
	(void)arg;
	struct timespec d = { 0, 10000000 };
	nanosleep(&d, NULL);
	pthread_mutex_lock(&mu);
	flag = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* Signalled after ~10 ms, well before a 5 s deadline. */
static void signalled(void)
{
	pthread_t th;
	struct timespec ts;
	int r = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	double t0 = now_ms();
	pthread_mutex_lock(&mu);
	REQUIRE(pthread_create(&th, NULL, signaller, NULL) == 0, "create");
	while (!flag && r == 0)
		r = pthread_cond_timedwait(&cv, &mu, &ts);
	pthread_mutex_unlock(&mu);
	double dt = now_ms() - t0;
	CHECK(r == 0 && flag, "cond_timedwait signalled: %d", r);
	CHECK(dt >= 9.9 && dt < 2000, "signalled after %.1f ms (want ~10)", dt);
	printf("cond_timedwait signalled before its deadline: %s\n", r == 0 ? "woken" : "wrong");
	pthread_join(th, NULL);
}

int main(void)
{
	timeouts();
	signalled();
	return check_exit();
}
