#!/bin/bash
# Which path forwarded calls take, as `sconce run --stats` counts them:
# sync exits every time, async always queues, and adaptive (the default)
# exits while no other thread can need the ethread and queues otherwise.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 11

build_prog files
build_prog mt_pipe_pc -lpthread

# calls MODE-OPTIONS... PROGRAM: run with --stats; sets ASYNC and SYNC
calls() {
	local prog=${!#}
	SCONCE_OPTS=(--stats "${@:1:$#-1}")
	run_prog sconce "$prog" @SCRATCH@
	ASYNC=$(sed -n 's/^sconce: calls: \([0-9]*\) async, \([0-9]*\) sync.*/\1/p' "$RUN_ERR")
	SYNC=$(sed -n 's/^sconce: calls: \([0-9]*\) async, \([0-9]*\) sync.*/\2/p' "$RUN_ERR")
	if [ "$RUN_STATUS" != 0 ] || [ -z "$ASYNC" ] || [ -z "$SYNC" ]; then
		diag "status $(status_text "$RUN_STATUS")"
		diag_file "$RUN_ERR" 10
		ASYNC=-1 SYNC=-1
	fi
}

check() { # DESC CONDITION...
	local desc=$1
	shift
	if [ "$ASYNC" -ge 0 ] && "$@"; then ok "$desc"; else not_ok "$desc"; diag "async $ASYNC, sync $SYNC"; fi
}

calls --syscalls=sync files
check "sync, one thread: every call exits" test "$ASYNC" = 0 -a "$SYNC" -gt 100
calls --syscalls=async files
check "async, one thread: every call queued" test "$SYNC" = 0 -a "$ASYNC" -gt 100
calls files
check "default (adaptive), one thread: every call exits" test "$ASYNC" = 0 -a "$SYNC" -gt 100
calls --syscalls=adaptive --ethreads 1 mt_pipe_pc
check "adaptive, 8 threads on 1 ethread: blocked threads' calls are queued" test "$ASYNC" -gt 100
check "adaptive, 8 threads on 1 ethread: calls exit when nothing else could run" test "$SYNC" -gt 0
calls --syscalls=async --ethreads 1 mt_pipe_pc
check "async, 8 threads: no call exits" test "$SYNC" = 0 -a "$ASYNC" -gt 100

# The mode is checked before anything runs.
SCONCE_OPTS=(--syscalls=fast)
run_prog sconce files @SCRATCH@
if [ "$RUN_STATUS" = 1 ] && grep -q "syscalls: 'fast' is not adaptive, async or sync" "$RUN_ERR"; then
	ok "--syscalls=fast is refused, naming the mode"
else
	not_ok "--syscalls=fast is refused, naming the mode"; diag "status $RUN_STATUS"; diag_file "$RUN_ERR"
fi
