/*
 * Application threads: clone creates a user-level thread of the M:N
 * scheduler (musl's pthread_create passes its stack, TLS and tid
 * pointers), exit ends one, exit_group ends the process.  Thread ids are
 * the enclave's own; the main thread's equals the host's.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <sched.h>
#include "sched.h"
#include "batch.h"

int __sconce_set_thread_area(void *p) RT_HIDDEN;
int __sconce_set_thread_area(void *p)
{
	rt_cur()->fs = (uint64_t)(uintptr_t)p;
	rt_set_fs((uint64_t)(uintptr_t)p);
	return 0;
}

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)

int __sconce_clone(int (*fn)(void *), void *stack, int flags, void *arg,
		   int *ptid, void *tls, int *ctid) RT_HIDDEN;
int __sconce_clone(int (*fn)(void *), void *stack, int flags, void *arg,
		   int *ptid, void *tls, int *ctid)
{
	static int warned;
	if ((flags & THREAD_FLAGS) != THREAD_FLAGS) {
		if (!warned++)
			rt_log("clone: only threads can be created inside the enclave, not processes");
		return -ENOSYS;
	}
	if (!rt_inside((uintptr_t)stack - 64, 64) ||
	    ((flags & CLONE_PARENT_SETTID) && !rt_inside((uintptr_t)ptid, 4)) ||
	    ((flags & CLONE_CHILD_CLEARTID) && !rt_inside((uintptr_t)ctid, 4)))
		return -EFAULT;
	struct rt_thread *parent = rt_cur();
	/* Deferred calls (batch.c) hold only while this is the one thread. */
	rt_batch_flush_pending();
	struct rt_thread *t = rt_thread_new();
	if (!t)
		return -EAGAIN;
	t->fs = (flags & CLONE_SETTLS) ? (uint64_t)(uintptr_t)tls : parent->fs;
	t->sigmask = parent->sigmask;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_tid = ctid;
	if (flags & CLONE_PARENT_SETTID)
		*ptid = t->tid;
	rt_thread_setup(t, (uintptr_t)stack, fn, arg);
	rt_make_runnable(t);
	rt_kick();
	return t->tid;
}

/* A detached thread frees its own stack: do it after leaving that stack. */
RT_NORETURN void __sconce_unmapself(void *base, size_t size) RT_HIDDEN;
void __sconce_unmapself(void *base, size_t size)
{
	struct rt_thread *t = rt_cur();
	t->unmap_base = base;
	t->unmap_size = size;
	rt_sys_exit(0);
	__builtin_trap();
}

long rt_sys_set_tid_address(long p)
{
	struct rt_thread *t = rt_cur();
	t->clear_tid = rt_inside((uintptr_t)p, 4) ? (int *)p : 0;
	return t->tid;
}

long rt_sys_gettid(void)
{
	return rt_cur()->tid;
}

long rt_sys_getpid(void)
{
	return (long)rt.boot.pid;
}

long rt_sys_exit(long code)
{
	(void)code;
	rt_thread_exit(); /* the scheduler clears the tid once off our stack */
}

long rt_sys_exit_group(long code)
{
	rt_exit_process((int)code & 0xff);
}
