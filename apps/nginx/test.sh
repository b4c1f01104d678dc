#!/bin/bash
# apps/nginx/test.sh: nginx inside sconce (build/apps/nginx/nginx, run by
# the launcher of the same build, build/apps/nginx/sconce) with
# apps/nginx/nginx.conf (one process, no fork):
#   - static files (1 KiB, 100 KiB gzip-compressible text, 4 MiB binary)
#     fetched with curl and compared byte for byte; a range request, HEAD,
#     a 404, gzip (decompressed and compared), a PCRE2 regex location;
#   - proxied content: /proxy/X passes to a second local server
#     (python3 -m http.server, outside the enclave), compared byte for byte;
#   - load: ab (apache2-utils) with keep-alive on the 1 KiB file and
#     through the proxy, and wrk on the 1 KiB file: zero failed requests,
#     zero non-2xx answers, zero socket errors (wrk with a 30 s timeout:
#     on a loaded machine a slow answer is not an error).
# Every check prints "ok" or "FAIL"; none is skipped: a missing tool fails.
# The checks shared with apps/apache2/test.sh are in apps/lib/http-checks.sh.
#
# Environment: NGINX_NATIVE=1 tests the native build instead (same checks),
# SCONCE_* launcher options, AB_N (requests per ab run, default 20000),
# WRK_TIME (seconds, default 5).
# Results: build/apps/nginx/test-results/{summary.txt,*.log}.
set -u

root=$(dirname "$(dirname "$(dirname "$(readlink -f "$0")")")")
. "$root/apps/lib/http-checks.sh"
out=$root/build/apps/nginx
mode=sconce
[ "${NGINX_NATIVE:-0}" = 1 ] && mode=native
res=$out/test-results
[ $mode = native ] && res=$out/test-results-native
run=$out/test-run-$mode
AB_N=${AB_N:-20000}
WRK_TIME=${WRK_TIME:-5}

for f in "$out/nginx" "$out/sconce" "$out/native/nginx"; do
	[ -x "$f" ] || { echo "sconce: nginx test: missing $f: run make apps/nginx" >&2; exit 1; }
done

rm -rf "$run" "$res"
mkdir -p "$run/html" "$run/backend" "$run/tmp" "$res"
http_begin

# --- content -----------------------------------------------------------------
http_content "$run/html" "sconce nginx"

# --- servers -----------------------------------------------------------------
http_start_backend
port=$(free_port)
sed -e "s/@PORT@/$port/" -e "s/@BACKEND@/127.0.0.1:$bport/" "$root/apps/nginx/nginx.conf" >"$run/nginx.conf"
if [ $mode = native ]; then
	"$out/native/nginx" -p "$run/" -c nginx.conf -e stderr >"$res/nginx.log" 2>&1 &
else
	"$out/sconce" run "$out/nginx" -p "$run/" -c nginx.conf -e stderr >"$res/nginx.log" 2>&1 &
fi
npid=$!; pids+=("$npid")
http_wait_backend
if wait_port "$port" "$npid"; then
	result ok "nginx ($mode) starts and listens"
else
	result FAIL "nginx ($mode) starts and listens" "$(tail -3 "$res/nginx.log" | tr '\n' ' ')"
	echo "nginx tests ($mode): $pass passed, $fail failed (details: $res)"
	exit 1
fi
url=http://127.0.0.1:$port

# --- content checks ----------------------------------------------------------
http_content_checks "$run/html"
body=$(curl -sS "$url/re/abc123" 2>>"$res/curl.log")
[ "$body" = "regex abc123" ] && result ok "PCRE2 regex location with capture" || result FAIL "PCRE2 regex location with capture" "got '$body'"

# --- load ------------------------------------------------------------------
http_load_checks "$run/html"

# SIGQUIT (graceful stop) while nginx waits idle in epoll_wait.  Inside
# sconce a signal from outside reaches the application only when its
# thread's forwarded call (here epoll_wait without a timeout) returns, so
# the stop is checked twice: idle, then after one more connection wakes it.
kill -QUIT "$npid"
if gone 60; then
	result ok "graceful stop on SIGQUIT while idle"
else
	result FAIL "graceful stop on SIGQUIT while idle" "still running after 3 s (the signal waits for epoll_wait to return)"
	(exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null
	if gone 100; then
		result ok "stop on SIGQUIT once a connection wakes epoll_wait"
	else
		result FAIL "stop on SIGQUIT once a connection wakes epoll_wait" "still running"
		kill -KILL "$npid"
	fi
fi
wait "$npid"; rc=$?
[ $rc = 0 ] && result ok "exit status 0 after SIGQUIT" || result FAIL "exit status 0 after SIGQUIT" "exit status $rc"
# Each distinct diagnostic from nginx (alert, crit, emerg) or from sconce
# is a failure of its own.
diags=$(grep -e '\[alert\]' -e '\[crit\]' -e '\[emerg\]' -e '^sconce:' "$res/nginx.log" |
	sed -e 's/^[0-9/]* [0-9:]* //' -e 's/[0-9]*#[0-9]*: //' | sort -u)
if [ -n "$diags" ]; then
	while read -r line; do result FAIL "diagnostic in the log" "$line"; done <<<"$diags"
else
	result ok "no alerts in the error log or from sconce"
fi

echo "nginx tests ($mode): $pass passed, $fail failed (details: $res)"
[ $fail = 0 ]
