/*
 * Fewer exits (batch.c): calls a single-threaded application makes that
 * need no exit of their own.  The hooks sit on the forwarding path
 * (dispatch.c) and in rt_host_prepare (queue.c).
 */
#ifndef SCONCE_BATCH_H
#define SCONCE_BATCH_H

#include <sys/syscall.h>
#include "sched.h"

/* rt_host_prepare: hand the thread's deferred calls, and the fstat an open
 * asks for, to the slot of its host call; the stat of the last open stops
 * being current. */
void rt_batch_to_slot(struct rt_thread *t, struct sconce_slot *s) RT_HIDDEN;
static inline void rt_batch_prepare(struct rt_thread *t, struct sconce_slot *s)
{
	if (__builtin_expect(t->npre | t->want_stat | t->stat_fd1 | t->cloexec_fd1, 0)) {
		rt_batch_to_slot(t, s);
		return;
	}
	s->npre = 0;
	s->post = 0;
}

/* Before a forwarded call: answer it without an exit (1, *ret set). */
int rt_batch_answer(long n, const long a[6], long *ret) RT_HIDDEN;
static inline int rt_batch_serve(long n, const long a[6], long *ret)
{
	switch (n) {
	case SYS_close: case SYS_fstat: case SYS_setsockopt: case SYS_fcntl: case SYS_flock:
		return rt_batch_answer(n, a, ret);
	}
	return 0;
}

/* After marshalling, before the host call: an open asks for its fstat. */
int rt_batch_ask_stat(long n, const long a[6]) RT_HIDDEN;
static inline int rt_batch_open(long n, const long a[6])
{
	return (n == SYS_open || n == SYS_openat) && rt_batch_ask_stat(n, a);
}

/* After the host's answer was checked: what the descriptors now are. */
void rt_batch_note(long n, const long a[6], long ret, int asked_stat) RT_HIDDEN;
static inline void rt_batch_after(long n, const long a[6], long ret, int asked_stat)
{
	switch (n) {
	case SYS_open: case SYS_openat: case SYS_close: case SYS_dup2: case SYS_dup3:
	case SYS_socket: case SYS_accept: case SYS_accept4:
		rt_batch_note(n, a, ret, asked_stat);
		break;
	}
}

/* Make the deferred calls now: before a second thread starts, and before
 * the thread sleeps inside the enclave. */
void rt_batch_flush(void) RT_HIDDEN;
static inline void rt_batch_flush_pending(void)
{
	if (__builtin_expect(rt_cur()->npre != 0, 0))
		rt_batch_flush();
}

#endif
