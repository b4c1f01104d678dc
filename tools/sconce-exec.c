/*
 * sconce-exec: the program interpreter (PT_INTERP) that sconce-cc writes
 * into every enclave image, so that running an image directly (./hello,
 * or a configure script's ./conftest) runs it under `sconce run`.  The
 * kernel maps the image and jumps here; this hands the same file and
 * arguments to the launcher.
 *
 * Freestanding on purpose: an interpreter cannot itself be dynamically
 * linked, and a static libc would take the image's program headers for its
 * own.  No relocations are needed: everything is reached PC-relatively.
 */
#ifndef SCONCE_PATH
#error "build with -DSCONCE_PATH=\"/path/to/sconce\""
#endif

#define AT_EXECFN 31

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call exec_main\n"
	"	hlt\n");

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static unsigned long len(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

__attribute__((used, noreturn)) void exec_main(long *sp);
void exec_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **p = envp;
	while (*p)
		p++;
	const char *image = argc > 0 ? argv[0] : 0;
	for (unsigned long *aux = (unsigned long *)(p + 1); aux[0]; aux += 2)
		if (aux[0] == AT_EXECFN)
			image = (const char *)aux[1];

	const char *nargv[argc + 5];
	long n = 0;
	nargv[n++] = "sconce";
	nargv[n++] = "run";
	nargv[n++] = "--";
	nargv[n++] = image;
	for (long i = 1; i < argc; i++)
		nargv[n++] = argv[i];
	nargv[n] = 0;
	sys3(59 /* execve */, (long)SCONCE_PATH, (long)nargv, (long)envp);

	static const char msg[] = "sconce-exec: cannot run the launcher " SCONCE_PATH "\n";
	sys3(1 /* write */, 2, (long)msg, (long)len(msg));
	sys3(231 /* exit_group */, 127, 0, 0);
	__builtin_unreachable();
}
