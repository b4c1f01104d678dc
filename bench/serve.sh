#!/usr/bin/env bash
# The host calls of serving a 1 KiB static file on a keep-alive TCP
# connection, as nginx makes them (bench/serve_bench.c: recvfrom, open,
# fstat, TCP_CORK on, write, sendfile, TCP_CORK off, close, plus the
# client's send and recv), in one thread: natively, inside sconce, and
# inside with --batch=off (no deferred or fused calls, runtime/batch.c),
# alternated, $REPS runs each.  The machine's noise is large and one-sided
# (other tenants only ever slow a run down), so the table gives the
# fastest run beside the median.
# Inside, 7 of the 10 calls leave the enclave (10 with --batch=off).
# Usage: bench/serve.sh [extra sconce run options]
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
REPS=${REPS:-11}
N=${N:-20000}
mkdir -p $B/bench
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o $B/bench/serve_native bench/serve_bench.c
$B/bin/sconce-cc -O2 -Wall -Wextra -Werror -o $B/bench/serve_sconce bench/serve_bench.c
file=$(mktemp)
trap 'rm -f "$file"' EXIT
head -c 1024 /dev/urandom >"$file"

declare -A runs
for i in $(seq "$REPS"); do
	runs[native]+=" $($B/bench/serve_native "$file" "$N")"
	runs[sconce]+=" $($B/bin/sconce run "$@" $B/bench/serve_sconce "$file" "$N")"
	runs[off]+=" $($B/bin/sconce run --batch=off "$@" $B/bench/serve_sconce "$file" "$N")"
done
stat_of() { # min median
	tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[1], a[int((NR+1)/2)]}'
}
read -r nmin nmed <<<"$(stat_of <<<"${runs[native]}")"
echo "sconce serving-calls benchmark: ns per request, $REPS runs of $N requests each"
printf "%-34s %9s %9s  %7s %7s\n" "" fastest median "ratio" "(med)"
for k in native sconce off; do
	read -r mn md <<<"$(stat_of <<<"${runs[$k]}")"
	case $k in
	native) label="native" ;;
	sconce) label="sconce (7 exits a request)" ;;
	off) label="sconce --batch=off (10 exits)" ;;
	esac
	awk -v l="$label" -v mn="$mn" -v md="$md" -v nm="$nmin" -v nd="$nmed" \
		'BEGIN { printf "%-34s %9.0f %9.0f  %6.2fx %6.2fx\n", l, mn, md, mn / nm, md / nd }'
done
