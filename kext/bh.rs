// SPDX-License-Identifier: GPL-2.0

//! Bottom-half (softirq) disabling.
//!
//! C header: [`include/linux/bottom_half.h`](srctree/include/linux/bottom_half.h)

unsafe extern "C" {
    fn rpd_local_bh_disable();
    fn rpd_local_bh_enable();
}

/// Runs `f` with bottom halves disabled on the current CPU, as `local_bh_disable()` /
/// `local_bh_enable()` around it would.
///
/// `f` runs in atomic context: it must not sleep. Pending softirqs raised meanwhile run when
/// bottom halves are enabled again.
pub(crate) fn with_bh_disabled<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: Disabling bottom halves is always allowed from process or softirq context; it is
    // balanced by the enable below, on the same CPU because preemption is disabled in between.
    unsafe { rpd_local_bh_disable() };
    let r = f();
    // SAFETY: Balances the `rpd_local_bh_disable()` above; `f` cannot unbalance it since it
    // only has safe access to the softirq state.
    unsafe { rpd_local_bh_enable() };
    r
}
