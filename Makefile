# sconce top-level build.  `make` builds the toolchain, runtime and host
# launcher into build/; `make demo` also runs a program inside the
# enclave; `make check` runs every test that can run on this machine.

B := build
# B as an absolute path, for recipes that cd elsewhere (B may be given
# either way on the command line)
BABS = $(abspath $(B))
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
RT_SRCS := $(filter-out runtime/crt1.c,$(wildcard runtime/*.c)) $(wildcard runtime/fs/*.c) \
	$(wildcard runtime/net/*.c runtime/console/*.c)
RT_ASM := $(wildcard runtime/*.S)
RT_OBJS := $(RT_SRCS:%.c=$(B)/%.o) $(RT_ASM:%.S=$(B)/%.o)
LIBC_FILES := $(shell find libc -type f)

.PHONY: all deps musl demo check check-asan bench clean distclean
all: $(B)/bin/sconce $(B)/bin/sconce-cc $(B)/bin/sconce-exec $(B)/lib/libsconce.a $(B)/lib/sconce-crt1.o
include mk/openssl.mk
include mk/sqlite.mk

$(B)/.deps:
	scripts/install-deps.sh
	@mkdir -p $(B) && touch $@
deps: $(B)/.deps

# --- the C library -------------------------------------------------------
$(B)/musl/lib/libc.a: $(LIBC_FILES) scripts/musl-tune.sh | $(B)/.deps
	scripts/debian-source.sh musl $(MUSL_DEB) musl_$(MUSL_VERSION).orig.tar.gz \
		$(MUSL_SHA256) $(B)/src/musl
	cp -r libc/. $(B)/src/musl/
	scripts/musl-tune.sh $(B)/src/musl
	cd $(B)/src/musl && ./configure --prefix=$(BABS)/musl --disable-shared \
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
# the file-system shield (runtime/fs) needs OpenSSL's headers and libcrypto
$(filter $(B)/runtime/fs/%,$(RT_OBJS)): RT_CFLAGS += -I$(B)/openssl/include
$(filter $(B)/runtime/fs/%,$(RT_OBJS)): $(OPENSSL_LIB) runtime/fs/*.h include/sconce/fspf.h
# the network and console shields (runtime/net, runtime/console): libssl too
$(filter $(B)/runtime/net/% $(B)/runtime/console/%,$(RT_OBJS)): RT_CFLAGS += -I$(B)/openssl/include
$(filter $(B)/runtime/net/% $(B)/runtime/console/%,$(RT_OBJS)): $(OPENSSL_LIB) $(wildcard runtime/net/*.h runtime/console/*.h)
$(B)/runtime/%.o: runtime/%.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@
# libsconce.a holds one relocatable object: the runtime together with the
# OpenSSL members it uses, in which every symbol is local except the
# runtime's interface, the `__sconce_*` symbols (the entry point and what the
# patched musl calls).  The application links into the same image, so a
# runtime-internal name (conn_new, fs_init, ...) or an OpenSSL one must not
# clash with the application's own, nor with an OpenSSL it links itself.
# (-d allocates common symbols, so that they become local too.)
RT_OPENSSL_LIBS := $(B)/openssl/lib/libssl.a $(OPENSSL_LIB)
$(B)/lib/libsconce.a: $(RT_OBJS) $(OPENSSL_LIB)
	@mkdir -p $(dir $@) $(B)/runtime
	ld -r -d -o $(B)/runtime/sconce-rt.o $(RT_OBJS) --start-group $(RT_OPENSSL_LIBS) --end-group
	objcopy --wildcard --keep-global-symbol='__sconce_*' $(B)/runtime/sconce-rt.o
	rm -f $@ && ar rcs $@ $(B)/runtime/sconce-rt.o
$(B)/lib/sconce-crt1.o: runtime/crt1.c $(B)/musl/lib/libc.a
	@mkdir -p $(dir $@)
	$(CC) $(RT_CFLAGS) -fvisibility=default -c $< -o $@

# --- the host (untrusted) ------------------------------------------------
$(HOST_OBJS): include/sconce/fspf.h
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
	bench/fs.sh
	bench/malloc.sh
	bench/serve.sh
	$(MAKE) bench-tls

# the network shield: shielded Redis against native Redis with its own TLS
# and native plain Redis (bench/redis-tls.sh, also part of `make bench`)
.PHONY: bench-tls
bench-tls: apps/redis apps/redis-tls-native
	bench/redis-tls.sh

# the file-system shield alone (bench/fs.sh, also part of `make bench`)
.PHONY: bench-fs
bench-fs: all
	bench/fs.sh

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

# --- fuzzing (fuzz/README.md): `make fuzz` runs each libFuzzer harness for
# FUZZ_SECONDS (60); `make fuzz-regress` replays fuzz/regress/ (in `make check`)
include fuzz/fuzz.mk
