# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/linger-211-script.sh`, measured before
# the adaptive poll window (bench/linger-211.txt): tcrypt mode 211 for C pcrypt and Rust pcrypt
# with the then fixed serial_linger_ns of 30, 100 and 200 us, one boot. On the current tree
# set serial_linger_max_ns to the same value to fix the window.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
run() { tcrypt_speed "$1" 211 0; }
through_pcrypt pcrypt pcrypt.ko run c
for i in 30000 100000 200000; do
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 serial_linger_ns=$i serial_linger_max_ns=$i" run "rust$i"
done
