#!/bin/bash
# File system round trips in a scratch directory, with absolute and with
# cwd-relative paths; what the enclave writes is visible on the host.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 13
build_prog files

run_both files @SCRATCH@
declare -A dir=([native]=$RUN_NATIVE_SCRATCH [sconce]=$RUN_SCRATCH) rel_out=()
for m in native sconce; do
	d=${dir[$m]}
	if [ "$(ls -A "$d")" = result.txt ] &&
		[ "$(cat "$d/result.txt")" = "sconce files test" ]; then
		ok "$m: directory left with only result.txt, content visible on the host"
	else
		not_ok "$m: directory left with only result.txt, content visible on the host"
		diag "$(ls -lA "$d" 2>&1)"
	fi
done

# relative paths: run inside the scratch directory with argument "."
for m in native sconce; do
	d=$(mktemp -d "$TAP_TMP/rel-$m.XXXXXX")
	RUN_CWD=$d run_prog "$m" files .
	rel_out[$m]=$RUN_OUT
	expect_status "$m: files . (relative paths, cwd = scratch): exit status 0" 0
	if [ "$(ls -A "$d")" = result.txt ]; then
		ok "$m: relative run created result.txt in the working directory"
	else
		not_ok "$m: relative run created result.txt in the working directory"
		diag "$(ls -lA "$d" 2>&1)"
	fi
done
same_output "sconce: files . stdout matches native" "${rel_out[native]}" "${rel_out[sconce]}"

# a file prepared on the host is read inside the enclave (cwd-relative
# directory name)
d=$(mktemp -d "$TAP_TMP/sub.XXXXXX")
mkdir "$d/work"
RUN_CWD=$d run_prog sconce files work
expect_status "sconce: files work (relative subdirectory): exit status 0" 0
done_testing
