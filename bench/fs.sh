#!/usr/bin/env bash
# File-system shield benchmark: bench/fs_bench.c (sequential write with
# fsync, sequential read, 4 KiB random reads of one file) natively, inside
# sconce on an unprotected path, and inside sconce on an authenticated
# and on an encrypted region; in one run, alternating, each figure the
# median of $REPS runs, with ratios to native.  Beside them the machine's
# AES-128-GCM limit on 4 KiB buffers (the shield's chunk size) from
# `openssl speed -evp aes-128-gcm`, measured between the runs too.
#
# Usage: bench/fs.sh   (knobs: REPS=3 SIZE_MIB=64 IO_KIB=64 OPS=20000,
#                       FS_BENCH_DIR=build/bench/fs: where the files go,
#                       SCONCE_BENCH_OPTS: extra `sconce run` options,
#                       FS_SYSCALLS="adaptive sync": the system-call modes;
#                       add async to see the queues alone)
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
REPS=${REPS:-3}
SIZE_MIB=${SIZE_MIB:-64}
IO_KIB=${IO_KIB:-64}
OPS=${OPS:-20000}
dir=${FS_BENCH_DIR:-$B/bench/fs}
mkdir -p $B/bench
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o $B/bench/fs_native bench/fs_bench.c
$B/bin/sconce-cc -std=gnu11 -O2 -Wall -Wextra -Werror -o $B/bench/fs_sconce bench/fs_bench.c
command -v openssl >/dev/null || { echo "bench/fs.sh: needs the openssl command (Debian package openssl)" >&2; exit 1; }

rm -rf "$dir"
mkdir -p "$dir/native" "$dir/unprotected"
dir=$(cd "$dir" && pwd)
for m in authenticated encrypted; do
	mkdir -p "$dir/$m/data"
	$B/bin/sconce fspf create --key-file "$dir/$m/key" --tag-file "$dir/$m/tag" \
		--config-out "$dir/$m/c.conf" "$dir/$m/vol.fspf" >/dev/null
	$B/bin/sconce fspf add-region --config "$dir/$m/c.conf" "$dir/$m/data" "$m" >/dev/null
done

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run MODE: one fs_bench run, "seq_write X / seq_read Y / rand_read Z"
# lines.  MODE: native, or unprot|auth|enc followed by -adaptive (the
# default system-call mode), -sync or -async.
run() {
	local args=("$SIZE_MIB" "$IO_KIB" "$OPS") sys=${1#*-} conf=()
	case $1 in
	native) $B/bench/fs_native "$dir/native" "${args[@]}"; return ;;
	unprot-*) d=$dir/unprotected ;;
	auth-*) d=$dir/authenticated/data conf=(--config "$dir/authenticated/c.conf") ;;
	enc-*) d=$dir/encrypted/data conf=(--config "$dir/encrypted/c.conf") ;;
	esac
	$B/bin/sconce run --syscalls="$sys" ${SCONCE_BENCH_OPTS:-} "${conf[@]}" $B/bench/fs_sconce "$d" "${args[@]}"
}
# AES-128-GCM on 4 KiB buffers, MB/s (openssl prints 1000s of bytes/s)
gcm() {
	openssl speed -evp aes-128-gcm -bytes 4096 -seconds 2 2>/dev/null |
		awk '/^AES-128-GCM/ {sub(/k$/, "", $2); printf "%.1f\n", $2 / 1000}'
}

modes=(native)
for sys in ${FS_SYSCALLS:-adaptive sync}; do
	modes+=("unprot-$sys" "auth-$sys" "enc-$sys")
done
res=$(mktemp)
trap 'rm -f "$res"' EXIT
for r in $(seq "$REPS"); do
	for m in "${modes[@]}"; do
		run "$m" | sed "s/^/$m /" >>"$res"
	done
	echo "gcm aes $(gcm)" >>"$res"
done
get() { awk -v m="$1" -v k="$2" '$1 == m && $2 == k {print $3}' "$res" | median; }

echo "sconce file-system benchmark: $SIZE_MIB MiB file, $IO_KIB KiB I/O, $OPS random 4 KiB reads"
echo "($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), median of $REPS, ratios = mode/native;"
echo " unprot = sconce on an unprotected path, auth/enc = authenticated/encrypted region;"
echo " adaptive = the default system-call mode, sync/async = --syscalls=sync/async)"
printf "%-26s" ""
printf " %12s" "${modes[@]}"
echo
for k in seq_write seq_read rand_read; do
	case $k in
	seq_write) label="seq write+fsync (MB/s)" ;;
	seq_read) label="seq read (MB/s)" ;;
	rand_read) label="4 KiB random read (IOPS)" ;;
	esac
	vals=()
	for m in "${modes[@]}"; do vals+=("$(get "$m" $k)"); done
	printf "%-26s" "$label"
	printf " %12.1f" "${vals[@]}"
	echo
	printf "%-26s %12s" "  ratio to native" ""
	for v in "${vals[@]:1}"; do awk -v n="${vals[0]}" -v v="$v" 'BEGIN { printf " %11.3fx", v / n }'; done
	echo
done
g=$(get gcm aes)
echo
printf "AES-128-GCM limit (openssl speed -evp aes-128-gcm, 4 KiB buffers, 1 core): %.1f MB/s\n" "$g"
for sys in ${FS_SYSCALLS:-adaptive sync}; do
	awk -v g="$g" -v m="$sys" -v a="$(get "enc-$sys" seq_read)" 'BEGIN {
		printf "encrypted sequential read, %-8s %.1f MB/s = %.1f%% of the limit (target >= 50%%: %s)\n",
			m ":", a, 100 * a / g, (a >= g / 2) ? "met" : "NOT met" }'
done
