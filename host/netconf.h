/* Host side of the network and console shields: their keys in the
 * start-up configuration (docs/shields.md), read by the fspf_conf.c
 * parser, and the blob handed to the enclave (abi.h). */
#ifndef SCONCE_HOST_NETCONF_H
#define SCONCE_HOST_NETCONF_H

#include <stddef.h>

/* One KEY = VALUE line of the configuration at PATH:LINENO; DIR is the
 * configuration's directory (relative file names).  1: taken, 0: not a
 * shield key, -1: malformed (reported). */
int shieldcfg_key(const char *k, const char *v, const char *dir, const char *path, int lineno);
/* After the whole file: check the keys go together, build the blob.
 * 0 or -1 (reported). */
int shieldcfg_finish(const char *path);

/* Consumed when the shared area is built (sim.c); size 0: no shields. */
extern const void *shieldcfg_run_blob;
extern size_t shieldcfg_run_blob_size;

/* console_tool.c: sconce console decrypt */
int cmd_console(int argc, char **argv);

#endif
