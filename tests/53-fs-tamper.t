#!/bin/bash
# Every tamper class on a protected volume is detected: inside the
# enclave as EIO (or a refused start for the fspf itself) with a clear
# log line, and by `sconce fspf verify`, which names every tampered file.
#   bit flip, swapped chunks, swapped files, truncation, extension,
#   replay of an older file version, deletion, an unlisted file, and for
#   the fspf: bit flip, replay of an older fspf, a foreign fspf.
set -u
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fspf.sh"
RUN_TIMEOUT=${SCONCE_TEST_TIMEOUT:-120}

plan 30
build_one sconce fs_tool
check "build fs_tool (sconce)" test $? = 0

v=$TAP_TMP/vol
mkvol "$v" encrypted
D=$v/data
# contents made inside the enclave: 3 chunks each for the chunk tampers
big() { head -c 12000 /dev/zero | tr '\0' "$1"; }
for f in flip swapc swapf1 swapf2 trunc ext replay gone; do
	in_vol "$v" fs_tool write "$D/$f" "$(big "${f:0:1}")"
done
check "eight protected files written inside the enclave" test "$(ls "$D" | wc -l)" = 8
cp "$D/replay" "$TAP_TMP/replay.v1"
in_vol "$v" fs_tool write "$D/replay" "$(big R)"
fspf verify --config "$v/c.conf" >"$TAP_TMP/v0" 2>&1
check "the volume verifies before tampering" test $? = 0

# tamper with the host's copy
flip_bit "$D/flip" 5000
dd if="$D/swapc" of="$TAP_TMP/c0" bs=4096 count=1 status=none
dd if="$D/swapc" of="$TAP_TMP/c1" bs=4096 skip=1 count=1 status=none
dd if="$TAP_TMP/c1" of="$D/swapc" bs=4096 seek=0 conv=notrunc status=none
dd if="$TAP_TMP/c0" of="$D/swapc" bs=4096 seek=1 conv=notrunc status=none
mv "$D/swapf1" "$TAP_TMP/sw" && mv "$D/swapf2" "$D/swapf1" && mv "$TAP_TMP/sw" "$D/swapf2"
truncate -s 8192 "$D/trunc"
printf 'more' >>"$D/ext"
cp "$TAP_TMP/replay.v1" "$D/replay"
rm "$D/gone"
echo "planted by the host" >"$D/planted"

# inside the enclave: EIO and a log line naming the file and the reason
t() { # t NAME ERRNO_TEXT LOG_REGEX DESC
	in_vol "$v" fs_tool cat "$D/$1"
	if grep -q "error: $2" "$RUN_OUT"; then
		ok "$4: the application gets '$2'"
	else
		not_ok "$4: the application gets '$2'"
		diag "status $RUN_STATUS, output: $(head -c 200 "$RUN_OUT")"
	fi
	expect_in "$RUN_ERR" "$3" "$4: logged"
}
t flip "I/O error" "flip: chunk 1 .*fails authentication" "bit flip"
t swapc "I/O error" "swapc: chunk 0 .*fails authentication" "swapped chunks"
t swapf1 "I/O error" "swapf1: chunk 0 .*fails authentication" "swapped files"
t trunc "I/O error" "trunc: 8192 bytes on the host, 12000 recorded in the fspf: truncated" "truncation"
t ext "I/O error" "ext: 12004 bytes on the host, 12000 recorded in the fspf: extended" "extension"
t replay "I/O error" "replay: chunk 0 .*fails authentication" "replay of an older version"
t gone "I/O error" "gone: listed in the fspf but missing on the host" "deletion"
t planted "No such file or directory" "planted: not listed in the fspf" "unlisted file planted by the host"

# verify names every tampered file
fspf verify --config "$v/c.conf" >"$TAP_TMP/v1" 2>&1
check "verify fails (exit 1)" test $? = 1
bad=0
for f in flip swapc swapf1 swapf2 trunc ext replay gone; do
	grep -q "^TAMPERED $D/$f: " "$TAP_TMP/v1" || { bad=1; diag "verify missed $f"; }
done
check "verify reports each of the 8 tampered files" test $bad = 0 || diag_file "$TAP_TMP/v1"
expect_in "$TAP_TMP/v1" "^UNLISTED $D/planted" "verify reports the planted file"

# the fspf itself
w=$TAP_TMP/vol2
mkvol "$w" encrypted
in_vol "$w" fs_tool write "$w/data/f" "first"
mkdir -p "$TAP_TMP/old" && cp -a "$w/vol.fspf" "$w/data" "$TAP_TMP/old/"
in_vol "$w" fs_tool write "$w/data/f" "second"
in_vol "$w" fs_tool cat "$w/data/f"
grep -qx "second" "$RUN_OUT"
check "fspf: an update is read back" test $? = 0
cp -a "$w/vol.fspf" "$TAP_TMP/new.fspf"
cp "$TAP_TMP/old/vol.fspf" "$w/vol.fspf" && cp "$TAP_TMP/old/data/f" "$w/data/f"
in_vol "$w" fs_tool cat "$w/data/f"
check "fspf replay (older fspf and files): the enclave refuses to start" test "$RUN_STATUS" != 0 -a ! -s "$RUN_OUT"
expect_in "$RUN_ERR" "tag is not the configured one" "fspf replay: logged"
fspf verify --config "$w/c.conf" >"$TAP_TMP/v2" 2>&1
expect_in "$TAP_TMP/v2" "tag differs from the expected tag" "fspf replay: verify reports it"
cp "$TAP_TMP/new.fspf" "$w/vol.fspf"
flip_bit "$w/vol.fspf" 100
# keep the tag (the anchor) as configured: the bytes are what changed
in_vol "$w" fs_tool cat "$w/data/f"
check "fspf bit flip: the enclave refuses to start" test "$RUN_STATUS" != 0 -a ! -s "$RUN_OUT"
expect_in "$RUN_ERR" "authentication failed" "fspf bit flip: logged"
mkvol "$TAP_TMP/vol3" encrypted
cp "$TAP_TMP/vol3/vol.fspf" "$w/vol.fspf"
in_vol "$w" fs_tool cat "$w/data/f"
check "foreign fspf: the enclave refuses to start" test "$RUN_STATUS" != 0 -a ! -s "$RUN_OUT"
expect_in "$RUN_ERR" "tag is not the configured one" "foreign fspf: logged"
done_testing
