/*
 * /proc/self/maps describes the program's own memory: its code, data and
 * stack, and what it maps and unmaps, in the kernel's format, sorted.
 * Under sconce the runtime answers it from the enclave (runtime/procfs.c);
 * the host's file would describe the launcher.  Then the descriptor
 * behaves as the kernel's: read in pieces, dup sharing the offset, lseek
 * (no SEEK_END), pread, fstat, the errors of a read-only file, and its
 * number reused once closed or replaced by dup2.
 *
 * stdout carries only facts that hold natively too; with the argument
 * "dump" the program prints the file instead.
 */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXMAPS 4096

struct mapping {
	unsigned long lo, hi;
	char perm[5];
	char name[64];
};

static char text[1 << 20];
static struct mapping maps[MAXMAPS];
static int nmaps;
static int data_var = 1;
static int bss_var;

/* Read all of fd in pieces of `piece` bytes into text; returns the length. */
static size_t slurp(int fd, size_t piece)
{
	size_t len = 0;
	for (;;) {
		REQUIRE(len + piece < sizeof(text), "maps fits in %zu bytes", sizeof(text));
		ssize_t r = read(fd, text + len, piece);
		REQUIRE(r >= 0, "read of the maps file");
		if (r == 0)
			break;
		len += (size_t)r;
	}
	text[len] = 0;
	return len;
}

/* Parse text into maps[], checking every line's form and the order. */
static void parse(const char *what)
{
	nmaps = 0;
	int bad = 0;
	for (char *l = text, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		REQUIRE(nl, "%s: the last line ends with a newline", what);
		*nl = 0;
		struct mapping *m = &maps[nmaps];
		unsigned long off, inode;
		unsigned maj, min;
		int at = 0;
		if (sscanf(l, "%lx-%lx %4s %lx %x:%x %lu %n", &m->lo, &m->hi, m->perm, &off, &maj, &min,
			   &inode, &at) != 7 || !at || strlen(m->perm) != 4 || m->lo >= m->hi ||
		    (m->lo | m->hi) & 4095) {
			if (!bad++)
				CHECK(0, "%s: malformed line '%s'", what, l);
			continue;
		}
		snprintf(m->name, sizeof(m->name), "%s", l + at);
		if (nmaps && m->lo < maps[nmaps - 1].hi && !bad++)
			CHECK(0, "%s: mappings overlap or are out of order at '%s'", what, l);
		REQUIRE(++nmaps < MAXMAPS, "%s: fewer than %d lines", what, MAXMAPS);
	}
	CHECK(nmaps > 0 && !bad, "%s: %d well-formed, sorted lines", what, nmaps);
}

static void load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	REQUIRE(fd >= 0, "open %s", path);
	slurp(fd, 4096);
	close(fd);
	parse(path);
}

static const struct mapping *find(const void *p)
{
	for (int i = 0; i < nmaps; i++)
		if ((uintptr_t)p >= maps[i].lo && (uintptr_t)p < maps[i].hi)
			return &maps[i];
	return NULL;
}

/* "yes" if every page of [p, p+len) is listed read-write, "no" if none is. */
static const char *covered(const void *p, size_t len)
{
	int some = 0, all = 1;
	for (size_t o = 0; o < len; o += 4096) {
		const struct mapping *m = find((const char *)p + o);
		if (m && !strncmp(m->perm, "rw", 2))
			some = 1;
		else
			all = 0;
	}
	return all ? "yes" : some ? "partly" : "no";
}

static void where(const char *what, const void *p)
{
	const struct mapping *m = find(p);
	/* a file's name differs (natively the program's path, inside none) */
	int named = m && m->name[0] == '[';
	printf("%s: %s%s%s\n", what, m ? m->perm : "not listed", named ? " " : "", named ? m->name : "");
}

