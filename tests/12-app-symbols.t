#!/bin/bash
# The runtime is linked into the application's image, but its own names
# stay its own: libsconce.a exports only __sconce_* symbols, so that an
# application defining conn_new (memcached), rt, fs_init or an OpenSSL
# function links and keeps its definitions, and the runtime keeps its.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 4
lib=$BUILD_DIR/lib/libsconce.a
others=$(nm -g --defined-only "$lib" 2>"$TAP_TMP/nm.err" | awk 'NF == 3 && $3 !~ /^__sconce_/ {print $3}')
if [ -s "$lib" ] && [ ! -s "$TAP_TMP/nm.err" ] && [ -z "$others" ]; then
	ok "libsconce.a defines no global symbol outside __sconce_*"
else
	not_ok "libsconce.a defines no global symbol outside __sconce_*"
	diag "$(echo $others | cut -c1-300)"
	diag_file "$TAP_TMP/nm.err"
fi
build_one sconce app_symbols
if [ -x "$SCONCE_IMG_DIR/app_symbols" ]; then
	ok "an application defining runtime-internal and OpenSSL names links"
else
	not_ok "an application defining runtime-internal and OpenSSL names links"
	diag_file "$BUILD_LOG"
fi
run_prog sconce app_symbols
expect_status "it runs (I/O, a thread, a sleep) and exits 0" 0
cat >"$TAP_TMP/expected" <<'OUT'
written 42
conn_new 307 fs_init 42 net_poll -9 rt_forward 42 rt_yield 5
SHA256 3 EVP_MD_fetch mine
rt 1 2 3 4 fsv application fsv ia32cap 14
OUT
same_output "each side kept its own definitions" "$TAP_TMP/expected" "$RUN_OUT"
done_testing
