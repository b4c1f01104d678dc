/*
 * The file-system protection file (fspf), format version 1, and the
 * file-system part of the start-up configuration.  Plain data definitions
 * shared by the host tool (`sconce fspf`) and the enclave's file-system
 * shield; docs/fspf.md describes the format in prose.
 *
 * All integers are little-endian.  Every structure has explicit padding.
 *
 * fspf file      = struct sconce_fspf_header, then the sealed body
 *                  (AES-256-GCM under the fspf key; AAD = the header up to
 *                  and excluding `tag`; the GCM tag is `tag`).
 * body plaintext = struct sconce_fspf_body,
 *                  nregions x (struct sconce_fspf_region, path, pad to 8),
 *                  nfiles   x (struct sconce_fspf_file, path, pad to 8,
 *                              nchunks x struct sconce_fspf_chunk).
 * protected file = on the host, at its own path: chunk i holds plaintext
 *                  bytes [i*CHUNK, min(size, (i+1)*CHUNK)); encrypted
 *                  files hold the AES-128-GCM ciphertext (same length),
 *                  authenticated files the plaintext itself.  Chunk
 *                  nonces and tags live in the fspf, never in the file.
 * chunk AAD      = struct sconce_fspf_aad (volume, file, index, length,
 *                  version); authenticated chunks also authenticate the
 *                  plaintext as AAD (GMAC), encrypted ones encrypt it.
 * journal        = struct sconce_fspf_journal, the new fspf file, then
 *                  records (struct sconce_fspf_jrec + payload), see
 *                  docs/fspf.md "Crash consistency".
 */
#ifndef SCONCE_FSPF_H
#define SCONCE_FSPF_H

#include <stdint.h>

#define SCONCE_FSPF_MAGIC "sconfspf"          /* 8 bytes, no NUL */
#define SCONCE_FSPF_VERSION 1u
#define SCONCE_FSPF_CHUNK 4096u               /* plaintext bytes per chunk */
#define SCONCE_FSPF_KEY 32u                   /* fspf key: AES-256-GCM */
#define SCONCE_FSPF_FILE_KEY 16u              /* per-file key: AES-128-GCM */
#define SCONCE_FSPF_NONCE 12u
#define SCONCE_FSPF_TAG 16u
#define SCONCE_FSPF_ID 16u
#define SCONCE_FSPF_PATH_MAX 4095u
#define SCONCE_FSPF_MAX_REGIONS 256u
#define SCONCE_FSPF_MAX_BODY (1ull << 32)     /* 4 GiB: sanity bound */

/* Region modes.  Unlisted paths are unprotected as well. */
enum sconce_fspf_mode {
	SCONCE_FSPF_UNPROTECTED = 0,   /* passed to the host untouched */
	SCONCE_FSPF_AUTHENTICATED = 1, /* integrity and freshness, plaintext on disk */
	SCONCE_FSPF_ENCRYPTED = 2,     /* confidentiality, integrity and freshness */
};

struct sconce_fspf_header {
	char magic[8];            /* SCONCE_FSPF_MAGIC */
	uint32_t version;         /* SCONCE_FSPF_VERSION */
	uint32_t flags;           /* 0 */
	uint64_t generation;      /* commit counter: +1 on every commit */
	uint64_t body_size;       /* bytes of sealed body that follow */
	uint8_t nonce[SCONCE_FSPF_NONCE]; /* fresh for every commit */
	uint32_t reserved;        /* 0 */
	uint8_t tag[SCONCE_FSPF_TAG];     /* GCM tag: the fspf's identity */
};
#define SCONCE_FSPF_HEADER_AAD 48u /* bytes of the header that are AAD */

struct sconce_fspf_body {
	uint32_t nregions;
	uint32_t nfiles;
	uint32_t chunk_size;      /* SCONCE_FSPF_CHUNK */
	uint32_t reserved;        /* 0 */
	uint8_t volume_id[SCONCE_FSPF_ID]; /* random, fixed at creation */
};

struct sconce_fspf_region {
	uint32_t mode;            /* enum sconce_fspf_mode */
	uint32_t path_len;        /* absolute, normalised, no trailing '/' */
};

