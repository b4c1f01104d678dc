# Libraries shared by the web servers (apps/nginx, apps/apache2): PCRE2
# and zlib from Debian 12's source packages (upstream tarball + Debian's
# changes, pinned by sha256), each built twice as static libraries:
#   build/apps/libs/sconce/{include,lib}   with sconce-cc, for enclave images
#   build/apps/libs/native/{include,lib}   with gcc + glibc, for the native builds
# PCRE2 is built without its JIT both times: the enclave cannot map
# executable memory (and the native build matches it).
# Included by each app.mk that needs it; the guard makes it count once.
ifndef SCONCE_APPS_LIBS_MK
SCONCE_APPS_LIBS_MK := 1

PCRE2_DEB := 10.42-1
PCRE2_TAR := pcre2_10.42.orig.tar.gz
PCRE2_SHA256 := c33b418e3b936ee3153de2c61cc638e7e4fe3156022a5c77d0711bcbb9d64f1f
PCRE2_DEBTAR := pcre2_10.42-1.diff.gz
PCRE2_DEBSHA256 := 8267c3acacb04e8a077235f676187393e295443fc16ff46ddbe5f6476879c8cb
ZLIB_DEB := 1:1.2.13.dfsg-1
ZLIB_TAR := zlib_1.2.13.dfsg.orig.tar.bz2
ZLIB_SHA256 := 71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
ZLIB_DEBTAR := zlib_1.2.13.dfsg-1.debian.tar.xz
ZLIB_DEBSHA256 := f66cf3d4f2d7defcd4d1fd1fb0a11ee39f1e01b42ec7d059c9dc5c1695133c44
LIBS_OUT := $(B)/apps/libs
# The enclave toolchain and launcher, and what an enclave image is made
# of (a change there means relink).  All three can be overridden on the
# command line, e.g. to build against a toolchain snapshot elsewhere.
APPS_SCONCE_CC := $(CURDIR)/$(B)/bin/sconce-cc
APPS_SCONCE := $(B)/bin/sconce
APPS_IMAGE_DEPS := $(B)/bin/sconce-cc $(B)/bin/sconce $(B)/lib/libsconce.a $(B)/lib/sconce-crt1.o $(B)/musl/lib/libc.a
PCRE2_CONF := --disable-shared --enable-static --disable-jit --enable-pcre2-8 \
	--disable-pcre2-16 --disable-pcre2-32 --disable-pcre2grep-libz --disable-pcre2grep-libbz2

# The library files the web servers depend on.
APPLIBS_SCONCE := $(LIBS_OUT)/sconce/lib/libpcre2-8.a $(LIBS_OUT)/sconce/lib/libz.a
APPLIBS_NATIVE := $(LIBS_OUT)/native/lib/libpcre2-8.a $(LIBS_OUT)/native/lib/libz.a

# pcre2's Debian diff changes pcre2-config.in only (besides debian/): mark
# the generated files up to date so that make does not run autotools.
$(LIBS_OUT)/pcre2-src/.unpacked-$(PCRE2_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh pcre2 '$(PCRE2_DEB)' $(PCRE2_TAR) $(PCRE2_SHA256) \
		'$(PCRE2_DEBTAR)' $(PCRE2_DEBSHA256) $(LIBS_OUT)/pcre2-src
	cd $(LIBS_OUT)/pcre2-src && touch aclocal.m4 && sleep 1 && \
		find . -name Makefile.in -exec touch {} + && touch configure src/config.h.in
	touch $@
$(LIBS_OUT)/zlib-src/.unpacked-$(ZLIB_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh zlib '$(ZLIB_DEB)' $(ZLIB_TAR) $(ZLIB_SHA256) \
		'$(ZLIB_DEBTAR)' $(ZLIB_DEBSHA256) $(LIBS_OUT)/zlib-src
	touch $@

# $(call applib_pcre2,MODE,CC,CONFIGURE-EXTRA)
define applib_pcre2
$(LIBS_OUT)/$(1)/lib/libpcre2-8.a: $(LIBS_OUT)/pcre2-src/.unpacked-$(PCRE2_DEBSHA256) $(if $(filter sconce,$(1)),$(filter %/sconce-cc %/libc.a,$(APPS_IMAGE_DEPS)))
	rm -rf $(LIBS_OUT)/pcre2-$(1)-build
	cp -a $(LIBS_OUT)/pcre2-src $(LIBS_OUT)/pcre2-$(1)-build
	cd $(LIBS_OUT)/pcre2-$(1)-build && ./configure $(3) $(PCRE2_CONF) \
		--prefix=$(CURDIR)/$(LIBS_OUT)/$(1) CC=$(2) >configure.log 2>&1 || \
		{ tail -30 configure.log; exit 1; }
	$(MAKE) -C $(LIBS_OUT)/pcre2-$(1)-build -j$(JOBS) install-libLTLIBRARIES install-includeHEADERS \
		install-nodist_includeHEADERS install-binSCRIPTS >$(LIBS_OUT)/pcre2-$(1)-build/build.log 2>&1 || \
		{ tail -40 $(LIBS_OUT)/pcre2-$(1)-build/build.log; exit 1; }
	test -f $$@
endef
define applib_zlib
$(LIBS_OUT)/$(1)/lib/libz.a: $(LIBS_OUT)/zlib-src/.unpacked-$(ZLIB_DEBSHA256) $(if $(filter sconce,$(1)),$(filter %/sconce-cc %/libc.a,$(APPS_IMAGE_DEPS)))
	rm -rf $(LIBS_OUT)/zlib-$(1)-build
	cp -a $(LIBS_OUT)/zlib-src $(LIBS_OUT)/zlib-$(1)-build
	cd $(LIBS_OUT)/zlib-$(1)-build && CC=$(2) ./configure --static \
		--prefix=$(CURDIR)/$(LIBS_OUT)/$(1) >configure.log 2>&1 || \
		{ tail -30 configure.log; exit 1; }
	$(MAKE) -C $(LIBS_OUT)/zlib-$(1)-build -j$(JOBS) libz.a >$(LIBS_OUT)/zlib-$(1)-build/build.log 2>&1 && \
		$(MAKE) -C $(LIBS_OUT)/zlib-$(1)-build install \
		>>$(LIBS_OUT)/zlib-$(1)-build/build.log 2>&1 || \
		{ tail -40 $(LIBS_OUT)/zlib-$(1)-build/build.log; exit 1; }
	test -f $$@
endef
$(eval $(call applib_pcre2,sconce,$(APPS_SCONCE_CC),--host=x86_64-linux-musl))
$(eval $(call applib_pcre2,native,gcc,))
$(eval $(call applib_zlib,sconce,$(APPS_SCONCE_CC)))
$(eval $(call applib_zlib,native,gcc))

endif
