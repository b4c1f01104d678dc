#!/usr/bin/env bash
# Allocation benchmark: a request's 4 KiB blocks taken and given back,
# beside blocks of the same size that live across requests
# (bench/malloc_bench.c), natively with glibc's malloc and inside the
# enclave with musl's mallocng on the enclave heap, alternated, median of
# $REPS runs each, with the ratio.  scripts/musl-tune.sh says why this
# pattern matters.
# Usage: bench/malloc.sh [extra sconce run options]
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
REPS=${REPS:-5}
mkdir -p $B/bench
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o $B/bench/malloc_native bench/malloc_bench.c
$B/bin/sconce-cc -O2 -Wall -Wextra -Werror -o $B/bench/malloc_sconce bench/malloc_bench.c

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "sconce allocation benchmark (median of $REPS, ratio = sconce/native)"
printf "%-40s %10s %10s  %7s\n" "" native sconce ratio
measure() { # label long-lived per-request
	local label=$1 n=() s=() nm sm
	shift
	for i in $(seq "$REPS"); do
		n+=("$($B/bench/malloc_native "$@" 500000)")
		s+=("$($B/bin/sconce run $SCONCE_OPTS $B/bench/malloc_sconce "$@" 500000)")
	done
	nm=$(printf '%s\n' "${n[@]}" | median); sm=$(printf '%s\n' "${s[@]}" | median)
	awk -v l="$label" -v n="$nm" -v s="$sm" 'BEGIN { printf "%-40s %10.1f %10.1f  %6.2fx  %s\n", l, n, s, s / n, "ns/request (lower is better)" }'
}
SCONCE_OPTS="$*"
measure "2 blocks a request" 0 2
measure "2 a request, 5 long-lived" 5 2
measure "4 a request, 8 long-lived" 8 4
