/*
 * The start-up configuration, development form (docs/fspf.md): a text file
 * read by the host.  This form trusts the host with the fspf key, the
 * expected tag and the freshness anchor; production configurations come
 * from an attested channel instead.
 *
 *   # comment
 *   fspf = volume.fspf          the protection file (relative to this file)
 *   fspf_key = HEX64            or fspf_key_file = FILE (64 hex digits)
 *   fspf_tag = HEX32            expected tag (read-only volume), and/or
 *   fspf_tag_file = FILE        the freshness anchor; the enclave rewrites
 *                               it on every commit (makes the volume writable)
 *   cwd = /dir                  initial working directory inside
 *   arg = VALUE                 argv[1..] before the command line's (repeatable)
 *   env = NAME=VALUE            the whole environment (repeatable)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host.h"
#include "fspf.h"
#include "netconf.h"

const void *fscfg_run_blob;
size_t fscfg_run_blob_size;

int hex_decode(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			v <<= 4;
			if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
			else return -1;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

/* Reads a file holding N bytes in hex (surrounding blanks ignored).
 * Returns 0, -ENOENT if the file does not exist, -EINVAL if malformed. */
int read_hex_file(const char *path, uint8_t *out, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char buf[256];
	size_t got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[got] = 0;
	return hex_decode(trim(buf), out, n) < 0 ? -EINVAL : 0;
}

int write_tag_file(const char *path, const uint8_t tag[SCONCE_FSPF_TAG])
{
	char hex[2 * SCONCE_FSPF_TAG + 2], tmp[4200];
	hex_encode(tag, SCONCE_FSPF_TAG, hex);
	strcat(hex, "\n");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex) || fsync(fd) < 0) {
		int e = errno ? errno : EIO;
		close(fd);
		return -e;
	}
	close(fd);
	if (rename(tmp, path) < 0)
		return -errno;
	return 0;
}

