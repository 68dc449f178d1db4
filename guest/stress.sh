#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rpd.mode=stress (debug kernel: lockdep, KASAN, kmemleak, failslab): load the modules (their
# KUnit suites run at load, now under the debug options), then run every scenario in
# /guest/stress and the sysfs bad-input table against C pcrypt, and send all KTAP to the host.
# Kernel argument rpd.stress=PATTERN runs only the scenarios whose file name matches.
. /guest/lib.sh
only=$(cmdline_arg rpd.stress '*')

kmsg_start
suite_begin stress_setup
# KUnit suites at load (lane_max=4096: no cap for rust_padata's own shells, as in make check's
# guest/check.sh).
check insmod_rust_padata insmod $M/rust_padata.ko lane_max=4096
check insmod_rust_pcrypt insmod $M/rust_pcrypt.ko debugfs=1
check kmemleak_enabled test -w /sys/kernel/debug/kmemleak
check failslab_present test -d /sys/kernel/debug/failslab
collect_kunit 'rust_padata*' 'rust_pcrypt*'
# From here on modules are loaded many times: their KUnit suites ran once, above.
echo none >/sys/module/kunit/parameters/filter_glob
suite_end

# The sysfs bad-input table against C pcrypt, pcrypt over the hard-IRQ engine rpd_hwsim (so
# lockdep sees the completion path taken from hard IRQ) and IPsec (decryption in softirq
# context, so lockdep sees every engine lock taken from a softirq) are shared with make check;
# IPsec comes last because it leaves the module pinned (see guest/late/60-ipsec.sh).
for t in /guest/stress/*.sh /guest/tests/35-hwsim.sh /guest/tests/40-sysfs-vs-c.sh \
	/guest/late/60-ipsec.sh; do
	# shellcheck disable=SC2254 # $only is a pattern
	case "$(basename "$t")" in
	$only) sh "$t" ;;
	esac
done

emit_results
