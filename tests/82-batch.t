#!/bin/bash
# Calls answered without an exit of their own (runtime/batch.c): the fstat
# after an open comes back with the open, and a read-only file's close and
# TCP_CORK on ride on the thread's next call.  Each mode of
# tests/enclave/batch_calls.c prints what Linux answered; inside, the output
# must be the same, and `sconce run --stats` must count exactly the calls
# the mode makes that qualify (none with --batch=off).
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 24
build_prog batch_calls

# counts: "DEFERRED FUSED" from the stats line
counts() {
	sed -n 's/^sconce: batched: \([0-9]*\) deferred to the next call, \([0-9]*\) answered from the open$/\1 \2/p' "$1"
}

check_counts() { # desc want
	local got
	got=$(counts "$RUN_ERR")
	if [ "$got" = "$2" ]; then
		ok "$1: deferred and fused calls counted: $2"
	else
		not_ok "$1: deferred and fused calls counted: $2"
		diag "got '${got:-no stats line}'"
		diag_file "$RUN_ERR" 10
	fi
}

SCONCE_OPTS=(--stats)
# mode ; deferred closes and corks ; fstat (and fcntl FD_CLOEXEC) answered from the open
# (files: the second fstat goes out, after musl's isatty check on stdout)
for m in "files;14 22" "locks;0 3" "cork;3 0" "threads;2 1"; do
	IFS=';' read -r mode want <<<"$m"
	run_both batch_calls "$mode" @SCRATCH@
	check_counts "$mode" "$want"
done

# Turned off: the same answers, nothing batched.
run_prog native batch_calls files @SCRATCH@
native_out=$RUN_OUT
SCONCE_OPTS=(--stats --batch=off)
run_prog sconce batch_calls files @SCRATCH@
same_output "--batch=off: files: stdout matches native" "$native_out" "$RUN_OUT"
check_counts "--batch=off: files" "0 0"

SCONCE_OPTS=(--batch=maybe)
run_prog sconce batch_calls files @SCRATCH@
check "--batch=maybe: refused with a clear error, nothing run" \
	eval '[ "$RUN_STATUS" = 1 ] && grep -q "sconce: batch: '"'"'maybe'"'"' is not on or off" "$RUN_ERR" && ! [ -s "$RUN_OUT" ]'

# The leak check sees the deferred calls' and the fused call's arguments.
SCONCE_OPTS=(--check-leaks)
run_prog sconce batch_calls files @SCRATCH@
same_output "--check-leaks: files: no enclave address in any request" "$native_out" "$RUN_OUT"

# A deferred close is made before the thread sleeps inside the enclave
# (pause, until SIGUSR1): meanwhile the host holds no descriptor for it.
SCONCE_OPTS=()
dir=$(mktemp -d "$TAP_TMP/sleep.XXXXXX")
err=$TAP_TMP/sleep.err
"$SCONCE" run "$SCONCE_IMG_DIR/batch_calls" sleep "$dir" >"$TAP_TMP/sleep.out" 2>"$err" &
pid=$!
for _ in $(seq 100); do
	grep -q closing "$err" 2>/dev/null && break
	sleep 0.1
done
sleep 0.5
held=$(for p in $(pgrep -f "batch_calls sleep $dir"); do
	ls -l /proc/"$p"/fd 2>/dev/null
done | grep -c "$dir/a")
kill -USR1 $pid
wait $pid
status=$?
if grep -q closing "$err" && [ "$held" = 0 ]; then
	ok "sleep: the deferred close was made before the sleep"
else
	not_ok "sleep: the deferred close was made before the sleep"
	diag "descriptors for $dir/a during the sleep: $held"
	diag_file "$err"
fi
[ "$status" = 0 ] && grep -qx woke "$TAP_TMP/sleep.out" && ok "sleep: woken by SIGUSR1, exit status 0" ||
	{ not_ok "sleep: woken by SIGUSR1, exit status 0"; diag "status $status"; diag_file "$err"; }
done_testing
