#!/bin/bash
# Network shield (docs/shields.md): a plain epoll echo server (net_echo)
# whose port is protected by the start-up configuration speaks only TLS.
# openssl s_client completes a TLS 1.3 handshake, verifies the server
# against the test CA and gets its echo; a plaintext client, a client
# that trusts another CA, a TLS 1.2 client and a silent client are refused
# without taking the service down; many concurrent TLS clients and a
# 4 MiB transfer through the non-blocking server come back intact.  On the
# client side, net_client reaches a protected destination through TLS and
# refuses a server its CA does not vouch for.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 26
for p in net_echo net_client; do
	build_prog "$p"
done
have_py=0
command -v python3 >/dev/null && python3 -c 'import ssl' 2>/dev/null && have_py=1
if ! command -v openssl >/dev/null; then
	for _ in $(seq 5 26); do skip "network shield" "the openssl command is not installed"; done
	done_testing
fi

# A throwaway CA, a server certificate for localhost/127.0.0.1, another CA.
pki=$TAP_TMP/pki
"$ROOT_DIR/scripts/make-test-pki.sh" "$pki" other >"$TAP_TMP/pki.log" 2>&1
check "test CA and server certificate generated with openssl req/x509" test -s "$pki/server.pem" ||
	{ diag_file "$TAP_TMP/pki.log"; diag_file "$pki/pki.log"; }

# start_server N [EXTRA CONFIG LINE]: net_echo under a fresh configuration
# on a free port; sets PORT, SRV_PID, SRV_OUT, SRV_ERR.
start_server() {
	local n=$1 extra=${2:-} try
	for try in 1 2 3 4 5; do
		PORT=$((20000 + (RANDOM * 7 + try) % 40000))
		_run_seq=$((_run_seq + 1))
		SRV_OUT=$TAP_TMP/server$_run_seq.out
		SRV_ERR=$TAP_TMP/server$_run_seq.err
		printf '%s\n' "# network shield: protected port" "net_listen = $PORT" "net_cert = pki/server.pem" \
			"net_key = pki/server.key" "net_handshake_ms = 2000" "$extra" >"$TAP_TMP/server$_run_seq.conf"
		(
			timeout -k 5 120 "$SCONCE" run --ethreads 2 --config "$TAP_TMP/server$_run_seq.conf" \
				"$SCONCE_IMG_DIR/net_echo" "$PORT" "$n" </dev/null >"$SRV_OUT" 2>"$SRV_ERR"
			exit $?
		) 2>/dev/null &
		SRV_PID=$!
		for _ in $(seq 1 100); do
			grep -q '^ready$' "$SRV_OUT" 2>/dev/null && return 0
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.1
		done
		wait "$SRV_PID" 2>/dev/null
	done
	return 1
}

# s_client_echo MSG [s_client options...]: sets SC_STATUS, SC_OUT, SC_ERR
s_client_echo() {
	local msg=$1
	shift
	SC_OUT=$TAP_TMP/sc$_run_seq.$RANDOM.out
	SC_ERR=${SC_OUT%.out}.err
	(printf '%s\n' "$msg"; sleep "${SC_WAIT:-1}") | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -brief \
		-no_ign_eof -verify_return_error "$@" >"$SC_OUT" 2>"$SC_ERR"
	SC_STATUS=$?
}

# The concurrent client (python3's ssl module): N clients each send SIZE
# random bytes and expect them back; one thread per client, a non-blocking
# select loop each, so one SSL object is never used by two threads.
cat >"$TAP_TMP/tls_echo_client.py" <<'PY'
import os, select, socket, ssl, sys, threading
# usage: tls_echo_client.py PORT CAFILE NCLIENTS SIZE
port, ca, nclients, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)
errors = []
def one(i):
    try:
        data = os.urandom(size)
        raw = socket.create_connection(('127.0.0.1', port), timeout=30)
        s = ctx.wrap_socket(raw, server_hostname='localhost')
        s.setblocking(False)
        sent, got = 0, bytearray()
        while len(got) < size:
            want_w = sent < size
            r, w, _ = select.select([s], [s] if want_w else [], [], 30)
            if not r and not w:
                raise TimeoutError('no progress for 30 s')
            if want_w:
                try:
                    sent += s.send(data[sent:sent + 65536])
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            while True:
                try:
                    b = s.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    break
                if not b:
                    raise EOFError('end of stream after %d bytes' % len(got))
                got += b
        if bytes(got) != data:
            errors.append('client %d: echo differs' % i)
        s.close()
    except Exception as e:
        errors.append('client %d: %r' % (i, e))
