# Apache httpd from Debian 12's source package (upstream tarball + Debian's
# patch series, pinned by sha256), with the libraries it needs from
# Debian's source packages too (APR, APR-util, Expat here; PCRE2 and zlib
# from apps/libs.mk), all built twice from the same patched trees:
#   build/apps/apache2/httpd          enclave image (sconce-cc, musl, every
#                                     library static and built with sconce-cc)
#   build/apps/apache2/native/httpd   plain gcc + glibc, for comparison
#
#   make apps/apache2          build both
#   make check-apps-apache2    static file, proxy and load tests inside sconce
#                              (apps/apache2/test.sh)
#
# httpd is linked with its modules built in (no DSO: the enclave cannot
# load shared objects) and the event MPM, and runs as one process with
# threads (httpd -X; apps/apache2/httpd.conf).  APR-util without crypto,
# LDAP or database drivers; sdbm only.  Debian's patches to configure.in
# and Makefile.am files are applied but, as autotools are not rerun here,
# only take effect where Debian also patched the generated file.

include apps/libs.mk

A2_DEB := 2.4.68-1~deb12u1
A2_TAR := apache2_2.4.68.orig.tar.gz
A2_SHA256 := ed9a9d4500fb48bb28eaffb3ba71d06ccf86d498fa13ab9f781da010cc488498
A2_DEBTAR := apache2_2.4.68-1~deb12u1.debian.tar.xz
A2_DEBSHA256 := b43f83b3bf80e0388ef728ba0e6e2f54f4689834e724a89aec3049d61a2ca015
APR_DEB := 1.7.2-3+deb12u1
APR_TAR := apr_1.7.2.orig.tar.bz2
APR_SHA256 := 75e77cc86776c030c0a5c408dfbd0bf2a0b75eed5351e52d5439fa1e5509a43e
APR_DEBTAR := apr_1.7.2-3+deb12u1.debian.tar.xz
APR_DEBSHA256 := 8fa6328a8211fd6d2edcb972503f355509eda5d829cf3bd86a275ad49b81a424
APU_DEB := 1.6.3-1+deb12u1
APU_TAR := apr-util_1.6.3.orig.tar.bz2
APU_SHA256 := a41076e3710746326c3945042994ad9a4fcac0ce0277dd8fea076fec3c9772b5
APU_DEBTAR := apr-util_1.6.3-1+deb12u1.debian.tar.xz
APU_DEBSHA256 := f52fa29f517c3a746ec1227f868ac62fe37f99a0c1246291a78a541fdf9461e5
EXPAT_DEB := 2.5.0-1+deb12u2
EXPAT_TAR := expat_2.5.0.orig.tar.gz
EXPAT_SHA256 := ab00ee05c7067fd10a35c5d2a4922ebba746ddd50ff83b79c828da17bbdf1757
EXPAT_DEBTAR := expat_2.5.0-1+deb12u2.debian.tar.xz
EXPAT_DEBSHA256 := 7e29f5db5067e55193540089ed0f3ec9676704cf79dcea81a9bfb9f49435ae53
A2_OUT := $(B)/apps/apache2
# Debian's reproducible_builds.diff takes the build time from outside: the
# date of this revision's changelog entry, as debian/rules does.
A2_BUILD_DATETIME := 2026-06-12T05:08:45
A2_MODS := authz_core authz_host unixd mime dir alias log_config proxy proxy_http \
	deflate headers status rewrite reqtimeout filter setenvif env
# mod_proxy brings its submodules along: only proxy_http is wanted (the
# balancer would need mod_slotmem_shm's named shared memory).
A2_NOMODS := proxy-balancer proxy-ajp proxy-fcgi proxy-scgi proxy-uwsgi proxy-fdpass proxy-ftp \
	proxy-connect proxy-express proxy-wstunnel proxy-hcheck proxy-http2 lbmethod-byrequests \
	lbmethod-bytraffic lbmethod-bybusyness lbmethod-heartbeat
A2_CONF := --prefix=/usr/local/apache2 --with-mpm=event --enable-modules=none \
	--enable-mods-static="$(A2_MODS)" $(A2_NOMODS:%=--disable-%) --disable-so
