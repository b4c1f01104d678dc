#!/bin/bash
# apps/redis/runtest.sh [UNIT...]
#
# Run Redis's own test suite (./runtest, tests/test_helper.tcl) against the
# enclave image build/apps/redis/redis-server.  The suite starts servers as
# `src/redis-server CONFIG`; in a private test tree (build/apps/redis/test)
# that path is a wrapper that execs `sconce run` on the enclave image, so
# the pid the suite records and signals is the launcher's.  The client
# tools the suite also runs (redis-cli, redis-benchmark, redis-check-aof,
# redis-check-rdb) are the native builds of the same source.
#
# Each unit runs on its own (`./runtest --single UNIT`), so a unit that
# crashes or hangs cannot stop the others.  Logs: build/apps/redis/test-results/
# (one per unit) and a summary in build/apps/redis/test-results/summary.txt.
#
# Environment: REDIS_SKIP_FORK=1 (leave out the tests and units listed in
# apps/redis/tests-skipped.txt, results in test-results-nofork),
# REDIS_TEST_BASEPORT (default 21111, native 25611), REDIS_TEST_UNITS (default: every unit of the suite, or the
# arguments), REDIS_TEST_ARGS (more ./runtest options, e.g. "--tags
# -needs:repl" to leave out the tests that need a replication stream, i.e.
# a fork), REDIS_TEST_JOBS (units run at once, default 1),
# REDIS_TEST_TIMEOUT (seconds per unit, default 1800), SCONCE_* options for
# the launcher (default SCONCE_HEAP=1G), REDIS_NATIVE=1 to run the same
# suite against the native server instead (for comparison).
set -u

root=$(dirname "$(dirname "$(dirname "$(readlink -f "$0")")")")
out=$root/build/apps/redis
t=$out/test
res=$out/test-results
[ "${REDIS_NATIVE:-0}" = 1 ] && { t=$out/test-native; res=$out/test-results-native; }
# REDIS_SKIP_FORK=1: leave out what apps/redis/tests-skipped.txt lists
# (tests that need fork, and one that hangs): its tests print [skip] in
# their unit's log and are counted in the summary; its units are reported
# NOT-RUN.
skiplist=$root/apps/redis/tests-skipped.txt
skipargs=() skipunits=
if [ "${REDIS_SKIP_FORK:-0}" = 1 ]; then
	t=$t-nofork res=$res-nofork
fi
# REDIS_TEST_NAME: keep this run's tree and results apart (e.g. "norepl")
[ -n "${REDIS_TEST_NAME:-}" ] && { t=$t-$REDIS_TEST_NAME; res=$res-$REDIS_TEST_NAME; }
# Ports: 8 ranges of 500 from REDIS_TEST_BASEPORT (default 21111, native
# 25611, so that a native and an enclave run can go on side by side).
baseport=${REDIS_TEST_BASEPORT:-21111}
[ "${REDIS_NATIVE:-0}" = 1 ] && baseport=${REDIS_TEST_BASEPORT:-25611}
command -v tclsh >/dev/null || { echo "redis tests need tclsh: apt-get install tcl" >&2; exit 1; }
for f in "$out/redis-server" "$out/native/redis-server" "$out/src/runtest"; do
	[ -e "$f" ] || { echo "missing $f: run make apps/redis" >&2; exit 1; }
done

rm -rf "$t" "$res"
mkdir -p "$t/src" "$res"
if [ "${REDIS_SKIP_FORK:-0}" = 1 ]; then
	grep -v '^#' "$skiplist" | grep -v '^unit: ' | grep . >"$t/skipfile"
	skipargs=(--skipfile "$t/skipfile")
	skipunits=$(sed -n 's/^unit: *//p' "$skiplist")
fi
cp -a "$out/src/runtest" "$out/src/tests" "$t/"
for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
	ln -s "$out/native/$tool" "$t/src/$tool"
done
if [ "${REDIS_NATIVE:-0}" = 1 ]; then
	ln -s "$out/native/redis-server" "$t/src/redis-server"
else
	cat >"$t/src/redis-server" <<EOF
#!/bin/sh
# Redis's test suite runs src/redis-server: run the enclave image instead.
export SCONCE_HEAP=\${SCONCE_HEAP:-1G}
exec "$out/sconce" run "$out/redis-server" "\$@"
EOF
	chmod +x "$t/src/redis-server"
fi

