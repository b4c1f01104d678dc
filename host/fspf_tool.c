/*
 * `sconce fspf`: create and inspect file-system protection files (host
 * tool, glibc + libcrypto).  The format is in include/sconce/fspf.h and
 * docs/fspf.md; the enclave's shield (runtime/fs/) reads and writes the
 * same bytes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include "host.h"
#include "fspf.h"

#define CS SCONCE_FSPF_CHUNK

_Static_assert(sizeof(struct sconce_fspf_header) == SCONCE_FSPF_HEADER_AAD + SCONCE_FSPF_TAG, "header");
_Static_assert(sizeof(struct sconce_fspf_journal) == SCONCE_FSPF_JOURNAL_AAD + SCONCE_FSPF_TAG, "journal");
_Static_assert(sizeof(struct sconce_fspf_file) == 64, "file");
_Static_assert(sizeof(struct sconce_fspf_chunk) == 40, "chunk");
_Static_assert(sizeof(struct sconce_fspf_aad) == 64, "aad");

/* ------------------------------------------------------------------ */
/* crypto */

static int gcm(int enc, const uint8_t *key, size_t keylen, const uint8_t nonce[12],
	       const void *aad, size_t aadlen, const void *aad2, size_t aad2len,
	       const void *in, size_t len, void *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *c = keylen == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	int l, ok = x && EVP_CipherInit_ex(x, c, NULL, key, nonce, enc) == 1;
	if (ok && aadlen)
		ok = EVP_CipherUpdate(x, NULL, &l, aad, (int)aadlen) == 1;
	if (ok && aad2len)
		ok = EVP_CipherUpdate(x, NULL, &l, aad2, (int)aad2len) == 1;
	if (ok && len)
		ok = EVP_CipherUpdate(x, out, &l, in, (int)len) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(x, (uint8_t *)out + (len ? 0 : 0), &l) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

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

static const char *mode_name(uint32_t m)
{
	return m == SCONCE_FSPF_ENCRYPTED ? "encrypted" : m == SCONCE_FSPF_AUTHENTICATED ? "authenticated" : "unprotected";
}

static int read_all(const char *path, uint8_t **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	uint8_t *b = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (b && got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!b)
		return -ENOMEM;
	*data = b;
	*len = got;
	return 0;
}

static int write_all_fd(int fd, const void *p, size_t n, off_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p = (const uint8_t *)p + w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *d = strdup(path), *s = strrchr(d, '/');
	if (s == d)
		s[1] = 0;
	else if (s)
		*s = 0;
	else
		strcpy(d, ".");
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(d);
	if (fd < 0)
		return -errno;
	fsync(fd);
	close(fd);
	return 0;
}

static int replace_file(const char *path, const void *data, size_t len)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int r = write_all_fd(fd, data, len, 0);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r == 0)
		fsync_dir_of(path);
	return r;
}

#define PAD8(n) (((n) + 7) & ~(size_t)7)

/* Parse a decrypted body; 0 or -1 with *why set. */
static int parse_body(struct hvol *v, const uint8_t *b, size_t n, const char **why)
{
	struct sconce_fspf_body bh;
	size_t o = sizeof(bh);
	*why = "body truncated";
	if (n < sizeof(bh))
		return -1;
	memcpy(&bh, b, sizeof(bh));
	if (bh.chunk_size != CS || bh.nregions > SCONCE_FSPF_MAX_REGIONS) {
		*why = "unsupported chunk size or too many regions";
		return -1;
	}
	memcpy(v->vid, bh.volume_id, sizeof(v->vid));
	v->nreg = 0;
	for (uint32_t i = 0; i < bh.nregions; i++) {
		struct sconce_fspf_region r;
		if (n - o < sizeof(r))
			return -1;
		memcpy(&r, b + o, sizeof(r));
		o += sizeof(r);
		if (r.path_len == 0 || r.path_len > SCONCE_FSPF_PATH_MAX || n - o < PAD8(r.path_len) || r.mode > 2)
			return -1;
		v->reg[i].path = strndup((const char *)b + o, r.path_len);
		v->reg[i].mode = r.mode;
		v->nreg++;
		o += PAD8(r.path_len);
	}
	v->nfiles = 0;
	for (uint32_t i = 0; i < bh.nfiles; i++) {
		struct hfile f;
		if (n - o < sizeof(f.h))
			return -1;
		memcpy(&f.h, b + o, sizeof(f.h));
		o += sizeof(f.h);
		if (f.h.path_len == 0 || f.h.path_len > SCONCE_FSPF_PATH_MAX || n - o < PAD8(f.h.path_len))
			return -1;
		f.path = strndup((const char *)b + o, f.h.path_len);
		o += PAD8(f.h.path_len);
		if (f.h.nchunks != (f.h.size + CS - 1) / CS || f.h.nchunks > (n - o) / sizeof(*f.ch)) {
			*why = "file record inconsistent";
			return -1;
		}
		f.ch = malloc(f.h.nchunks * sizeof(*f.ch) + 1);
		memcpy(f.ch, b + o, f.h.nchunks * sizeof(*f.ch));
		o += f.h.nchunks * sizeof(*f.ch);
		if (v->nfiles == v->cap) {
			v->cap = v->cap ? 2 * v->cap : 16;
			v->files = realloc(v->files, v->cap * sizeof(*v->files));
		}
		v->files[v->nfiles++] = f;
	}
	if (o != n) {
		*why = "trailing bytes in body";
		return -1;
	}
	return 0;
}

