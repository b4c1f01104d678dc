/* sconce: threads are created by the runtime's scheduler, which takes the
 * same arguments as __clone: (fn, stack, flags, arg, ptid, tls, ctid). */
.text
.global __clone
.hidden __clone
.type   __clone,@function
__clone:
	.hidden __sconce_clone
	jmp __sconce_clone
