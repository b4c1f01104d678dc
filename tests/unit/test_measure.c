/*
 * Unit test for host/measure.c, TAP output.
 *
 * The reference digest is built independently of measure.c: records are
 * assembled byte by byte (tags spelled as ASCII, integers stored
 * little-endian by hand) into one buffer hashed in a single shot, so a
 * wrong struct layout, tag constant or record order in measure.c shows up.
 *
 * No published MRENCLAVE known-answer vector reproducible from inline data
 * was found (Linux selftests, enarx and Intel's SDK measure whole binaries
 * signed at build time), so none is included.
 */
#include "measure.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#define TESTS 12
#define ENCL_SIZE 0x10000ull
#define PAGE 4096u

static int test_no, failures;

static void ok(int cond, const char *desc)
{
	test_no++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", test_no, desc);
}

struct ref {
	uint8_t buf[16384];
	size_t len;
};

static uint8_t *ref_record(struct ref *r, const char tag[8])
{
	uint8_t *p = r->buf + r->len;

	memset(p, 0, 64);
	memcpy(p, tag, 8);
	r->len += 64;
	return p;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void ref_ecreate(struct ref *r, uint32_t ssa, uint64_t size)
{
	uint8_t *p = ref_record(r, "ECREATE");

	put_le(p + 8, ssa, 4);   /* SSAFRAMESIZE */
	put_le(p + 12, size, 8); /* SIZE, unaligned on purpose: packed */
}

static void ref_eadd(struct ref *r, uint64_t off, uint64_t flags)
{
	uint8_t *p = ref_record(r, "EADD\0\0\0");

	put_le(p + 8, off, 8);
	put_le(p + 16, flags, 8); /* SECINFO.FLAGS; rest of SECINFO is zero */
}

static void ref_eextend(struct ref *r, uint64_t off, const uint8_t *page)
{
	for (unsigned int i = 0; i < PAGE; i += 256) {
		put_le(ref_record(r, "EEXTEND") + 8, off + i, 8);
		memcpy(r->buf + r->len, page + i, 256);
		r->len += 256;
	}
}

static void ref_digest(const struct ref *r, uint8_t out[32])
{
	unsigned int len = 0;

	if (EVP_Digest(r->buf, r->len, out, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		memset(out, 0xee, 32);
}

/* A TCS page at 0 and a REG RWX page at the last offset, both extended,
 * plus a REG RW page that is added but not extended (like a heap page). */
struct encl {
	uint8_t tcs[PAGE];
	uint8_t code[PAGE];
	uint64_t code_flags;
};

static void encl_init(struct encl *e)
{
	for (unsigned int i = 0; i < PAGE; i++) {
		e->tcs[i] = (uint8_t)(i * 7 + 3);
		e->code[i] = (uint8_t)(i ^ (i >> 8));
	}
	e->code_flags = SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W |
			SGX_SECINFO_X;
}

static void encl_ref(const struct encl *e, uint8_t out[32])
{
	static struct ref r;

	r.len = 0;
	ref_ecreate(&r, 1, ENCL_SIZE);
	ref_eadd(&r, 0, SGX_SECINFO_TCS);
	ref_eextend(&r, 0, e->tcs);
	ref_eadd(&r, 0x2000, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W);
	ref_eadd(&r, ENCL_SIZE - PAGE, e->code_flags);
	ref_eextend(&r, ENCL_SIZE - PAGE, e->code);
	ref_digest(&r, out);
}

/* Same enclave through measure.c; with_junk interleaves rejected calls,
 * which must not leave a trace in the digest. */
static int encl_measure(const struct encl *e, int with_junk, uint8_t out[32])
{
	struct measure *m = measure_new(ENCL_SIZE, 1);
	int err = 0;

	if (!m)
		return -errno;
	err |= measure_eadd(m, 0, SGX_SECINFO_TCS);
	err |= measure_eextend_page(m, 0, e->tcs);
	if (with_junk && (measure_eadd(m, 0x2001, SGX_SECINFO_REG) != -EINVAL ||
			  measure_eextend_page(m, ENCL_SIZE, e->code) != -EINVAL))
		err = -1;
	err |= measure_eadd(m, 0x2000,
			    SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W);
	err |= measure_eadd(m, ENCL_SIZE - PAGE, e->code_flags);
	err |= measure_eextend_page(m, ENCL_SIZE - PAGE, e->code);
	if (err) {
		measure_free(m);
		return -EINVAL;
	}
	return measure_finish(m, out);
}

static void test_encoding(void)
{
	static struct encl e;
	static struct ref r;
	uint8_t got[32], want[32];
	struct measure *m;

	encl_init(&e);
	encl_ref(&e, want);
	ok(encl_measure(&e, 0, got) == 0 && !memcmp(got, want, 32),
	   "ECREATE/EADD/EEXTEND records match hand-assembled reference");

	r.len = 0;
	ref_ecreate(&r, 3, 1ull << 36);
	ref_digest(&r, want);
	m = measure_new(1ull << 36, 3);
	ok(m && measure_finish(m, got) == 0 && !memcmp(got, want, 32),
	   "ECREATE-only digest matches reference (large size, ssa 3)");

	encl_ref(&e, want);
	ok(encl_measure(&e, 1, got) == 0 && !memcmp(got, want, 32),
	   "rejected calls leave the digest unchanged");
}

static void test_sensitivity(void)
{
	static struct encl e;
	uint8_t a[32], b[32], c[32];
	int base;

	encl_init(&e);
	base = encl_measure(&e, 0, a);
	e.code[PAGE - 1] ^= 1;
	ok(base == 0 && encl_measure(&e, 0, b) == 0 && memcmp(a, b, 32) != 0,
	   "flipping one content bit changes the digest");
	e.code[PAGE - 1] ^= 1;
	e.code_flags &= ~SGX_SECINFO_X;
	ok(encl_measure(&e, 0, b) == 0 && memcmp(a, b, 32) != 0,
	   "changing SECINFO permissions changes the digest");
	e.code_flags |= SGX_SECINFO_X;
	ok(encl_measure(&e, 0, b) == 0 && encl_measure(&e, 0, c) == 0 &&
		   !memcmp(a, b, 32) && !memcmp(b, c, 32),
	   "same input measured twice gives the same digest");
}

static void test_rejects(void)
{
	static const uint8_t page[PAGE];
	struct measure *m = measure_new(ENCL_SIZE, 1);
	uint64_t reg = SGX_SECINFO_REG | SGX_SECINFO_R;
	uint8_t d[32];

	ok(m && measure_eadd(m, 0x800, reg) == -EINVAL &&
		   measure_eadd(m, 0x1001, reg) == -EINVAL &&
		   measure_eextend_page(m, 0x10, page) == -EINVAL,
	   "unaligned offsets are rejected");
	ok(m && measure_eadd(m, ENCL_SIZE, reg) == -EINVAL &&
		   measure_eadd(m, UINT64_MAX & ~0xfffull, reg) == -EINVAL &&
		   measure_eextend_page(m, ENCL_SIZE, page) == -EINVAL &&
		   measure_eadd(m, ENCL_SIZE - PAGE, reg) == 0,
	   "offsets at or beyond the enclave size are rejected");
	ok(m && measure_eadd(m, 0, SGX_SECINFO_TCS | SGX_SECINFO_R) == -EINVAL &&
		   measure_eadd(m, 0, SGX_SECINFO_R) == -EINVAL &&
		   measure_eadd(m, 0, reg | (1ull << 16)) == -EINVAL &&
		   measure_eadd(m, 0, SGX_SECINFO_REG | SGX_SECINFO_W) == -EINVAL,
	   "SECINFO flags EADD would fault on are rejected");
	ok(m && measure_finish(m, d) == 0, "measurement still finishes");

	errno = 0;
	ok(!measure_new(0x3000, 1) && errno == EINVAL &&
		   !measure_new(0x1000, 1) && !measure_new(0, 1) &&
		   !measure_new(ENCL_SIZE, 0) && errno == EINVAL,
	   "bad ECREATE parameters are rejected with EINVAL");
}

static void test_hex(void)
{
	uint8_t d[32];
	char hex[65], want[65];
	int i;

	for (i = 0; i < 32; i++) {
		d[i] = (uint8_t)(i * 9 + 0xa0);
		snprintf(want + 2 * i, 3, "%02x", d[i]);
	}
	memset(hex, 'X', sizeof(hex));
	measure_hex(d, hex);
	ok(!strcmp(hex, want), "measure_hex prints lowercase, byte 0 first");
}

int main(void)
{
	printf("1..%d\n", TESTS);
	test_encoding();
	test_sensitivity();
	test_rejects();
	test_hex();
	if (test_no != TESTS) {
		printf("# planned %d tests, ran %d\n", TESTS, test_no);
		return 1;
	}
	return failures != 0;
}
