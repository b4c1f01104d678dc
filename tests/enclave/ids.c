/*
 * Process identity: getpid/getppid/getuid/geteuid/getgid/getegid and
 * uname succeed and are consistent with each other and with what the host
 * kernel reports in /proc/self/stat (inside sconce, /proc/self is the
 * sconce host process, whose pid the enclave must report).
 *
 * The uid/gid are printed: the native and the sconce run are made by the
 * same user, so they must agree.
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void)
{
	struct utsname u, u2;
	pid_t pid = getpid(), ppid = getppid();

	CHECK(pid > 0, "getpid > 0 (%d)", (int)pid);
	CHECK(ppid > 0, "getppid > 0 (%d)", (int)ppid);
	CHECK(pid != ppid, "pid != ppid");
	CHECK(getpid() == pid && getppid() == ppid, "stable across calls");
	printf("getpid/getppid: ok\n");

	/* /proc/self/stat: "pid (comm) state ppid ..." */
	int fd = open("/proc/self/stat", O_RDONLY);
	if (fd >= 0) {
		char buf[1024] = {0};
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		CHECK(n > 0, "read /proc/self/stat");
		char *rp = strrchr(buf, ')');
		int spid = atoi(buf), sppid = -1;
		char state;
		CHECK(rp && sscanf(rp + 1, " %c %d", &state, &sppid) == 2,
		      "parse /proc/self/stat");
		CHECK(spid == pid, "getpid %d == /proc/self/stat pid %d", (int)pid, spid);
		CHECK(sppid == ppid, "getppid %d == /proc/self/stat ppid %d",
		      (int)ppid, sppid);
		printf("/proc/self/stat agrees: ok\n");
	} else {
		printf("/proc/self/stat agrees: no /proc\n");
	}

	uid_t uid = getuid(), euid = geteuid();
	gid_t gid = getgid(), egid = getegid();
	CHECK(uid == getuid() && euid == geteuid() && gid == getgid() &&
		      egid == getegid(),
	      "ids stable across calls");
	CHECK(uid == euid, "uid == euid (not setuid)");
	CHECK(gid == egid, "gid == egid (not setgid)");
	printf("uid=%u euid=%u gid=%u egid=%u\n", (unsigned)uid, (unsigned)euid,
	       (unsigned)gid, (unsigned)egid);

	memset(&u, 0, sizeof u);
	REQUIRE(uname(&u) == 0, "uname");
	CHECK(uname(&u2) == 0 && memcmp(&u, &u2, sizeof u) == 0, "uname stable");
	CHECK(strcmp(u.sysname, "Linux") == 0, "sysname %s", u.sysname);
	CHECK(u.release[0] >= '0' && u.release[0] <= '9', "release %s", u.release);
	CHECK(u.nodename[0] != 0, "nodename set");
	printf("uname sysname=%s machine=%s\n", u.sysname, u.machine);

	char host[256] = {0};
	CHECK(gethostname(host, sizeof host) == 0 && strcmp(host, u.nodename) == 0,
	      "gethostname equals uname nodename");
	printf("ids: done\n");
	return check_exit();
}
