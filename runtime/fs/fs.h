/*
 * The file-system shield (SCONE's fs shield): files under protected path
 * prefixes are split into chunks sealed with AES-GCM; the fspf lists every
 * protected file with its key and chunk tags; commits go through a redo
 * journal.  docs/fspf.md describes the format and the protocol.
 *
 * Locks: the volume lock (fsv.lock) guards the file table, the descriptor
 * table and commits; each file's lock guards its contents and the offsets
 * of its open descriptions.  Order: file lock, then volume lock.
 */
#ifndef SCONCE_FS_H
#define SCONCE_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sconce/fspf.h>
#include "rt.h"
#include "hook.h"

#define FS_CS SCONCE_FSPF_CHUNK
#define FS_PATH 4096
#define FS_MAX_DIRTY 4096u  /* dirty chunks per file before an implicit commit (16 MiB) */
#define FS_MAX_CLEAN 256u   /* clean cached chunks per file (1 MiB) */

struct fs_mutex {
	int v;
};
void fs_lock(struct fs_mutex *m) RT_HIDDEN;
void fs_unlock(struct fs_mutex *m) RT_HIDDEN;

typedef struct fs_ctx fs_ctx;   /* crypto.c: a cipher context and its key */

/* One protected file: its committed state (as in the fspf on disk) and
 * its working state (what the application sees). */
struct fs_file {
	struct fs_file *hnext;
	char *path;
	uint32_t mode;
	uint8_t file_id[SCONCE_FSPF_ID];
	uint8_t key[SCONCE_FSPF_FILE_KEY];
	/* committed */
	int listed;                  /* present in the fspf on disk */
	uint64_t c_size, c_version, c_nchunks;
	struct sconce_fspf_chunk *c_chunks;
	/* working */
	uint64_t size;
	uint64_t zero_chunk;         /* uncached chunks from here read as zeros */
	uint8_t **cache;             /* plaintext chunks, or NULL */
	uint8_t *dirty;
	uint64_t cache_cap, ndirty, ncached;
	int changed;                 /* size changed or new: needs a commit */
	int orphan;                  /* unlinked or replaced while open */
	int opens;                   /* open descriptions */
	int hfd;                     /* private host descriptor while open */
	struct fs_mutex lock;
	fs_ctx *ctx;
};

/* An open file description (shared by dup'ed descriptors). */
struct fs_ofd {
	struct fs_file *f;
	uint64_t off;
	int flags;                   /* the application's O_ flags */
	int refs;
};

struct fs_region {
	char *path;
	size_t len;
	uint32_t mode;
};

struct fs_vol {
	int state;                   /* 0 not started, 1 ready, -1 failed */
	struct fs_mutex lock;
	struct fs_mutex init_lock;
	uint8_t key[SCONCE_FSPF_KEY];
	uint8_t tag[SCONCE_FSPF_TAG];/* the current anchor */
	int writable;
	char *fspf, *tagfile, *journal;
	uint8_t vid[SCONCE_FSPF_ID];
	uint64_t generation;
	int nreg;
	struct fs_region reg[SCONCE_FSPF_MAX_REGIONS];
	struct fs_file **ht;
	size_t htsize, nfiles;
	char cwd[FS_PATH];
	fs_ctx *ctx;                 /* fspf and journal sealing (volume lock) */
};
extern struct fs_vol fsv RT_HIDDEN;

/* crypto.c */
int fsc_init(void) RT_HIDDEN;
fs_ctx *fsc_new(void) RT_HIDDEN;
void fsc_free(fs_ctx *c) RT_HIDDEN;
/* AES-GCM: keylen 16 or 32; aad and aad2 are authenticated; in (len
 * bytes) is encrypted or decrypted into out.  0, or -1 if the tag does
 * not verify. */
int fsc_gcm(fs_ctx *c, int enc, const uint8_t *key, size_t keylen, const uint8_t nonce[12],
	    const void *aad, size_t aadlen, const void *aad2, size_t aad2len,
	    const void *in, size_t len, void *out, uint8_t tag[16]) RT_HIDDEN;
void fsc_sha256(const void *p, size_t n, uint8_t out[32]) RT_HIDDEN;
int fsc_memeq(const void *a, const void *b, size_t n) RT_HIDDEN;