if [ $# -gt 0 ]; then
	units="$*"
elif [ -n "${REDIS_TEST_UNITS:-}" ]; then
	units=$REDIS_TEST_UNITS
else
	# The suite's own list, in its order.
	units=$(sed -n '/^set ::all_tests {/,/^}/p' "$t/tests/test_helper.tcl" | sed '1d;$d' | tr -d ' ')
fi

# run_unit INDEX UNIT: one unit in its own copy of the tree (own tests/tmp,
# own port range) so that units can run side by side.
run_unit() {
	i=$1 u=$2
	name=$(echo "$u" | tr / _)
	d=$t/run-$i
	rm -rf "$d"; mkdir -p "$d"
	cp -a "$t/runtest" "$t/tests" "$d/"
	ln -s "$t/src" "$d/src"
	start=$(date +%s)
	for try in 1 2 3; do
		(cd "$d" && timeout -k 10 "${REDIS_TEST_TIMEOUT:-1800}" ./runtest --single "$u" --clients 1 \
			--baseport $((baseport + (i % 8) * 500 + (try - 1) * 40)) --portcount 400 --timeout 1200 --dump-logs \
			"${skipargs[@]}" ${REDIS_TEST_ARGS:-} >"$res/$name.log" 2>&1)
		rc=$?
		# the suite's own port taken by another program: not a result, again
		grep -q "^couldn't open socket: address already in use" "$res/$name.log" || break
		sleep 5
	done
	secs=$(($(date +%s) - start))
	# the suite colours its tags: strip the escapes before counting
	sed -i 's/\x1b\[[0-9;]*m//g' "$res/$name.log"
	ok=$(grep -c '^\[ok\]' "$res/$name.log")
	err=$(grep -c '^\[err\]' "$res/$name.log")
	exc=$(grep -c '^\[exception\]' "$res/$name.log")
	skip=$(grep -c '^\[skip\]' "$res/$name.log")
	ign=$(grep -c '^\[ignore\]' "$res/$name.log")
	status=pass
	[ "$err" -gt 0 ] && status=FAIL
	[ "$exc" -gt 0 ] && status=EXCEPTION
	[ $rc = 124 ] || [ $rc = 137 ] && status=TIMEOUT
	[ $rc != 0 ] && [ $status = pass ] && status="FAIL(rc=$rc)"
	printf '%-44s %-10s ok=%-4s err=%-3s exc=%-2s skip=%-3s ignore=%-3s %ss\n' \
		"$u" "$status" "$ok" "$err" "$exc" "$skip" "$ign" "$secs" >>"$res/summary.txt"
	tail -1 "$res/summary.txt"
	# keep the servers' logs of a unit that did not pass
	[ $status = pass ] || cp -a "$d/tests/tmp" "$res/$name.tmp" 2>/dev/null
	# and what the launcher and runtime reported (unsupported calls etc.)
	cat "$d"/tests/tmp/*/stderr 2>/dev/null | grep -a '^sconce:' | sort | uniq -c |
		sed "s|^|$u: |" >>"$res/sconce-messages.txt"
	rm -rf "$d"
}

jobs=${REDIS_TEST_JOBS:-1}
i=0
for u in $units; do
	if [ -n "$skipunits" ] && echo "$skipunits" | grep -qx "$u"; then
		printf '%-44s %-10s (apps/redis/tests-skipped.txt)\n' "$u" NOT-RUN | tee -a "$res/summary.txt"
		continue
	fi
	run_unit $i "$u" &
	i=$((i + 1))
	# keep at most $jobs units running
	[ "$i" -ge "$jobs" ] && wait -n
done
wait

sort -o "$res/summary.txt" "$res/summary.txt"
pass=$(grep -c ' pass ' "$res/summary.txt")
notrun=$(grep -c ' NOT-RUN ' "$res/summary.txt")
total=$(($(wc -l <"$res/summary.txt") - notrun))
tskip=$(sed -n 's/.* skip=\([0-9]*\).*/\1/p' "$res/summary.txt" | awk '{s+=$1} END {print s+0}')
tok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' "$res/summary.txt" | awk '{s+=$1} END {print s+0}')
terr=$(sed -n 's/.* err=\([0-9]*\).*/\1/p' "$res/summary.txt" | awk '{s+=$1} END {print s+0}')
echo "redis runtest: $pass of $total units passed; $tok tests ok, $terr failed, $tskip skipped; $notrun units not run (details: $res)"
[ "$pass" = "$total" ]
