#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpd.mode=bench: tcrypt AEAD speed tests for plain AEAD, C pcrypt (crypto/pcrypt.ko) and
# Rust pcrypt (rust_pcrypt.ko alt_name=1, so its drivers are named pcrypt_rs(...)),
# interleaved in this boot, plus the engine microbenchmark. Every tcrypt line goes to
# the host on ttyS1, prefixed with the configuration, mode, num_mb and repetition.
# Before them, the IPsec benchmark: TCP goodput over ESP (rfc4106(gcm(aes))) between two
# network namespaces, for the same three configurations.
# Kernel arguments: rpd.reps=N (3: tcrypt runs per configuration, engine runs, IPsec runs),
# rpd.modes="215:8 215:32 211:0", rpd.sec=S (1), rpd.rsargs=A,B (more rust_pcrypt.ko
# arguments, comma-separated), rpd.parts="ipsec,tcrypt,engine" (what to run),
# rpd.ipsec_sec=S (5: seconds per TCP run), rpd.ipsec_flows="1,4" (TCP connections per run).
. /guest/lib.sh
reps=$(cmdline_arg rpd.reps 3)
modes=$(cmdline_arg rpd.modes "215:8 215:32 211:0" | tr , ' ')
sec=$(cmdline_arg rpd.sec 1)
rsargs=$(cmdline_arg rpd.rsargs | tr , ' ')
parts=$(cmdline_arg rpd.parts ipsec,tcrypt,engine)
isec=$(cmdline_arg rpd.ipsec_sec 5)
iflows=$(cmdline_arg rpd.ipsec_flows 1,4 | tr , ' ')
RS="$RS${rsargs:+ $rsargs}"
out=/dev/ttyS1
dmesg -n 1
echo none >/sys/module/kunit/parameters/filter_glob

{
	echo "# rpd-bench-begin"
	echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "# vcpus: $(grep -c ^processor /proc/cpuinfo)"
	echo "# kernel: $(uname -r)"
	echo "# rust-module: $RS"
} >$out

# Each tcrypt load measures everything twice: tcrypt's init returns -EAGAIN after its tests
# (it never stays loaded), and busybox insmod then retries with init_module() after
# finit_module(). So rpd.reps=N tcrypt runs per configuration take ceil(N/2) loads.
loads=$(((reps + 1) / 2))

# One tcrypt load of mode $2 (num_mb $3) in configuration $1, load $4.
run_tcrypt() { # config mode mb load
	echo "rpd: bench $1 mode=$2 num_mb=$3 load=$4/$loads (t=$(cut -d' ' -f1 /proc/uptime)s)"
	tcrypt_speed "$1 $2 $3 $4" "$2" "$3" "$sec"
}

# run_tcrypt for Rust pcrypt, then what the engine did (its debugfs counters, summed over the
# shells of both instances and reset before the run, so the self-tests of instance creation
# do not count; lane_cap_cuts and lane_cap_tries are not reset and count since the shell was
# created).
rust_tcrypt() { # mode mb load
	pcrypt_counters_reset
	run_tcrypt rust "$@"
	pcrypt_counters "P rust $1 $2 $3 |" >$out
}

# One IPsec TCP run (guest/lib.sh ipsec_tcp) in configuration $1 with $2 connections, run
# $3; for Rust pcrypt, followed by what its engine did.
run_ipsec() { # config flows run
	echo "rpd: bench ipsec $1 flows=$2 run=$3/$reps (t=$(cut -d' ' -f1 /proc/uptime)s)"
	pcrypt_counters_reset
	echo "I $1 $2 $3 | $(ipsec_tcp "$isec" "$2" || echo failed)" >$out
	[ "$1" = rust ] && pcrypt_counters "P rust ipsec $2 $3 |" >$out
}

# The three configurations, one after the other: plain, C pcrypt (crypto/pcrypt.ko) and Rust
# pcrypt, running $1 with the other arguments and the load or run number $2. The order
# rotates with it so no configuration always runs first or last (host load drifts over a run
# of an hour).
run_configs() { # tcrypt|ipsec NUMBER ARG...
	rc_what=$1 rc_n=$2
	shift 2
	set -- "$@" "$rc_n"
	order="plain c rust"
	i=1
	while [ "$i" -lt "$rc_n" ]; do
		order="${order#* } ${order%% *}"
		i=$((i + 1))
	done
	for cfg in $order; do
		case $rc_what.$cfg in
		tcrypt.plain) run_tcrypt plain "$@" ;;
		tcrypt.c) through_pcrypt pcrypt pcrypt.ko run_tcrypt c "$@" ;;
		tcrypt.rust) through_pcrypt pcrypt_rs "$RS" rust_tcrypt "$@" ;;
		ipsec.plain) run_ipsec plain "$@" ;;
		ipsec.c) through_pcrypt pcrypt pcrypt.ko run_ipsec c "$@" ;;
		ipsec.rust) through_pcrypt pcrypt_rs "$RS" run_ipsec rust "$@" ;;
		esac
	done
}

# 0. IPsec: TCP over ESP, plain AEAD, C pcrypt and Rust pcrypt, interleaved per run.
case ",$parts," in
*,ipsec,*)
	for r in $(seq 1 "$reps"); do
		for f in $iflows; do
			run_configs ipsec "$r" "$f"
		done
	done
	;;
esac

# 1-3. plain AEAD, C pcrypt and Rust pcrypt, interleaved per mode and load.
case ",$parts," in
*,tcrypt,*)
	for r in $(seq 1 "$loads"); do
		for m in $modes; do
			run_configs tcrypt "$r" "${m%%:*}" "${m##*:}"
		done
	done
	;;
esac

# 4. engine microbenchmark (trivial jobs): back to back, in bursts of 8 as tcrypt num_mb=8, and
# through the synchronous path one at a time as tcrypt mode 211 (depth "s", reported as 1)
case ",$parts," in
*,engine,*) engines="1:0 4:0 1:8 4:8 1:s" ;;
*) engines= ;;
esac
for sd in $engines; do
	s=${sd%:*} d=${sd#*:}
	for r in $(seq 1 "$reps"); do
		echo "rpd: bench engine submitters=$s depth=$d rep=$r"
		if [ "$d" = s ]; then
			set -- bench_sync=1
		else
			set -- bench_depth="$d"
		fi
		engine_bench bench_jobs=200000 bench_submitters="$s" "$@" |
			sed "s/^/E $r | /" >$out
	done
done
echo "# rpd-bench-complete" >$out
