#!/bin/bash
# fuzz/regress.sh OUT HARNESS...
# Replays every input saved in fuzz/regress/HARNESS/ through OUT/fuzz_HARNESS
# once (no fuzzing).  Exits 1 if any of them crashes.
set -u
out=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
status=0
mkdir -p "$out/log"
for h in "$@"; do
	files=()
	if [ -d "$here/regress/$h" ]; then
		while IFS= read -r f; do files+=("$f"); done \
			< <(find "$here/regress/$h" -type f ! -name '*.md' | LC_ALL=C sort)
	fi
	if [ ${#files[@]} = 0 ]; then
		echo "fuzz_$h: no saved inputs"
		continue
	fi
	log=$out/log/regress-$h.log
	if "$out/fuzz_$h" "${files[@]}" >"$log" 2>&1; then
		echo "fuzz_$h: ${#files[@]} saved inputs replayed without a crash"
	else
		last=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
		echo "fuzz_$h: CRASH replaying ${last:-a saved input} (log $log)"
		grep -E 'BUG|ERROR: |runtime error' "$log" | head -n 5
		status=1
	fi
done
exit $status
