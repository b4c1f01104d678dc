#!/bin/bash
# /proc/self/maps inside the enclave describes the enclave (the runtime
# answers it, runtime/procfs.c), and its descriptor behaves as the
# kernel's: the same facts natively and under sconce, in each mode.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 8
build_prog proc_maps
run_both proc_maps
for m in sync async; do
	SCONCE_OPTS=(--syscalls=$m)
	run_prog sconce proc_maps
	expect_status "sconce --syscalls=$m: proc_maps exits 0" 0
done
SCONCE_OPTS=()
# The lines themselves: the image's segments, the heap, [stack], nothing
# of the launcher's (its name, its thread stacks, the shared area).
run_prog sconce proc_maps dump
stacks=$(grep -c ' \[stack\]$' "$RUN_OUT")
if [ "$RUN_STATUS" = 0 ] && [ "$stacks" = 1 ] && ! grep -q '\[heap\]\|\[vdso\]\|\[vvar\]\| /' "$RUN_OUT" &&
	[ "$(wc -l <"$RUN_OUT")" -lt 40 ]; then
	ok "sconce: the file lists one [stack] and nothing of the launcher's"
else
	not_ok "sconce: the file lists one [stack] and nothing of the launcher's"
	diag_file "$RUN_OUT" 40
	diag_file "$RUN_ERR"
fi
done_testing
