#!/bin/bash
# musl's malloc on the enclave heap under churn (random sizes up to
# 300 KiB, realloc, frees; then a server's request pattern), one thread
# and four at once: every block reads back what was written, the same
# checksums as natively, and what stays mapped after everything is freed
# is bounded: scripts/musl-tune.sh keeps one wholly free group per size
# class (each under 1 MiB), not every group the churn used.  Measured
# 2026-11-25: 2.5 MiB stay of 24 MiB mapped halfway (one thread; 4.7-5.3
# MiB with four); 0.05 MiB with upstream's rule; with a mutant that never
# unmaps a group, 14 MiB (43.7 MiB with four threads).
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 10
build_prog malloc_churn

grew_kib() { # from the "footprint: grew N KiB" stderr line
	sed -n 's/^footprint: grew \(-*[0-9][0-9]*\) KiB$/\1/p' "$1" | head -n 1
}

for mode in "" threads; do
	run_both malloc_churn $mode
	g=$(grew_kib "$RUN_ERR")
	what="sconce: malloc_churn${mode:+ $mode}: at most 8 MiB stays mapped after all is freed"
	if [ -n "$g" ] && [ "$g" -le 8192 ]; then
		ok "$what (${g} KiB)"
	else
		not_ok "$what (${g:-no figure} KiB)"
		diag_file "$RUN_ERR"
	fi
done
done_testing
