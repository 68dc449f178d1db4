// SPDX-License-Identifier: GPL-2.0

//! Bottom-half (softirq) disabling, and a token that proves it.
//!
//! C header: [`include/linux/bottom_half.h`](srctree/include/linux/bottom_half.h)

use super::sched::{in_hardirq, irqs_disabled};
use kernel::types::NotThreadSafe;

unsafe extern "C" {
    fn rpd_local_bh_disable();
    fn rpd_local_bh_enable();
}

/// Proof that no softirq can run on the current CPU (bottom halves are disabled, or it runs
/// a hard interrupt handler), so the holder stays on this CPU and must not sleep. A function
/// that must run that way takes a `&BhDisabled`, the way `lock_with(&LocalInterruptDisabled)`
/// takes proof that interrupts are off (rust/kernel/sync/lock/spinlock.rs).
///
/// # Invariants
///
/// A `BhDisabled` exists only inside [`with_bh_disabled`], while no softirq can run on the CPU
/// it was created on. It is neither `Send` nor `Sync`, and references to it cannot outlive
/// the closure, so it never reaches another CPU or a later point in time.
pub(crate) struct BhDisabled {
    /// Not `Send`, not `Sync`: the proof holds on one CPU only.
    _not_send: NotThreadSafe,
}

/// Runs `f` with bottom halves disabled on the current CPU, as `local_bh_disable()` /
/// `local_bh_enable()` around it would, and hands it the proof.
///
/// For process and softirq context. In hard-IRQ context, where softirqs cannot run and
/// `local_bh_enable()` must not be called (it would warn and enable interrupts), it runs `f`
/// as it is. With interrupts disabled outside hard IRQ it warns once (a caller bug: bottom
/// halves cannot be enabled again there) and runs `f` as it is too.
///
/// `f` must not sleep. Pending softirqs raised meanwhile run when bottom halves are enabled
/// again.
pub(crate) fn with_bh_disabled<R>(f: impl FnOnce(&BhDisabled) -> R) -> R {
    let token = BhDisabled {
        _not_send: NotThreadSafe,
    };
    let hardirq = in_hardirq();
    if hardirq || irqs_disabled() {
        // Not from hard IRQ (the supported exception): a caller with interrupts off.
        kernel::warn_on!(!hardirq);
        // INVARIANT: softirqs run on interrupt exit, on `local_bh_enable()` or in ksoftirqd;
        // in a hard interrupt handler none of those can happen on this CPU until `f`
        // returned (`in_interrupt()` keeps a nested `local_bh_enable()` from running them,
        // `f` must not sleep, and this function re-enables nothing). With interrupts off
        // outside hard IRQ the same holds unless `f` itself enables bottom halves (a
        // `SpinLockBh` unlock), which the warning above reports.
        return f(&token);
    }
    // SAFETY: Outside hard-IRQ context and with interrupts enabled (checked above), disabling
    // bottom halves is allowed; it is balanced by the enable below, on the same CPU (bottom
    // halves disabled keep the task on its CPU: preemption is off, or on PREEMPT_RT
    // migration is).
    unsafe { rpd_local_bh_disable() };
    // INVARIANT: bottom halves are disabled until the enable below, after `f` returned; `f`
    // is higher-ranked over the reference's lifetime, so neither it nor `R` can keep it.
    let r = f(&token);
    // SAFETY: Balances the `rpd_local_bh_disable()` above, on the same CPU. Safe code in `f`
    // can unbalance the softirq or interrupt state only by leaking a guard (`mem::forget` of
    // a `SpinLockBh` or interrupt-disabling guard): bottom halves then stay disabled, or
    // `local_bh_enable()` warns; a hang or a bug report, not a memory safety issue.
    unsafe { rpd_local_bh_enable() };
    r
}
