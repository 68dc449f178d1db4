#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Autoload: for a template it does not know, the crypto API asks modprobe for
# crypto-<template>. rust_pcrypt answers for pcrypt and for its alternative name pcrypt_rs,
# with and without alt_name (set through modprobe.d, as a distribution would).
. /guest/lib.sh
suite_begin guest_autoload

inner=$(inner_driver "gcm(aes)")
K=/lib/modules/$(uname -r)
mkdir -p "$K" /etc/modprobe.d
cp $M/rust_pcrypt.ko "$K/"
check depmod depmod
old_modprobe=$(cat /proc/sys/kernel/modprobe)
# Whatever happens below, the other tests find no autoloading set up.
cleanup() {
	echo "$old_modprobe" >/proc/sys/kernel/modprobe
	rm -rf "$K" /etc/modprobe.d/rpd.conf
}
trap cleanup EXIT
check modprobe_path sh -c 'echo /bin/modprobe >/proc/sys/kernel/modprobe'
check unload_rust_pcrypt rmmod rust_pcrypt

# With alt_name=1 only pcrypt_rs exists, and a request for it loads the module.
echo "options rust_pcrypt alt_name=1" >/etc/modprobe.d/rpd.conf
check autoload_pcrypt_rs_alt_name rpd-crconf add "pcrypt_rs($inner)" 3
check loaded_alt_name grep -q '^rust_pcrypt ' /proc/modules
check alt_kset test -d /sys/kernel/pcrypt_rs
check no_pcrypt_kset test ! -e /sys/kernel/pcrypt
expect_eq selftest_pcrypt_rs_alt_name "$(field "pcrypt_rs($inner)" selftest)" passed
check del_pcrypt_rs_alt_name rpd-crconf del "pcrypt_rs($inner)" 3
check unload_alt_name rmmod rust_pcrypt

# Without it, both names work, and the drop-in kset is /sys/kernel/pcrypt.
rm /etc/modprobe.d/rpd.conf
check autoload_pcrypt_rs rpd-crconf add "pcrypt_rs($inner)" 3
check kset_pcrypt test -d /sys/kernel/pcrypt
check del_pcrypt_rs rpd-crconf del "pcrypt_rs($inner)" 3
check unload_default rmmod rust_pcrypt
check autoload_pcrypt rpd-crconf add "pcrypt($inner)" 3
check loaded_default grep -q '^rust_pcrypt ' /proc/modules
expect_eq selftest_pcrypt "$(field "pcrypt($inner)" selftest)" passed
check del_pcrypt rpd-crconf del "pcrypt($inner)" 3

suite_end