ts = [threading.Thread(target=one, args=(i,)) for i in range(nclients)]
[t.start() for t in ts]; [t.join() for t in ts]
for e in errors: print(e, file=sys.stderr)
print('%d of %d clients echoed %d bytes' % (nclients - len(errors), nclients, size))
sys.exit(1 if errors else 0)
PY

ncl=50
expect_conns=$((3 + (have_py ? ncl + 1 : 0)))
if start_server "$expect_conns"; then
	ok "net_echo listens on protected port $PORT"
else
	not_ok "net_echo listens on a protected port"
	diag_file "$SRV_ERR"
fi

# 1. TLS 1.3 handshake, verification and echo with openssl s_client
s_client_echo "hello through TLS" -CAfile "$pki/ca.pem" -verify_hostname localhost
if [ "$SC_STATUS" = 0 ] && grep -qx 'hello through TLS' "$SC_OUT"; then
	ok "openssl s_client: handshake and echo through the protected port"
else
	not_ok "openssl s_client: handshake and echo through the protected port"
	diag "status $SC_STATUS"
	diag_file "$SC_ERR"
fi
check "s_client: TLS 1.3 by default" grep -q '^Protocol version: TLSv1.3' "$SC_ERR"
check "s_client: the server certificate verifies against the test CA" grep -q '^Verification: OK' "$SC_ERR"

# 2. a plaintext client is refused: no echo, the connection is closed
timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && printf 'plaintext hello\n' >&3 && cat <&3" \
	>"$TAP_TMP/plain.out" 2>/dev/null
if ! grep -q 'plaintext' "$TAP_TMP/plain.out"; then
	ok "a plaintext client gets no echo (the connection is closed)"
else
	not_ok "a plaintext client gets no echo"
fi

# 3. a client that trusts another CA fails to verify the server
s_client_echo "wrong CA" -CAfile "$pki/other.pem"
if [ "$SC_STATUS" != 0 ] && ! grep -q 'wrong CA' "$SC_OUT" && grep -q 'certificate verify failed' "$SC_ERR"; then
	ok "a client with another CA fails to verify the server"
else
	not_ok "a client with another CA fails to verify the server"
	diag "status $SC_STATUS"
	diag_file "$SC_ERR"
fi

# 4. TLS 1.2 is refused unless net_tls_min = 1.2
s_client_echo "old tls" -CAfile "$pki/ca.pem" -tls1_2
if [ "$SC_STATUS" != 0 ] && ! grep -q 'old tls' "$SC_OUT"; then
	ok "a TLS 1.2 client is refused by default"
else
	not_ok "a TLS 1.2 client is refused by default"
	diag_file "$SC_ERR"
fi

# 5. a silent client costs at most net_handshake_ms
timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && sleep 3" 2>/dev/null &
silent=$!
sleep 0.3
SC_WAIT=4 s_client_echo "after the failures" -CAfile "$pki/ca.pem"
if [ "$SC_STATUS" = 0 ] && grep -qx 'after the failures' "$SC_OUT"; then
	ok "the service goes on after plaintext, wrong-CA, TLS 1.2 and silent clients"
else
	not_ok "the service goes on after plaintext, wrong-CA, TLS 1.2 and silent clients"
	diag_file "$SC_ERR"
fi
wait "$silent" 2>/dev/null

