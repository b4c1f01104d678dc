#!/bin/bash
# Transparent file semantics inside protected regions: fs_semantics and
# files (tests/enclave) run natively in a plain directory and inside the
# enclave in an encrypted and in an authenticated region; same output,
# the volume verifies afterwards, the disk holds ciphertext (encrypted)
# or plaintext (authenticated).  A volume without a tag file is read-only.
set -u
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fspf.sh"
RUN_TIMEOUT=${SCONCE_TEST_TIMEOUT:-120} # commits fsync; machines are slow

plan 22
build_prog fs_semantics -pthread
build_prog files
build_one sconce fs_tool
check "build fs_tool (sconce)" test $? = 0

run_prog native fs_semantics @SCRATCH@
expect_status "native: fs_semantics" 0
nat_sem=$RUN_OUT
run_prog native files @SCRATCH@
expect_status "native: files" 0
nat_files=$RUN_OUT

for mode in encrypted authenticated; do
	v=$TAP_TMP/$mode
	mkvol "$v" "$mode"
	mkdir -p "$v/data/sem" "$v/data/files"
	in_vol "$v" fs_semantics "$v/data/sem" protected
	expect_status "$mode: fs_semantics in the enclave" 0
	same_output "$mode: fs_semantics output matches native" "$nat_sem" "$RUN_OUT"
	in_vol "$v" files "$v/data/files"
	expect_status "$mode: files in the enclave" 0
	same_output "$mode: files output matches native" "$nat_files" "$RUN_OUT"
	fspf verify --config "$v/c.conf" >"$TAP_TMP/verify-$mode" 2>&1
	st=$?
	check "$mode: the volume verifies afterwards" test $st = 0 || diag_file "$TAP_TMP/verify-$mode"
	if [ "$mode" = encrypted ]; then
		! grep -q "sconce files test" "$v/data/files/result.txt"
		check "encrypted: result.txt is ciphertext on the host" test $? = 0
	else
		grep -q "sconce files test" "$v/data/files/result.txt"
		check "authenticated: result.txt is plaintext on the host" test $? = 0
	fi
done

# read-only: the configuration pins a tag but names no tag file
v=$TAP_TMP/encrypted
grep -v '^fspf_tag_file' "$v/c.conf" >"$v/ro.conf"
echo "fspf_tag = $(cat "$v/tag")" >>"$v/ro.conf"
(
	SCONCE_OPTS=(--config "$v/ro.conf")
	run_prog sconce fs_tool cat "$v/data/files/result.txt"
	echo "$RUN_STATUS" >"$TAP_TMP/ro1.status"
	cp "$RUN_OUT" "$TAP_TMP/ro1.out"
	run_prog sconce fs_tool write "$v/data/files/result.txt" nope
	echo "$RUN_STATUS" >"$TAP_TMP/ro2.status"
	cp "$RUN_OUT" "$TAP_TMP/ro2.out"
	cp "$RUN_ERR" "$TAP_TMP/ro2.err"
)
grep -q "sconce files test" "$TAP_TMP/ro1.out"
check "read-only volume: reading works" test $? = 0
expect_in "$TAP_TMP/ro2.out" "error: Read-only file system" "read-only volume: writing fails with EROFS"
expect_in "$TAP_TMP/ro2.err" "read-only" "read-only volume: the log says why"
done_testing
