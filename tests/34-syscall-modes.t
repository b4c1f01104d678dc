#!/bin/bash
# Which path forwarded calls take, as `sconce run --stats` counts them:
# sync exits every time, async always queues, and adaptive (the default)
# exits while no other thread can need the ethread and queues otherwise.
# Then how many ethreads run: all by default, in async mode without
# --ethreads the CPUs the workers leave, or --active-ethreads.
set -u
. "$(dirname "$0")/lib/tap.sh"

plan 24

build_prog files
build_prog mt_pipe_pc -lpthread
build_prog poll_wait

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

# ethreads: the --stats line "ethreads: R of L run"
running() { sed -n 's/^sconce: ethreads: \([0-9]*\) of \([0-9]*\) run$/\1 \2/p' "$RUN_ERR"; }
cpus=$(nproc)
want=$((cpus > 2 ? cpus - 2 : 1)); [ "$want" -gt 8 ] && want=8
calls --syscalls=async --workers 2 mt_pipe_pc
if [ "$(running)" = "$want 8" ]; then ok "async: $want of 8 ethreads run on $cpus CPUs with 2 workers"
else not_ok "async: $want of 8 ethreads run on $cpus CPUs with 2 workers"; diag "got: $(running)"; fi
check "async with fewer ethreads: 8 threads' calls all queued" test "$SYNC" = 0 -a "$ASYNC" -gt 100
calls --syscalls=async --ethreads 3 mt_pipe_pc
if [ "$(running)" = "3 3" ]; then ok "async with --ethreads 3: all 3 run"
else not_ok "async with --ethreads 3: all 3 run"; diag "got: $(running)"; fi
calls mt_pipe_pc
if [ "$(running)" = "8 8" ]; then ok "adaptive: all 8 ethreads run"
else not_ok "adaptive: all 8 ethreads run"; diag "got: $(running)"; fi
calls --active-ethreads 3 --ethreads 5 mt_pipe_pc
if [ "$(running)" = "3 5" ]; then ok "--active-ethreads 3 of --ethreads 5"
else not_ok "--active-ethreads 3 of --ethreads 5"; diag "got: $(running)"; fi
check "adaptive on 3 of 5 ethreads: blocked threads' calls queued" test "$ASYNC" -gt 100
calls --syscalls=async --active-ethreads 2 mt_pipe_pc
if [ "$(running)" = "2 8" ]; then ok "--active-ethreads overrides the async default"
else not_ok "--active-ethreads overrides the async default"; diag "got: $(running)"; fi
# A completion wakes the one running ethread when it sleeps (the workers
# count only ethreads that run).
SCONCE_OPTS=(--syscalls=async --active-ethreads 1)
run_both -d "async on 1 of 8 ethreads: a sleeping ethread is woken for each answer" poll_wait

SCONCE_OPTS=(--ethreads 4 --active-ethreads 5)
run_prog sconce files @SCRATCH@
if [ "$RUN_STATUS" = 1 ] && grep -q "active-ethreads: 5 is more than the enclave's 4 ethreads" "$RUN_ERR"; then
	ok "more active ethreads than the enclave has is refused"
else
	not_ok "more active ethreads than the enclave has is refused"; diag "status $RUN_STATUS"; diag_file "$RUN_ERR"
fi
