#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rust_pcrypt: sysfs files, the crypto API's own self-tests on pcrypt instances of five
# AEADs, template refusal of non-AEADs, CRYPTO_USER instance create/delete.
. /guest/lib.sh
suite_begin guest_pcrypt

P=/sys/kernel/pcrypt
# Masks read back in %*pb format over the possible CPU ids (make check boots with more
# possible CPUs than online ones; at most 32 here, so a single chunk).
npossible=$(($(sed 's/.*-//' /sys/devices/system/cpu/possible) + 1))
pb() {
	printf "%0$(((npossible + 3) / 4))x" "$1"
}
all=$(pb $(((1 << npossible) - 1)))

# --- sysfs ---
for i in pencrypt pdecrypt; do
	for f in parallel_cpumask serial_cpumask; do
		expect_eq "mode_${i}_$f" "$(stat -c %a $P/$i/$f)" 644
		expect_eq "default_${i}_$f" "$(cat $P/$i/$f)" "$all"
	done
done
# Writes: errno and "nothing changed" on bad input, as bitmap_parse()/C padata.
w() { sh -c "echo '$2' > $P/pencrypt/$1" 2>&1; }
expect_eq write_valid "$(w parallel_cpumask 3)" ""
expect_eq read_back_valid "$(cat $P/pencrypt/parallel_cpumask)" "$(pb 3)"
case "$(w parallel_cpumask xyz)" in *"Invalid argument"*) pass write_non_hex_einval ;; *) fail write_non_hex_einval "no EINVAL" ;; esac
expect_eq non_hex_changes_nothing "$(cat $P/pencrypt/parallel_cpumask)" "$(pb 3)"
case "$(w parallel_cpumask 100)" in *"Value too large"*) pass write_beyond_nr_cpus_eoverflow ;; *) fail write_beyond_nr_cpus_eoverflow "no EOVERFLOW" ;; esac
case "$(w parallel_cpumask 1,00000000)" in *"Value too large"*) pass write_two_chunks_eoverflow ;; *) fail write_two_chunks_eoverflow "no EOVERFLOW" ;; esac
expect_eq overflow_changes_nothing "$(cat $P/pencrypt/parallel_cpumask)" "$(pb 3)"
expect_eq write_empty_accepted "$(w serial_cpumask '')" ""
expect_eq empty_mask_reads_zero "$(cat $P/pencrypt/serial_cpumask)" "$(pb 0)"
expect_eq restore_serial "$(w serial_cpumask "$all")" ""
expect_eq restore_parallel "$(w parallel_cpumask "$all")" ""

# --- crypto self-tests (CRYPTO_SELFTESTS_FULL) on one-layer pcrypt instances ---
for alg in "gcm(aes)" "rfc4106(gcm(aes))" "rfc4309(ccm(aes))" "rfc7539esp(chacha20,poly1305)" \
	"authenc(hmac(sha256),cbc(aes))"; do
	t=$(echo "$alg" | tr -c 'a-z0-9\n' _)
	inner=$(inner_driver "$alg")
	check "create_pcrypt_$t" rpd-crconf add "pcrypt($inner)" 3
	expect_eq "selftest_passed_$t" "$(field "pcrypt($inner)" selftest)" passed
	expect_eq "priority_plus_100_$t" "$(field "pcrypt($inner)" priority)" \
		"$(($(field "$inner" priority) + 100))"
	expect_eq "async_$t" "$(field "pcrypt($inner)" async)" yes
done
gcm=$(inner_driver "gcm(aes)")

# tcrypt's own self-test modes, while the Rust instances are the highest-priority drivers:
# 35 gcm(aes), 45 rfc4309(ccm(aes)), 151 rfc4106(gcm(aes)).
# tcrypt returns EAGAIN when every test passed, the failing test's error otherwise.
tcrypt_mode() {
	case "$(insmod $M/tcrypt.ko mode="$1" 2>&1)" in
	*"temporarily unavailable"*) return 0 ;;
	*) return 1 ;;
	esac
}
for m in 35 45 151; do
	check "tcrypt_mode_${m}_passes" tcrypt_mode $m
done
# The crypto API hands tcrypt the highest-priority driver of each name: check that it is
# the Rust instance. (Proving it by stopping pencrypt would make testmgr WARN by design.)
for alg in "gcm(aes)" "rfc4309(ccm(aes))" "rfc4106(gcm(aes))"; do
	t=$(echo "$alg" | tr -c 'a-z0-9\n' _)
	case "$(best "$alg")" in
	"pcrypt("*) pass "tcrypt_uses_rust_pcrypt_$t" ;;
	*) fail "tcrypt_uses_rust_pcrypt_$t" "best driver is $(best "$alg")" ;;
	esac
