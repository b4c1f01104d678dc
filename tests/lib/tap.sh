# TAP helpers for the sconce end-to-end tests.  Sourced by tests/*.t.
#
# Layout (everything relative to this file, so scripts work from any cwd):
#   tests/enclave/NAME.c      test programs
#   build/tests/native/NAME   built with gcc, run directly
#   build/tests/sconce/NAME   built with sconce-cc, run with `sconce run`
#
# Environment knobs:
#   SCONCE_BUILD_DIR   build directory              (default: <repo>/build)
#   SCONCE_BIN_DIR     where sconce and sconce-cc are (default: build/bin)
#   SCONCE, SCONCE_CC  override the two tools individually
#   NATIVE_CC          native compiler               (default: gcc)
#   TEST_CFLAGS        flags for both compilers
#                      (default: -std=gnu11 -Wall -Wextra -Werror -O2)
#   SCONCE_TEST_OUT    where test programs are built (default: build/tests)
#   SCONCE_TEST_TIMEOUT  seconds per program run      (default: 20)
#   SCONCE_TEST_KEEP=1   keep the scratch directory
#
# The TAP helpers:
#   plan N; ok DESC; not_ok DESC; check DESC CMD...; skip DESC REASON;
#   diag TEXT...; diag_file FILE [LINES]; done_testing
# Building:
#   build_prog NAME            2 TAP lines: native and sconce build
#   build_one MODE NAME        no TAP line; status; log in $BUILD_LOG
# Running (stdin is /dev/null, every run under `timeout`):
#   run_prog MODE NAME ARGS... no TAP line; sets RUN_STATUS RUN_OUT RUN_ERR
#                              and RUN_SCRATCH (see @SCRATCH@ below)
#   run_both [-s STATUS] [-d DESC] NAME ARGS...
#                              3 TAP lines: native status, sconce status,
#                              sconce stdout == native stdout
#   An argument spelled @SCRATCH@ is replaced by a fresh empty directory
#   (a different one for each run).  SCONCE_OPTS=(...) holds options put
#   between `sconce run` and the image; RUN_CWD the directory to run in;
#   NATIVE_VMEM_KB an address space limit (ulimit -v) for native runs only.

