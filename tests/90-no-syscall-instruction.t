#!/bin/bash
# No system call instruction (syscall, sysenter, int $0x80) in the enclave
# C library, the runtime libraries, or any enclave image built from
# tests/enclave/ -- except illegal_syscall, which has one on purpose and
# proves that the scanner can find them.
set -u
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/syscall-scan.sh"

srcs=()
for f in "$ENCLAVE_SRC"/*.c; do
	[ -e "$f" ] || continue
	n=${f##*/}
	srcs+=("${n%.c}")
done
libs=()
for f in "$BUILD_DIR"/lib/*.a; do
	[ -e "$f" ] && libs+=("$f")
done

# build every test program for the enclave first, so the image list below
# is complete even when this script runs alone
nbuild=${#srcs[@]}
nlibs=${#libs[@]}
# images = built programs + anything else already in the directory
build_results=()
for n in "${srcs[@]}"; do
	if build_one sconce "$n"; then
		build_results+=("ok:$n")
	else
		build_results+=("fail:$n:$BUILD_LOG")
	fi
done
images=()
if [ -d "$SCONCE_IMG_DIR" ]; then
	while IFS= read -r -d '' f; do
		case ${f##*/} in illegal_syscall | *.tmp.*) continue ;; esac
		# ELF files only
		[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
		images+=("$f")
	done < <(find "$SCONCE_IMG_DIR" -maxdepth 1 -type f -print0 | sort -z)
fi

plan $((nbuild + 2 + nlibs + ${#images[@]}))

for r in "${build_results[@]}"; do
	case $r in
	ok:*) ok "build ${r#ok:} (sconce)" ;;
	*)
		IFS=: read -r _ n log <<<"$r"
		not_ok "build $n (sconce)"
		diag_file "$log"
		;;
	esac
done

# check_none DESC FILE: ok if FILE disassembles and has no syscall insn
check_none() {
	local desc=$1 f=$2 hits st
	if [ ! -e "$f" ]; then
		not_ok "$desc"
		diag "$f does not exist"
		return
	fi
	hits=$(scan_syscalls "$f")
	st=$?
	if [ "$st" != 0 ]; then
		not_ok "$desc"
		diag "objdump -d cannot disassemble $f"
	elif [ -n "$hits" ]; then
		not_ok "$desc"
		diag "system call instructions found (member, symbol, address, instruction):"
		printf '%s\n' "$hits" | head -n 50 | sed 's/^/#     /'
		[ "$(printf '%s\n' "$hits" | wc -l)" -gt 50 ] && echo "#     ..."
	else
		ok "$desc"
	fi
}

# the scanner finds the instruction illegal_syscall has on purpose
ill=$SCONCE_IMG_DIR/illegal_syscall
hits=
[ -e "$ill" ] && hits=$(scan_syscalls "$ill")
if printf '%s\n' "$hits" | grep -Eq $'\tsyscall'; then
	ok "scanner finds the syscall instruction in illegal_syscall's image"
	printf '%s\n' "$hits" | sed 's/^/#     /'
else
	not_ok "scanner finds the syscall instruction in illegal_syscall's image"
	diag "image: $ill"
fi

check_none "no syscall instruction in build/musl/lib/libc.a" "$MUSL_LIBC"
for f in ${libs[@]+"${libs[@]}"}; do
	check_none "no syscall instruction in build/lib/${f##*/}" "$f"
done
for f in ${images[@]+"${images[@]}"}; do
	check_none "no syscall instruction in enclave image ${f##*/}" "$f"
done
done_testing
