#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpd.mode=run: the demonstration.  Loads the modules, shows what they expose, and either
# hands over an interactive shell (when the host is on a terminal) or exits.
. /guest/lib.sh

show() {
	echo "guest# $*"
	sh -c "$*" 2>&1 | sed 's/^/    /'
}

dmesg -n 1
echo "rpd: ===== rust-padata demo ====="
show "cat /sys/devices/system/cpu/online"
show "insmod $M/rust_padata.ko && insmod $M/rust_pcrypt.ko debugfs=1"
show "grep '^rust_p' /proc/modules"
show "ls -l /sys/kernel/pcrypt/"
for f in /sys/kernel/pcrypt/*/*; do
	[ -f "$f" ] && show "cat $f"
done
show "echo 3 > /sys/kernel/pcrypt/pencrypt/parallel_cpumask; cat /sys/kernel/pcrypt/pencrypt/parallel_cpumask"
show "echo xyz > /sys/kernel/pcrypt/pencrypt/parallel_cpumask; cat /sys/kernel/pcrypt/pencrypt/parallel_cpumask"
show "echo f > /sys/kernel/pcrypt/pencrypt/parallel_cpumask"
show "rpd-crconf add 'gcm(aes)' 3; rpd-crconf add 'pcrypt(gcm-aes-lib)' 3"
show "grep -A8 'pcrypt(gcm-aes-lib)' /proc/crypto"
# The engine's counters (Documentation/ABI/testing/debugfs-rust-padata): the self-tests of
# the new instance went through its encryption shell.
show "ls /sys/kernel/debug/rust_pcrypt/ /sys/kernel/debug/rust_pcrypt/pencrypt/"
show "cat /sys/kernel/debug/rust_pcrypt/pencrypt/*/stats"
# Live: rpd-stat while tcrypt drives 8 requests at a time through the instance.
traffic_start 215
show "rpd-stat 2000 3"
traffic_stop
show "rmmod rust_padata; insmod $M/rust_padata.ko bench_jobs=100000 bench_submitters=4"
show "dmesg | grep -E 'rust_padata|rust_pcrypt' | grep -v '#' | tail -n 5"
show "rpd-crconf del 'pcrypt(gcm-aes-lib)' 3 && echo instance deleted"

if [ "$RPD_INTERACTIVE" = 1 ]; then
	echo "rpd: interactive shell; modules are in $M.  'exit' (or Ctrl-D) powers the guest off."
	setsid cttyhack sh
else
	show "rmmod rust_pcrypt && rmmod rust_padata && echo unloaded cleanly"
fi
