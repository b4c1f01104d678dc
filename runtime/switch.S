/*
 * Switching between application threads and the scheduler loop inside one
 * ethread.  Only callee-saved registers need saving: every switch is a
 * function call from C.
 *
 * void rt_switch(uint64_t *save_rsp, uint64_t new_rsp)
 */
	.text
	.global rt_switch
	.hidden rt_switch
	.type rt_switch,@function
rt_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size rt_switch, .-rt_switch

/* First code of a new thread: the initial frame built by rt_thread_new
 * "returns" here with the stack aligned for a call. */
	.global rt_thread_trampoline
	.hidden rt_thread_trampoline
	.type rt_thread_trampoline,@function
rt_thread_trampoline:
	xor %ebp, %ebp
	call rt_thread_start
	ud2
	.size rt_thread_trampoline, .-rt_thread_trampoline

	.section .note.GNU-stack,"",@progbits
