# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the top-level commands: installs what is missing, builds (or reuses) the kernel,
# builds the module and resolves the paths every later step needs:
#   KDIR   kernel build tree (the cached custom kernel, or $KDIR from the user)
#   KSRC   kernel source tree (for kunit.py and checkpatch.pl)
#   BZIMAGE
#   MODDIR where the built modules are ($TOP, or $RPD_MODDIR: a staged copy of the sources
#          built for a second kernel, such as make stress's debug kernel)
# Usage: . scripts/prepare.sh [EXTRA_KERNEL_FRAGMENT...]

"$TOP/scripts/host-setup.sh"

if [ -n "${KDIR:-}" ]; then
	KDIR=$(cd "$KDIR" && pwd)
	[ -f "$KDIR/.config" ] || die "KDIR=$KDIR is not a configured kernel tree"
	say "using the kernel tree given in KDIR=$KDIR"
else
	KDIR=$("$TOP/scripts/build-kernel.sh" "$@" | tail -n 1)
fi
if [ -f "$KDIR/source/Makefile" ]; then
	KSRC=$(cd "$KDIR/source" && pwd)
else
	KSRC=$KDIR
fi
BZIMAGE=$KDIR/arch/x86/boot/bzImage
[ -f "$BZIMAGE" ] || die "no bzImage in $KDIR"
# The modules are built in the tree (the standard `make -C $KDIR M=$PWD`), or, for a second
# kernel such as make stress's debug kernel, in a staged copy of the sources at $RPD_MODDIR
# (kbuild's MO= refuses a source tree that has an in-tree build, which the first one is).
MODDIR=${RPD_MODDIR:-$TOP}
if [ "$MODDIR" != "$TOP" ]; then
	mkdir -p "$MODDIR"
	# Tracked and new files; -p keeps modification times, so unchanged objects are reused.
	(cd "$TOP" && git ls-files -co --exclude-standard -z |
		xargs -0 cp -p --parents -t "$MODDIR") || die "cannot stage the sources in $MODDIR"
fi
export KDIR KSRC BZIMAGE MODDIR

mapfile -t KVARS < <(kmake_vars)
modlog=module-build${RPD_MODDIR:+-$(basename "$MODDIR")}
step "$modlog" "building the modules: make -C \$KDIR M=$MODDIR" \
	make -C "$KDIR" M="$MODDIR" "${KVARS[@]}" -j"$(nproc)" modules
if has_warnings "$BUILD/$modlog.log" >&2; then
	die "the module build printed warnings (zero are allowed); full log: $BUILD/$modlog.log"
fi

# Guest tools (static binaries, copied into the initramfs by build-initramfs.sh).
step guest-tools "building guest tools (rpd-crconf, rpd-udpseq, rpd-stat; static)" bash -c '
	set -e
	mkdir -p "$2/guest-bin"
	for t in crconf udpseq stat; do
		cd "$1/tools/$t"
		RUSTFLAGS="-C target-feature=+crt-static" cargo build --locked --release \
			--target x86_64-unknown-linux-gnu
		cp target/x86_64-unknown-linux-gnu/release/rpd-$t "$2/guest-bin/"
	done
' _ "$TOP" "$BUILD"
