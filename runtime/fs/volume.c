/*
 * The protected volume: the fspf in memory, its regions and files, and
 * the commit protocol (docs/fspf.md, "Crash consistency"):
 *
 *   1. seal the new fspf (every listed file's committed state);
 *   2. write the journal (header sealed with the fspf key: previous and
 *      new fspf tag, SHA-256 of the rest; then the new fspf and the
 *      data records) and fsync it;
 *   3. write the new tag into the tag file (the freshness anchor), fsync;
 *   4. apply the records to the files, fsync each;
 *   5. rewrite the fspf in place and fsync it (a torn write is repaired
 *      from the journal, which still holds the new fspf);
 *   6. empty the journal.
 *
 * At start the journal decides: a valid journal whose previous or new
 * tag is the anchor is redone (or, if the fspf on disk is already the
 * journal's new fspf, byte for byte, only rolls the anchor forward);
 * anything else is stale or torn and discarded.  Then the fspf must carry
 * the anchor's tag.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "fs.h"

#define PAD8(n) (((n) + 7) & ~(size_t)7)

_Static_assert(sizeof(struct sconce_fspf_header) == SCONCE_FSPF_HEADER_AAD + SCONCE_FSPF_TAG, "header");
_Static_assert(sizeof(struct sconce_fspf_journal) == SCONCE_FSPF_JOURNAL_AAD + SCONCE_FSPF_TAG, "journal");
_Static_assert(sizeof(struct sconce_fspf_chunk) == 40, "chunk");

struct fs_vol fsv;

void fs_fail(const char *why)
{
	if (fsv.state != -1)
		rt_log("fs: protected files unavailable from now on (EIO): %s", why);
	fsv.state = -1;
}

/* ------------------------------------------------------------------ */
/* files and regions */

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

struct fs_file *fs_lookup(const char *abs)
{
	if (!fsv.htsize)
		return NULL;
	for (struct fs_file *f = fsv.ht[hash(abs) & (fsv.htsize - 1)]; f; f = f->hnext)
		if (!strcmp(f->path, abs))
			return f;
	return NULL;
}

void fs_insert(struct fs_file *f)
{
	if (fsv.nfiles + 1 > fsv.htsize / 2) {
		size_t ns = fsv.htsize ? fsv.htsize * 2 : 256;
		struct fs_file **nt = calloc(ns, sizeof(*nt));
		if (!nt)
			rt_fatal("fs: out of memory for the file table");
		for (size_t i = 0; i < fsv.htsize; i++)
			for (struct fs_file *g = fsv.ht[i], *n; g; g = n) {
				n = g->hnext;
				size_t h = hash(g->path) & (ns - 1);
				g->hnext = nt[h];
				nt[h] = g;
			}
		free(fsv.ht);
		fsv.ht = nt;
		fsv.htsize = ns;
	}
	size_t h = hash(f->path) & (fsv.htsize - 1);
	f->hnext = fsv.ht[h];
	fsv.ht[h] = f;
	fsv.nfiles++;
}

void fs_remove(struct fs_file *f)
{
	struct fs_file **p = &fsv.ht[hash(f->path) & (fsv.htsize - 1)];
	while (*p && *p != f)
		p = &(*p)->hnext;
	if (*p) {
		*p = f->hnext;
		fsv.nfiles--;
	}
	f->hnext = NULL;
}

struct fs_file *fs_new_file(const char *abs, uint32_t mode)
{
	struct fs_file *f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(abs)) || !(f->ctx = fsc_new())) {
		if (f)
			free(f->path);
		free(f);
		return NULL;
	}
	f->mode = mode;
	f->hfd = -1;
	return f;
}

void fs_free_file(struct fs_file *f)
{
	fs_file_drop_cache(f);
	free(f->cache);
	free(f->dirty);
	free(f->c_chunks);
	fsc_free(f->ctx);
	free(f->path);
	free(f);
}

