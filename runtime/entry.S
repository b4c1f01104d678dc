/*
 * Enclave entry and exit.  This is the only code that runs with the host's
 * stack pointer loaded.  Conventions (same in sim and sgx):
 *   entry: RDI = command, RSI = argument, RCX = host return address,
 *          GS base = this ethread's control page.
 *   exit:  RAX = exit reason, RDI = value; every other general-purpose
 *          register is cleared so no enclave state leaks to the host.
 */
#define CTL_STACK_TOP_OFF 16
#define CTL_HOST_RSP 32
#define CTL_HOST_RBP 40
#define CTL_HOST_RET 48
#define CTL_ENCL_RSP 56
#define CTL_FSBASE 64
#define CTL_FSGSBASE 72
#define CTL_STATE 80
/* CTL_STATE: 0 outside, 1 inside, 2 outside serving an ocall */
#define SCONCE_ENTER_RESUME 3
#define SCONCE_EXIT_OCALL 1
#define SCONCE_EXIT_RETURN 2

	.text
	.global __sconce_entry
	.type __sconce_entry,@function
__sconce_entry:
	/* Refuse entries that do not match this ethread's state: a resume
	 * with no ocall outstanding, or a new ecall while one is active. */
	cmp $SCONCE_ENTER_RESUME, %rdi
	je 1f
	cmpq $0, %gs:CTL_STATE
	jne .Lrefuse
	jmp 2f
1:	cmpq $2, %gs:CTL_STATE
	jne .Lrefuse
2:	movq $1, %gs:CTL_STATE
	mov %rsp, %gs:CTL_HOST_RSP
	mov %rbp, %gs:CTL_HOST_RBP
	mov %rcx, %gs:CTL_HOST_RET
	cld
	cmp $SCONCE_ENTER_RESUME, %rdi
	je .Lresume
	/* A new ecall starts on this ethread's runtime stack. */
	mov %gs:CTL_STACK_TOP_OFF, %rsp
	lea __ehdr_start(%rip), %rax
	add %rax, %rsp
	xor %ebp, %ebp
	call rt_ecall
	movq $0, %gs:CTL_STATE
	mov %rax, %rdi
	mov $SCONCE_EXIT_RETURN, %eax
	jmp .Leexit

.Lrefuse:
	ud2

.Lresume:
	/* Back from an ocall: restore FS (if we may) and the saved context. */
	cmpq $0, %gs:CTL_FSGSBASE
	je 1f
	mov %gs:CTL_FSBASE, %rax
	wrfsbase %rax
1:	mov %gs:CTL_ENCL_RSP, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size __sconce_entry, .-__sconce_entry

/* void rt_exit_ocall(void): leave for the ocall described in this ethread's
 * frame; returns when the host resumes the ethread. */
	.global rt_exit_ocall
	.hidden rt_exit_ocall
	.type rt_exit_ocall,@function
rt_exit_ocall:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %gs:CTL_ENCL_RSP
	movq $2, %gs:CTL_STATE
	mov $SCONCE_EXIT_OCALL, %eax
	xor %edi, %edi
.Leexit:
	mov %gs:CTL_HOST_RSP, %rsp
	mov %gs:CTL_HOST_RBP, %rbp
	mov %gs:CTL_HOST_RET, %rcx
	xor %ebx, %ebx
	xor %edx, %edx
	xor %esi, %esi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	pxor %xmm0, %xmm0
	pxor %xmm1, %xmm1
	pxor %xmm2, %xmm2
	pxor %xmm3, %xmm3
	pxor %xmm4, %xmm4
	pxor %xmm5, %xmm5
	pxor %xmm6, %xmm6
	pxor %xmm7, %xmm7
	pxor %xmm8, %xmm8
	pxor %xmm9, %xmm9
	pxor %xmm10, %xmm10
	pxor %xmm11, %xmm11
	pxor %xmm12, %xmm12
	pxor %xmm13, %xmm13
	pxor %xmm14, %xmm14
	pxor %xmm15, %xmm15
	jmp *%rcx
	.size rt_exit_ocall, .-rt_exit_ocall

	.section .note.GNU-stack,"",@progbits
