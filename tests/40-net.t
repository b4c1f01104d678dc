#!/bin/bash
# Networking: an in-process TCP echo over loopback, a UDP round trip, and
# an echo server and client as separate processes (enclave server with
# enclave and native clients, native server with an enclave client).
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 28
for p in tcp_echo udp echo_server echo_client; do
	build_prog "$p"
done
run_both tcp_echo
run_both udp

# start_server MODE N: background echo server; sets SRV_PID, SRV_OUT,
# SRV_ERR and SRV_PORT (empty if no port line appeared within 10 s)
start_server() {
	local mode=$1 n=$2 cmd
	_run_seq=$((_run_seq + 1))
	SRV_OUT=$TAP_TMP/server$_run_seq.$mode.out
	SRV_ERR=$TAP_TMP/server$_run_seq.$mode.err
	if [ "$mode" = native ]; then
		cmd=("$NATIVE_BIN_DIR/echo_server")
	else
		cmd=("$SCONCE" run "$SCONCE_IMG_DIR/echo_server")
	fi
	(
		timeout -k 5 $((RUN_TIMEOUT + 10)) "${cmd[@]}" "$n" \
			</dev/null >"$SRV_OUT" 2>"$SRV_ERR"
		exit $?
	) 2>/dev/null &
	SRV_PID=$!
	SRV_PORT=
	for _ in $(seq 1 100); do
		SRV_PORT=$(sed -n '1s/^port \([0-9][0-9]*\)$/\1/p' "$SRV_OUT" 2>/dev/null)
		[ -n "$SRV_PORT" ] && break
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	SRV_PORT=${SRV_PORT:-0}
}

wait_server() {
	wait "$SRV_PID"
	SRV_STATUS=$?
}

# server output without its first (port) line
server_body() {
	tail -n +2 "$1"
}

# A. baseline: native server, native clients 1..3
start_server native 3
base_srv_out=$SRV_OUT
base_ok=0
declare -A base_client=()
for id in 1 2 3; do
	run_prog native echo_client "$SRV_PORT" "$id"
	base_client[$id]=$RUN_OUT
	[ "$RUN_STATUS" = 0 ] || base_ok=$RUN_STATUS
done
wait_server
RUN_STATUS=$SRV_STATUS RUN_ERR=$SRV_ERR
expect_status "native echo_server 3 with native clients: exit status 0" 0
RUN_STATUS=$base_ok
expect_status "native echo_client 1..3 against the native server: exit status 0" 0
server_body "$base_srv_out" >"$TAP_TMP/base-server.body"

# B. enclave server; enclave client 1, native client 2, enclave client 3
start_server sconce 3
if [ "$SRV_PORT" != 0 ]; then
	ok "sconce echo_server printed its port"
else
	not_ok "sconce echo_server printed its port"
	diag_file "$SRV_OUT"
	diag_file "$SRV_ERR"
fi
for id in 1 2 3; do
	mode=sconce
	[ "$id" = 2 ] && mode=native
	run_prog "$mode" echo_client "$SRV_PORT" "$id"
	expect_status "$mode echo_client $id against the sconce server: exit status 0" 0
	same_output "$mode echo_client $id against the sconce server: stdout as in the native run" \
		"${base_client[$id]}" "$RUN_OUT"
done
wait_server
RUN_STATUS=$SRV_STATUS RUN_ERR=$SRV_ERR
expect_status "sconce echo_server 3: exit status 0 after serving 3 connections" 0
server_body "$SRV_OUT" >"$TAP_TMP/sconce-server.body"
same_output "sconce echo_server: stdout (after the port line) matches native" \
	"$TAP_TMP/base-server.body" "$TAP_TMP/sconce-server.body"

# C. native server, enclave client
start_server native 1
run_prog sconce echo_client "$SRV_PORT" 1
expect_status "sconce echo_client 1 against a native server: exit status 0" 0
same_output "sconce echo_client 1 against a native server: stdout as in the native run" \
	"${base_client[1]}" "$RUN_OUT"
wait_server
RUN_STATUS=$SRV_STATUS RUN_ERR=$SRV_ERR
expect_status "native echo_server 1 with an enclave client: exit status 0" 0
done_testing
