/* sconce: signal handlers are called by the runtime and return to it, so
 * the restorer is only reached by a corrupted stack; let the runtime
 * report it. */
.global __restore_rt
.hidden __restore_rt
.type __restore_rt,@function
__restore_rt:
	mov $15, %edi
	.hidden __sconce_syscall
	call __sconce_syscall
	ud2
.size __restore_rt,.-__restore_rt
