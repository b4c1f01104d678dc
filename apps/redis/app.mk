# Redis from Debian 12's source package (upstream tarball + Debian's patch
# series, both pinned by sha256), built twice from the same patched tree:
#   build/apps/redis/redis-server         enclave image (sconce-cc, musl)
#   build/apps/redis/native/redis-server  plain gcc + glibc, for comparison
# plus the native client tools (redis-cli, redis-benchmark, redis-check-*)
# that the upstream test suite runs beside the server.
#
#   make apps/redis          build both
#   make check-apps-redis    upstream ./runtest against the enclave server
#
# Both builds use jemalloc, as upstream and Debian's package do: the copy
# Redis vendors in deps/jemalloc (5.2.1 with Redis's defragmentation hint,
# so active defrag works), built without a symbol prefix -- Debian's
# patch series maps Redis's je_* calls to the plain names -- with the same
# compiler as the server (sconce-cc or gcc).  Inside the enclave the
# application's malloc is then jemalloc; musl's own internal allocations
# (atexit, locales, time zones) stay with musl's mallocng.  No TLS, no
# systemd.  An enclave image must be relinked when the runtime changes: the image
# depends on libsconce.a and is relinked (not recompiled) when it changes.
# The launcher of the same build is kept beside the image
# (build/apps/redis/sconce): the tests and benchmarks use that pair, so a
# launcher rebuilt meanwhile from a newer runtime cannot mismatch the image.

REDIS_DEB := 5:7.0.15-1~deb12u10
REDIS_TAR := redis_7.0.15.orig.tar.gz
REDIS_SHA256 := 4b1dc4ee6d622a09fff9c6777191209750fb5e5a725ef78ea012d6eef4c22982
REDIS_DEBTAR := redis_7.0.15-1~deb12u10.debian.tar.xz
REDIS_DEBSHA256 := 77d8423c427657bb2f5b635f51184e8064a51c93fcbd7519146da587a8361bbc
REDIS_OUT := $(B)/apps/redis
REDIS_FLAGS := MALLOC=jemalloc USE_SYSTEM_JEMALLOC=yes USE_SYSTEMD=no BUILD_TLS=no V=1
# deps/jemalloc as the server's allocator, in build tree $(1) with compiler $(2)
# (the options of Redis's deps/Makefile, but no je_ prefix and no C++)
define redis_jemalloc
	(cd $(1)/deps/jemalloc && ./configure --with-version=5.2.1-0-g0 \
		--with-lg-quantum=3 --with-jemalloc-prefix= --disable-cxx CC=$(2) \
		CFLAGS="-std=gnu99 -Wall -pipe -g3 -O3 -funroll-loops") \
		>$(1)/jemalloc-build.log 2>&1 && \
	$(MAKE) -C $(1)/deps/jemalloc -j$(JOBS) lib/libjemalloc.a >>$(1)/jemalloc-build.log 2>&1 || \
		{ tail -40 $(1)/jemalloc-build.log; exit 1; }
endef
redis_jemalloc_flags = REDIS_CFLAGS=-I$(abspath $(1))/deps/jemalloc/include \
	REDIS_LDFLAGS=-L$(abspath $(1))/deps/jemalloc/lib
REDIS_TOOLS := redis-cli redis-benchmark redis-check-aof redis-check-rdb
# What an enclave image is made of: a change here means relink.
SCONCE_IMAGE_DEPS := $(B)/bin/sconce-cc $(B)/bin/sconce $(B)/lib/libsconce.a $(B)/lib/sconce-crt1.o $(B)/musl/lib/libc.a

APPS += redis
.PHONY: apps/redis check-apps-redis
apps/redis: $(REDIS_OUT)/redis-server $(REDIS_OUT)/native/redis-server

