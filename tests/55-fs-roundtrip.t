#!/bin/bash
# Round trip of a directory tree: encrypt it with `sconce fspf add`, let
# an application inside the enclave change it (append, create, rename,
# delete, rewrite and shrink), export it with the key, and compare with
# the same application run natively on a plain copy.
set -u
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fspf.sh"
RUN_TIMEOUT=${SCONCE_TEST_TIMEOUT:-120}

plan 7
build_prog fs_tool
v=$TAP_TMP/vol
mkvol "$v" encrypted
t=$v/data/tree
mkdir -p "$t/sub/deep"
echo "first line" >"$t/notes.txt"
echo "bye" >"$t/sub/delete-me"
echo "renamed" >"$t/sub/old-name"
head -c 400000 /dev/urandom >"$t/big.bin"
head -c 5000 /dev/urandom >"$t/sub/deep/keep.bin"
cp -a "$t" "$TAP_TMP/plain"
fspf add --config "$v/c.conf" "$t" >"$TAP_TMP/add.log" 2>&1
check "encrypt the tree in place (sconce fspf add)" test $? = 0
run_prog native fs_tool tree "$TAP_TMP/plain"
expect_status "native: fs_tool tree on the plain copy" 0
in_vol "$v" fs_tool tree "$t"
expect_status "sconce: fs_tool tree on the encrypted tree" 0
fspf export --config "$v/c.conf" "$t" "$TAP_TMP/exported" >"$TAP_TMP/export.log" 2>&1
check "export the tree" test $? = 0 || diag_file "$TAP_TMP/export.log"
diff -r "$TAP_TMP/plain" "$TAP_TMP/exported" >"$TAP_TMP/diff" 2>&1
check "exported tree equals the natively changed copy" test $? = 0 || diag_file "$TAP_TMP/diff"
done_testing