/* Decrypt and check an fspf image.  expect: the pinned tag or NULL. */
static int open_image(struct hvol *v, const uint8_t *data, size_t len, const uint8_t *expect, const char **why)
{
	struct sconce_fspf_header h;
	*why = "too short to be an fspf";
	if (len < sizeof(h))
		return -1;
	memcpy(&h, data, sizeof(h));
	*why = "not an fspf (bad magic)";
	if (memcmp(h.magic, SCONCE_FSPF_MAGIC, 8))
		return -1;
	*why = "unsupported fspf version";
	if (h.version != SCONCE_FSPF_VERSION)
		return -1;
	*why = "size does not match its header (truncated or extended)";
	if (h.body_size != len - sizeof(h))
		return -1;
	*why = "tag differs from the expected tag (an older or foreign fspf)";
	if (expect && CRYPTO_memcmp(expect, h.tag, 16))
		return -1;
	uint8_t *body = malloc(h.body_size + 1);
	*why = "authentication failed (tampered, or wrong key)";
	if (gcm(0, v->key, 32, h.nonce, data, SCONCE_FSPF_HEADER_AAD, NULL, 0, data + sizeof(h), h.body_size, body, h.tag) < 0) {
		free(body);
		return -1;
	}
	int r = parse_body(v, body, h.body_size, why);
	free(body);
	if (r < 0)
		return -1;
	v->generation = h.generation;
	memcpy(v->tag, h.tag, 16);
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct hfile *)a)->path, ((const struct hfile *)b)->path);
}

/* Serialise and seal: a malloc'd fspf image and its new tag in v->tag. */
static uint8_t *seal_image(struct hvol *v, size_t *out_len)
{
	qsort(v->files, v->nfiles, sizeof(*v->files), cmp_path);
	size_t n = sizeof(struct sconce_fspf_body);
	for (int i = 0; i < v->nreg; i++)
		n += sizeof(struct sconce_fspf_region) + PAD8(strlen(v->reg[i].path));
	for (size_t i = 0; i < v->nfiles; i++)
		n += sizeof(struct sconce_fspf_file) + PAD8(strlen(v->files[i].path)) +
		     v->files[i].h.nchunks * sizeof(struct sconce_fspf_chunk);
	uint8_t *body = calloc(1, n), *img = calloc(1, sizeof(struct sconce_fspf_header) + n);
	struct sconce_fspf_body bh = { (uint32_t)v->nreg, (uint32_t)v->nfiles, CS, 0, { 0 } };
	memcpy(bh.volume_id, v->vid, 16);
	memcpy(body, &bh, sizeof(bh));
	size_t o = sizeof(bh);
	for (int i = 0; i < v->nreg; i++) {
		struct sconce_fspf_region r = { v->reg[i].mode, (uint32_t)strlen(v->reg[i].path) };
		memcpy(body + o, &r, sizeof(r));
		o += sizeof(r);
		memcpy(body + o, v->reg[i].path, r.path_len);
		o += PAD8(r.path_len);
	}
	for (size_t i = 0; i < v->nfiles; i++) {
		struct hfile *f = &v->files[i];
		f->h.path_len = (uint32_t)strlen(f->path);
		memcpy(body + o, &f->h, sizeof(f->h));
		o += sizeof(f->h);
		memcpy(body + o, f->path, f->h.path_len);
		o += PAD8(f->h.path_len);
		memcpy(body + o, f->ch, f->h.nchunks * sizeof(*f->ch));
		o += f->h.nchunks * sizeof(*f->ch);
	}
	struct sconce_fspf_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SCONCE_FSPF_MAGIC, 8);
	h.version = SCONCE_FSPF_VERSION;
	h.generation = ++v->generation;
	h.body_size = n;
	RAND_bytes(h.nonce, sizeof(h.nonce));
	memcpy(img, &h, sizeof(h));
	if (gcm(1, v->key, 32, h.nonce, img, SCONCE_FSPF_HEADER_AAD, NULL, 0, body, n, img + sizeof(h), h.tag) < 0)
		host_die("fspf: sealing failed");
	memcpy(img + offsetof(struct sconce_fspf_header, tag), h.tag, 16);
	memcpy(v->tag, h.tag, 16);
	free(body);
	*out_len = sizeof(h) + n;
	return img;
}

