#!/bin/bash
# Network shield: data that waits inside the enclave (the rest of a TLS
# record, or application data that came with the handshake) while the
# host socket is empty is seen by poll, select and epoll_wait.  net_poll
# reads one byte at a time, each after one of those waits; without this
# it stalls at once.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 6
build_prog net_poll
if ! command -v openssl >/dev/null; then
	for _ in 3 4 5 6; do skip "readiness" "the openssl command is not installed"; done
	done_testing
fi
pki=$TAP_TMP/pki
"$ROOT_DIR/scripts/make-test-pki.sh" "$pki" >"$TAP_TMP/pki.log" 2>&1
check "test CA and server certificate generated" test -s "$pki/server.pem" || { diag_file "$TAP_TMP/pki.log"; diag_file "$pki/pki.log"; }

started=0
for try in 1 2 3 4 5; do
	PORT=$((20000 + (RANDOM * 7 + try) % 40000))
	printf '%s\n' "net_listen = $PORT" "net_cert = pki/server.pem" "net_key = pki/server.key" >"$TAP_TMP/s.conf"
	: >"$TAP_TMP/s.out"
	(
		timeout -k 5 60 "$SCONCE" run --config "$TAP_TMP/s.conf" "$SCONCE_IMG_DIR/net_poll" "$PORT" \
			</dev/null >"$TAP_TMP/s.out" 2>"$TAP_TMP/s.err"
		exit $?
	) 2>/dev/null &
	pid=$!
	for _ in $(seq 1 100); do
		grep -q '^ready$' "$TAP_TMP/s.out" && started=1 && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ "$started" = 1 ] && break
	wait "$pid" 2>/dev/null
done
check "net_poll listens on a protected port" test "$started" = 1 || diag_file "$TAP_TMP/s.err"

msg="one record, read one byte at a time"
(printf '%s\n' "$msg"; sleep 3) | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$pki/ca.pem" \
	-quiet -no_ign_eof >"$TAP_TMP/c.out" 2>"$TAP_TMP/c.err"
check "the client gets its line back" grep -qx "$msg" "$TAP_TMP/c.out" || diag_file "$TAP_TMP/s.out"
wait "$pid"
RUN_STATUS=$? RUN_ERR=$TAP_TMP/s.out expect_status "net_poll: poll, select and epoll_wait never stalled (exit 0)" 0
done_testing
