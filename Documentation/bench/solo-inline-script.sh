# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/solo-inline-script.sh`: lone
# requests run inline whatever their cost (inline_solo_ns), one boot. tcrypt mode 211 with
# C, Rust (default) and Rust with inline_solo_ns=0 (before), then mode 215 with num_mb 8 and
# 32 for Rust and Rust with inline_solo_ns=0 (bursts must not change), interleaved.
# Configurations are named <engine><mode>: c211, r211, s211 (s: inline_solo_ns=0), r8, s8, ...
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
through_pcrypt pcrypt pcrypt.ko run211 c211
through_pcrypt pcrypt_rs "$RS" run211 r211
through_pcrypt pcrypt_rs "$RS inline_solo_ns=0" run211 s211
through_pcrypt pcrypt_rs "$RS inline_solo_ns=0" run8 s8
through_pcrypt pcrypt_rs "$RS" run8 r8
through_pcrypt pcrypt_rs "$RS" run32 r32
through_pcrypt pcrypt_rs "$RS inline_solo_ns=0" run32 s32
