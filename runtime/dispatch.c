/*
 * The funnel: every system call musl makes arrives here.  Calls the
 * enclave can answer itself are served inside; everything else is
 * marshalled and forwarded to the host by rt_forward.
 */
#include <errno.h>
#include <sys/syscall.h>
#include "sched.h"
#include "batch.h"
#include "fs/hook.h"
#include "console/console.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

static long sys_arch_prctl(long code, long addr)
{
	if (code == ARCH_SET_FS) {
		rt_set_fs((uint64_t)addr);
		return 0;
	}
	if (code == ARCH_GET_FS) {
		if (!rt_inside((uintptr_t)addr, 8))
			return -EFAULT;
		*(uint64_t *)addr = rt_self()->fsbase;
		return 0;
	}
	return -EINVAL;
}

static long refuse(long nr, const char *why)
{
	static uint64_t warned[8];
	if (nr >= 0 && nr < 512 && !(warned[nr / 64] & (1ull << (nr % 64)))) {
		warned[nr / 64] |= 1ull << (nr % 64);
		rt_log("%s: %s", rt_syscall_name(nr), why);
	}
	return -ENOSYS;
}

/* Serve a call inside, or return with *forward set for an ordinary
 * forwarded call, which the caller makes itself (forward_here). */
static long serve(long n, long a1, long a2, long a3, long a4, long a5, long a6, int *forward)
{
	/* The enclave's own /proc files (procfs.c), whatever the shields say:
	 * they describe enclave memory, which no host file may stand for. */
	if (n == SYS_open || n == SYS_openat || RT_READ_ONCE(rt_procfs_open_files)) {
		long pa[6] = { a1, a2, a3, a4, a5, a6 }, r;
		if (rt_procfs_dispatch(n, pa, &r))
			return r;
	}
	/* The file-system shield next: it takes calls on protected paths
	 * and descriptors (including file mmap and the commit at exit_group). */
	if (rt_fs_enabled()) {
		long fa[6] = { a1, a2, a3, a4, a5, a6 }, r;
		if (rt_fs_dispatch(n, fa, &r))
			return r;
	}
	/* Then the console and network shields (runtime/console, runtime/net):
	 * fds 1 and 2, and sockets on protected ports and destinations. */
	if (rt_shields_enabled()) {
		long sa[6] = { a1, a2, a3, a4, a5, a6 }, r;
		if (rt_console_dispatch(n, sa, &r) || rt_net_dispatch(n, sa, &r))
			return r;
	}
	switch (n) {
	case SYS_futex: case SYS_nanosleep: case SYS_clock_nanosleep: case SYS_rt_sigsuspend:
	case SYS_pause: case SYS_rt_sigtimedwait:
		/* the thread may sleep inside: deferred calls must not wait */
		rt_batch_flush_pending();
		break;
	}
	switch (n) {
	case SYS_mmap: return rt_sys_mmap(a1, a2, a3, a4, a5, a6);
	case SYS_munmap: return rt_sys_munmap(a1, a2);
	case SYS_mremap: return rt_sys_mremap(a1, a2, a3, a4, a5);
	case SYS_mprotect: return rt_sys_mprotect(a1, a2, a3);
	case SYS_madvise: return rt_sys_madvise(a1, a2, a3);
	case SYS_brk: return rt_sys_brk(a1);
	case SYS_msync: return rt_shmap_sync(a1, a2, a3);
	case SYS_mlock:
	case SYS_munlock:
	case SYS_membarrier:
		return 0;
	case SYS_getrandom: return rt_sys_getrandom(a1, a2, a3);
	case SYS_rt_sigaction: return rt_sys_rt_sigaction(a1, a2, a3, a4);
	case SYS_rt_sigprocmask: return rt_sys_rt_sigprocmask(a1, a2, a3, a4);
	case SYS_sigaltstack: return rt_sys_sigaltstack(a1, a2);
	case SYS_rt_sigreturn: return rt_sys_rt_sigreturn();
	case SYS_kill: return rt_sys_kill(a1, a2);
	case SYS_tkill: return rt_sys_tkill(a1, a2);
	case SYS_tgkill: return rt_sys_tgkill(a1, a2, a3);
	case SYS_set_tid_address: return rt_sys_set_tid_address(a1);
	case SYS_gettid: return rt_sys_gettid();
	case SYS_getpid: return rt_sys_getpid();
	case SYS_exit: return rt_sys_exit(a1);
	case SYS_exit_group:
		rt_shmap_sync_all();
		return rt_sys_exit_group(a1);
	case SYS_arch_prctl: return sys_arch_prctl(a1, a2);
	case SYS_futex: return rt_sys_futex(a1, a2, a3, a4, a5, a6);
	case SYS_nanosleep: return rt_sys_nanosleep(a1, a2);
	case SYS_clock_gettime: return rt_sys_clock_gettime(a1, a2);
	case SYS_gettimeofday: return rt_sys_gettimeofday(a1, a2);
	case SYS_clock_nanosleep: return rt_sys_clock_nanosleep(a1, a2, a3, a4);
	case SYS_sched_yield:
		rt_yield();
		return 0;
	case SYS_rt_sigsuspend: return rt_sys_rt_sigsuspend(a1, a2);
	case SYS_rt_sigpending: return rt_sys_rt_sigpending(a1, a2);
	case SYS_rt_sigtimedwait: return rt_sys_rt_sigtimedwait(a1, a2, a3, a4);
	case SYS_pause: return rt_sys_rt_sigsuspend(0, 8);
	case SYS_alarm:
	case SYS_setitimer:
		rt_signal_alarm_armed();
		break;
	case SYS_set_robust_list:
		return 0;
	case SYS_clone:
	case SYS_clone3:
	case SYS_fork:
	case SYS_vfork:
		return refuse(n, "new processes and threads cannot be created inside the enclave yet");
	case SYS_execve:
	case SYS_execveat:
		return refuse(n, "a new program cannot be executed inside the enclave");
	}
	*forward = 1;
	return 0;
}

