#!/bin/bash
# `sconce measure`: 64 hex digits, stable, equal to what `sconce run -v`
# reports, sensitive to the layout options and to the image contents,
# independent of the image's file name, and an error for non-images.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 15
if build_one sconce hello; then
	ok "build hello (sconce)"
else
	not_ok "build hello (sconce)"
	diag_file "$BUILD_LOG"
fi
img=$SCONCE_IMG_DIR/hello

# measure [OPTIONS...] IMAGE: sets M (the digest or empty), M_STATUS, M_ERR
measure() {
	M_ERR=$TAP_TMP/measure.err
	M=$(timeout -k 5 "$RUN_TIMEOUT" "$SCONCE" measure "$@" 2>"$M_ERR" </dev/null)
	M_STATUS=$?
	M_RAW=$M
	case $M in
	*[!0-9a-f]* | '') M= ;;
	esac
	[ ${#M} = 64 ] || M=
}

# run_v [OPTIONS...]: measurement printed by `sconce run -v OPTIONS hello`
run_v() {
	SCONCE_OPTS=(-v "$@")
	run_prog sconce hello
	SCONCE_OPTS=()
	V=$(sed -n 's/^sconce: measurement \([0-9a-f]\{64\}\)$/\1/p' "$RUN_ERR" | head -n 1)
}

# differs DESC A B: ok if both are digests and they differ
differs() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$2" != "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "values: '${2:-none}' and '${3:-none}'"
	fi
}
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "values: '${2:-none}' and '${3:-none}'"
	fi
}

measure "$img"
m1=$M
out_bytes=$(timeout "$RUN_TIMEOUT" "$SCONCE" measure "$img" 2>/dev/null | wc -c)
if [ "$M_STATUS" = 0 ] && [ -n "$m1" ] && [ "$out_bytes" = 65 ]; then
	ok "sconce measure prints 64 lowercase hex digits and a newline, exit 0"
else
	not_ok "sconce measure prints 64 lowercase hex digits and a newline, exit 0"
	diag "status $(status_text "$M_STATUS"), output '$M_RAW' ($out_bytes bytes)"
	diag_file "$M_ERR"
fi
measure "$img"
same "sconce measure twice gives the same value" "$m1" "$M"

run_v
same "sconce run -v reports the same measurement" "$m1" "$V"
[ "$RUN_STATUS" = 0 ] || diag "sconce run -v: status $(status_text "$RUN_STATUS")"

measure --heap 256M "$img"
same "--heap 256M (the default) gives the default measurement" "$m1" "$M"

measure --heap 32M "$img"
m32=$M
differs "--heap 32M changes the measurement" "$m1" "$m32"
run_v --heap 32M
same "sconce run -v --heap 32M reports the --heap 32M measurement" "$m32" "$V"
M=$(SCONCE_HEAP=32M timeout "$RUN_TIMEOUT" "$SCONCE" measure "$img" 2>/dev/null)
same "SCONCE_HEAP=32M gives the same measurement as --heap 32M" "$m32" "$M"

measure --stack 1M "$img"
differs "--stack 1M changes the measurement" "$m1" "$M"
measure --ethreads 2 "$img"
differs "--ethreads 2 changes the measurement" "$m1" "$M"

# a copy under another name measures the same
cp "$img" "$TAP_TMP/renamed-copy"
measure "$TAP_TMP/renamed-copy"
same "a copy of the image under another name has the same measurement" "$m1" "$M"

# flip one byte in the middle of .text
flipped=$TAP_TMP/flipped
cp "$img" "$flipped"
text=$(readelf -SW "$img" 2>/dev/null | sed 's/^ *\[ *[0-9]*\] *//' |
	awk '$1 == ".text" { print $4, $5; exit }')
if [ -n "$text" ]; then
	read -r off size <<<"$text"
	pos=$((16#$off + 16#$size / 2))
	byte=$(od -An -tu1 -j "$pos" -N 1 "$img" | tr -d ' ')
	new=$(((byte ^ 0xff) & 0xff))
	# shellcheck disable=SC2059 # the format is the octal escape
	printf "\\$(printf '%03o' "$new")" |
		dd of="$flipped" bs=1 seek="$pos" count=1 conv=notrunc 2>/dev/null
	if cmp -s "$img" "$flipped"; then
		flipped_ok=0
	else
		flipped_ok=1
	fi
else
	flipped_ok=0
fi
measure "$flipped"
if [ "$flipped_ok" = 1 ]; then
	differs "one byte flipped inside .text (file offset $pos) changes the measurement" "$m1" "$M"
else
	not_ok "one byte flipped inside .text changes the measurement"
	diag "could not find .text in $img with readelf -S"
fi

# not an image at all
printf 'this is not an ELF file\n' >"$TAP_TMP/not-elf"
measure "$TAP_TMP/not-elf"
if [ "$M_STATUS" != 0 ] && [ "$M_STATUS" != 124 ] && [ "$M_STATUS" -lt 128 ] &&
	grep -q '^sconce: ' "$M_ERR"; then
	ok "a non-ELF file: non-zero exit and a 'sconce: ' error"
else
	not_ok "a non-ELF file: non-zero exit and a 'sconce: ' error"
	diag "status $(status_text "$M_STATUS")"
	diag_file "$M_ERR"
fi
head -c 100 "$img" >"$TAP_TMP/truncated"
measure "$TAP_TMP/truncated"
if [ "$M_STATUS" != 0 ] && [ "$M_STATUS" != 124 ] && [ "$M_STATUS" -lt 128 ] &&
	grep -q '^sconce: ' "$M_ERR"; then
	ok "a truncated image: non-zero exit and a 'sconce: ' error"
else
	not_ok "a truncated image: non-zero exit and a 'sconce: ' error"
	diag "status $(status_text "$M_STATUS")"
	diag_file "$M_ERR"
fi
measure "$TAP_TMP/does-not-exist"
if [ "$M_STATUS" != 0 ] && [ "$M_STATUS" != 124 ] && [ "$M_STATUS" -lt 128 ] &&
	grep -q '^sconce: ' "$M_ERR"; then
	ok "a missing file: non-zero exit and a 'sconce: ' error"
else
	not_ok "a missing file: non-zero exit and a 'sconce: ' error"
	diag "status $(status_text "$M_STATUS")"
	diag_file "$M_ERR"
fi
done_testing
