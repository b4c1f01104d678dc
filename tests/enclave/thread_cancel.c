/*
 * pthread_cancel of threads waiting in a condition variable (an
 * in-enclave futex wait, interrupted), in sleep (the in-enclave timer
 * queue) and in read on a pipe (a host call: cancelled at its next
 * cancellation point), with a cleanup handler.  Output must equal native.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static void cleanup(void *a) { printf("cleanup %s\n", (char*)a); pthread_mutex_unlock(&m); }
static void *waiter(void *a) { (void)a; pthread_mutex_lock(&m); pthread_cleanup_push(cleanup, "waiter"); for (;;) pthread_cond_wait(&c, &m); pthread_cleanup_pop(1); return 0; }
static void *sleeper(void *a) { (void)a; for (;;) sleep(1); return 0; }
static void *reader(void *a) { int *fd = a; char b; for (;;) if (read(fd[0], &b, 1) < 0) break; return 0; }
int main(void) { pthread_t t[3]; int p[2]; if (pipe(p)) return 1;
 pthread_create(&t[0], 0, waiter, 0); pthread_create(&t[1], 0, sleeper, 0); pthread_create(&t[2], 0, reader, p);
 usleep(50000); for (int i = 0; i < 3; i++) { void *r; pthread_cancel(t[i]); if (i == 2 && write(p[1], "x", 1) != 1) return 1; pthread_join(t[i], &r); printf("thread %d: %s\n", i, r == PTHREAD_CANCELED ? "canceled" : "not canceled"); }
 return 0; }
