/*
 * Self-relocation of the static-PIE image.  The host loads the image
 * unrelocated (that is what is measured); the enclave applies its own
 * R_X86_64_RELATIVE relocations on first entry.  This code runs before
 * relocation, so it may only reach data PC-relatively: no pointers stored
 * in initialised data, no jump tables.
 */
#include <elf.h>
#include "rt.h"

extern const Elf64_Ehdr __ehdr_start RT_HIDDEN;
extern Elf64_Dyn _DYNAMIC[] RT_HIDDEN;

void rt_relocate(void)
{
	uintptr_t base = (uintptr_t)&__ehdr_start;
	Elf64_Rela *rela = 0;
	size_t relasz = 0, relaent = sizeof(Elf64_Rela);

	for (Elf64_Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_RELA)
			rela = (Elf64_Rela *)(base + d->d_un.d_ptr);
		else if (d->d_tag == DT_RELASZ)
			relasz = d->d_un.d_val;
		else if (d->d_tag == DT_RELAENT)
			relaent = d->d_un.d_val;
	}
	if (!rela || relaent != sizeof(Elf64_Rela))
		return;
	for (size_t i = 0; i < relasz / sizeof(Elf64_Rela); i++) {
		/* The host refuses images with other relocation types, so
		 * anything else here cannot happen; skip rather than guess. */
		if (ELF64_R_TYPE(rela[i].r_info) != R_X86_64_RELATIVE)
			continue;
		*(uint64_t *)(base + rela[i].r_offset) = base + rela[i].r_addend;
	}
}
