/* sconce: vfork cannot share the enclave's memory with a child; behave
 * like musl's generic vfork, which is fork. */
.global vfork
.type vfork,@function
vfork:
	jmp fork