# 6. many concurrent clients, and a 4 MiB transfer, through the epoll server
if [ "$have_py" = 1 ]; then
	python3 "$TAP_TMP/tls_echo_client.py" "$PORT" "$pki/ca.pem" "$ncl" 100000 \
		>"$TAP_TMP/many.out" 2>"$TAP_TMP/many.err"
	st=$?
	if [ "$st" = 0 ]; then ok "$ncl concurrent TLS clients each get their 100000 bytes back"
	else not_ok "$ncl concurrent TLS clients each get their 100000 bytes back"; diag_file "$TAP_TMP/many.err"; fi
	python3 "$TAP_TMP/tls_echo_client.py" "$PORT" "$pki/ca.pem" 1 4194304 \
		>"$TAP_TMP/big.out" 2>"$TAP_TMP/big.err"
	st=$?
	if [ "$st" = 0 ]; then ok "a 4 MiB echo through the non-blocking epoll server is intact"
	else not_ok "a 4 MiB echo through the non-blocking epoll server is intact"; diag_file "$TAP_TMP/big.err"; fi
else
	skip "$ncl concurrent TLS clients" "python3 with ssl not installed"
	skip "a 4 MiB echo" "python3 with ssl not installed"
fi

# 7. client side: net_client in an enclave reaches the protected port
# (the refused client first: the good one is the server's last connection)
printf '%s\n' "net_connect = localhost:$PORT" "net_ca = pki/other.pem" >"$TAP_TMP/client-bad.conf"
SCONCE_OPTS=(--config "$TAP_TMP/client-bad.conf")
run_prog sconce net_client "$PORT" "must not arrive"
expect_status "net_client trusting another CA: connect fails (exit 3)" 3
check "net_client: connect reports ECONNREFUSED" grep -qx 'connect: Connection refused' "$RUN_OUT"
check "net_client: the failed verification is logged" \
	grep -q '^sconce: net: connect to localhost:[0-9]*: TLS handshake failed: certificate verification' "$RUN_ERR"

printf '%s\n' "net_connect = 127.0.0.1:$PORT" "net_ca = pki/ca.pem" >"$TAP_TMP/client.conf"
SCONCE_OPTS=(--config "$TAP_TMP/client.conf")
run_prog sconce net_client "$PORT" "enclave to enclave"
expect_status "net_client to a protected destination: exit status 0" 0
check "net_client: the echo comes back through TLS" grep -qx 'enclave to enclave' "$RUN_OUT"
SCONCE_OPTS=()

# 8. the server served every TLS connection and nothing else, and logged
# every refusal with one line
wait "$SRV_PID"
RUN_STATUS=$? RUN_ERR=$SRV_ERR expect_status "net_echo served its $expect_conns connections and exited 0" 0
check "net_echo: 'served $expect_conns'" grep -qx "served $expect_conns" "$SRV_OUT"
n=$(grep -c 'TLS handshake failed' "$SRV_ERR")
if [ "$n" -ge 5 ]; then
	ok "every refused client is logged (sconce: net: ... TLS handshake failed)"
else
	not_ok "every refused client is logged"
	diag_file "$SRV_ERR"
fi
check "the plaintext client is logged as such" grep -q 'wrong version number' "$SRV_ERR"

# 9. a key that does not belong to the certificate is refused at start-up
printf '%s\n' "net_listen = $PORT" "net_cert = pki/server.pem" "net_key = pki/other.key" >"$TAP_TMP/badkey.conf"
"$SCONCE" run --config "$TAP_TMP/badkey.conf" "$SCONCE_IMG_DIR/net_echo" "$PORT" 1 >/dev/null 2>"$TAP_TMP/badkey.err"
st=$?
if [ "$st" = 1 ] && grep -q '^sconce: config .*: net_cert/net_key: the key does not match the certificate' "$TAP_TMP/badkey.err"; then
	ok "a key that does not match net_cert is refused at start-up"
else
	not_ok "a key that does not match net_cert is refused at start-up"
	diag "status $st"
	diag_file "$TAP_TMP/badkey.err"
fi

# 10. net_tls_min = 1.2 admits a TLS 1.2 client
if start_server 1 "net_tls_min = 1.2"; then
	s_client_echo "tls one two" -CAfile "$pki/ca.pem" -tls1_2
	grep -qx 'tls one two' "$SC_OUT" && grep -q '^Protocol version: TLSv1.2' "$SC_ERR"
	check "net_tls_min = 1.2: a TLS 1.2 client gets its echo" test $? = 0 || diag_file "$SC_ERR"
	wait "$SRV_PID"
else
	not_ok "net_tls_min = 1.2: a TLS 1.2 client gets its echo"
	diag_file "$SRV_ERR"
fi
done_testing
