#!/bin/bash
# apps/memcached/test.sh [sizes|testapp|t/NAME.t|memccapable ...]
#
# memcached's own tests (what `make test` runs: ./sizes, ./testapp, then
# `prove t`) against the enclave image build/apps/memcached/memcached-debug.
# The suite starts its server as `$builddir/timedrun 600 ./memcached-debug
# ARGS`; in a private test tree (a copy of the native build, which also
# provides timedrun, sizes and testapp) ./memcached-debug is a wrapper that
# execs `sconce run` on the enclave image.  Each t/*.t file runs on its own
# with a time limit, so a hang cannot stop the others.
#
# memcached started by root insists on switching user (setgroups, setgid,
# setuid), which the enclave cannot do (see apps/memcached/README.md), and
# the suite passes `-u root` when it runs as root.  So when this script
# runs as root, the suite runs as the unprivileged user nobody.
#
# Environment: MC_TEST_NAME (results in test-results-NAME), MC_TEST_TIMEOUT (seconds per file, default 900), SCONCE_*
# launcher options (default SCONCE_HEAP=1G), MC_NATIVE=1 to run against the
# native build instead.
# Results: build/apps/memcached/test-results/{summary.txt,*.log}.
set -u

root=$(dirname "$(dirname "$(dirname "$(readlink -f "$0")")")")
out=$root/build/apps/memcached
t=$out/test res=$out/test-results
[ "${MC_NATIVE:-0}" = 1 ] && { t=$out/test-native; res=$out/test-results-native; }
# MC_TEST_NAME: keep this run's tree and results apart (e.g. for one file)
[ -n "${MC_TEST_NAME:-}" ] && { t=$t-$MC_TEST_NAME; res=$res-$MC_TEST_NAME; }
for f in "$out/memcached-debug" "$out/native-build/testapp"; do
	[ -e "$f" ] || { echo "missing $f: run make apps/memcached" >&2; exit 1; }
done

rm -rf "$t" "$res"
mkdir -p "$res"
cp -a "$out/native-build" "$t"
if [ "${MC_NATIVE:-0}" != 1 ]; then
	rm -f "$t/memcached-debug"
	cat >"$t/memcached-debug" <<EOF
#!/bin/sh
# memcached's tests run ./memcached-debug: run the enclave image instead.
# Some tests give memcached -m 256 and more: a heap above the default 256M.
# The suite may run under setpriv --reset-env: this run's SCONCE_* options.
$(env | grep '^SCONCE_[A-Z_]*=' | sed "s/'/'\\\\''/g; s/=\(.*\)/='\1'/; s/^/export /")
export SCONCE_HEAP=\${SCONCE_HEAP:-1G}
# Warm restart (-e FILE, t/restart.t) keeps the items in a shared mapping
# of FILE, which only this process uses: a written-back copy serves it.
export SCONCE_SHARED_MAPS=\${SCONCE_SHARED_MAPS:-copy}
exec "$out/sconce" run "$out/memcached-debug" "\$@"
EOF
	chmod 755 "$t/memcached-debug"
fi

# testapp-nodaemon: see below.
sed 's/^static enum test_return test_issue_44(void) {$/& if (getenv("SCONCE_SKIP_DAEMON")) return TEST_SKIP;/' \
	"$t/testapp.c" >"$t/testapp-nodaemon.c"
grep -q SCONCE_SKIP_DAEMON "$t/testapp-nodaemon.c" &&
	(cd "$t" && gcc -DHAVE_CONFIG_H -I. -I"$out/libevent-native/include" -g -O2 -pthread \
		-o testapp-nodaemon testapp-nodaemon.c util.o stats_prefix.o jenkins_hash.o \
		murmur3_hash.o cache.o crc32c.o "$out/libevent-native/lib/libevent.a") ||
	echo "sconce: memcached tests: cannot build testapp-nodaemon" >&2

as=()
if [ "$(id -u)" = 0 ]; then
	chown -R nobody:nogroup "$t" "$res"
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env)
fi
run() { (cd "$t" && "${as[@]}" env PATH=/usr/bin:/bin timeout -k 10 "${MC_TEST_TIMEOUT:-900}" "$@"); }