uint32_t fs_region_mode(const char *abs)
{
	size_t best = 0;
	uint32_t mode = SCONCE_FSPF_UNPROTECTED;
	for (int i = 0; i < fsv.nreg; i++) {
		const struct fs_region *r = &fsv.reg[i];
		int root = r->len == 1 && r->path[0] == '/';
		if ((root || (!strncmp(abs, r->path, r->len) && (abs[r->len] == '/' || !abs[r->len]))) &&
		    (r->len > best || best == 0)) {
			best = r->len;
			mode = r->mode;
		}
	}
	/* The shield's own files are never protected data. */
	if (mode && (!strcmp(abs, fsv.fspf) || !strcmp(abs, fsv.journal) ||
		     (fsv.tagfile && !strcmp(abs, fsv.tagfile))))
		return SCONCE_FSPF_UNPROTECTED;
	return mode;
}

void fs_chunk_aad(const struct fs_file *f, uint64_t idx, uint64_t len, uint64_t version,
		  struct sconce_fspf_aad *a)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->volume_id, fsv.vid, sizeof(a->volume_id));
	memcpy(a->file_id, f->file_id, sizeof(a->file_id));
	a->index = idx;
	a->length = len;
	a->version = version;
	a->mode = f->mode;
}

/* ------------------------------------------------------------------ */
/* the fspf image */

static int parse_body(const uint8_t *b, size_t n)
{
	struct sconce_fspf_body bh;
	size_t o = sizeof(bh);
	if (n < sizeof(bh))
		return -1;
	memcpy(&bh, b, sizeof(bh));
	if (bh.chunk_size != FS_CS || bh.nregions > SCONCE_FSPF_MAX_REGIONS)
		return -1;
	memcpy(fsv.vid, bh.volume_id, sizeof(fsv.vid));
	for (uint32_t i = 0; i < bh.nregions; i++) {
		struct sconce_fspf_region r;
		if (n - o < sizeof(r))
			return -1;
		memcpy(&r, b + o, sizeof(r));
		o += sizeof(r);
		if (r.path_len == 0 || r.path_len > SCONCE_FSPF_PATH_MAX || n - o < PAD8(r.path_len) ||
		    r.mode > SCONCE_FSPF_ENCRYPTED || b[o] != '/')
			return -1;
		char *p = malloc(r.path_len + 1);
		if (!p)
			return -1;
		memcpy(p, b + o, r.path_len);
		p[r.path_len] = 0;
		fsv.reg[fsv.nreg].path = p;
		fsv.reg[fsv.nreg].len = strlen(p);
		fsv.reg[fsv.nreg].mode = r.mode;
		fsv.nreg++;
		o += PAD8(r.path_len);
	}
	for (uint32_t i = 0; i < bh.nfiles; i++) {
		struct sconce_fspf_file h;
		char path[FS_PATH];
		if (n - o < sizeof(h))
			return -1;
		memcpy(&h, b + o, sizeof(h));
		o += sizeof(h);
		if (h.path_len == 0 || h.path_len > SCONCE_FSPF_PATH_MAX || n - o < PAD8(h.path_len))
			return -1;
		memcpy(path, b + o, h.path_len);
		path[h.path_len] = 0;
		o += PAD8(h.path_len);
		if (h.nchunks != (h.size + FS_CS - 1) / FS_CS || h.nchunks > (n - o) / sizeof(struct sconce_fspf_chunk) ||
		    (h.mode != SCONCE_FSPF_AUTHENTICATED && h.mode != SCONCE_FSPF_ENCRYPTED) ||
		    strlen(path) != h.path_len || path[0] != '/')
			return -1;
		struct fs_file *f = fs_new_file(path, h.mode);
		if (!f)
			return -1;
		memcpy(f->file_id, h.file_id, sizeof(f->file_id));
		memcpy(f->key, h.key, sizeof(f->key));
		f->listed = 1;
		f->c_size = f->size = h.size;
		f->c_version = h.version;
		f->c_nchunks = f->zero_chunk = h.nchunks;
		f->c_chunks = malloc(h.nchunks * sizeof(*f->c_chunks) + 1);
		if (!f->c_chunks)
			return -1;
		memcpy(f->c_chunks, b + o, h.nchunks * sizeof(*f->c_chunks));
		o += h.nchunks * sizeof(*f->c_chunks);
		if (fs_lookup(f->path))
			return -1;
		fs_insert(f);
	}
	return o == n ? 0 : -1;
}

