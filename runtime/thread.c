/*
 * Thread and process identity, thread-area setup and exit.  Application
 * threads are not available yet: clone returns ENOSYS until the M:N
 * scheduler exists, so pthread_create fails cleanly with EAGAIN.
 */
#include <errno.h>
#include "rt.h"

int __sconce_set_thread_area(void *p) RT_HIDDEN;
int __sconce_set_thread_area(void *p)
{
	rt_set_fs((uint64_t)(uintptr_t)p);
	return 0;
}

int __sconce_clone(int (*fn)(void *), void *stack, int flags, void *arg,
		   int *ptid, void *tls, int *ctid) RT_HIDDEN;
int __sconce_clone(int (*fn)(void *), void *stack, int flags, void *arg,
		   int *ptid, void *tls, int *ctid)
{
	static int warned;
	(void)fn; (void)stack; (void)flags; (void)arg; (void)ptid; (void)tls; (void)ctid;
	if (!warned++)
		rt_log("clone: application threads are not supported yet");
	return -ENOSYS;
}

RT_NORETURN void __sconce_unmapself(void *base, size_t size) RT_HIDDEN;
void __sconce_unmapself(void *base, size_t size)
{
	rt_sys_munmap((long)base, (long)size);
	rt_sys_exit(0);
	for (;;)
		__builtin_trap();
}

long rt_sys_set_tid_address(long p)
{
	(void)p;
	return rt_sys_gettid();
}

long rt_sys_gettid(void)
{
	return (long)rt.boot.tid;
}

long rt_sys_getpid(void)
{
	return (long)rt.boot.pid;
}

long rt_sys_exit(long code)
{
	/* With one application thread, its exit ends the process. */
	rt_exit_process((int)code & 0xff);
}

long rt_sys_exit_group(long code)
{
	rt_exit_process((int)code & 0xff);
}
