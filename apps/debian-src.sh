#!/bin/sh
# apps/debian-src.sh PACKAGE VERSION UPSTREAM_TARBALL UPSTREAM_SHA256 DEBIAN_TARBALL DEBIAN_SHA256 DESTDIR
#
# Fetch a pinned Debian source package through scripts/debian-source.sh
# (which checks the upstream tarball's sha256 and unpacks it into DESTDIR),
# then check the sha256 of the Debian tarball (or, for source format 1.0,
# the .diff.gz) downloaded beside it and
# apply Debian's patch series (debian/patches/series), so that the build
# is exactly the pinned Debian revision, security fixes included.  Debian's
# debian/ directory is left in DESTDIR/debian for reference.
set -eu

pkg=$1 version=$2 tarball=$3 sha=$4 debtar=$5 debsha=$6 dest=$7
root=$(dirname "$(dirname "$(readlink -f "$0")")")
cache=${SCONCE_CACHE:-$HOME/.cache/sconce}/src/$pkg-$version-$sha

"$root/scripts/debian-source.sh" "$pkg" "$version" "$tarball" "$sha" "$dest"

if [ ! -f "$cache/$debtar" ]; then
	# The upstream tarball was cached without its Debian part: fetch again.
	(cd "$cache" && apt-get source -q --download-only "$pkg=$version" >"$cache/apt.log" 2>&1) || {
		cat "$cache/apt.log" >&2; exit 1; }
fi
if ! echo "$debsha  $cache/$debtar" | sha256sum -c --status; then
	echo "sconce: $pkg: checksum mismatch for $debtar (expected $debsha, got $(sha256sum "$cache/$debtar" | cut -d' ' -f1))" >&2
	exit 1
fi
case $debtar in
*.diff.gz)	# source format 1.0: one diff that adds debian/ (and may patch upstream files)
	gzip -dc "$cache/$debtar" | patch -d "$dest" -p1 -s --no-backup-if-mismatch || {
		echo "sconce: $pkg: $debtar does not apply" >&2; exit 1; } ;;
*)	tar -xf "$cache/$debtar" -C "$dest" ;;
esac
n=0
if [ -f "$dest/debian/patches/series" ]; then
	# Each line: a patch name and optionally patch(1) options (default -p1).
	sed -e 's/#.*//' "$dest/debian/patches/series" >"$dest/.series"
	while read -r p opts; do
		[ -n "$p" ] || continue
		patch -d "$dest" ${opts:--p1} -s --no-backup-if-mismatch <"$dest/debian/patches/$p" || {
			echo "sconce: $pkg: Debian patch $p does not apply" >&2; exit 1; }
		n=$((n + 1))
	done <"$dest/.series"
	rm -f "$dest/.series"
fi
echo "sconce: $pkg $version unpacked into $dest with $n Debian patches"
