/* sconce: the runtime sets FS with WRFSBASE where the CPU allows it, or
 * through the host otherwise. */
.text
.global __set_thread_area
.hidden __set_thread_area
.type __set_thread_area,@function
__set_thread_area:
	.hidden __sconce_set_thread_area
	jmp __sconce_set_thread_area
