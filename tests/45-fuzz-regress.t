#!/bin/bash
# Every input the fuzz harnesses ever crashed on (fuzz/regress/HARNESS/)
# replays through the current runtime sources without a crash: the bugs
# they found stay fixed.  `make fuzz-regress` does the work; fuzzing itself
# (`make fuzz`) is not part of `make check`.  Skipped without clang and
# libFuzzer (Debian: clang-14, libclang-rt-14-dev).
set -u
. "$(dirname "$0")/lib/tap.sh"

harnesses=(forward boot queue)
plan $((1 + ${#harnesses[@]}))

probe=$TAP_TMP/probe
if ! command -v clang >/dev/null ||
	! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' |
		clang -x c - -fsanitize=fuzzer,address,undefined -o "$probe" >/dev/null 2>&1; then
	skip "build the fuzz harnesses" "clang with libFuzzer is not available"
	for h in "${harnesses[@]}"; do
		skip "fuzz_$h: saved inputs replay without a crash" "clang with libFuzzer is not available"
	done
	exit 0
fi

# Not the caller's jobserver or variables: this is a make of its own.
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$ROOT_DIR" B="$BUILD_DIR" "$@"; }

log=$TAP_TMP/build.log
if mk fuzz-build FUZZ_HARNESSES="${harnesses[*]}" >"$log" 2>&1; then
	ok "build the fuzz harnesses"
else
	not_ok "build the fuzz harnesses"
	diag_file "$log"
fi

for h in "${harnesses[@]}"; do
	log=$TAP_TMP/regress-$h.log
	n=$(find "$ROOT_DIR/fuzz/regress/$h" -type f ! -name '*.md' 2>/dev/null | wc -l)
	if mk fuzz-regress FUZZ_HARNESSES="$h" >"$log" 2>&1; then
		ok "fuzz_$h: $n saved inputs replay without a crash"
	else
		not_ok "fuzz_$h: $n saved inputs replay without a crash"
		diag_file "$log"
	fi
done
