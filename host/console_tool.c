/*
 * sconce console decrypt --key HEX | --key-file FILE [--fd N] [FILE|-]
 * sconce console encrypt --key HEX | --key-file FILE [FILE|-]
 *
 * Reads a console stream written by the enclave's console shield (abi.h,
 * docs/shields.md), skips the launcher's own "sconce: " lines between
 * records, checks every record and prints the plaintext only if
 * the whole input verifies: each stream starts with its header, records
 * follow in sequence, each authenticates under the key, and each stream
 * ends with its END record.  Otherwise it prints nothing, reports
 * "sconce: console: <input>: <why>" and exits 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "host.h"
#include "fspf.h"
#include "netconf.h"

struct stream {
	int active, ended;
	uint64_t next;
	struct sconce_console_hdr hdr;
	uint8_t key[32];
};

static uint8_t *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			uint8_t *nb = realloc(b, cap *= 2);
			if (!nb)
				free(b);
			b = nb;
		}
	}
	*len = n;
	return ferror(f) ? (free(b), NULL) : b;
}

static int derive(const uint8_t master[32], const uint8_t id[16], uint8_t out[32])
{
	uint8_t msg[33];
	size_t l = 0;
	memcpy(msg, "sconce console v1", 17);
	memcpy(msg + 17, id, 16);
	return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, master, 32, msg, sizeof(msg), out, 32, &l) &&
	       l == 32 ? 0 : -1;
}

static int open_rec(EVP_CIPHER_CTX *c, const struct stream *s, const struct sconce_console_rec *r,
		    const uint8_t *ct, uint8_t *out)
{
	uint8_t nonce[12], tag[16];
	uint32_t fd = r->fd;
	int l;
	memcpy(nonce, &fd, 4);
	memcpy(nonce + 4, &r->seq, 8);
	memcpy(tag, ct + r->len, 16);
	return EVP_DecryptInit_ex2(c, EVP_aes_256_gcm(), s->key, nonce, NULL) == 1 &&
	       EVP_DecryptUpdate(c, NULL, &l, (const void *)&s->hdr, sizeof(s->hdr)) == 1 &&
	       EVP_DecryptUpdate(c, NULL, &l, (const void *)r, sizeof(*r)) == 1 &&
	       (!r->len || EVP_DecryptUpdate(c, out, &l, ct, (int)r->len) == 1) &&
	       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1 &&
	       EVP_DecryptFinal_ex(c, out + r->len, &l) == 1 ? 0 : -1;
}

/* Verify all of in[0..len); the selected plaintext goes to *out. */
static const char *decrypt(const uint8_t key[32], const uint8_t *in, size_t len, int want_fd, uint8_t *out,
			   size_t *outlen, char *why, size_t whylen, int *skipped)
{
	struct stream st[3] = { 0 };
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t off = 0, o = 0;
	int headers = 0;
	const char *err = NULL;
	if (!c)
		return "out of memory";
	while (off < len && !err) {
		/* The launcher's own diagnostics ("sconce: ...\n", plaintext and
		 * unauthenticated) land in the same file when stderr is shared:
		 * skipped between records, never part of the output. */
		const uint8_t *nl;
		if (len - off >= 8 && !memcmp(in + off, "sconce: ", 8) &&
		    (nl = memchr(in + off, '\n', len - off)) != NULL) {
			off = (size_t)(nl - in) + 1;
			(*skipped)++;
			continue;
		}
		if (len - off >= 8 && !memcmp(in + off, SCONCE_CONSOLE_MAGIC, 8)) {
			struct sconce_console_hdr h;
			if (len - off < sizeof(h)) {
				err = "truncated: the input ends inside a stream header";
				break;
			}
			memcpy(&h, in + off, sizeof(h));
			off += sizeof(h);
			if (h.version != SCONCE_CONSOLE_VERSION || h.fd > 2) {
				snprintf(why, whylen, "unsupported stream header (version %u, fd %u)", h.version, h.fd);
				err = why;
				break;
			}
			struct stream *s = &st[h.fd];
			if (s->active && !s->ended) {
				snprintf(why, whylen, "truncated: the stream on fd %u ends without its end record "
					 "(a new stream starts)", h.fd);
				err = why;
				break;
			}
			memset(s, 0, sizeof(*s));
			s->active = 1;
			s->hdr = h;
			if (derive(key, h.stream_id, s->key) < 0)
				err = "key derivation failed";
			headers++;
			continue;
		}
		if (!headers) {
			err = "not a console stream (no header)";
			break;
		}
		struct sconce_console_rec r;
		if (len - off < sizeof(r)) {
			err = "truncated: the input ends inside a record header";
			break;
		}
		memcpy(&r, in + off, sizeof(r));
		off += sizeof(r);
		if (r.fd > 2 || !st[r.fd].active || r.reserved || r.len > SCONCE_CONSOLE_MAX_REC ||
		    (r.type != SCONCE_CONSOLE_DATA && r.type != SCONCE_CONSOLE_END) ||
		    (r.type == SCONCE_CONSOLE_END && r.len)) {
			snprintf(why, whylen, "malformed record header at byte %zu", off - sizeof(r));
			err = why;
			break;
		}
		struct stream *s = &st[r.fd];
		if (s->ended) {
			snprintf(why, whylen, "record after the end of the stream on fd %u", r.fd);
			err = why;
			break;
		}
		if (r.seq != s->next) {
			snprintf(why, whylen, "record %llu on fd %u out of order (expected %llu): reordered, "
				 "dropped or replayed", (unsigned long long)r.seq, r.fd, (unsigned long long)s->next);
			err = why;
			break;
		}
		if (len - off < (size_t)r.len + 16) {
			snprintf(why, whylen, "truncated: the input ends inside record %llu on fd %u",
				 (unsigned long long)r.seq, r.fd);
			err = why;
			break;
		}
		if (open_rec(c, s, &r, in + off, out + o) < 0) {
			snprintf(why, whylen, "record %llu on fd %u does not authenticate (%s)",
				 (unsigned long long)r.seq, r.fd,
				 r.seq == 0 ? "wrong key, or tampered" : "tampered");
			err = why;
			break;
		}
		off += r.len + 16;
		s->next++;
		if (r.type == SCONCE_CONSOLE_END)
			s->ended = 1;
		else if (want_fd < 0 || want_fd == r.fd)
			o += r.len;
	}
	EVP_CIPHER_CTX_free(c);
	if (err)
		return err;
	if (!headers)
		return "empty input: no console stream";
	for (int fd = 0; fd < 3; fd++) {
		if (st[fd].active && !st[fd].ended) {
			snprintf(why, whylen, "truncated: the stream on fd %d has no end record", fd);
			return why;
		}
	}
	*outlen = o;
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sconce console decrypt (--key HEX64 | --key-file FILE) [--fd N] [FILE|-]\n"
		   "       sconce console encrypt (--key HEX64 | --key-file FILE) [FILE|-]\n"
		   "  decrypt prints the plaintext of a console stream (docs/shields.md) if all of it\n"
		   "  verifies; encrypt makes the stream for an enclave's stdin (console_stdin = yes)\n");
}

