/*
 * The system call of a request slot, made so that a signal can cut it
 * short without a race (the technique of musl's cancellation points):
 *
 *   long slot_syscall(long nr, const uint64_t args[6],
 *                     const volatile uint64_t *cancel, uint64_t token)
 *
 * returns -EINTR without entering the kernel when *cancel == token, and
 * the interrupt handler (slot_call.c) moves a thread caught between that
 * check and the syscall instruction to the same exit.  A signal during
 * the call makes the kernel return -EINTR (the handler has no
 * SA_RESTART); one after it leaves the result alone.
 */
	.text
	.global slot_syscall
	.hidden slot_syscall
	.global slot_syscall_begin
	.hidden slot_syscall_begin
	.global slot_syscall_end
	.hidden slot_syscall_end
	.global slot_syscall_cancel
	.hidden slot_syscall_cancel
	.type slot_syscall,@function
slot_syscall:
	mov %rdx, %r11              /* the cancel word; syscall clobbers r11 */
	mov %rdi, %rax
	mov 24(%rsi), %r10
	mov 32(%rsi), %r8
	mov 40(%rsi), %r9
	mov 16(%rsi), %rdx
	mov (%rsi), %rdi
	mov 8(%rsi), %rsi
slot_syscall_begin:
	cmp (%r11), %rcx            /* token, in rcx until the syscall */
	je slot_syscall_cancel
	syscall
slot_syscall_end:
	ret
slot_syscall_cancel:
	mov $-4, %rax               /* -EINTR */
	ret
	.size slot_syscall, .-slot_syscall
	.section .note.GNU-stack,"",@progbits
