#!/bin/bash
# Failing system calls give the same errno values in the enclave as natively.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 6
build_prog errnos
run_both errnos @SCRATCH@
if [ -z "$(ls -A "$RUN_SCRATCH" 2>/dev/null)" ]; then
	ok "sconce: errnos cleaned up its scratch directory"
else
	not_ok "sconce: errnos cleaned up its scratch directory"
	diag "$(ls -lA "$RUN_SCRATCH" 2>&1)"
fi
done_testing