set -u

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT_DIR=$(cd "$TESTS_DIR/.." && pwd)
BUILD_DIR=${SCONCE_BUILD_DIR:-$ROOT_DIR/build}
SCONCE_BIN_DIR=${SCONCE_BIN_DIR:-$BUILD_DIR/bin}
# make it absolute, runs may change directory
case $SCONCE_BIN_DIR in
/*) ;;
*) SCONCE_BIN_DIR=$PWD/$SCONCE_BIN_DIR ;;
esac
SCONCE=${SCONCE:-$SCONCE_BIN_DIR/sconce}
SCONCE_CC=${SCONCE_CC:-$SCONCE_BIN_DIR/sconce-cc}
NATIVE_CC=${NATIVE_CC:-gcc}
TEST_CFLAGS=${TEST_CFLAGS:--std=gnu11 -Wall -Wextra -Werror -O2}
ENCLAVE_SRC=$TESTS_DIR/enclave
TEST_OUT_DIR=${SCONCE_TEST_OUT:-$BUILD_DIR/tests}
NATIVE_BIN_DIR=$TEST_OUT_DIR/native
SCONCE_IMG_DIR=$TEST_OUT_DIR/sconce
RUN_TIMEOUT=${SCONCE_TEST_TIMEOUT:-20}
# shellcheck disable=SC2034 # used by the scripts that source this file
MUSL_LIBC=$BUILD_DIR/musl/lib/libc.a

SCONCE_OPTS=()
RUN_STATUS=0
RUN_OUT=/dev/null
RUN_ERR=/dev/null
RUN_SCRATCH=
BUILD_LOG=/dev/null

# no core files from programs killed by SIGSYS/SIGABRT
ulimit -c 0 2>/dev/null

TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sconce-test.XXXXXX") || {
	echo "Bail out! cannot create a scratch directory"
	exit 1
}
_tap_cleanup() {
	if [ "${SCONCE_TEST_KEEP:-0}" = 1 ]; then
		echo "# scratch directory kept: $TAP_TMP"
	else
		chmod -R u+rwx "$TAP_TMP" 2>/dev/null
		rm -rf "$TAP_TMP"
	fi
}
trap _tap_cleanup EXIT

# ---------------------------------------------------------------- TAP

_tap_num=0
_tap_failed=0
_tap_planned=
_run_seq=0

plan() {
	_tap_planned=$1
	echo "1..$1"
}

# Descriptions: one line, no '#' (that would start a TAP directive).
_tap_desc() {
	local d=$*
	d=${d//$'\n'/\\n}
	d=${d//$'\t'/ }
	d=${d//#/}
	if [ ${#d} -gt 110 ]; then
		d="${d:0:107}..."
	fi
	printf '%s' "$d"
}

ok() {
	_tap_num=$((_tap_num + 1))
	echo "ok $_tap_num - $(_tap_desc "$*")"
}

not_ok() {
	_tap_num=$((_tap_num + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_num - $(_tap_desc "$*")"
}

# skip DESC REASON
skip() {
	_tap_num=$((_tap_num + 1))
	echo "ok $_tap_num - $(_tap_desc "$1") # SKIP $(_tap_desc "$2")"
}

# check DESC CMD [ARGS...]: ok if CMD succeeds
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
		return 1
	fi
}

diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do
		printf '#   %s\n' "$line"
	done
}

# diag_file FILE [MAXLINES]
diag_file() {
	local f=$1 max=${2:-30}
	[ -s "$f" ] || return 0
	local n
	n=$(wc -l <"$f")
	head -n "$max" "$f" | cut -c1-300 | sed 's/^/#   | /'
	if [ "$n" -gt "$max" ]; then
		echo "#   | ... ($((n - max)) more lines)"
	fi
}

done_testing() {
	if [ -n "$_tap_planned" ] && [ "$_tap_planned" != "$_tap_num" ]; then
		echo "# planned $_tap_planned tests but ran $_tap_num"
	fi
	if [ "$_tap_failed" -gt 0 ]; then
		echo "# failed $_tap_failed of $_tap_num"
	fi
	exit 0
}

# ---------------------------------------------------------------- building

# build_one MODE NAME [EXTRA CFLAGS...]: compile tests/enclave/NAME.c
build_one() {
	local mode=$1 name=$2 out cc
	shift 2
	case $mode in
	native)
		out=$NATIVE_BIN_DIR/$name
		cc=$NATIVE_CC
		;;
	sconce)
		out=$SCONCE_IMG_DIR/$name
		cc=$SCONCE_CC
		;;
	*)
		echo "build_one: bad mode $mode" >&2
		return 2
		;;
	esac
	BUILD_LOG=$TAP_TMP/build-$name-$mode.log
	mkdir -p "${out%/*}" || return 1
	if [ "$mode" = sconce ] && [ ! -x "$SCONCE_CC" ]; then
		rm -f "$out"
		echo "sconce-cc not found at $SCONCE_CC (run make first)" >"$BUILD_LOG"
		return 127
	fi
	# Build next to the target and rename into place, so that a run of
	# the suite going on at the same time never sees a missing or
	# half-written program.  A failed build removes the old program.
	local tmp=$out.tmp.$$
	# shellcheck disable=SC2086 # word splitting of cc and flags wanted
	if timeout 180 $cc $TEST_CFLAGS "$@" -o "$tmp" "$ENCLAVE_SRC/$name.c" \
		>"$BUILD_LOG" 2>&1 </dev/null && [ -x "$tmp" ]; then
		mv -f "$tmp" "$out"
	else
		rm -f "$tmp" "$out"
		return 1
	fi
}

# build_prog NAME [EXTRA CFLAGS...]: two TAP lines
build_prog() {
	local name=$1 mode
	shift
	for mode in native sconce; do
		if build_one "$mode" "$name" "$@"; then
			ok "build $name ($mode)"
		else
			not_ok "build $name ($mode)"
			diag_file "$BUILD_LOG"
		fi
	done
}

# ---------------------------------------------------------------- running

status_text() {
	local s=$1
	if [ "$s" = 124 ]; then
		echo "124 (timed out after ${RUN_TIMEOUT}s)"
	elif [ "$s" = 127 ]; then
		echo "127 (not found)"
	elif [ "$s" -gt 128 ] && [ "$s" -lt 160 ]; then
		echo "$s (SIG$(kill -l $((s - 128)) 2>/dev/null))"
	else
		echo "$s"
	fi
}

# run_prog MODE NAME [ARGS...]
run_prog() {
	local mode=$1 name=$2 a
	shift 2
	local args=() cmd=()
	_run_seq=$((_run_seq + 1))
	RUN_SCRATCH=
	for a in "$@"; do
		if [ "$a" = @SCRATCH@ ]; then
			RUN_SCRATCH=$(mktemp -d "$TAP_TMP/scratch-$name-$mode.XXXXXX")
			a=$RUN_SCRATCH
		fi
		args+=("$a")
	done
	if [ "$mode" = native ]; then
		cmd=("$NATIVE_BIN_DIR/$name")
	else
		cmd=("$SCONCE" run ${SCONCE_OPTS[@]+"${SCONCE_OPTS[@]}"} "$SCONCE_IMG_DIR/$name")
	fi
	RUN_OUT=$TAP_TMP/run$_run_seq-$name.$mode.out
	RUN_ERR=$TAP_TMP/run$_run_seq-$name.$mode.err
	# The outer subshell absorbs bash's "Bad system call" style report
	# about a child killed by a signal; the status is kept (128+N).
	(
		if [ -n "${RUN_CWD:-}" ]; then
			cd "$RUN_CWD" || exit 126
		fi
		if [ "$mode" = native ] && [ -n "${NATIVE_VMEM_KB:-}" ]; then
			ulimit -v "$NATIVE_VMEM_KB" || exit 126
		fi
		timeout -k 5 "$RUN_TIMEOUT" "${cmd[@]}" ${args[@]+"${args[@]}"} \
			<"${RUN_STDIN:-/dev/null}" >"$RUN_OUT" 2>"$RUN_ERR"
		exit $?
	) 2>/dev/null
	RUN_STATUS=$?
	return 0
}

# expect_status DESC WANT: TAP line for $RUN_STATUS; shows stderr on failure
expect_status() {
	local desc=$1 want=$2
	if [ "$RUN_STATUS" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "got status $(status_text "$RUN_STATUS"), want $(status_text "$want")"
		diag_file "$RUN_ERR" 20
	fi
}

# same_output DESC FILE_A FILE_B: TAP line, diff on failure
same_output() {
	local desc=$1 a=$2 b=$3
	if cmp -s "$a" "$b"; then
		ok "$desc"
	else
		not_ok "$desc"
		diff -u --label native --label sconce "$a" "$b" 2>&1 | head -n 40 |
			cut -c1-300 | sed 's/^/#   /'
	fi
}

# run_both [-s STATUS] [-d DESC] NAME [ARGS...]: 3 TAP lines
run_both() {
	local want=0 desc=
	while [ $# -gt 0 ]; do
		case $1 in
		-s)
			want=$2
			shift 2
			;;
		-d)
			desc=$2
			shift 2
			;;
		*) break ;;
		esac
	done
	local name=$1
	shift
	[ -n "$desc" ] || desc="$name${*:+ $*}"
	run_prog native "$name" "$@"
	# shellcheck disable=SC2034 # for the calling script
	{
		RUN_NATIVE_OUT=$RUN_OUT RUN_NATIVE_ERR=$RUN_ERR
		RUN_NATIVE_STATUS=$RUN_STATUS RUN_NATIVE_SCRATCH=$RUN_SCRATCH
	}
	expect_status "native: $desc: exit status $want" "$want"
	run_prog sconce "$name" "$@"
	expect_status "sconce: $desc: exit status $want" "$want"
	same_output "sconce: $desc: stdout matches native" "$RUN_NATIVE_OUT" "$RUN_OUT"
}

# have_tool NAME: true if the sconce tool exists (for diagnostics)
sconce_present() {
	[ -x "$SCONCE" ] && [ -x "$SCONCE_CC" ]
}

if ! sconce_present; then
	echo "# note: sconce tools not found in $SCONCE_BIN_DIR (set SCONCE_BIN_DIR or run make)"
fi

# flip_bit FILE OFFSET: invert the lowest bit of the byte at OFFSET (a
# tamper that always changes the file, unlike writing a fixed byte, which
# is a no-op when the byte already has that value).
flip_bit() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	[ -n "$b" ] || return 1
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
