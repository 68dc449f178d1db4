#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# failslab: kmalloc failures injected with a probability during instance creation (module
# init of rust_pcrypt.ko), template instantiation (CRYPTO_MSG_NEWALG) and mask changes.  Every
# failure must surface as a clean errno with nothing left behind, the same operations must work
# once injection is off, and kmemleak must find no leak afterwards.
#
# The stack trace filter limits failures to allocations made with module code on the stack
# (everything above the kernel image's _end: only this project's modules are loaded), so they
# hit our init, our template's create() (which runs in a cryptomgr kthread) and what they call,
# not exec() or load_module() of the shell tools around them.
. /guest/lib.sh
suite_begin stress_failslab
F=/sys/kernel/debug/failslab
P=/sys/kernel/pcrypt
N=${RPD_FAILSLAB_ROUNDS:-100}

gcm=$(inner_driver "gcm(aes)")
del_all_pcrypt
check no_instances_left sh -c '! grep -q "^driver.*: pcrypt(" /proc/crypto'
kmemleak_clear

echo 0 >$F/verbose
echo N >$F/ignore-gfp-wait
echo -1 >$F/times
echo 0 >$F/space
echo 1 >$F/interval
failslab_off() {
	echo 0 >$F/probability
	echo N >$F/task-filter
	echo 0 >$F/require-start
	echo 0xffffffffffffffff >$F/require-end
	echo 0 >$F/reject-start
	echo 0 >$F/reject-end
}
failslab_off
kend=$(awk '$3 == "_end" { print $1 }' /proc/kallsyms)
check kernel_end_found test -n "$kend"
modules_only() {
	echo "0x$kend" >$F/require-start
	echo 0xffffffffffffffff >$F/require-end
}

# Runs "$@" as a task whose slab allocations may fail (task-filter).
failing() {
	sh -c 'echo 1 >/proc/self/make-it-fail && exec "$@"' _ "$@"
}
# Classifies an error message: a clean allocation failure, or something else.
clean_enomem() {
	case "$1" in
	*"Cannot allocate memory"* | *"Out of memory"*) return 0 ;;
	*) return 1 ;;
	esac
}

# --- A: module init creates both padata instances, the kset and the template ---
check unload_rust_pcrypt rmmod rust_pcrypt
modules_only
echo Y >$F/task-filter
echo 1 >$F/probability
ok=0 enomem=0 other=0 left=0
for _ in $(seq 1 "$N"); do
	if out=$(failing insmod $M/rust_pcrypt.ko debugfs=1 2>&1); then
		ok=$((ok + 1))
		[ -f $P/pdecrypt/serial_cpumask ] || other=$((other + 1))
		rmmod rust_pcrypt || other=$((other + 1))
	elif clean_enomem "$out"; then
		enomem=$((enomem + 1))
	else
		other=$((other + 1))
		echo "rpd: failslab insmod: $out"
	fi
	if [ -e $P ] || grep -q '^rust_pcrypt ' /proc/modules; then
		left=$((left + 1))
		rmmod rust_pcrypt 2>/dev/null
	fi
done
failslab_off
echo "rpd: failslab module init: $ok loaded, $enomem ENOMEM, $other other"
check init_some_loaded test "$ok" -ge 1
check init_some_failed test "$enomem" -ge 1
expect_eq init_only_enomem "$other" 0
expect_eq init_nothing_left_behind "$left" 0
check load_after_failures insmod $M/rust_pcrypt.ko debugfs=1

# --- B: template instantiation, in a cryptomgr kthread (no task filter). Self-tests are off
# here: a self-test failing for lack of memory would WARN by design of testmgr. For the same
# reason the crypto core's scheduling of the (disabled) test, which crypto_register_instance()
# does for every instance, is exempt: it WARNs when it cannot allocate its test thread, for any
# template (crypto/api.c, crypto_schedule_test()). ---
modules_only
rej=$(awk '$3 == "crypto_schedule_test" { s = $1; getline; print s, $1; exit }' /proc/kallsyms)
check schedule_test_found test -n "$rej"
echo "0x${rej% *}" >$F/reject-start
echo "0x${rej#* }" >$F/reject-end
echo 1 >/sys/module/cryptomgr/parameters/notests
echo 3 >$F/probability
ok=0 clean=0 other=0 left=0
for _ in $(seq 1 "$N"); do
	if out=$(rpd-crconf add "pcrypt($gcm)" 3 2>&1); then
		ok=$((ok + 1))
		rpd-crconf del "pcrypt($gcm)" 3 || other=$((other + 1))
	else
		case "$out" in
		*"Cannot allocate memory"* | *"No such file or directory"*) clean=$((clean + 1)) ;;
		*) other=$((other + 1)); echo "rpd: failslab NEWALG: $out" ;;
		esac
	fi
	if grep -q "^driver.*: pcrypt($gcm)" /proc/crypto; then
		left=$((left + 1))
		rpd-crconf del "pcrypt($gcm)" 3 2>/dev/null
	fi
