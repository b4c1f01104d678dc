/*
 * sconce-crt1.o: linked into every enclave image in place of musl's crt1.
 * The runtime has already relocated the image and built the initial
 * stack; this hands it to musl exactly as _start would.
 */
int main();
__attribute__((weak)) void _init();
__attribute__((weak)) void _fini();
int __libc_start_main(int (*)(), int, char **, void (*)(), void (*)(), void (*)());

__attribute__((visibility("hidden"), noreturn)) void __sconce_app_start(long *sp);
void __sconce_app_start(long *sp)
{
	__libc_start_main(main, (int)*sp, (char **)(sp + 1), _init, _fini, 0);
	__builtin_trap();
}
