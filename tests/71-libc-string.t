#!/bin/bash
# The C library functions sconce replaces in musl (libc/src/string/) give
# the same answers as glibc natively.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 5
build_prog strcase
run_both strcase
done_testing
