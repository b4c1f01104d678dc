/*
 * Contents of protected files.  The application's writes stay in the
 * enclave (dirty plaintext chunks) until a commit (fsync, close, exit,
 * or too many dirty chunks); reads verify every chunk they fetch from the
 * host against the committed tags.  The committed bytes on the host are
 * only ever changed by a commit's journal, so a crash leaves the last
 * committed state (docs/fspf.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"

static uint64_t clen(uint64_t size, uint64_t idx)
{
	uint64_t start = idx * FS_CS;
	return size <= start ? 0 : size - start < FS_CS ? size - start : FS_CS;
}

static int grow_cache(struct fs_file *f, uint64_t need)
{
	if (need <= f->cache_cap)
		return 0;
	uint64_t nc = f->cache_cap ? f->cache_cap : 16;
	while (nc < need)
		nc *= 2;
	uint8_t **c = realloc(f->cache, nc * sizeof(*c));
	if (!c)
		return -ENOMEM;
	f->cache = c;
	uint8_t *d = realloc(f->dirty, nc);
	if (!d)
		return -ENOMEM;
	f->dirty = d;
	memset(c + f->cache_cap, 0, (nc - f->cache_cap) * sizeof(*c));
	memset(d + f->cache_cap, 0, nc - f->cache_cap);
	f->cache_cap = nc;
	return 0;
}

static void drop(struct fs_file *f, uint64_t i)
{
	if (i < f->cache_cap && f->cache[i]) {
		free(f->cache[i]);
		f->cache[i] = NULL;
		f->ncached--;
		if (f->dirty[i]) {
			f->dirty[i] = 0;
			f->ndirty--;
		}
	}
}

/* Drop clean chunks (all of them if the file has no dirty ones). */
static void evict_clean(struct fs_file *f)
{
	for (uint64_t i = 0; i < f->cache_cap && f->ncached > f->ndirty; i++)
		if (f->cache[i] && !f->dirty[i])
			drop(f, i);
}

void fs_file_drop_cache(struct fs_file *f)
{
	for (uint64_t i = 0; i < f->cache_cap && f->ncached; i++)
		drop(f, i);
}

/* Fetch committed chunk idx from the host into b and verify it. */
static long load(struct fs_file *f, uint64_t idx, uint8_t *b)
{
	uint64_t len = clen(f->c_size, idx);
	long r = f->hfd >= 0 ? fsh_pread(f->hfd, b, len, idx * FS_CS) : -EBADF;
	if (r < 0 || (uint64_t)r != len) {
		rt_log("fs: %s: chunk %llu: %s", f->path, (unsigned long long)idx,
		       r < 0 ? "the host failed to read it" : "shorter on the host than recorded (truncated)");
		return -EIO;
	}
	const struct sconce_fspf_chunk *c = &f->c_chunks[idx];
	struct sconce_fspf_aad aad;
	uint8_t tag[16];
	memcpy(tag, c->tag, 16);
	fs_chunk_aad(f, idx, len, c->version, &aad);
	int bad = f->mode == SCONCE_FSPF_ENCRYPTED
		? fsc_gcm(f->ctx, 0, f->key, 16, c->nonce, &aad, sizeof(aad), NULL, 0, b, len, b, tag)
		: fsc_gcm(f->ctx, 0, f->key, 16, c->nonce, &aad, sizeof(aad), b, len, NULL, 0, NULL, tag);
	if (bad) {
		rt_log("fs: %s: chunk %llu (bytes %llu..%llu) fails authentication: modified, swapped or "
		       "replayed on the host", f->path, (unsigned long long)idx,
		       (unsigned long long)(idx * FS_CS), (unsigned long long)(idx * FS_CS + len - 1));
		memset(b, 0, FS_CS);
		return -EIO;
	}
	memset(b + len, 0, FS_CS - len);
	return 0;
}

/* The plaintext of chunk idx, cached.  whole: the caller overwrites all
 * of it, no need to fetch. */
static long get(struct fs_file *f, uint64_t idx, int whole, uint8_t **out)
{
	long r = grow_cache(f, idx + 1);
	if (r < 0)
		return r;
	if (f->cache[idx]) {
		*out = f->cache[idx];
		return 0;
	}
	if (f->ncached - f->ndirty >= FS_MAX_CLEAN)
		evict_clean(f);
	uint8_t *b = malloc(FS_CS);
	if (!b)
		return -ENOMEM;
	if (!whole && f->listed && idx < f->c_nchunks && idx < f->zero_chunk) {
		r = load(f, idx, b);
		if (r < 0) {
			free(b);
			return r;
		}
	} else {
		memset(b, 0, FS_CS);
	}
	f->cache[idx] = b;
	f->ncached++;
	*out = b;
	return 0;
}

