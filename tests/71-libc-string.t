#!/bin/bash
# The C library functions sconce replaces in musl (libc/src/string/) give
# the same answers as glibc natively.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 10
for p in strcase memcopy; do
	build_prog "$p"
	run_both "$p"
done
done_testing