/* hostio.c: forwarded file operations on host paths (enclave buffers) */
long fsh_open(const char *path, int flags, int mode) RT_HIDDEN;
long fsh_close(long fd) RT_HIDDEN;
long fsh_pread(long fd, void *buf, size_t n, uint64_t off) RT_HIDDEN;
long fsh_pwrite(long fd, const void *buf, size_t n, uint64_t off) RT_HIDDEN;
long fsh_ftruncate(long fd, uint64_t len) RT_HIDDEN;
long fsh_fsync(long fd) RT_HIDDEN;
long fsh_fsize(long fd, uint64_t *size, int *is_dir) RT_HIDDEN;
long fsh_rename(const char *a, const char *b) RT_HIDDEN;
long fsh_unlink(const char *p) RT_HIDDEN;
long fsh_exists(const char *p) RT_HIDDEN;
long fsh_fsync_dir(const char *path) RT_HIDDEN;
long fsh_read_file(const char *path, uint8_t **data, size_t *len) RT_HIDDEN;
long fsh_write_file(const char *path, const void *data, size_t len, int replace) RT_HIDDEN;

/* volume.c */
int fs_init(void) RT_HIDDEN;               /* once; 0 or -errno */
uint32_t fs_region_mode(const char *abs) RT_HIDDEN;
struct fs_file *fs_lookup(const char *abs) RT_HIDDEN;   /* volume lock held */
void fs_insert(struct fs_file *f) RT_HIDDEN;
void fs_remove(struct fs_file *f) RT_HIDDEN;
struct fs_file *fs_new_file(const char *abs, uint32_t mode) RT_HIDDEN;
void fs_free_file(struct fs_file *f) RT_HIDDEN;
/* Journal buffer of records. */
struct fs_jbuf {
	uint8_t *p;
	size_t n, cap;
	size_t open_rec;  /* offset of an open WRITE record, or (size_t)-1 */
	uint64_t next_off;
	int nrec;
};
int fs_jrec(struct fs_jbuf *j, uint32_t op, const char *path, uint64_t off, const void *payload, size_t len) RT_HIDDEN;
/* Append to the open WRITE record if it ends at off, else start one. */
uint8_t *fs_jwrite(struct fs_jbuf *j, const char *path, uint64_t off, size_t len) RT_HIDDEN;
void fs_jclose(struct fs_jbuf *j) RT_HIDDEN;
/* Commit the committed state of every listed file plus records.  Volume
 * lock held.  Returns 0; -errno with *applied == 0 if the first record
 * failed (the caller may roll back and commit again); other failures
 * fail the volume. */
int fs_commit_journal(struct fs_jbuf *j, int *applied) RT_HIDDEN;
void fs_chunk_aad(const struct fs_file *f, uint64_t idx, uint64_t len, uint64_t version,
		  struct sconce_fspf_aad *a) RT_HIDDEN;
void fs_fail(const char *why) RT_HIDDEN;   /* the volume can no longer be trusted */

/* path.c */
int fs_user_path(long p, const char **out) RT_HIDDEN;  /* validate an app path */
/* Resolve dirfd + path to an absolute normalised path.  0, or -1 if the
 * directory descriptor is unknown and the path relative. */
int fs_resolve(long dirfd, const char *path, char out[FS_PATH]) RT_HIDDEN;
/* The same with the volume lock taken: 1 if resolved, else 0. */
int fs_resolve_locked(long dirfd, const char *path, char out[FS_PATH]) RT_HIDDEN;
/* An application's path argument upath, relative to dirfd, resolved into
 * out: 1; 0 if upath is not a valid path or cannot be resolved (a call
 * the shield then leaves alone). */
int fs_app_path(long dirfd, long upath, char out[FS_PATH]) RT_HIDDEN;
/* The same, and the path lies in a protected (encrypted or authenticated)
 * region. */
int fs_protected_path(long dirfd, long upath, char out[FS_PATH]) RT_HIDDEN;
void fs_normalize(const char *in, char out[FS_PATH]) RT_HIDDEN;
void fs_dir_set(long fd, const char *abs) RT_HIDDEN;
void fs_dir_clear(long fd) RT_HIDDEN;
const char *fs_dir_get(long fd) RT_HIDDEN;

/* file.c: contents (file lock held) */
long fs_file_read(struct fs_file *f, void *buf, size_t n, uint64_t off) RT_HIDDEN;
long fs_file_write(struct fs_file *f, const void *buf, size_t n, uint64_t off) RT_HIDDEN;
long fs_file_resize(struct fs_file *f, uint64_t size) RT_HIDDEN;
long fs_file_commit(struct fs_file *f) RT_HIDDEN;
void fs_file_drop_cache(struct fs_file *f) RT_HIDDEN;

#endif
