/*
 * Enclave entry and exit.  This is the only code that runs with the host's
 * stack pointer loaded.  Conventions (same in sim and sgx):
 *   entry: RDI = command, RSI = argument, RCX = host return address,
 *          GS base = this ethread's control page.
 *   exit:  RAX = exit reason, RDI = value; every other general-purpose
 *          register is cleared so no enclave state leaks to the host.
 */
#define CTL_STACK_TOP_OFF 16
#define CTL_SELF 24
#define CTL_HOST_RSP 32
#define CTL_HOST_RBP 40
#define CTL_HOST_RET 48
#define CTL_ENCL_RSP 56
#define CTL_FSBASE 64
#define CTL_FSGSBASE 72
#define CTL_STATE 80
#define CTL_EXC_HOST_RSP 88
#define CTL_EXC_HOST_RBP 96
#define CTL_EXC_HOST_RET 104
#define CTL_JMP_SCRATCH 112
#define SCONCE_ENTER_EXCEPTION 4
/* The second SSA frame's page serves as the exception handler's stack:
 * control page, TCS, SSA frame 0, SSA frame 1 follow each other. */
#define EXC_STACK_TOP (4 * 4096)
/* CTL_STATE: 0 outside, 1 inside, 2 outside serving an ocall */
#define SCONCE_ENTER_RESUME 3
#define SCONCE_EXIT_OCALL 1
#define SCONCE_EXIT_RETURN 2

	.text
	.global __sconce_entry
	.type __sconce_entry,@function
__sconce_entry:
	cmp $SCONCE_ENTER_EXCEPTION, %rdi
	je .Lexception
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

	/* An exception interrupted this ethread inside the enclave and its
	 * state is in SSA frame 0.  Decide on the exception stack, keeping
	 * the interrupted entry's host context intact. */
.Lexception:
	cmpq $1, %gs:CTL_STATE
	jne .Lrefuse
	movq $3, %gs:CTL_STATE
	mov %rsp, %gs:CTL_EXC_HOST_RSP
	mov %rbp, %gs:CTL_EXC_HOST_RBP
	mov %rcx, %gs:CTL_EXC_HOST_RET
	cld
	mov %gs:CTL_SELF, %rsp
	add $EXC_STACK_TOP, %rsp
	xor %ebp, %ebp
	mov %rsi, %rdi
	call rt_exception
	movq $1, %gs:CTL_STATE
	mov %rax, %rdi
	mov $SCONCE_EXIT_RETURN, %eax
	mov %gs:CTL_EXC_HOST_RSP, %rsp
	mov %gs:CTL_EXC_HOST_RBP, %rbp
	mov %gs:CTL_EXC_HOST_RET, %rcx
	jmp .Lclear

.Lresume:
	/* Back from an ocall: restore FS (if we may) and the saved context.
	 * WRFSBASE is slow (14 ns on AMD EPYC), and a host that served the
	 * call without switching FS left ours in place: compare first. */
	cmpq $0, %gs:CTL_FSGSBASE
	je 1f
	mov %gs:CTL_FSBASE, %rax
	rdfsbase %rdx
	cmp %rax, %rdx
	je 1f
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
.Lclear:
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

/* First code of a delivered fault: on the application's stack, with the
 * signal frame built by rt_exception at RSP.  Saves the FPU/SSE state the
 * handler may clobber, runs the handler, then resumes the (possibly
 * changed) interrupted context. */
	.global rt_fault_trampoline
	.hidden rt_fault_trampoline
	.type rt_fault_trampoline,@function
rt_fault_trampoline:
	mov %rsp, %rbx              /* the frame */
	sub $512, %rsp
	and $-64, %rsp
	fxsave64 (%rsp)
	mov %rsp, %r12
	mov %rbx, %rdi
	call rt_fault_deliver       /* returns the gregs to resume */
	fxrstor64 (%r12)
	mov %rax, %rdi
	/* gregs in ucontext order: r8..r15, rdi, rsi, rbp, rbx, rdx, rax,
	 * rcx, rsp, rip, eflags */
	mov 128(%rdi), %rax         /* RIP via the per-ethread scratch word */
	mov %rax, %gs:CTL_JMP_SCRATCH
	pushq 136(%rdi)
	popfq
	mov 0(%rdi), %r8
	mov 8(%rdi), %r9
	mov 16(%rdi), %r10
	mov 24(%rdi), %r11
	mov 32(%rdi), %r12
	mov 40(%rdi), %r13
	mov 48(%rdi), %r14
	mov 56(%rdi), %r15
	mov 72(%rdi), %rsi
	mov 80(%rdi), %rbp
	mov 88(%rdi), %rbx
	mov 96(%rdi), %rdx
	mov 104(%rdi), %rax
	mov 112(%rdi), %rcx
	mov 120(%rdi), %rsp
	mov 64(%rdi), %rdi
	jmp *%gs:CTL_JMP_SCRATCH
	.size rt_fault_trampoline, .-rt_fault_trampoline

	.section .note.GNU-stack,"",@progbits