static void mark(struct fs_file *f, uint64_t idx)
{
	if (!f->dirty[idx]) {
		f->dirty[idx] = 1;
		f->ndirty++;
	}
	f->changed = 1;
}

/* Fetch up to 64 consecutive committed chunks [idx, last] that are not
 * cached with one host read, verify and cache them.  Best effort: on any
 * problem the chunks are left to get(), which reports it. */
#define PREFETCH 64u
static void prefetch(struct fs_file *f, uint64_t idx, uint64_t last)
{
	uint64_t lim = f->c_nchunks < f->zero_chunk ? f->c_nchunks : f->zero_chunk;
	if (!f->listed || f->hfd < 0 || idx >= lim || last <= idx)
		return;
	if (last >= lim)
		last = lim - 1;
	if (last - idx + 1 > PREFETCH)
		last = idx + PREFETCH - 1;
	if (grow_cache(f, last + 1) < 0)
		return;
	uint64_t cnt = 0;
	while (idx + cnt <= last && !f->cache[idx + cnt])
		cnt++;
	if (cnt < 2)
		return;
	if (f->ncached - f->ndirty + cnt > FS_MAX_CLEAN)
		evict_clean(f);
	uint64_t bytes = (idx + cnt - 1) * FS_CS + clen(f->c_size, idx + cnt - 1) - idx * FS_CS;
	uint8_t *tmp = malloc(bytes);
	if (!tmp)
		return;
	long r = fsh_pread(f->hfd, tmp, bytes, idx * FS_CS);
	for (uint64_t i = 0; r == (long)bytes && i < cnt; i++) {
		uint64_t c = idx + i, len = clen(f->c_size, c);
		const struct sconce_fspf_chunk *m = &f->c_chunks[c];
		struct sconce_fspf_aad aad;
		uint8_t tag[16], *b = malloc(FS_CS);
		if (!b)
			break;
		memcpy(tag, m->tag, 16);
		fs_chunk_aad(f, c, len, m->version, &aad);
		uint8_t *src = tmp + i * FS_CS;
		int bad = f->mode == SCONCE_FSPF_ENCRYPTED
			? fsc_gcm(f->ctx, 0, f->key, 16, m->nonce, &aad, sizeof(aad), NULL, 0, src, len, b, tag)
			: fsc_gcm(f->ctx, 0, f->key, 16, m->nonce, &aad, sizeof(aad), src, len, NULL, 0, NULL, tag);
		if (bad) {
			free(b); /* get() fetches it again and reports it */
			break;
		}
		if (f->mode != SCONCE_FSPF_ENCRYPTED)
			memcpy(b, src, len);
		memset(b + len, 0, FS_CS - len);
		f->cache[c] = b;
		f->ncached++;
	}
	free(tmp);
}

/* How many chunks from idx on can go straight to the caller: committed,
 * not cached (so not dirty), wholly inside [.., end), and as long now as
 * when committed (no truncation or extension since). */
static uint64_t direct_run(struct fs_file *f, uint64_t idx, uint64_t end)
{
	uint64_t lim = f->c_nchunks < f->zero_chunk ? f->c_nchunks : f->zero_chunk, cnt = 0;
	if (!f->listed || f->hfd < 0)
		return 0;
	for (uint64_t c = idx; c < lim && (c >= f->cache_cap || !f->cache[c]); c++) {
		uint64_t len = clen(f->c_size, c);
		if (!len || len != clen(f->size, c) || c * FS_CS + len > end)
			break;
		cnt++;
		if (len < FS_CS)
			break;
	}
	return cnt;
}

/* Read committed chunks [idx, idx + cnt) with one host read into dst (the
 * caller's buffer, inside the enclave: the host's bytes are copied once,
 * then verified and decrypted in place).  Returns the bytes read, or -EIO
 * after logging which chunk failed; nothing unverified is left in dst. */
