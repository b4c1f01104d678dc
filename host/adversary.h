/*
 * The adversarial host: `sconce run --adversary=CASE` makes the launcher
 * lie in one chosen way, to show that the enclave catches it.  For testing
 * only; refused unless SCONCE_ALLOW_ADVERSARY=1.
 */
#ifndef SCONCE_ADVERSARY_H
#define SCONCE_ADVERSARY_H

#include <stdio.h>
#include "sim.h"

int adversary_select(const char *name, int async); /* 0, or -1 after an error */
void adversary_list(FILE *f);
/* After the host ran slot i: may change its result and data. */
void adversary_result(struct enclave *e, uint64_t i);
/* After completion v (generation << 32 | slot) was posted: may post more. */
void adversary_completed(struct enclave *e, uint64_t v);

/* The leak check: report any enclave address leaving in a request. */
void leak_check_enable(void);
void leak_check(struct enclave *e, uint64_t i);

#endif
