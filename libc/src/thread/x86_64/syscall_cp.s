/* sconce: cancellable system calls enter the runtime's dispatcher.
 * __syscall_cp_asm(&cancel, nr, a1, a2, a3, a4, a5, a6) */
.text
.global __cp_begin
.hidden __cp_begin
.global __cp_end
.hidden __cp_end
.global __cp_cancel
.hidden __cp_cancel
.hidden __cancel
.global __syscall_cp_asm
.hidden __syscall_cp_asm
.type   __syscall_cp_asm,@function
__syscall_cp_asm:

__cp_begin:
	mov (%rdi),%eax
	test %eax,%eax
	jnz __cp_cancel
	mov %rsi,%rdi
	mov %rdx,%rsi
	mov %rcx,%rdx
	mov %r8,%rcx
	mov %r9,%r8
	mov 8(%rsp),%r9
	mov 16(%rsp),%rax
	push %rax
	.hidden __sconce_syscall
	call __sconce_syscall
	add $8,%rsp
__cp_end:
	ret
__cp_cancel:
	jmp __cancel
