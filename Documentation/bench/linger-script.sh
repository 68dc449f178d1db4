# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/linger-script.sh`: tcrypt mode 215
# (num_mb=8, sec=1) for C pcrypt and Rust pcrypt with serial_linger_ns 0, 10000 and 30000
# (or $RPD_LINGER), all in one boot. Results go to build/exec-results.txt; summarise with
# python3 Documentation/bench/same-boot-report.py build/exec-results.txt.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
run() { tcrypt_speed "$1" 215 8; }
through_pcrypt pcrypt pcrypt.ko run c
for i in ${RPD_LINGER:-0 10000 30000}; do
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 serial_linger_ns=$i" run "rust$i"
done
