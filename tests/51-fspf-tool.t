#!/bin/bash
# sconce fspf: create, add-region, add (encrypt a tree in place), list,
# verify and export; --help for every command; errors as
# "sconce: <what>: <why>".
set -u
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fspf.sh"

plan 17
d=$TAP_TMP/vol
mkvol "$d" encrypted
check "create and add-region" test -s "$d/vol.fspf" -a -s "$d/key" -a -s "$d/tag" -a -s "$d/c.conf"
grep -Eqx '[0-9a-f]{32}' "$d/tag"
check "the tag file holds 32 hex digits" test $? = 0

mkdir -p "$d/data/sub/deeper" "$d/orig"
echo "hello" >"$d/data/a.txt"
: >"$d/data/empty"
head -c 100000 /dev/urandom >"$d/data/sub/b.bin"
head -c 4096 /dev/urandom >"$d/data/sub/deeper/exact"
cp -a "$d/data/." "$d/orig/"
fspf add --config "$d/c.conf" "$d/data" >"$TAP_TMP/add.log" 2>&1
expect_in "$TAP_TMP/add.log" '4 file\(s\) protected' "add protects every file of the tree"
if cmp -s "$d/data/sub/b.bin" "$d/orig/sub/b.bin"; then
	not_ok "files are encrypted in place"
else
	ok "files are encrypted in place"
fi
fspf list --config "$d/c.conf" >"$TAP_TMP/list.log" 2>&1
expect_in "$TAP_TMP/list.log" "file +encrypted +100000 bytes .*sub/b.bin" "list shows files with plaintext sizes"
expect_in "$TAP_TMP/list.log" "region encrypted +$d/data" "list shows the region"
fspf verify --config "$d/c.conf" >"$TAP_TMP/verify.log" 2>&1
st=$?
check "verify: intact volume, exit 0" test $st = 0
fspf export --config "$d/c.conf" "$d/data" "$TAP_TMP/out" >"$TAP_TMP/export.log" 2>&1 &&
	diff -r "$d/orig" "$TAP_TMP/out" >>"$TAP_TMP/export.log" 2>&1
st=$?
check "export decrypts the tree to the original" test $st = 0 || diag_file "$TAP_TMP/export.log"
fspf export --config "$d/c.conf" "$d/data/a.txt" "$TAP_TMP/one" >/dev/null 2>&1 &&
	cmp -s "$TAP_TMP/one" "$d/orig/a.txt"
check "export of one file" test $? = 0

# --help for each command
hs=0
for c in create add-region add list verify export; do
	fspf "$c" --help | grep -q "^usage: sconce fspf $c" || { hs=1; diag "no usage for $c"; }
done
check "every command has --help" test $hs = 0
fspf --help | grep -q "^usage: sconce fspf COMMAND"
check "sconce fspf --help" test $? = 0

# errors
fspf bogus >"$TAP_TMP/e1" 2>&1
expect_in "$TAP_TMP/e1" "^sconce: fspf: 'bogus' is not an fspf command" "unknown command: sconce: <what>: <why>"
fspf list --key 00 "$d/vol.fspf" >"$TAP_TMP/e2" 2>&1
expect_in "$TAP_TMP/e2" "^sconce: fspf list: --key: not 64 hex digits" "malformed key"
fspf list --key "$(printf '%064d' 0)" --tag-file "$d/tag" "$d/vol.fspf" >"$TAP_TMP/e3" 2>&1
expect_in "$TAP_TMP/e3" "^sconce: fspf list: .*vol.fspf: authentication failed" "wrong key is detected"
fspf list --key-file "$d/key" --tag 00000000000000000000000000000000 "$d/vol.fspf" >"$TAP_TMP/e4" 2>&1
expect_in "$TAP_TMP/e4" "^sconce: fspf list: .*tag differs from the expected tag" "unexpected tag is detected"
fspf add-region --config "$d/c.conf" relative/path encrypted >"$TAP_TMP/e5" 2>&1
expect_in "$TAP_TMP/e5" "^sconce: fspf add-region: relative/path: the region path must be absolute" "relative region refused"
fspf create --key-file "$d/key" "$d/vol.fspf" >"$TAP_TMP/e6" 2>&1
expect_in "$TAP_TMP/e6" "^sconce: fspf create: .*: already exists" "create refuses to overwrite"
done_testing
