/*
 * The sim backend's EENTER.  It plays the part of the CPU: jump to the
 * enclave's entry with RCX = return address, and on the way back restore
 * the host's FS base before any host code (which uses glibc's TLS) runs.
 *
 * long sim_enter(struct sim_thread *t, long cmd, long arg)
 * returns the exit reason; the exit value is stored in t->exit_value.
 */
#define T_ENTRY 0
#define T_HOST_FS 8
#define T_ENCL_FS 16
#define T_FSGSBASE 24
#define T_EXIT_VALUE 32
#define T_EXIT_COUNTED 40
#define T_IN_EXIT 48
#define T_EXIT_NR 56
#define SLOT_ARGS 8    /* struct sconce_slot */
#define SLOT_RET 56
#define EXIT_OCALL 1   /* SCONCE_EXIT_OCALL */
#define ENTER_RESUME 3 /* SCONCE_ENTER_RESUME */

	.text
	.global sim_enter
	.hidden sim_enter
	.type sim_enter,@function
sim_enter:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	mov %rdi, %rbx
	mov %rsi, %r12
	mov %rdx, %r13
	cmpq $0, T_FSGSBASE(%rbx)
	jne .Lenter
	/* No FSGSBASE: the enclave's FS comes from the host, via a call. */
	mov $158, %eax
	mov $0x1002, %edi
	mov T_ENCL_FS(%rbx), %rsi
	syscall
.Lenter:
	mov T_ENTRY(%rbx), %rax
	mov %r12, %rdi
	mov %r13, %rsi
	lea .Lback(%rip), %rcx
	jmp *%rax
.Lback:
	mov (%rsp), %rbx
	mov %rdi, T_EXIT_VALUE(%rbx)
	mov %rax, %r12
	/* An ocall the fast path can serve without the host's FS (no TLS):
	 * serve it and resume, leaving the enclave's FS in place, which the
	 * enclave then need not load again (slot_call.c). */
	cmp $EXIT_OCALL, %eax
	jne 5f
	cmpq $0, T_FSGSBASE(%rbx)
	je 5f
	mov %rbx, %rdi
	call slot_call_fast
	cmp $1, %rax
	jb 5f                       /* 0: the full path */
	je 6f                       /* 1: served */
	mov %rax, %r14              /* a plain call: make it here */
	mov T_EXIT_NR(%rbx), %rax   /* the number slot_call_fast checked */
	mov SLOT_ARGS(%r14), %rdi
	mov SLOT_ARGS+8(%r14), %rsi
	mov SLOT_ARGS+16(%r14), %rdx
	mov SLOT_ARGS+24(%r14), %r10
	mov SLOT_ARGS+32(%r14), %r8
	mov SLOT_ARGS+40(%r14), %r9
	syscall
	mov %rax, SLOT_RET(%r14)
	cmpq $0, T_EXIT_COUNTED(%rbx)
	je 6f
	movq $0, T_IN_EXIT(%rbx)     /* release: stores are not reordered */
6:	mov $ENTER_RESUME, %r12d
	xor %r13d, %r13d
	jmp .Lenter
5:	cmpq $0, T_FSGSBASE(%rbx)
	je 2f
	mov T_HOST_FS(%rbx), %rax
	wrfsbase %rax
	jmp 3f
2:	mov $158, %eax
	mov $0x1002, %edi
	mov T_HOST_FS(%rbx), %rsi
	syscall
3:	mov %r12, %rax
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size sim_enter, .-sim_enter

/*
 * Signal handlers on an ethread may interrupt enclave code, when FS holds
 * the enclave's value.  This wrapper finds the thread's sim_thread at the
 * base of its (aligned) signal stack, restores the host FS, calls the C
 * handler, and puts the interrupted FS back before returning.
 *   void sim_signal_entry(int sig, siginfo_t *si, void *uc)
 */
#define ALTSTACK_SIZE 65536
	.global sim_signal_entry
	.hidden sim_signal_entry
	.type sim_signal_entry,@function
sim_signal_entry:
	push %rbx
	push %r12
	push %r13
	mov %rsp, %rbx
	and $-ALTSTACK_SIZE, %rbx
	mov (%rbx), %rbx            /* struct sim_thread * */
	sub $16, %rsp
	mov %rdi, %r12
	mov %rsi, %r13
	cmpq $0, T_FSGSBASE(%rbx)
	je 1f
	rdfsbase %rax
	mov %rax, (%rsp)
	mov T_HOST_FS(%rbx), %rax
	wrfsbase %rax
	jmp 2f
1:	push %rdx
	mov $158, %eax              /* arch_prctl(ARCH_GET_FS, &saved) */
	mov $0x1003, %edi
	lea 8(%rsp), %rsi
	syscall
	mov $158, %eax
	mov $0x1002, %edi
	mov T_HOST_FS(%rbx), %rsi
	syscall
	pop %rdx
2:	mov %r12, %rdi
	mov %r13, %rsi
	mov %rbx, %rcx
	call sim_signal_handler
	cmpq $0, T_FSGSBASE(%rbx)
	je 3f
	mov (%rsp), %rax
	wrfsbase %rax
	jmp 4f
3:	mov $158, %eax
	mov $0x1002, %edi
	mov (%rsp), %rsi
	syscall
4:	add $16, %rsp
	pop %r13
	pop %r12
	pop %rbx
	ret
	.size sim_signal_entry, .-sim_signal_entry

	.section .note.GNU-stack,"",@progbits