char *abs_path(const char *base, const char *path)
{
	char cwd[4096];
	size_t bl;
	if (path[0] != '/') {
		if (!base) {
			if (!getcwd(cwd, sizeof(cwd)))
				return NULL;
			base = cwd;
		}
		bl = strlen(base);
	} else {
		base = "";
		bl = 0;
	}
	char *in = malloc(bl + strlen(path) + 2);
	char *out = malloc(bl + strlen(path) + 2);
	if (!in || !out) {
		free(in);
		free(out);
		return NULL;
	}
	sprintf(in, "%s/%s", base, path);
	size_t o = 0;
	for (char *p = in; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *e = strchrnul(p, '/');
		size_t len = (size_t)(e - p);
		if (len == 1 && p[0] == '.') {
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	free(in);
	return out;
}

static int push(char ***v, int *n, const char *s)
{
	char **nv = realloc(*v, sizeof(char *) * (size_t)(*n + 2));
	if (!nv)
		return -1;
	*v = nv;
	nv[(*n)++] = strdup(s);
	nv[*n] = NULL;
	return 0;
}

int fscfg_load(const char *path, struct fs_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	FILE *f = fopen(path, "r");
	if (!f) {
		host_err("config %s: %s", path, strerror(errno));
		return -1;
	}
	char *dir = abs_path(NULL, path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else
		*slash = 0;
	char *line = NULL, *tagfile_rel = NULL;
	size_t cap = 0;
	int lineno = 0, bad = 0, sk;
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			host_err("config %s:%d: expected KEY = VALUE", path, lineno);
			bad = 1;
			continue;
		}
		*eq = 0;
		char *k = trim(s), *v = trim(eq + 1);
		if (!strcmp(k, "fspf")) {
			free(c->fspf);
			c->fspf = abs_path(dir, v);
		} else if (!strcmp(k, "fspf_key")) {
			if (hex_decode(v, c->key, sizeof(c->key)) < 0) {
				host_err("config %s:%d: fspf_key: not %zu hex digits", path, lineno, 2 * sizeof(c->key));
				bad = 1;
			}
			c->have_key = 1;
		} else if (!strcmp(k, "fspf_key_file")) {
			char *p = abs_path(dir, v);
			int r = read_hex_file(p, c->key, sizeof(c->key));
			if (r < 0) {
				host_err("config %s:%d: fspf_key_file %s: %s", path, lineno, p,
					 r == -EINVAL ? "not 64 hex digits" : strerror(-r));
				bad = 1;
			}
			free(p);
			c->have_key = 1;
		} else if (!strcmp(k, "fspf_tag")) {
			if (hex_decode(v, c->tag, sizeof(c->tag)) < 0) {
				host_err("config %s:%d: fspf_tag: not %zu hex digits", path, lineno, 2 * sizeof(c->tag));
				bad = 1;
			}
			c->have_tag = 1;
		} else if (!strcmp(k, "fspf_tag_file")) {
			free(tagfile_rel);
			tagfile_rel = strdup(v);
		} else if (!strcmp(k, "cwd")) {
			free(c->cwd);
			c->cwd = abs_path(dir, v);
		} else if (!strcmp(k, "arg")) {
			push(&c->args, &c->nargs, v);
		} else if (!strcmp(k, "env")) {
			if (!strchr(v, '=')) {
				host_err("config %s:%d: env: expected NAME=VALUE", path, lineno);
				bad = 1;
			}
			push(&c->env, &c->nenv, v);
			c->have_env = 1;
		} else if ((sk = shieldcfg_key(k, v, dir, path, lineno)) != 0) {
			bad |= sk < 0; /* network and console shields: host/netconf.c */
		} else {
			host_err("config %s:%d: unknown key '%s'", path, lineno, k);
			bad = 1;
		}
	}
	free(line);
	fclose(f);
	if (tagfile_rel) {
		c->tag_file = abs_path(dir, tagfile_rel);
		struct stat st;
		int r = stat(c->tag_file, &st) == 0 && st.st_size == 0 ? -ENOENT /* created, never written */
			: read_hex_file(c->tag_file, c->tag, sizeof(c->tag));
		if (r == 0)
			c->have_tag = 1; /* the anchor is newer than any fspf_tag line */
		else if (r != -ENOENT || !c->have_tag) {
			host_err("config %s: fspf_tag_file %s: %s", path, c->tag_file,
				 r == -EINVAL ? "not 32 hex digits" : strerror(-r));
			bad = 1;
		}
		free(tagfile_rel);
	}
	free(dir);
	if (bad)
		return -1;
	if (c->fspf && !c->have_key) {
		host_err("config %s: fspf given without fspf_key or fspf_key_file", path);
		return -1;
	}
	if (c->fspf && !c->have_tag) {
		host_err("config %s: fspf given without fspf_tag or fspf_tag_file", path);
		return -1;
	}
	return 0;
}

int fscfg_blob(const struct fs_cfg *c, void **blob, size_t *size)
{
	size_t fl = strlen(c->fspf), tl = c->tag_file ? strlen(c->tag_file) : 0;
	size_t cl = c->cwd ? strlen(c->cwd) : 0;
	size_t n = sizeof(struct sconce_fs_config) + fl + tl + cl + 3;
	struct sconce_fs_config *b = calloc(1, n);
	if (!b)
		return -1;
	b->magic = SCONCE_FSCONF_MAGIC;
	b->flags = c->tag_file ? SCONCE_FSCONF_WRITABLE : 0;
	b->fspf_len = (uint32_t)fl;
	b->tagfile_len = (uint32_t)tl;
	b->cwd_len = (uint32_t)cl;
	memcpy(b->key, c->key, sizeof(b->key));
	memcpy(b->tag, c->tag, sizeof(b->tag));
	char *s = (char *)(b + 1);
	memcpy(s, c->fspf, fl + 1);
	if (tl)
		memcpy(s + fl + 1, c->tag_file, tl + 1);
	if (cl)
		memcpy(s + fl + 1 + tl + 1, c->cwd, cl + 1);
	*blob = b;
	*size = n;
	return 0;
}

int fscfg_apply_run(const char *path, int *argc, char ***argv, int *i)
{
	static struct fs_cfg c;
	extern char **environ;
	if (fscfg_load(path, &c) < 0 || shieldcfg_finish(path) < 0)
		return -1;
	if (*i >= *argc) {
		host_err("run: no enclave image given");
		return -1;
	}
	int n = *argc - *i;
	char **nv = calloc((size_t)(n + c.nargs + 1), sizeof(char *));
	if (!nv)
		return -1;
	nv[0] = (*argv)[*i];
	for (int k = 0; k < c.nargs; k++)
		nv[1 + k] = c.args[k];
	for (int k = 1; k < n; k++)
		nv[c.nargs + k] = (*argv)[*i + k];
	*argv = nv;
	*argc = n + c.nargs;
	*i = 0;
	if (c.have_env) /* otherwise the host's environment is passed on */
		environ = c.env;
	if (c.fspf) {
		void *blob;
		size_t size;
		if (fscfg_blob(&c, &blob, &size) < 0)
			return -1;
		fscfg_run_blob = blob;
		fscfg_run_blob_size = size;
	} else if (c.cwd) {
		host_err("config %s: cwd needs an fspf (the shield tracks the directory)", path);
		return -1;
	}
	return 0;
}
