#!/bin/bash
# bench/apps.sh: native vs sconce, side by side, for the curated applications.
#
#   redis      redis-benchmark (Debian's redis-tools), SET and GET, 50 clients,
#              without pipelining and with -P 16
#   memcached  memcaslap (Debian's libmemcached-tools; upstream's memaslap),
#              50 concurrent connections, 90% get / 10% set, 64-byte values
#   nginx      wrk (Debian's wrk), a 1 KiB static file, 2 threads, 50
#   apache2    keep-alive connections, WEB_TIME seconds; one server process
#              (apps/nginx/nginx.conf; apps/apache2/httpd.conf, httpd -X)
#
# Native and sconce builds of the same source (make apps/redis apps/memcached)
# run alternately, ROUNDS times each (the order rotates every round), on the
# same machine as the load generator.  The enclave runs in two modes:
#   sconce       the defaults: adaptive system calls (an exit when no other
#                thread needs the ethread, the queues otherwise), 8 ethreads
#   sconce-sync  --syscalls=sync (one enclave exit per call), with enough
#                ethreads for the server's threads that block in the host
#                (redis: 2; memcached -t 4: 6)
# Reported: median throughput and mean latency per configuration, and the
# ratios sconce/native.  The table is printed and written to
# build/bench/apps.md (raw results: build/bench/apps.raw).
#
# Environment: ROUNDS (default 5), REDIS_N (requests per redis run, default
# 100000; x20 when pipelined, so that a run lasts 2-3 s as the others do),
# MC_TIME (memcaslap seconds, default 10), MODES (default "native sconce
# sconce-sync"), SCONCE_* (more launcher options for the sconce runs), APPS
# (default all four: redis memcached nginx and apache2), WEB_TIME (wrk
# seconds for nginx and apache2, default 10).
set -eu

root=$(dirname "$(dirname "$(readlink -f "$0")")")
out=$root/build/apps
ROUNDS=${ROUNDS:-5}
REDIS_N=${REDIS_N:-100000}
MC_TIME=${MC_TIME:-10}
WEB_TIME=${WEB_TIME:-10}
APPS=${APPS:-redis memcached nginx apache2}
MODES=${MODES:-native sconce sconce-sync}
tmp=$(mktemp -d /tmp/sconce-bench-apps.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null || { echo "bench/apps.sh: needs $1 (apt-get install -y $2)" >&2; exit 1; }; }

# memcached run by root insists on switching user, which the enclave cannot
# do: run both builds as nobody for parity.
as=()
[ "$(id -u)" = 0 ] && as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

wait_port() { # PORT PID
	for _ in $(seq 1 200); do
		if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
		kill -0 "$2" 2>/dev/null || { echo "server exited early" >&2; return 1; }
		sleep 0.05
	done
	echo "server on port $1 did not start" >&2
	return 1
}
stop() { # PID
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=$tmp/results  # lines: app test mode round throughput latency_us
: >"$results"

bench_redis() { # MODE ROUND
	local mode=$1 r=$2 port=$((7400 + r)) pid
	local srv=(--port $port --save "" --appendonly no --bind 127.0.0.1 --logfile "$tmp/redis-$mode.log")
	case $mode in
	native) "$out/redis/native/redis-server" "${srv[@]}" & ;;
	sconce) "$out/redis/sconce" run "$out/redis/redis-server" "${srv[@]}" 2>>"$tmp/redis-$mode.err" & ;;
	sconce-sync) "$out/redis/sconce" run --syscalls=sync --ethreads=2 "$out/redis/redis-server" \
		"${srv[@]}" 2>>"$tmp/redis-$mode.err" & ;;
	esac
	pid=$!; pids+=("$pid")
	wait_port $port $pid
	for p in 1 16; do
		local n=$REDIS_N
		[ $p = 16 ] && n=$((REDIS_N * 20))
		# CSV: "test","rps","avg_latency_ms","min","p50","p95","p99","max"
		redis-benchmark -h 127.0.0.1 -p $port -c 50 -n $n -P $p -t set,get --csv 2>/dev/null |
			tr -d '"' | awk -F, -v m="$mode" -v r="$r" -v p="$p" \
				'$1=="SET"||$1=="GET" {printf "redis %s%s %s %s %.0f %.0f\n", $1, (p>1?" -P "p:""), m, r, $2, $3*1000}' |
			sed 's/ -P 16/_-P16/' >>"$results"
	done
	stop $pid
}

