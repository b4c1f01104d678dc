#!/bin/sh
# Install the Debian packages sconce needs to build and test, and enable
# deb-src so third-party sources come from Debian's archive.  Idempotent:
# does nothing when everything is present.
set -eu

# Build: gcc ... xz-utils; tcl generates SQLite's amalgamation (tests/56).
# Tests: openssl (s_client, test certificates) and python3 (network
# clients) for the shields; clang and libFuzzer replay the fuzz inputs.
PACKAGES="gcc make binutils libc6-dev linux-libc-dev libssl-dev perl dpkg-dev xz-utils tcl
openssl python3 clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

need_src=0
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
	need_src=1
fi

[ -z "$missing" ] && [ $need_src = 0 ] && exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

if [ $need_src = 1 ]; then
	echo "sconce: enabling deb-src in /etc/apt/sources.list.d/debian.sources"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		$SUDO sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
	else
		echo "sconce: no /etc/apt/sources.list.d/debian.sources: add deb-src lines for Debian 12 by hand" >&2
		exit 1
	fi
fi
$SUDO apt-get update -q
if [ -n "$missing" ]; then
	echo "sconce: installing$missing"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
