#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for make exec: the memory one pcrypt algorithm instance costs, C pcrypt.ko
# against rust_pcrypt.ko, in one boot. Both modules are loaded side by side (Rust as
# pcrypt_rs); the inner algorithms are created first, so only the pcrypt layer is counted.
# For each template, five instances (one per inner AEAD) are created and the growth of
# Slab + Percpu + VmallocUsed (/proc/meminfo) is divided by five. Run with more possible
# CPUs than online ones, as on a distribution kernel:
#
#   RPD_POSSIBLE=64 make exec CMDS=tools/mem-per-instance.sh
. /guest/lib.sh
insmod $M/pcrypt.ko
insmod $M/rust_pcrypt.ko alt_name=1 lane_max=4096
echo "rpd: mem: possible CPUs $(cat /sys/devices/system/cpu/possible)," \
	"online $(cat /sys/devices/system/cpu/online)"
mem() {
	awk '/^Slab:|^Percpu:|^VmallocUsed:/ { s += $2 } END { print s }' /proc/meminfo
}
inners=""
for alg in "gcm(aes)" "rfc4106(gcm(aes))" "rfc4309(ccm(aes))" "rfc7539esp(chacha20,poly1305)" \
	"authenc(hmac(sha256),cbc(aes))"; do
	inners="$inners $(inner_driver "$alg")"
done
for round in 1 2; do
	for tmpl in pcrypt pcrypt_rs; do
		sleep 1
		before=$(mem)
		for inner in $inners; do
			rpd-crconf add "$tmpl($inner)" 3 >/dev/null 2>&1 || echo "rpd: mem: $tmpl($inner) failed"
		done
		sleep 1
		after=$(mem)
		echo "rpd: mem: round $round: $tmpl: $(((after - before) / 5)) kB per instance" \
			"(Slab+Percpu+VmallocUsed, 5 instances)"
		for inner in $inners; do
			rpd-crconf del "$tmpl($inner)" 3 >/dev/null 2>&1
		done
	done
done