$(REDIS_OUT)/src/.unpacked-$(REDIS_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh redis '$(REDIS_DEB)' $(REDIS_TAR) $(REDIS_SHA256) \
		'$(REDIS_DEBTAR)' $(REDIS_DEBSHA256) $(REDIS_OUT)/src
	touch $@

# The enclave build: a fresh copy of the patched tree whenever the source
# or the C library changes; otherwise only the link is redone.
$(REDIS_OUT)/sconce-build/.copied: $(REDIS_OUT)/src/.unpacked-$(REDIS_DEBSHA256) $(B)/musl/lib/libc.a $(B)/bin/sconce-cc
	rm -rf $(REDIS_OUT)/sconce-build
	cp -a $(REDIS_OUT)/src $(REDIS_OUT)/sconce-build
	$(call redis_jemalloc,$(REDIS_OUT)/sconce-build,$(BABS)/bin/sconce-cc)
	touch $@
$(REDIS_OUT)/redis-server: $(REDIS_OUT)/sconce-build/.copied $(SCONCE_IMAGE_DEPS)
	rm -f $(REDIS_OUT)/sconce-build/src/redis-server
	$(MAKE) -C $(REDIS_OUT)/sconce-build -j$(JOBS) $(REDIS_FLAGS) \
		$(call redis_jemalloc_flags,$(REDIS_OUT)/sconce-build) \
		CC=$(BABS)/bin/sconce-cc >$(REDIS_OUT)/sconce-build.log 2>&1 || \
		{ tail -40 $(REDIS_OUT)/sconce-build.log; exit 1; }
	# copy and rename: a test or benchmark may be running the old pair
	cp $(REDIS_OUT)/sconce-build/src/redis-server $@.tmp && mv -f $@.tmp $@
	cp $(B)/bin/sconce $(REDIS_OUT)/sconce.tmp && mv -f $(REDIS_OUT)/sconce.tmp $(REDIS_OUT)/sconce
	@echo "sconce: enclave image $@"

$(REDIS_OUT)/native/redis-server: $(REDIS_OUT)/src/.unpacked-$(REDIS_DEBSHA256)
	rm -rf $(REDIS_OUT)/native-build $(REDIS_OUT)/native
	cp -a $(REDIS_OUT)/src $(REDIS_OUT)/native-build
	$(call redis_jemalloc,$(REDIS_OUT)/native-build,gcc)
	$(MAKE) -C $(REDIS_OUT)/native-build -j$(JOBS) $(REDIS_FLAGS) CC=gcc \
		$(call redis_jemalloc_flags,$(REDIS_OUT)/native-build) \
		>$(REDIS_OUT)/native-build.log 2>&1 || \
		{ tail -40 $(REDIS_OUT)/native-build.log; exit 1; }
	mkdir -p $(REDIS_OUT)/native
	cd $(REDIS_OUT)/native-build/src && cp redis-server $(REDIS_TOOLS) $(CURDIR)/$(REDIS_OUT)/native/
	@echo "sconce: native build $@"

check-apps-redis: apps/redis
	apps/redis/runtest.sh

# --- native Redis with its own TLS (BUILD_TLS=yes, Debian's libssl), the
# reference for the network shield's benchmark (bench/redis-tls.sh) ---
.PHONY: apps/redis-tls-native
apps/redis-tls-native: $(REDIS_OUT)/native-tls/redis-server
$(REDIS_OUT)/native-tls/redis-server: $(REDIS_OUT)/src/.unpacked-$(REDIS_DEBSHA256)
	rm -rf $(REDIS_OUT)/native-tls-build $(REDIS_OUT)/native-tls
	cp -a $(REDIS_OUT)/src $(REDIS_OUT)/native-tls-build
	$(call redis_jemalloc,$(REDIS_OUT)/native-tls-build,gcc)
	$(MAKE) -C $(REDIS_OUT)/native-tls-build -j$(JOBS) $(filter-out BUILD_TLS=%,$(REDIS_FLAGS)) \
		$(call redis_jemalloc_flags,$(REDIS_OUT)/native-tls-build) \
		BUILD_TLS=yes CC=gcc >$(REDIS_OUT)/native-tls-build.log 2>&1 || \
		{ tail -40 $(REDIS_OUT)/native-tls-build.log; exit 1; }
	mkdir -p $(REDIS_OUT)/native-tls
	cp $(REDIS_OUT)/native-tls-build/src/redis-server $@
	@echo "sconce: native build with TLS $@"
