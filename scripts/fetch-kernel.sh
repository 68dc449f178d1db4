#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Obtain the Linux 7.3 source from Debian's linux-source-7.3 package (trixie-backports).
#
# The suite is added only to a private apt configuration under the cache, so the host's apt
# state is never changed and nothing from trixie can be installed by accident.  The mirror is
# whatever this machine's Debian sources already use.
# Prints the path of the unpacked tree on stdout (last line).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

APTDIR=$CACHE/apt
SRCDIR=$CACHE/src

mirror() {
	local uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
			/etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '/^deb / && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d/debian.sources}"
	echo "$uri"
}

private_apt() {
	apt-get -o Dir::Etc::SourceList="$APTDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" \
		-o Dir::State::status=/dev/null -o APT::Get::List-Cleanup=0 "$@"
}

fetch() {
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/debs"
	echo "deb $(mirror) $KSRC_SUITE main" >"$APTDIR/sources.list"
	private_apt update
	(cd "$APTDIR/debs" && rm -f ./*.deb && private_apt download "$KSRC_PKG")
}

tree_ok() {
	local d=$1
	[ -f "$d/.unpacked-ok" ] && [ -f "$d/Makefile" ] && [ -f "$d/kernel/padata.c" ] &&
		[ -f "$d/crypto/pcrypt.c" ] && [ -f "$d/rust/kernel/workqueue.rs" ] &&
		[ -x "$d/scripts/checkpatch.pl" ] && [ -f "$d/tools/testing/kunit/kunit.py" ]
}

existing=$(ls -d "$SRCDIR"/linux-source-"$KVER_SERIES" 2>/dev/null || true)
if [ -n "$existing" ] && tree_ok "$existing"; then
	echo "$existing"
	exit 0
fi

step fetch-kernel "downloading $KSRC_PKG from Debian $KSRC_SUITE" fetch
deb=$(ls "$APTDIR"/debs/"$KSRC_PKG"_*.deb | head -n 1)
[ -f "$deb" ] || die "download of $KSRC_PKG produced no .deb"
rm -rf "$SRCDIR" && mkdir -p "$SRCDIR/deb"
step unpack-deb "extracting $(basename "$deb")" dpkg-deb -x "$deb" "$SRCDIR/deb"
tarball=$(ls "$SRCDIR"/deb/usr/src/linux-source-"$KVER_SERIES".tar.* | head -n 1)
[ -f "$tarball" ] || die "no source tarball inside $deb"
step unpack-src "unpacking $(basename "$tarball")" tar -C "$SRCDIR" -xf "$tarball"
rm -rf "$SRCDIR/deb"
tree=$SRCDIR/linux-source-$KVER_SERIES
tree_ok_no_stamp() { touch "$tree/.unpacked-ok"; tree_ok "$tree"; }
tree_ok_no_stamp || { rm -f "$tree/.unpacked-ok"; die "kernel tree $tree is incomplete"; }
basename "$deb" >"$tree/.debian-package"
echo "$tree"
