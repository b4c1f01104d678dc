#!/usr/bin/env bash
# System-call path benchmark: native vs sconce sync, async and adaptive (the
# default), in one run, each figure the median of $REPS runs, with ratios
# to native; then the floor of sim mode (a native call under the sim
# backend's seccomp filter, bench/seccomp_floor.c), the floor of an async
# call (a native call plus a round trip to a thread spinning on the other
# CPU, bench/cross_cpu.c) and thread hand-offs.
# Usage: bench/syscall.sh [extra sconce run options]
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
REPS=${REPS:-5}
mkdir -p $B/bench
gcc -std=gnu11 -O2 -o $B/bench/syscall_native bench/syscall_bench.c -lpthread
$B/bin/sconce-cc -O2 -o $B/bench/syscall_sconce bench/syscall_bench.c -lpthread
gcc -std=gnu11 -O2 -Iinclude -iquote host -o $B/bench/seccomp_floor bench/seccomp_floor.c $B/host/seccomp.o
gcc -std=gnu11 -O2 -o $B/bench/cross_cpu bench/cross_cpu.c -lpthread
gcc -std=gnu11 -O2 -o $B/bench/switch_native bench/switch_bench.c -lpthread
$B/bin/sconce-cc -O2 -o $B/bench/switch_sconce bench/switch_bench.c -lpthread

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run MODE ARGS...: MODE is native, sync or async
run() {
	local mode=$1; shift
	case $mode in
	native) shift; $B/bench/syscall_native "$@" ;;
	*) $B/bin/sconce run --syscalls="$mode" ${SCONCE_BENCH_OPTS:-} "$@" ;;
	esac
}
runs() { local -a r=(); for i in $(seq "$REPS"); do r+=("$(run "$@")"); done; printf '%s\n' "${r[@]}" | median; }

measure() { # label unit args...
	local label=$1 unit=$2; shift 2
	local n s a d
	n=$(runs native - "$@"); s=$(runs sync $B/bench/syscall_sconce "$@")
	a=$(runs async $B/bench/syscall_sconce "$@"); d=$(runs adaptive $B/bench/syscall_sconce "$@")
	# Native runs the native binary; the others the enclave image.
	awk -v l="$label" -v u="$unit" -v n="$n" -v s="$s" -v a="$a" -v d="$d" 'BEGIN {
		printf "%-24s %10.1f %10.1f %10.1f %10.1f  %6.2fx %6.2fx %6.2fx  %s\n", l, n, s, a, d, s / n, a / n, d / n, u }'
}

echo "sconce system-call benchmark ($(nproc) cores, median of $REPS, ratios = sconce/native)"
printf "%-24s %10s %10s %10s %10s  %7s %7s %7s\n" "" native sync async adaptive sync async adaptive
measure "getppid latency" "ns/call (lower is better)" getppid 200000
measure "4 KiB pipe write+read" "ns/pair (lower is better)" pipe 50000
for t in 1 2 8 64; do
	measure "getppid, $t thread(s)" "calls/s (higher is better)" threads $t $((400000 / t))
done

# The floor of sim mode: a native getppid under the sim backend's seccomp
# filter, which every host call of a sim process passes.  Alternated with
# plain native runs.
fl=(); nf=()
for i in $(seq "$REPS"); do
	nf+=("$($B/bench/syscall_native getppid 200000)")
	fl+=("$($B/bench/seccomp_floor 200000)")
done
n=$(printf '%s\n' "${nf[@]}" | median); f=$(printf '%s\n' "${fl[@]}" | median)
echo
awk -v n="$n" -v f="$f" 'BEGIN { printf "%-40s %10.1f %10.1f  %6.2fx  %s\n", "getppid natively, plain / under sim'"'"'s filter", n, f, f / n, "ns (the floor of a sync call)" }'
# The floor of an async call: the worker's native call plus a round trip
# between two CPUs (the request there, the answer back).
x=$(for i in $(seq "$REPS"); do $B/bench/cross_cpu 1000000; done | median)
awk -v n="$n" -v x="$x" 'BEGIN { printf "%-40s %10.1f %10.1f  %6.2fx  %s\n", "getppid natively / + a cross-CPU round trip", n, n + x, (n + x) / n, "ns (the floor of an async call)" }'

# Thread hand-off: native kernel threads vs sconce user-level threads whose
# switch changes FS with WRFSBASE or with an exit to the host.
n=$(for i in $(seq "$REPS"); do $B/bench/switch_native 100000; done | median)
w=$(for i in $(seq "$REPS"); do $B/bin/sconce run --fsbase=instr $B/bench/switch_sconce 100000; done | median)
x=$(for i in $(seq "$REPS"); do $B/bin/sconce run --fsbase=exit $B/bench/switch_sconce 100000; done | median)
echo
printf "%-28s %12s %12s %12s   %7s %7s\n" "" native wrfsbase exit wrfsbase exit
awk -v n="$n" -v w="$w" -v x="$x" 'BEGIN { printf "%-28s %12.1f %12.1f %12.1f   %6.2fx %6.2fx  %s\n", "thread hand-off (condvar)", n, w, x, w / n, x / n, "ns (lower is better)" }'
