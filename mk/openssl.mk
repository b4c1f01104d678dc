# OpenSSL for the enclave: libcrypto (and libssl) from Debian's source
# package, pinned by version and checksum like musl, compiled with
# sconce-cc against the patched musl.  The file-system shield's AES-GCM
# comes from here.  Built once into $(B)/openssl (`make clean` keeps it).
OPENSSL_VERSION := 3.0.17
OPENSSL_DEB := 3.0.17-1~deb12u2
OPENSSL_SHA256 := dfdd77e4ea1b57ff3a6dbde6b0bdc3f31db5ac99e7fdd4eaf9e1fbb6ec2db8ce
OPENSSL_LIB := $(B)/openssl/lib/libcrypto.a
OPENSSL_CONFIG := no-shared no-tests no-dso no-engine no-async no-afalgeng

# sconce-cc is order-only: a change to its link flags does not change how
# the libraries compile, and a rebuild costs minutes.
$(OPENSSL_LIB): $(B)/musl/lib/libc.a | $(B)/bin/sconce-cc
	scripts/debian-source.sh openssl $(OPENSSL_DEB) openssl_$(OPENSSL_VERSION).orig.tar.gz \
		$(OPENSSL_SHA256) $(B)/src/openssl
	cd $(B)/src/openssl && CC=$(BABS)/bin/sconce-cc ./Configure linux-x86_64 \
		$(OPENSSL_CONFIG) --prefix=$(BABS)/openssl --libdir=lib \
		>configure.log 2>&1 || { cat configure.log; exit 1; }
	$(MAKE) -C $(B)/src/openssl -j$(JOBS) build_libs >$(B)/src/openssl/build.log 2>&1 || \
		{ tail -40 $(B)/src/openssl/build.log; exit 1; }
	$(MAKE) -C $(B)/src/openssl install_dev >$(B)/src/openssl/install.log 2>&1 || \
		{ tail -40 $(B)/src/openssl/install.log; exit 1; }
	touch $@
.PHONY: openssl
openssl: $(OPENSSL_LIB)
