/* Console shield test program: text on stdout and stderr through stdio,
 * write and writev, and a large write that spans many records.
 * usage: console_out [BIG_BYTES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long big = argc > 1 ? atol(argv[1]) : 0;
	printf("hello from the enclave\n");
	fflush(stdout);
	fprintf(stderr, "a line on stderr\n");
	struct iovec v[3] = { { "one ", 4 }, { "two ", 4 }, { "three\n", 6 } };
	if (writev(1, v, 3) != 14)
		return 1;
	for (long i = 0; i < big; i += 64) {
		char line[65];
		snprintf(line, sizeof(line), "%063ld\n", i);
		long n = big - i < 64 ? big - i : 64;
		fwrite(line, 1, (size_t)n, stdout);
	}
	printf("done\n");
	return 0;
}
