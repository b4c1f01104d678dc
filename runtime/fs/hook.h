/* The file-system shield's entry points, called from dispatch.c. */
#ifndef SCONCE_FS_HOOK_H
#define SCONCE_FS_HOOK_H

#include "rt.h"

/* True if the start-up configuration names an fspf (cheap). */
static inline int rt_fs_enabled(void)
{
	return rt.boot.fs_config_size != 0;
}
/* Serve call n if it concerns a protected file: returns 1 and the result
 * in *ret; 0 to let the call take its usual path. */
int rt_fs_dispatch(long n, const long a[6], long *ret) RT_HIDDEN;

#endif
