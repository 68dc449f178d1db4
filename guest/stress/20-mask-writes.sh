#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Random writes to the four /sys/kernel/pcrypt cpumask files while AEAD traffic (tcrypt mode
# 211) runs through Rust pcrypt: valid masks, the empty mask, a mask of only an offline CPU, and invalid input.
# Each write must succeed or fail as C padata's would and leave exactly the expected visible
# mask; afterwards, with valid masks, the instance passes the crypto self-tests again.
. /guest/lib.sh
suite_begin stress_mask_writes
writes_wanted=${RPD_MASK_WRITES:-500}
ncpu=$(grep -c ^processor /proc/cpuinfo)
P=/sys/kernel/pcrypt
S=/sys/devices/system/cpu
all=$(printf '%x' $(((1 << ncpu) - 1)))

rfc=$(inner_driver "rfc4106(gcm(aes))")
rpd-crconf add "pcrypt($rfc)" 3 2>/dev/null
check rust_pcrypt_is_best test "$(best 'rfc4106(gcm(aes))')" = "pcrypt($rfc)"

# The last CPU stays offline during the writes, so that "only offline CPUs" can be written.
off=$((ncpu - 1))
check offline_last_cpu sh -c "echo 0 >$S/cpu$off/online"
offmask=$(printf '%x' $((1 << off)))
online=$(((1 << off) - 1))

# Requests fail while a mask is invalid: mode 211 copes with that (see traffic_start).
traffic_start 211
writes=0
wrong=0
kinds=""
while [ "$writes" -lt "$writes_wanted" ]; do
	# shellcheck disable=SC3028 # busybox ash has $RANDOM
	r=$RANDOM
	case $((r % 2)) in 0) inst=pencrypt ;; *) inst=pdecrypt ;; esac
	case $(((r / 2) % 2)) in 0) f=parallel_cpumask ;; *) f=serial_cpumask ;; esac
	before=$(cat $P/$inst/$f)
	case $(((r / 4) % 4)) in
	0) # a valid, non-empty mask of online CPUs
		v=$(printf '%x' $(((r / 16) % online + 1)))
		want_ok=1 want=$v ;;
	1) v=0 want_ok=1 want=0 ;;
	2) v=$offmask want_ok=1 want=$offmask ;;
	*) # invalid: bad characters, bits beyond nr_cpu_ids, two 32-bit chunks, sign
		set -- xyz 100 1,00000000 -1 g
		shift $(((r / 16) % 5))
		v=$1 want_ok=0 want=$before ;;
	esac
	if echo "$v" >$P/$inst/$f 2>/dev/null; then got_ok=1; else got_ok=0; fi
	got=$(cat $P/$inst/$f)
	if [ "$got_ok" != "$want_ok" ] || [ "$got" != "$want" ]; then
		wrong=$((wrong + 1))
		echo "rpd: mask write '$v' to $inst/$f: ok=$got_ok (want $want_ok), reads '$got' (want '$want')"
	fi
	kinds="$kinds$((r / 4 % 4))"
	writes=$((writes + 1))
done
echo "rpd: $writes mask writes during $(wc -l </tmp/.traffic-runs) tcrypt runs"
expect_eq writes_as_expected "$wrong" 0
for k in 0 1 2 3; do
	case "$kinds" in *$k*) pass "write_kind_${k}_tried" ;; *) fail "write_kind_${k}_tried" "never drawn" ;; esac
done

# Valid masks again: the instances work (tcrypt's self-test of rfc4106 takes the Rust
# instance, the highest-priority driver) and traffic runs without errors.
for inst in pencrypt pdecrypt; do
	for f in parallel_cpumask serial_cpumask; do
		check "restore_${inst}_$f" sh -c "echo $all >$P/$inst/$f"
	done
done
check online_last_cpu sh -c "echo 1 >$S/cpu$off/online"
traffic_stop
check traffic_finished test "$TRAFFIC_RUNS" -ge 1
case "$(insmod $M/tcrypt.ko mode=151 2>&1)" in
*"temporarily unavailable"*) pass selftest_after_writes ;;
*) fail selftest_after_writes "tcrypt mode 151 failed" ;;
esac
kmsg_mark
insmod $M/tcrypt.ko mode=215 num_mb=8 >/dev/null 2>&1
check traffic_after_writes_measured_rust \
	test "$(kmsg_since | grep -cF "multibuffer rfc4106(gcm(aes)) (pcrypt($rfc))")" -ge 1
expect_eq traffic_after_writes_no_error "$(kmsg_since | grep -c -E 'tcrypt: .*(failed|error)')" 0
suite_end
