#!/bin/bash
# User-level threads (M:N) inside the enclave: creation and join, mutex,
# condvar, rwlock and barrier stress, timed waits, sleeps, thread-local
# state, concurrent clock reads, joining threads that are still exiting.
# Each program runs natively once, then under sconce in the three system-call
# modes with 1 and 2 ethreads; status must be 0 and stdout equal native's.
set -u
. "$(dirname "$0")/lib/tap.sh"

progs=(mt_create_join mt_sync mt_timedwait mt_sleep mt_tls mt_clock mt_exit_join)
configs=("--syscalls=adaptive --ethreads 1" "--syscalls=adaptive --ethreads 2"
	"--syscalls=async --ethreads 1" "--syscalls=async --ethreads 2"
	"--syscalls=sync --ethreads 1" "--syscalls=sync --ethreads 2")
repeat_configs=("--syscalls=async --ethreads 2" "--syscalls=sync --ethreads 2")
plan $((${#progs[@]} * (3 + ${#configs[@]}) + ${#repeat_configs[@]}))

# in_enclave CONFIG NAME [ARGS...]: status 0 and stdout equal to $REF
in_enclave() {
	local cfg=$1 desc
	shift
	read -ra SCONCE_OPTS <<<"$cfg"
	run_prog sconce "$@"
	desc="sconce $cfg: $*: exit status 0, stdout matches native"
	if [ "$RUN_STATUS" = 0 ] && cmp -s "$REF" "$RUN_OUT"; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc"
	diag "status $(status_text "$RUN_STATUS")"
	diag_file "$RUN_ERR" 10
	diff -u --label native --label sconce "$REF" "$RUN_OUT" | head -n 20 | sed 's/^/#   /'
	return 1
}

for p in "${progs[@]}"; do
	build_prog "$p" -lpthread
	run_prog native "$p"
	REF=$TAP_TMP/ref-$p.out
	cp "$RUN_OUT" "$REF"
	expect_status "native: $p: exit status 0" 0
	for cfg in "${configs[@]}"; do
		in_enclave "$cfg" "$p"
	done
done

# The exit/join race does not show on every run: three more runs each.
for cfg in "${repeat_configs[@]}"; do
	REF=$TAP_TMP/ref-mt_exit_join.out
	read -ra SCONCE_OPTS <<<"$cfg"
	bad=
	for i in 1 2 3; do
		run_prog sconce mt_exit_join
		if [ "$RUN_STATUS" != 0 ] || ! cmp -s "$REF" "$RUN_OUT"; then
			bad="run $i: status $(status_text "$RUN_STATUS")"
			break
		fi
	done
	if [ -z "$bad" ]; then
		ok "sconce $cfg: mt_exit_join: 3 more runs pass"
	else
		not_ok "sconce $cfg: mt_exit_join: 3 more runs pass"
		diag "$bad"
		diag_file "$RUN_ERR" 10
	fi
done
done_testing