static long read_direct(struct fs_file *f, uint8_t *dst, uint64_t idx, uint64_t cnt)
{
	uint64_t bytes = (cnt - 1) * FS_CS + clen(f->c_size, idx + cnt - 1);
	long r = fsh_pread(f->hfd, dst, bytes, idx * FS_CS);
	if (r < 0 || (uint64_t)r != bytes) {
		rt_log("fs: %s: chunks %llu..%llu: %s", f->path, (unsigned long long)idx,
		       (unsigned long long)(idx + cnt - 1),
		       r < 0 ? "the host failed to read them" : "shorter on the host than recorded (truncated)");
		memset(dst, 0, bytes);
		return -EIO;
	}
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t c = idx + i, len = clen(f->c_size, c);
		const struct sconce_fspf_chunk *m = &f->c_chunks[c];
		struct sconce_fspf_aad aad;
		uint8_t tag[16], *p = dst + i * FS_CS;
		memcpy(tag, m->tag, 16);
		fs_chunk_aad(f, c, len, m->version, &aad);
		int bad = f->mode == SCONCE_FSPF_ENCRYPTED
			? fsc_gcm(f->ctx, 0, f->key, 16, m->nonce, &aad, sizeof(aad), NULL, 0, p, len, p, tag)
			: fsc_gcm(f->ctx, 0, f->key, 16, m->nonce, &aad, sizeof(aad), p, len, NULL, 0, NULL, tag);
		if (bad) {
			rt_log("fs: %s: chunk %llu (bytes %llu..%llu) fails authentication: modified, swapped or "
			       "replayed on the host", f->path, (unsigned long long)c,
			       (unsigned long long)(c * FS_CS), (unsigned long long)(c * FS_CS + len - 1));
			memset(p, 0, bytes - i * FS_CS);
			return i ? (long)(i * FS_CS) : -EIO;
		}
	}
	return (long)bytes;
}

long fs_file_read(struct fs_file *f, void *buf, size_t n, uint64_t off)
{
	if (off >= f->size)
		return 0;
	if (n > f->size - off)
		n = (size_t)(f->size - off);
	size_t done = 0;
	while (done < n) {
		uint64_t pos = off + done, idx = pos / FS_CS, in = pos % FS_CS;
		size_t k = FS_CS - in < n - done ? (size_t)(FS_CS - in) : n - done;
		uint8_t *c;
		uint64_t run = in ? 0 : direct_run(f, idx, off + n);
		if (run) {
			long r = read_direct(f, (uint8_t *)buf + done, idx, run);
			if (r < 0)
				return done ? (long)done : r;
			done += (size_t)r;
			if ((uint64_t)r < (run - 1) * FS_CS + clen(f->c_size, idx + run - 1))
				return (long)done; /* a chunk failed: short read, then EIO */
			continue;
		}
		if (idx >= f->cache_cap || !f->cache[idx])
			prefetch(f, idx, (off + n - 1) / FS_CS);
		long r = get(f, idx, 0, &c);
		if (r < 0)
			return done ? (long)done : r;
		memcpy((char *)buf + done, c + in, k);
		done += k;
	}
	return (long)done;
}

long fs_file_resize(struct fs_file *f, uint64_t size)
{
	uint64_t old = f->size;
	uint8_t *c;
	long r;
	if (size == old)
		return 0;
	if (size > old) {
		/* The old last chunk grows: it must be resealed. */
		if (old % FS_CS) {
			if ((r = get(f, old / FS_CS, 0, &c)) < 0)
				return r;
			mark(f, old / FS_CS);
		}
	} else {
		uint64_t keep = (size + FS_CS - 1) / FS_CS;
		for (uint64_t i = keep; i < f->cache_cap; i++)
			drop(f, i);
		if (size % FS_CS) {
			if ((r = get(f, size / FS_CS, 0, &c)) < 0)
				return r;
			memset(c + size % FS_CS, 0, FS_CS - size % FS_CS);
			mark(f, size / FS_CS);
		}
		if (keep < f->zero_chunk)
			f->zero_chunk = keep;
	}
	f->size = size;
	f->changed = 1;
	return 0;
}

