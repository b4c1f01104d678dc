#!/bin/bash
# The enclave heap is fixed: malloc returns NULL (no crash) when it is
# exhausted, the memory comes back after free, too large mmap fails with
# ENOMEM, and the size follows --heap / SCONCE_HEAP (default 256M).
# Natively the same program runs under an address space limit.
# Fresh anonymous mappings read as zeros.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 22
build_prog heap
build_prog mmap_zero
build_prog mmap_file_ro

count_of() { # blocks from the "heap: count=N count2=M" stderr line
	sed -n 's/^heap: count=\([0-9][0-9]*\) .*/\1/p' "$1" | head -n 1
}

SCONCE_OPTS=(--heap 16M)
NATIVE_VMEM_KB=$((16 * 1024))
run_both -d "heap 16 (--heap 16M; natively ulimit -v 16M)" heap 16
unset NATIVE_VMEM_KB
SCONCE_OPTS=()
native_out=$RUN_NATIVE_OUT
c16=$(count_of "$RUN_ERR")
if [ -n "$c16" ] && [ "$c16" -ge 8 ] && [ "$c16" -le 16 ]; then
	ok "sconce --heap 16M: between 8 and 16 1-MiB blocks fit ($c16)"
else
	not_ok "sconce --heap 16M: between 8 and 16 1-MiB blocks fit (${c16:-none})"
	diag_file "$RUN_ERR"
fi

SCONCE_HEAP=16M run_prog sconce heap 16
expect_status "sconce with SCONCE_HEAP=16M: heap 16 exits 0" 0
same_output "sconce with SCONCE_HEAP=16M: stdout matches native" "$native_out" "$RUN_OUT"

SCONCE_OPTS=(--heap 32M)
run_prog sconce heap 32
SCONCE_OPTS=()
expect_status "sconce --heap 32M: heap 32 exits 0" 0
c32=$(count_of "$RUN_ERR")
if [ -n "$c32" ] && [ -n "$c16" ] && [ "$c32" -gt "$c16" ]; then
	ok "a 32M heap holds more blocks than a 16M heap ($c32 > $c16)"
else
	not_ok "a 32M heap holds more blocks than a 16M heap (${c32:-none} > ${c16:-none})"
fi

run_prog sconce heap 256
expect_status "sconce, default heap: heap 256 exits 0 (default is 256M)" 0
c256=$(count_of "$RUN_ERR")
if [ -n "$c256" ] && [ -n "$c32" ] && [ "$c256" -gt "$c32" ] && [ "$c256" -ge 128 ]; then
	ok "the default heap holds at least 128 blocks and more than 32M ($c256)"
else
	not_ok "the default heap holds at least 128 blocks and more than 32M (${c256:-none})"
fi

run_both mmap_zero
run_both mmap_file_ro @SCRATCH@
done_testing
