#!/bin/bash
# A fault inside the enclave goes to the application's own handler when it
# installed one (the host saves the state in the SSA frame and re-enters
# the enclave, as SGX does); without one, sconce reports the fault with its
# enclave-relative address and dies from the signal.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 9
build_prog fault_handler
for mode in async sync; do
	SCONCE_OPTS=(--syscalls=$mode)
	run_both -s 139 -d "fault_handler ($mode)" fault_handler
done
SCONCE_OPTS=()
run_prog sconce fault_handler
grep -Eq 'sconce: Segmentation fault inside the enclave at 0x[0-9a-f]+ \(address 0x10\)' "$RUN_ERR" &&
	ok "the unhandled fault is reported with its enclave-relative address" ||
	{ not_ok "the unhandled fault is reported with its enclave-relative address"; diag_file "$RUN_ERR"; }
done_testing
