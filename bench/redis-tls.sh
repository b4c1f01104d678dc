#!/bin/bash
# bench/redis-tls.sh: what the network shield costs, side by side.
#
#   native-plain   the native build of Debian's Redis 7.0.15, plain TCP
#   native-tls     the same source built natively with its own TLS
#                  (BUILD_TLS=yes, Debian's OpenSSL), TLS 1.3 clients
#   sconce-shield  the plain enclave build under `sconce run --config` with
#                  net_listen on its port: TLS 1.3 is terminated inside the
#                  enclave by the network shield; Redis itself speaks plain
#   sconce-plain   the enclave build without the shield, for reference
#
# Load: redis-benchmark (Debian's redis-tools, TLS capable), SET and GET,
# 50 clients, keep-alive, without pipelining and with -P 16; TLS runs use
# --tls with the test CA.  The configurations run alternately, ROUNDS times
# (the order rotates every round); reported: the median requests/s, the
# median of the mean latencies, and ratios to native-plain and to
# native-tls.  The table is printed and written to build/bench/redis-tls.md.
#
# Environment: ROUNDS (3), REDIS_N (requests per test, 100000; x10 with
# -P 16), SCONCE_BENCH_OPTS (extra `sconce run` options, default
# "--ethreads 2").  Needs: make apps/redis apps/redis-tls-native.
set -eu

root=$(dirname "$(dirname "$(readlink -f "$0")")")
out=$root/build/apps/redis
ROUNDS=${ROUNDS:-3}
REDIS_N=${REDIS_N:-100000}
read -r -a sopts <<<"${SCONCE_BENCH_OPTS:---ethreads 2}"
modes=(native-plain native-tls sconce-shield sconce-plain)

fail() { echo "sconce: bench/redis-tls.sh: $*" >&2; exit 1; }
command -v redis-benchmark >/dev/null || fail "needs redis-benchmark (apt-get install -y redis-tools)"
command -v openssl >/dev/null || fail "needs openssl (apt-get install -y openssl)"
for f in redis-server native/redis-server native-tls/redis-server sconce; do
	[ -x "$out/$f" ] || fail "$out/$f is missing: run make apps/redis apps/redis-tls-native"
done

tmp=$(mktemp -d /tmp/sconce-bench-tls.XXXXXX)
pids=()
cleanup() {
	for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

"$root/scripts/make-test-pki.sh" "$tmp" || fail "could not make the test certificates"

wait_port() { # PORT PID TLS
	for _ in $(seq 1 200); do
		kill -0 "$2" 2>/dev/null || return 1
		if [ "$3" = 1 ]; then
			redis-cli --tls --cacert "$tmp/ca.pem" -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG && return 0
		else
			redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG && return 0
		fi
		sleep 0.1
	done
	return 1
}

results=$tmp/results  # lines: mode test round rps latency_us
: >"$results"

run_mode() { # MODE ROUND
	local mode=$1 r=$2 port=$((7600 + r)) pid tls=0
	local srv=(--save "" --appendonly no --bind 127.0.0.1 --logfile "$tmp/$mode.log")
	case $mode in
	native-plain)
		"$out/native/redis-server" --port $port "${srv[@]}" & ;;
	native-tls)
		tls=1
		"$out/native-tls/redis-server" --port 0 --tls-port $port --tls-cert-file "$tmp/server.pem" \
			--tls-key-file "$tmp/server.key" --tls-ca-cert-file "$tmp/ca.pem" \
			--tls-auth-clients no --tls-protocols TLSv1.3 "${srv[@]}" & ;;
	sconce-shield)
		tls=1
		printf '%s\n' "net_listen = $port" "net_cert = $tmp/server.pem" "net_key = $tmp/server.key" \
			>"$tmp/shield.conf"
		"$out/sconce" run "${sopts[@]}" --config "$tmp/shield.conf" "$out/redis-server" \
			--port $port "${srv[@]}" 2>>"$tmp/$mode.err" & ;;
	sconce-plain)
		"$out/sconce" run "${sopts[@]}" "$out/redis-server" --port $port "${srv[@]}" \
			2>>"$tmp/$mode.err" & ;;
	esac
	pid=$!
	pids+=("$pid")
	wait_port $port $pid $tls || { cat "$tmp/$mode.log" "$tmp/$mode.err" 2>/dev/null >&2; fail "$mode: the server did not answer"; }
	local t=()
	[ $tls = 1 ] && t=(--tls --cacert "$tmp/ca.pem")
	for p in 1 16; do
		local n=$REDIS_N
		[ $p = 16 ] && n=$((REDIS_N * 10))
		# CSV: "test","rps","avg_latency_ms",...
		redis-benchmark "${t[@]}" -h 127.0.0.1 -p $port -c 50 -n $n -P $p -t set,get --csv 2>"$tmp/rb.err" |
			tr -d '"' | awk -F, -v m="$mode" -v r="$r" -v p="$p" \
				'$1=="SET"||$1=="GET" {printf "%s %s%s %s %.0f %.0f\n", m, $1, (p>1?"_-P16":""), r, $2, $3*1000}' \
			>>"$results"
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

echo "redis-tls: $ROUNDS rounds of ${modes[*]} ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
for r in $(seq 1 "$ROUNDS"); do
	# rotate the order each round
	k=$(( (r - 1) % ${#modes[@]} ))
	for i in $(seq 0 $((${#modes[@]} - 1))); do
		m=${modes[$(( (i + k) % ${#modes[@]} ))]}
		echo "  round $r: $m" >&2
		run_mode "$m" "$r"
	done
done

mkdir -p "$root/build/bench"
awk -v rounds="$ROUNDS" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ rps[$1, $2] = rps[$1, $2] " " $4; lat[$1, $2] = lat[$1, $2] " " $5; tests[$2] = 1 }
	END {
		printf "Redis 7.0.15, redis-benchmark -c 50, median of %s rounds (load %s)\n\n", rounds, load
		printf "| test | native plain | native TLS | sconce shield (TLS) | sconce plain | shield / native TLS | shield / native plain |\n"
		printf "|---|---:|---:|---:|---:|---:|---:|\n"
		split("SET GET SET_-P16 GET_-P16", order, " ")
		for (k = 1; k <= 4; k++) {
			t = order[k]
			if (!(t in tests)) continue
			np = median(rps["native-plain", t]); nt = median(rps["native-tls", t])
			ss = median(rps["sconce-shield", t]); sp = median(rps["sconce-plain", t])
			printf "| %s | %d req/s, %d us | %d req/s, %d us | %d req/s, %d us | %d req/s, %d us | %.2fx | %.2fx |\n", t,
				np, median(lat["native-plain", t]), nt, median(lat["native-tls", t]),
				ss, median(lat["sconce-shield", t]), sp, median(lat["sconce-plain", t]),
				nt ? ss / nt : 0, np ? ss / np : 0
		}
	}' "$results" | tee "$root/build/bench/redis-tls.md"
