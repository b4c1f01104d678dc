#!/bin/sh
# scripts/make-test-pki.sh DIR [other]
#
# A throw-away PKI for tests and benchmarks of the network shield, in DIR:
# ca.pem/ca.key (a CA), server.pem/server.key (signed by it, for localhost
# and 127.0.0.1), and with "other" also other.pem/other.key (a second CA
# that trusts nothing here).  P-256 keys, valid two days.  openssl's output
# goes to DIR/pki.log; exit status non-zero if anything failed.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
{
	# shellcheck disable=SC2086
	openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj "/CN=sconce test CA"
	if [ "${2:-}" = other ]; then
		openssl req -x509 $ec -keyout other.key -out other.pem -days 2 -subj "/CN=some other CA"
	fi
	openssl req $ec -keyout server.key -out server.csr -subj "/CN=localhost"
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext.cnf
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
		-days 2 -extfile ext.cnf
} >pki.log 2>&1 || { echo "sconce: test PKI in $dir: openssl failed (see $dir/pki.log)" >&2; exit 1; }
