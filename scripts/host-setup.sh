#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the host toolchain (Debian packages + bindgen-cli) when something is missing.
# Idempotent: a second run only checks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=(clang-19 lld-19 llvm-19 libclang-19-dev rustc-web rust-web-src rust-web-clippy rustfmt-web
      flex bison bc make libelf-dev libssl-dev cpio xz-utils python3 perl
      busybox-static qemu-system-x86 iproute2 shellcheck gcc libc6-dev)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}) and not root"
	export DEBIAN_FRONTEND=noninteractive
	step apt-update "apt-get update" apt-get update
	step apt-install "installing ${missing[*]}" \
		apt-get install -y --no-install-recommends "${missing[@]}"
fi

# rustc-web and rust-web-src must be the same source version.
rv=$(dpkg-query -W -f='${Version}' rustc-web)
sv=$(dpkg-query -W -f='${Version}' rust-web-src)
[ "$rv" = "$sv" ] || die "rustc-web ($rv) and rust-web-src ($sv) differ"

if ! [ -x "$BINDGEN_BIN" ] || ! "$BINDGEN_BIN" --version | grep -q "$BINDGEN_VERSION"; then
	step bindgen "cargo install bindgen-cli $BINDGEN_VERSION" \
		cargo install --locked --root "$CACHE/tools" bindgen-cli --version "$BINDGEN_VERSION"
fi