/* A stream for fd 0 with a fresh stream id: header, records, END. */
static int encrypt(const uint8_t master[32], const uint8_t *in, size_t len)
{
	struct sconce_console_hdr h = { .version = SCONCE_CONSOLE_VERSION, .fd = 0 };
	struct stream s = { 0 };
	memcpy(h.magic, SCONCE_CONSOLE_MAGIC, 8);
	if (RAND_bytes(h.stream_id, 16) != 1 || derive(master, h.stream_id, s.key) < 0)
		return -1;
	s.hdr = h;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	static uint8_t out[sizeof(struct sconce_console_rec) + SCONCE_CONSOLE_MAX_REC + 16];
	if (!c || fwrite(&h, sizeof(h), 1, stdout) != 1)
		return -1;
	size_t off = 0;
	for (uint64_t seq = 0;; seq++) {
		size_t n = len - off < SCONCE_CONSOLE_MAX_REC ? len - off : SCONCE_CONSOLE_MAX_REC;
		struct sconce_console_rec r = { .len = (uint32_t)n, .fd = 0, .seq = seq,
						.type = n ? SCONCE_CONSOLE_DATA : SCONCE_CONSOLE_END };
		uint8_t nonce[12] = { 0 }, *ct = out + sizeof(r);
		int l;
		memcpy(nonce + 4, &seq, 8);
		if (EVP_EncryptInit_ex2(c, EVP_aes_256_gcm(), s.key, nonce, NULL) != 1 ||
		    EVP_EncryptUpdate(c, NULL, &l, (const void *)&h, sizeof(h)) != 1 ||
		    EVP_EncryptUpdate(c, NULL, &l, (const void *)&r, sizeof(r)) != 1 ||
		    (n && EVP_EncryptUpdate(c, ct, &l, in + off, (int)n) != 1) ||
		    EVP_EncryptFinal_ex(c, ct + n, &l) != 1 ||
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, ct + n) != 1)
			return -1;
		memcpy(out, &r, sizeof(r));
		if (fwrite(out, sizeof(r) + n + 16, 1, stdout) != 1)
			return -1;
		off += n;
		if (!n)
			break;
	}
	EVP_CIPHER_CTX_free(c);
	return fflush(stdout) == 0 ? 0 : -1;
}

