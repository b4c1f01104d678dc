/*
 * argv, environment and exit status.
 *
 * usage: args CODE [MODE] [ARGS...]
 *   prints argc, every argument (argv[0] only by its last path component,
 *   long ones by length and hash), the SCT_* environment variables, then
 *   ends with status CODE:
 *     MODE "return" (default, also for anything else): return from main
 *     MODE "exit":   exit(CODE)   (atexit handler runs)
 *     MODE "_exit":  _exit(CODE)  (atexit handler does not run)
 *     MODE "abort":  abort()      (dies from SIGABRT)
 *     MODE "term":   raise(SIGTERM) (dies from SIGTERM)
 *     MODE "segv":   writes through a null pointer (dies from SIGSEGV)
 */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <stdint.h>
#include <unistd.h>

extern char **environ;

static void at_exit_handler(void)
{
	printf("atexit handler ran\n");
	fflush(stdout);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void print_str(const char *label, const char *s)
{
	size_t len = strlen(s);

	if (len > 200) {
		printf("%s len=%zu fnv=%08x\n", label, len, (unsigned)fnv1a(s));
		return;
	}
	printf("%s len=%zu <", label, len);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n')
			printf("\\n");
		else if (c == '\t')
			printf("\\t");
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf(">\n");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv, char **envp)
{
	static const char *const names[] = {"SCT_A", "SCT_B", "SCT_EMPTY",
					    "SCT_BIG", "SCT_UNSET"};
	char *sct[256];
	int nsct = 0;
	long code = 0;
	const char *mode = "return";

	REQUIRE(argc >= 1, "argc >= 1");
	CHECK(argv[argc] == NULL, "argv[argc] is NULL");
	CHECK(envp == environ, "envp == environ");

	printf("argc=%d\n", argc);
	const char *base = strrchr(argv[0], '/');
	print_str("argv[0] basename", base ? base + 1 : argv[0]);
	for (int i = 1; i < argc; i++) {
		char label[32];
		snprintf(label, sizeof label, "argv[%d]", i);
		print_str(label, argv[i]);
	}

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *v = getenv(names[i]);
		char label[64];
		snprintf(label, sizeof label, "getenv(%s)", names[i]);
		if (v)
			print_str(label, v);
		else
			printf("%s unset\n", label);
	}

	/* every SCT_ entry of the environment, sorted */
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "SCT_", 4) == 0 && nsct < 256)
			sct[nsct++] = *e;
	qsort(sct, (size_t)nsct, sizeof sct[0], cmp_str);
	printf("SCT_ variables: %d\n", nsct);
	for (int i = 0; i < nsct; i++) {
		char label[32];
		snprintf(label, sizeof label, "env[%d]", i);
		print_str(label, sct[i]);
	}

	if (argc > 1) {
		char *end;
		code = strtol(argv[1], &end, 0);
		CHECK(*argv[1] && !*end, "argv[1] '%s' is a number", argv[1]);
	}
	if (argc > 2)
		mode = argv[2];

	CHECK(atexit(at_exit_handler) == 0, "atexit");
	if (check_failures)
		return check_exit();

	printf("exiting with %ld via %s\n", code, mode);
	fflush(stdout);
	if (strcmp(mode, "exit") == 0)
		exit((int)code);
	if (strcmp(mode, "_exit") == 0)
		_exit((int)code);
	if (strcmp(mode, "abort") == 0)
		abort();
	if (strcmp(mode, "term") == 0) {
		raise(SIGTERM);
		fprintf(stderr, "FAIL: still alive after raise(SIGTERM)\n");
		return 1;
	}
	if (strcmp(mode, "segv") == 0) {
		/* the address comes from the input, so the compiler cannot
		 * see the null pointer */
		volatile int *p = (volatile int *)(uintptr_t)strtoul("0", NULL, 0);
		*p = 1;
		fprintf(stderr, "FAIL: still alive after a null pointer write\n");
		return 1;
	}
	return (int)code;
}
