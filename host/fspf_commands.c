/*
 * `sconce fspf` subcommands: create, add-region, add, list, verify and
 * export, each on the volume that fspf_tool.c's front end loads (and
 * saves, when it changes).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/rand.h>
#include "host.h"
#include "fspf_tool.h"

static const char *mode_name(uint32_t m)
{
	return m == SCONCE_FSPF_ENCRYPTED ? "encrypted" : m == SCONCE_FSPF_AUTHENTICATED ? "authenticated" : "unprotected";
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

int fspf_create(int argc, char **argv)
{
	struct topts t;
	int i = fspf_parse_opts(&t, "create", argc, argv);
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
	fspf_save_vol(&v, &t, "create");
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

int fspf_add_region(int argc, char **argv)
{
	struct topts t;
	int i = fspf_parse_opts(&t, "add-region", argc, argv);
	if (argc - i != 2)
		host_die("fspf add-region: expected PATH and MODE (see sconce fspf add-region --help)");
	uint32_t mode = parse_mode(argv[i + 1]);
	if (argv[i][0] != '/')
		host_die("fspf add-region: %s: the region path must be absolute", argv[i]);
	char *p = abs_path(NULL, argv[i]);
	struct hvol v;
	fspf_load_vol(&v, &t, "add-region");
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
	fspf_save_vol(&v, &t, "add-region");
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
		uint64_t len = fspf_chunk_len(f.h.size, i);
		if (pread(fd, buf, len, (off_t)(i * CS)) != (ssize_t)len) {
			host_err("fspf add: %s: short read", path);
			close(fd);
			return -1;
		}
		fspf_seal_chunk(v, &f, i, buf, len);
		if (mode == SCONCE_FSPF_ENCRYPTED && fspf_write_all_fd(fd, buf, len, (off_t)(i * CS)) < 0) {
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

int fspf_add(int argc, char **argv)
{
	struct topts t;
	int i = fspf_parse_opts(&t, "add", argc, argv);
	if (i >= argc)
		host_die("fspf add: no PATH given (see sconce fspf add --help)");
	struct hvol v;
	fspf_load_vol(&v, &t, "add");
	int count = 0, bad = 0;
	for (; i < argc; i++) {
		char *p = abs_path(NULL, argv[i]);
		if (protect_tree(&v, p, &count) < 0)
			bad = 1;
		free(p);
	}
	fprintf(stderr, "sconce: fspf add: %d file(s) protected\n", count);
	fspf_save_vol(&v, &t, "add");
	return bad;
}

int fspf_list(int argc, char **argv)
{
	struct topts t;
	int i = fspf_parse_opts(&t, "list", argc, argv);
	if (i != argc)
		host_die("fspf list: unexpected argument '%s'", argv[i]);
	struct hvol v;
	fspf_load_vol(&v, &t, "list");
	char hex[33];
	hex_encode(v.vid, 16, hex);
	printf("fspf %s: format %u, generation %llu, volume %s\n", v.fspf, SCONCE_FSPF_VERSION,
	       (unsigned long long)v.generation, hex);
	for (int k = 0; k < v.nreg; k++)
		printf("region %-13s %s\n", mode_name(v.reg[k].mode), v.reg[k].path);
	qsort(v.files, v.nfiles, sizeof(*v.files), fspf_cmp_path);
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

int fspf_verify(int argc, char **argv)
{
	struct topts t;
	int i = fspf_parse_opts(&t, "verify", argc, argv);
	if (i != argc)
		host_die("fspf verify: unexpected argument '%s'", argv[i]);
	struct hvol v;
	fspf_load_vol(&v, &t, "verify");
	int bad = 0, unlisted = 0;
	qsort(v.files, v.nfiles, sizeof(*v.files), fspf_cmp_path);
	for (size_t k = 0; k < v.nfiles; k++) {
		const char *why = fspf_check_file(&v, &v.files[k], -1);
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

int fspf_export(int argc, char **argv)
{
	struct topts t;
	int i = fspf_parse_opts(&t, "export", argc, argv);
	if (argc - i != 2)
		host_die("fspf export: expected PATH and DEST (see sconce fspf export --help)");
	char *src = abs_path(NULL, argv[i]);
	const char *dest = argv[i + 1];
	struct hvol v;
	fspf_load_vol(&v, &t, "export");
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
		const char *why = fspf_check_file(&v, f, fd);
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
