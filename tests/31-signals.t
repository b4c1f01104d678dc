#!/bin/bash
# Signals from outside the enclave.  sig_term prints "ready PID"; the test
# checks that PID is the launched process itself (`sconce run` under
# sconce: the application's getpid() is the launcher's pid), sends it a
# signal, and checks the handler ran (or, with no handler, that the
# process died from the signal).  Natively, then under sconce in adaptive,
# async and sync mode with 1 ethread and in async mode with 2.
set -u
. "$(dirname "$0")/lib/tap.sh"

# mode signal status expected-output-after-ready ('|' separates lines)
cases=(
	"pause TERM 0 got SIGTERM"
	"suspend TERM 0 got SIGTERM"
	"sleep TERM 0 nanosleep: EINTR|got SIGTERM"
	"sem TERM 0 sem_wait: EINTR|got SIGTERM"
	"thread USR1 0 handled on the thread that did not block it: yes|got SIGUSR1"
	"read TERM 0 read: EINTR|got SIGTERM"
	"read-restart TERM 0 read restarted: x|got SIGTERM"
	"epoll TERM 0 epoll_wait: EINTR|got SIGTERM"
	"thread-read USR1 0 read on the thread: EINTR|got SIGUSR1"
	"int INT 0 got SIGINT"
	"usr1 USR1 0 got SIGUSR1"
	"hup HUP 0 got SIGHUP"
	"abrt ABRT 0 got SIGABRT"
	"alarm - 0 got SIGALRM"
	"default TERM 143 "
	"default ABRT 134 "
	"default-read TERM 143 "
	"default-busy TERM 143 "
)
configs=(native "--syscalls=adaptive --ethreads 1" "--syscalls=async --ethreads 1"
	"--syscalls=sync --ethreads 1" "--syscalls=async --ethreads 2")
plan $((2 + ${#cases[@]} * ${#configs[@]}))
build_prog sig_term -lpthread

n=0
# signal_case CONFIG MODE SIGNAL STATUS EXPECTED: one TAP line
signal_case() {
	local cfg=$1 mode=$2 sig=$3 want=$4 expect=$5 cmd opts out err pid= i job problems=
	n=$((n + 1))
	out=$TAP_TMP/sig$n.out err=$TAP_TMP/sig$n.err
	if [ "$cfg" = native ]; then
		cmd=("$NATIVE_BIN_DIR/sig_term")
	else
		read -ra opts <<<"$cfg"
		cmd=("$SCONCE" run "${opts[@]}" "$SCONCE_IMG_DIR/sig_term")
	fi
	: >"$out"
	(
		timeout -k 3 10 "${cmd[@]}" "$mode" </dev/null >"$out" 2>"$err"
		echo $? >"$out.status"
	) 2>/dev/null &
	job=$!
	for i in $(seq 100); do
		pid=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$out" | head -n 1)
		[ -n "$pid" ] && break
		sleep 0.1
	done
	if [ -z "$pid" ]; then
		problems="no 'ready PID' line"
	else
		# the pid is the launched process: a child of timeout, named so
		local comm ppid pcomm wantcomm=sconce
		[ "$cfg" = native ] && wantcomm=sig_term
		comm=$(cat "/proc/$pid/comm" 2>/dev/null)
		ppid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)
		pcomm=$(cat "/proc/$ppid/comm" 2>/dev/null)
		[ "$comm" = "$wantcomm" ] && [ "$pcomm" = timeout ] ||
			problems="pid $pid is '$comm' (parent '$pcomm'), not the launched $wantcomm"
		sleep 0.3 # let it reach its wait
		[ "$sig" != - ] && kill -s "$sig" "$pid" 2>/dev/null
	fi
	wait "$job"
	local st
	st=$(cat "$out.status" 2>/dev/null || echo none)
	[ "$st" = "$want" ] || problems="$problems; status $(status_text "$st"), want $want"
	local got
	got=$(sed 1d "$out")
	[ "$got" = "$(printf '%s' "$expect" | tr '|' '\n')" ] ||
		problems="$problems; output after ready: '$(printf '%s' "$got" | tr '\n' '|')', want '$expect'"
	local what="SIG$sig"
	[ "$sig" = - ] && what="no signal sent"
	local desc="$cfg: sig_term $mode, $what: status $want${expect:+, $expect}"
	if [ -z "$problems" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "${problems#; }"
		diag_file "$err" 10
	fi
}

for c in "${cases[@]}"; do
	read -r mode sig want expect <<<"$c"
	for cfg in "${configs[@]}"; do
		signal_case "$cfg" "$mode" "$sig" "$want" "$expect"
	done
done
done_testing
