/*
 * sconce: the host launcher.  One function per subcommand, dispatched from
 * a table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "measure.h"
#include "sim.h"
#include "fspf.h"
#include "netconf.h"
#include "adversary.h"

#ifndef SCONCE_VERSION
#define SCONCE_VERSION "0.1"
#endif

void host_err(const char *fmt, ...)
{
	va_list ap;
	fputs("sconce: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void host_die(const char *fmt, ...)
{
	va_list ap;
	fputs("sconce: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int parse_common(struct options *o, int argc, char **argv, const char *cmd, int run)
{
	options_defaults(o);
	int i = options_parse(o, argc, argv, run);
	if (i == -2) {
		printf("usage: sconce %s [options] IMAGE%s\n", cmd, run ? " [ARGS...]" : "");
		options_usage(stdout);
		exit(0);
	}
	if (i < 0)
		exit(1);
	if (i >= argc)
		host_die("%s: no enclave image given (see sconce %s --help)", cmd, cmd);
	return i;
}

static int cmd_measure(int argc, char **argv)
{
	struct options o;
	struct image img;
	struct layout lay;
	uint8_t mr[32];
	char hex[65];

	int i = parse_common(&o, argc, argv, "measure", 0);
	if (i != argc - 1)
		host_die("measure: expected exactly one image, got %d arguments", argc - i);
	if (image_load(&img, argv[i]) < 0 || layout_build(&lay, &img, &o) < 0 ||
	    layout_measure(&lay, &img, mr) < 0)
		return 1;
	measure_hex(mr, hex);
	printf("%s\n", hex);
	image_free(&img);
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct options o;
	struct image img;
	static struct enclave e;
	char hex[65];

	if (argc == 2 && !strcmp(argv[1], "--adversary=list")) {
		adversary_list(stdout);
		return 0;
	}
	int i = parse_common(&o, argc, argv, "run", 1);
	if (o.adversary && !strcmp(o.adversary, "list")) {
		adversary_list(stdout);
		return 0;
	}
	if (o.adversary && adversary_select(o.adversary, o.async && !o.adaptive) < 0)
		return 1;
	if (o.check_leaks)
		leak_check_enable();
	if (o.config && fscfg_apply_run(o.config, &argc, &argv, &i) < 0)
		return 1;
	if (image_load(&img, argv[i]) < 0)
		return 1;
	if (sim_create(&e, &img, &o, argc - i, argv + i) < 0)
		return 1;
	if (o.verbose) {
		measure_hex(e.mrenclave, hex);
		fprintf(stderr, "sconce: measurement %s\n", hex);
		fprintf(stderr, "sconce: enclave %llu MiB at %p, heap %llu MiB, %u ethread(s)%s\n",
			(unsigned long long)(e.size >> 20), (void *)e.base,
			(unsigned long long)(o.heap_size >> 20), o.ethreads,
			e.fsgsbase ? ", FSGSBASE" : ", FS via arch_prctl");
	}
	uint64_t entry = img.entry;
	image_free(&img);
	sim_run(&e, &o, entry);
	return 1;
}

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "run an enclave image: sconce run [options] IMAGE [ARGS...]" },
	{ "measure", cmd_measure, "print the enclave measurement (MRENCLAVE) of an image" },
	{ "fspf", cmd_fspf, "create, list, verify and export file-system protection files" },
	{ "console", cmd_console, "decrypt a console stream: sconce console decrypt --key HEX [FILE|-]" },
	{ "help", cmd_help, "this text" },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: sconce COMMAND [options] ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-9s %s\n", commands[i].name, commands[i].summary);
	printf("\nenclave options (run and measure):\n");
	options_usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cmd_help(argc, argv), 1;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("sconce %s\n", SCONCE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc, argv);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	host_die("'%s' is not a command (see sconce help)", argv[1]);
}
