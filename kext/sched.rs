// SPDX-License-Identifier: GPL-2.0

//! Scheduler and context queries.
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h)

unsafe extern "C" {
    fn rpd_need_resched() -> bool;
    fn rpd_need_resched_lazy() -> bool;
    fn rpd_in_hardirq() -> bool;
    fn rpd_irqs_disabled() -> bool;
}

/// The C functions themselves, where the safe wrapper has the same name.
mod raw {
    unsafe extern "C" {
        pub(super) fn single_task_running() -> bool;
    }
}

/// Whether the current CPU runs a hard interrupt handler (`in_hardirq()`), for example an
/// hrtimer callback or a device interrupt handler on a kernel without `PREEMPT_RT`.
pub(crate) fn in_hardirq() -> bool {
    // SAFETY: the helper only reads the preemption count of the current CPU; it is callable
    // from any context.
    unsafe { rpd_in_hardirq() }
}

/// Whether interrupts are disabled on the current CPU (`irqs_disabled()`).
pub(crate) fn irqs_disabled() -> bool {
    // SAFETY: the helper only reads the current CPU's interrupt flag; it is callable from any
    // context.
    unsafe { rpd_irqs_disabled() }
}

/// Whether the scheduler wants the current CPU for another task, even if only lazily
/// (`TIF_NEED_RESCHED_LAZY`: with `CONFIG_PREEMPT_LAZY` a fair task woken on this CPU sets
/// only this flag and waits for the next tick). Same as `need_resched()` on kernels without
/// lazy preemption.
///
/// A task that busy-polls while other tasks of its CPU may be waiting must stop when this
/// returns `true`: otherwise it delays them until the next tick.
pub(crate) fn resched_wanted() -> bool {
    // SAFETY: both helpers only read the thread flags of the current task, which always
    // exists; they are callable from any context.
    unsafe { rpd_need_resched() || rpd_need_resched_lazy() }
}

/// Whether the current task is the only runnable task of its CPU (`single_task_running()`,
/// C header [`include/linux/sched/stat.h`](srctree/include/linux/sched/stat.h)).
///
/// Unlike [`resched_wanted`], this is `false` as soon as another task is queued on the CPU,
/// even one the scheduler lets wait because it does not preempt the current task at once. A
/// busy-polling task that stops when this is `false` never keeps a runnable task off its CPU
/// for longer than one look. In preemptible context the answer may concern a CPU the task
/// has just left: a hint, not a guarantee.
pub(crate) fn single_task_running() -> bool {
    // SAFETY: `single_task_running()` is an exported function without preconditions: it
    // reads the `nr_running` count of the current CPU's run queue without a lock (`raw_rq()`)
    // and returns a `bool`; it sleeps in no context and dereferences nothing we pass.
    unsafe { raw::single_task_running() }
}
