#!/bin/bash
# Hello world, natively and in the enclave; -v / SCONCE_VERBOSE=1 print the
# measurement line, plain runs do not.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 10
build_prog hello
run_both hello
printf 'Hello, world!\n' >"$TAP_TMP/hello.expected"
same_output "sconce: hello prints exactly 'Hello, world!'" "$TAP_TMP/hello.expected" "$RUN_OUT"
if grep -q 'sconce: measurement' "$RUN_ERR"; then
	not_ok "sconce run without -v does not print the measurement"
	diag_file "$RUN_ERR"
else
	ok "sconce run without -v does not print the measurement"
fi

SCONCE_OPTS=(-v)
run_prog sconce hello
SCONCE_OPTS=()
if [ "$RUN_STATUS" = 0 ] && grep -Eq '^sconce: measurement [0-9a-f]{64}$' "$RUN_ERR"; then
	ok "sconce run -v prints 'sconce: measurement <64 hex>' and exits 0"
else
	not_ok "sconce run -v prints 'sconce: measurement <64 hex>' and exits 0"
	diag "status $(status_text "$RUN_STATUS")"
	diag_file "$RUN_ERR"
fi
same_output "sconce run -v: stdout unchanged" "$TAP_TMP/hello.expected" "$RUN_OUT"

SCONCE_VERBOSE=1 run_prog sconce hello
if [ "$RUN_STATUS" = 0 ] && grep -Eq '^sconce: measurement [0-9a-f]{64}$' "$RUN_ERR" &&
	cmp -s "$TAP_TMP/hello.expected" "$RUN_OUT"; then
	ok "SCONCE_VERBOSE=1 prints the measurement too"
else
	not_ok "SCONCE_VERBOSE=1 prints the measurement too"
	diag "status $(status_text "$RUN_STATUS")"
	diag_file "$RUN_ERR"
fi
done_testing
