/* sconce: a detached thread frees its own stack and exits through the
 * runtime, which switches away from that stack first. */
.text
.global __unmapself
.type   __unmapself,@function
__unmapself:
	.hidden __sconce_unmapself
	jmp __sconce_unmapself
