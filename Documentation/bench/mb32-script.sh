# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `make exec CMDS=Documentation/bench/mb32-script.sh`: tcrypt mode 215
# (num_mb=32, sec=1) for C pcrypt, Rust pcrypt with defaults, without the serial linger, and
# with every request handed to the lanes (inline_ns=0 lane_wake_ns=0), in one boot.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
run() { tcrypt_speed "$1" 215 32; }
through_pcrypt pcrypt pcrypt.ko run c
through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" run rustdef
through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 serial_linger_ns=0" run rustnolinger
through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1 inline_ns=0 lane_wake_ns=0" run rustlanes
