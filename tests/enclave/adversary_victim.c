/*
 * The target of tests/40-adversary.t: a fixed sequence of system calls,
 * printing "ok <step>" after each only once its result checked out.  Under
 * an adversarial host the enclave must stop before the step it lies about.
 * Argument: a scratch directory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void step(const char *name, int ok)
{
	if (!ok) {
		printf("FAIL %s\n", name);
		exit(1);
	}
	printf("ok %s\n", name);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char path[4096];
	if (argc < 2 || chdir(argv[1]))
		return 2;
	step("getppid", getppid() > 0);

	static const char text[] = "sconce adversary victim\n";
	int fd = openat(AT_FDCWD, "victim.txt", O_CREAT | O_TRUNC | O_RDWR, 0600);
	step("openat", fd >= 0 && fd < 1024);
	step("write", write(fd, text, sizeof(text)) == (ssize_t)sizeof(text));
	struct stat st;
	step("fstat", fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof(text));
	char buf[256];
	lseek(fd, 0, SEEK_SET);
	step("read", read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(text) && !memcmp(buf, text, sizeof(text)));
	close(fd);

	DIR *d = opendir(".");
	int found = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		found |= !strcmp(de->d_name, "victim.txt");
	step("getdents", d && found);
	closedir(d);

	/* The enclave extrapolates clocks from the TSC and asks the host
	 * again only after 0.2 s (runtime/clock.c): wait for that. */
	struct timespec a, b, pause = { 0, 300000000 };
	clock_gettime(CLOCK_MONOTONIC, &a);
	nanosleep(&pause, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	step("clock", b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));

	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int c = -1, s = -1;
	if (ls >= 0 && !bind(ls, (void *)&sa, sizeof(sa)) && !listen(ls, 1) &&
	    !getsockname(ls, (void *)&sa, &sl)) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c >= 0 && !connect(c, (void *)&sa, sizeof(sa))) {
			struct sockaddr_in peer;
			socklen_t pl = sizeof(peer);
			s = accept4(ls, (void *)&peer, &pl, SOCK_CLOEXEC);
			step("accept", s >= 0 && pl == sizeof(peer));
		}
	}
	if (s < 0)
		step("accept", 0);

	int p[2];
	step("pipe", pipe(p) == 0 && write(p[1], "x", 1) == 1);
	struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	step("poll", poll(pf, 2, 1000) == 2 && (pf[0].revents & POLLIN));

	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 }, out[4];
	step("epoll", ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) &&
			      epoll_wait(ep, out, 4, 1000) == 1 && out[0].data.u64 == 42);

	int sp[2];
	char msg[16] = { 0 }, name[64];
	struct iovec iov = { msg, sizeof(msg) };
	struct msghdr mh = { .msg_name = name, .msg_namelen = sizeof(name), .msg_iov = &iov, .msg_iovlen = 1 };
	step("recvmsg", socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) == 0 && send(sp[0], "hi", 2, 0) == 2 &&
				recvmsg(sp[1], &mh, 0) == 2 && !memcmp(msg, "hi", 2));
	snprintf(path, sizeof(path), "%s/victim.txt", argv[1]);
	unlink(path);
	printf("done\n");
	return 0;
}
