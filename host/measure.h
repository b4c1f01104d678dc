/*
 * Enclave measurement: computes MRENCLAVE exactly as SGX hardware does
 * (Intel SDM Vol 3D, "Enclave measurement"; ECREATE/EADD/EEXTEND), so the
 * simulated enclave gets the identity a real one built from the same pages
 * would get.
 *
 * MRENCLAVE is SHA-256 over a stream of 64-byte records, one per ECREATE
 * and EADD and one (plus 256 data bytes) per 256-byte EEXTEND chunk, in the
 * order the operations are performed.  Order therefore matters: callers
 * must add pages in the same order a hardware loader would.
 */
#ifndef SCONCE_HOST_MEASURE_H
#define SCONCE_HOST_MEASURE_H

#include <stddef.h>
#include <stdint.h>

/* SECINFO.FLAGS bits */
#define SGX_SECINFO_R 0x01ull
#define SGX_SECINFO_W 0x02ull
#define SGX_SECINFO_X 0x04ull
#define SGX_SECINFO_TCS (0x01ull << 8) /* PT_TCS */
#define SGX_SECINFO_REG (0x02ull << 8) /* PT_REG */

struct measure; /* opaque */

/*
 * Starts a measurement and hashes the ECREATE record.  Returns NULL with
 * errno set: ENOMEM on allocation failure, EINVAL if enclave_size is not a
 * power of two of at least two pages or ssa_frame_pages is 0 (both would
 * make ECREATE fault, so no real enclave can have that measurement).
 */
struct measure *measure_new(uint64_t enclave_size, uint32_t ssa_frame_pages);

/*
 * Hashes the EADD record for the 4 KiB page at page_offset.  secinfo_flags
 * must be what EADD accepts: PT_REG with R/W/X (W requires R) or PT_TCS
 * with no permission bits, no reserved bits.  -EINVAL otherwise, and for an
 * offset that is unaligned or not below the enclave size.
 */
int measure_eadd(struct measure *m, uint64_t page_offset, uint64_t secinfo_flags);

/* Hashes the 16 EEXTEND records (256 data bytes each) covering one page. */
int measure_eextend_page(struct measure *m, uint64_t page_offset,
			 const void *page4k);

/*
 * Writes the final digest and frees m (also on failure).  Fails with -EIO
 * if any earlier hash update failed, so a broken measurement never yields
 * a plausible-looking MRENCLAVE.
 */
int measure_finish(struct measure *m, uint8_t mrenclave[32]);

/* Frees an unfinished measurement; NULL is fine. */
void measure_free(struct measure *m);

/* Lowercase hex, NUL-terminated, byte 0 first (memory order). */
void measure_hex(const uint8_t mrenclave[32], char out[65]);

#endif /* SCONCE_HOST_MEASURE_H */