/* Check an fspf image against the key and (if given) the tag; parse it. */
static int open_image(const uint8_t *data, size_t len, const uint8_t *expect, const char **why)
{
	struct sconce_fspf_header h;
	*why = "too short to be an fspf";
	if (len < sizeof(h))
		return -1;
	memcpy(&h, data, sizeof(h));
	*why = "not an fspf of a supported version";
	if (memcmp(h.magic, SCONCE_FSPF_MAGIC, 8) || h.version != SCONCE_FSPF_VERSION)
		return -1;
	*why = "size does not match its header (truncated or extended)";
	if (h.body_size != len - sizeof(h))
		return -1;
	*why = "its tag is not the configured one (an older, newer or foreign fspf: replayed or swapped)";
	if (expect && !fsc_memeq(expect, h.tag, 16))
		return -1;
	uint8_t *body = malloc(h.body_size + 1);
	*why = "out of memory";
	if (!body)
		return -1;
	*why = "authentication failed (tampered with, or the wrong key)";
	if (fsc_gcm(fsv.ctx, 0, fsv.key, 32, h.nonce, data, SCONCE_FSPF_HEADER_AAD, NULL, 0,
		    data + sizeof(h), h.body_size, body, h.tag) < 0) {
		free(body);
		return -1;
	}
	int r = parse_body(body, h.body_size);
	free(body);
	*why = "malformed contents";
	if (r < 0)
		return -1;
	fsv.generation = h.generation;
	memcpy(fsv.tag, h.tag, 16);
	return 0;
}

/* Seal the committed state of every listed file.  Sets *tag. */
static uint8_t *seal_image(size_t *out_len, uint8_t tag[16])
{
	size_t n = sizeof(struct sconce_fspf_body);
	uint32_t nfiles = 0;
	for (int i = 0; i < fsv.nreg; i++)
		n += sizeof(struct sconce_fspf_region) + PAD8(fsv.reg[i].len);
	for (size_t i = 0; i < fsv.htsize; i++)
		for (struct fs_file *f = fsv.ht[i]; f; f = f->hnext)
			if (f->listed) {
				n += sizeof(struct sconce_fspf_file) + PAD8(strlen(f->path)) +
				     f->c_nchunks * sizeof(struct sconce_fspf_chunk);
				nfiles++;
			}
	size_t hs = sizeof(struct sconce_fspf_header);
	uint8_t *body = calloc(1, n), *img = calloc(1, hs + n);
	if (!body || !img) {
		free(body);
		free(img);
		return NULL;
	}
	struct sconce_fspf_body bh = { (uint32_t)fsv.nreg, nfiles, FS_CS, 0, { 0 } };
	memcpy(bh.volume_id, fsv.vid, 16);
	memcpy(body, &bh, sizeof(bh));
	size_t o = sizeof(bh);
	for (int i = 0; i < fsv.nreg; i++) {
		struct sconce_fspf_region r = { fsv.reg[i].mode, (uint32_t)fsv.reg[i].len };
		memcpy(body + o, &r, sizeof(r));
		o += sizeof(r);
		memcpy(body + o, fsv.reg[i].path, r.path_len);
		o += PAD8(r.path_len);
	}
	for (size_t i = 0; i < fsv.htsize; i++)
		for (struct fs_file *f = fsv.ht[i]; f; f = f->hnext) {
			if (!f->listed)
				continue;
			struct sconce_fspf_file h;
			memset(&h, 0, sizeof(h));
			h.mode = f->mode;
			h.path_len = (uint32_t)strlen(f->path);
			h.size = f->c_size;
			h.version = f->c_version;
			h.nchunks = f->c_nchunks;
			memcpy(h.file_id, f->file_id, 16);
			memcpy(h.key, f->key, 16);
			memcpy(body + o, &h, sizeof(h));
			o += sizeof(h);
			memcpy(body + o, f->path, h.path_len);
			o += PAD8(h.path_len);
			memcpy(body + o, f->c_chunks, f->c_nchunks * sizeof(*f->c_chunks));
			o += f->c_nchunks * sizeof(*f->c_chunks);
		}
	struct sconce_fspf_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SCONCE_FSPF_MAGIC, 8);
	h.version = SCONCE_FSPF_VERSION;
	h.generation = fsv.generation + 1;
	h.body_size = n;
	if (rt_random_bytes(h.nonce, sizeof(h.nonce)) < 0)
		goto fail;
	memcpy(img, &h, sizeof(h));
	if (fsc_gcm(fsv.ctx, 1, fsv.key, 32, h.nonce, img, SCONCE_FSPF_HEADER_AAD, NULL, 0, body, n,
		    img + hs, h.tag) < 0)
		goto fail;
	memcpy(img + offsetof(struct sconce_fspf_header, tag), h.tag, 16);
	memcpy(tag, h.tag, 16);
	free(body);
	*out_len = hs + n;
	return img;