done
failslab_off
echo 0 >/sys/module/cryptomgr/parameters/notests
echo "rpd: failslab NEWALG: $ok created, $clean clean errors, $other other"
check newalg_some_created test "$ok" -ge 1
check newalg_some_failed test "$clean" -ge 1
expect_eq newalg_only_clean_errors "$other" 0
expect_eq newalg_nothing_left_behind "$left" 0
check newalg_after_failures rpd-crconf add "pcrypt($gcm)" 3
expect_eq selftest_after_failures "$(field "pcrypt($gcm)" selftest)" passed

# --- C: mask changes. Our store path allocates nothing (C padata's allocates a new
# parallel_data), so with module code on the stack required every write must succeed. Then,
# without the stack filter, failures hit kernfs around our store (open, write buffer): a write
# that reports any failure must have changed nothing, one that succeeds must read back. The
# failing writes are shell builtins, so nothing is exec'd while allocations may fail. ---
modules_only
echo Y >$F/task-filter
echo 20 >$F/probability
ok=0 other=0
for i in $(seq 1 "$N"); do
	case $((i % 2)) in 0) v=3 ;; *) v=5 ;; esac
	for f in pencrypt/parallel_cpumask pdecrypt/serial_cpumask; do
		if failing sh -c "echo $v >$P/$f" && [ "$(cat $P/$f)" = "$v" ]; then
			ok=$((ok + 1))
		else
			other=$((other + 1))
		fi
	done
done
echo "rpd: failslab mask writes, module code: $ok written, $other failed"
expect_eq masks_store_never_fails "$other" 0
failslab_off
echo Y >$F/task-filter
echo 10 >$F/probability
ok=0 failed=0 wrong=0
for i in $(seq 1 "$N"); do
	case $((i % 2)) in 0) v=3 ;; *) v=5 ;; esac
	for f in pencrypt/parallel_cpumask pdecrypt/serial_cpumask; do
		before=$(cat $P/$f)
		if sh -c "echo 1 >/proc/self/make-it-fail && echo $v >$P/$f" 2>/dev/null; then
			ok=$((ok + 1))
			[ "$(cat $P/$f)" = "$v" ] || wrong=$((wrong + 1))
		else
			failed=$((failed + 1))
			[ "$(cat $P/$f)" = "$before" ] || wrong=$((wrong + 1))
		fi
	done
done
failslab_off
echo "rpd: failslab mask writes, kernfs: $ok written, $failed failed, $wrong wrong state"
check masks_some_written test "$ok" -ge 1
check masks_some_failed test "$failed" -ge 1
expect_eq masks_failed_write_changes_nothing "$wrong" 0
ncpu=$(grep -c ^processor /proc/cpuinfo)
all=$(printf '%x' $(((1 << ncpu) - 1)))
check restore_masks sh -c "echo $all >$P/pencrypt/parallel_cpumask && echo $all >$P/pdecrypt/serial_cpumask"
case "$(insmod $M/tcrypt.ko mode=35 2>&1)" in
*"temporarily unavailable"*) pass selftest_gcm_after_mask_failures ;;
*) fail selftest_gcm_after_mask_failures "tcrypt mode 35 failed" ;;
esac

check delete_instance rpd-crconf del "pcrypt($gcm)" 3
check unload_rust_pcrypt_again rmmod rust_pcrypt
expect_eq kmemleak_no_leaks "$(kmemleak_count)" 0
check reload_rust_pcrypt insmod $M/rust_pcrypt.ko debugfs=1
suite_end
