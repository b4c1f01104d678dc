/*
 * Every call the runtime forwards to the host, indexed by number.  A call
 * missing from this table (and not served inside, see dispatch.c) returns
 * ENOSYS and is logged once.
 */
#include <sys/syscall.h>
#include "syscall_table.h"

#define V { K_VAL, 0, 0 }
#define STR { K_STR, 0, 0 }
#define STR0 { K_STR0, 0, 0 }
#define IN(n) { K_IN, n, 0 }
#define OUT(n) { K_OUT, n, 0 }
#define INF(s) { K_INF, 0, s }
#define OUTF(s) { K_OUTF, 0, s }
#define IOF(s) { K_IOF, 0, s }
#define IONA(n, s) { K_IONA, n, s }
#define OUTNA(n, s) { K_OUTNA, n, s }
#define SA_IN(n) { K_SA_IN, n, 0 }
#define SA_OUT(n) { K_SA_OUT, n, 0 }
#define SALEN { K_SALEN, 0, 0 }

#define CALL(nr, n, rule, ...) [SYS_##nr] = { #nr, n, rule, 0, 0, 0, { __VA_ARGS__ } }
#define CALLX(nr, n, rule, rarg, chk, ...) \
	[SYS_##nr] = { #nr, n, rule, rarg, chk, 0, { __VA_ARGS__ } }
#define SPECIAL(nr, n, rule, sp) [SYS_##nr] = { #nr, n, rule, 0, 0, sp, { { 0, 0, 0 } } }

#define STAT 144      /* struct stat */
#define TIMESPEC 16
#define EPOLL_EVENT 12
#define POLLFD 8
#define RLIMIT 16
#define RUSAGE 144

const struct syscall_spec rt_syscalls[] = {
	/* files */
	CALLX(read, 3, R_LEN, 2, C_NONE, V, OUT(2), V),
	CALLX(write, 3, R_LEN, 2, C_NONE, V, IN(2), V),
	CALL(open, 3, R_FD, STR, V, V),
	CALL(openat, 4, R_FD, V, STR, V, V),
	CALL(creat, 2, R_FD, STR, V),
	CALLX(close, 1, R_ZERO, 0, C_CLOSE, V),
	CALLX(fstat, 2, R_ZERO, 0, C_STAT, V, OUTF(STAT)),
	CALLX(stat, 2, R_ZERO, 0, C_STAT, STR, OUTF(STAT)),
	CALLX(lstat, 2, R_ZERO, 0, C_STAT, STR, OUTF(STAT)),
	CALLX(newfstatat, 4, R_ZERO, 0, C_STAT, V, STR, OUTF(STAT), V),
	CALL(statx, 5, R_ZERO, V, STR, V, V, OUTF(256)),
	CALL(lseek, 3, R_NONNEG, V, V, V),
	CALLX(pread64, 4, R_LEN, 2, C_NONE, V, OUT(2), V, V),
	CALLX(pwrite64, 4, R_LEN, 2, C_NONE, V, IN(2), V, V),
	SPECIAL(readv, 3, R_LEN, S_READV),
	SPECIAL(writev, 3, R_LEN, S_WRITEV),
	SPECIAL(preadv, 4, R_LEN, S_PREADV),
	SPECIAL(pwritev, 4, R_LEN, S_PWRITEV),
	CALLX(getdents64, 3, R_LEN, 2, C_DIRENTS, V, OUT(2), V),
	CALL(access, 2, R_ZERO, STR, V),
	CALL(faccessat, 3, R_ZERO, V, STR, V),
	CALL(faccessat2, 4, R_ZERO, V, STR, V, V),
	CALL(unlink, 1, R_ZERO, STR),
	CALL(unlinkat, 3, R_ZERO, V, STR, V),
	CALL(rename, 2, R_ZERO, STR, STR),
	CALL(renameat, 4, R_ZERO, V, STR, V, STR),
	CALL(renameat2, 5, R_ZERO, V, STR, V, STR, V),
	CALL(mkdir, 2, R_ZERO, STR, V),
	CALL(mkdirat, 3, R_ZERO, V, STR, V),
	CALL(rmdir, 1, R_ZERO, STR),
	CALL(link, 2, R_ZERO, STR, STR),
	CALL(linkat, 5, R_ZERO, V, STR, V, STR, V),
	CALL(symlink, 2, R_ZERO, STR, STR),
	CALL(symlinkat, 3, R_ZERO, STR, V, STR),
	CALLX(readlink, 3, R_LEN, 2, C_NONE, STR, OUT(2), V),
	CALLX(readlinkat, 4, R_LEN, 3, C_NONE, V, STR, OUT(3), V),
	CALL(chmod, 2, R_ZERO, STR, V),
	CALL(fchmod, 2, R_ZERO, V, V),
	CALL(fchmodat, 3, R_ZERO, V, STR, V),
	CALL(chown, 3, R_ZERO, STR, V, V),
	CALL(fchown, 3, R_ZERO, V, V, V),
	CALL(lchown, 3, R_ZERO, STR, V, V),
	CALL(fchownat, 5, R_ZERO, V, STR, V, V, V),
	CALL(utimensat, 4, R_ZERO, V, STR0, INF(2 * TIMESPEC), V),
	CALL(truncate, 2, R_ZERO, STR, V),
	CALL(ftruncate, 2, R_ZERO, V, V),
	CALL(fallocate, 4, R_ZERO, V, V, V, V),
	CALL(fsync, 1, R_ZERO, V),
	CALL(fdatasync, 1, R_ZERO, V),
	CALL(sync_file_range, 4, R_ZERO, V, V, V, V),
	CALL(sync, 0, R_ZERO),
	CALL(syncfs, 1, R_ZERO, V),
	CALL(flock, 2, R_ZERO, V, V),
	CALL(chdir, 1, R_ZERO, STR),
	CALL(fchdir, 1, R_ZERO, V),
	CALLX(getcwd, 2, R_LEN, 1, C_NONE, OUT(1), V),
	CALL(umask, 1, R_NONNEG, V),
	CALL(dup, 1, R_FD, V),
	CALLX(dup2, 2, R_FD, 0, C_CLOSE, V, V),
	CALLX(dup3, 3, R_FD, 0, C_CLOSE, V, V, V),
	CALLX(pipe, 1, R_ZERO, 0, C_PIPEFDS, OUTF(8)),
	CALLX(pipe2, 2, R_ZERO, 0, C_PIPEFDS, OUTF(8), V),
	CALLX(sendfile, 4, R_LEN, 3, C_NONE, V, V, IOF(8), V),
	SPECIAL(ioctl, 3, R_ANY, S_IOCTL),
	SPECIAL(fcntl, 3, R_ANY, S_FCNTL),
	CALL(eventfd2, 2, R_FD, V, V),
	CALL(timerfd_create, 2, R_FD, V, V),
	CALL(timerfd_settime, 4, R_ZERO, V, V, INF(2 * TIMESPEC), OUTF(2 * TIMESPEC)),
	CALL(timerfd_gettime, 2, R_ZERO, V, OUTF(2 * TIMESPEC)),

	/* sockets */
	CALL(socket, 3, R_FD, V, V, V),
	CALLX(socketpair, 4, R_ZERO, 0, C_PIPEFDS, V, V, V, OUTF(8)),
	CALL(bind, 3, R_ZERO, V, SA_IN(2), V),
	CALL(connect, 3, R_ZERO, V, SA_IN(2), V),
	CALL(listen, 2, R_ZERO, V, V),
	CALL(accept, 3, R_FD, V, SA_OUT(2), SALEN),
	CALL(accept4, 4, R_FD, V, SA_OUT(2), SALEN, V),
	CALL(getsockname, 3, R_ZERO, V, SA_OUT(2), SALEN),
	CALL(getpeername, 3, R_ZERO, V, SA_OUT(2), SALEN),
	CALLX(sendto, 6, R_LEN, 2, C_NONE, V, IN(2), V, V, SA_IN(5), V),
	CALLX(recvfrom, 6, R_LEN, 2, C_NONE, V, OUT(2), V, V, SA_OUT(5), SALEN),
	SPECIAL(sendmsg, 3, R_LEN, S_SENDMSG),
	SPECIAL(recvmsg, 3, R_LEN, S_RECVMSG),
	CALL(shutdown, 2, R_ZERO, V, V),
	CALL(setsockopt, 5, R_ZERO, V, V, V, IN(4), V),
	SPECIAL(getsockopt, 5, R_ZERO, S_GETSOCKOPT),

	/* readiness */
	CALLX(poll, 3, R_LEN, 1, C_POLL, IONA(1, POLLFD), V, V),
	CALLX(ppoll, 5, R_LEN, 1, C_POLL, IONA(1, POLLFD), V, IOF(TIMESPEC), INF(8), V),
	SPECIAL(select, 5, R_NONNEG, S_SELECT),
	SPECIAL(pselect6, 6, R_NONNEG, S_PSELECT6),
	CALL(epoll_create, 1, R_FD, V),
	CALL(epoll_create1, 1, R_FD, V),
	SPECIAL(epoll_ctl, 4, R_ZERO, S_EPOLL_CTL),
	CALLX(epoll_wait, 4, R_LEN, 2, C_EPOLL, V, OUTNA(2, EPOLL_EVENT), V, V),
	CALLX(epoll_pwait, 6, R_LEN, 2, C_EPOLL, V, OUTNA(2, EPOLL_EVENT), V, V, INF(8), V),

	/* time */
	CALLX(clock_gettime, 2, R_ZERO, 0, C_CLOCK, V, OUTF(TIMESPEC)),
	CALL(clock_getres, 2, R_ZERO, V, OUTF(TIMESPEC)),
	CALL(gettimeofday, 2, R_ZERO, OUTF(16), OUTF(8)),
	CALL(time, 1, R_NONNEG, OUTF(8)),
	CALL(nanosleep, 2, R_ZERO, INF(TIMESPEC), OUTF(TIMESPEC)),
	CALL(clock_nanosleep, 4, R_ZERO, V, V, INF(TIMESPEC), OUTF(TIMESPEC)),
	CALL(getitimer, 2, R_ZERO, V, OUTF(32)),
	CALL(setitimer, 3, R_ZERO, V, INF(32), OUTF(32)),
	CALL(alarm, 1, R_NONNEG, V),

	/* identity and limits */
	CALL(getppid, 0, R_NONNEG),
	CALL(getuid, 0, R_NONNEG),
	CALL(geteuid, 0, R_NONNEG),
	CALL(getgid, 0, R_NONNEG),
	CALL(getegid, 0, R_NONNEG),
	CALL(getpgrp, 0, R_NONNEG),
	CALL(getpgid, 1, R_NONNEG, V),
	CALL(getsid, 1, R_NONNEG, V),
	CALL(setsid, 0, R_NONNEG),
	CALL(setpgid, 2, R_ZERO, V, V),
	CALL(getresuid, 3, R_ZERO, OUTF(4), OUTF(4), OUTF(4)),
	CALL(getresgid, 3, R_ZERO, OUTF(4), OUTF(4), OUTF(4)),
	CALLX(getgroups, 2, R_LEN, 0, C_NONE, V, OUTNA(0, 4)),
	CALL(uname, 1, R_ZERO, OUTF(390)),
	CALL(sysinfo, 1, R_ZERO, OUTF(112)),
	CALL(getrlimit, 2, R_ZERO, V, OUTF(RLIMIT)),
	CALL(setrlimit, 2, R_ZERO, V, INF(RLIMIT)),
	CALL(prlimit64, 4, R_ZERO, V, V, INF(RLIMIT), OUTF(RLIMIT)),
	CALL(getrusage, 2, R_ZERO, V, OUTF(RUSAGE)),
	CALL(times, 1, R_ANY, OUTF(32)),
	CALL(getpriority, 2, R_NONNEG, V, V),
	CALL(setpriority, 3, R_ZERO, V, V, V),
	CALLX(sched_getaffinity, 3, R_LEN, 1, C_NONE, V, V, OUT(1)),
	CALL(getcpu, 3, R_ZERO, OUTF(4), OUTF(4), V),
	CALL(wait4, 4, R_NONNEG, V, OUTF(4), V, OUTF(RUSAGE)),
	CALL(kill, 2, R_ZERO, V, V),
};

const unsigned rt_syscalls_count = sizeof(rt_syscalls) / sizeof(rt_syscalls[0]);
