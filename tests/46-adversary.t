#!/bin/bash
# The host is hostile: for every case of `sconce run --adversary=CASE` the
# enclave stops with a security error naming the call and the rule
# (status 125), before the victim's step that would use the lie.  The
# double-fetch case may also end cleanly, but never with wrong data.
set -u
. "$(dirname "$0")/lib/tap.sh"

# case ; mode ; expected "call: rule" (a regular expression) ; victim step that must not print
expect=(
"read-oversized;async;read: result larger than the requested count;ok read"
"read-bad-error;sync;read: error value out of range;ok read"
"fstat-negative-size;async;fstat: negative file size;ok fstat"
"openat-bad-fd;sync;openat: descriptor number out of range;ok openat"
"getdents-malformed;async;getdents64: directory record length out of bounds;ok getdents"
"accept-sockaddr-oversized;async;accept4: socket address length larger than the buffer;ok accept"
"poll-count;sync;poll: result larger than the requested count;ok poll"
"poll-phantom;async;poll: result does not match the returned events;ok poll"
"epoll-count;async;epoll_pwait: result larger than the requested count;ok epoll"
"epoll-foreign-fd;sync;epoll_pwait: event for a descriptor that was never registered;ok epoll"
"clock-backwards;sync;clock_gettime: monotonic clock went backwards;ok clock"
"recvmsg-pointer;async;recvmsg: the host pointed the message header into the enclave;ok recvmsg"
"unsolicited-completion;async;completion queue: response for a slot with no request;done"
"replayed-completion;async;completion queue: (replayed response for an earlier request|response for a slot with no request);done"
"injected-signal;async;signal: the host delivered a signal the enclave cannot have received;done"
"unarmed-alarm;sync;signal: the host delivered a signal the enclave cannot have received;done"
)

plan $((4 + ${#expect[@]} * 2 + 1))
build_one sconce adversary_victim && ok "build the victim" || { not_ok "build the victim"; diag_file "$BUILD_LOG"; }

# Refused without the environment variable, listed with list.
SCONCE_OPTS=(--adversary=read-oversized)
run_prog sconce adversary_victim @SCRATCH@
if [ "$RUN_STATUS" = 1 ] && grep -q 'SCONCE_ALLOW_ADVERSARY=1' "$RUN_ERR" && ! grep -q '^ok' "$RUN_OUT"; then
	ok "--adversary is refused without SCONCE_ALLOW_ADVERSARY=1"
else
	not_ok "--adversary is refused without SCONCE_ALLOW_ADVERSARY=1"; diag_file "$RUN_ERR"
fi
listed=$("$SCONCE" run --adversary=list | awk '{print $1}' | sort | tr '\n' ' ')
# torn-fspf is a crash, not a lie: tests/54-fs-crash.t uses it; slow-clock
# a delay: tests/70-time-ids-random.t
mine=$(for e in "${expect[@]}" double-fetch torn-fspf slow-clock; do echo "${e%%;*}"; done | sort | tr '\n' ' ')
[ "$listed" = "$mine" ] && ok "--adversary=list lists every case, one per line, all tested here" ||
	{ not_ok "--adversary=list lists every case, one per line, all tested here"; diag "listed: $listed"; diag "tested: $mine"; }
SCONCE_OPTS=()
run_prog sconce adversary_victim @SCRATCH@
[ "$RUN_STATUS" = 0 ] && grep -qx done "$RUN_OUT" && ok "the victim completes with an honest host" ||
	{ not_ok "the victim completes with an honest host"; diag_file "$RUN_OUT"; diag_file "$RUN_ERR"; }

export SCONCE_ALLOW_ADVERSARY=1
for e in "${expect[@]}"; do
	IFS=';' read -r name mode rule step <<<"$e"
	SCONCE_OPTS=(--syscalls="$mode" --adversary="$name")
	run_prog sconce adversary_victim @SCRATCH@
	# The replay lands on a free slot or on the slot's next request:
	# both are caught, with different words.
	if [ "$RUN_STATUS" = 125 ] && grep -qE "security violation: $rule" "$RUN_ERR"; then
		ok "$name: stops with '$rule'"
	else
		not_ok "$name: stops with '$rule'"; diag "status $RUN_STATUS"; diag_file "$RUN_ERR"
	fi
	if grep -qx "$step" "$RUN_OUT" || grep -q '^FAIL' "$RUN_OUT"; then
		not_ok "$name: the victim never got past the lie ($step)"; diag_file "$RUN_OUT"
	else
		ok "$name: the victim never got past the lie ($step)"
	fi
done

# Double fetch: the host keeps rewriting the answer (result and data)
# after posting it.  The enclave reads each value once and validates what
# it read, so a run may end cleanly, stop with a security error, or - as
# the data of a plain file is the host's to give - see wrong bytes and
# fail its own check (status 1); it must never crash or hang.
fine=1
for i in 1 2 3 4 5; do
	SCONCE_OPTS=(--adversary=double-fetch)
	run_prog sconce adversary_victim @SCRATCH@
	case $RUN_STATUS in
	0) grep -qx done "$RUN_OUT" || fine=0 ;;
	125) grep -q 'security violation' "$RUN_ERR" || fine=0 ;;
	1) grep -aq 'FAIL' "$RUN_OUT" || fine=0 ;;
	*) fine=0 ;;
	esac
	[ $fine = 1 ] || break
done
[ $fine = 1 ] && ok "double-fetch: no crash or hang; clean, security error or wrong-data failure only" ||
	{ not_ok "double-fetch: no crash or hang; clean, security error or wrong-data failure only"; diag "status $RUN_STATUS"; diag_file "$RUN_OUT"; diag_file "$RUN_ERR"; }
done_testing
