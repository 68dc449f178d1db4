# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=1500 make exec CMDS=Documentation/bench/unbound-queued-script.sh`,
# as run on 2026-12-01 with an intermediate rule (later replaced by lane_unbound_depth): a
# lane woken while at least lane_unbound_queued jobs waited for a lane went unbound. tcrypt
# mode 215 (sec=1, num_mb=32): C pcrypt, then Rust pcrypt with thresholds 0 (always
# pinned), 1 (always unbound), 9 and 17, all in one boot.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
run() { tcrypt_speed "$1" 215 32; }
through_pcrypt pcrypt pcrypt.ko run c32
for q in 0 1 9 17; do
	through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 lane_unbound_queued=$q" run "q${q}_32"
done
