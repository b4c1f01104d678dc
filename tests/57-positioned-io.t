#!/bin/bash
# pread/pwrite/preadv/pwritev on a regular file move everything asked for
# (up to the end of the file) even when the request is larger than the
# bounce buffer (here 64K, so a 1 MB request takes 16 host calls): programs
# count on it, as the kernel gives it (memcached's extstore did not work
# otherwise).  And sync_file_range is forwarded (Redis could not save a
# snapshot above 32 MB without it).  Output must match the native run.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 8
build_prog pio_large
SCONCE_OPTS=(--bounce 64K)
run_both pio_large @SCRATCH@
SCONCE_OPTS=(--bounce 64K --syscalls sync)
run_prog sconce pio_large @SCRATCH@
expect_status "sconce (sync calls): exit status 0" 0
same_output "sconce (sync calls): stdout matches native" "$RUN_NATIVE_OUT" "$RUN_OUT"
SCONCE_OPTS=()
if grep -q ': 1000003, data same' "$RUN_NATIVE_OUT" && ! grep -q DIFFERENT "$RUN_OUT"; then
	ok "the whole request moved, data intact"
else
	not_ok "the whole request moved, data intact"
	diag_file "$RUN_OUT"
fi
done_testing
