#!/usr/bin/env bash
# GNU hello from Debian's archive, built the autotools way with
# CC=sconce-cc ./configure && make, run inside the enclave and compared
# with the same sources built natively with gcc.  TAP output; logs are kept
# in build/tests/autotools/ and shown when a step fails.
set -u
cd "$(dirname "$0")/.." || exit 1
root=$PWD
sha=31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b
src=build/src/hello
out=$root/build/tests/autotools
sconce=$root/build/bin/sconce
n=0

echo "1..9"
ok() { # ok STATUS DESCRIPTION [LOG]: one TAP line, the log's tail on failure
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -f "$3" ] && tail -n 40 "$3" | sed 's/^/#   /'
	fi
	return 0
}
# run DIR LOG CMD...: run CMD in DIR quietly, output to LOG
run() { local d=$1 log=$2; shift 2; (cd "$d" && "$@") >"$log" 2>&1; }

rm -rf "$out"
mkdir -p "$out"

# 1. The pinned source, fetched once; the stamp records which tarball it is.
if [ -f "$src/configure" ] && [ "$(cat "$src/.sconce-sha256" 2>/dev/null)" = "$sha" ]; then
	echo "fetched earlier" >"$out/fetch.log"
	st=0
else
	scripts/debian-source.sh hello 2.10-3 hello_2.10.orig.tar.gz "$sha" "$src" \
		>"$out/fetch.log" 2>&1 && echo "$sha" >"$src/.sconce-sha256"
	st=$?
fi
ok $st "fetch hello 2.10-3 from Debian (sha256 pinned)" "$out/fetch.log"

# Scratch copies (cp -a keeps the timestamps, so make does not try to
# rerun automake).  The native build runs alongside the enclave build.
for v in enclave native; do
	[ -f "$src/configure" ] && cp -a "$src" "$out/$v"
done
(
	run "$out/native" "$out/native-configure.log" env CC=gcc ./configure --disable-nls &&
		run "$out/native" "$out/native-make.log" make -j2
	echo $? >"$out/native.status"
) &
native_pid=$!

# 2-3. configure and make with sconce-cc as the compiler.
run "$out/enclave" "$out/configure.log" env CC="$root/build/bin/sconce-cc" ./configure --disable-nls
st=$?
[ $st != 0 ] && [ -f "$out/enclave/config.log" ] && # the failing test, from config.log
	awk '/^## Cache variables/ { exit } { print }' "$out/enclave/config.log" |
	tail -n 15 >>"$out/configure.log"
ok $st "CC=sconce-cc ./configure --disable-nls" "$out/configure.log"
if [ $st = 0 ]; then
	run "$out/enclave" "$out/make.log" make -j2
	st=$?
else
	echo "not run: configure failed" >"$out/make.log"
fi
ok $st "make -j2" "$out/make.log"
hello=$out/enclave/hello

# 4. The result is an enclave image with a measurement.
"$sconce" measure "$hello" >"$out/measure.log" 2>&1
grep -Eqx '[0-9a-f]{64}' "$out/measure.log"
ok $? "hello is an enclave image (sconce measure prints MRENCLAVE)" "$out/measure.log"

# in_enclave NAME ARGS...: run hello inside the enclave, keep its output
in_enclave() {
	local name=$1; shift
	: >"$out/$name.out"
	[ -f "$hello" ] || { echo "not run: no hello was built" >"$out/$name.err"; return; }
	(cd "$out/enclave" && LC_ALL=C "$sconce" run ./hello "$@") \
		>"$out/$name.out" 2>"$out/$name.err"
	echo "exit status $?" >>"$out/$name.err"
}

# 5-7. Run it.
in_enclave plain
[ "$(cat "$out/plain.out")" = "Hello, world!" ]
ok $? "sconce run ./hello prints Hello, world!" "$out/plain.err"
in_enclave greet -g Bonjour
[ "$(cat "$out/greet.out")" = "Bonjour" ]
ok $? "sconce run ./hello -g Bonjour prints Bonjour" "$out/greet.err"
in_enclave version --version
head -n 1 "$out/version.out" | grep -qx 'hello (GNU Hello) 2.10' &&
	grep -qx 'exit status 0' "$out/version.err"
ok $? "sconce run ./hello --version" "$out/version.err"

# 8-9. The native build, and the same behaviour inside and outside.
wait "$native_pid"
st=$(cat "$out/native.status" 2>/dev/null || echo 1)
ok "$st" "native build with gcc" "$out/native-make.log"
cases=("" "-g Bonjour" "-t" "--version" "--help")
: >"$out/compare.log"
same=0
[ -f "$hello" ] || { same=1; echo "not run: no hello was built" >"$out/compare.log"; }
for i in "${!cases[@]}"; do
	[ -f "$hello" ] || break
	# shellcheck disable=SC2086 # each case is a list of words
	in_enclave "case$i" ${cases[$i]}
	# shellcheck disable=SC2086
	(cd "$out/native" && LC_ALL=C ./hello ${cases[$i]}) >"$out/native$i.out" 2>"$out/native$i.err"
	echo "exit status $?" >>"$out/native$i.err"
	for s in out err; do
		diff -u "$out/native$i.$s" "$out/case$i.$s" >>"$out/compare.log" ||
			{ same=1; echo "# differs for hello ${cases[$i]} ($s)" >>"$out/compare.log"; }
	done
done
ok $same "enclave output and exit status equal the native build's" "$out/compare.log"
exit 0
