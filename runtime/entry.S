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
#define SCONCE_ENTER_RESUME 3
#define SCONCE_EXIT_OCALL 1
#define SCONCE_EXIT_RETURN 2

	.text
	.global __sconce_entry
	.type __sconce_entry,@function
__sconce_entry:
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
	mov %rax, %rdi
	mov $SCONCE_EXIT_RETURN, %eax
	jmp .Leexit

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
	jmp *%rcx
	.size rt_exit_ocall, .-rt_exit_ocall

	.section .note.GNU-stack,"",@progbits