done
# While the serial mask has no online CPU, transforms are still created, as C's init_tfm does
# not consult padata, and their requests fail with EINVAL: tcrypt 211 (a few cycles per
# size) allocates gcm(aes), the Rust instance, names its driver, and its first request
# fails (fails on f533930: "Failed to load transform for gcm(aes): -22").
echo >$P/pencrypt/serial_cpumask
dmesg -c >/dev/null
insmod $M/tcrypt.ko mode=211 sec=0 >/dev/null 2>&1
newlog=$(dmesg)
case "$newlog" in
*"Failed to load transform"*) fail tfm_without_serial_cpu_created "allocation failed" ;;
*) pass tfm_without_serial_cpu_created ;;
esac
case "$newlog" in
*"testing speed of gcm(aes) (pcrypt("*) pass tfm_without_serial_cpu_is_rust_pcrypt ;;
*) fail tfm_without_serial_cpu_is_rust_pcrypt "no pcrypt gcm(aes) transform" ;;
esac
case "$newlog" in
*"failed return code=-22"*) pass requests_without_serial_cpu_einval ;;
*) fail requests_without_serial_cpu_einval "no request failed with EINVAL" ;;
esac
expect_eq restore_serial_after_tfm "$(w serial_cpumask "$all")" ""
case "$(rpd-crconf add 'pcrypt(sha256-lib)' 3 2>&1; rpd-crconf add 'pcrypt(sha256)' 2 2>&1)" in
*"Invalid argument"*|*"No such file"*) pass non_aead_refused ;;
*) fail non_aead_refused "pcrypt(sha256) was not refused" ;;
esac
check no_pcrypt_sha256 sh -c '! grep -q "pcrypt(sha256" /proc/crypto'

# cryptd's per-CPU queue holds 4 requests (scripts/boot.sh), so tcrypt's 32 in flight
# (MAY_BACKLOG) below are backlogged by the child: -EBUSY, then -EINPROGRESS, then done.
check cryptd_queue_of_4 grep -q 'cryptd.cryptd_max_cpu_qlen=4' /proc/cmdline
# --- an asynchronous inner algorithm: pcrypt over cryptd, which completes each request
# later from its own workqueue (the path hardware drivers take, minus the hard IRQ, which
# the engine's KUnit case completion_from_hard_irq covers). Last: registering cryptd(X)
# makes the crypto API remove the instances built on X by the same name. ---
tcrypt_failures() {
	dmesg | grep -c 'tcrypt: .*fail'
}
for alg in "gcm(aes)" "rfc4106(gcm(aes))"; do
	t=$(echo "$alg" | tr -c 'a-z0-9\n' _)
	inner=$(inner_driver "$alg")
	check "create_cryptd_$t" rpd-crconf add "cryptd($inner)" 3
	check "create_pcrypt_over_cryptd_$t" rpd-crconf add "pcrypt(cryptd($inner))" 3
	expect_eq "selftest_passed_over_cryptd_$t" \
		"$(field "pcrypt(cryptd($inner))" selftest)" passed
	case "$(best "$alg")" in
	"pcrypt(cryptd("*) pass "best_is_pcrypt_over_cryptd_$t" ;;
	*) fail "best_is_pcrypt_over_cryptd_$t" "best driver is $(best "$alg")" ;;
	esac
done
# tcrypt's AEAD speed modes through them, a few cycles per size (sec=0): 211 one request at
# a time, 215 with 32 in flight. tcrypt always ends with EAGAIN; a failed request logs.
before=$(tcrypt_failures)
for args in "mode=211 sec=0" "mode=215 sec=0 num_mb=32"; do
	# shellcheck disable=SC2086 # $args is a list of module parameters
	insmod $M/tcrypt.ko $args >/dev/null 2>&1
done
expect_eq tcrypt_211_215_over_cryptd_no_failure "$(tcrypt_failures)" "$before"
for d in $(awk '/^driver/ && $3 ~ /^pcrypt\(cryptd\(/ { print $3 }' /proc/crypto | sort -u) \
	$(awk '/^driver/ && $3 ~ /^cryptd\(/ { print $3 }' /proc/crypto | sort -u); do
	rpd-crconf del "$d" 3 2>/dev/null
done
check cryptd_instances_deleted sh -c '! grep -q "^driver.*: \(pcrypt(\)\?cryptd(" /proc/crypto'

# --- delete every instance again (CRYPTO_MSG_DELALG) ---
for d in $(awk '/^driver/ && $3 ~ /^pcrypt\(/ { print $3 }' /proc/crypto | sort -u); do
	rpd-crconf del "$d" 3 2>/dev/null
done
check all_instances_deleted sh -c '! grep -q "^driver.*: pcrypt(" /proc/crypto'
# Each creation runs the full self-tests (slow under TCG): 10 cycles with them.
check create_delete_cycles rpd-crconf cycle "pcrypt($gcm)" 10 3
# The LTP pcrypt_aead01 scenario with 7.3 names: 10,000 NEWALG/DELALG cycles, self-tests off
# (cryptomgr.notests is writable at run time).  No hang (timeout), no warning (log scan), and
# no leak: slab memory may not grow by what 10,000 leaked instances would take.
slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
slab_before=$(slab)
echo 1 >/sys/module/cryptomgr/parameters/notests
check ltp_pcrypt_aead01_10000_cycles rpd-crconf cycle "pcrypt($gcm)" 10000 3
echo 0 >/sys/module/cryptomgr/parameters/notests
slab_after=$(slab)
echo "rpd: slab before/after 10,000 cycles: ${slab_before} kB / ${slab_after} kB"
check ltp_no_slab_growth test $((slab_after - slab_before)) -lt 2048
check ltp_no_instance_left sh -c '! grep -q "^driver.*: pcrypt(" /proc/crypto'
suite_end