fail:
	free(body);
	free(img);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* journal records */

static int jreserve(struct fs_jbuf *j, size_t more)
{
	if (j->n + more <= j->cap)
		return 0;
	size_t nc = j->cap ? j->cap : 65536;
	while (nc < j->n + more)
		nc *= 2;
	uint8_t *np = realloc(j->p, nc);
	if (!np)
		return -ENOMEM;
	j->p = np;
	j->cap = nc;
	return 0;
}

void fs_jclose(struct fs_jbuf *j)
{
	if (j->open_rec == (size_t)-1)
		return;
	size_t pad = PAD8(j->n) - j->n;
	memset(j->p + j->n, 0, pad); /* room reserved by fs_jwrite */
	j->n += pad;
	j->open_rec = (size_t)-1;
}

int fs_jrec(struct fs_jbuf *j, uint32_t op, const char *path, uint64_t off, const void *payload, size_t len)
{
	fs_jclose(j);
	size_t pl = strlen(path);
	if (jreserve(j, sizeof(struct sconce_fspf_jrec) + PAD8(pl) + PAD8(len)) < 0)
		return -ENOMEM;
	struct sconce_fspf_jrec r = { op, (uint32_t)pl, off, len };
	memcpy(j->p + j->n, &r, sizeof(r));
	j->n += sizeof(r);
	memset(j->p + j->n, 0, PAD8(pl));
	memcpy(j->p + j->n, path, pl);
	j->n += PAD8(pl);
	memset(j->p + j->n, 0, PAD8(len));
	if (len)
		memcpy(j->p + j->n, payload, len);
	j->n += PAD8(len);
	j->nrec++;
	return 0;
}

uint8_t *fs_jwrite(struct fs_jbuf *j, const char *path, uint64_t off, size_t len)
{
	if (j->open_rec != (size_t)-1 && j->next_off == off) {
		struct sconce_fspf_jrec *r = (void *)(j->p + j->open_rec);
		if (r->len + len <= (1u << 20)) {
			if (jreserve(j, len + 8) < 0)
				return NULL;
			r = (void *)(j->p + j->open_rec);
			r->len += len;
			uint8_t *d = j->p + j->n;
			j->n += len;
			j->next_off += len;
			return d;
		}
	}
	fs_jclose(j);
	size_t pl = strlen(path);
	if (jreserve(j, sizeof(struct sconce_fspf_jrec) + PAD8(pl) + len + 8) < 0)
		return NULL;
	struct sconce_fspf_jrec r = { SCONCE_FSPF_J_WRITE, (uint32_t)pl, off, len };
	j->open_rec = j->n;
	memcpy(j->p + j->n, &r, sizeof(r));
	j->n += sizeof(r);
	memset(j->p + j->n, 0, PAD8(pl));
	memcpy(j->p + j->n, path, pl);
	j->n += PAD8(pl);
	uint8_t *d = j->p + j->n;
	j->n += len;
	j->next_off = off + len;
	j->nrec++;
	return d;
}

