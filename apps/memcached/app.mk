# memcached and the libevent it needs, both from Debian 12's source
# packages (upstream tarball + Debian's patch series, pinned by sha256),
# each built twice from the same patched tree:
#   build/apps/memcached/memcached            enclave image (sconce-cc, musl,
#                                             libevent built with sconce-cc)
#   build/apps/memcached/memcached-debug      enclave image of the test build
#   build/apps/memcached/native/memcached     plain gcc + glibc, for comparison
#
#   make apps/memcached         build everything
#   make check-apps-memcached   memcached's own tests against the enclave image
#
# Both libevents are static (--disable-shared), without OpenSSL.  The
# images are relinked when the runtime (libsconce.a) changes and rebuilt
# from scratch when the C library changes.  The launcher of the same build
# is kept beside them (build/apps/memcached/sconce) and used by the tests
# and benchmarks, so that a launcher rebuilt meanwhile cannot mismatch.

MC_DEB := 1.6.18-1+deb12u1
MC_TAR := memcached_1.6.18.orig.tar.xz
MC_SHA256 := 35872bd25f8d29d7cc2072d23e74344530891bfd0aa4f4f64184a8ae7291164b
MC_DEBTAR := memcached_1.6.18-1+deb12u1.debian.tar.xz
MC_DEBSHA256 := 7a4aa3c89fa1e3476a7503696f38a8103b6b4d6c66b5bb9958ea4fa0596f5c04
LIBEVENT_DEB := 2.1.12-stable-8+deb12u1
LIBEVENT_TAR := libevent_2.1.12-stable.orig.tar.gz
LIBEVENT_SHA256 := 92e6de1be9ec176428fd2367677e61ceffc2ee1cb119035037a27d346b0403bb
LIBEVENT_DEBTAR := libevent_2.1.12-stable-8+deb12u1.debian.tar.xz
LIBEVENT_DEBSHA256 := 0c721f8a55e6a9e225f62f151f477675ed901400b56003bb424ef2eea74f370d
MC_OUT := $(B)/apps/memcached
MC_SCONCE_CC := $(BABS)/bin/sconce-cc
LIBEVENT_CONF := --disable-shared --enable-static --disable-openssl --disable-samples \
	--disable-libevent-regress --disable-debug-mode
# memcached-debug without gcov instrumentation (it would try to write
# .gcda files into the build tree at every exit).
MC_CONF := --disable-coverage
SCONCE_IMAGE_DEPS := $(B)/bin/sconce-cc $(B)/bin/sconce $(B)/lib/libsconce.a $(B)/lib/sconce-crt1.o $(B)/musl/lib/libc.a

APPS += memcached
.PHONY: apps/memcached check-apps-memcached
apps/memcached: $(MC_OUT)/memcached $(MC_OUT)/memcached-debug $(MC_OUT)/native/memcached

