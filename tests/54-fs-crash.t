#!/bin/bash
# Crash consistency: a writer inside the enclave rewrites protected files
# (in place with pwrite/ftruncate/fsync, and with write-temporary-then-
# rename) and reports each commit; it is killed with SIGKILL at a random
# moment, many times.  After every kill each file must be readable and a
# complete version no older than its last reported commit, and the volume
# must verify.  SCONCE_CRASH_ROUNDS sets the number of kills (default 20).
# Then one crash placed by the host (--adversary=torn-fspf): the fspf cut
# after its header during step 5 of a commit; the next start must redo the
# commit from the journal rather than trust the new tag in that header.
set -u
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fspf.sh"
RUN_TIMEOUT=${SCONCE_TEST_TIMEOUT:-120}
rounds=${SCONCE_CRASH_ROUNDS:-20}

plan 8
build_one sconce fs_tool
check "build fs_tool (sconce)" test $? = 0
v=$TAP_TMP/vol
mkvol "$v" encrypted
img=$SCONCE_IMG_DIR/fs_tool

bad=0 commits=0 recovered=0 killed=0
for i in $(seq 1 "$rounds"); do
	log=$TAP_TMP/crash-$i.log
	"$SCONCE" run --config "$v/c.conf" "$img" crash "$v/data" >"$log" 2>"$TAP_TMP/crash-$i.err" &
	pid=$!
	# up to ~2 s: early kills land in start-up and recovery, later ones
	# in the middle of commits
	sleep "$((RANDOM % 2)).$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
	commits=$((commits + $(grep -c '^committed' "$log")))
	in_vol "$v" fs_tool check "$v/data" "$log"
	grep -q "completed an interrupted commit" "$RUN_ERR" && recovered=$((recovered + 1))
	if [ "$RUN_STATUS" != 0 ] || ! grep -qx consistent "$RUN_OUT"; then
		bad=$((bad + 1))
		diag "round $i: check failed (status $RUN_STATUS)"
		diag_file "$RUN_OUT" 10
		diag_file "$RUN_ERR" 10
	fi
done
diag "$rounds rounds, $killed kills, $commits commits reported, $recovered journals completed at start"
check "the writer committed versions ($commits)" test "$commits" -gt 0
check "after every kill each file is its last committed version or a later one ($rounds rounds)" test $bad = 0
fspf verify --config "$v/c.conf" >"$TAP_TMP/verify" 2>&1
st=$?
check "the volume verifies after the last kill" test $st = 0 || diag_file "$TAP_TMP/verify"
check "some kills interrupted a commit that the journal completed ($recovered)" test "$recovered" -gt 0

t=$TAP_TMP/torn
mkvol "$t" encrypted
in_vol "$t" fs_tool write "$t/data/f" one
SCONCE_ALLOW_ADVERSARY=1 "$SCONCE" run --adversary=torn-fspf --config "$t/c.conf" "$img" \
	write "$t/data/f" two >"$TAP_TMP/torn.out" 2>"$TAP_TMP/torn.err"
st=$?
check "torn-fspf: the host died in the middle of rewriting the fspf (status $st)" test $st = 137
in_vol "$t" fs_tool cat "$t/data/f"
if [ "$RUN_STATUS" = 0 ] && grep -qx two "$RUN_OUT" && grep -q "completed an interrupted commit" "$RUN_ERR"; then
	ok "torn-fspf: the next start redoes the commit from the journal and reads the new contents"
else
	not_ok "torn-fspf: the next start redoes the commit from the journal and reads the new contents"
	diag "status $RUN_STATUS"; diag_file "$RUN_OUT"; diag_file "$RUN_ERR"
fi
fspf verify --config "$t/c.conf" >"$TAP_TMP/verify-torn" 2>&1
check "torn-fspf: the volume verifies afterwards" test $? = 0 || diag_file "$TAP_TMP/verify-torn"
done_testing
