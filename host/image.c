/*
 * Reading and validating an enclave image: a static-PIE x86_64 ELF built by
 * sconce-cc.  Anything the loader or the runtime's self-relocation cannot
 * handle is refused here with a message naming the problem.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host.h"
#include "measure.h"

#define PAGE SCONCE_PAGE_SIZE
#define MAX_IMAGE (1ull << 32)

static int bad(const struct image *img, const char *why)
{
	host_err("%s: not a sconce enclave image: %s", img->path, why);
	return -1;
}

static int read_file(struct image *img)
{
	int fd = open(img->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		host_err("%s: %s", img->path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_IMAGE) {
		close(fd);
		return bad(img, "not a regular file of a sensible size");
	}
	img->file_size = (size_t)st.st_size;
	img->data = malloc(img->file_size ? img->file_size : 1);
	if (!img->data) {
		close(fd);
		host_err("%s: out of memory", img->path);
		return -1;
	}
	size_t done = 0;
	while (done < img->file_size) {
		ssize_t r = read(fd, img->data + done, img->file_size - done);
		if (r <= 0) {
			close(fd);
			host_err("%s: read failed: %s", img->path, r ? strerror(errno) : "short file");
			return -1;
		}
		done += (size_t)r;
	}
	close(fd);
	return 0;
}

/* Every relocation must be R_X86_64_RELATIVE: the runtime applies only
 * those, before any other code runs. */
static int check_relocations(struct image *img, const Elf64_Phdr *dyn)
{
	if (dyn->p_vaddr + dyn->p_memsz > img->mem_size || dyn->p_memsz % sizeof(Elf64_Dyn))
		return bad(img, "dynamic section outside the image");
	const Elf64_Dyn *d = (const Elf64_Dyn *)(img->mem + dyn->p_vaddr);
	uint64_t rela = 0, relasz = 0;
	for (size_t i = 0; i < dyn->p_memsz / sizeof(*d) && d[i].d_tag != DT_NULL; i++) {
		switch (d[i].d_tag) {
		case DT_RELA: rela = d[i].d_un.d_ptr; break;
		case DT_RELASZ: relasz = d[i].d_un.d_val; break;
		case DT_NEEDED: return bad(img, "it needs shared libraries (link with sconce-cc)");
		case DT_REL:
		case DT_JMPREL: return bad(img, "it has relocations other than RELA RELATIVE");
		}
	}
	if (rela > img->mem_size || relasz > img->mem_size - rela)
		return bad(img, "relocation table outside the image");
	const Elf64_Rela *r = (const Elf64_Rela *)(img->mem + rela);
	for (size_t i = 0; i < relasz / sizeof(*r); i++) {
		if (ELF64_R_TYPE(r[i].r_info) != R_X86_64_RELATIVE)
			return bad(img, "relocation of a type other than R_X86_64_RELATIVE");
		if (r[i].r_offset > img->mem_size - 8 ||
		    !(img->perms[r[i].r_offset / PAGE] & SGX_SECINFO_W))
			return bad(img, "relocation target outside the writable image");
	}
	return 0;
}

static int load_segments(struct image *img, const Elf64_Ehdr *eh)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img->data + eh->e_phoff);
	const Elf64_Phdr *dyn = 0;
	uint64_t end = 0;

	for (int i = 0; i < eh->e_phnum; i++) {
		/* PT_INTERP names sconce-exec, used only when the image is run
		 * directly; the enclave never sees it. */
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = &ph[i];
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > img->file_size ||
		    ph[i].p_filesz > img->file_size - ph[i].p_offset ||
		    ph[i].p_vaddr > MAX_IMAGE || ph[i].p_memsz > MAX_IMAGE - ph[i].p_vaddr)
			return bad(img, "a segment lies outside the file or is too large");
		if (ph[i].p_vaddr + ph[i].p_memsz > end)
			end = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (!end)
		return bad(img, "no loadable segments");
	img->mem_size = (end + PAGE - 1) & ~(PAGE - 1);
	img->mem = calloc(1, img->mem_size);
	img->perms = calloc(1, img->mem_size / PAGE);
	if (!img->mem || !img->perms) {
		host_err("%s: out of memory", img->path);
		return -1;
	}
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		memcpy(img->mem + ph[i].p_vaddr, img->data + ph[i].p_offset, ph[i].p_filesz);
		uint8_t p = ((ph[i].p_flags & PF_R) ? SGX_SECINFO_R : 0) |
			    ((ph[i].p_flags & PF_W) ? SGX_SECINFO_W | SGX_SECINFO_R : 0) |
			    ((ph[i].p_flags & PF_X) ? SGX_SECINFO_X | SGX_SECINFO_R : 0);
		for (uint64_t pg = ph[i].p_vaddr / PAGE; pg * PAGE < ph[i].p_vaddr + ph[i].p_memsz; pg++)
			img->perms[pg] |= p;
	}
	for (uint64_t pg = 0; pg < img->mem_size / PAGE; pg++)
		if ((img->perms[pg] & (SGX_SECINFO_W | SGX_SECINFO_X)) == (SGX_SECINFO_W | SGX_SECINFO_X))
			return bad(img, "a page is both writable and executable");
	if (!dyn)
		return bad(img, "no dynamic section (not a static PIE; link with sconce-cc)");
	return check_relocations(img, dyn);
}

int image_load(struct image *img, const char *path)
{
	memset(img, 0, sizeof(*img));
	img->path = path;
	if (read_file(img) < 0)
		return -1;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img->data;
	if (img->file_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad(img, "not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return bad(img, "not an x86_64 ELF file");
	if (eh->e_type != ET_DYN)
		return bad(img, "not position independent (link with sconce-cc)");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phoff > img->file_size ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > img->file_size - eh->e_phoff)
		return bad(img, "program headers outside the file");
	if (load_segments(img, eh) < 0)
		return -1;
	if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > PAGE ||
	    !(img->perms[0] & SGX_SECINFO_R))
		return bad(img, "program headers are not mapped in the first page");
	img->entry = eh->e_entry;
	if (img->entry >= img->mem_size || !(img->perms[img->entry / PAGE] & SGX_SECINFO_X))
		return bad(img, "entry point is not in executable code (link with sconce-cc)");
	return 0;
}

void image_free(struct image *img)
{
	free(img->data);
	free(img->mem);
	free(img->perms);
	memset(img, 0, sizeof(*img));
}
