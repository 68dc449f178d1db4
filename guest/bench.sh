#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpd.mode=bench: tcrypt AEAD speed tests for plain AEAD, C pcrypt (crypto/pcrypt.ko) and
# Rust pcrypt (rust_pcrypt.ko alt_name=1, so its drivers are named pcrypt_rs(...)), one
# after the other in this boot, plus the engine microbenchmark. Every tcrypt line goes to
# the host on ttyS1, prefixed with the configuration, mode, num_mb and repetition.
# Kernel arguments: rpd.reps=N (3), rpd.modes="215:8 215:32 211:0", rpd.sec=S (1).
. /guest/lib.sh
reps=3
modes="215:8 215:32 211:0"
sec=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	rpd.reps=*) reps=${arg#rpd.reps=} ;;
	rpd.modes=*) modes=$(echo "${arg#rpd.modes=}" | tr , ' ') ;;
	rpd.sec=*) sec=${arg#rpd.sec=} ;;
	esac
done
out=/dev/ttyS1
dmesg -n 1
echo none >/sys/module/kunit/parameters/filter_glob

{
	echo "# rpd-bench-begin"
	echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "# vcpus: $(grep -c ^processor /proc/cpuinfo)"
	echo "# kernel: $(uname -r)"
} >$out

run_tcrypt() { # config
	for r in $(seq 1 "$reps"); do
		for m in $modes; do
			mode=${m%%:*}
			mb=${m##*:}
			echo "rpd: bench $1 mode=$mode num_mb=$mb rep=$r (t=$(cut -d' ' -f1 /proc/uptime)s)"
			tcrypt_speed "$1 $mode $mb $r" "$mode" "$mb" "$sec"
		done
	done
}

# 1. plain AEAD
run_tcrypt plain

# 2. C pcrypt
through_pcrypt pcrypt pcrypt.ko run_tcrypt c

# 3. Rust pcrypt
through_pcrypt pcrypt_rs "rust_pcrypt.ko alt_name=1" run_tcrypt rust

# 4. engine microbenchmark (trivial jobs): back to back, and in bursts of 8 as tcrypt num_mb=8
for sd in 1:0 4:0 1:8 4:8; do
	s=${sd%:*} d=${sd#*:}
	for r in $(seq 1 "$reps"); do
		echo "rpd: bench engine submitters=$s depth=$d rep=$r"
		engine_bench bench_jobs=200000 bench_submitters="$s" bench_depth="$d" |
			sed "s/^/E $r | /" >$out
	done
done
echo "# rpd-bench-complete" >$out
