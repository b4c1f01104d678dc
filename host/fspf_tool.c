/*
 * `sconce fspf`: create and inspect file-system protection files (host
 * tool, glibc + libcrypto).  The format is in include/sconce/fspf.h and
 * docs/fspf.md; the enclave's shield (runtime/fs/) reads and writes the
 * same bytes.
 *
 * This file is the command line's front end: usage, the options every
 * subcommand shares, loading and saving the volume.  The subcommands are
 * in fspf_commands.c, the sealing in fspf_seal.c, crash recovery in
 * fspf_journal.c, file I/O in fspf_io.c; fspf_tool.h declares what they
 * share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "fspf_tool.h"

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

int fspf_parse_opts(struct topts *t, const char *cmd, int argc, char **argv)
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

void fspf_load_vol(struct hvol *v, struct topts *t, const char *cmd)
{
	memset(v, 0, sizeof(*v));
	if (!t->have_key)
		host_die("fspf %s: no key given (--key, --key-file or --config)", cmd);
	memcpy(v->key, t->key, 32);
	v->fspf = abs_path(NULL, t->fspf);
	if (t->have_tag && fspf_recover(v->fspf, v->key, t->tag, t->tag_file) < 0)
		exit(1);
	uint8_t *data;
	size_t len;
	int r = fspf_read_all(v->fspf, &data, &len);
	if (r < 0)
		host_die("fspf %s: %s: %s", cmd, t->fspf, strerror(-r));
	const char *why;
	if (!t->have_tag)
		fprintf(stderr, "sconce: fspf %s: warning: no expected tag given, freshness not checked\n", cmd);
	if (fspf_open_image(v, data, len, t->have_tag ? t->tag : NULL, &why) < 0)
		host_die("fspf %s: %s: %s", cmd, t->fspf, why);
	free(data);
}

void fspf_save_vol(struct hvol *v, struct topts *t, const char *cmd)
{
	size_t len;
	uint8_t *img = fspf_seal_image(v, &len);
	int r = fspf_replace_file(v->fspf, img, len);
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
