#!/bin/bash
# Console shield (docs/shields.md): with console_key in the start-up
# configuration, stdout and stderr leave the enclave encrypted and
# authenticated; `sconce console decrypt` restores exactly what the
# program printed (stdio, write, writev, a write spanning many records,
# stdout and stderr in one file).  Without the key output stays plain.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 14
build_prog console_out
key=$(openssl rand -hex 32)
conf=$TAP_TMP/console.conf
printf '# console shield\nconsole_key = %s\n' "$key" >"$conf"

run_prog native console_out 100000
cp "$RUN_OUT" "$TAP_TMP/native.out"
cp "$RUN_ERR" "$TAP_TMP/native.err"

SCONCE_OPTS=(--config "$conf")
run_prog sconce console_out 100000
SCONCE_OPTS=()
expect_status "console_out under console_key: exit status 0" 0
if grep -q 'hello from the enclave' "$RUN_OUT" || grep -q 'stderr' "$RUN_ERR"; then
	not_ok "stdout and stderr hold no plaintext"
else
	ok "stdout and stderr hold no plaintext"
fi
if head -c 8 "$RUN_OUT" | grep -q '^sconcons$'; then
	ok "stdout starts with the console stream header"
else
	not_ok "stdout starts with the console stream header"
fi
"$SCONCE" console decrypt --key "$key" "$RUN_OUT" >"$TAP_TMP/dec.out" 2>"$TAP_TMP/dec.err"
RUN_STATUS=$? RUN_ERR=$TAP_TMP/dec.err expect_status "console decrypt of stdout: exit status 0" 0
same_output "decrypted stdout equals the native program's stdout" "$TAP_TMP/native.out" "$TAP_TMP/dec.out"
"$SCONCE" console decrypt --key "$key" - <"$RUN_ERR" >"$TAP_TMP/dec.err2" 2>"$TAP_TMP/dec.err"
RUN_STATUS=$? RUN_ERR=$TAP_TMP/dec.err expect_status "console decrypt of stderr from standard input: exit status 0" 0
same_output "decrypted stderr equals the native program's stderr" "$TAP_TMP/native.err" "$TAP_TMP/dec.err2"

# stdout and stderr into one file: both streams, told apart by --fd
printf '%s\n' "$key" >"$TAP_TMP/key.hex"
"$SCONCE" run --config "$conf" "$SCONCE_IMG_DIR/console_out" >"$TAP_TMP/both.enc" 2>&1
"$SCONCE" console decrypt --key-file "$TAP_TMP/key.hex" --fd 1 "$TAP_TMP/both.enc" >"$TAP_TMP/both.1" 2>"$TAP_TMP/dec.err"
RUN_STATUS=$? RUN_ERR=$TAP_TMP/dec.err expect_status "2>&1 file: decrypt --fd 1 exits 0" 0
"$NATIVE_BIN_DIR/console_out" 2>/dev/null >"$TAP_TMP/native0.out"
same_output "2>&1 file: --fd 1 gives stdout" "$TAP_TMP/native0.out" "$TAP_TMP/both.1"
"$SCONCE" console decrypt --key "$key" --fd 2 "$TAP_TMP/both.enc" >"$TAP_TMP/both.2" 2>/dev/null
same_output "2>&1 file: --fd 2 gives stderr" "$TAP_TMP/native.err" "$TAP_TMP/both.2"

# no console key: plain output
run_prog sconce console_out 100000
same_output "without console_key stdout is plain" "$TAP_TMP/native.out" "$RUN_OUT"

# a malformed key is refused at start-up
printf 'console_key = 1234\n' >"$TAP_TMP/bad.conf"
"$SCONCE" run --config "$TAP_TMP/bad.conf" "$SCONCE_IMG_DIR/console_out" >/dev/null 2>"$TAP_TMP/bad.err"
st=$?
if [ "$st" != 0 ] && grep -q '^sconce: config .*console_key: not 64 hex digits' "$TAP_TMP/bad.err"; then
	ok "a malformed console_key is refused with a 'sconce: config' line"
else
	not_ok "a malformed console_key is refused with a 'sconce: config' line"
	diag "status $st"
	diag_file "$TAP_TMP/bad.err"
fi
done_testing
