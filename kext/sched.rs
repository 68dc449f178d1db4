// SPDX-License-Identifier: GPL-2.0

//! Scheduler queries.
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h)

unsafe extern "C" {
    fn rpd_need_resched() -> bool;
}

/// Whether the scheduler wants the current CPU for another task (`need_resched()`).
///
/// A task that busy-polls must stop polling when this returns `true`.
pub(crate) fn need_resched() -> bool {
    // SAFETY: `need_resched()` only reads the thread flags of the current task, which always
    // exists; it is callable from any context.
    unsafe { rpd_need_resched() }
}