/* Make the writes through the descriptor kept by apply_records durable
 * and close it. */
static long apply_flush(long *fd, int *dir_sync, const char *path)
{
	if (*fd < 0)
		return 0;
	long e = fsh_fsync(*fd);
	fsh_close(*fd);
	*fd = -1;
	if (e >= 0 && *dir_sync)
		fsh_fsync_dir(path);
	*dir_sync = 0;
	return e;
}

/* Apply records; returns 0, or -errno with *applied set to the number
 * of records that took effect.  Consecutive WRITE and TRUNCATE records
 * of one file share one descriptor and one fsync (a commit of scattered
 * chunks has one record per run of chunks); every file is durable before
 * a RENAME or UNLINK runs and before this returns. */
static int apply_records(const uint8_t *p, size_t n, int *applied)
{
	size_t o = 0;
	char path[FS_PATH], to[FS_PATH], fd_path[FS_PATH];
	long fd = -1, e = 0;
	int dir_sync = 0;
	*applied = 0;
	while (o < n) {
		struct sconce_fspf_jrec r;
		e = -EINVAL;
		if (n - o < sizeof(r))
			break;
		memcpy(&r, p + o, sizeof(r));
		o += sizeof(r);
		if (r.path_len == 0 || r.path_len >= FS_PATH || n - o < PAD8(r.path_len))
			break;
		memcpy(path, p + o, r.path_len);
		path[r.path_len] = 0;
		o += PAD8(r.path_len);
		if (r.len > n - o || PAD8(r.len) > n - o)
			break;
		const uint8_t *pl = p + o;
		o += PAD8(r.len);
		int data = r.op == SCONCE_FSPF_J_WRITE || r.op == SCONCE_FSPF_J_TRUNCATE;
		if (fd >= 0 && (!data || strcmp(path, fd_path) != 0) &&
		    (e = apply_flush(&fd, &dir_sync, fd_path)) < 0)
			break;
		e = 0;
		switch (r.op) {
		case SCONCE_FSPF_J_WRITE:
		case SCONCE_FSPF_J_TRUNCATE:
			if (fd < 0) {
				fd = fsh_open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
				if (fd < 0) {
					e = fd;
					break;
				}
				memcpy(fd_path, path, r.path_len + 1);
			}
			if (r.op == SCONCE_FSPF_J_WRITE) {
				e = fsh_pwrite(fd, pl, r.len, r.offset);
			} else {
				e = fsh_ftruncate(fd, r.offset);
				dir_sync = 1;
			}
			break;
		case SCONCE_FSPF_J_RENAME:
			if (r.len == 0 || r.len >= FS_PATH) {
				e = -EINVAL;
				break;
			}
			memcpy(to, pl, r.len);
			to[r.len] = 0;
			if (fsh_exists(path)) {
				e = fsh_rename(path, to);
				if (e >= 0)
					fsh_fsync_dir(to);
			}
			break;
		case SCONCE_FSPF_J_UNLINK:
			e = fsh_unlink(path);
			if (e == -ENOENT)
				e = 0;
			if (e >= 0)
				fsh_fsync_dir(path);
			break;
		default:
			e = -EINVAL;
			break;
		}
		if (e < 0)
			break;
		(*applied)++;
	}
	if (e < 0) {
		if (fd >= 0)
			fsh_close(fd);
		return (int)e;
	}
	return (int)apply_flush(&fd, &dir_sync, fd_path);
}

static long write_anchor(const uint8_t tag[16])
{
	static const char d[] = "0123456789abcdef";
	char hex[33];
	for (int i = 0; i < 16; i++) {
		hex[2 * i] = d[tag[i] >> 4];
		hex[2 * i + 1] = d[tag[i] & 15];
	}
	hex[32] = '\n';
	return fsh_write_file(fsv.tagfile, hex, sizeof(hex), 2);
}

