/*
 * strcasecmp and strncasecmp (sconce replaces musl's, libc/src/string/)
 * against a plain reference in the C locale, over a million string pairs
 * drawn from letters of both cases, the bytes next to them ('@' '[' '`'
 * '{') and bytes above 0x7f, which no locale-less fold changes.  stdout
 * counts the signs, the same natively and in sconce.
 */
#include "check.h"

#include <strings.h>

static int fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* n < 0: unbounded */
static int reference(const char *l, const char *r, long n)
{
	for (; n != 0; l++, r++, n--) {
		int a = fold((unsigned char)*l), b = fold((unsigned char)*r);
		if (a != b || !a)
			return a - b;
	}
	return 0;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

int main(void)
{
	static const char alphabet[16] = "aAbBzZ@[`{\x80\xc9\xff" "01";
	unsigned seed = 1;
	long count[2][3] = { { 0 } };
	char l[8], r[8];
	for (int i = 0; i < 1000000; i++) {
		seed = seed * 1103515245 + 12345;
		int nl = (seed >> 16) & 7, nr = (seed >> 20) & 7;
		for (int k = 0; k < nl; k++) {
			seed = seed * 1103515245 + 12345;
			l[k] = alphabet[(seed >> 16) & 15];
		}
		for (int k = 0; k < nr; k++) {
			seed = seed * 1103515245 + 12345;
			r[k] = alphabet[(seed >> 16) & 15];
		}
		l[nl] = r[nr] = 0;
		long n = (seed >> 24) & 7;
		int a = strcasecmp(l, r), b = strncasecmp(l, r, (size_t)n);
		CHECK(sign(a) == sign(reference(l, r, -1)), "strcasecmp(\"%s\", \"%s\") = %d", l, r, a);
		CHECK(sign(b) == sign(reference(l, r, n)), "strncasecmp(\"%s\", \"%s\", %ld) = %d", l, r, n, b);
		count[0][sign(a) + 1]++;
		count[1][sign(b) + 1]++;
	}
	CHECK(strcasecmp("GET", "get") == 0 && strcasecmp("Set", "sET") == 0, "command names");
	CHECK(strncasecmp("HELLO world", "hello WORLD!", 11) == 0, "strncasecmp prefix");
	printf("strcasecmp <0 %ld, =0 %ld, >0 %ld; strncasecmp <0 %ld, =0 %ld, >0 %ld\n",
	       count[0][0], count[0][1], count[0][2], count[1][0], count[1][1], count[1][2]);
	return check_failures != 0;
}
