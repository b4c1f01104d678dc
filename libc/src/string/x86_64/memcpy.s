/*
 * sconce's memcpy, replacing musl's in the enclave's C library (the
 * Makefile copies libc/ over musl's tree).  musl's version starts a
 * `rep movsq` for any copy of 8 bytes or more, which costs tens of cycles
 * before the first byte moves; the enclave makes many small copies (the
 * bounce buffers, Redis's and nginx's request handling), so this one moves
 * up to 256 bytes with plain and SSE2 loads and stores, each size class
 * as two overlapping moves of its width, and longer ones with `rep movsq`
 * after aligning the destination.
 *
 * musl's memmove jumps to __memcpy_fwd for a forward copy that may
 * overlap (destination below the source), so every path loads what it
 * stores last (the head and tail moves) before storing anything, and
 * copies the middle front to back.
 */
.global memcpy
.global __memcpy_fwd
.hidden __memcpy_fwd
.type memcpy,@function
memcpy:
__memcpy_fwd:
	mov %rdi,%rax
	cmp $16,%rdx
	jbe .Lupto16
	cmp $32,%rdx
	jbe .Lupto32
	cmp $256,%rdx
	ja .Llong

	/* 33..256: 32-byte blocks, then the last 32 bytes */
	movdqu -32(%rsi,%rdx),%xmm2
	movdqu -16(%rsi,%rdx),%xmm3
	lea -32(%rdi,%rdx),%r8
	mov %rdi,%rcx
1:	movdqu (%rsi),%xmm0
	movdqu 16(%rsi),%xmm1
	movdqu %xmm0,(%rcx)
	movdqu %xmm1,16(%rcx)
	add $32,%rsi
	add $32,%rcx
	sub $32,%rdx
	cmp $32,%rdx
	ja 1b
	movdqu %xmm2,(%r8)
	movdqu %xmm3,16(%r8)
	ret

.Lupto32: /* 17..32 */
	movdqu (%rsi),%xmm0
	movdqu -16(%rsi,%rdx),%xmm1
	movdqu %xmm0,(%rdi)
	movdqu %xmm1,-16(%rdi,%rdx)
	ret

.Lupto16:
	cmp $8,%rdx
	jb .Lupto7
	mov (%rsi),%rcx
	mov -8(%rsi,%rdx),%r8
	mov %rcx,(%rdi)
	mov %r8,-8(%rdi,%rdx)
	ret
.Lupto7:
	cmp $4,%rdx
	jb .Lupto3
	mov (%rsi),%ecx
	mov -4(%rsi,%rdx),%r8d
	mov %ecx,(%rdi)
	mov %r8d,-4(%rdi,%rdx)
	ret
.Lupto3:
	cmp $2,%rdx
	jb .Lupto1
	movzwl (%rsi),%ecx
	movzwl -2(%rsi,%rdx),%r8d
	mov %cx,(%rdi)
	mov %r8w,-2(%rdi,%rdx)
	ret
.Lupto1:
	test %rdx,%rdx
	jz 2f
	movzbl (%rsi),%ecx
	mov %cl,(%rdi)
2:	ret

.Llong: /* over 256: head and tail words, rep movsq between on an aligned destination */
	mov (%rsi),%r8
	mov -8(%rsi,%rdx),%r9
	lea -8(%rdi,%rdx),%r10
	mov %rdi,%r11
	mov %rdi,%rcx
	neg %rcx
	and $7,%rcx
	add %rcx,%rdi
	add %rcx,%rsi
	sub %rcx,%rdx
	mov %rdx,%rcx
	shr $3,%rcx
	rep
	movsq
	mov %r8,(%r11)
	mov %r9,(%r10)
	ret
.size memcpy, .-memcpy
	.section .note.GNU-stack,"",@progbits