int cmd_console(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "decrypt") && strcmp(argv[1], "encrypt"))) {
		usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	static const struct option opts[] = {
		{ "key", required_argument, 0, 'k' },
		{ "key-file", required_argument, 0, 'f' },
		{ "fd", required_argument, 0, 'd' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	uint8_t key[32];
	int have_key = 0, want_fd = -1, c, enc = !strcmp(argv[1], "encrypt");
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (hex_decode(optarg, key, 32) < 0) {
				host_err("console: --key: not 64 hex digits");
				return 2;
			}
			have_key = 1;
			break;
		case 'f': {
			int r = read_hex_file(optarg, key, 32);
			if (r < 0) {
				host_err("console: --key-file %s: %s", optarg,
					 r == -EINVAL ? "not 64 hex digits" : strerror(-r));
				return 2;
			}
			have_key = 1;
			break;
		}
		case 'd':
			if (strcmp(optarg, "0") && strcmp(optarg, "1") && strcmp(optarg, "2")) {
				host_err("console: --fd: expected 0, 1 or 2");
				return 2;
			}
			want_fd = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_key || argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	const char *name = optind < argc ? argv[optind] : "-";
	FILE *f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
	if (!f) {
		host_err("console: %s: %s", name, strerror(errno));
		return 1;
	}
	size_t len;
	uint8_t *in = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	uint8_t *out = in ? malloc(len + 16) : NULL;
	if (!in || !out) {
		host_err("console: %s: cannot read it", name);
		return 1;
	}
	if (enc) {
		int r = encrypt(key, in, len);
		OPENSSL_cleanse(key, sizeof(key));
		if (r < 0) {
			host_err("console: encrypt: %s", strerror(errno ? errno : EIO));
			return 1;
		}
		return 0;
	}
	char why[256];
	size_t outlen = 0;
	int skipped = 0;
	const char *err = decrypt(key, in, len, want_fd, out, &outlen, why, sizeof(why), &skipped);
	OPENSSL_cleanse(key, sizeof(key));
	if (err) {
		host_err("console: %s: %s", strcmp(name, "-") ? name : "standard input", err);
		return 1;
	}
	if (skipped)
		fprintf(stderr, "sconce: console: note: %d line(s) of the launcher's own diagnostics skipped "
			"(not part of the stream)\n", skipped);
	if (fwrite(out, 1, outlen, stdout) != outlen || fflush(stdout) != 0) {
		host_err("console: writing the plaintext: %s", strerror(errno));
		return 1;
	}
	free(in);
	free(out);
	return 0;
}
