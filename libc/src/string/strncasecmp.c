/*
 * sconce's strncasecmp, replacing musl's in the enclave's C library: the
 * ASCII folding inline, as in strcasecmp.c here.
 */
#include <strings.h>
#include <locale.h>
#include <ctype.h> /* musl's internal ctype.h brings weak_alias */

static inline unsigned fold(unsigned c)
{
	return c - 'A' < 26 ? c | 32 : c;
}

int strncasecmp(const char *_l, const char *_r, size_t n)
{
	const unsigned char *l = (const void *)_l, *r = (const void *)_r;
	if (!n--)
		return 0;
	for (; *l && *r && n && (*l == *r || fold(*l) == fold(*r)); l++, r++, n--)
		;
	return (int)fold(*l) - (int)fold(*r);
}

int __strncasecmp_l(const char *l, const char *r, size_t n, locale_t loc)
{
	(void)loc;
	return strncasecmp(l, r, n);
}

weak_alias(__strncasecmp_l, strncasecmp_l);
