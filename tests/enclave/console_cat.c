/* Console shield test program: copies stdin to stdout (read/write, then
 * readv), reports a read error as "read: <error>" on stderr, exit 1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	char a[1000], b[3000];
	ssize_t n;
	int v = 0;
	for (;;) {
		if (v++ & 1) {
			struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
			n = readv(0, iov, 2);
			if (n > 0) {
				size_t k = (size_t)n < sizeof(a) ? (size_t)n : sizeof(a);
				struct iovec out[2] = { { a, k }, { b, (size_t)n - k } };
				if (writev(1, out, 2) != n)
					return 1;
			}
		} else {
			n = read(0, b, sizeof(b));
			if (n > 0 && write(1, b, (size_t)n) != n)
				return 1;
		}
		if (n == 0)
			return 0;
		if (n < 0) {
			fprintf(stderr, "read: %s\n", strerror(errno));
			return 1;
		}
	}
}
