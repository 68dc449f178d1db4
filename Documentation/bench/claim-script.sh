# SPDX-License-Identifier: GPL-2.0
#
# Run on 767d8f3 (reverted; results in claim-215.txt and bench.rst). Guest commands for
# `make exec CMDS=Documentation/bench/claim-script.sh`: how much work a
# lane claims from the input ring at once. tcrypt 215, one boot: C (c), Rust default (r:
# the busy lanes' share, up to 16 jobs), lane_claim_ns=1 (a: one job at a time) and
# lane_claim_ns=100000 (b: about 100 us of measured work). With 32 in flight two rounds,
# b only in the first round; with 8 one round. Configurations <engine><num_mb>[<round>]: c32,
# r321, a321, b321, r322, a322, r8, a8.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
through_pcrypt pcrypt pcrypt.ko run32 c32
for round in 1 2; do
	through_pcrypt pcrypt_rs "$RS" run32 "r32$round"
	through_pcrypt pcrypt_rs "$RS lane_claim_ns=1" run32 "a32$round"
	[ "$round" = 1 ] && through_pcrypt pcrypt_rs "$RS lane_claim_ns=100000" run32 "b32$round"
done
through_pcrypt pcrypt_rs "$RS" run8 r8
through_pcrypt pcrypt_rs "$RS lane_claim_ns=1" run8 a8
