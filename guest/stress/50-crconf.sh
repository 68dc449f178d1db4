#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The LTP pcrypt_aead01 scenario with 7.3 names: 10,000 CRYPTO_USER NEWALG/DELALG cycles of a
# Rust pcrypt instance, then a nested pcrypt(pcrypt(...)) instance under self-tests and
# traffic.  No hang, no leak, no report.
. /guest/lib.sh
suite_begin stress_crconf
N=${RPD_CRCONF_CYCLES:-10000}

gcm=$(inner_driver "gcm(aes)")
del_all_pcrypt
kmemleak_clear
# Self-tests would run at every creation (minutes per 100 cycles under KASAN); the cycles are
# about instance lifetime.  The nested instance below runs them.
echo 1 >/sys/module/cryptomgr/parameters/notests
check cycles "rpd-crconf" cycle "pcrypt($gcm)" "$N" 3
echo 0 >/sys/module/cryptomgr/parameters/notests
check no_instance_left sh -c "! grep -q '^driver.*: pcrypt(' /proc/crypto"
expect_eq kmemleak_no_leaks "$(kmemleak_count)" 0

# pcrypt(pcrypt(...)): the outer instance's parallel part waits for the inner instance's
# serial part; separate instances per template instance keep that from deadlocking.
check create_nested rpd-crconf add "pcrypt(pcrypt($gcm))" 3
expect_eq nested_selftest_passed "$(field "pcrypt(pcrypt($gcm))" selftest)" passed
check nested_is_best test "$(best 'gcm(aes)')" = "pcrypt(pcrypt($gcm))"
kmsg_mark
insmod $M/tcrypt.ko mode=215 num_mb=8 >/dev/null 2>&1
check nested_traffic_measured test "$(kmsg_since | grep -cF "multibuffer gcm(aes) (pcrypt(pcrypt($gcm)))")" -ge 1
expect_eq nested_traffic_no_error "$(kmsg_since | grep -c -E 'tcrypt: .*(failed|error)')" 0
check delete_nested rpd-crconf del "pcrypt(pcrypt($gcm))" 3
check delete_inner rpd-crconf del "pcrypt($gcm)" 3
suite_end
