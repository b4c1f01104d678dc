/* The input reader's position (fuzz_input.h), linked into every harness. */
#include "fuzz_input.h"

const uint8_t *in_p;
size_t in_n;
