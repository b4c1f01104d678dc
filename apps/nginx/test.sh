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
#
# Environment: NGINX_NATIVE=1 tests the native build instead (same checks),
# SCONCE_* launcher options, AB_N (requests per ab run, default 20000),
# WRK_TIME (seconds, default 5).
# Results: build/apps/nginx/test-results/{summary.txt,*.log}.
set -u

root=$(dirname "$(dirname "$(dirname "$(readlink -f "$0")")")")
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
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

pass=0 fail=0
result() { # STATUS NAME [DETAIL]
	printf '%-4s %s%s\n' "$1" "$2" "${3:+: $3}" | tee -a "$res/summary.txt"
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
	done
}
wait_port() { # PORT PID
	for _ in $(seq 1 400); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# --- content -----------------------------------------------------------------
head -c 1024 /dev/urandom >"$run/html/1k.bin"
head -c $((4 << 20)) /dev/urandom >"$run/html/4m.bin"
for i in $(seq 1 2000); do echo "line $i: the quick brown fox jumps over the lazy dog"; done |
	head -c 102400 >"$run/html/100k.txt"
echo "<html><body>sconce nginx</body></html>" >"$run/html/index.html"
head -c $((3 << 20)) /dev/urandom >"$run/backend/3m.bin"
head -c 1024 /dev/urandom >"$run/backend/1k.bin"
echo "backend text" >"$run/backend/hello.txt"

# --- servers -----------------------------------------------------------------
bport=$(free_port)
(cd "$run/backend" && exec python3 -m http.server --bind 127.0.0.1 "$bport") >"$res/backend.log" 2>&1 &
bpid=$!; pids+=("$bpid")
port=$(free_port)
sed -e "s/@PORT@/$port/" -e "s/@BACKEND@/127.0.0.1:$bport/" "$root/apps/nginx/nginx.conf" >"$run/nginx.conf"
if [ $mode = native ]; then
	"$out/native/nginx" -p "$run/" -c nginx.conf -e stderr >"$res/nginx.log" 2>&1 &
else
	"$out/sconce" run "$out/nginx" -p "$run/" -c nginx.conf -e stderr >"$res/nginx.log" 2>&1 &
fi
npid=$!; pids+=("$npid")
wait_port "$bport" "$bpid" || { result FAIL "backend (python3 -m http.server) starts"; exit 1; }
if wait_port "$port" "$npid"; then
	result ok "nginx ($mode) starts and listens"
else
	result FAIL "nginx ($mode) starts and listens" "$(tail -3 "$res/nginx.log" | tr '\n' ' ')"
	echo "nginx tests ($mode): $pass passed, $fail failed (details: $res)"
	exit 1
fi
url=http://127.0.0.1:$port

# --- content checks ----------------------------------------------------------
fetch_cmp() { # NAME URLPATH EXPECTED-FILE [CURL-OPTS...]
	local name=$1 path=$2 want=$3 got=$res/got.$RANDOM
	shift 3
	local code
	code=$(curl -sS -o "$got" -w '%{http_code}' "$@" "$url$path" 2>>"$res/curl.log")
	if [ "$code" = 200 ] && cmp -s "$got" "$want"; then
		result ok "$name"
	else
		result FAIL "$name" "HTTP $code, $(stat -c %s "$got" 2>/dev/null || echo 0) bytes, want $(stat -c %s "$want") bytes"
	fi
	rm -f "$got"
}
fetch_cmp "static 1 KiB file, byte for byte" /1k.bin "$run/html/1k.bin"
fetch_cmp "static 4 MiB file (sendfile), byte for byte" /4m.bin "$run/html/4m.bin"
fetch_cmp "static 100 KiB text, byte for byte" /100k.txt "$run/html/100k.txt"
fetch_cmp "index.html for /" / "$run/html/index.html"
fetch_cmp "proxied 1 KiB file, byte for byte" /proxy/1k.bin "$run/backend/1k.bin"
fetch_cmp "proxied 3 MiB file, byte for byte" /proxy/3m.bin "$run/backend/3m.bin"
fetch_cmp "proxied text file" /proxy/hello.txt "$run/backend/hello.txt"

# gzip: compressed on the wire, identical after decompression
hdr=$(curl -sS -D - -o "$res/gz" -H 'Accept-Encoding: gzip' "$url/100k.txt")
if echo "$hdr" | grep -qi '^content-encoding: gzip' && gzip -dc "$res/gz" | cmp -s - "$run/html/100k.txt" &&
	[ "$(stat -c %s "$res/gz")" -lt 102400 ]; then
	result ok "gzip (zlib) response, decompressed byte for byte"
else
	result FAIL "gzip (zlib) response, decompressed byte for byte" "$(stat -c %s "$res/gz") bytes"
fi
rm -f "$res/gz"

# a range inside the 4 MiB file
curl -sS -r 1000000-1999999 -o "$res/range" -w '%{http_code}' "$url/4m.bin" >"$res/range.code" 2>>"$res/curl.log"
if [ "$(cat "$res/range.code")" = 206 ] && tail -c +1000001 "$run/html/4m.bin" | head -c 1000000 | cmp -s - "$res/range"; then
	result ok "range request (206), byte for byte"
else
	result FAIL "range request (206), byte for byte" "HTTP $(cat "$res/range.code")"
fi
rm -f "$res/range" "$res/range.code"

code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/missing" 2>>"$res/curl.log")
[ "$code" = 404 ] && result ok "404 for a missing file" || result FAIL "404 for a missing file" "HTTP $code"
len=$(curl -sS -I "$url/4m.bin" 2>>"$res/curl.log" | tr -d '\r' | awk 'tolower($1)=="content-length:" {print $2}')
[ "$len" = $((4 << 20)) ] && result ok "HEAD: Content-Length" || result FAIL "HEAD: Content-Length" "got '$len'"
body=$(curl -sS "$url/re/abc123" 2>>"$res/curl.log")
[ "$body" = "regex abc123" ] && result ok "PCRE2 regex location with capture" || result FAIL "PCRE2 regex location with capture" "got '$body'"

# --- load ------------------------------------------------------------------
ab_check() { # NAME URLPATH N CONCURRENCY
	local log=$res/ab-$RANDOM.log
	if ! command -v ab >/dev/null; then
		result FAIL "$1" "ab not installed (apt-get install apache2-utils)"; return
	fi
	timeout 300 ab -q -k -n "$3" -c "$4" "$url$2" >"$log" 2>&1
	local rc=$? done failed non2xx
	done=$(awk '/^Complete requests:/ {print $3}' "$log")
	failed=$(awk '/^Failed requests:/ {print $3}' "$log")
	non2xx=$(awk '/^Non-2xx responses:/ {print $3}' "$log")
	if [ $rc = 0 ] && [ "$done" = "$3" ] && [ "$failed" = 0 ] && [ -z "$non2xx" ]; then
		result ok "$1" "$done requests, $(awk '/^Requests per second:/ {print $4}' "$log") req/s"
	else
		result FAIL "$1" "rc=$rc complete=$done failed=$failed non-2xx=${non2xx:-0} ($log)"
	fi
}
ab_check "ab -k -c 50: 1 KiB static file, no errors" /1k.bin "$AB_N" 50
ab_check "ab -c 10 (no keep-alive): 1 KiB static file, no errors" /1k.bin $((AB_N / 4)) 10
ab_check "ab -c 10 through the proxy, no errors" /proxy/1k.bin 2000 10

if command -v wrk >/dev/null; then
	timeout 120 wrk -t 2 -c 50 -d "${WRK_TIME}s" --timeout 30s "$url/1k.bin" >"$res/wrk.log" 2>&1
	rc=$?
	reqs=$(awk '/requests in/ {print $1}' "$res/wrk.log")
	if [ $rc = 0 ] && [ "${reqs:-0}" -gt 0 ] && ! grep -q -e 'Socket errors' -e 'Non-2xx' "$res/wrk.log"; then
		result ok "wrk -c 50 ${WRK_TIME}s: 1 KiB static file, no errors" "$reqs requests, $(awk '/^Requests\/sec/ {print $2}' "$res/wrk.log") req/s"
	else
		result FAIL "wrk -c 50 ${WRK_TIME}s: 1 KiB static file, no errors" "rc=$rc $(grep -e 'Socket errors' -e 'Non-2xx' "$res/wrk.log" | tr '\n' ' ')"
	fi
else
	result FAIL "wrk -c 50: 1 KiB static file" "wrk not installed (apt-get install wrk)"
fi

# still serving correctly after the load
fetch_cmp "static 4 MiB file after the load, byte for byte" /4m.bin "$run/html/4m.bin"

# SIGQUIT (graceful stop) while nginx waits idle in epoll_wait.  Inside
# sconce a signal from outside reaches the application only when its
# thread's forwarded call (here epoll_wait without a timeout) returns, so
# the stop is checked twice: idle, then after one more connection wakes it.
gone() { for _ in $(seq 1 "$1"); do kill -0 "$npid" 2>/dev/null || return 0; sleep 0.05; done; return 1; }
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
