# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=3000 make exec CMDS=Documentation/bench/probe-script.sh`
# (4 vCPUs on the 2-core host): tcrypt 215 for plain, C pcrypt, Rust pcrypt with its defaults
# (the load-time lane probe on) and Rust pcrypt without the probe (lane_probe=0, the defaults
# before it), in one boot. Configurations <engine><num_mb>: plain, c, r, r0. Each Rust load
# sends its probe result as a "P <config> | ..." line.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob
probed() {
	dmesg | grep 'lane probe:' | tail -1 | sed "s/^\[[ 0-9.]*\] /P $1 | /" >/dev/ttyS1
	run "$1"
}
for mb in 32 8; do
	run() { tcrypt_speed "$1" 215 "$mb"; }
	run "plain$mb"
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "$RS" probed "r$mb"
	through_pcrypt pcrypt_rs "$RS lane_probe=0" run "r0$mb"
done
