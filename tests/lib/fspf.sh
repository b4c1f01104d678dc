# Helpers for the file-system shield tests (tests/5[1-5]-*.t).  Sourced
# after tap.sh.
#
#   mkvol DIR [MODE]   fresh volume: DIR/vol.fspf, DIR/key, DIR/tag,
#                      DIR/c.conf; region DIR/data (MODE: encrypted)
#   fspf ARGS...       the host tool (sconce fspf ARGS)
#   in_vol DIR NAME ARGS...  run_prog sconce NAME with DIR's configuration

mkvol() {
	local d=$1 m=${2:-encrypted}
	rm -rf "$d" && mkdir -p "$d/data" || return 1
	"$SCONCE" fspf create --key-file "$d/key" --tag-file "$d/tag" --config-out "$d/c.conf" \
		"$d/vol.fspf" >"$d/create.log" 2>&1 &&
		"$SCONCE" fspf add-region --config "$d/c.conf" "$d/data" "$m" >>"$d/create.log" 2>&1
}

fspf() {
	"$SCONCE" fspf "$@"
}

in_vol() {
	local d=$1
	shift
	local saved=("${SCONCE_OPTS[@]+"${SCONCE_OPTS[@]}"}")
	SCONCE_OPTS=(--config "$d/c.conf")
	run_prog sconce "$@"
	SCONCE_OPTS=("${saved[@]+"${saved[@]}"}")
}

# expect_in FILE REGEX DESC: TAP line, FILE shown on failure
expect_in() {
	if grep -Eq -- "$2" "$1"; then
		ok "$3"
	else
		not_ok "$3"
		diag "expected /$2/ in:"
		diag_file "$1" 15
	fi
}