bench_memcached() { # MODE ROUND
	local mode=$1 r=$2 port=$((11500 + r)) pid
	local srv=(-p $port -U 0 -l 127.0.0.1 -t 4 -m 1024 -c 4096)
	case $mode in
	native) "${as[@]}" "$out/memcached/native/memcached" "${srv[@]}" & ;;
	sconce) "${as[@]}" "$out/memcached/sconce" run "$out/memcached/memcached" "${srv[@]}" \
		2>>"$tmp/mc-$mode.err" & ;;
	sconce-sync) "${as[@]}" "$out/memcached/sconce" run --syscalls=sync --ethreads=6 \
		"$out/memcached/memcached" "${srv[@]}" 2>>"$tmp/mc-$mode.err" & ;;
	esac
	pid=$!; pids+=("$pid")
	wait_port $port $pid
	memcaslap -s 127.0.0.1:$port -T 2 -c 50 -t "${MC_TIME}s" -X 64 -S "${MC_TIME}s" >"$tmp/mc.out" 2>&1 || true
	# TPS from the last line, mean latency (us) from "Total Statistics"
	awk -v m="$mode" -v r="$r" '
		/^Total Statistics/ { tot = 1 }
		tot && /Avg:/ { avg = $2; tot = 0 }
		/TPS:/ { for (i = 1; i <= NF; i++) if ($i == "TPS:") tps = $(i + 1) }
		END { if (tps != "") printf "memcached get90/set10 %s %s %s %s\n", m, r, tps, avg }' \
		"$tmp/mc.out" >>"$results"
	stop $pid
}

# nginx and apache2: wrk on a 1 KiB static file.  The server's files live
# in $tmp/www-APP, its configuration comes from apps/APP/ (the proxy's
# backend, unused here, points at port 9).  Both builds run as nobody when
# started by root (httpd cannot switch user inside the enclave).
web_setup() { # APP PORT
	local d=$tmp/www-$1
	rm -rf "$d" && mkdir -p "$d/html" "$d/htdocs" "$d/tmp"
	head -c 1024 /dev/urandom >"$d/html/1k.bin"
	cp "$d/html/1k.bin" "$d/htdocs/1k.bin"
	: >"$d/mime.types"
	case $1 in
	nginx) sed -e "s/@PORT@/$2/" -e "s/@BACKEND@/127.0.0.1:9/" "$root/apps/nginx/nginx.conf" >"$d/nginx.conf" ;;
	apache2) sed -e "s/@PORT@/$2/" -e "s/@BACKEND@/127.0.0.1:9/" -e "s|@RUNDIR@|$d|g" \
		"$root/apps/apache2/httpd.conf" >"$d/httpd.conf" ;;
	esac
	if [ "$(id -u)" = 0 ]; then chown -R nobody:nogroup "$d"; fi
}
web_wrk() { # APP MODE ROUND PORT
	wrk -t 2 -c 50 -d "${WEB_TIME}s" --timeout 30s "http://127.0.0.1:$4/1k.bin" >"$tmp/wrk.out" 2>&1 || true
	{ grep -e 'Socket errors' -e 'Non-2xx' "$tmp/wrk.out" || true; } | sed "s/^/bench\/apps.sh: $1 $2: /" >&2
	# Requests/sec, and the mean latency in microseconds
	awk -v a="$1" -v m="$2" -v r="$3" '
		/^ *Latency/ { v = $2; f = 1
			if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else if (v ~ /s$/) f = 1000000
			sub(/[a-z]+$/, "", v); lat = v * f }
		/^Requests\/sec:/ { rps = $2 }
		END { if (rps != "") printf "%s 1KiB-static %s %s %s %.0f\n", a, m, r, rps, lat }' \
		"$tmp/wrk.out" >>"$results"
}
bench_nginx() { # MODE ROUND
	local mode=$1 r=$2 port=$((8400 + r)) pid d=$tmp/www-nginx
	web_setup nginx $port
	local srv=(-p "$d/" -c nginx.conf -e stderr)
	case $mode in
	native) "${as[@]}" "$out/nginx/native/nginx" "${srv[@]}" 2>>"$tmp/nginx-$mode.err" & ;;
	sconce) "${as[@]}" "$out/nginx/sconce" run "$out/nginx/nginx" "${srv[@]}" 2>>"$tmp/nginx-$mode.err" & ;;
	sconce-sync) "${as[@]}" "$out/nginx/sconce" run --syscalls=sync "$out/nginx/nginx" "${srv[@]}" \
		2>>"$tmp/nginx-$mode.err" & ;;
	esac
	pid=$!; pids+=("$pid")
	wait_port $port $pid
	web_wrk nginx "$mode" "$r" $port
	stop $pid
}
bench_apache2() { # MODE ROUND
	local mode=$1 r=$2 port=$((8500 + r)) pid d=$tmp/www-apache2
	web_setup apache2 $port
	local srv=(-X -d "$d" -f "$d/httpd.conf")
	case $mode in
	native) "${as[@]}" "$out/apache2/native/httpd" "${srv[@]}" 2>>"$tmp/apache2-$mode.err" & ;;
	sconce) "${as[@]}" "$out/apache2/sconce" run "$out/apache2/httpd" "${srv[@]}" 2>>"$tmp/apache2-$mode.err" & ;;
	sconce-sync) "${as[@]}" "$out/apache2/sconce" run --syscalls=sync --ethreads=4 "$out/apache2/httpd" \
		"${srv[@]}" 2>>"$tmp/apache2-$mode.err" & ;;
	esac
	pid=$!; pids+=("$pid")
	wait_port $port $pid
	web_wrk apache2 "$mode" "$r" $port
	stop $pid
}

