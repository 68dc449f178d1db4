// SPDX-License-Identifier: GPL-2.0

//! Bottom-half (softirq) disabling, and a token that proves it.
//!
//! C header: [`include/linux/bottom_half.h`](srctree/include/linux/bottom_half.h)

use core::marker::PhantomData;

unsafe extern "C" {
    fn rpd_local_bh_disable();
    fn rpd_local_bh_enable();
}

/// Proof that bottom halves are disabled on the current CPU, so the holder runs in atomic
/// context and stays on this CPU. A function that must run that way takes a
/// `&BhDisabled`, the way `lock_with(&LocalInterruptDisabled)` takes proof that interrupts
/// are off (rust/kernel/sync/lock/spinlock.rs).
///
/// # Invariants
///
/// A `BhDisabled` exists only inside [`with_bh_disabled`], while bottom halves are disabled
/// on the CPU it was created on. It is neither `Send` nor `Sync`, and references to it cannot
/// outlive the closure, so it never reaches another CPU or a later point in time.
pub(crate) struct BhDisabled {
    /// Not `Send`, not `Sync`: the proof holds on one CPU only.
    _not_send: PhantomData<*mut ()>,
}

/// Runs `f` with bottom halves disabled on the current CPU, as `local_bh_disable()` /
/// `local_bh_enable()` around it would, and hands it the proof.
///
/// `f` runs in atomic context: it must not sleep. Pending softirqs raised meanwhile run when
/// bottom halves are enabled again.
pub(crate) fn with_bh_disabled<R>(f: impl FnOnce(&BhDisabled) -> R) -> R {
    // SAFETY: Disabling bottom halves is always allowed from process or softirq context; it is
    // balanced by the enable below, on the same CPU because preemption is disabled in between.
    unsafe { rpd_local_bh_disable() };
    // INVARIANT: bottom halves are disabled until the enable below, after `f` returned; `f`
    // is higher-ranked over the reference's lifetime, so neither it nor `R` can keep it.
    let r = f(&BhDisabled {
        _not_send: PhantomData,
    });
    // SAFETY: Balances the `rpd_local_bh_disable()` above; `f` cannot unbalance it since it
    // only has safe access to the softirq state.
    unsafe { rpd_local_bh_enable() };
    r
}
