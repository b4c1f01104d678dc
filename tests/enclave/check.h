/*
 * Tiny check helpers shared by the enclave test programs.
 *
 * Every program prints only deterministic facts to stdout (so the output of
 * a native run and of a `sconce run` can be compared byte for byte), reports
 * each failed check as "FAIL: what" on stderr and exits non-zero if any
 * check failed.
 */
#ifndef SCONCE_TEST_CHECK_H
#define SCONCE_TEST_CHECK_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

/* Report one failed check (printf-style what) with the current errno. */
#define CHECK_REPORT_(...)                                                   \
	do {                                                                 \
		int check_errno_ = errno;                                    \
		fprintf(stderr, "FAIL: ");                                   \
		fprintf(stderr, __VA_ARGS__);                                \
		fprintf(stderr, " [%s:%d, errno %d: %s]\n", __FILE__,        \
			__LINE__, check_errno_, strerror(check_errno_));     \
		check_failures++;                                            \
	} while (0)

/* CHECK(cond, printf-format, ...): record a failure if cond is false.
 * cond is evaluated exactly once. */
#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond))                                                 \
			CHECK_REPORT_(__VA_ARGS__);                          \
	} while (0)

/* CHECK_ERR(expr, ERRNO, what): expr must return -1 and set errno=ERRNO. */
#define CHECK_ERR(expr, want, what)                                          \
	do {                                                                 \
		long check_r_;                                               \
		int check_e_;                                                \
		errno = 0;                                                   \
		check_r_ = (long)(expr);                                     \
		check_e_ = errno;                                            \
		if (check_r_ == -1 && check_e_ == (want)) {                  \
			printf("%s -> %s: ok\n", what, #want);               \
		} else {                                                     \
			fprintf(stderr,                                      \
				"FAIL: %s: expected -1/%s, got %ld/errno "   \
				"%d (%s) [%s:%d]\n",                         \
				what, #want, check_r_, check_e_,             \
				strerror(check_e_), __FILE__, __LINE__);     \
			check_failures++;                                    \
		}                                                            \
	} while (0)

/* Fatal variant: stop at once, the rest of the program depends on it.
 * cond is evaluated exactly once. */
#define REQUIRE(cond, ...)                                                   \
	do {                                                                 \
		if (!(cond)) {                                               \
			CHECK_REPORT_(__VA_ARGS__);                          \
			fprintf(stderr, "FAIL: giving up\n");                \
			exit(2);                                             \
		}                                                            \
	} while (0)

/* Deterministic test pattern: byte i of a buffer seeded with seed. */
static inline unsigned char pattern_byte(size_t i, unsigned seed)
{
	size_t x = i * 2654435761u + seed * 40503u + (i >> 8) * 7u;
	return (unsigned char)(x ^ (x >> 11) ^ (x >> 19));
}

static inline void pattern_fill(unsigned char *buf, size_t len, size_t start,
				unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern_byte(start + i, seed);
}

/* Index of the first byte that does not match, or (size_t)-1. */
static inline size_t pattern_check(const unsigned char *buf, size_t len,
				   size_t start, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != pattern_byte(start + i, seed))
			return i;
	return (size_t)-1;
}

static inline int check_exit(void)
{
	fflush(stdout);
	if (check_failures) {
		fprintf(stderr, "FAIL: %d check(s) failed\n", check_failures);
		return 1;
	}
	return 0;
}

#endif
