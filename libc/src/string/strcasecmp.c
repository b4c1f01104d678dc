/*
 * sconce's strcasecmp, replacing musl's in the enclave's C library (the
 * Makefile copies libc/ over musl's tree).  Same result in the C locale,
 * the only one musl's tolower knows, but the ASCII folding is inline:
 * musl's version calls tolower() twice per differing byte, and Redis
 * looks up every command with a case-insensitive compare (2-3% of its
 * CPU with 16-command pipelining).
 */
#include <strings.h>
#include <locale.h>
#include <ctype.h> /* musl's internal ctype.h brings weak_alias */

static inline unsigned fold(unsigned c)
{
	return c - 'A' < 26 ? c | 32 : c;
}

int strcasecmp(const char *_l, const char *_r)
{
	const unsigned char *l = (const void *)_l, *r = (const void *)_r;
	for (; *l && *r && (*l == *r || fold(*l) == fold(*r)); l++, r++)
		;
	return (int)fold(*l) - (int)fold(*r);
}

int __strcasecmp_l(const char *l, const char *r, locale_t loc)
{
	(void)loc;
	return strcasecmp(l, r);
}

weak_alias(__strcasecmp_l, strcasecmp_l);
