#!/bin/bash
# Console shield: `sconce console decrypt` rejects a stream that was
# tampered with, reordered, truncated, or read with the wrong key.  Each
# rejection exits non-zero, prints no plaintext and one line
# "sconce: console: <input>: <why>".
set -u
. "$(dirname "$0")/lib/tap.sh"

cases="flip swap swap-renumber drop-middle drop-end cut-mid cut-header stream-id fd-change append-data"
plan $((3 + 2 + 10 + 1 + 2))
build_prog console_out
key=$(openssl rand -hex 32)
conf=$TAP_TMP/console.conf
printf 'console_key = %s\n' "$key" >"$conf"
"$SCONCE" run --config "$conf" "$SCONCE_IMG_DIR/console_out" 40000 >"$TAP_TMP/good" 2>/dev/null
"$SCONCE" console decrypt --key "$key" "$TAP_TMP/good" >"$TAP_TMP/good.txt" 2>"$TAP_TMP/good.err"
RUN_STATUS=$? RUN_ERR=$TAP_TMP/good.err expect_status "the untouched stream decrypts" 0

# rejected NAME FILE [KEY]: one TAP line
rejected() {
	local name=$1 f=$2 k=${3:-$key}
	"$SCONCE" console decrypt --key "$k" "$f" >"$TAP_TMP/rej.out" 2>"$TAP_TMP/rej.err"
	local st=$?
	if [ "$st" != 0 ] && [ ! -s "$TAP_TMP/rej.out" ] && grep -q '^sconce: console: ' "$TAP_TMP/rej.err"; then
		ok "$name: rejected ($(head -n 1 "$TAP_TMP/rej.err" | sed 's/^sconce: console: [^:]*: //'))"
	else
		not_ok "$name: rejected with status != 0, no output and a sconce: console: line"
		diag "status $st"
		diag_file "$TAP_TMP/rej.err"
	fi
}

rejected "wrong key" "$TAP_TMP/good" "$(openssl rand -hex 32)"
: >"$TAP_TMP/empty"
rejected "empty input" "$TAP_TMP/empty"

if ! command -v python3 >/dev/null; then
	for c in $cases; do skip "$c" "python3 not installed"; done
else
	for c in $cases; do
		python3 - "$TAP_TMP/good" "$TAP_TMP/$c" "$c" <<'PY'
import struct, sys
src, dst, case = sys.argv[1:4]
d = open(src, 'rb').read()
hdr, body = d[:32], d[32:]
recs, off = [], 0
while off < len(body):
    ln, typ, fd, res, seq = struct.unpack_from('<IBBHQ', body, off)
    recs.append(bytearray(body[off:off + 16 + ln + 16]))
    off += 16 + ln + 16
assert len(recs) >= 4, len(recs)
def seq(r, s): struct.pack_into('<Q', r, 8, s)
if case == 'flip':
    recs[1][20] ^= 1
elif case == 'swap':
    recs[1], recs[2] = recs[2], recs[1]
elif case == 'swap-renumber':
    recs[1], recs[2] = recs[2], recs[1]; seq(recs[1], 1); seq(recs[2], 2)
elif case == 'drop-middle':
    del recs[1]
elif case == 'drop-end':
    del recs[-1]
elif case == 'cut-mid':
    recs[-2] = recs[-2][:len(recs[-2]) // 2]; del recs[-1]
elif case == 'cut-header':
    recs = []; hdr = hdr[:20]
elif case == 'stream-id':
    hdr = hdr[:16] + bytes([hdr[16] ^ 0x80]) + hdr[17:]
elif case == 'fd-change':
    hdr = hdr[:12] + b'\x02' + hdr[13:]
elif case == 'append-data':
    recs.append(bytearray(recs[1]))
open(dst, 'wb').write(hdr + b''.join(recs))
PY
		rejected "$c" "$TAP_TMP/$c"
	done
fi

# the launcher's own diagnostics between records are skipped, not rejected
if command -v python3 >/dev/null; then
	python3 - "$TAP_TMP/good" "$TAP_TMP/hostline" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
ln = struct.unpack_from('<I', d, 32)[0]
cut = 32 + 16 + ln + 16
open(sys.argv[2], 'wb').write(d[:cut] + b'sconce: a host diagnostic\n' + d[cut:])
PY
	"$SCONCE" console decrypt --key "$key" "$TAP_TMP/hostline" >"$TAP_TMP/hostline.txt" 2>"$TAP_TMP/hostline.err"
	if [ $? = 0 ] && cmp -s "$TAP_TMP/hostline.txt" "$TAP_TMP/good.txt" && grep -q 'note: 1 line' "$TAP_TMP/hostline.err"; then
		ok "a launcher diagnostic line between records is skipped and noted"
	else
		not_ok "a launcher diagnostic line between records is skipped and noted"
		diag_file "$TAP_TMP/hostline.err"
	fi
else
	skip "a launcher diagnostic line between records" "python3 not installed"
fi

# a program killed before exit leaves a stream without its end record
cat >"$TAP_TMP/abort.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) { printf("partial\n"); fflush(stdout); abort(); }
C
if "$SCONCE_CC" -O2 -o "$TAP_TMP/abort" "$TAP_TMP/abort.c" >"$TAP_TMP/abort.log" 2>&1; then
	( "$SCONCE" run --config "$conf" "$TAP_TMP/abort" >"$TAP_TMP/aborted" 2>/dev/null; exit $? ) 2>/dev/null
	ok "build and run a program that aborts"
	rejected "stream of an aborted program (no end record)" "$TAP_TMP/aborted"
else
	not_ok "build and run a program that aborts"
	diag_file "$TAP_TMP/abort.log"
	skip "stream of an aborted program" "build failed"
fi
done_testing
