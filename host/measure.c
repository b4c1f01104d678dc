/*
 * MRENCLAVE computation; see measure.h.  Record layouts follow the SDM's
 * ECREATE/EADD/EEXTEND pseudo-code and Linux's selftests/sgx/sigstruct.c.
 */
#include "measure.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define MEASURE_PAGE 4096u
#define MEASURE_CHUNK 256u /* bytes covered by one EEXTEND */

/* The SDM defines the records byte by byte, little-endian; we fill them as
 * native structs, which is only the same thing on a little-endian host. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "measurement records are little-endian");

/* Record tags: the ASCII operation names, NUL-padded to 8 bytes. */
#define TAG_ECREATE 0x0045544145524345ull /* "ECREATE\0" */
#define TAG_EADD 0x0000000044444145ull    /* "EADD\0\0\0\0" */
#define TAG_EEXTEND 0x00444E4554584545ull /* "EEXTEND\0" */

/* SECINFO.FLAGS fields that EADD checks (SDM EADD, Linux
 * sgx_validate_secinfo). */
#define SECINFO_PERM_MASK (SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X)
#define SECINFO_PT_MASK (0xffull << 8)

struct rec_ecreate {
	uint64_t tag;
	uint32_t ssa_frame_size; /* in pages */
	uint64_t size;
	uint8_t reserved[44];
} __attribute__((packed));

struct rec_eadd {
	uint64_t tag;
	uint64_t offset;
	uint64_t secinfo_flags; /* first 48 bytes of SECINFO: flags ... */
	uint8_t secinfo_reserved[40]; /* ... then its reserved bytes (zero) */
} __attribute__((packed));

struct rec_eextend {
	uint64_t tag;
	uint64_t offset;
	uint8_t reserved[48];
} __attribute__((packed)); /* followed in the hash by 256 data bytes */

_Static_assert(sizeof(struct rec_ecreate) == 64, "ECREATE record is 64 bytes");
_Static_assert(sizeof(struct rec_eadd) == 64, "EADD record is 64 bytes");
_Static_assert(sizeof(struct rec_eextend) == 64, "EEXTEND record is 64 bytes");

struct measure {
	EVP_MD_CTX *ctx;
	uint64_t enclave_size;
	int failed; /* a hash update failed: the digest is unusable */
};

/* Feeds bytes to the digest; a failure sticks so finish reports it. */
static int measure_update(struct measure *m, const void *data, size_t len)
{
	if (m->failed)
		return -EIO;
	if (EVP_DigestUpdate(m->ctx, data, len) != 1) {
		m->failed = 1;
		return -EIO;
	}
	return 0;
}

/* ECREATE's own checks (as Linux's sgx_validate_secs applies them). */
static int size_valid(uint64_t size)
{
	return size >= 2ull * MEASURE_PAGE && (size & (size - 1)) == 0;
}

static int offset_valid(const struct measure *m, uint64_t off)
{
	return (off & (MEASURE_PAGE - 1)) == 0 && off < m->enclave_size;
}

/* Rejects SECINFOs that EADD would fault on.  For TCS pages the CPU
 * silently clears R/W/X, so which value gets measured is exactly the kind
 * of question we refuse to guess at: TCS must come with no permissions. */
static int secinfo_valid(uint64_t flags)
{
	uint64_t perm = flags & SECINFO_PERM_MASK;
	uint64_t pt = flags & SECINFO_PT_MASK;

	if (flags & ~(SECINFO_PERM_MASK | SECINFO_PT_MASK))
		return 0;
	if (pt == SGX_SECINFO_TCS)
		return perm == 0;
	if (pt != SGX_SECINFO_REG)
		return 0;
	return !((perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R));
}

static int measure_ecreate(struct measure *m, uint32_t ssa_frame_pages)
{
	struct rec_ecreate r;

	memset(&r, 0, sizeof(r));
	r.tag = TAG_ECREATE;
	r.ssa_frame_size = ssa_frame_pages;
	r.size = m->enclave_size;
	return measure_update(m, &r, sizeof(r));
}

struct measure *measure_new(uint64_t enclave_size, uint32_t ssa_frame_pages)
{
	struct measure *m;

	if (!size_valid(enclave_size) || ssa_frame_pages == 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->enclave_size = enclave_size;
	m->ctx = EVP_MD_CTX_new();
	if (!m->ctx || EVP_DigestInit_ex(m->ctx, EVP_sha256(), NULL) != 1 ||
	    measure_ecreate(m, ssa_frame_pages) != 0) {
		measure_free(m);
		errno = ENOMEM; /* libcrypto failures here are allocations */
		return NULL;
	}
	return m;
}

int measure_eadd(struct measure *m, uint64_t page_offset, uint64_t secinfo_flags)
{
	struct rec_eadd r;

	if (!m || !offset_valid(m, page_offset) || !secinfo_valid(secinfo_flags))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.tag = TAG_EADD;
	r.offset = page_offset;
	r.secinfo_flags = secinfo_flags;
	return measure_update(m, &r, sizeof(r));
}

int measure_eextend_page(struct measure *m, uint64_t page_offset,
			 const void *page4k)
{
	const uint8_t *data = page4k;
	struct rec_eextend r;
	unsigned int i;
	int err;

	if (!m || !page4k || !offset_valid(m, page_offset))
		return -EINVAL;
	for (i = 0; i < MEASURE_PAGE; i += MEASURE_CHUNK) {
		memset(&r, 0, sizeof(r));
		r.tag = TAG_EEXTEND;
		r.offset = page_offset + i; /* each chunk names its own offset */
		err = measure_update(m, &r, sizeof(r));
		if (!err)
			err = measure_update(m, data + i, MEASURE_CHUNK);
		if (err)
			return err;
	}
	return 0;
}

int measure_finish(struct measure *m, uint8_t mrenclave[32])
{
	unsigned int len = 0;
	int err = 0;

	if (!m || !mrenclave) {
		measure_free(m);
		return -EINVAL;
	}
	if (m->failed || EVP_DigestFinal_ex(m->ctx, mrenclave, &len) != 1 ||
	    len != 32) {
		memset(mrenclave, 0, 32); /* never hand out a partial digest */
		err = -EIO;
	}
	measure_free(m);
	return err;
}

void measure_free(struct measure *m)
{
	if (!m)
		return;
	EVP_MD_CTX_free(m->ctx);
	free(m);
}

void measure_hex(const uint8_t mrenclave[32], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[mrenclave[i] >> 4];
		out[2 * i + 1] = digits[mrenclave[i] & 0xf];
	}
	out[64] = '\0';
}
