# SPDX-License-Identifier: GPL-2.0
#
# Guest commands for `RPD_TIMEOUT=3000 make exec CMDS=Documentation/bench/mask2-script.sh`
# (results: bench/mask2-215.txt and bench.rst, "a parallel mask no larger than the host's cores"):
# tcrypt 215 on the default 4 vCPUs with the parallel mask of both pcrypt instances
# (pencrypt, pdecrypt) cut to as many CPUs as the host has cores (0x3), for C and Rust
# pcrypt, beside their default masks and plain AEAD, in one boot (see "vCPU overcommit" in
# Documentation/bench.rst). Configurations <engine>[<mask>]<num_mb>: plain32, c32, r32,
# c332, r332, r732 (three CPUs), plain8, c8, r8, c38, r38.
. /guest/lib.sh
echo none >/sys/module/kunit/parameters/filter_glob

# masked KSET MASK NAME NUM_MB: tcrypt 215 with both instances' parallel mask set to MASK.
masked() {
	for i in pencrypt pdecrypt; do
		echo "$2" >"/sys/kernel/$1/$i/parallel_cpumask"
	done
	echo "rpd: $3 parallel masks $(cat /sys/kernel/"$1"/p*crypt/parallel_cpumask | tr '\n' ' ')"
	tcrypt_speed "$3" 215 "$4"
}

for mb in 32 8; do
	tcrypt_speed "plain$mb" 215 "$mb"
	run() { tcrypt_speed "$1" 215 "$mb"; }
	through_pcrypt pcrypt pcrypt.ko run "c$mb"
	through_pcrypt pcrypt_rs "$RS" run "r$mb"
	through_pcrypt pcrypt pcrypt.ko masked pcrypt 3 "c3$mb" "$mb"
	through_pcrypt pcrypt_rs "$RS" masked pcrypt_rs 3 "r3$mb" "$mb"
	[ "$mb" = 32 ] && through_pcrypt pcrypt_rs "$RS" masked pcrypt_rs 7 "r7$mb" "$mb"
done
