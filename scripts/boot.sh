#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the custom kernel in QEMU (TCG) with the project's initramfs.
# Usage: boot.sh MODE            (KDIR and BZIMAGE must be set)
# Environment: RPD_CPUS (online CPUs, 4), RPD_POSSIBLE (possible CPUs, default RPD_CPUS:
# QEMU gets that many vCPUs and the kernel brings up only RPD_CPUS of them at boot, so the
# rest are possible and present but offline), RPD_MEM (1024 MiB), RPD_TIMEOUT (seconds),
# RPD_APPEND (extra kernel arguments).  Writes $BUILD/<mode>-console.log and $BUILD/<mode>-results.txt and
# exits with QEMU's status (124 on timeout).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=$1
cpus=${RPD_CPUS:-4}
timeout=${RPD_TIMEOUT:-900}
initrd=$BUILD/initramfs-$mode.cpio.gz
console=$BUILD/$mode-console.log
results=$BUILD/$mode-results.txt

step initramfs "building the initramfs" "$TOP/scripts/build-initramfs.sh" "$initrd"
rm -f "$console" "$results"

# kunit.timeout: the 1,000,000-job case takes about a minute under TCG, several when the
# host is loaded; KUnit's default of 300 s would abandon it.
possible=${RPD_POSSIBLE:-$cpus}
append="console=ttyS0 panic=-1 kunit.timeout=1800 rpd.mode=$mode rpd.cpus=$cpus"
append="$append rpd.possible=$possible maxcpus=$cpus"
# tsc=reliable: under TCG the clocksource watchdog marks the TSC unstable ("frequency skew"
# against the HPET) at a random moment of most boots and switches to the HPET, whose every
# read is an emulated MMIO access; a clock read then costs about 0.2 us more, in the middle
# of a run. Machines with an invariant TSC keep it (Documentation/bench.rst, "Clocksource").
append="$append tsc=reliable ${RPD_APPEND:-}"
# cryptd (built in; only guest_pcrypt uses it, as pcrypt's asynchronous inner algorithm) with
# a 4-request queue per CPU, like a small hardware ring: with 32 requests in flight the
# child returns -EBUSY for MAY_BACKLOG requests and later notifies -EINPROGRESS.
append="$append cryptd.cryptd_max_cpu_qlen=4"
# (QEMU's "-smp N,maxcpus=M" does not help: without a recognised hypervisor the kernel does
# not count the disabled MADT entries as possible CPUs.)
qemu=(qemu-system-x86_64 -m "${RPD_MEM:-1024}" -smp "$possible" -display none -no-reboot -nic none
      -kernel "$BZIMAGE" -initrd "$initrd")

if [ "$mode" = run ] && [ -t 0 ] && [ -t 1 ]; then
	say "booting QEMU interactively ($cpus vCPUs); Ctrl-A X quits QEMU"
	exec "${qemu[@]}" -serial mon:stdio -serial file:"$results" -append "$append rpd.interactive=1"
fi

say "booting QEMU ($cpus vCPUs, TCG, timeout ${timeout}s); console log: $console"
: >"$console"
rc=0
timeout -k 10 "$timeout" "${qemu[@]}" -monitor none -serial stdio -serial file:"$results" \
	-append "$append" </dev/null >"$console" 2>&1 &
qpid=$!
tail -n +1 -f --pid="$qpid" "$console" 2>/dev/null | grep --line-buffered -E "${RPD_SHOW:-^rpd:}" || true
wait "$qpid" || rc=$?
say "QEMU exited with status $rc"
exit "$rc"
