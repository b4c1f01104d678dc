#!/bin/bash
# Clocks and sleeping, process and user ids, uname, getrandom.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 16
for p in clocks ids getrandom; do
	build_prog "$p"
done
run_both clocks
run_both ids
run_both getrandom

# the enclave reports the uid of the user running sconce
want="uid=$(id -u) euid=$(id -u) gid=$(id -g) egid=$(id -g)"
run_prog sconce ids
if grep -qx "$want" "$RUN_OUT"; then
	ok "sconce: ids reports the host user's ids ($want)"
else
	not_ok "sconce: ids reports the host user's ids ($want)"
	diag_file "$RUN_OUT"
fi
done_testing
