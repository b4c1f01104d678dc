/* apps/apache2/sigterm-slowwake.c: LD_PRELOAD shim for the NATIVE httpd that
 * reproduces the SIGTERM crash without sconce (see README.md):
 *   gcc -O2 -shared -fPIC -o /tmp/slowwake.so apps/apache2/sigterm-slowwake.c -ldl
 *   A2_NATIVE=1 DURING=1 WRAP="env LD_PRELOAD=/tmp/slowwake.so" apps/apache2/sigterm-repro.sh
 */
/* LD_PRELOAD shim for the native httpd: after a 1-byte write to a pipe
 * (APR's pollset wakeup pipe), sleep 5 ms, as a thread descheduled right
 * after that write would be (what sconce's M:N scheduler does when the
 * write is forwarded to the host). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>
ssize_t write(int fd, const void *b, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	ssize_t r = real(fd, b, n);
	struct stat st;
	if (n == 1 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		usleep(5000);
	return r;
}

/* and a listener that reacts late: 3 ms after each epoll_wait returns
 * events, as a thread queued behind runnable workers on one ethread */
#include <sys/epoll.h>
int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	static int (*real)(int, struct epoll_event *, int, int);
	if (!real)
		real = (int (*)(int, struct epoll_event *, int, int))dlsym(RTLD_NEXT, "epoll_wait");
	int r = real(ep, ev, max, timeout);
	if (r > 0)
		usleep(3000);
	return r;
}