struct sconce_fspf_file {
	uint32_t mode;            /* AUTHENTICATED or ENCRYPTED */
	uint32_t path_len;        /* absolute, normalised */
	uint64_t size;            /* plaintext size in bytes */
	uint64_t version;         /* per-file commit counter */
	uint64_t nchunks;         /* == ceil(size / chunk_size) */
	uint8_t file_id[SCONCE_FSPF_ID];  /* random, fixed at creation */
	uint8_t key[SCONCE_FSPF_FILE_KEY];/* random per file */
};

struct sconce_fspf_chunk {
	uint8_t nonce[SCONCE_FSPF_NONCE]; /* fresh for every seal */
	uint32_t reserved;        /* 0 */
	uint64_t version;         /* file version when this chunk was sealed */
	uint8_t tag[SCONCE_FSPF_TAG];
};

/* Additional authenticated data of one chunk. */
struct sconce_fspf_aad {
	uint8_t volume_id[SCONCE_FSPF_ID];
	uint8_t file_id[SCONCE_FSPF_ID];
	uint64_t index;           /* chunk number */
	uint64_t length;          /* plaintext bytes in this chunk */
	uint64_t version;         /* == sconce_fspf_chunk.version */
	uint32_t mode;            /* AUTHENTICATED or ENCRYPTED */
	uint32_t reserved;
};

/* ---------------------------------------------------------------------
 * Journal (redo log), at <fspf>.journal while a commit is in progress.
 * --------------------------------------------------------------------- */
#define SCONCE_FSPF_JMAGIC "sconjrnl"

struct sconce_fspf_journal {
	char magic[8];            /* SCONCE_FSPF_JMAGIC */
	uint32_t version;         /* SCONCE_FSPF_VERSION */
	uint32_t nrecords;
	uint8_t prev_tag[SCONCE_FSPF_TAG]; /* the fspf this commit starts from */
	uint8_t new_tag[SCONCE_FSPF_TAG];  /* the fspf it produces (in the journal) */
	uint64_t body_size;       /* bytes after this header */
	uint8_t digest[32];       /* SHA-256 of the bytes after this header */
	uint8_t nonce[SCONCE_FSPF_NONCE];
	uint32_t reserved;
	uint8_t tag[SCONCE_FSPF_TAG];      /* GCM (fspf key), no plaintext, AAD = all above */
};
#define SCONCE_FSPF_JOURNAL_AAD 104u

enum sconce_fspf_jop {
	SCONCE_FSPF_J_WRITE = 1,    /* write payload at offset of path */
	SCONCE_FSPF_J_TRUNCATE = 2, /* set path's size to offset (creating it) */
	SCONCE_FSPF_J_RENAME = 3,   /* rename path to payload (if path exists) */
	SCONCE_FSPF_J_UNLINK = 4,   /* remove path (if it exists) */
};

struct sconce_fspf_jrec {
	uint32_t op;              /* enum sconce_fspf_jop */
	uint32_t path_len;        /* path bytes follow, then pad to 8 */
	uint64_t offset;
	uint64_t len;             /* payload bytes after the path, then pad to 8 */
};

/* ---------------------------------------------------------------------
 * The file-system part of the start-up configuration, as the host hands
 * it to the enclave (sconce_boot.fs_config_off / fs_config_size).
 * --------------------------------------------------------------------- */
#define SCONCE_FSCONF_MAGIC 0x666e6f6373667363ull /* "cscfsconf" */
#define SCONCE_FSCONF_WRITABLE 1u /* a tag file keeps the freshness anchor */

struct sconce_fs_config {
	uint64_t magic;           /* SCONCE_FSCONF_MAGIC */
	uint32_t flags;           /* SCONCE_FSCONF_* */
	uint32_t fspf_len;        /* path of the fspf, follows this struct */
	uint32_t tagfile_len;     /* path of the tag file, after the fspf path */
	uint32_t cwd_len;         /* initial working directory, after that */
	uint8_t key[SCONCE_FSPF_KEY];
	uint8_t tag[SCONCE_FSPF_TAG];     /* the fspf's expected tag */
};

#endif
