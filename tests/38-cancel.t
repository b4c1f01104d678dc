#!/bin/bash
# Thread cancellation inside the enclave, in both system-call modes.  In
# sync mode a blocking host call holds its ethread, so the thread blocked
# in read needs an ethread of its own (--ethreads 2).
set -u
. "$(dirname "$0")/lib/tap.sh"
plan 8
build_prog thread_cancel
for mode in async sync; do
	SCONCE_OPTS=(--syscalls=$mode --ethreads 2)
	run_both -d "thread_cancel ($mode)" thread_cancel
done
done_testing
