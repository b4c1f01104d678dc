/* Helpers shared by the generic and the special marshallers. */
#ifndef SCONCE_FORWARD_H
#define SCONCE_FORWARD_H

#include "syscall_table.h"

int fw_user_range(long p, size_t n) RT_HIDDEN;
long fw_copy_in(const void *src, size_t n, void **dst) RT_HIDDEN;
long fw_finish(const struct syscall_spec *s, long ret, const long *a) RT_HIDDEN;
long fw_special(const struct syscall_spec *s, long nr, long *a) RT_HIDDEN;

#endif