int main(int argc, char **argv)
{
	char here = 0;
	if (argc > 1 && !strcmp(argv[1], "dump")) { /* the file itself */
		int fd = open("/proc/self/maps", O_RDONLY);
		REQUIRE(fd >= 0, "open");
		fputs(text + 0 * slurp(fd, 4096), stdout);
		return check_exit();
	}
	load("/proc/self/maps");
	where("main", (void *)main);
	where("a string constant", "a string constant");
	where("an initialised global", &data_var);
	where("a zero global", &bss_var);
	where("a local of main", &here);

	void *big = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(big != MAP_FAILED, "mmap 256 KiB");
	load("/proc/self/maps");
	printf("a fresh 256 KiB mapping listed read-write: %s\n", covered(big, 256 << 10));
	/* keep a neighbour on each side so the hole stays a hole */
	munmap((char *)big + (64 << 10), 128 << 10);
	load("/proc/self/maps");
	printf("after unmapping its middle 128 KiB, the middle listed: %s\n",
	       covered((char *)big + (64 << 10), 128 << 10));
	printf("and the ends: %s, %s\n", covered(big, 64 << 10), covered((char *)big + (192 << 10), 64 << 10));
	munmap(big, 64 << 10);
	munmap((char *)big + (192 << 10), 64 << 10);

	/* the same file under its other names */
	char path[64], first[256];
	load("/proc/self/maps");
	snprintf(first, sizeof(first), "%lx-%lx %s", maps[0].lo, maps[0].hi, maps[0].perm);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)getpid());
	const char *names[] = { "/proc/thread-self/maps", path };
	for (int i = 0; i < 2; i++) {
		load(names[i]);
		char l[256];
		snprintf(l, sizeof(l), "%lx-%lx %s", maps[0].lo, maps[0].hi, maps[0].perm);
		printf("%s starts as /proc/self/maps: %s\n", i ? "/proc/PID/maps" : names[i],
		       strcmp(l, first) ? "no" : "yes");
	}

	/* the descriptor */
	int fd = open("/proc/self/maps", O_RDONLY);
	REQUIRE(fd >= 0, "open");
	size_t len = slurp(fd, 7);
	static char whole[1 << 20];
	memcpy(whole, text, len + 1);
	printf("read in 7-byte pieces: %s\n", len > 100 ? "some lines" : "too little");
	CHECK_ERR(lseek(fd, 0, SEEK_END), EINVAL, "lseek SEEK_END");
	CHECK_ERR(lseek(fd, -5, SEEK_SET), EINVAL, "lseek to -5");
	printf("lseek 0: %ld\n", (long)lseek(fd, 0, SEEK_SET));
	int fd2 = dup(fd);
	REQUIRE(fd2 >= 0, "dup");
	char a[10], b[10];
	CHECK(read(fd, a, 10) == 10 && read(fd2, b, 10) == 10, "two reads of 10 bytes");
	printf("dup shares the offset: %s\n", !memcmp(a, whole, 10) && !memcmp(b, whole + 10, 10) ? "yes" : "no");
	printf("lseek SEEK_CUR 0 after both: %ld\n", (long)lseek(fd2, 0, SEEK_CUR));
	CHECK(pread(fd, a, 10, 3) == 10, "pread 10 bytes at 3");
	printf("pread at 3: %s, offset still %ld\n", !memcmp(a, whole + 3, 10) ? "right bytes" : "wrong bytes",
	       (long)lseek(fd, 0, SEEK_CUR));
	struct stat st;
	REQUIRE(fstat(fd, &st) == 0, "fstat");
	printf("fstat: regular %d, size %ld, mode %o\n", S_ISREG(st.st_mode), (long)st.st_size, st.st_mode & 0777);
	printf("F_GETFL access mode read-only: %s\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY ? "yes" : "no");
	CHECK_ERR(write(fd, "x", 1), EBADF, "write");
	CHECK_ERR(ftruncate(fd, 0), EINVAL, "ftruncate");
	CHECK_ERR(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV, "mmap of the file");
	CHECK_ERR(open("/proc/self/maps", O_RDONLY | O_DIRECTORY), ENOTDIR, "open with O_DIRECTORY");

	/* a closed or replaced number names whatever the kernel puts there */
	int p[2];
	close(fd2);
	REQUIRE(pipe(p) == 0, "pipe");
	printf("closed descriptor's number reused: %s\n", p[0] == fd2 || p[1] == fd2 ? "yes" : "no");
	REQUIRE(write(p[1], "pipe", 4) == 4, "write to the pipe");
	char c[8] = "";
	printf("the pipe reads: %.*s\n", (int)read(p[0], c, sizeof(c)), c);
	REQUIRE(dup2(p[0], fd) == fd, "dup2 over the maps descriptor");
	REQUIRE(write(p[1], "dup2", 4) == 4, "write to the pipe");
	printf("after dup2 over it, it reads: %.*s\n", (int)read(fd, c, sizeof(c)), c);
	close(fd);
	close(p[0]);
	close(p[1]);
	return check_exit();
}
