/* Host side of the file-system shield: the start-up configuration and the
 * fspf volume as the `sconce fspf` tool sees it (glibc, libcrypto). */
#ifndef SCONCE_HOST_FSPF_H
#define SCONCE_HOST_FSPF_H

#include <stddef.h>
#include <stdint.h>
#include <sconce/fspf.h>

/* fspf_conf.c: the development form of the start-up configuration */
struct fs_cfg {
	char *path;            /* the configuration file */
	char *fspf;            /* absolute */
	char *tag_file;        /* absolute, or NULL */
	char *cwd;             /* or NULL */
	uint8_t key[SCONCE_FSPF_KEY];
	int have_key;
	uint8_t tag[SCONCE_FSPF_TAG];
	int have_tag;          /* from fspf_tag or the tag file */
	char **args;
	int nargs;
	char **env;
	int nenv;
	int have_env;          /* env lines replace the host environment */
};
int fscfg_load(const char *path, struct fs_cfg *c);
/* The struct sconce_fs_config blob for the enclave (malloc'd). */
int fscfg_blob(const struct fs_cfg *c, void **blob, size_t *size);
int hex_decode(const char *s, uint8_t *out, size_t n);
void hex_encode(const uint8_t *in, size_t n, char *out);
int read_hex_file(const char *path, uint8_t *out, size_t n);
int write_tag_file(const char *path, const uint8_t tag[SCONCE_FSPF_TAG]);
/* Resolve PATH relative to directory BASE (NULL: the working directory)
 * and normalise it lexically (., .., //). */
char *abs_path(const char *base, const char *path);

/* The run command's hook: set by --config, consumed when the shared area
 * is built (sim.c). */
extern const void *fscfg_run_blob;
extern size_t fscfg_run_blob_size;
/* sconce run --config FILE: load it, put its arguments after the image
 * (argv[*i]) and before the command line's, replace the environment if it
 * has env lines, and prepare the blob.  0 or -1 (reported). */
int fscfg_apply_run(const char *path, int *argc, char ***argv, int *i);

/* fspf_tool.c: `sconce fspf` (its other files: fspf_tool.h) */
int cmd_fspf(int argc, char **argv);

#endif
