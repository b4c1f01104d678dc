#!/bin/bash
# Threads and blocking host calls: producers and consumers over blocking
# pipes, a thread blocked in accept() while others keep working, and a
# read that only another (sleeping or waiting) thread can satisfy.
# Adaptive and asynchronous mode with 1 and 2 ethreads; synchronous mode with enough
# ethreads for every thread that can block in the host at once (a
# synchronous host call holds its ethread, so with 1 or 2 ethreads these
# programs cannot make progress by design: reported as skipped).
# Then mt_wake_race: threads queued while ethreads go to sleep or poll,
# in sync mode, where a lost wake-up leaves the program blocked for good;
# and in async and adaptive modes on few ethreads, where threads wait for
# each other through host calls (workers that spun for milliseconds kept
# the ethreads of a 2-CPU machine off their CPUs: 39 s, past the limit).
set -u
. "$(dirname "$0")/lib/tap.sh"

progs=(mt_pipe_pc mt_accept mt_adaptive)
configs=("--syscalls=adaptive --ethreads 1" "--syscalls=adaptive --ethreads 2"
	"--syscalls=async --ethreads 1" "--syscalls=async --ethreads 2"
	"--syscalls=sync --ethreads 8")
wake_configs=("--syscalls=sync --ethreads 3 --spin 0" "--syscalls=sync --ethreads 3"
	"--syscalls=async" "--syscalls=adaptive --ethreads 2")
plan $((${#progs[@]} * (3 + ${#configs[@]} + 2) + 3 + ${#wake_configs[@]}))

# in_enclave CONFIG NAME [ARGS...]: status 0 and stdout equal to $REF
in_enclave() {
	local cfg=$1 desc
	shift
	read -ra SCONCE_OPTS <<<"$cfg"
	run_prog sconce "$@"
	desc="sconce $cfg: $*: exit status 0, stdout matches native"
	if [ "$RUN_STATUS" = 0 ] && cmp -s "$REF" "$RUN_OUT"; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc"
	diag "status $(status_text "$RUN_STATUS")"
	diag_file "$RUN_ERR" 10
	diff -u --label native --label sconce "$REF" "$RUN_OUT" | head -n 20 | sed 's/^/#   /'
	return 1
}

for p in "${progs[@]}"; do
	build_prog "$p" -lpthread
	run_prog native "$p"
	REF=$TAP_TMP/ref-$p.out
	cp "$RUN_OUT" "$REF"
	expect_status "native: $p: exit status 0" 0
	for cfg in "${configs[@]}"; do
		in_enclave "$cfg" "$p"
	done
	for e in 1 2; do
		skip "sconce --syscalls=sync --ethreads $e: $p" \
			"a synchronous host call holds its ethread; more threads block than there are ethreads"
	done
done

build_prog mt_wake_race -lpthread
run_prog native mt_wake_race
REF=$TAP_TMP/ref-mt_wake_race.out
cp "$RUN_OUT" "$REF"
expect_status "native: mt_wake_race: exit status 0" 0
for cfg in "${wake_configs[@]}"; do
	in_enclave "$cfg" mt_wake_race
done
done_testing
