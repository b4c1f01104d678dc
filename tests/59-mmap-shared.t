#!/bin/bash
# With --shared-maps=copy, shared file mappings reach the file
# (runtime/shared_map.c): msync, munmap, MAP_FIXED over them, and exit;
# only changed pages are written, and nothing past the end of the file.
# Natively and under sconce in each mode, with the same facts; then the
# exit case, checked on disk.  Without the option they are refused
# (tests/80-heap.t, mmap_file_ro), and SCONCE_SHARED_MAPS sets it too.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 19
build_prog mmap_shared -lpthread
SCONCE_OPTS=(--shared-maps=copy)
run_both mmap_shared @SCRATCH@
native_out=$RUN_NATIVE_OUT
for m in sync async; do
	SCONCE_OPTS=(--shared-maps=copy --syscalls=$m)
	run_prog sconce mmap_shared @SCRATCH@
	expect_status "sconce --syscalls=$m: mmap_shared exits 0" 0
	same_output "sconce --syscalls=$m: stdout matches native" "$native_out" "$RUN_OUT"
done
SCONCE_OPTS=(--shared-maps=copy)

# threads exiting (their stacks freed by the scheduler) while msync holds
# the mappings' lock
run_both -d "mmap_shared threads" mmap_shared @SCRATCH@ threads

# exit without msync or munmap: the file holds the changes, and its size
SCONCE_OPTS=()
for mode in native sconce; do
	SCONCE_SHARED_MAPS=copy run_prog $mode mmap_shared @SCRATCH@ exit
	expect_status "$mode: mmap_shared exit: exits 0" 0
	f=$RUN_SCRATCH/shared.bin
	got="$(dd if="$f" bs=1 skip=4097 count=1 2>/dev/null)$(dd if="$f" bs=1 skip=12387 count=1 2>/dev/null) $(stat -c %s "$f" 2>/dev/null)"
	check "$mode: changes made before exit are in the file (got '$got')" [ "$got" = "EF 12388" ]
done

# the default refuses, and says how to ask for the copy
run_prog sconce mmap_shared @SCRATCH@
expect_status "sconce without --shared-maps: mmap_shared fails (status 2)" 2
refused_clearly() {
	grep -q "mmap MAP_SHARED.*errno 19" "$RUN_ERR" && grep -q -- "--shared-maps=copy" "$RUN_ERR"
}
check "sconce without --shared-maps: ENODEV, and the log names the option" refused_clearly
SCONCE_OPTS=(--shared-maps=bogus)
run_prog sconce mmap_shared @SCRATCH@
check "sconce --shared-maps=bogus: refused with a clear error" \
	grep -q "sconce: shared-maps: 'bogus' is not refuse or copy" "$RUN_ERR"
done_testing
