// SPDX-License-Identifier: GPL-2.0

//! Workqueues owned by the caller, and queueing work on a chosen CPU.
//!
//! The 7.3 `kernel::workqueue` module only offers the system workqueues and enqueueing on
//! `WORK_CPU_UNBOUND`; this adds `alloc_workqueue()`/`destroy_workqueue()` and
//! `queue_work_on()` with a CPU. (`apply_workqueue_attrs()`, which C padata uses to pin its
//! unbound parallel workqueue to a cpumask, is not exported to modules.)
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h)

use core::{ops::Deref, pin::Pin, ptr::NonNull};
use kernel::{
    bindings,
    cpu::CpuId,
    cpumask::Cpumask,
    error::code::ENOMEM,
    impl_has_work, new_work,
    prelude::*,
    workqueue::{Queue, RawWorkItem, Work, WorkItem},
};

/// Kind of workqueue to allocate.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// Per-CPU with a rescuer (`WQ_PERCPU | WQ_MEM_RECLAIM | WQ_CPU_INTENSIVE`, default
    /// max_active): a work item queued on CPU n runs on CPU n while it is online; different
    /// work items may run at once on one CPU (in their own kworkers), so a long one does not
    /// hold back the others.
    PerCpu,
    /// Per-CPU and CPU intensive (`WQ_PERCPU | WQ_CPU_INTENSIVE`, default max_active): work
    /// items queued on CPU n run there, several at a time, outside concurrency management.
    PerCpuIntensive,
    /// Unbound (`WQ_UNBOUND`, default max_active): the scheduler picks the CPU within the
    /// pod of the CPU the item is queued on.
    Unbound,
}

/// A workqueue allocated by this module, destroyed (after draining it) on drop.
///
/// # Invariants
///
/// `ptr` points to a workqueue returned by `alloc_workqueue()` that is owned by this object.
pub(crate) struct OwnedQueue {
    /// The workqueue.
    ptr: NonNull<bindings::workqueue_struct>,
}

// SAFETY: Workqueues may be used and destroyed from any thread.
unsafe impl Send for OwnedQueue {}
// SAFETY: All operations on a workqueue through a shared reference are thread-safe.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// Allocates a workqueue named `<name><suffix>` (suffix such as `c"_parallel"`).
    pub(crate) fn new(name: &CStr, suffix: &CStr, kind: Kind) -> Result<Self> {
        let (flags, max_active) = match kind {
            Kind::PerCpu => (
                bindings::wq_flags_WQ_PERCPU
                    | bindings::wq_flags_WQ_MEM_RECLAIM
                    | bindings::wq_flags_WQ_CPU_INTENSIVE,
                0,
            ),
            Kind::PerCpuIntensive => (
                bindings::wq_flags_WQ_PERCPU | bindings::wq_flags_WQ_CPU_INTENSIVE,
                0,
            ),
            Kind::Unbound => (bindings::wq_flags_WQ_UNBOUND, 0),
        };
        // SAFETY: The format string takes exactly the two NUL-terminated string arguments
        // passed; the name is copied into the workqueue.
        let ptr = unsafe {
            bindings::alloc_workqueue_noprof(
                c"%s%s".as_char_ptr(),
                flags,
                max_active,
                name.as_char_ptr(),
                suffix.as_char_ptr(),
            )
        };
        // INVARIANT: A non-null return is a new workqueue that we own.
        Ok(Self {
            ptr: NonNull::new(ptr).ok_or(ENOMEM)?,
        })
    }

    /// Queues `w` on CPU `cpu` (for a per-CPU queue: to run there; for an unbound queue: to
    /// run in that CPU's pod), or, if `cpu` is not online, as [`Queue::enqueue`] does
    /// (`WORK_CPU_UNBOUND`): a possible CPU that never came online has no workers, and work
    /// queued there would never run. Returns the item back if it was already queued.
    pub(crate) fn enqueue_on<W, const ID: u64>(&self, cpu: CpuId, w: W) -> W::EnqueueOutput
    where
        W: RawWorkItem<ID> + Send + 'static,
    {
        let queue = self.ptr.as_ptr();
        // SAFETY: `__cpu_online_mask` is a kernel global that lives forever; it is only read,
        // with the atomic-safe `cpumask_test_cpu()`.
        let online = unsafe { Cpumask::from_raw(&raw const bindings::__cpu_online_mask) };
        let cpu = if online.test(cpu) {
            cpu.as_u32() as i32
        } else {
            bindings::wq_misc_consts_WORK_CPU_UNBOUND as i32
        };
        // SAFETY: As in `kernel::workqueue::Queue::enqueue`: `__enqueue` passes a pointer to
        // a `work_struct` that stays valid until the work item runs if `queue_work_on`
        // returns true, and is reclaimed otherwise; `queue` is valid by the type invariants.
        // `queue_work_on()` indexes per-CPU data with the CPU id: `cpu` is either
        // `WORK_CPU_UNBOUND` or a CPU that was online just now, hence possible, with per-CPU
        // areas and workers (`CpuId` alone would not do: `cpu_possible_mask` may have holes
        // below `nr_cpu_ids`). It may go offline meanwhile; the work then runs on another
        // CPU.
        unsafe { w.__enqueue(move |work| bindings::queue_work_on(cpu, queue, work)) }
    }
}

/// A closure allocated as a work item ahead of time, so that queueing it neither allocates
/// nor sleeps (`Queue::try_spawn()` allocates, which is not allowed for example under the RCU
/// read lock that guards an instance's workqueues).
#[pin_data]
pub(crate) struct ClosureWork<T> {
    /// The work item.
    #[pin]
    work: Work<ClosureWork<T>>,
    /// The closure; taken when the work item runs.
    func: Option<T>,
}

impl_has_work! {
    impl{T} HasWork<Self> for ClosureWork<T> { self.work }
}

impl<T: FnOnce() + Send + 'static> ClosureWork<T> {
    /// Allocates a work item that runs `func` once queued.
    pub(crate) fn new(func: T, flags: kernel::alloc::Flags) -> Result<Pin<KBox<Self>>> {
        KBox::pin_init(
            pin_init!(Self {
                work <- new_work!("ClosureWork::work"),
                func: Some(func),
            }),
            flags,
        )
    }

    /// The closure slot (not structurally pinned).
    fn func(self: Pin<&mut Self>) -> &mut Option<T> {
        // SAFETY: `func` is not structurally pinned: nothing relies on its address, and it is
        // only moved out of (never the `work` field, which is pinned).
        unsafe { &mut self.get_unchecked_mut().func }
    }
}

impl<T: FnOnce() + Send + 'static> WorkItem for ClosureWork<T> {
    type Pointer = Pin<KBox<Self>>;

    fn run(mut this: Pin<KBox<Self>>) {
        if let Some(func) = this.as_mut().func().take() {
            func();
        }
    }
}

impl Deref for OwnedQueue {
    type Target = Queue;

    fn deref(&self) -> &Queue {
        // SAFETY: `self.ptr` is a valid workqueue that lives as long as `self`.
        unsafe { Queue::from_raw(self.ptr.as_ptr()) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: We own the workqueue; `destroy_workqueue()` drains it first. Work items of
        // this queue only hold references to objects (never to the `OwnedQueue` itself), so
        // none can run this drop from inside the queue.
        unsafe { bindings::destroy_workqueue(self.ptr.as_ptr()) };
    }
}
