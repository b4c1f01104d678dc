# SQLite's sqlite3 shell from Debian 12's source package (upstream tarball
# and Debian's patch series, both pinned by sha256), for the file-system
# shield's database test (tests/56-sqlite.t).  Not part of `make`: the
# enclave build takes about a minute on 2 cores.
#
#   make apps/sqlite    build/apps/sqlite/sqlite3         enclave image (sconce-cc)
#                       build/apps/sqlite/native/sqlite3  gcc + glibc, for comparison
#
# The orig tarball has no amalgamation: sqlite3.c and shell.c are generated
# natively with the tree's own configure and `make sqlite3.c shell.c`
# (which runs tclsh, Debian package tcl), then each build compiles just
# those two files.  The feature flags are Debian's (debian/rules) except
# that extensions cannot be loaded (no dlopen in the enclave) and there is
# no readline.  The image is relinked when the runtime changes.
SQLITE_DEB := 3.40.1-2+deb12u2
SQLITE_TAR := sqlite3_3.40.1.orig.tar.xz
SQLITE_SHA256 := aaa776260ab4dc976db34aa7891819484c8676b5b2783123ebc6301e2ca5d655
SQLITE_DEBTAR := sqlite3_3.40.1-2+deb12u2.debian.tar.xz
SQLITE_DEBSHA256 := 0843bc12e4364076477935ce313a6d0796fd899a989ff18ebb6545540e10e4ca
SQLITE_OUT := $(B)/apps/sqlite
SQLITE_CFLAGS := -O2 -fno-strict-aliasing -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA \
	-DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_RTREE=1 \
	-DSQLITE_SOUNDEX=1 -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB \
	-DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 -DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS \
	-DSQLITE_THREADSAFE=1 -DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25 \
	-DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_OMIT_LOAD_EXTENSION -DHAVE_READLINE=0 \
	-DHAVE_USLEEP=1 -DHAVE_FDATASYNC=1
# What an enclave image is made of: a change here means relink.
SQLITE_IMAGE_DEPS := $(B)/bin/sconce-cc $(B)/lib/libsconce.a $(B)/lib/sconce-crt1.o \
	$(B)/musl/lib/libc.a $(OPENSSL_LIB)

.PHONY: apps/sqlite
apps/sqlite: $(SQLITE_OUT)/sqlite3 $(SQLITE_OUT)/native/sqlite3

$(SQLITE_OUT)/src/.unpacked-$(SQLITE_DEBSHA256): apps/debian-src.sh | $(B)/.deps
	apps/debian-src.sh sqlite3 '$(SQLITE_DEB)' $(SQLITE_TAR) $(SQLITE_SHA256) \
		'$(SQLITE_DEBTAR)' $(SQLITE_DEBSHA256) $(SQLITE_OUT)/src
	touch $@

$(SQLITE_OUT)/amalg/sqlite3.c: $(SQLITE_OUT)/src/.unpacked-$(SQLITE_DEBSHA256)
	@command -v tclsh >/dev/null || { echo "sconce: generating sqlite3.c needs tclsh (Debian package tcl)"; exit 1; }
	rm -rf $(SQLITE_OUT)/amalg && mkdir -p $(SQLITE_OUT)/amalg
	cd $(SQLITE_OUT)/amalg && ../src/configure --disable-tcl >configure.log 2>&1 || \
		{ cat configure.log; exit 1; }
	$(MAKE) -C $(SQLITE_OUT)/amalg -j$(JOBS) sqlite3.c shell.c >$(SQLITE_OUT)/amalg/build.log 2>&1 || \
		{ tail -40 $(SQLITE_OUT)/amalg/build.log; exit 1; }

# Compile once into an object (recompiled only when the C library or the
# compiler wrapper changes), link whenever the runtime changes.
$(SQLITE_OUT)/obj/sqlite3.o: $(SQLITE_OUT)/amalg/sqlite3.c $(B)/bin/sconce-cc $(B)/musl/lib/libc.a
	@mkdir -p $(dir $@)
	$(B)/bin/sconce-cc $(SQLITE_CFLAGS) -I$(SQLITE_OUT)/amalg -c $< -o $@
$(SQLITE_OUT)/obj/shell.o: $(SQLITE_OUT)/amalg/sqlite3.c $(B)/bin/sconce-cc $(B)/musl/lib/libc.a
	@mkdir -p $(dir $@)
	$(B)/bin/sconce-cc $(SQLITE_CFLAGS) -I$(SQLITE_OUT)/amalg -c $(SQLITE_OUT)/amalg/shell.c -o $@
$(SQLITE_OUT)/sqlite3: $(SQLITE_OUT)/obj/sqlite3.o $(SQLITE_OUT)/obj/shell.o $(SQLITE_IMAGE_DEPS)
	$(B)/bin/sconce-cc $(SQLITE_OUT)/obj/shell.o $(SQLITE_OUT)/obj/sqlite3.o -o $@
	@echo "sconce: enclave image $@"

$(SQLITE_OUT)/native/sqlite3: $(SQLITE_OUT)/amalg/sqlite3.c
	@mkdir -p $(dir $@)
	gcc $(SQLITE_CFLAGS) -I$(SQLITE_OUT)/amalg $(SQLITE_OUT)/amalg/shell.c $< -o $@ -lm -lpthread
