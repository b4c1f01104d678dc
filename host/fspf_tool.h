/* What the files of `sconce fspf` share (host tool, glibc + libcrypto):
 * the volume in memory, the options every subcommand takes, and the
 * functions one file calls in another.
 *
 *   fspf_tool.c      the command line's front end: usage, options,
 *                    loading and saving the volume
 *   fspf_commands.c  the subcommands (create, add-region, add, list,
 *                    verify, export)
 *   fspf_seal.c      sealing and checking the fspf image and file chunks
 *   fspf_journal.c   crash recovery: finishing an interrupted commit
 *   fspf_io.c        host file I/O (whole-file read, crash-safe replace)
 */
#ifndef SCONCE_HOST_FSPF_TOOL_H
#define SCONCE_HOST_FSPF_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "fspf.h" /* the format, the configuration, hex and path helpers */

#define CS SCONCE_FSPF_CHUNK
#define PAD8(n) (((n) + 7) & ~(size_t)7)

/* ------------------------------------------------------------------ */
/* the volume in memory */

struct hfile {
	char *path;
	struct sconce_fspf_file h;
	struct sconce_fspf_chunk *ch;
};

struct hvol {
	char *fspf;
	uint8_t key[SCONCE_FSPF_KEY];
	uint8_t tag[SCONCE_FSPF_TAG];
	uint64_t generation;
	uint8_t vid[SCONCE_FSPF_ID];
	int nreg;
	struct { char *path; uint32_t mode; } reg[SCONCE_FSPF_MAX_REGIONS];
	size_t nfiles, cap;
	struct hfile *files;
};

/* ------------------------------------------------------------------ */
/* fspf_tool.c: the command line */

struct topts {
	const char *fspf;
	const char *key_hex, *key_file, *tag_hex, *tag_file, *config, *config_out;
	uint8_t key[32], tag[16];
	int have_key, have_tag;
};
/* The options of subcommand cmd (exits on an error or --help); returns the
 * index of the first argument after the fspf. */
int fspf_parse_opts(struct topts *t, const char *cmd, int argc, char **argv);
/* Recover an interrupted commit, then read and check the fspf (exits on
 * an error). */
void fspf_load_vol(struct hvol *v, struct topts *t, const char *cmd);
/* Seal and write the fspf, rewrite the tag file, print the new tag. */
void fspf_save_vol(struct hvol *v, struct topts *t, const char *cmd);

/* fspf_commands.c: each takes the subcommand's argv (argv[0] its name) */
int fspf_create(int argc, char **argv);
int fspf_add_region(int argc, char **argv);
int fspf_add(int argc, char **argv);
int fspf_list(int argc, char **argv);
int fspf_verify(int argc, char **argv);
int fspf_export(int argc, char **argv);

/* fspf_seal.c */
/* AES-GCM with a 16- or 32-byte key; aad and aad2 are authenticated, len
 * bytes of in are encrypted or decrypted into out.  0, or -1 (a decryption
 * whose tag does not verify). */
int fspf_gcm(int enc, const uint8_t *key, size_t keylen, const uint8_t nonce[12],
	     const void *aad, size_t aadlen, const void *aad2, size_t aad2len,
	     const void *in, size_t len, void *out, uint8_t tag[16]);
/* Decrypt and check an fspf image.  expect: the pinned tag or NULL. */
int fspf_open_image(struct hvol *v, const uint8_t *data, size_t len, const uint8_t *expect, const char **why);
/* Serialise and seal: a malloc'd fspf image and its new tag in v->tag. */
uint8_t *fspf_seal_image(struct hvol *v, size_t *out_len);
int fspf_cmp_path(const void *a, const void *b); /* qsort: struct hfile by path */
uint64_t fspf_chunk_len(uint64_t size, uint64_t i);
/* Seal plaintext chunk i in place (encrypted files) and record it. */
void fspf_seal_chunk(const struct hvol *v, struct hfile *f, uint64_t i, uint8_t *buf, uint64_t len);
/* Verify a file; with out >= 0 also write its plaintext there.  NULL if
 * intact, else why not. */
const char *fspf_check_file(const struct hvol *v, const struct hfile *f, int out);

/* fspf_journal.c: finish or discard an interrupted commit.  tag: the
 * anchor (updated).  0 nothing to do or discarded, 1 completed, -1
 * failed (reported). */
int fspf_recover(const char *fspf, const uint8_t key[32], uint8_t tag[16], const char *tag_file);

/* fspf_io.c: 0 or -errno */
int fspf_read_all(const char *path, uint8_t **data, size_t *len);
int fspf_write_all_fd(int fd, const void *p, size_t n, off_t off);
int fspf_fsync_dir_of(const char *path);
int fspf_replace_file(const char *path, const void *data, size_t len);

#endif