int fs_commit_journal(struct fs_jbuf *j, int *applied)
{
	*applied = 0;
	if (fsv.state != 1)
		return -EIO;
	if (!fsv.writable)
		return -EROFS;
	fs_jclose(j);
	uint8_t tag[16];
	size_t ilen;
	uint8_t *img = seal_image(&ilen, tag);
	if (!img)
		return -ENOMEM;
	size_t hs = sizeof(struct sconce_fspf_journal);
	size_t body = PAD8(ilen) + j->n;
	uint8_t *jb = calloc(1, hs + body);
	if (!jb) {
		free(img);
		return -ENOMEM;
	}
	memcpy(jb + hs, img, ilen);
	if (j->n)
		memcpy(jb + hs + PAD8(ilen), j->p, j->n);
	struct sconce_fspf_journal h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SCONCE_FSPF_JMAGIC, 8);
	h.version = SCONCE_FSPF_VERSION;
	h.nrecords = (uint32_t)j->nrec;
	memcpy(h.prev_tag, fsv.tag, 16);
	memcpy(h.new_tag, tag, 16);
	h.body_size = body;
	fsc_sha256(jb + hs, body, h.digest);
	long r = rt_random_bytes(h.nonce, sizeof(h.nonce));
	if (r >= 0)
		r = fsc_gcm(fsv.ctx, 1, fsv.key, 32, h.nonce, &h, SCONCE_FSPF_JOURNAL_AAD, NULL, 0,
			    NULL, 0, NULL, h.tag) < 0 ? -EIO : 0;
	memcpy(jb, &h, sizeof(h));
	/* 2: the journal */
	if (r >= 0)
		r = fsh_write_file(fsv.journal, jb, hs + body, 0);
	free(jb);
	if (r < 0) {
		free(img);
		rt_log("fs: cannot write the journal %s (error %ld)", fsv.journal, -r);
		fs_fail("commit failed");
		return -EIO;
	}
	/* 3: the anchor */
	r = write_anchor(tag);
	if (r < 0) {
		free(img);
		rt_log("fs: cannot write the tag file %s (error %ld)", fsv.tagfile, -r);
		fs_fail("commit failed");
		return -EIO;
	}
	memcpy(fsv.tag, tag, 16);
	fsv.generation++;
	/* 4: the data */
	r = apply_records(j->p, j->n, applied);
	if (r < 0) {
		free(img);
		if (*applied == 0 && r != -EINVAL) {
			/* Nothing changed on the host: the caller can roll its
			 * change back and commit the old state again.  Leave
			 * the journal: it is harmless (its records did not run
			 * and the next commit replaces it). */
			return (int)r;
		}
		rt_log("fs: applying a commit failed after %d record(s) (error %ld)", *applied, -r);
		fs_fail("commit failed");
		return -EIO;
	}
	/* 5: the fspf, in place (the journal still holds it if this write
	 * is torn), 6: the journal is spent */
	r = fsh_write_file(fsv.fspf, img, ilen, 0);
	free(img);
	if (r < 0) {
		rt_log("fs: cannot replace the fspf %s (error %ld)", fsv.fspf, -r);
		fs_fail("commit failed");
		return -EIO;
	}
	long fd = fsh_open(fsv.journal, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
	if (fd >= 0)
		fsh_close(fd);
	return 0;
}

/* ------------------------------------------------------------------ */
/* start */

static void hex32(const uint8_t *t, char out[33])
{
	static const char d[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		out[2 * i] = d[t[i] >> 4];
		out[2 * i + 1] = d[t[i] & 15];
	}
	out[32] = 0;
}

