/*
 * `sconce fspf`: sealing.  The fspf image (header, then the body of
 * regions and file records, AES-256-GCM under the volume key) is read and
 * checked (fspf_open_image) or serialised and sealed (fspf_seal_image);
 * each file's chunks are sealed (encrypted, or authenticated only) under
 * the file's key and checked against the records.  The bytes are those of
 * include/sconce/fspf.h, which the enclave's shield reads and writes too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "host.h"
#include "fspf_tool.h"

_Static_assert(sizeof(struct sconce_fspf_header) == SCONCE_FSPF_HEADER_AAD + SCONCE_FSPF_TAG, "header");
_Static_assert(sizeof(struct sconce_fspf_journal) == SCONCE_FSPF_JOURNAL_AAD + SCONCE_FSPF_TAG, "journal");
_Static_assert(sizeof(struct sconce_fspf_file) == 64, "file");
_Static_assert(sizeof(struct sconce_fspf_chunk) == 40, "chunk");
_Static_assert(sizeof(struct sconce_fspf_aad) == 64, "aad");

/* ------------------------------------------------------------------ */
/* crypto */

int fspf_gcm(int enc, const uint8_t *key, size_t keylen, const uint8_t nonce[12],
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
int fspf_open_image(struct hvol *v, const uint8_t *data, size_t len, const uint8_t *expect, const char **why)
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
	if (fspf_gcm(0, v->key, 32, h.nonce, data, SCONCE_FSPF_HEADER_AAD, NULL, 0, data + sizeof(h), h.body_size, body, h.tag) < 0) {
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

int fspf_cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct hfile *)a)->path, ((const struct hfile *)b)->path);
}

/* Serialise and seal: a malloc'd fspf image and its new tag in v->tag. */
uint8_t *fspf_seal_image(struct hvol *v, size_t *out_len)
{
	qsort(v->files, v->nfiles, sizeof(*v->files), fspf_cmp_path);
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
	if (fspf_gcm(1, v->key, 32, h.nonce, img, SCONCE_FSPF_HEADER_AAD, NULL, 0, body, n, img + sizeof(h), h.tag) < 0)
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

uint64_t fspf_chunk_len(uint64_t size, uint64_t i)
{
	return size - i * CS < CS ? size - i * CS : CS;
}

/* Seal plaintext chunk i in place (encrypted files) and record it. */
void fspf_seal_chunk(const struct hvol *v, struct hfile *f, uint64_t i, uint8_t *buf, uint64_t len)
{
	struct sconce_fspf_aad a;
	struct sconce_fspf_chunk *c = &f->ch[i];
	memset(c, 0, sizeof(*c));
	RAND_bytes(c->nonce, sizeof(c->nonce));
	c->version = f->h.version;
	chunk_aad(v, f, i, len, c->version, &a);
	int r = f->h.mode == SCONCE_FSPF_ENCRYPTED
		? fspf_gcm(1, f->h.key, 16, c->nonce, &a, sizeof(a), NULL, 0, buf, len, buf, c->tag)
		: fspf_gcm(1, f->h.key, 16, c->nonce, &a, sizeof(a), buf, len, NULL, 0, NULL, c->tag);
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
		? fspf_gcm(0, f->h.key, 16, c.nonce, &a, sizeof(a), NULL, 0, buf, len, buf, c.tag)
		: fspf_gcm(0, f->h.key, 16, c.nonce, &a, sizeof(a), buf, len, NULL, 0, NULL, c.tag);
}

/* Verify a file; with out >= 0 also write its plaintext there.
 * Returns NULL if intact, else why not. */
const char *fspf_check_file(const struct hvol *v, const struct hfile *f, int out)
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
		uint64_t len = fspf_chunk_len(f->h.size, i);
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
		if (out >= 0 && fspf_write_all_fd(out, buf, len, (off_t)(i * CS)) < 0) {
			close(fd);
			return "cannot write the exported copy";
		}
	}
	close(fd);
	return NULL;
}
