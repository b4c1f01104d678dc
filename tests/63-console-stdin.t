#!/bin/bash
# Console shield, input side: with console_stdin = yes, descriptor 0 must
# carry a console stream made by `sconce console encrypt`; the program
# (console_cat, a plain stdin-to-stdout copy) reads its plaintext.  A cut,
# tampered or plaintext stdin makes reads fail with EIO and a log line.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 11
build_prog console_cat
key=$(openssl rand -hex 32)
conf=$TAP_TMP/stdin.conf
printf 'console_key = %s\nconsole_stdin = yes\n' "$key" >"$conf"
head -c 100000 /dev/urandom >"$TAP_TMP/in.bin"
"$SCONCE" console encrypt --key "$key" "$TAP_TMP/in.bin" >"$TAP_TMP/in.enc"
check "console encrypt makes a stream" test -s "$TAP_TMP/in.enc"

SCONCE_OPTS=(--config "$conf")
RUN_STDIN=$TAP_TMP/in.enc run_prog sconce console_cat
expect_status "console_cat with an encrypted stdin: exit status 0" 0
"$SCONCE" console decrypt --key "$key" "$RUN_OUT" >"$TAP_TMP/out.bin" 2>"$TAP_TMP/dec.err"
check "what the program read (and wrote, encrypted) is the original input" cmp -s "$TAP_TMP/in.bin" "$TAP_TMP/out.bin"

# feed [DESC] FILE WHY: the program's read fails, the shield logs WHY
feed() {
	local desc=$1 file=$2 why=$3
	RUN_STDIN=$file run_prog sconce console_cat
	expect_status "$desc: console_cat exits 1 (read fails)" 1
	if grep -q "^sconce: console: stdin: $why" "$RUN_ERR"; then
		ok "$desc: logged ($why)"
	else
		not_ok "$desc: logged ($why)"
		diag_file "$RUN_ERR"
	fi
}
head -c 50000 "$TAP_TMP/in.enc" >"$TAP_TMP/cut.enc"
feed "a cut stream" "$TAP_TMP/cut.enc" "truncated"
cp "$TAP_TMP/in.enc" "$TAP_TMP/flip.enc"
flip_bit "$TAP_TMP/flip.enc" 20000
feed "a tampered stream" "$TAP_TMP/flip.enc" "a record does not authenticate"
feed "a plaintext stdin" "$TAP_TMP/in.bin" "not a console stream"
SCONCE_OPTS=()
done_testing
