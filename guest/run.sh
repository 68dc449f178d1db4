#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpd.mode=run: the demonstration.  Loads the modules, shows what they expose, and either
# hands over an interactive shell (when the host is on a terminal) or exits.
M=/lib/modules/rpd

show() {
	echo "guest# $*"
	sh -c "$*" 2>&1 | sed 's/^/    /'
}

echo "rpd: ===== rust-padata demo ====="
show "cat /sys/devices/system/cpu/online"
show "insmod $M/rust_padata.ko && insmod $M/rust_pcrypt.ko"
show "grep '^rust_p' /proc/modules"
show "ls -l /sys/kernel/pcrypt/"
for f in /sys/kernel/pcrypt/*/*; do
	[ -f "$f" ] && show "cat $f"
done
show "dmesg | grep -E 'rust_padata|rust_pcrypt' | tail -n 20"
[ -x /guest/demo-extra.sh ] && /guest/demo-extra.sh

if [ "$RPD_INTERACTIVE" = 1 ]; then
	echo "rpd: interactive shell; modules are in $M.  'exit' (or Ctrl-D) powers the guest off."
	setsid cttyhack sh
else
	show "rmmod rust_pcrypt && rmmod rust_padata && echo unloaded cleanly"
fi
