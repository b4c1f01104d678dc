# Fuzz harnesses (see fuzz/README.md), included from the top Makefile.
# The runtime's validation and marshalling sources are compiled for the
# host with clang and libFuzzer, against the enclave's own musl headers
# (so structs such as msghdr have the enclave's layout), and linked with a
# mock of the rest of the runtime (fuzz/mock_rt.c, glibc).
#
#   make fuzz                   each harness for FUZZ_SECONDS (default 60)
#   make fuzz FUZZ_HARNESSES=boot FUZZ_SECONDS=600
#   make fuzz-regress           replay every input saved in fuzz/regress/
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?= forward boot queue
FUZZ_OUT := $(B)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_WARN := -Wall -Wextra -Werror
# Runtime sources: enclave headers, coverage for libFuzzer, and no -Werror
# (clang may warn where the enclave's gcc does not).
FUZZ_RT_CFLAGS = -std=gnu11 -O1 -g -Wall -Wextra -nostdinc -isystem $(B)/musl/include \
	-isystem $(B)/musl/kinclude -isystem $(shell $(FUZZ_CC) -print-resource-dir)/include \
	-Iinclude -iquote runtime -fsanitize=fuzzer-no-link $(FUZZ_SAN)
# Harness and mock: glibc, no coverage (the oracle must not steer the
# fuzzer), except fuzz_boot.c and fuzz_queue.c, which include runtime/boot.c
# and runtime/queue.c (for their static functions and state).
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(FUZZ_WARN) -Iinclude -iquote runtime -iquote fuzz $(FUZZ_SAN)
FUZZ_DEPS := fuzz/fuzz.mk fuzz/*.h runtime/*.h $(wildcard runtime/net/*.h) include/sconce/abi.h

FUZZ_RT_forward := forward forward_special syscall_table epoll_map format
# fuzz_forward's own files (fuzz/fuzz_forward.h lists what each does)
FUZZ_OBJ_forward := fuzz_forward fuzz_forward_markers fuzz_forward_gen fuzz_forward_host \
	fuzz_forward_check_args fuzz_forward_check_result fuzz_forward_parts fuzz_forward_epoll
FUZZ_RT_boot := format
FUZZ_RT_queue := format

$(FUZZ_OUT)/rt/%.o: runtime/%.c $(FUZZ_DEPS) $(B)/musl/lib/libc.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_RT_CFLAGS) -c $< -o $@
$(FUZZ_OUT)/obj/fuzz_boot.o: fuzz/fuzz_boot.c runtime/boot.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ_OUT)/obj/fuzz_queue.o: fuzz/fuzz_queue.c runtime/queue.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ_OUT)/obj/fuzz_forward_gen.o: runtime/forward_special.c # its command tables
$(FUZZ_OUT)/obj/%.o: fuzz/%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# Every harness links the mock and the input reader's position.
FUZZ_COMMON := $(FUZZ_OUT)/obj/mock_rt.o $(FUZZ_OUT)/obj/fuzz_input.o
$(FUZZ_OUT)/fuzz_forward: $(FUZZ_OBJ_forward:%=$(FUZZ_OUT)/obj/%.o) $(FUZZ_COMMON) \
		$(FUZZ_RT_forward:%=$(FUZZ_OUT)/rt/%.o)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ -o $@
$(FUZZ_OUT)/fuzz_boot: $(FUZZ_OUT)/obj/fuzz_boot.o $(FUZZ_COMMON) \
		$(FUZZ_RT_boot:%=$(FUZZ_OUT)/rt/%.o)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ -o $@
$(FUZZ_OUT)/fuzz_queue: $(FUZZ_OUT)/obj/fuzz_queue.o $(FUZZ_COMMON) \
		$(FUZZ_RT_queue:%=$(FUZZ_OUT)/rt/%.o)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ -o $@

.PHONY: fuzz fuzz-build fuzz-regress
fuzz-build: $(FUZZ_HARNESSES:%=$(FUZZ_OUT)/fuzz_%)
fuzz: fuzz-build
	fuzz/run.sh $(FUZZ_OUT) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)
fuzz-regress: fuzz-build
	fuzz/regress.sh $(FUZZ_OUT) $(FUZZ_HARNESSES)
