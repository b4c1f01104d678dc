#!/bin/bash
# A `syscall` instruction executed inside the enclave is stopped: sconce
# reports "illegal system call 39 from inside the enclave at 0x..." and
# dies from SIGSYS, and the program never gets past the instruction.
set -u
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/syscall-scan.sh"

plan 8
build_prog illegal_syscall

run_prog native illegal_syscall
if [ "$RUN_STATUS" = 0 ] && grep -q '^after syscall' "$RUN_OUT"; then
	ok "native: the inline syscall works and the program continues"
else
	not_ok "native: the inline syscall works and the program continues"
	diag "status $(status_text "$RUN_STATUS")"
	diag_file "$RUN_OUT"
	diag_file "$RUN_ERR"
fi

run_prog sconce illegal_syscall
expect_status "sconce: dies from SIGSYS (status 128+31)" 159
msg_re='illegal system call 39 from inside the enclave at 0x[0-9a-fA-F]+'
if grep -Eq "$msg_re" "$RUN_ERR"; then
	ok "sconce: stderr reports 'illegal system call 39 from inside the enclave at 0x...'"
else
	not_ok "sconce: stderr reports 'illegal system call 39 from inside the enclave at 0x...'"
	diag_file "$RUN_ERR"
fi
if grep -q 'after syscall' "$RUN_OUT"; then
	not_ok "sconce: the program does NOT continue after the syscall instruction"
	diag_file "$RUN_OUT"
else
	ok "sconce: the program does NOT continue after the syscall instruction"
fi
if grep -qx 'before syscall' "$RUN_OUT"; then
	ok "sconce: the program ran up to the syscall instruction"
else
	not_ok "sconce: the program ran up to the syscall instruction"
	diag_file "$RUN_OUT"
	diag_file "$RUN_ERR"
fi

# The reported address is the instruction's: either enclave-relative (equal
# to its address in the image, which is linked at 0) or absolute (equal
# modulo the page size, the enclave base being page aligned).
reported=$(grep -Eo "$msg_re" "$RUN_ERR" | head -n 1 | sed 's/.* at 0x//')
addrs=$(scan_syscalls "$SCONCE_IMG_DIR/illegal_syscall" 2>/dev/null | cut -f3)
match=0
if [ -n "$reported" ]; then
	for a in $addrs; do
		if [ $((16#$a)) = $((16#$reported)) ] ||
			[ $((16#$a % 4096)) = $((16#$reported % 4096)) ]; then
			match=1
		fi
	done
fi
if [ "$match" = 1 ]; then
	ok "sconce: the reported address 0x$reported is the syscall instruction's"
else
	not_ok "sconce: the reported address is the syscall instruction's"
	diag "reported: ${reported:-none}; syscall instructions in the image at: ${addrs//$'\n'/ }"
fi
done_testing