for a in $APPS; do
	case $a in
	redis) need redis-benchmark redis-tools
		[ -x "$out/redis/redis-server" ] && [ -x "$out/redis/native/redis-server" ] ||
			{ echo "run make apps/redis first" >&2; exit 1; } ;;
	memcached) need memcaslap libmemcached-tools
		[ -x "$out/memcached/memcached" ] && [ -x "$out/memcached/native/memcached" ] ||
			{ echo "run make apps/memcached first" >&2; exit 1; } ;;
	nginx) need wrk wrk
		[ -x "$out/nginx/nginx" ] && [ -x "$out/nginx/native/nginx" ] ||
			{ echo "run make apps/nginx first" >&2; exit 1; } ;;
	apache2) need wrk wrk
		[ -x "$out/apache2/httpd" ] && [ -x "$out/apache2/native/httpd" ] ||
			{ echo "run make apps/apache2 first" >&2; exit 1; } ;;
	*) echo "unknown app $a" >&2; exit 1 ;;
	esac
done

set -- $MODES
nmodes=$#
for r in $(seq 1 "$ROUNDS"); do
	# rotate the order of the modes every round
	order=$(for k in $(seq 0 $((nmodes - 1))); do set -- $MODES; shift $(((r - 1 + k) % nmodes)); echo "$1"; done)
	for a in $APPS; do
		for m in $order; do
			echo "round $r/$ROUNDS: $a $m" >&2
			bench_$a $m $r
		done
	done
done

# Median per (app, test, mode); then the table.
mkdir -p "$root/build/bench"
table=$root/build/bench/apps.md
{
	smodes=$(echo $MODES | tr ' ' '\n' | { grep -v '^native$' || true; } | tr '\n' ' ')
	hdr="| app | test | native ops/s" sep="|---|---|---:"
	for m in $smodes; do hdr="$hdr | $m ops/s | ratio"; sep="$sep|---:|---:"; done
	hdr="$hdr | native latency"; sep="$sep|---:"
	for m in $smodes; do hdr="$hdr | $m latency | ratio"; sep="$sep|---:|---:"; done
	echo "$hdr |"; echo "$sep|"
	awk '{print $1, $2}' "$results" | awk '!seen[$0]++' | while read -r app test; do
		med() { # MODE COLUMN
			awk -v a="$app" -v t="$test" -v m="$1" -v c="$2" '$1==a && $2==t && $3==m {print $c}' "$results" |
				sort -n | awk '{v[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
		}
		nt=$(med native 5) nl=$(med native 6)
		line="| $app | ${test//_/ } | $nt" lat="| $nl us"
		for m in $smodes; do
			st=$(med "$m" 5) sl=$(med "$m" 6)
			line="$line | $st | $(awk -v a="$st" -v b="$nt" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
			lat="$lat | $sl us | $(awk -v a="$sl" -v b="$nl" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
		done
		echo "$line $lat |"
	done
	echo
	echo "Medians of $ROUNDS rounds (modes in rotating order); $(nproc) CPUs shared by server and load generator;"
	echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg);"
	echo "extra sconce options: $(env | grep '^SCONCE_' | tr '\n' ' ' || true)(sconce = defaults: 8 ethreads, adaptive calls)."
} >"$table"
cp "$results" "$root/build/bench/apps.raw"
cat "$table"
