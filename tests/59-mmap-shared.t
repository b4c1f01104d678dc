#!/bin/bash
# Shared file mappings reach the file (runtime/shared_map.c): msync,
# munmap, MAP_FIXED over them, and exit; only changed pages are written,
# and nothing past the end of the file.  Natively and under sconce in
# each mode, with the same facts; then the exit case, checked on disk.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 16
build_prog mmap_shared -lpthread
run_both mmap_shared @SCRATCH@
native_out=$RUN_NATIVE_OUT
for m in sync async; do
	SCONCE_OPTS=(--syscalls=$m)
	run_prog sconce mmap_shared @SCRATCH@
	expect_status "sconce --syscalls=$m: mmap_shared exits 0" 0
	same_output "sconce --syscalls=$m: stdout matches native" "$native_out" "$RUN_OUT"
done
SCONCE_OPTS=()

# threads exiting (their stacks freed by the scheduler) while msync holds
# the mappings' lock
run_both -d "mmap_shared threads" mmap_shared @SCRATCH@ threads

# exit without msync or munmap: the file holds the changes, and its size
for mode in native sconce; do
	run_prog $mode mmap_shared @SCRATCH@ exit
	expect_status "$mode: mmap_shared exit: exits 0" 0
	f=$RUN_SCRATCH/shared.bin
	got="$(dd if="$f" bs=1 skip=4097 count=1 2>/dev/null)$(dd if="$f" bs=1 skip=12387 count=1 2>/dev/null) $(stat -c %s "$f" 2>/dev/null)"
	check "$mode: changes made before exit are in the file (got '$got')" [ "$got" = "EF 12388" ]
done
done_testing
