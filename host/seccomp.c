/*
 * The sim backend's wall: a seccomp filter that traps every system call
 * whose instruction pointer lies inside the enclave.  Because the enclave
 * is a power-of-two region aligned to its size, "inside" is one mask and
 * compare on each half of the 64-bit instruction pointer.
 *
 * The filter goes on the calling thread only (no TSYNC): ethread 0
 * installs it, and the ethreads it then creates inherit it.  The host's
 * own threads -- system-call workers, the signal thread -- are created
 * before it or by one another and never carry it: they never run enclave
 * code, and their calls then cost what native calls cost.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sim.h"

#define IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI (offsetof(struct seccomp_data, instruction_pointer) + 4)

int seccomp_install(uintptr_t base, uint64_t size)
{
	uint64_t mask = ~(size - 1);
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (uint32_t)(mask >> 32)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)((uint64_t)base >> 32), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (uint32_t)mask),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)base, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		host_err("installing the seccomp filter: %s", strerror(errno));
		return -1;
	}
	return 0;
}
