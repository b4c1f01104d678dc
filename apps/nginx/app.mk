# NGINX from Debian 12's source package (upstream tarball + Debian's patch
# series, pinned by sha256), built twice from the same patched tree, with
# PCRE2 and zlib from apps/libs.mk built the same way:
#   build/apps/nginx/nginx          enclave image (sconce-cc, musl, static
#                                   PCRE2 and zlib built with sconce-cc)
#   build/apps/nginx/native/nginx   plain gcc + glibc, for comparison
#
#   make apps/nginx          build both
#   make check-apps-nginx    static file, proxy and load tests inside sconce
#                            (apps/nginx/test.sh)
#
# Modules: nginx's defaults (static, index, proxy, rewrite with PCRE2, gzip
# with zlib, ...), no SSL, no thread pools.  The enclave runs nginx as one
# process (apps/nginx/nginx.conf: master_process off, daemon off): fork is
# not available inside the enclave.  The image is relinked when the runtime
# changes and rebuilt from scratch when the C library changes; the
# launcher of the same build is kept beside it (build/apps/nginx/sconce).

include apps/libs.mk

NGINX_DEB := 1.22.1-9+deb12u9
NGINX_TAR := nginx_1.22.1.orig.tar.gz
NGINX_SHA256 := 9ebb333a9e82b952acd3e2b4aeb1d4ff6406f72491bab6cd9fe69f0dea737f31
NGINX_DEBTAR := nginx_1.22.1-9+deb12u9.debian.tar.xz
NGINX_DEBSHA256 := 3aebca44037e31b4148cec5a10dc673fdac176411aaa65a0094135895d154223
NGINX_OUT := $(B)/apps/nginx
# Paths are given at run time (-p PREFIX -c CONF -e stderr).
NGINX_CONF := --prefix=/usr/local/nginx --without-http_auth_basic_module \
	--http-client-body-temp-path=tmp/body --http-proxy-temp-path=tmp/proxy \
	--http-fastcgi-temp-path=tmp/fastcgi --http-uwsgi-temp-path=tmp/uwsgi \
	--http-scgi-temp-path=tmp/scgi

APPS += nginx
.PHONY: apps/nginx check-apps-nginx
apps/nginx: $(NGINX_OUT)/nginx $(NGINX_OUT)/native/nginx

$(NGINX_OUT)/src/.unpacked-$(NGINX_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh nginx '$(NGINX_DEB)' $(NGINX_TAR) $(NGINX_SHA256) \
		'$(NGINX_DEBTAR)' $(NGINX_DEBSHA256) $(NGINX_OUT)/src
	touch $@

# nginx's configure compiles and runs its feature tests: with sconce-cc
# they run inside the enclave (the images are directly executable).
$(NGINX_OUT)/sconce-build/.configured: $(NGINX_OUT)/src/.unpacked-$(NGINX_DEBSHA256) $(APPLIBS_SCONCE)
	rm -rf $(NGINX_OUT)/sconce-build
	cp -a $(NGINX_OUT)/src $(NGINX_OUT)/sconce-build
	cd $(NGINX_OUT)/sconce-build && ./configure $(NGINX_CONF) --with-cc=$(APPS_SCONCE_CC) \
		--with-cc-opt="-O2 -I$(CURDIR)/$(LIBS_OUT)/sconce/include" \
		--with-ld-opt="-L$(CURDIR)/$(LIBS_OUT)/sconce/lib" >configure.log 2>&1 || \
		{ tail -30 configure.log; exit 1; }
	touch $@
$(NGINX_OUT)/nginx: $(NGINX_OUT)/sconce-build/.configured $(APPS_IMAGE_DEPS)
	rm -f $(NGINX_OUT)/sconce-build/objs/nginx
	$(MAKE) -C $(NGINX_OUT)/sconce-build -j$(JOBS) >$(NGINX_OUT)/sconce-build/build.log 2>&1 || \
		{ tail -40 $(NGINX_OUT)/sconce-build/build.log; exit 1; }
	cp $(NGINX_OUT)/sconce-build/objs/nginx $@
	cp $(APPS_SCONCE) $(NGINX_OUT)/sconce
	@echo "sconce: enclave image $@"

$(NGINX_OUT)/native/nginx: $(NGINX_OUT)/src/.unpacked-$(NGINX_DEBSHA256) $(APPLIBS_NATIVE)
	rm -rf $(NGINX_OUT)/native-build $(NGINX_OUT)/native
	cp -a $(NGINX_OUT)/src $(NGINX_OUT)/native-build
	cd $(NGINX_OUT)/native-build && ./configure $(NGINX_CONF) --with-cc=gcc \
		--with-cc-opt="-O2 -I$(CURDIR)/$(LIBS_OUT)/native/include" \
		--with-ld-opt="-L$(CURDIR)/$(LIBS_OUT)/native/lib" >configure.log 2>&1 || \
		{ tail -30 configure.log; exit 1; }
	$(MAKE) -C $(NGINX_OUT)/native-build -j$(JOBS) >$(NGINX_OUT)/native-build/build.log 2>&1 || \
		{ tail -40 $(NGINX_OUT)/native-build/build.log; exit 1; }
	mkdir -p $(NGINX_OUT)/native
	cp $(NGINX_OUT)/native-build/objs/nginx $@
	@echo "sconce: native build $@"

check-apps-nginx: apps/nginx
	apps/nginx/test.sh