APU_CONF := --without-crypto --without-ldap --without-pgsql --without-mysql --without-sqlite2 \
	--without-sqlite3 --without-odbc --without-gdbm --without-ndbm --without-berkeley-db \
	--with-dbm=sdbm --disable-util-dso --without-iconv
EXPAT_CONF := -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_LIBDIR=lib -DEXPAT_SHARED_LIBS=OFF \
	-DEXPAT_BUILD_TOOLS=OFF -DEXPAT_BUILD_EXAMPLES=OFF -DEXPAT_BUILD_TESTS=OFF -DEXPAT_BUILD_DOCS=OFF \
	-DEXPAT_BUILD_PKGCONFIG=ON

APPS += apache2
.PHONY: apps/apache2 check-apps-apache2
apps/apache2: $(A2_OUT)/httpd $(A2_OUT)/native/httpd

# --- sources ---------------------------------------------------------------
# Expat's upstream tarball is its repository (the library in expat/,
# without a generated configure): it is built with CMake.  Debian's
# security patches test `#if XML_DTD == 1`, as autotools defines it; CMake
# defines XML_DTD empty, so the generated expat_config.h is adjusted.
$(A2_OUT)/expat-src/.unpacked-$(EXPAT_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh expat '$(EXPAT_DEB)' $(EXPAT_TAR) $(EXPAT_SHA256) \
		'$(EXPAT_DEBTAR)' $(EXPAT_DEBSHA256) $(A2_OUT)/expat-src
	touch $@
$(A2_OUT)/apr-src/.unpacked-$(APR_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh apr '$(APR_DEB)' $(APR_TAR) $(APR_SHA256) \
		'$(APR_DEBTAR)' $(APR_DEBSHA256) $(A2_OUT)/apr-src
	touch $@
$(A2_OUT)/apu-src/.unpacked-$(APU_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh apr-util '$(APU_DEB)' $(APU_TAR) $(APU_SHA256) \
		'$(APU_DEBTAR)' $(APU_DEBSHA256) $(A2_OUT)/apu-src
	touch $@
$(A2_OUT)/src/.unpacked-$(A2_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh apache2 '$(A2_DEB)' $(A2_TAR) $(A2_SHA256) \
		'$(A2_DEBTAR)' $(A2_DEBSHA256) $(A2_OUT)/src
	touch $@

# --- libraries and httpd, twice: $(call a2_build,MODE,CC,HOST-OPTION,LIBS-PREFIX)
# Each library is installed into $(A2_OUT)/deps-MODE.  configure scripts run
# their test programs; with sconce-cc they run inside the enclave.  APR's
# and APR-util's makefiles are not safe in parallel (the link can start before every
# object exists): it is built with -j1.
a2_log = >$(1) 2>&1 || { tail -40 $(1); exit 1; }
define a2_build
$(A2_OUT)/deps-$(1)/lib/libexpat.a: $(A2_OUT)/expat-src/.unpacked-$(EXPAT_DEBSHA256) $(if $(filter sconce,$(1)),$(filter %/sconce-cc %/libc.a,$(APPS_IMAGE_DEPS)))
	rm -rf $(A2_OUT)/expat-$(1)-build && mkdir -p $(A2_OUT)/expat-$(1)-build
	cd $(A2_OUT)/expat-$(1)-build && cmake -S $(CURDIR)/$(A2_OUT)/expat-src/expat -B . $(EXPAT_CONF) \
		-DCMAKE_C_COMPILER=$(2) -DCMAKE_INSTALL_PREFIX=$(CURDIR)/$(A2_OUT)/deps-$(1) $(call a2_log,configure.log)
	sed -i -e 's/^#define XML_DTD$$$$/#define XML_DTD 1/' -e 's/^#define XML_NS$$$$/#define XML_NS 1/' \
		$(A2_OUT)/expat-$(1)-build/expat_config.h
	$(MAKE) -C $(A2_OUT)/expat-$(1)-build -j$(JOBS) install $(call a2_log,$(A2_OUT)/expat-$(1)-build/build.log)
	test -f $$@
$(A2_OUT)/deps-$(1)/lib/libapr-1.a: $(A2_OUT)/apr-src/.unpacked-$(APR_DEBSHA256) $(if $(filter sconce,$(1)),$(filter %/sconce-cc %/libc.a,$(APPS_IMAGE_DEPS)))
	rm -rf $(A2_OUT)/apr-$(1)-build && cp -a $(A2_OUT)/apr-src $(A2_OUT)/apr-$(1)-build
	cd $(A2_OUT)/apr-$(1)-build && ./configure $(3) --disable-shared --enable-static \
		--prefix=$(CURDIR)/$(A2_OUT)/deps-$(1) CC=$(2) $(call a2_log,configure.log)
	$(MAKE) -C $(A2_OUT)/apr-$(1)-build -j1 install $(call a2_log,$(A2_OUT)/apr-$(1)-build/build.log)
	test -f $$@
$(A2_OUT)/deps-$(1)/lib/libaprutil-1.a: $(A2_OUT)/apu-src/.unpacked-$(APU_DEBSHA256) $(A2_OUT)/deps-$(1)/lib/libapr-1.a $(A2_OUT)/deps-$(1)/lib/libexpat.a
	rm -rf $(A2_OUT)/apu-$(1)-build && cp -a $(A2_OUT)/apu-src $(A2_OUT)/apu-$(1)-build
	cd $(A2_OUT)/apu-$(1)-build && ./configure $(3) $(APU_CONF) --with-apr=$(CURDIR)/$(A2_OUT)/deps-$(1) \
		--with-expat=$(CURDIR)/$(A2_OUT)/deps-$(1) --prefix=$(CURDIR)/$(A2_OUT)/deps-$(1) CC=$(2) $(call a2_log,configure.log)
	$(MAKE) -C $(A2_OUT)/apu-$(1)-build -j1 install $(call a2_log,$(A2_OUT)/apu-$(1)-build/build.log)
	test -f $$@
$(A2_OUT)/$(1)-build/.configured: apps/apache2/app.mk $(A2_OUT)/src/.unpacked-$(A2_DEBSHA256) $(A2_OUT)/deps-$(1)/lib/libaprutil-1.a $(4)/lib/libpcre2-8.a $(4)/lib/libz.a
	rm -rf $(A2_OUT)/$(1)-build && cp -a $(A2_OUT)/src $(A2_OUT)/$(1)-build
	cd $(A2_OUT)/$(1)-build && ./configure $(3) $(A2_CONF) --with-apr=$(CURDIR)/$(A2_OUT)/deps-$(1) \
		--with-apr-util=$(CURDIR)/$(A2_OUT)/deps-$(1) --with-pcre=$(CURDIR)/$(4)/bin/pcre2-config \
		--with-z=$(CURDIR)/$(4) CC=$(2) CPPFLAGS='-DBUILD_DATETIME=\"$(A2_BUILD_DATETIME)\"' \
		$(call a2_log,configure.log)
	touch $$@
endef
$(eval $(call a2_build,sconce,$(APPS_SCONCE_CC),--host=x86_64-linux-musl,$(LIBS_OUT)/sconce))
$(eval $(call a2_build,native,gcc,,$(LIBS_OUT)/native))

$(A2_OUT)/httpd: $(A2_OUT)/sconce-build/.configured $(APPS_IMAGE_DEPS)
	rm -f $(A2_OUT)/sconce-build/httpd
	$(MAKE) -C $(A2_OUT)/sconce-build -j$(JOBS) $(call a2_log,$(A2_OUT)/sconce-build/build.log)
	cp $(A2_OUT)/sconce-build/httpd $@
	cp $(APPS_SCONCE) $(A2_OUT)/sconce
	@echo "sconce: enclave image $@"
$(A2_OUT)/native/httpd: $(A2_OUT)/native-build/.configured
	$(MAKE) -C $(A2_OUT)/native-build -j$(JOBS) $(call a2_log,$(A2_OUT)/native-build/build.log)
	mkdir -p $(A2_OUT)/native && cp $(A2_OUT)/native-build/httpd $@
	@echo "sconce: native build $@"

check-apps-apache2: apps/apache2
	apps/apache2/test.sh
