/*
 * A mock of the parts of the trusted runtime that the fuzzed sources call,
 * for running runtime/forward*.c and runtime/boot.c on the host under
 * libFuzzer.  Built with glibc headers; never linked into the enclave.
 *
 *   - a fake enclave: one mapping whose size is a power of two and whose
 *     base is aligned to it (rt.base/rt.size), with inaccessible guard
 *     regions of the same size on both sides;
 *   - a fake shared area holding the current slot's bounce buffer, with
 *     canary bytes around it and inaccessible pages beyond those;
 *   - a fake current thread owning one slot (rt_call_begin/rt_call_end,
 *     rt_bounce_alloc/rt_bounce_avail/rt_bounce_reset behave as queue.c);
 *   - rt_host_syscall calling the harness's hook (the hostile host);
 *   - rt_security_fail/rt_fatal/rt_die_by_signal/rt_exit_process
 *     longjmp-ing back to the harness (MOCK_TRY);
 *   - rt_sys_futex for one thread (the runtime's sleeping mutex): waking
 *     is a no-op, waiting on a lock that is held aborts (it was left held).
 */
#ifndef SCONCE_FUZZ_MOCK_RT_H
#define SCONCE_FUZZ_MOCK_RT_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#define MOCK_ENCLAVE_SIZE (1ul << 18)   /* 256 KiB, base aligned to it */
#define MOCK_BOUNCE_MAX (64ul * 1024)   /* largest bounce buffer a case may pick */
#define MOCK_CANARY 4096ul              /* canary bytes on each side of it */

/* How a MOCK_TRY block ended. */
enum mock_outcome {
	MOCK_RETURNED = 0,
	MOCK_SECURITY = 1,   /* rt_security_fail: a detected attack, a correct outcome */
	MOCK_FATAL = 2,      /* rt_fatal */
	MOCK_EXITED = 3,     /* rt_die_by_signal / rt_exit_process */
};

extern jmp_buf mock_jmp;
extern int mock_jmp_armed;
extern const char *mock_fail_call, *mock_fail_rule;
extern char mock_fail_msg[256];

/* Run STMT; evaluates to a mock_outcome.  STMT must not return. */
#define MOCK_TRY(stmt)                                                  \
	({                                                              \
		int mock_o_ = setjmp(mock_jmp);                         \
		if (mock_o_ == 0) {                                     \
			mock_jmp_armed = 1;                             \
			stmt;                                           \
		}                                                       \
		mock_jmp_armed = 0;                                     \
		mock_o_;                                                \
	})

/* Maps everything (once) and sets rt.base/rt.size. */
void mock_init(void);
uint8_t *mock_enclave(void);          /* == (uint8_t *)rt.base */

/* The current slot's bounce buffer (untrusted).  mock_reset_call picks
 * its size for the next call, fills it with `stale` and rewrites the
 * canaries; mock_canaries_ok checks that nothing outside the buffer was
 * written. */
extern uint8_t *mock_bounce;
extern size_t mock_bounce_size, mock_bounce_used;
extern int mock_slot_held, mock_calls_begun, mock_calls_ended;
void mock_reset_call(size_t bounce_size, uint8_t stale);
int mock_canaries_ok(void);
int mock_all_bytes(const uint8_t *p, size_t n, uint8_t v);
/* Inaccessible memory outside the enclave and the shared area. */
uintptr_t mock_noaccess(void);

/* The hostile host: called by rt_host_syscall with the marshalled args. */
extern long (*mock_host_hook)(long nr, const long h[6]);

/* rt_forward's SIGPIPE delivery, recorded. */
extern int mock_sigpipe_raised;

#endif
