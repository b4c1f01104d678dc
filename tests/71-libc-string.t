#!/bin/bash
# The C library functions sconce replaces in musl (libc/src/string/) give
# the same answers as glibc natively.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 15
for p in strcase memcopy memcompare; do
	build_prog "$p"
	run_both "$p"
done
done_testing
