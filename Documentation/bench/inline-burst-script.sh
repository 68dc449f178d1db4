# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=2400 make exec CMDS=Documentation/bench/inline-burst-script.sh`
# (needs the temporary inline_burst_ns parameter of that experiment, not kept; see bench.rst):
# tcrypt mode 215, num_mb 32 and 8, C
# pcrypt and Rust pcrypt with cheap requests always inline when nothing is queued
# (inline_burst_ns=0, the behaviour before) and with the default stream limit, in one boot.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
for mb in 32 8; do
	run() { tcrypt_speed "$1" 215 "$mb"; }
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 inline_burst_ns=0" run "old$mb"
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" run "new$mb"
done
