# sconce top-level build.  `make` builds the toolchain, runtime and host
# launcher into build/; `make demo` also runs a program inside the
# enclave; `make check` runs every test that can run on this machine.

B := build
MUSL_VERSION := 1.2.3
MUSL_DEB := 1.2.3-1
MUSL_SHA256 := 7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
JOBS ?= $(shell nproc)

CC := gcc
WARN := -Wall -Wextra -Werror
HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Iinclude -iquote host $(EXTRA_HOST_CFLAGS)
HOST_LDLIBS := -lcrypto

# The runtime is enclave code: built against the patched musl headers, as
# position-independent code with hidden symbols, without a stack protector
# (it runs before the application's TLS exists).
RT_CFLAGS := -std=gnu11 -O2 -g $(WARN) -nostdinc -isystem $(B)/musl/include -isystem $(B)/musl/kinclude \
	-isystem $(shell $(CC) -print-file-name=include) -Iinclude -iquote runtime \
	-fPIE -fvisibility=hidden -fno-stack-protector -fno-builtin-printf -mno-red-zone

HOST_SRCS := $(wildcard host/*.c)
HOST_ASM := $(wildcard host/*.S)
HOST_OBJS := $(HOST_SRCS:%.c=$(B)/%.o) $(HOST_ASM:%.S=$(B)/%.o)
RT_SRCS := $(filter-out runtime/crt1.c,$(wildcard runtime/*.c))
RT_ASM := $(wildcard runtime/*.S)
RT_OBJS := $(RT_SRCS:%.c=$(B)/%.o) $(RT_ASM:%.S=$(B)/%.o)
LIBC_FILES := $(shell find libc -type f)

.PHONY: all deps musl demo check check-asan bench clean distclean
all: $(B)/bin/sconce $(B)/bin/sconce-cc $(B)/bin/sconce-exec $(B)/lib/libsconce.a $(B)/lib/sconce-crt1.o

$(B)/.deps:
	scripts/install-deps.sh
	@mkdir -p $(B) && touch $@
deps: $(B)/.deps

# --- the C library -------------------------------------------------------
$(B)/musl/lib/libc.a: $(LIBC_FILES) | $(B)/.deps
	scripts/debian-source.sh musl $(MUSL_DEB) musl_$(MUSL_VERSION).orig.tar.gz \
		$(MUSL_SHA256) $(B)/src/musl
	cp -r libc/. $(B)/src/musl/
	cd $(B)/src/musl && ./configure --prefix=$(CURDIR)/$(B)/musl --disable-shared \
		CFLAGS="-O2 -fPIE" >configure.log 2>&1 || { cat configure.log; exit 1; }
	$(MAKE) -C $(B)/src/musl -j$(JOBS) install >$(B)/src/musl/build.log 2>&1 || \
		{ tail -40 $(B)/src/musl/build.log; exit 1; }
	mkdir -p $(B)/musl/kinclude
	for d in linux asm-generic mtd; do ln -sfn /usr/include/$$d $(B)/musl/kinclude/$$d; done
	ln -sfn /usr/include/x86_64-linux-gnu/asm $(B)/musl/kinclude/asm
	touch $@
musl: $(B)/musl/lib/libc.a

# --- the runtime (trusted) -----------------------------------------------
$(B)/runtime/%.o: runtime/%.c runtime/*.h include/sconce/abi.h $(B)/musl/lib/libc.a
	@mkdir -p $(dir $@)
	$(CC) $(RT_CFLAGS) -c $< -o $@
$(B)/runtime/%.o: runtime/%.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@
$(B)/lib/libsconce.a: $(RT_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(B)/lib/sconce-crt1.o: runtime/crt1.c $(B)/musl/lib/libc.a
	@mkdir -p $(dir $@)
	$(CC) $(RT_CFLAGS) -fvisibility=default -c $< -o $@

# --- the host (untrusted) ------------------------------------------------
$(B)/host/%.o: host/%.c host/*.h include/sconce/abi.h | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@
$(B)/host/%.o: host/%.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@
$(B)/bin/sconce: $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $^ -o $@ $(HOST_LDLIBS)

# The interpreter of enclave images: ./image runs `sconce run ./image`.
$(B)/bin/sconce-exec: tools/sconce-exec.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) -static-pie -nostdlib -ffreestanding -fPIE -fno-stack-protector \
		-DSCONCE_PATH='"$(abspath $(B)/bin/sconce)"' $< -o $@
	@! readelf -rW $@ | grep -q R_X86_64 || { echo "sconce-exec must need no relocations"; rm -f $@; exit 1; }

$(B)/bin/sconce-cc: tools/sconce-cc
	@mkdir -p $(dir $@)
	install -m 755 $< $@

# --- demo and tests ------------------------------------------------------
demo: all
	@mkdir -p $(B)/demo
	$(B)/bin/sconce-cc -O2 -o $(B)/demo/hello tests/enclave/hello.c
	$(B)/bin/sconce measure $(B)/demo/hello
	$(B)/bin/sconce run $(B)/demo/hello

# The whole suite runs with the leak check on: any request carrying an
# enclave address stops the run (see --check-leaks).
check: all
	SCONCE_CHECK_LEAKS=1 tests/run-all.sh

bench: all
	bench/syscall.sh

check-asan:
	$(MAKE) B=build-asan EXTRA_HOST_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
		HOST_LDLIBS="-lcrypto -fsanitize=address,undefined" check

clean:
	rm -rf $(B)/host $(B)/runtime $(B)/lib $(B)/bin $(B)/tests
distclean:
	rm -rf build build-asan

# --- curated applications: apps/<name>/app.mk ----------------------------
# `make apps/redis` builds one application (enclave image and native build);
# `make check-apps` runs the applications' own test suites inside sconce;
# `make bench-apps` compares native and sconce (bench/apps.sh).
APPS :=
include $(wildcard apps/*/app.mk)
.PHONY: apps check-apps bench-apps
apps: $(APPS:%=apps/%)
check-apps: $(APPS:%=check-apps-%)
bench-apps: apps
	bench/apps.sh
