#!/bin/bash
# apps/apache2/test.sh: Apache httpd inside sconce (build/apps/apache2/httpd,
# run by the launcher of the same build, build/apps/apache2/sconce) with
# apps/apache2/httpd.conf (httpd -X: one process, event MPM threads):
#   - static files (1 KiB, 100 KiB gzip-compressible text, 4 MiB binary)
#     fetched with curl and compared byte for byte; a range request, HEAD,
#     a 404, gzip (mod_deflate, decompressed and compared), a PCRE2 rewrite
#     rule with a capture, mod_status;
#   - proxied content: /proxy/X passes (mod_proxy_http) to a second local
#     server (python3 -m http.server, outside the enclave), byte for byte;
#   - load: ab (apache2-utils) with keep-alive on the 1 KiB file and
#     through the proxy, and wrk on the 1 KiB file: zero failed requests,
#     zero non-2xx answers, zero socket errors (wrk with a 30 s timeout:
#     on a loaded machine a slow answer is not an error).
# Every check prints "ok" or "FAIL"; none is skipped: a missing tool fails.
# The checks shared with apps/nginx/test.sh are in apps/lib/http-checks.sh.
# httpd started by root switches user (setgid, setuid), which the enclave
# cannot do; when this script runs as root, httpd runs as user nobody.
#
# Environment: A2_NATIVE=1 tests the native build instead (same checks),
# SCONCE_* launcher options, AB_N (requests per ab run, default 20000),
# WRK_TIME (seconds, default 5).
# Results: build/apps/apache2/test-results/{summary.txt,*.log}.
set -u

root=$(dirname "$(dirname "$(dirname "$(readlink -f "$0")")")")
. "$root/apps/lib/http-checks.sh"
out=$root/build/apps/apache2
mode=sconce
[ "${A2_NATIVE:-0}" = 1 ] && mode=native
res=$out/test-results
[ $mode = native ] && res=$out/test-results-native
run=$out/test-run-$mode
AB_N=${AB_N:-20000}
WRK_TIME=${WRK_TIME:-5}

for f in "$out/httpd" "$out/sconce" "$out/native/httpd"; do
	[ -x "$f" ] || { echo "sconce: apache2 test: missing $f: run make apps/apache2" >&2; exit 1; }
done

rm -rf "$run" "$res"
mkdir -p "$run/htdocs" "$run/backend" "$res"
: >"$run/mime.types"
http_begin

# --- content -----------------------------------------------------------------
http_content "$run/htdocs" "sconce apache2"

# --- servers -----------------------------------------------------------------
http_start_backend
port=$(free_port)
sed -e "s/@PORT@/$port/" -e "s/@BACKEND@/127.0.0.1:$bport/" -e "s|@RUNDIR@|$run|g" \
	"$root/apps/apache2/httpd.conf" >"$run/httpd.conf"
as=()
if [ "$(id -u)" = 0 ]; then
	chown -R nobody:nogroup "$run"
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
if [ $mode = native ]; then
	"${as[@]}" "$out/native/httpd" -X -d "$run" -f "$run/httpd.conf" >"$res/httpd.log" 2>&1 &
else
	"${as[@]}" "$out/sconce" run "$out/httpd" -X -d "$run" -f "$run/httpd.conf" >"$res/httpd.log" 2>&1 &
fi
npid=$!; pids+=("$npid")
http_wait_backend
if wait_port "$port" "$npid"; then
	result ok "httpd ($mode) starts and listens"
else
	result FAIL "httpd ($mode) starts and listens" "$(cat "$res/httpd.log" "$run/error.log" 2>/dev/null | tail -3 | tr '\n' ' ')"
	echo "apache2 tests ($mode): $pass passed, $fail failed (details: $res)"
	exit 1
fi
url=http://127.0.0.1:$port

# --- content checks ----------------------------------------------------------
http_content_checks "$run/htdocs"
fetch_cmp "PCRE2 rewrite rule with a capture" /re/1k.bin "$run/htdocs/1k.bin"
code=$(curl -sS -o "$res/status.html" -w '%{http_code}' "$url/server-status?auto" 2>>"$res/curl.log")
if [ "$code" = 200 ] && grep -q '^BusyWorkers:' "$res/status.html"; then
	result ok "mod_status" "$(grep -E '^(BusyWorkers|IdleWorkers):' "$res/status.html" | tr '\n' ' ')"
else
	result FAIL "mod_status" "HTTP $code"
fi

# --- load ------------------------------------------------------------------
http_load_checks "$run/htdocs"

# SIGTERM (stop) while idle, then the log: httpd's [crit], [alert] and
# [emerg] lines and sconce's diagnostics are failures, one per distinct line.
kill -TERM "$npid"
if gone 100; then
	result ok "stop on SIGTERM while idle"
else
	result FAIL "stop on SIGTERM while idle" "still running after 5 s"
	(exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null
	if gone 100; then
		result ok "stop on SIGTERM once a connection wakes it"
	else
		result FAIL "stop on SIGTERM once a connection wakes it" "still running"
		kill -KILL "$npid"
	fi
fi
wait "$npid"; rc=$?
[ $rc = 0 ] && result ok "exit status 0 after SIGTERM" || result FAIL "exit status 0 after SIGTERM" "exit status $rc"
cp "$run/error.log" "$res/error.log" 2>/dev/null
diags=$(cat "$res/httpd.log" "$res/error.log" 2>/dev/null | grep -e ':crit\]' -e ':alert\]' -e ':emerg\]' -e '^sconce:' |
	sed -e 's/^\[[^]]*\] //' -e 's/\[pid [0-9:]*[^]]*\] //' | sort -u)
if [ -n "$diags" ]; then
	while read -r line; do result FAIL "diagnostic in the log" "$line"; done <<<"$diags"
else
	result ok "no crit/alert/emerg in the error log, nothing from sconce"
fi

echo "apache2 tests ($mode): $pass passed, $fail failed (details: $res)"
[ $fail = 0 ]
