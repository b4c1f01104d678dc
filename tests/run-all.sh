#!/bin/bash
# Runs every tests/*.t (sorted), shows their TAP output, and ends with
# exactly one line "N passed, N failed" counting individual ok / not ok
# lines.  A script that exits non-zero (a harness crash), prints no plan,
# or whose number of results disagrees with its plan counts as one more
# failure.  Exit status 0 iff nothing failed.
#
#   tests/run-all.sh                 all scripts
#   tests/run-all.sh 10 40-net.t     only scripts whose names start so
#
# Works from any directory; the scripts find build/ relative to
# themselves (see tests/lib/tap.sh for SCONCE_BIN_DIR and friends).
set -u
here=$(cd "$(dirname "$0")" && pwd)
script_timeout=${SCONCE_SCRIPT_TIMEOUT:-1200}

scripts=()
while IFS= read -r t; do
	name=${t##*/}
	if [ $# -gt 0 ]; then
		want=0
		for a in "$@"; do
			case $name in "${a##*/}"*) want=1 ;; esac
		done
		[ "$want" = 1 ] || continue
	fi
	scripts+=("$t")
done < <(find "$here" -maxdepth 1 -name '*.t' -type f | LC_ALL=C sort)

passed=0
failed=0
tmp=$(mktemp "${TMPDIR:-/tmp}/sconce-run-all.XXXXXX") || exit 2
trap 'rm -f "$tmp"' EXIT

for t in ${scripts[@]+"${scripts[@]}"}; do
	name=${t##*/}
	echo "# ==== $name"
	timeout -k 10 "$script_timeout" bash "$t" </dev/null | tee "$tmp"
	st=${PIPESTATUS[0]}
	p=$(grep -cE '^ok($|[ 	])' "$tmp")
	f=$(grep -cE '^not ok($|[ 	])' "$tmp")
	plan=$(grep -m 1 -E '^1\.\.[0-9]+' "$tmp" | sed 's/^1\.\.\([0-9]*\).*/\1/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$st" != 0 ]; then
		echo "# $name: FAILED: exited with status $st (harness crash or timeout)"
		failed=$((failed + 1))
	elif [ -z "$plan" ]; then
		echo "# $name: FAILED: no TAP plan"
		failed=$((failed + 1))
	elif [ $((p + f)) != "$plan" ]; then
		echo "# $name: FAILED: planned $plan results, got $((p + f))"
		failed=$((failed + 1))
	else
		echo "# $name: $p passed, $f failed"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
