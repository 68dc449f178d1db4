#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pcrypt over an inner algorithm like a small hardware engine: rpd_hwsim(X) (tests/rpd_hwsim.rs)
# holds 4 requests, completes them from an hrtimer in hard-IRQ context and backlogs the rest
# (-EBUSY, then -EINPROGRESS when they enter the engine). rpd_hwsim(X) and
# pcrypt(rpd_hwsim(X)) pass the crypto self-tests and tcrypt modes 211 and 215 with 32 requests
# in flight; the engine's counters show that every path was taken. make stress runs it too
# (lockdep, KASAN): completion from hard IRQ must not warn.
. /guest/lib.sh
suite_begin guest_hwsim

S=/sys/kernel/rpd_hwsim/stats
stat() { cat "$S/$1"; }
# What the kernel logged since the mark below (a wrapped log loses the mark: the positive
# checks then fail).
MARK="rpd-hwsim-mark-$$"
since_mark() {
	dmesg | sed -n "/$MARK/,\$p"
}
logged() {
	since_mark | grep -qF "$1"
}
# Delete every instance built on rpd_hwsim, outermost first; also run if the script exits
# early, so that no instance above the system's gcm(aes) outlives this suite.
cleanup() {
	echo 0 >/sys/module/cryptomgr/parameters/notests
	for _round in 1 2 3; do
		for d in $(awk '/^driver/ && $3 ~ /rpd_hwsim\(/ { print $3 }' /proc/crypto | sort -u); do
			rpd-crconf del "$d" 3 2>/dev/null
		done
	done
}
trap cleanup EXIT

# The synchronous inner drivers, chosen before any rpd_hwsim instance exists.
drivers_not_ours='(pcrypt|rpd_hwsim|cryptd)[(]'
for alg in "gcm(aes)" "rfc4106(gcm(aes))"; do
	rpd-crconf add "$alg" 3 2>/dev/null
done
gcm=$(best "gcm(aes)" "$drivers_not_ours")
rfc=$(best "rfc4106(gcm(aes))" "$drivers_not_ours")
expect_eq inner_gcm_is_sync "$(field "$gcm" async)" no
expect_eq inner_rfc4106_is_sync "$(field "$rfc" async)" no

check load_rpd_hwsim insmod $M/rpd_hwsim.ko
for f in submitted backlogged refused started irq_completed; do
	expect_eq "stats_${f}_zero" "$(stat $f)" 0
done
case "$(sh -c "echo 1 > $S/submitted" 2>&1)" in
*"Invalid argument"*) pass stats_write_nonzero_einval ;;
*) fail stats_write_nonzero_einval "no EINVAL" ;;
esac

# Each request of a self-test waits for the engine's interrupt, which a kernel without
# high-resolution timers delivers at its next tick: the self-tests (thousands of requests,
# one at a time) run for gcm(aes) only; rfc4106(gcm(aes)) gets its instances without them,
# for tcrypt below.
for alg in "gcm(aes)" "rfc4106(gcm(aes))"; do
	inner=$gcm
	[ "$alg" = "gcm(aes)" ] || inner=$rfc
	t=$(echo "$inner" | tr -c 'a-z0-9\n' _)
	[ "$inner" = "$gcm" ] || echo 1 >/sys/module/cryptomgr/parameters/notests
	check "create_hwsim_$t" rpd-crconf add "rpd_hwsim($inner)" 3
	expect_eq "hwsim_is_async_$t" "$(field "rpd_hwsim($inner)" async)" yes
	before_pcrypt=$(stat submitted)
	check "create_pcrypt_over_hwsim_$t" rpd-crconf add "pcrypt(rpd_hwsim($inner))" 3
	[ "$inner" = "$gcm" ] && pcrypt_selftest_requests=$(($(stat submitted) - before_pcrypt))
	echo 0 >/sys/module/cryptomgr/parameters/notests
	expect_eq "pcrypt_over_hwsim_is_rust_$t" \
		"$(field "pcrypt(rpd_hwsim($inner))" module)" rust_pcrypt
	expect_eq "best_is_pcrypt_over_hwsim_$t" "$(best "$alg")" "pcrypt(rpd_hwsim($inner))"
done
expect_eq selftest_passed_hwsim "$(field "rpd_hwsim($gcm)" selftest)" passed
expect_eq selftest_passed_pcrypt_over_hwsim "$(field "pcrypt(rpd_hwsim($gcm))" selftest)" passed
# The self-tests of both instances went through the engine (those of pcrypt's too), and its
# interrupt completed them.
check selftests_submitted test "$(stat submitted)" -gt 0
check pcrypt_selftests_through_hwsim test "${pcrypt_selftest_requests:-0}" -gt 0
expect_eq selftests_completed_in_hard_irq "$(stat irq_completed)" \
	"$(($(stat submitted) - $(stat refused)))"

# tcrypt's AEAD speed modes, a few cycles per size (sec=0): 211 one request at a time, 215
# with 32 in flight (MAY_BACKLOG). tcrypt always ends with EAGAIN; a failed request logs.
for f in submitted backlogged refused started irq_completed; do
	echo 0 >"$S/$f"
done
echo "$MARK" >/dev/kmsg
for args in "mode=211 sec=0" "mode=215 sec=0 num_mb=32"; do
	# shellcheck disable=SC2086 # $args is a list of module parameters
	insmod $M/tcrypt.ko $args >/dev/null 2>&1
done
for a in "gcm(aes) (pcrypt(rpd_hwsim($gcm)))" "rfc4106(gcm(aes)) (pcrypt(rpd_hwsim($rfc)))"; do
	t=$(echo "$a" | cut -d' ' -f1 | tr -c 'a-z0-9\n' _)
	check "tcrypt_211_through_hwsim_$t" logged "testing speed of $a"
	check "tcrypt_215_through_hwsim_$t" logged "testing speed of multibuffer $a"
done
expect_eq tcrypt_211_215_no_failure "$(since_mark | grep -ciE 'tcrypt: .*(fail|error)')" 0
echo "rpd: rpd_hwsim: submitted $(stat submitted), backlogged $(stat backlogged)," \
	"started $(stat started), refused $(stat refused), irq_completed $(stat irq_completed)"
# 32 in flight on a 4-request engine: the backlog was used, each backlogged request was told
# when it entered the engine, nothing was refused (tcrypt allows backlogging), and every
# request completed from the hard-IRQ timer.
check tcrypt_backlogged test "$(stat backlogged)" -gt 0
expect_eq every_backlogged_started "$(stat started)" "$(stat backlogged)"
expect_eq none_refused "$(stat refused)" 0
expect_eq all_completed_in_hard_irq "$(stat irq_completed)" "$(stat submitted)"

cleanup
check hwsim_instances_deleted sh -c '! grep -q "^driver.*rpd_hwsim(" /proc/crypto'
check unload_rpd_hwsim rmmod rpd_hwsim
check hwsim_kset_gone test ! -e /sys/kernel/rpd_hwsim
suite_end
