# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/lane-wake-script.sh`: slab growth over
# 3 x 10,000 NEWALG/DELALG cycles (Rust, then C pcrypt), then tcrypt mode 215 (num_mb=8) for C
# pcrypt and Rust pcrypt with lane_wake_ns 0, 10000, 40000, and the engine microbenchmark.
# Results go to build/exec-results.txt; summarise with
# python3 Documentation/bench/same-boot-report.py build/exec-results.txt.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
gcm=$(inner_driver "gcm(aes)")
slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
echo 1 >/sys/module/cryptomgr/parameters/notests
insmod $M/rust_pcrypt.ko
for r in 1 2 3; do
	a=$(slab); rpd-crconf cycle "pcrypt($gcm)" 10000 3; b=$(slab)
	echo "rpd: rust run $r slab $a -> $b delta $((b - a))"
done
rmmod rust_pcrypt
insmod $M/pcrypt.ko
for r in 1 2 3; do
	a=$(slab); rpd-crconf cycle "pcrypt($gcm)" 10000 3; b=$(slab)
	echo "rpd: C run $r slab $a -> $b delta $((b - a))"
done
grep -E "kmalloc|crypto" /proc/slabinfo 2>/dev/null | head -20
rmmod pcrypt
run() { tcrypt_speed "$1" 215 8; }
through_pcrypt pcrypt pcrypt.ko run c
for w in 0 10000 40000; do
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 lane_wake_ns=$w" run "rust$w"
done
for w in 0 10000 40000; do
	insmod $M/rust_padata.ko bench_jobs=200000 bench_submitters=1 lane_wake_ns=$w
	rmmod rust_padata
	dmesg | grep 'rpd-bench:' | tail -1 | sed "s/^/E $w | /" >/dev/ttyS1
done