long fs_file_write(struct fs_file *f, const void *buf, size_t n, uint64_t off)
{
	long r;
	if (n == 0)
		return 0;
	if (off + n < off || off + n > (1ull << 46))
		return -EFBIG;
	if (off + n > f->size && (r = fs_file_resize(f, off + n)) < 0)
		return r;
	size_t done = 0;
	while (done < n) {
		uint64_t pos = off + done, idx = pos / FS_CS, in = pos % FS_CS;
		size_t k = FS_CS - in < n - done ? (size_t)(FS_CS - in) : n - done;
		uint8_t *c;
		r = get(f, idx, in == 0 && (k == FS_CS || pos + k >= f->size), &c);
		if (r < 0)
			return done ? (long)done : r;
		memcpy(c + in, (const char *)buf + done, k);
		mark(f, idx);
		done += k;
	}
	if (f->ndirty >= FS_MAX_DIRTY && (r = fs_file_commit(f)) < 0)
		return r;
	return (long)done;
}

long fs_file_commit(struct fs_file *f)
{
	if (f->orphan || (!f->changed && !f->ndirty && f->listed))
		return 0;
	if (fsv.state != 1)
		return -EIO;
	if (!fsv.writable)
		return -EROFS;
	uint64_t n = (f->size + FS_CS - 1) / FS_CS, version = f->c_version + 1;
	struct sconce_fspf_chunk *nc = malloc(n * sizeof(*nc) + 1);
	struct fs_jbuf j = { .open_rec = (size_t)-1 };
	uint8_t tmp[FS_CS];
	long r = nc ? 0 : -ENOMEM;
	if (r == 0 && (f->size != f->c_size || !f->listed))
		r = fs_jrec(&j, SCONCE_FSPF_J_TRUNCATE, f->path, f->size, NULL, 0);
	if (r == 0)
		r = grow_cache(f, n);
	for (uint64_t i = 0; r == 0 && i < n; i++) {
		uint64_t len = clen(f->size, i);
		int keep = f->listed && !f->dirty[i] && i < f->c_nchunks && i < f->zero_chunk &&
			   len == clen(f->c_size, i);
		if (keep) {
			nc[i] = f->c_chunks[i];
			continue;
		}
		const uint8_t *pt = f->cache[i];
		if (!pt) {
			if (f->listed && i < f->c_nchunks && i < f->zero_chunk) {
				if ((r = load(f, i, tmp)) < 0)
					break;
			} else {
				memset(tmp, 0, FS_CS);
			}
			pt = tmp;
		}
		uint8_t *d = fs_jwrite(&j, f->path, i * FS_CS, len);
		if (!d) {
			r = -ENOMEM;
			break;
		}
		struct sconce_fspf_chunk *c = &nc[i];
		struct sconce_fspf_aad aad;
		memset(c, 0, sizeof(*c));
		c->version = version;
		if (rt_random_bytes(c->nonce, sizeof(c->nonce)) < 0) {
			r = -EIO;
			break;
		}
		fs_chunk_aad(f, i, len, version, &aad);
		memcpy(d, pt, len);
		int bad = f->mode == SCONCE_FSPF_ENCRYPTED
			? fsc_gcm(f->ctx, 1, f->key, 16, c->nonce, &aad, sizeof(aad), NULL, 0, d, len, d, c->tag)
			: fsc_gcm(f->ctx, 1, f->key, 16, c->nonce, &aad, sizeof(aad), d, len, NULL, 0, NULL, c->tag);
		if (bad)
			r = -EIO;
	}
	if (r < 0) {
		free(nc);
		free(j.p);
		return r;
	}

	fs_lock(&fsv.lock);
	struct sconce_fspf_chunk *oc = f->c_chunks;
	uint64_t os = f->c_size, ov = f->c_version, on = f->c_nchunks;
	int ol = f->listed;
	f->c_chunks = nc;
	f->c_size = f->size;
	f->c_version = version;
	f->c_nchunks = n;
	f->listed = 1;
	int applied;
	r = f->orphan ? 0 : fs_commit_journal(&j, &applied);
	if (r < 0 && applied == 0 && fsv.state == 1) {
		/* nothing reached the host: restore the committed state */
		f->c_chunks = oc;
		f->c_size = os;
		f->c_version = ov;
		f->c_nchunks = on;
		f->listed = ol;
		oc = nc;
		int a2;
		fs_commit_journal(&(struct fs_jbuf){ .open_rec = (size_t)-1 }, &a2);
	}
	fs_unlock(&fsv.lock);
	free(oc);
	free(j.p);
	if (r < 0)
		return r == -EROFS ? r : -EIO;
	for (uint64_t i = 0; i < f->cache_cap; i++)
		f->dirty[i] = 0;
	f->ndirty = 0;
	f->zero_chunk = n;
	f->changed = 0;
	return 0;
}
