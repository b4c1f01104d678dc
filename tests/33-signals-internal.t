#!/bin/bash
# Signals raised inside the enclave: SIGPIPE from writes and sends on
# broken pipes and sockets (ignored, handled, default action, MSG_NOSIGNAL),
# raise/pthread_kill/kill to self and to other threads, blocking and
# unblocking, abort, sigwait; and faults (NULL dereference, ud2, division
# by zero), which sconce reports as "... inside the enclave at 0x...".
# Each case runs natively, then under sconce (async and sync, 1 ethread;
# async, 2 ethreads); status and stdout must equal the expected ones.
set -u
. "$(dirname "$0")/lib/tap.sh"

# program mode status configs(1 = all three, 2 = only the 2-ethread ones)
cases=(
	"sig_pipe ignore 0 1" "sig_pipe handler 0 1" "sig_pipe nosignal 0 1"
	"sig_pipe default 141 1" "sig_pipe send 141 1"
	"sig_raise basic 0 1" "sig_raise busy 0 2" "sig_raise abort 134 1"
	"sig_raise abort-handler 134 1" "sig_raise kill-default 138 1"
	"sig_raise kill-blocked 143 1" "sig_raise sigwait 0 1"
	"sig_fault null 139 1" "sig_fault read 139 1" "sig_fault thread 139 1"
	"sig_fault ill 132 1" "sig_fault fpe 136 1"
)
configs1=("--syscalls=async --ethreads 1" "--syscalls=sync --ethreads 1"
	"--syscalls=async --ethreads 2")
configs2=("--syscalls=async --ethreads 2" "--syscalls=sync --ethreads 2")
plan $((6 + 4 * ${#cases[@]} - 1))

for p in sig_pipe sig_raise sig_fault; do
	build_prog $p -lpthread
done

# the line sconce prints for a fault, by signal status
fault_text() {
	case $1 in
	139) echo "Segmentation fault" ;;
	132) echo "Illegal instruction" ;;
	136) echo "Floating point exception" ;;
	esac
}

for c in "${cases[@]}"; do
	read -r prog mode want which <<<"$c"
	run_prog native "$prog" "$mode"
	REF=$TAP_TMP/ref-$prog-$mode.out
	cp "$RUN_OUT" "$REF"
	expect_status "native: $prog $mode: exit status $want" "$want"
	if [ "$which" = 1 ]; then
		cfgs=("${configs1[@]}")
	else
		cfgs=("${configs2[@]}")
	fi
	for cfg in "${cfgs[@]}"; do
		read -ra SCONCE_OPTS <<<"$cfg"
		run_prog sconce "$prog" "$mode"
		problems=
		[ "$RUN_STATUS" = "$want" ] ||
			problems="status $(status_text "$RUN_STATUS"), want $(status_text "$want")"
		cmp -s "$REF" "$RUN_OUT" || problems="$problems; stdout differs from native"
		desc="sconce $cfg: $prog $mode: status $want, stdout matches native"
		if [ "$prog" = sig_fault ]; then
			grep -Eq "^sconce: $(fault_text "$want") inside the enclave at 0x[0-9a-f]+ " "$RUN_ERR" ||
				problems="$problems; no 'inside the enclave at 0x' report"
			desc="$desc, reported"
		fi
		if [ -z "$problems" ]; then
			ok "$desc"
		else
			not_ok "$desc"
			diag "${problems#; }"
			diag_file "$RUN_ERR" 10
			diff -u --label native --label sconce "$REF" "$RUN_OUT" | head -n 12 | sed 's/^/#   /'
		fi
	done
done
done_testing