record() { # NAME LOG RC SECS: count TAP results of one test file
	name=$1 log=$2 rc=$3 secs=${4:-}
	ok=$(grep -acE '^ *ok( [0-9]+| # )' "$log")
	nok=$(grep -acE '^ *not ok [0-9]+' "$log")
	skip=$(grep -acE '^ *ok.*# (skip|SKIP)' "$log")
	plan=$(grep -a -m1 -oE '^1\.\.[0-9]+' "$log" | cut -d. -f3)
	status=pass
	[ "$nok" -gt 0 ] && status=FAIL
	[ "$rc" = 124 ] || [ "$rc" = 137 ] && status=TIMEOUT
	[ "$rc" != 0 ] && [ $status = pass ] && status="FAIL(rc=$rc)"
	grep -aq '^1\.\.0 # [Ss][Kk][Ii][Pp]' "$log" && { status=SKIPPED; plan=0; }
	printf '%-32s %-10s plan=%-6s ok=%-6s notok=%-4s skip=%-4s %5ss %s\n' \
		"$name" "$status" "${plan:-?}" "$ok" "$nok" "$skip" "$secs" \
		"$(grep -a -m1 -E '^1\.\.0 # [Ss][Kk][Ii][Pp]' "$log" | sed 's/^1\.\.0 # [Ss][Kk][Ii][Pp] *//')" >>"$res/summary.txt"
	tail -1 "$res/summary.txt"
}

# what `make test` runs: sizes, testapp (its server tests start
# ./memcached-debug, i.e. the enclave), then every t/*.t; or the arguments
# (sizes, testapp, t/NAME.t).
if [ $# -gt 0 ]; then
	files="$*"
else
	files="sizes testapp $(cd "$t" && ls t/*.t)"
fi
for f in $files; do
	name=$(basename "$f")
	start=$(date +%s)
	case $f in
	memccapable) continue ;; # below
	sizes) run ./sizes >"$res/$name.log" 2>&1 ;;
	testapp)
		run ./testapp >"$res/$name.log" 2>&1
		record "$name" "$res/$name.log" $? $(($(date +%s) - start))
		# testapp's issue_44 starts memcached with -d (daemon mode: fork),
		# which fails inside the enclave; testapp then aborts and its other
		# tests never run.  So run it again with only issue_44 reported as
		# skipped (testapp-nodaemon: testapp.c with that one test returning
		# TEST_SKIP when SCONCE_SKIP_DAEMON is set).
		name=testapp-nodaemon start=$(date +%s)
		run env SCONCE_SKIP_DAEMON=1 ./testapp-nodaemon >"$res/$name.log" 2>&1 ;;
	*) run perl "$f" >"$res/$name.log" 2>&1 ;;
	esac
	record "$name" "$res/$name.log" $? $(($(date +%s) - start))
done

# memccapable (Debian's libmemcached-tools): protocol conformance, ASCII and
# binary, against the release image build/apps/memcached/memcached.
want_memccapable=0
[ $# = 0 ] || [[ " $* " == *" memccapable "* ]] && want_memccapable=1
if [ $want_memccapable = 1 ] && command -v memccapable >/dev/null; then
	port=$((20000 + RANDOM % 10000))
	if [ "${MC_NATIVE:-0}" = 1 ]; then
		"${as[@]}" "$out/native/memcached" -p $port -U 0 -l 127.0.0.1 &
	else
		"${as[@]}" "$out/sconce" run "$out/memcached" -p $port -U 0 -l 127.0.0.1 &
	fi
	mpid=$!
	for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
	start=$(date +%s)
	timeout 300 memccapable -h 127.0.0.1 -p $port >"$res/memccapable.log" 2>&1
	rc=$?
	kill $mpid; wait $mpid 2>/dev/null
	# memccapable prints "name [pass]" / "[FAIL]" / "[skip]" per test: as TAP
	awk '/\[pass\]$/ { print "ok " ++n " - " $0 } /\[FAIL\]$/ { print "not ok " ++n " - " $0 }
		/\[skip\]$/ { print "ok " ++n " # skip " $0 } END { print "1.." n }' \
		"$res/memccapable.log" >"$res/memccapable.tap"
	record memccapable "$res/memccapable.tap" $rc $(($(date +%s) - start))
else
	[ $want_memccapable = 1 ] && echo "memccapable not installed (apt-get install libmemcached-tools): not run" | tee -a "$res/summary.txt"
fi

pass=$(grep -acE ' (pass|SKIPPED) ' "$res/summary.txt")
total=$(wc -l <"$res/summary.txt")
tok=$(awk '{for(i=1;i<=NF;i++) if ($i ~ /^ok=/) s+=substr($i,4)} END {print s+0}' "$res/summary.txt")
tnok=$(awk '{for(i=1;i<=NF;i++) if ($i ~ /^notok=/) s+=substr($i,7)} END {print s+0}' "$res/summary.txt")
echo "memcached tests: $pass of $total files passed or skipped as a whole; $tok ok, $tnok not ok (details: $res)"
[ "$pass" = "$total" ]
