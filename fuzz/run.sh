#!/bin/bash
# fuzz/run.sh OUT SECONDS HARNESS...
# Runs each harness OUT/fuzz_HARNESS for SECONDS with its corpus in
# OUT/corpus/HARNESS (also reading fuzz/regress/HARNESS), crashes going to
# OUT/crashes/HARNESS/, the full log to OUT/log/HARNESS.log.  Prints per
# harness the executions per second and the coverage (cov/ft of libFuzzer's
# final line).  Exits 1 if any harness crashed.
set -u
out=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
status=0
summary=()
for h in "$@"; do
	bin=$out/fuzz_$h
	corpus=$out/corpus/$h
	crashes=$out/crashes/$h
	log=$out/log/$h.log
	mkdir -p "$corpus" "$crashes" "$out/log"
	seeds=()
	[ -d "$here/regress/$h" ] && seeds+=("$here/regress/$h")
	echo "== fuzz_$h for ${secs}s (corpus $corpus, log $log)"
	start=$SECONDS
	"$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -use_memcmp=0 \
		-artifact_prefix="$crashes/" "$corpus" ${seeds[@]+"${seeds[@]}"} >"$log" 2>&1
	st=$?
	took=$((SECONDS - start))
	final=$(grep -E '^#[0-9]+[[:space:]]' "$log" | grep ' cov: ' | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$final")
	ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<<"$final")
	corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$final")
	if [ "${eps:-0}" = 0 ] && [ -n "$execs" ] && [ "$took" -gt 0 ]; then
		eps=$((execs / took))
	fi
	line="fuzz_$h: ${execs:-?} runs in ${took}s, ${eps:-?} exec/s, cov: ${cov:-?} ft: ${ft:-?}, corpus: ${corp:-?} inputs"
	if [ "$st" != 0 ]; then
		crash=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
		grep -E 'BUG|ERROR: |runtime error' "$log" | head -n 5
		line="$line; CRASHED (status $st): ${crash:-see $log}"
		[ -n "$crash" ] && echo "   keep it as a regression test: cp $crash fuzz/regress/$h/<what-it-shows>"
		status=1
	fi
	echo "$line"
	summary+=("$line")
done
echo "== fuzz summary"
printf '%s\n' ${summary[@]+"${summary[@]}"}
exit $status
