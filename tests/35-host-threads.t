#!/bin/bash
# Which threads carry the sim backend's seccomp filter: every ethread
# (the launcher's main thread and "sconce-ethread"), and none of the
# host's own threads ("sconce-worker", "sconce-spawner", "sconce-signals"),
# also not the workers the pool adds when an ethread finds every worker
# blocked.  Read from /proc/PID/task/*/status while blocked_readers has
# four reads pending in the host.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 11

build_prog blocked_readers

# threads PID: one line per thread, "NAME SECCOMP-MODE"
threads() {
	local t
	for t in /proc/"$1"/task/*; do
		echo "$(cat "$t/comm" 2>/dev/null) $(sed -n 's/^Seccomp:[[:space:]]*//p' "$t/status" 2>/dev/null)"
	done
}

# start MODE-OPTIONS...: run blocked_readers with stdin from a fifo, wait
# for "ready"; sets PID, OUT, and keeps the fifo open on fd 7
start() {
	OUT=$TAP_TMP/br.$#.out
	rm -f "$TAP_TMP/fifo"
	mkfifo "$TAP_TMP/fifo"
	"$SCONCE" run --stats "$@" "$SCONCE_IMG_DIR/blocked_readers" <"$TAP_TMP/fifo" >"$OUT" 2>"$OUT.err" &
	PID=$!
	exec 7>"$TAP_TMP/fifo"
	for _ in $(seq 1 100); do
		grep -qx ready "$OUT" && break
		sleep 0.05
	done
}

finish() { # DESC
	exec 7>&-
	wait "$PID"
	local st=$?
	if [ "$st" = 0 ] && grep -qx done "$OUT"; then
		ok "$1"
	else
		not_ok "$1"; diag "status $(status_text "$st")"; diag_file "$OUT"; diag_file "$OUT.err"
	fi
}

# --- async, one worker to start with, two ethreads
start --syscalls=async --workers 1 --ethreads 2
# four reads pending need four workers: wait for the pool to grow
for _ in $(seq 1 100); do
	[ "$(threads "$PID" | grep -c '^sconce-worker ')" -ge 4 ] && break
	sleep 0.05
done
threads "$PID" >"$TAP_TMP/async.threads"
workers=$(grep -c '^sconce-worker ' "$TAP_TMP/async.threads")
check "async: the pool grew to $workers workers for four blocked reads (>= 4)" test "$workers" -ge 4
check "async: no worker carries the filter" \
	test "$(grep '^sconce-worker ' "$TAP_TMP/async.threads" | grep -vc ' 0$')" = 0
check "async: the spawner and the signal thread carry no filter" \
	test "$(grep -cE '^sconce-(spawner|signals) 0$' "$TAP_TMP/async.threads")" = 2
check "async: both ethreads carry the filter (mode 2), and only they" \
	test "$(grep -vE '^sconce-(worker|spawner|signals) ' "$TAP_TMP/async.threads" | grep -c ' 2$')" = 2 -a \
	"$(grep -c ' 2$' "$TAP_TMP/async.threads")" = 2
[ "$workers" -ge 4 ] 2>/dev/null || diag_file "$TAP_TMP/async.threads"
finish "async: the readers get their bytes once stdin ends, exit 0"
by_spawner=$(sed -n 's/^sconce: workers: .* created (\([0-9]*\) for ethreads)$/\1/p' "$OUT.err")
check "async: the spawner created workers an ethread asked for (${by_spawner:-none})" test "${by_spawner:-0}" -ge 1

# --- sync: no workers; the ethreads carry the filter
start --syscalls=sync --ethreads 5
threads "$PID" >"$TAP_TMP/sync.threads"
check "sync: no worker threads" test "$(grep -c '^sconce-worker ' "$TAP_TMP/sync.threads")" = 0
check "sync: all 5 ethreads carry the filter, the signal thread does not" \
	test "$(grep -c ' 2$' "$TAP_TMP/sync.threads")" = 5 -a \
	"$(grep -c '^sconce-signals 0$' "$TAP_TMP/sync.threads")" = 1
finish "sync: the readers get their bytes once stdin ends, exit 0"

done_testing
