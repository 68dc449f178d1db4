#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Side by side in one boot: crypto/pcrypt.ko (C) at /sys/kernel/pcrypt and rust_pcrypt.ko
# (alt_name=1) at /sys/kernel/pcrypt_rs get the same writes; the error and the visible state
# afterwards must be the same.
. /guest/lib.sh
suite_begin guest_sysfs_vs_c

check unload_rust_pcrypt rmmod rust_pcrypt
check load_rust_pcrypt_alt_name insmod $M/rust_pcrypt.ko alt_name=1
check load_c_pcrypt insmod $M/pcrypt.ko
check c_sysfs_present test -f /sys/kernel/pcrypt/pencrypt/parallel_cpumask
check rust_sysfs_present test -f /sys/kernel/pcrypt_rs/pencrypt/parallel_cpumask

# Writes `$2` to file `$1` of one tree (`$3`), prints "<error text>|<value read back>".
try() {
	err=$(sh -c "echo '$2' > /sys/kernel/$3/pencrypt/$1" 2>&1 | sed 's/.*: //')
	echo "$err|$(cat /sys/kernel/"$3"/pencrypt/"$1")"
}
i=0
for input in "f" "3" "" "   " "xyz" "1g" "100" "ffffffff1" "1,00000000" "0,3" "1,2,3" \
	" 3 " "0x3" "-1" "3,"; do
	for f in parallel_cpumask serial_cpumask; do
		i=$((i + 1))
		c=$(try $f "$input" pcrypt)
		r=$(try $f "$input" pcrypt_rs)
		expect_eq "same_as_c_${i}_${f}" "$r" "$c"
		# Put a valid mask back in both (an invalid one would stop the instances).
		try $f "f" pcrypt >/dev/null
		try $f "f" pcrypt_rs >/dev/null
	done
done
# Masks of only offline CPUs (and partly offline ones), with the last CPU offline.
ncpu=$(grep -c ^processor /proc/cpuinfo)
off=$((ncpu - 1))
check offline_last_cpu sh -c "echo 0 >/sys/devices/system/cpu/cpu$off/online"
for input in "$(printf '%x' $((1 << off)))" "$(printf '%x' $(((1 << off) | 1)))" "f"; do
	for f in parallel_cpumask serial_cpumask; do
		i=$((i + 1))
		c=$(try $f "$input" pcrypt)
		r=$(try $f "$input" pcrypt_rs)
		expect_eq "same_as_c_offline_${i}_${f}" "$r" "$c"
	done
done
check online_last_cpu sh -c "echo 1 >/sys/devices/system/cpu/cpu$off/online"
check unload_c_pcrypt rmmod pcrypt

# The benchmark helper through_pcrypt (guest/lib.sh) unloads a module copied under another
# file name by its module name, and measures nothing with a module that did not load.
cp $M/pcrypt.ko $M/pcrypt_copy.ko
rm -f /tmp/tp_ran
check through_pcrypt_copy through_pcrypt pcrypt pcrypt_copy.ko touch /tmp/tp_ran
check through_pcrypt_copy_ran test -e /tmp/tp_ran
check through_pcrypt_copy_unloaded sh -c "! grep -q '^pcrypt ' /proc/modules"
rm -f /tmp/tp_ran $M/pcrypt_copy.ko
# rust_pcrypt (alt_name=1) is loaded: loading it again fails.
fails() { ! "$@"; }
check through_pcrypt_insmod_fails fails through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" \
	touch /tmp/tp_ran
check through_pcrypt_insmod_fails_runs_nothing test ! -e /tmp/tp_ran
rm -f /tmp/tp_ran
check unload_rust_alt rmmod rust_pcrypt
check reload_rust_pcrypt insmod $M/rust_pcrypt.ko debugfs=1
suite_end
