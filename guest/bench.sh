#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpd.mode=bench: tcrypt AEAD speed tests for plain AEAD, C pcrypt (crypto/pcrypt.ko) and
# Rust pcrypt (rust_pcrypt.ko alt_name=1, so its drivers are named pcrypt_rs(...)), one
# after the other in this boot, plus the engine microbenchmark. Every tcrypt line goes to
# the host on ttyS1, prefixed with the configuration, mode, num_mb and repetition.
# Kernel arguments: rpd.reps=N (3), rpd.modes="215:8 215:32 211:0", rpd.sec=S (1).
M=/lib/modules/rpd
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

# The best (highest priority) driver of cra_name $1 that is not a pcrypt instance.
inner() {
	rpd-crconf add "$1" 3 2>/dev/null
	awk -v n="$1" '
		/^name/ { name = $3 }
		/^driver/ { d = $3 }
		/^priority/ { if (name == n && d !~ /^pcrypt/ && $3 + 0 > best) { best = $3 + 0; bd = d } }
		END { print bd }' /proc/crypto
}
rfc=$(inner "rfc4106(gcm(aes))")
gcm=$(inner "gcm(aes)")

run_tcrypt() { # config
	for r in $(seq 1 "$reps"); do
		for m in $modes; do
			mode=${m%%:*}
			mb=${m##*:}
			echo "rpd: bench $1 mode=$mode num_mb=$mb rep=$r (t=$(cut -d' ' -f1 /proc/uptime)s)"
			dmesg -c >/dev/null
			if [ "$mb" = 0 ]; then
				insmod $M/tcrypt.ko mode="$mode" sec="$sec" 2>/dev/null
			else
				insmod $M/tcrypt.ko mode="$mode" sec="$sec" num_mb="$mb" 2>/dev/null
			fi
			dmesg | grep -E 'testing speed|operations in' |
				sed "s/^\[[ 0-9.]*\] //; s/^/R $1 $mode $mb $r | /" >$out
		done
	done
}

# 1. plain AEAD
run_tcrypt plain

# 2. C pcrypt
insmod $M/pcrypt.ko
rpd-crconf add "pcrypt($rfc)" 3 && rpd-crconf add "pcrypt($gcm)" 3
run_tcrypt c
rpd-crconf del "pcrypt($rfc)" 3
rpd-crconf del "pcrypt($gcm)" 3
rmmod pcrypt

# 3. Rust pcrypt
insmod $M/rust_pcrypt.ko alt_name=1
rpd-crconf add "pcrypt_rs($rfc)" 3 && rpd-crconf add "pcrypt_rs($gcm)" 3
run_tcrypt rust
rpd-crconf del "pcrypt_rs($rfc)" 3
rpd-crconf del "pcrypt_rs($gcm)" 3
rmmod rust_pcrypt

# 4. engine microbenchmark (trivial jobs)
for s in 1 4; do
	for r in $(seq 1 "$reps"); do
		echo "rpd: bench engine submitters=$s rep=$r"
		dmesg -c >/dev/null
		insmod $M/rust_padata.ko bench_jobs=200000 bench_submitters=$s
		rmmod rust_padata
		dmesg | grep 'rpd-bench:' | sed "s/^\[[ 0-9.]*\] //; s/^/E $r | /" >$out
	done
done
echo "# rpd-bench-complete" >$out
