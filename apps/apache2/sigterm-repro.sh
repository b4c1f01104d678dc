#!/bin/bash
# apps/apache2/sigterm-repro.sh: stop httpd (in sconce) with SIGTERM right
# after a wrk load run, N times; count crashes (exit status != 0 or a
# "sconce:" line / [crit|alert|emerg] in error.log).
#   N=20 WRK_TIME=5 A2_NATIVE=0 OUT=build/apps/apache2 apps/apache2/sigterm-repro.sh
# LOGLEVEL (default warn) sets httpd's LogLevel; SCONCE_ARGS are passed to
# `sconce run` (e.g. --stats); LAUNCHER replaces OUT/sconce, IMAGE OUT/httpd.  FULL=1 runs
# apps/apache2/test.sh's load sequence before wrk (ab -k -c 50, ab -c 10,
# ab -c 10 through mod_proxy_http to a python3 http.server backend).
# WRAP prefixes the native httpd's command (e.g. "env LD_PRELOAD=...").
# DURING=1 sends SIGTERM while wrk is still running (after WRK_TIME s).
set -u
root=$(dirname "$(dirname "$(dirname "$(readlink -f "$0")")")")
out=${OUT:-$root/build/apps/apache2}
N=${N:-20}
WRK_TIME=${WRK_TIME:-5}
mode=sconce; [ "${A2_NATIVE:-0}" = 1 ] && mode=native
run=${RUN:-/tmp/a2-repro-$mode}
keep=$run-crashes
rm -rf "$run"; mkdir -p "$run/htdocs" "$keep"
head -c 1024 /dev/urandom >"$run/htdocs/1k.bin"
mkdir -p "$run/backend"; head -c 1024 /dev/urandom >"$run/backend/1k.bin"
launcher=${LAUNCHER:-$out/sconce}
bport=1
if [ "${FULL:-0}" = 1 ]; then
	bport=$((20000 + RANDOM % 20000))
	(cd "$run/backend" && exec python3 -m http.server --bind 127.0.0.1 "$bport") >/dev/null 2>&1 &
	bpid=$!
	trap 'kill $bpid 2>/dev/null' EXIT
	sleep 1
fi
: >"$run/mime.types"
free_port() { local p; while :; do p=$((20000 + RANDOM % 20000)); (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done; }
wait_port() { for _ in $(seq 1 400); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; kill -0 "$2" 2>/dev/null || return 1; sleep 0.05; done; return 1; }
as=(); [ "$(id -u)" = 0 ] && as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
crash=0 bad=0
for i in $(seq 1 "$N"); do
	port=$(free_port)
	sed -e "s/@PORT@/$port/" -e "s/@BACKEND@/127.0.0.1:$bport/" -e "s|@RUNDIR@|$run|g" \
		-e "s/^LogLevel .*/LogLevel ${LOGLEVEL:-warn}/" "$root/apps/apache2/httpd.conf" >"$run/httpd.conf"
	rm -f "$run/error.log" "$run/httpd.pid"
	[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$run"
	if [ $mode = native ]; then
		"${as[@]}" ${WRAP:-} "$out/native/httpd" -X -d "$run" -f "$run/httpd.conf" >"$run/httpd.out" 2>&1 &
	else
		"${as[@]}" "$launcher" run ${SCONCE_ARGS:-} "${IMAGE:-$out/httpd}" -X -d "$run" -f "$run/httpd.conf" >"$run/httpd.out" 2>&1 &
	fi
	pid=$!
	if ! wait_port "$port" "$pid"; then echo "$i: httpd did not start"; kill -KILL $pid 2>/dev/null; wait $pid; bad=$((bad+1)); continue; fi
	if [ "${FULL:-0}" = 1 ]; then
		ab -q -k -n 20000 -c 50 "http://127.0.0.1:$port/1k.bin" >"$run/ab1.out" 2>&1
		ab -q -n 5000 -c 10 "http://127.0.0.1:$port/1k.bin" >"$run/ab2.out" 2>&1
		ab -q -n 2000 -c 10 "http://127.0.0.1:$port/proxy/1k.bin" >"$run/ab3.out" 2>&1
	fi
	if [ "${DURING:-0}" = 1 ]; then
		# SIGTERM while wrk's connections are still busy
		wrk -t 2 -c 50 -d "$((WRK_TIME + 2))s" "http://127.0.0.1:$port/1k.bin" >"$run/wrk.out" 2>&1 &
		wpid=$!
		sleep "$WRK_TIME"
	else
		wrk -t 2 -c 50 -d "${WRK_TIME}s" "http://127.0.0.1:$port/1k.bin" >"$run/wrk.out" 2>&1
	fi
	t0=$(date +%s.%N)
	kill -TERM $pid
	for _ in $(seq 1 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
	if kill -0 $pid 2>/dev/null; then echo "$i: still running 10 s after SIGTERM"; kill -KILL $pid; fi
	wait $pid; rc=$?
	took=$(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)
	[ "${DURING:-0}" = 1 ] && wait $wpid
	diag=$(cat "$run/httpd.out" "$run/error.log" 2>/dev/null | grep -e ':crit\]' -e ':alert\]' -e ':emerg\]' -e '^sconce:' | head -3)
	if [ $rc != 0 ] || [ -n "$diag" ]; then
		crash=$((crash+1))
		cp "$run/error.log" "$keep/error-$i.log" 2>/dev/null; cp "$run/httpd.out" "$keep/out-$i.log"
		echo "$i: exit $rc after ${took}s ${diag//$'\n'/ | }"
	else
		echo "$i: ok after ${took}s ($(grep -o 'Requests/sec:.*' "$run/wrk.out"))"
	fi
done
echo "$mode: $crash crashes in $N stops ($bad failed to start); logs in $keep"
