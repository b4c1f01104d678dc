#!/bin/bash
# Clocks and sleeping, process and user ids, uname, getrandom.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 21
for p in clocks ids getrandom clock_track; do
	build_prog "$p"
done
run_both clocks
run_both ids
run_both getrandom

# the enclave reports the uid of the user running sconce
want="uid=$(id -u) euid=$(id -u) gid=$(id -g) egid=$(id -g)"
run_prog sconce ids
if grep -qx "$want" "$RUN_OUT"; then
	ok "sconce: ids reports the host user's ids ($want)"
else
	not_ok "sconce: ids reports the host user's ids ($want)"
	diag_file "$RUN_OUT"
fi
# Clocks extrapolated inside from the TSC stay with the host's clock: the
# enclave's first and last CLOCK_REALTIME readings fall between the host's
# readings taken before and after the run (2 ms slack for the refresh).
for mode in native sconce; do
	before=$(date +%s%N)
	SCONCE_OPTS=()
	[ $mode = sconce ] && SCONCE_OPTS=(--ethreads 2)
	run_prog $mode clock_track
	after=$(date +%s%N)
	read -r first last <"$RUN_OUT" 2>/dev/null
	if [ "$RUN_STATUS" = 0 ] && [ -n "${last:-}" ] && [ "$first" -ge $((before - 2000000)) ] &&
		[ "$last" -le $((after + 2000000)) ] && [ "$first" -le "$last" ]; then
		ok "$mode: clock_track: clocks consistent for 1.5 s and within the host's"
	else
		not_ok "$mode: clock_track: clocks consistent for 1.5 s and within the host's"
		diag "host $before .. $after, enclave ${first:-?} .. ${last:-?}, status $RUN_STATUS"
		diag_file "$RUN_ERR"
	fi
done
# A host whose clock readings come back late (every other one 5 ms after
# it read the clock, as when its thread loses the CPU) must not put one
# clock off another: a refresh keeps the narrowest of a few readings, and
# the old base over a loose one.
export SCONCE_ALLOW_ADVERSARY=1
SCONCE_OPTS=(--ethreads 2 --adversary=slow-clock)
run_prog sconce clock_track
if [ "$RUN_STATUS" = 0 ]; then
	ok "sconce --adversary=slow-clock: clock_track: clocks consistent"
else
	not_ok "sconce --adversary=slow-clock: clock_track: clocks consistent"
	diag "status $RUN_STATUS"
	diag_file "$RUN_ERR"
fi
unset SCONCE_ALLOW_ADVERSARY
done_testing
