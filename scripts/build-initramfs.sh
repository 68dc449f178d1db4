#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs: static busybox, the project's modules, the kernel's C pcrypt and
# tcrypt modules (for side-by-side runs), the guest scripts and guest tools.
# Usage: build-initramfs.sh OUTPUT.cpio.gz      (KDIR and MODDIR must be set)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1
root=$BUILD/$(basename "$out" .cpio.gz)
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,lib/modules/rpd,guest}

cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
	[ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
done

cp "$MODDIR"/rust_padata.ko "$MODDIR"/rust_pcrypt.ko "$MODDIR"/rpd_hwsim.ko "$root/lib/modules/rpd/"
for ko in "$MODDIR"/samples/*.ko; do
	[ -f "$ko" ] && cp "$ko" "$root/lib/modules/rpd/"
done
for ko in crypto/pcrypt.ko crypto/tcrypt.ko; do
	[ -f "$KDIR/$ko" ] && cp "$KDIR/$ko" "$root/lib/modules/rpd/"
done

cp -r "$TOP"/guest/. "$root/guest/"
mv "$root/guest/init" "$root/init"
if [ -n "${RPD_EXEC:-}" ]; then
	cp "$RPD_EXEC" "$root/guest/exec-cmds.sh"
fi
chmod +x "$root/init" "$root"/guest/*.sh
[ -d "$BUILD/guest-bin" ] && cp -r "$BUILD/guest-bin/." "$root/usr/bin/"

# iproute2 from Debian (the host's package) with its shared libraries, for the IPsec test.
ipbin=$(command -v ip)
mkdir -p "$root/sbin" "$root/lib64" "$root/lib/x86_64-linux-gnu"
cp "$ipbin" "$root/sbin/ip"
rm -f "$root/bin/ip"
for lib in $(ldd "$ipbin" | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }'); do
	cp -L "$lib" "$root$lib"
done

# RPD_GUEST_BINS="/usr/bin/perf ...": host binaries for a profiling session (make exec), with
# their shared libraries. Debian's perf works on the guest kernel with -e cpu-clock.
for bin in ${RPD_GUEST_BINS:-}; do
	cp "$bin" "$root/usr/bin/"
	for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
