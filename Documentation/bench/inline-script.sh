# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/inline-script.sh`: tcrypt mode 215
# (num_mb=8, sec=1) for plain AEAD, C pcrypt and Rust pcrypt with inline_ns 0 (never inline,
# the behaviour before), 20000 and 60000, all in one boot. Results go to
# build/exec-results.txt; summarise with
# python3 Documentation/bench/same-boot-report.py build/exec-results.txt.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
run() { tcrypt_speed "$1" 215 8; }
run plain
through_pcrypt pcrypt pcrypt.ko run c
for i in ${RPD_INLINE:-0 20000 60000}; do
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 inline_ns=$i" run "rust$i"
done
