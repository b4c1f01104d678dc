#!/bin/sh
# scripts/musl-tune.sh MUSL_SOURCE_DIR: the one edit sconce makes inside a
# file of musl's source, after the copy of libc/ (whose files replace
# musl's whole).
#
# mallocng unmaps a group as soon as it is wholly free when its size class
# has another group with free slots, or when the class is not "bouncing"
# (mapped again soon after being unmapped: counted up per map, down per
# activation of a group's slots).  A server that takes a few blocks per
# request and frees them at its end, next to long-lived blocks of the same
# class, maps and unmaps a group every request: NGINX does, one 16 KiB
# group per request.  In the enclave each munmap zeroes the pages (the
# heap keeps free pages zero, runtime/mem.c) and each mmap is a trap into
# the runtime: about 400 ns per request, against 50 ns for glibc natively
# (bench/malloc.sh).  Instead one wholly free group per class stays mapped
# (each under 1 MiB): a group that becomes free is unmapped only if
# another group of its class is wholly free too, or if the class has more
# than 8 other groups with free slots (as upstream; the check stays
# short).  Single-slot mappings (classes from 128 KiB up) and groups
# nested in another group's slot are still freed at once, and so are
# low-count groups of a class in heavy use (musl's own rule).
set -eu
f=$1/src/malloc/mallocng/free.c
next='	if (g->next != g) return 1;'
bounce='	if (!is_bouncing(sc)) return 1;'
for line in "$next" "$bounce"; do
	if [ "$(grep -cxF "$line" "$f")" != 1 ]; then
		echo "sconce: musl-tune: $f does not have the line '$line' once (another musl version?)" >&2
		exit 1
	fi
done
sed -i \
	-e '/^\tif (g->next != g) return 1;$/c\
\t/* sconce: free it only if another group of the class is wholly free,\
\t * looking at no more than 8 (scripts/musl-tune.sh) */\
\tif (!g->next) return 1;\
\tint seen = 0;\
\tfor (struct meta *m = g->next; m != g; m = m->next)\
\t\tif (++seen > 8 || (m->freed_mask | m->avail_mask) == (2u<<m->last_idx)-1)\
\t\t\treturn 1;' \
	-e '/^\t\/\/ free any group in a size class that.s not bouncing$/d' \
	-e '/^\tif (!is_bouncing(sc)) return 1;$/d' "$f"
grep -q 'sconce: free it only if another group' "$f"
