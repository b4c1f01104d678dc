#!/bin/bash
# argv, environment and exit status (return, exit, _exit, abort) are the
# same in the enclave as natively.  Options after the image belong to the
# application, not to sconce.
set -u
. "$(dirname "$0")/lib/tap.sh"

cases=11
plan $((2 + 3 * cases + 1))
build_prog args

export SCT_A=alpha
export SCT_B='with space = and "quotes"'
export SCT_EMPTY=
SCT_BIG=$(printf 'x%.0s' $(seq 1 10000))
export SCT_BIG
unset SCT_UNSET

run_both -d "args 0" args 0
run_both -s 1 -d "args 1 (return)" args 1
run_both -s 42 -d "args 42 exit" args 42 exit
run_both -s 255 -d "args 255 _exit" args 255 _exit
run_both -s 0 -d "args 256 exit (status wraps to 0)" args 256 exit
run_both -s 7 -d "args with spaces, empty, tab, newline, UTF-8, sconce-like options" \
	args 7 return "hello world" "" $'tab\there' $'new\nline' 'ünïcödé ✓' --heap 1M -v -- --ethreads
many=()
for i in $(seq 1 300); do many+=("arg$i"); done
run_both -s 3 -d "args with 300 arguments" args 3 return "${many[@]}"
long=$(printf 'y%.0s' $(seq 1 100000))
run_both -s 0 -d "args with a 100000-byte argument" args 0 exit "$long"
run_both -s 134 -d "args abort (dies from SIGABRT)" args 5 abort
run_both -s 143 -d "args term: raise(SIGTERM) (dies from SIGTERM)" args 6 term
run_both -s 139 -d "args segv: null pointer write (dies from SIGSEGV)" args 7 segv

# a different environment reaches the application unchanged
SCT_A=changed SCT_C=new run_prog sconce args 0
if [ "$RUN_STATUS" = 0 ] && grep -qx 'getenv(SCT_A) len=7 <changed>' "$RUN_OUT" &&
	grep -qx 'env\[.\] len=9 <SCT_C=new>' "$RUN_OUT"; then
	ok "sconce: per-run environment changes reach the application"
else
	not_ok "sconce: per-run environment changes reach the application"
	diag_file "$RUN_OUT" 20
	diag_file "$RUN_ERR" 10
fi
done_testing