/* ------------------------------------------------------------------ */
/* chunks */

static void chunk_aad(const struct hvol *v, const struct hfile *f, uint64_t i, uint64_t len,
		      uint64_t version, struct sconce_fspf_aad *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->volume_id, v->vid, 16);
	memcpy(a->file_id, f->h.file_id, 16);
	a->index = i;
	a->length = len;
	a->version = version;
	a->mode = f->h.mode;
}

static uint64_t chunk_len(uint64_t size, uint64_t i)
{
	return size - i * CS < CS ? size - i * CS : CS;
}

/* Seal plaintext chunk i in place (encrypted files) and record it. */
static void seal_chunk(const struct hvol *v, struct hfile *f, uint64_t i, uint8_t *buf, uint64_t len)
{
	struct sconce_fspf_aad a;
	struct sconce_fspf_chunk *c = &f->ch[i];
	memset(c, 0, sizeof(*c));
	RAND_bytes(c->nonce, sizeof(c->nonce));
	c->version = f->h.version;
	chunk_aad(v, f, i, len, c->version, &a);
	int r = f->h.mode == SCONCE_FSPF_ENCRYPTED
		? gcm(1, f->h.key, 16, c->nonce, &a, sizeof(a), NULL, 0, buf, len, buf, c->tag)
		: gcm(1, f->h.key, 16, c->nonce, &a, sizeof(a), buf, len, NULL, 0, NULL, c->tag);
	if (r < 0)
		host_die("fspf: sealing failed");
}

/* Check (and decrypt in place) chunk i read from the host. */
static int open_chunk(const struct hvol *v, const struct hfile *f, uint64_t i, uint8_t *buf, uint64_t len)
{
	struct sconce_fspf_aad a;
	struct sconce_fspf_chunk c = f->ch[i];
	chunk_aad(v, f, i, len, c.version, &a);
	return f->h.mode == SCONCE_FSPF_ENCRYPTED
		? gcm(0, f->h.key, 16, c.nonce, &a, sizeof(a), NULL, 0, buf, len, buf, c.tag)
		: gcm(0, f->h.key, 16, c.nonce, &a, sizeof(a), buf, len, NULL, 0, NULL, c.tag);
}

/* Verify a file; with out >= 0 also write its plaintext there.
 * Returns NULL if intact, else why not. */
static const char *check_file(const struct hvol *v, const struct hfile *f, int out)
{
	static char why[256];
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open (%s): deleted or replaced", strerror(errno));
		return why;
	}
	struct stat st;
	fstat(fd, &st);
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return "not a regular file";
	}
	if ((uint64_t)st.st_size != f->h.size) {
		close(fd);
		snprintf(why, sizeof(why), "size %lld on disk, %llu recorded: %s",
			 (long long)st.st_size, (unsigned long long)f->h.size,
			 (uint64_t)st.st_size < f->h.size ? "truncated" : "extended");
		return why;
	}
	uint8_t buf[CS];
	for (uint64_t i = 0; i < f->h.nchunks; i++) {
		uint64_t len = chunk_len(f->h.size, i);
		if (pread(fd, buf, len, (off_t)(i * CS)) != (ssize_t)len) {
			close(fd);
			return "short read";
		}
		if (open_chunk(v, f, i, buf, len) < 0) {
			close(fd);
			snprintf(why, sizeof(why), "chunk %llu (bytes %llu..%llu) fails authentication: modified, swapped or replayed",
				 (unsigned long long)i, (unsigned long long)(i * CS),
				 (unsigned long long)(i * CS + len - 1));
			return why;
		}
		if (out >= 0 && write_all_fd(out, buf, len, (off_t)(i * CS)) < 0) {
			close(fd);
			return "cannot write the exported copy";
		}
	}
	close(fd);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the journal (crash recovery), same rules as runtime/fs/volume.c */

