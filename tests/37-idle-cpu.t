#!/bin/bash
# An idle server burns no core: the echo server waits in accept (a worker
# blocked in the host) while its ethread and the other workers stop
# polling and sleep outside the enclave.  Measured from /proc/PID/stat over
# two seconds after a settling second, in async and sync modes.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 6
build_one sconce echo_server && build_one sconce echo_client &&
	ok "build echo_server and echo_client" || { not_ok "build echo_server and echo_client"; diag_file "$BUILD_LOG"; }

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null; }

for mode in async sync; do
	out=$TAP_TMP/idle.$mode.out
	"$SCONCE" run --syscalls=$mode "$SCONCE_IMG_DIR/echo_server" 1 </dev/null >"$out" 2>"$out.err" &
	pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n '1s/^port \([0-9][0-9]*\)$/\1/p' "$out")
		[ -n "$port" ] && break
		sleep 0.1
	done
	sleep 1
	t0=$(cpu_ticks $pid)
	sleep 2
	t1=$(cpu_ticks $pid)
	used=$(( ${t1:-0} - ${t0:-0} ))
	# under 10% of one core over the two seconds
	if [ -n "$port" ] && [ -n "$t0" ] && [ -n "$t1" ] && [ "$used" -lt $((ticks * 2 / 10)) ]; then
		ok "$mode: idle server used $used of $((ticks * 2)) clock ticks (< 10% of a core)"
	else
		not_ok "$mode: idle server used $used of $((ticks * 2)) clock ticks (< 10% of a core)"
		diag "port '$port' t0 '$t0' t1 '$t1'"
		diag_file "$out.err"
	fi
	timeout 20 "$SCONCE" run "$SCONCE_IMG_DIR/echo_client" "${port:-0}" 1 >"$out.client" 2>&1
	wait $pid
	st=$?
	[ $st = 0 ] && ok "$mode: the server wakes for a client after idling and exits 0" ||
		{ not_ok "$mode: the server wakes for a client after idling and exits 0"; diag "status $st"; diag_file "$out.client"; }
done
[ -n "$(sed -n '2,$p' "$TAP_TMP/idle.async.out")" ] && ok "the async server echoed its client" ||
	{ not_ok "the async server echoed its client"; diag_file "$TAP_TMP/idle.async.out"; }
done_testing
