# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/inline-script.sh`: tcrypt mode 215
# (num_mb=8, sec=1) for plain AEAD, C pcrypt and Rust pcrypt with inline_ns 0 (never inline,
# the behaviour before), 20000 and 60000, all in one boot. Results go to
# build/exec-results.txt; summarise with
# python3 Documentation/bench/same-boot-report.py build/exec-results.txt.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
rfc=$(inner_driver "rfc4106(gcm(aes))")
gcm=$(inner_driver "gcm(aes)")
run() { tcrypt_speed "$1" 215 8; }
run plain
insmod $M/pcrypt.ko
rpd-crconf add "pcrypt($rfc)" 3; rpd-crconf add "pcrypt($gcm)" 3
run c
rpd-crconf del "pcrypt($rfc)" 3; rpd-crconf del "pcrypt($gcm)" 3
rmmod pcrypt
for i in ${RPD_INLINE:-0 20000 60000}; do
	insmod $M/rust_pcrypt.ko alt_name=1 inline_ns=$i
	rpd-crconf add "pcrypt_rs($rfc)" 3; rpd-crconf add "pcrypt_rs($gcm)" 3
	run rust$i
	rpd-crconf del "pcrypt_rs($rfc)" 3; rpd-crconf del "pcrypt_rs($gcm)" 3
	rmmod rust_pcrypt
done
