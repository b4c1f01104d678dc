# shellcheck shell=bash disable=SC2154 # res, run, url, npid: set by the caller
# apps/lib/http-checks.sh: the checks that apps/nginx/test.sh and
# apps/apache2/test.sh share, sourced by both: a web server inside sconce
# (or native) serving static files and proxying to a second local server
# (python3 -m http.server, outside the enclave), fetched with curl and
# loaded with ab and wrk.  Every check prints "ok" or "FAIL" through
# result; none is skipped: a missing tool fails.
#
# The caller sets res (the results directory, which must exist), run (the
# run directory, with run/backend), AB_N and WRK_TIME, and after starting
# its server url (http://127.0.0.1:PORT) and npid (the server's process).

# The counters and the clean-up of every process started (pids).
http_begin() {
	pids=()
	trap http_cleanup EXIT
	pass=0 fail=0
}
http_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}

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

# The content: in DOCROOT a 1 KiB and a 4 MiB random file, 100 KiB of
# gzip-compressible text and index.html saying INDEX-TEXT; behind the
# proxy (run/backend) a 3 MiB and a 1 KiB random file and a text file.
http_content() { # DOCROOT INDEX-TEXT
	head -c 1024 /dev/urandom >"$1/1k.bin"
	head -c $((4 << 20)) /dev/urandom >"$1/4m.bin"
	for i in $(seq 1 2000); do echo "line $i: the quick brown fox jumps over the lazy dog"; done |
		head -c 102400 >"$1/100k.txt"
	echo "<html><body>$2</body></html>" >"$1/index.html"
	head -c $((3 << 20)) /dev/urandom >"$run/backend/3m.bin"
	head -c 1024 /dev/urandom >"$run/backend/1k.bin"
	echo "backend text" >"$run/backend/hello.txt"
}

# The server behind the proxy: sets bport and bpid.
http_start_backend() {
	bport=$(free_port)
	(cd "$run/backend" && exec python3 -m http.server --bind 127.0.0.1 "$bport") >"$res/backend.log" 2>&1 &
	bpid=$!; pids+=("$bpid")
}
# Waits for it; a backend that does not start ends the test.
http_wait_backend() {
	wait_port "$bport" "$bpid" || { result FAIL "backend (python3 -m http.server) starts"; exit 1; }
}

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

# Static and proxied files byte for byte, gzip, a range, a 404, HEAD.
http_content_checks() { # DOCROOT
	local docroot=$1
	fetch_cmp "static 1 KiB file, byte for byte" /1k.bin "$docroot/1k.bin"
	fetch_cmp "static 4 MiB file (sendfile), byte for byte" /4m.bin "$docroot/4m.bin"
	fetch_cmp "static 100 KiB text, byte for byte" /100k.txt "$docroot/100k.txt"
	fetch_cmp "index.html for /" / "$docroot/index.html"
	fetch_cmp "proxied 1 KiB file, byte for byte" /proxy/1k.bin "$run/backend/1k.bin"
	fetch_cmp "proxied 3 MiB file, byte for byte" /proxy/3m.bin "$run/backend/3m.bin"
	fetch_cmp "proxied text file" /proxy/hello.txt "$run/backend/hello.txt"

	# gzip: compressed on the wire, identical after decompression
	local hdr
	hdr=$(curl -sS -D - -o "$res/gz" -H 'Accept-Encoding: gzip' "$url/100k.txt")
	if echo "$hdr" | grep -qi '^content-encoding: gzip' && gzip -dc "$res/gz" | cmp -s - "$docroot/100k.txt" &&
		[ "$(stat -c %s "$res/gz")" -lt 102400 ]; then
		result ok "gzip (zlib) response, decompressed byte for byte"
	else
		result FAIL "gzip (zlib) response, decompressed byte for byte" "$(stat -c %s "$res/gz") bytes"
	fi
	rm -f "$res/gz"

	# a range inside the 4 MiB file
	curl -sS -r 1000000-1999999 -o "$res/range" -w '%{http_code}' "$url/4m.bin" >"$res/range.code" 2>>"$res/curl.log"
	if [ "$(cat "$res/range.code")" = 206 ] && tail -c +1000001 "$docroot/4m.bin" | head -c 1000000 | cmp -s - "$res/range"; then
		result ok "range request (206), byte for byte"
	else
		result FAIL "range request (206), byte for byte" "HTTP $(cat "$res/range.code")"
	fi
	rm -f "$res/range" "$res/range.code"

	local code len
	code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/missing" 2>>"$res/curl.log")
	[ "$code" = 404 ] && result ok "404 for a missing file" || result FAIL "404 for a missing file" "HTTP $code"
	len=$(curl -sS -I "$url/4m.bin" 2>>"$res/curl.log" | tr -d '\r' | awk 'tolower($1)=="content-length:" {print $2}')
	[ "$len" = $((4 << 20)) ] && result ok "HEAD: Content-Length" || result FAIL "HEAD: Content-Length" "got '$len'"
}

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

# Load: ab with and without keep-alive and through the proxy, wrk (with a
# 30 s timeout: on a loaded machine a slow answer is not an error), then
# the 4 MiB file again.
http_load_checks() { # DOCROOT
	ab_check "ab -k -c 50: 1 KiB static file, no errors" /1k.bin "$AB_N" 50
	ab_check "ab -c 10 (no keep-alive): 1 KiB static file, no errors" /1k.bin $((AB_N / 4)) 10
	ab_check "ab -c 10 through the proxy, no errors" /proxy/1k.bin 2000 10

	if command -v wrk >/dev/null; then
		timeout 120 wrk -t 2 -c 50 -d "${WRK_TIME}s" --timeout 30s "$url/1k.bin" >"$res/wrk.log" 2>&1
		local rc=$? reqs
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
	fetch_cmp "static 4 MiB file after the load, byte for byte" /4m.bin "$1/4m.bin"
}

# Has the server (npid) exited within N steps of 50 ms?
gone() { for _ in $(seq 1 "$1"); do kill -0 "$npid" 2>/dev/null || return 0; sleep 0.05; done; return 1; }
