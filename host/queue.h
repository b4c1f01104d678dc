/* The host's side of the request queues (same ring algorithm as the
 * runtime's runtime/queue.c, on the layout in include/sconce/abi.h). */
#ifndef SCONCE_HOST_QUEUE_H
#define SCONCE_HOST_QUEUE_H

#include <stdint.h>
#include <sconce/abi.h>

int ring_push(struct sconce_ring *r, uint64_t mask, uint64_t v);
int ring_pop(struct sconce_ring *r, uint64_t mask, uint64_t *v);
int ring_empty(struct sconce_ring *r, uint64_t mask);
long host_syscall(long nr, const uint64_t a[6]);
long futex_wait(uint32_t *addr, uint32_t val, uint64_t timeout_ns);
long futex_wake(uint32_t *addr, int n);

#endif