/*
 * An ordinary forwarded call (rt_forward), with the exit made from the
 * frame of __sconce_syscall: the host's system call leaves the CPU's
 * return predictor empty, so each return to a frame older than the exit
 * mispredicts (~7 ns each on this machine).  Exiting at the bottom of
 * rt_forward's chain cost about six more of those than exiting here, one
 * frame below the application's libc function; what runs after the exit
 * (fw_complete, rt_call_end) makes fresh calls and predicts well.
 */
static inline __attribute__((always_inline)) long forward_here(long n, const long a[6])
{
	struct fw_call c;
	long r;
	if (rt_batch_serve(n, a, &r))
		return r;
	rt_call_begin();
	if (fw_prepare(&c, n, a, &r)) {
		int stat = rt_batch_open(n, a);
		r = fw_complete(&c, rt_host_call(n, c.h));
		rt_batch_after(n, a, r, stat);
	}
	rt_call_end();
	return rt_forward_after(n, a, r, c.asked);
}

/* Calls that Linux never restarts after a handler, whatever SA_RESTART
 * says (signal(7)). */
static int never_restarted(long n)
{
	switch (n) {
	case SYS_poll: case SYS_ppoll: case SYS_select: case SYS_pselect6:
	case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_epoll_pwait2:
		return 1;
	}
	return 0;
}

long __sconce_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	struct rt_thread *t = rt_cur();
	/* A call made by the runtime itself while serving another (a shield's
	 * OpenSSL allocating or locking) is no safe point: a handler there
	 * would run with the shield's locks held.  The outer call delivers.
	 * sigsuspend and pause run handlers themselves (which may longjmp
	 * out), so they do not count as nesting. */
	int nest = n != SYS_rt_sigsuspend && n != SYS_pause;
	for (;;) {
		t->syscall_depth += nest;
		int forward = 0;
		long r = serve(n, a1, a2, a3, a4, a5, a6, &forward);
		if (forward) {
			long a[6] = { a1, a2, a3, a4, a5, a6 };
			r = forward_here(n, a);
		}
		t->syscall_depth -= nest;
		if (t->syscall_depth)
			return r;
		int interrupted = t->host_eintr && r == -EINTR;
		t->host_eintr = 0;
		/* A safe point: take signals the host forwarded, and deliver
		 * what became pending for this thread. */
		if (RT_READ_ONCE(rt.ctl->signals))
			rt_signals_poll();
		if (!interrupted) {
			if (t->sigpending)
				rt_signals_deliver();
			return r;
		}
		/* The host cut a call short.  For a signal this thread takes,
		 * run the handler and restart as Linux would; for one another
		 * thread took (or none), the call just goes on. */
		if (!rt_signals_ready())
			continue;
		int restart = !never_restarted(n) && rt_signals_restart();
		rt_signals_deliver();
		if (!restart)
			return r;
	}
}
