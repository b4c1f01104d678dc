/*
 * `sconce fspf`: crash recovery.  A commit the enclave's shield did not
 * finish leaves a sealed journal beside the fspf; before the tool reads
 * the fspf it completes such a commit (replays the records, installs the
 * new image, advances the tag) or discards a journal that is torn, forged
 * or stale, by the same rules as runtime/fs/volume.c.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include "host.h"
#include "fspf_tool.h"

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
			if (fd < 0 || (r.op == SCONCE_FSPF_J_WRITE ? fspf_write_all_fd(fd, pl, r.len, (off_t)r.offset)
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
			fspf_fsync_dir_of(to);
			free(to);
			break;
		}
		case SCONCE_FSPF_J_UNLINK:
			unlink(path);
			fspf_fsync_dir_of(path);
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
int fspf_recover(const char *fspf, const uint8_t key[32], uint8_t tag[16], const char *tag_file)
{
	char jpath[4200];
	snprintf(jpath, sizeof(jpath), "%s.journal", fspf);
	uint8_t *data;
	size_t len;
	if (fspf_read_all(jpath, &data, &len) < 0)
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
		     fspf_gcm(0, key, 32, j.nonce, data, SCONCE_FSPF_JOURNAL_AAD, NULL, 0, NULL, 0, NULL, j.tag) == 0;
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
	if (fspf_replace_file(fspf, body, img) < 0) {
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
