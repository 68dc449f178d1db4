#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure (tinyconfig + .config.fragment) and build the custom kernel out of tree, cached
# under $CACHE/kernel/<key>, where the key hashes everything that produced it: the Debian
# source package, the fragment(s), the toolchain versions and this script.
#
# Usage: build-kernel.sh [EXTRA_FRAGMENT...]   Prints the kernel build directory (last line).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KSRC=$("$TOP/scripts/fetch-kernel.sh" | tail -n 1)
frags=("$TOP/.config.fragment" "$@")

key=$({
	cat "$KSRC/.debian-package"
	cat "${frags[@]}"
	dpkg-query -W -f='${Package} ${Version}\n' rustc-web rust-web-src clang-19 lld-19 llvm-19
	"$BINDGEN_BIN" --version
	cat "$0"
} | sha256sum | cut -c1-16)
KOBJ=$CACHE/kernel/$key

if [ -f "$KOBJ/.build-ok" ]; then
	say "kernel cached: $KOBJ"
	echo "$KOBJ"
	exit 0
fi

mapfile -t KVARS < <(kmake_vars)
kmake() { make -C "$KSRC" O="$KOBJ" "${KVARS[@]}" "$@"; }

mkdir -p "$KOBJ"
rm -f "$KOBJ/.build-ok"
step kernel-rustavailable "checking the Rust toolchain (make rustavailable)" kmake rustavailable
step kernel-config "configuring: tinyconfig + ${frags[*]##*/}" bash -c '
	set -e
	make -C "$1" O="$2" "${@:4}" tinyconfig
	"$1/scripts/kconfig/merge_config.sh" -m -O "$2" "$2/.config" $3
	make -C "$1" O="$2" "${@:4}" olddefconfig
' _ "$KSRC" "$KOBJ" "${frags[*]}" "${KVARS[@]}"

# Every option in the fragment(s) must have ended up set exactly as written.
dropped=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$KOBJ/.config" || dropped+=("$line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$KOBJ/.config" || echo unset))")
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$KOBJ/.config" || dropped+=("$line (got: $(grep "^$opt=" "$KOBJ/.config"))")
		;;
	esac
done < <(cat "${frags[@]}")
if [ ${#dropped[@]} -gt 0 ]; then
	printf '  Kconfig dropped: %s\n' "${dropped[@]}" >&2
	die "the kernel configuration lost ${#dropped[@]} option(s) of the fragment; see $KOBJ/.config"
fi
say "configuration verified: every fragment option is set"

step kernel-build "building the kernel (bzImage + modules; ~7 min on 2 cores)" \
	kmake -j"$(nproc)" bzImage modules
[ -f "$KOBJ/arch/x86/boot/bzImage" ] || die "no bzImage after the build"
touch "$KOBJ/.build-ok"
echo "$KOBJ"
