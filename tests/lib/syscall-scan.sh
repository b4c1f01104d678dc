# Finding system call instructions in machine code.  Sourced by tests/*.t.
#
# scan_syscalls FILE
#   Disassembles FILE (an ELF executable, object or ar archive) with
#   `objdump -d` and prints one line per system call instruction found:
#     MEMBER<TAB>SYMBOL<TAB>ADDRESS<TAB>INSTRUCTION
#   (MEMBER is the archive member or the file itself; ADDRESS is hex as
#   objdump shows it, i.e. the link-time address / section offset).
#   Counted as system call instructions: syscall, sysenter and int $0x80
#   (all three are illegal inside an SGX enclave).
#   Returns 2 if objdump cannot disassemble FILE (nothing is printed then),
#   else 0.

scan_syscalls() {
	local f=$1 dis
	dis=$(mktemp "${TMPDIR:-/tmp}/sconce-objdump.XXXXXX") || return 2
	if ! objdump -d --no-show-raw-insn "$f" >"$dis" 2>"$dis.err" ||
		! grep -q 'file format' "$dis"; then
		rm -f "$dis" "$dis.err"
		return 2
	fi
	awk -v file="$f" '
	BEGIN { member = file; sym = "?" }
	/^In archive / { next }
	/:[ \t]+file format / {
		member = $0
		sub(/:[ \t]+file format .*/, "", member)
		next
	}
	/^[0-9a-f]+ <.*>:$/ {
		sym = $0
		sub(/^[0-9a-f]+ </, "", sym)
		sub(/>:$/, "", sym)
		next
	}
	/^ *[0-9a-f]+:\t/ {
		line = $0
		addr = line
		sub(/^ */, "", addr)
		sub(/:.*/, "", addr)
		insn = line
		sub(/^ *[0-9a-f]+:\t/, "", insn)
		n = split(insn, w, /[ \t]+/)
		i = 1
		# skip instruction prefixes
		while (i < n && w[i] ~ /^(rex(\.[WRXB]+)?|data16|data32|addr16|addr32|lock|rep|repz|repnz|repe|repne|notrack|bnd|cs|ds|es|ss|fs|gs)$/)
			i++
		m = w[i]
		if (m == "syscall" || m == "sysenter" ||
		    (m ~ /^int[bwlq]?$/ && w[i + 1] == "$0x80"))
			printf "%s\t%s\t%s\t%s\n", member, sym, addr, insn
	}
	' "$dis"
	rm -f "$dis" "$dis.err"
	return 0
}
