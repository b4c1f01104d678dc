#!/bin/bash
# sconce-cc links like gcc when main is in a static library named on the
# command line (Apache httpd links its main from server/libmain.a): the
# start files must come before the inputs, so that crt1's reference to
# main is known when the archive is searched.  And a command whose only
# inputs are -l libraries is a link too (it used to go to plain gcc).
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 5
d=$TAP_TMP/main-in-archive
mkdir -p "$d"
cat >"$d/m.c" <<'SRC'
#include <stdio.h>
int helper(void);
int main(void) { printf("main from an archive %d\n", helper()); return 0; }
SRC
cat >"$d/h.c" <<'SRC'
int helper(void) { return 42; }
SRC
if (cd "$d" && "$SCONCE_CC" -c m.c h.c && ar rcs libmain.a m.o && ar rcs libhelper.a h.o) >"$d/build.log" 2>&1; then
	ok "objects and archives build"
else
	not_ok "objects and archives build"
	diag_file "$d/build.log"
fi
if (cd "$d" && "$SCONCE_CC" -o prog -L. -lmain -lhelper) >"$d/link.log" 2>&1; then
	ok "an image links with main only in an archive (-lmain -lhelper)"
else
	not_ok "an image links with main only in an archive (-lmain -lhelper)"
	diag_file "$d/link.log"
fi
out=$(timeout 20 "$SCONCE" run "$d/prog" 2>&1)
check "it runs and prints main's output" test "$out" = "main from an archive 42"
if (cd "$d" && "$SCONCE_CC" -o prog2 h.o -L. -lmain) >"$d/link2.log" 2>&1; then
	ok "an image links from an object and main in an archive (h.o -lmain)"
else
	not_ok "an image links from an object and main in an archive (h.o -lmain)"
	diag_file "$d/link2.log"
fi
out=$(timeout 20 "$SCONCE" run "$d/prog2" 2>&1)
check "that one runs too" test "$out" = "main from an archive 42"
done_testing