static int apply_records(const uint8_t *p, size_t n, const char **why)
{
	size_t o = 0;
	while (o < n) {
		struct sconce_fspf_jrec r;
		*why = "malformed record";
		if (n - o < sizeof(r))
			return -1;
		memcpy(&r, p + o, sizeof(r));
		o += sizeof(r);
		if (r.path_len == 0 || r.path_len > SCONCE_FSPF_PATH_MAX || n - o < PAD8(r.path_len))
			return -1;
		char *path = strndup((const char *)p + o, r.path_len);
		o += PAD8(r.path_len);
		if (r.len > n - o || PAD8(r.len) > n - o) {
			free(path);
			return -1;
		}
		const uint8_t *pl = p + o;
		o += PAD8(r.len);
		int fd;
		switch (r.op) {
		case SCONCE_FSPF_J_WRITE:
		case SCONCE_FSPF_J_TRUNCATE:
			fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
			if (fd < 0 || (r.op == SCONCE_FSPF_J_WRITE ? write_all_fd(fd, pl, r.len, (off_t)r.offset)
								   : ftruncate(fd, (off_t)r.offset)) < 0 ||
			    fsync(fd) < 0) {
				*why = "cannot apply a data record";
				if (fd >= 0)
					close(fd);
				free(path);
				return -1;
			}
			close(fd);
			break;
		case SCONCE_FSPF_J_RENAME: {
			char *to = strndup((const char *)pl, r.len);
			if (access(path, F_OK) == 0 && rename(path, to) < 0) {
				*why = "cannot redo a rename";
				free(to);
				free(path);
				return -1;
			}
			fsync_dir_of(to);
			free(to);
			break;
		}
		case SCONCE_FSPF_J_UNLINK:
			unlink(path);
			fsync_dir_of(path);
			break;
		default:
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

/* Finish or discard an interrupted commit.  tag: the anchor (updated). */
static int recover(const char *fspf, const uint8_t key[32], uint8_t tag[16], const char *tag_file)
{
	char jpath[4200];
	snprintf(jpath, sizeof(jpath), "%s.journal", fspf);
	uint8_t *data;
	size_t len;
	if (read_all(jpath, &data, &len) < 0)
		return 0;
	if (len == 0) { /* the normal state between commits */
		free(data);
		return 0;
	}
	struct sconce_fspf_journal j;
	const char *why = "torn or forged (authentication failed)";
	int ok = len >= sizeof(j);
	if (ok) {
		memcpy(&j, data, sizeof(j));
		ok = !memcmp(j.magic, SCONCE_FSPF_JMAGIC, 8) && j.version == SCONCE_FSPF_VERSION &&
		     j.body_size == len - sizeof(j) &&
		     gcm(0, key, 32, j.nonce, data, SCONCE_FSPF_JOURNAL_AAD, NULL, 0, NULL, 0, NULL, j.tag) == 0;
	}
	uint8_t dg[32];
	if (ok) {
		SHA256(data + sizeof(j), j.body_size, dg);
		ok = !CRYPTO_memcmp(dg, j.digest, 32);
	}
	if (ok && CRYPTO_memcmp(j.prev_tag, tag, 16) && CRYPTO_memcmp(j.new_tag, tag, 16)) {
		ok = 0;
		why = "stale (belongs to another fspf state)";
	}
	if (!ok) {
		fprintf(stderr, "sconce: fspf: discarding journal %s: %s\n", jpath, why);
		unlink(jpath);
		free(data);
		return 0;
	}
	const uint8_t *body = data + sizeof(j);
	struct sconce_fspf_header h;
	if (j.body_size < sizeof(h))
		goto bad;
	memcpy(&h, body, sizeof(h));
	if (h.body_size > j.body_size - sizeof(h) || CRYPTO_memcmp(h.tag, j.new_tag, 16))
		goto bad;
	size_t img = sizeof(h) + h.body_size;
	if (apply_records(body + PAD8(img), j.body_size - PAD8(img), &why) < 0)
		goto bad;
	if (replace_file(fspf, body, img) < 0) {
		why = "cannot write the fspf";
		goto bad;
	}
	memcpy(tag, j.new_tag, 16);
	if (tag_file)
		write_tag_file(tag_file, tag);
	unlink(jpath);
	fprintf(stderr, "sconce: fspf: completed an interrupted commit from %s\n", jpath);
	free(data);
	return 1;
bad:
	host_err("fspf: journal %s: %s", jpath, why);
	free(data);
	return -1;
}

/* ------------------------------------------------------------------ */
/* the command line */

struct topts {
	const char *fspf;
	const char *key_hex, *key_file, *tag_hex, *tag_file, *config, *config_out;
	uint8_t key[32], tag[16];
	int have_key, have_tag;
};

static void usage_common(void)
{
	printf("key and tag (any command but create needs the key):\n"
	       "  --key HEX          the fspf key, 64 hex digits\n"
	       "  --key-file FILE    file holding the key in hex\n"
	       "  --tag HEX          the expected fspf tag, 32 hex digits\n"
	       "  --tag-file FILE    file holding the tag (the freshness anchor); rewritten\n"
	       "                     when the command changes the fspf\n"
	       "  --config FILE      take fspf, key and tag from a start-up configuration\n"
	       "Without a tag the fspf is read without a freshness check (a warning is printed).\n");
}

static const char *const sub_help[][2] = {
	{ "create", "sconce fspf create [--key-file FILE] [--tag-file FILE] [--config-out FILE] FSPF\n"
		    "  Create an empty fspf with a new random volume id.  The key is read from\n"
		    "  --key/--key-file, or generated and written to --key-file if that file does\n"
		    "  not exist.  Prints the tag; --config-out writes a start-up configuration\n"
		    "  naming the fspf, key file and tag file.\n" },
	{ "add-region", "sconce fspf add-region [key/tag options] FSPF PATH MODE\n"
			"  Declare every path under the absolute PATH as MODE: encrypted,\n"
			"  authenticated or unprotected.  The longest matching prefix wins.\n" },
	{ "add", "sconce fspf add [key/tag options] FSPF PATH...\n"
		 "  Protect existing files in place: each regular file under PATH (a file\n"
		 "  or a directory tree) inside a protected region is encrypted or\n"
		 "  authenticated and listed in the fspf.  Files already listed are skipped.\n"
		 "  Not crash-safe: run it on a copy, before the volume is in use.\n" },
	{ "list", "sconce fspf list [key/tag options] FSPF\n"
		  "  Print the regions and every protected file with mode, size and version.\n" },
	{ "verify", "sconce fspf verify [key/tag options] FSPF\n"
		    "  Check every protected file against the fspf and report each tampered\n"
		    "  one (modified, swapped, truncated, extended, replayed or missing) and\n"
		    "  unlisted files inside protected regions.  Exit status 1 if any.\n" },
	{ "export", "sconce fspf export [key/tag options] FSPF PATH DEST\n"
		    "  Decrypt and verify the protected file PATH, or every protected file\n"
		    "  under the directory PATH, into DEST (a file or a directory).\n" },
};

static int sub_usage(const char *cmd)
{
	for (size_t i = 0; i < sizeof(sub_help) / sizeof(sub_help[0]); i++)
		if (!strcmp(sub_help[i][0], cmd)) {
			printf("usage: %s", sub_help[i][1]);
			if (strcmp(cmd, "create"))
				usage_common();
			return 0;
		}
	printf("usage: sconce fspf COMMAND [options] FSPF ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(sub_help) / sizeof(sub_help[0]); i++)
		printf("  %s", sub_help[i][1]);
	printf("\n");
	usage_common();
	printf("See docs/fspf.md for the format.\n");
	return 0;
}

static int parse_opts(struct topts *t, const char *cmd, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "key", required_argument, 0, 'k' }, { "key-file", required_argument, 0, 'K' },
		{ "tag", required_argument, 0, 't' }, { "tag-file", required_argument, 0, 'T' },
		{ "config", required_argument, 0, 'c' }, { "config-out", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	memset(t, 0, sizeof(*t));
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+h", lo, 0)) != -1) {
		switch (c) {
		case 'k': t->key_hex = optarg; break;
		case 'K': t->key_file = optarg; break;
		case 't': t->tag_hex = optarg; break;
		case 'T': t->tag_file = optarg; break;
		case 'c': t->config = optarg; break;
		case 'o': t->config_out = optarg; break;
		case 'h': sub_usage(cmd); exit(0);
		default:
			host_die("fspf %s: %s: unknown option or missing value (see sconce fspf %s --help)",
				 cmd, argv[optind - 1], cmd);
		}
	}
	if (t->config) {
		struct fs_cfg cf;
		if (fscfg_load(t->config, &cf) < 0)
			exit(1);
		t->fspf = cf.fspf;
		memcpy(t->key, cf.key, 32);
		t->have_key = cf.have_key;
		memcpy(t->tag, cf.tag, 16);
		t->have_tag = cf.have_tag;
		if (cf.tag_file && !t->tag_file)
			t->tag_file = cf.tag_file;
	}
	if (t->key_hex) {
		if (hex_decode(t->key_hex, t->key, 32) < 0)
			host_die("fspf %s: --key: not 64 hex digits", cmd);
		t->have_key = 1;
	} else if (t->key_file && strcmp(cmd, "create")) {
		int r = read_hex_file(t->key_file, t->key, 32);
		if (r < 0)
			host_die("fspf %s: key file %s: %s", cmd, t->key_file,
				 r == -EINVAL ? "not 64 hex digits" : strerror(-r));
		t->have_key = 1;
	}
	if (t->tag_hex) {
		if (hex_decode(t->tag_hex, t->tag, 16) < 0)
			host_die("fspf %s: --tag: not 32 hex digits", cmd);
		t->have_tag = 1;
	} else if (t->tag_file && strcmp(cmd, "create")) {
		int r = read_hex_file(t->tag_file, t->tag, 16);
		if (r < 0)
			host_die("fspf %s: tag file %s: %s", cmd, t->tag_file,
				 r == -EINVAL ? "not 32 hex digits" : strerror(-r));
		t->have_tag = 1;
	}
	if (!t->config && optind < argc)
		t->fspf = argv[optind++];
	if (!t->fspf)
		host_die("fspf %s: no fspf given (see sconce fspf %s --help)", cmd, cmd);
	return optind;
}

static void load_vol(struct hvol *v, struct topts *t, const char *cmd)
{
	memset(v, 0, sizeof(*v));
	if (!t->have_key)
		host_die("fspf %s: no key given (--key, --key-file or --config)", cmd);
	memcpy(v->key, t->key, 32);
	v->fspf = abs_path(NULL, t->fspf);
	if (t->have_tag && recover(v->fspf, v->key, t->tag, t->tag_file) < 0)
		exit(1);
	uint8_t *data;
	size_t len;
	int r = read_all(v->fspf, &data, &len);
	if (r < 0)
		host_die("fspf %s: %s: %s", cmd, t->fspf, strerror(-r));
	const char *why;
	if (!t->have_tag)
		fprintf(stderr, "sconce: fspf %s: warning: no expected tag given, freshness not checked\n", cmd);
	if (open_image(v, data, len, t->have_tag ? t->tag : NULL, &why) < 0)
		host_die("fspf %s: %s: %s", cmd, t->fspf, why);
	free(data);
}

static void save_vol(struct hvol *v, struct topts *t, const char *cmd)
{
	size_t len;
	uint8_t *img = seal_image(v, &len);
	int r = replace_file(v->fspf, img, len);
	free(img);
	if (r < 0)
		host_die("fspf %s: writing %s: %s", cmd, v->fspf, strerror(-r));
	char hex[33];
	hex_encode(v->tag, 16, hex);
	if (t->tag_file) {
		r = write_tag_file(t->tag_file, v->tag);
		if (r < 0)
			host_die("fspf %s: writing tag file %s: %s", cmd, t->tag_file, strerror(-r));
	}
	printf("%s\n", hex);
}

static uint32_t region_mode(const struct hvol *v, const char *path)
{
	size_t best = 0;
	uint32_t mode = SCONCE_FSPF_UNPROTECTED;
	for (int i = 0; i < v->nreg; i++) {
		size_t l = strlen(v->reg[i].path);
		int root = l == 1 && v->reg[i].path[0] == '/';
		if ((root || (!strncmp(path, v->reg[i].path, l) && (path[l] == '/' || path[l] == 0))) &&
		    (l > best || best == 0)) {
			best = l;
			mode = v->reg[i].mode;
		}
	}
	return mode;
}

static struct hfile *find_file(struct hvol *v, const char *path)
{
	for (size_t i = 0; i < v->nfiles; i++)
		if (!strcmp(v->files[i].path, path))
			return &v->files[i];
	return NULL;
}

static int fspf_create(int argc, char **argv)
{
	struct topts t;
	int i = parse_opts(&t, "create", argc, argv);
	if (i != argc)
		host_die("fspf create: unexpected argument '%s'", argv[i]);
	struct hvol v;
	memset(&v, 0, sizeof(v));
	v.fspf = abs_path(NULL, t.fspf);
	if (t.key_hex) {
		memcpy(v.key, t.key, 32);
	} else if (t.key_file) {
		int r = read_hex_file(t.key_file, v.key, 32);
		if (r == -ENOENT) {
			char hex[65];
			RAND_bytes(v.key, 32);
			hex_encode(v.key, 32, hex);
			int fd = open(t.key_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (fd < 0 || dprintf(fd, "%s\n", hex) < 0)
				host_die("fspf create: key file %s: %s", t.key_file, strerror(errno));
			close(fd);
		} else if (r < 0) {
			host_die("fspf create: key file %s: %s", t.key_file,
				 r == -EINVAL ? "not 64 hex digits" : strerror(-r));
		}
	} else {
		host_die("fspf create: give --key or --key-file (generated if it does not exist)");
	}
	if (access(v.fspf, F_OK) == 0)
		host_die("fspf create: %s: already exists", t.fspf);
	RAND_bytes(v.vid, sizeof(v.vid));
	save_vol(&v, &t, "create");
	if (t.config_out) {
		FILE *f = fopen(t.config_out, "w");
		if (!f)
			host_die("fspf create: %s: %s", t.config_out, strerror(errno));
		char *kf = t.key_file ? abs_path(NULL, t.key_file) : NULL;
		char *tf = t.tag_file ? abs_path(NULL, t.tag_file) : NULL;
		char hex[65];
		fprintf(f, "# sconce start-up configuration (development form: the host sees the key)\n");
		fprintf(f, "fspf = %s\n", v.fspf);
		if (kf) {
			fprintf(f, "fspf_key_file = %s\n", kf);
		} else {
			hex_encode(v.key, 32, hex);
			fprintf(f, "fspf_key = %s\n", hex);
		}
		if (tf) {
			fprintf(f, "fspf_tag_file = %s\n", tf);
		} else {
			hex_encode(v.tag, 16, hex);
			fprintf(f, "fspf_tag = %s\n", hex);
		}
		fclose(f);
		free(kf);
		free(tf);
	}
	return 0;
}

static uint32_t parse_mode(const char *s)
{
	if (!strcmp(s, "encrypted"))
		return SCONCE_FSPF_ENCRYPTED;
	if (!strcmp(s, "authenticated"))
		return SCONCE_FSPF_AUTHENTICATED;
	if (!strcmp(s, "unprotected"))
		return SCONCE_FSPF_UNPROTECTED;
	host_die("fspf add-region: '%s' is not encrypted, authenticated or unprotected", s);
}

static int fspf_add_region(int argc, char **argv)
{
	struct topts t;
	int i = parse_opts(&t, "add-region", argc, argv);
	if (argc - i != 2)
		host_die("fspf add-region: expected PATH and MODE (see sconce fspf add-region --help)");
	uint32_t mode = parse_mode(argv[i + 1]);
	if (argv[i][0] != '/')
		host_die("fspf add-region: %s: the region path must be absolute", argv[i]);
	char *p = abs_path(NULL, argv[i]);
	struct hvol v;
	load_vol(&v, &t, "add-region");
	for (int k = 0; k < v.nreg; k++)
		if (!strcmp(v.reg[k].path, p))
			host_die("fspf add-region: %s: already a region (%s)", p, mode_name(v.reg[k].mode));
	if (v.nreg == SCONCE_FSPF_MAX_REGIONS)
		host_die("fspf add-region: at most %u regions", SCONCE_FSPF_MAX_REGIONS);
	for (size_t k = 0; k < v.nfiles; k++) {
		struct hvol tmp = v;
		tmp.reg[tmp.nreg].path = p;
		tmp.reg[tmp.nreg].mode = mode;
		tmp.nreg++;
		if (region_mode(&tmp, v.files[k].path) != v.files[k].h.mode)
			host_die("fspf add-region: %s: would change the mode of protected file %s", p, v.files[k].path);
	}
	v.reg[v.nreg].path = p;
	v.reg[v.nreg].mode = mode;
	v.nreg++;
	save_vol(&v, &t, "add-region");
	return 0;
}

static int protect_file(struct hvol *v, const char *path, int *count)
{
	uint32_t mode = region_mode(v, path);
	if (mode == SCONCE_FSPF_UNPROTECTED)
		return 0;
	if (find_file(v, path))
		return 0;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		host_err("fspf add: %s: %s", path, strerror(errno));
		return -1;
	}
	struct hfile f;
	memset(&f, 0, sizeof(f));
	f.path = strdup(path);
	f.h.mode = mode;
	f.h.size = (uint64_t)st.st_size;
	f.h.version = 1;
	f.h.nchunks = (f.h.size + CS - 1) / CS;
	RAND_bytes(f.h.file_id, 16);
	RAND_bytes(f.h.key, 16);
	f.ch = calloc(f.h.nchunks + 1, sizeof(*f.ch));
	uint8_t buf[CS];
	for (uint64_t i = 0; i < f.h.nchunks; i++) {
		uint64_t len = chunk_len(f.h.size, i);
		if (pread(fd, buf, len, (off_t)(i * CS)) != (ssize_t)len) {
			host_err("fspf add: %s: short read", path);
			close(fd);
			return -1;
		}
		seal_chunk(v, &f, i, buf, len);
		if (mode == SCONCE_FSPF_ENCRYPTED && write_all_fd(fd, buf, len, (off_t)(i * CS)) < 0) {
			host_err("fspf add: %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	fsync(fd);
	close(fd);
	if (v->nfiles == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->files = realloc(v->files, v->cap * sizeof(*v->files));
	}
	v->files[v->nfiles++] = f;
	(*count)++;
	return 0;
}

static int protect_tree(struct hvol *v, const char *path, int *count)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		host_err("fspf add: %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return protect_file(v, path, count);
	if (!S_ISDIR(st.st_mode))
		return 0;
	DIR *d = opendir(path);
	if (!d) {
		host_err("fspf add: %s: %s", path, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub;
		if (asprintf(&sub, "%s/%s", strcmp(path, "/") ? path : "", e->d_name) < 0)
			return -1;
		if (strcmp(sub, v->fspf) && protect_tree(v, sub, count) < 0)
			r = -1;
		free(sub);
	}
	closedir(d);
	return r;
}

static int fspf_add(int argc, char **argv)
{
	struct topts t;
	int i = parse_opts(&t, "add", argc, argv);
	if (i >= argc)
		host_die("fspf add: no PATH given (see sconce fspf add --help)");
	struct hvol v;
	load_vol(&v, &t, "add");
	int count = 0, bad = 0;
	for (; i < argc; i++) {
		char *p = abs_path(NULL, argv[i]);
		if (protect_tree(&v, p, &count) < 0)
			bad = 1;
		free(p);
	}
	fprintf(stderr, "sconce: fspf add: %d file(s) protected\n", count);
	save_vol(&v, &t, "add");
	return bad;
}

static int fspf_list(int argc, char **argv)
{
	struct topts t;
	int i = parse_opts(&t, "list", argc, argv);
	if (i != argc)
		host_die("fspf list: unexpected argument '%s'", argv[i]);
	struct hvol v;
	load_vol(&v, &t, "list");
	char hex[33];
	hex_encode(v.vid, 16, hex);
	printf("fspf %s: format %u, generation %llu, volume %s\n", v.fspf, SCONCE_FSPF_VERSION,
	       (unsigned long long)v.generation, hex);
	for (int k = 0; k < v.nreg; k++)
		printf("region %-13s %s\n", mode_name(v.reg[k].mode), v.reg[k].path);
	qsort(v.files, v.nfiles, sizeof(*v.files), cmp_path);
	for (size_t k = 0; k < v.nfiles; k++)
		printf("file   %-13s %10llu bytes  v%-6llu %s\n", mode_name(v.files[k].h.mode),
		       (unsigned long long)v.files[k].h.size, (unsigned long long)v.files[k].h.version,
		       v.files[k].path);
	return 0;
}

static int scan_untracked(struct hvol *v, const char *dir, int *bad)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub;
		if (asprintf(&sub, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name) < 0)
			break;
		struct stat st;
		if (lstat(sub, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				scan_untracked(v, sub, bad);
			else if (region_mode(v, sub) != SCONCE_FSPF_UNPROTECTED && !find_file(v, sub) &&
				 strncmp(sub, v->fspf, strlen(v->fspf))) {
				printf("UNLISTED %s: in a protected region but not in the fspf\n", sub);
				(*bad)++;
			}
		}
		free(sub);
	}
	closedir(d);
	return 0;
}

static int fspf_verify(int argc, char **argv)
{
	struct topts t;
	int i = parse_opts(&t, "verify", argc, argv);
	if (i != argc)
		host_die("fspf verify: unexpected argument '%s'", argv[i]);
	struct hvol v;
	load_vol(&v, &t, "verify");
	int bad = 0, unlisted = 0;
	qsort(v.files, v.nfiles, sizeof(*v.files), cmp_path);
	for (size_t k = 0; k < v.nfiles; k++) {
		const char *why = check_file(&v, &v.files[k], -1);
		if (why) {
			printf("TAMPERED %s: %s\n", v.files[k].path, why);
			bad++;
		}
	}
	for (int k = 0; k < v.nreg; k++)
		if (v.reg[k].mode != SCONCE_FSPF_UNPROTECTED)
			scan_untracked(&v, v.reg[k].path, &unlisted);
	printf("%zu file(s) checked, %d tampered, %d unlisted\n", v.nfiles, bad, unlisted);
	return bad ? 1 : 0;
}

static int mkdirs(const char *path)
{
	char *p = strdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	free(p);
	return 0;
}

static int fspf_export(int argc, char **argv)
{
	struct topts t;
	int i = parse_opts(&t, "export", argc, argv);
	if (argc - i != 2)
		host_die("fspf export: expected PATH and DEST (see sconce fspf export --help)");
	char *src = abs_path(NULL, argv[i]);
	const char *dest = argv[i + 1];
	struct hvol v;
	load_vol(&v, &t, "export");
	size_t sl = strlen(src);
	int n = 0, bad = 0;
	for (size_t k = 0; k < v.nfiles; k++) {
		struct hfile *f = &v.files[k];
		char *out;
		if (!strcmp(f->path, src)) {
			out = strdup(dest);
		} else if (!strncmp(f->path, src, sl) && (f->path[sl] == '/' || !strcmp(src, "/"))) {
			if (asprintf(&out, "%s/%s", dest, f->path + sl + (f->path[sl] == '/')) < 0)
				return 1;
			mkdirs(out);
		} else {
			continue;
		}
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			host_err("fspf export: %s: %s", out, strerror(errno));
			bad = 1;
			free(out);
			continue;
		}
		const char *why = check_file(&v, f, fd);
		if (!why && ftruncate(fd, (off_t)f->h.size) < 0)
			why = strerror(errno);
		close(fd);
		if (why) {
			host_err("fspf export: %s: %s", f->path, why);
			unlink(out);
			bad = 1;
		} else {
			n++;
		}
		free(out);
	}
	if (n == 0 && !bad)
		host_die("fspf export: %s: no protected file at or under this path", src);
	fprintf(stderr, "sconce: fspf export: %d file(s) written\n", n);
	return bad;
}

int cmd_fspf(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } subs[] = {
		{ "create", fspf_create }, { "add-region", fspf_add_region }, { "add", fspf_add },
		{ "list", fspf_list }, { "verify", fspf_verify }, { "export", fspf_export },
	};
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return sub_usage(""), argc < 2;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	host_die("fspf: '%s' is not an fspf command (see sconce fspf --help)", argv[1]);
}
