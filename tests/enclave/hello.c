/* The smallest enclave application: print one line, exit 0. */
#include <stdio.h>

int main(void)
{
	if (printf("Hello, world!\n") != 14)
		return 1;
	return fflush(stdout) == 0 ? 0 : 1;
}
