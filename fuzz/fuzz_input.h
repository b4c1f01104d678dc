/* Reading a libFuzzer input: each harness sets in_p/in_n to the input in
 * LLVMFuzzerTestOneInput and takes values from it; past its end every
 * value is zero (so any prefix of an input is an input).  The position is
 * one per harness binary (fuzz_input.c), shared by all its files: the
 * forward harness's generator and mock host read the same input. */
#ifndef SCONCE_FUZZ_INPUT_H
#define SCONCE_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

extern const uint8_t *in_p;
extern size_t in_n;

static inline uint8_t u8(void)
{
	if (!in_n)
		return 0;
	in_n--;
	return *in_p++;
}
static inline uint16_t u16(void)
{
	uint16_t v = u8();
	return (uint16_t)(v | (uint16_t)u8() << 8);
}
static inline uint32_t u32(void)
{
	uint32_t v = u16();
	return v | (uint32_t)u16() << 16;
}
static inline uint64_t u64(void)
{
	uint64_t v = u32();
	return v | (uint64_t)u32() << 32;
}
/* Up to n bytes of the input into dst; how many there were. */
static inline size_t take(void *dst, size_t n)
{
	if (n > in_n)
		n = in_n;
	memcpy(dst, in_p, n);
	in_p += n;
	in_n -= n;
	return n;
}

#endif