# --- sources --------------------------------------------------------------
# Debian's first libevent patch edits Makefile.am (-no-undefined, which only
# matters for shared libraries, not built here).  Debian regenerates the
# autotools files; we mark the shipped ones up to date instead, so that
# make does not look for automake.
$(MC_OUT)/libevent-src/.unpacked-$(LIBEVENT_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh libevent $(LIBEVENT_DEB) $(LIBEVENT_TAR) $(LIBEVENT_SHA256) \
		$(LIBEVENT_DEBTAR) $(LIBEVENT_DEBSHA256) $(MC_OUT)/libevent-src
	cd $(MC_OUT)/libevent-src && touch aclocal.m4 && sleep 1 && \
		find . -name Makefile.in -exec touch {} + && touch configure config.h.in
	touch $@
$(MC_OUT)/src/.unpacked-$(MC_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh memcached $(MC_DEB) $(MC_TAR) $(MC_SHA256) \
		$(MC_DEBTAR) $(MC_DEBSHA256) $(MC_OUT)/src
	touch $@

# --- libevent, twice -------------------------------------------------------
$(MC_OUT)/libevent-sconce/lib/libevent.a: $(MC_OUT)/libevent-src/.unpacked-$(LIBEVENT_DEBSHA256) \
		$(B)/musl/lib/libc.a $(B)/bin/sconce-cc
	rm -rf $(MC_OUT)/libevent-sconce-build $(MC_OUT)/libevent-sconce
	cp -a $(MC_OUT)/libevent-src $(MC_OUT)/libevent-sconce-build
	cd $(MC_OUT)/libevent-sconce-build && ./configure --host=x86_64-linux-musl $(LIBEVENT_CONF) \
		--prefix=$(CURDIR)/$(MC_OUT)/libevent-sconce CC=$(MC_SCONCE_CC) >configure.log 2>&1 || \
		{ tail -30 configure.log; exit 1; }
	$(MAKE) -C $(MC_OUT)/libevent-sconce-build -j$(JOBS) install >$(MC_OUT)/libevent-sconce-build/build.log 2>&1 || \
		{ tail -40 $(MC_OUT)/libevent-sconce-build/build.log; exit 1; }
	test -f $@
$(MC_OUT)/libevent-native/lib/libevent.a: $(MC_OUT)/libevent-src/.unpacked-$(LIBEVENT_DEBSHA256)
	rm -rf $(MC_OUT)/libevent-native-build $(MC_OUT)/libevent-native
	cp -a $(MC_OUT)/libevent-src $(MC_OUT)/libevent-native-build
	cd $(MC_OUT)/libevent-native-build && ./configure $(LIBEVENT_CONF) \
		--prefix=$(CURDIR)/$(MC_OUT)/libevent-native CC=gcc >configure.log 2>&1 || \
		{ tail -30 configure.log; exit 1; }
	$(MAKE) -C $(MC_OUT)/libevent-native-build -j$(JOBS) install >$(MC_OUT)/libevent-native-build/build.log 2>&1 || \
		{ tail -40 $(MC_OUT)/libevent-native-build/build.log; exit 1; }
	test -f $@

# --- memcached, twice ------------------------------------------------------
$(MC_OUT)/sconce-build/.configured: $(MC_OUT)/src/.unpacked-$(MC_DEBSHA256) $(MC_OUT)/libevent-sconce/lib/libevent.a
	rm -rf $(MC_OUT)/sconce-build
	cp -a $(MC_OUT)/src $(MC_OUT)/sconce-build
	cd $(MC_OUT)/sconce-build && ./configure --host=x86_64-linux-musl \
		--with-libevent=$(CURDIR)/$(MC_OUT)/libevent-sconce CC=$(MC_SCONCE_CC) $(MC_CONF) \
		>configure.log 2>&1 || { tail -30 configure.log; exit 1; }
	touch $@
$(MC_OUT)/memcached $(MC_OUT)/memcached-debug &: $(MC_OUT)/sconce-build/.configured $(SCONCE_IMAGE_DEPS)
	rm -f $(MC_OUT)/sconce-build/memcached $(MC_OUT)/sconce-build/memcached-debug
	$(MAKE) -C $(MC_OUT)/sconce-build -j$(JOBS) memcached memcached-debug \
		>$(MC_OUT)/sconce-build/build.log 2>&1 || { tail -40 $(MC_OUT)/sconce-build/build.log; exit 1; }
	# copy and rename: a test or benchmark may be running the old ones
	for f in memcached memcached-debug; do \
		cp $(MC_OUT)/sconce-build/$$f $(MC_OUT)/$$f.tmp && mv -f $(MC_OUT)/$$f.tmp $(MC_OUT)/$$f || exit 1; done
	cp $(B)/bin/sconce $(MC_OUT)/sconce.tmp && mv -f $(MC_OUT)/sconce.tmp $(MC_OUT)/sconce
	@echo "sconce: enclave images $(MC_OUT)/memcached $(MC_OUT)/memcached-debug"

# The native tree also provides what the test suite runs beside the server
# (timedrun, sizes, testapp).
$(MC_OUT)/native/memcached: $(MC_OUT)/src/.unpacked-$(MC_DEBSHA256) $(MC_OUT)/libevent-native/lib/libevent.a
	rm -rf $(MC_OUT)/native-build $(MC_OUT)/native
	cp -a $(MC_OUT)/src $(MC_OUT)/native-build
	cd $(MC_OUT)/native-build && ./configure \
		--with-libevent=$(CURDIR)/$(MC_OUT)/libevent-native CC=gcc $(MC_CONF) \
		>configure.log 2>&1 || { tail -30 configure.log; exit 1; }
	$(MAKE) -C $(MC_OUT)/native-build -j$(JOBS) memcached memcached-debug timedrun sizes testapp \
		>$(MC_OUT)/native-build/build.log 2>&1 || { tail -40 $(MC_OUT)/native-build/build.log; exit 1; }
	mkdir -p $(MC_OUT)/native
	cp $(MC_OUT)/native-build/memcached $(MC_OUT)/native-build/memcached-debug $(MC_OUT)/native/
	@echo "sconce: native build $@"

check-apps-memcached: apps/memcached
	apps/memcached/test.sh