/* Handle <fspf>.journal.  disk, disk_len: the fspf on disk (NULL if none). */
static int recover(const uint8_t *disk, size_t disk_len, int *anchor_moved)
{
	uint8_t *data;
	size_t len;
	*anchor_moved = 0;
	if (fsh_read_file(fsv.journal, &data, &len) < 0)
		return 0;
	if (len == 0) {
		free(data);
		return 0;
	}
	struct sconce_fspf_journal h;
	const char *why = "torn or forged (its seal does not verify)";
	int ok = len >= sizeof(h);
	if (ok) {
		memcpy(&h, data, sizeof(h));
		ok = !memcmp(h.magic, SCONCE_FSPF_JMAGIC, 8) && h.version == SCONCE_FSPF_VERSION &&
		     h.body_size == len - sizeof(h) &&
		     fsc_gcm(fsv.ctx, 0, fsv.key, 32, h.nonce, data, SCONCE_FSPF_JOURNAL_AAD, NULL, 0,
			     NULL, 0, NULL, h.tag) == 0;
	}
	uint8_t dg[32];
	if (ok) {
		fsc_sha256(data + sizeof(h), h.body_size, dg);
		ok = fsc_memeq(dg, h.digest, 32);
	}
	int from_anchor = ok && (fsc_memeq(h.prev_tag, fsv.tag, 16) || fsc_memeq(h.new_tag, fsv.tag, 16));
	if (ok && !from_anchor)
		why = "stale (it does not continue the configured fspf)";
	if (!ok || !from_anchor) {
		rt_log("fs: discarding the journal %s: %s", fsv.journal, why);
		free(data);
		if (fsv.writable) {
			long fd = fsh_open(fsv.journal, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
			if (fd >= 0)
				fsh_close(fd);
		}
		return 0;
	}
	const uint8_t *body = data + sizeof(h);
	struct sconce_fspf_header fh;
	if (h.body_size < sizeof(fh))
		goto bad;
	memcpy(&fh, body, sizeof(fh));
	size_t ilen = sizeof(fh) + fh.body_size;
	if (fh.body_size > h.body_size - sizeof(fh) || PAD8(ilen) > h.body_size ||
	    !fsc_memeq(fh.tag, h.new_tag, 16))
		goto bad;
	/* The commit finished only if the fspf on disk is the journal's new
	 * one, whole: a kill during step 5 can leave its header (and so the
	 * new tag) written and the rest torn. */
	if (!(disk && disk_len == ilen && !memcmp(disk, body, ilen))) {
		/* The commit did not finish: redo it. */
		int applied;
		if (!fsv.writable) {
			rt_log("fs: an interrupted commit needs redoing but the volume is read-only (no tag file)");
			goto bad;
		}
		if (apply_records(body + PAD8(ilen), h.body_size - PAD8(ilen), &applied) < 0)
			goto bad;
		if (fsh_write_file(fsv.fspf, body, ilen, 1) < 0)
			goto bad;
		rt_log("fs: completed an interrupted commit from the journal");
	}
	if (!fsc_memeq(fsv.tag, h.new_tag, 16)) {
		memcpy(fsv.tag, h.new_tag, 16);
		*anchor_moved = 1;
	}
	free(data);
	if (fsv.writable) {
		long fd = fsh_open(fsv.journal, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
		if (fd >= 0)
			fsh_close(fd);
	}
	return 0;
bad:
	free(data);
	rt_log("fs: the journal %s cannot be applied", fsv.journal);
	return -1;
}

static char *take_str(const char **p, const char *end, uint32_t len)
{
	if (len == 0)
		return NULL;
	if (len >= FS_PATH || (size_t)(end - *p) < (size_t)len + 1 || (*p)[len] != 0 || (*p)[0] != '/')
		rt_security_fail("fs shield", "malformed path in the start-up configuration");
	char *s = malloc(len + 1);
	if (!s)
		rt_fatal("fs: out of memory");
	memcpy(s, *p, len + 1);
	*p += len + 1;
	return s;
}

int fs_init(void)
{
	/* Copy the configuration once into the enclave, then check it. */
	uint64_t off = rt.boot.fs_config_off, size = rt.boot.fs_config_size;
	if (off > rt.shared_size || size > rt.shared_size - off || size < sizeof(struct sconce_fs_config) ||
	    size > sizeof(struct sconce_fs_config) + 3 * FS_PATH)
		rt_security_fail("fs shield", "start-up configuration out of bounds");
	char *cfg = malloc(size + 1);
	if (!cfg)
		rt_fatal("fs: out of memory");
	memcpy(cfg, (const void *)(rt.shared + off), size);
	cfg[size] = 0;
	struct sconce_fs_config c;
	memcpy(&c, cfg, sizeof(c));
	if (c.magic != SCONCE_FSCONF_MAGIC || c.fspf_len == 0)
		rt_security_fail("fs shield", "malformed start-up configuration");
	const char *p = cfg + sizeof(c), *end = cfg + size;
	fsv.fspf = take_str(&p, end, c.fspf_len);
	fsv.tagfile = take_str(&p, end, c.tagfile_len);
	char *cwd = take_str(&p, end, c.cwd_len);
	memcpy(fsv.key, c.key, sizeof(fsv.key));
	memcpy(fsv.tag, c.tag, sizeof(fsv.tag));
	fsv.writable = (c.flags & SCONCE_FSCONF_WRITABLE) && fsv.tagfile;
	memset(cfg, 0, size);
	free(cfg);
	size_t fl = strlen(fsv.fspf);
	fsv.journal = malloc(fl + 9);
	if (!fsv.journal)
		rt_fatal("fs: out of memory");
	memcpy(fsv.journal, fsv.fspf, fl);
	memcpy(fsv.journal + fl, ".journal", 9);

	if (fsc_init() < 0 || !(fsv.ctx = fsc_new()))
		rt_fatal("fs: the cryptographic library did not initialise");

	/* The working directory: the configured one, else the host's. */
	if (cwd) {
		long a[6] = { (long)cwd };
		long r = rt_forward(SYS_chdir, a);
		if (r < 0)
			rt_log("fs: cwd %s: cannot change to it (error %ld)", cwd, -r);
		fs_normalize(cwd, fsv.cwd);
		free(cwd);
	} else {
		char buf[FS_PATH];
		long a[6] = { (long)buf, sizeof(buf) };
		long r = rt_forward(SYS_getcwd, a);
		if (r <= 0 || r > (long)sizeof(buf) || buf[r - 1] != 0 || buf[0] != '/')
			rt_security_fail("fs shield", "the host's working directory is not an absolute path");
		fs_normalize(buf, fsv.cwd);
	}

	/* The fspf on disk decides what the journal means. */
	uint8_t *data = NULL;
	size_t len = 0;
	long r = fsh_read_file(fsv.fspf, &data, &len);
	int moved;
	if (recover(r == 0 ? data : NULL, r == 0 ? len : 0, &moved) < 0)
		rt_security_fail("fs shield", "the fspf journal could not be applied");
	free(data);
	data = NULL;
	r = fsh_read_file(fsv.fspf, &data, &len);
	if (r < 0) {
		rt_log("fs: cannot read the fspf %s (error %ld)", fsv.fspf, -r);
		rt_security_fail("fs shield", "the fspf is missing");
	}
	const char *why;
	uint8_t expect[16];
	memcpy(expect, fsv.tag, 16);
	if (open_image(data, len, expect, &why) < 0) {
		char a[33], b[33];
		hex32(expect, a);
		hex32(len >= sizeof(struct sconce_fspf_header) ? data + offsetof(struct sconce_fspf_header, tag) : expect, b);
		rt_log("fs: fspf %s: %s (expected tag %s, found %s)", fsv.fspf, why, a, b);
		rt_security_fail("fs shield", "the fspf does not verify");
	}
	free(data);
	if (moved && fsv.writable && write_anchor(fsv.tag) < 0)
		rt_log("fs: cannot update the tag file %s", fsv.tagfile);
	if (rt.verbose)
		rt_log("fs: fspf %s: %d region(s), %zu file(s), generation %llu%s", fsv.fspf, fsv.nreg,
		       fsv.nfiles, (unsigned long long)fsv.generation, fsv.writable ? "" : ", read-only");
	return 0;
}
