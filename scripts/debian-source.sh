#!/bin/sh
# debian-source.sh PACKAGE VERSION UPSTREAM_TARBALL SHA256 DESTDIR
#
# Fetch a pinned Debian source package with apt-get source, check the
# upstream tarball's sha256 and unpack it (without Debian's patches) into
# DESTDIR.  Downloads are cached outside the checkout, keyed by version and
# checksum, in ${SCONCE_CACHE:-$HOME/.cache/sconce}.
set -eu

pkg=$1 version=$2 tarball=$3 sha=$4 dest=$5
cache=${SCONCE_CACHE:-$HOME/.cache/sconce}/src/$pkg-$version-$sha
mkdir -p "$cache"

if [ ! -f "$cache/$tarball" ] || ! echo "$sha  $cache/$tarball" | sha256sum -c --status; then
	echo "sconce: fetching Debian source $pkg=$version"
	if ! (cd "$cache" && apt-get source -q --download-only "$pkg=$version" >"$cache/apt.log" 2>&1); then
		cat "$cache/apt.log" >&2
		echo "sconce: $pkg: Debian's archive did not provide source version $version (is deb-src enabled? run scripts/install-deps.sh)" >&2
		exit 1
	fi
fi
if [ ! -f "$cache/$tarball" ]; then
	echo "sconce: $pkg: source package $version has no $tarball" >&2
	exit 1
fi
if ! echo "$sha  $cache/$tarball" | sha256sum -c --status; then
	echo "sconce: $pkg: checksum mismatch for $tarball (expected $sha, got $(sha256sum "$cache/$tarball" | cut -d' ' -f1))" >&2
	exit 1
fi
rm -rf "$dest"
mkdir -p "$dest"
tar -xf "$cache/$tarball" -C "$dest" --strip-components=1
