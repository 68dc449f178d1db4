// SPDX-License-Identifier: GPL-2.0

//! Shells: independent ordered series of jobs on an instance, and the job life cycle.
//!
//! A job goes through one bounded ring per shell, indexed by its sequence number:
//!
//! ```text
//!  do_parallel()        lane work (parallel wq)      Ticket::serial()      serial work (cb_cpu)
//!  seq = next++  ---->  take Queued in seq order ---> Done; if seq == head ---> run serial parts
//!  slot = Queued        run parallel part (BH off)    move Done run from        in order, BH off
//!  kick idle lane                                     head to cb_cpu queues
//! ```
//!
//! Everything a job touches is under one per-shell spinlock held for a few instructions;
//! no allocation happens after [`Shell::new`]. Lanes and serial workers drain everything
//! available in one run, so a busy shell costs one wakeup per batch, not per job.

use super::{
    instance::{Instance, InstanceInner, Snapshot},
    seq::Seq,
};
use crate::kext::{bh::with_bh_disabled, cpumask::CpuSet};
use core::mem;
use kernel::{
    cpu::nr_cpu_ids,
    new_condvar, new_spinlock, new_work,
    prelude::*,
    sync::{atomic::Acquire, Arc, CondVar, SpinLock},
    workqueue::{Work, WorkItem},
};

/// Maximum number of jobs of one shell between submission and the end of their serial part.
///
/// Submissions beyond it fail with `EBUSY` (backpressure; see Documentation/design.rst): the
/// engine never grows memory with the load.
pub(crate) const WINDOW: u32 = 512;

/// A padata job: a parallel part, then a serial part run in submission order.
pub(crate) trait Job: Send + Sized + 'static {
    /// The parallel part. Runs on a CPU of the parallel mask, with bottom halves disabled (as
    /// in C), so it must not sleep. It hands the job back with [`Ticket::serial`], right
    /// away or later from any context (for example an asynchronous completion).
    fn parallel(self, ticket: Ticket<Self>);

    /// The serial part. Runs on the job's callback CPU, with bottom halves disabled, strictly
    /// after the serial parts of all jobs submitted earlier on the shell with the same
    /// callback CPU, exactly once.
    fn serial(self);
}

/// Where a job is between submission and its serial part.
enum State<J> {
    /// The slot is unused.
    Free,
    /// Submitted, waiting for a lane.
    Queued(J),
    /// The parallel part is running or the job is with the caller.
    Running,
    /// Handed back by [`Ticket::serial`], waiting for its turn.
    Done(J),
    /// The ticket was dropped without handing the job back; its turn is skipped.
    Lost,
}

/// One ring entry.
struct Slot<J> {
    /// The job's state.
    state: State<J>,
    /// The job's callback CPU.
    cb_cpu: u32,
}

/// Jobs in order, waiting for their callback CPU's serial worker.
struct SerialQueue<J> {
    /// Jobs to serialise, in order; capacity [`WINDOW`], never reallocated.
    pending: KVec<J>,
    /// Empty vector of capacity [`WINDOW`] swapped in while the worker runs a batch.
    spare: KVec<J>,
    /// The worker is queued or running and will look at `pending` again.
    scheduled: bool,
}

/// The state of a shell, under [`ShellCore::ring`].
struct Ring<J> {
    /// `WINDOW` slots; seq `s` lives in `slots[s % WINDOW]`.
    slots: KVec<Slot<J>>,
    /// Next sequence number to hand out.
    next: Seq,
    /// Next sequence number for a lane to run.
    dispatch: Seq,
    /// Next sequence number to serialise.
    head: Seq,
    /// Jobs submitted whose serial part has not finished.
    outstanding: u32,
    /// Lanes queued or running.
    lanes_busy: u32,
    /// Which lanes are queued or running (indexed by lane number).
    lane_busy: KVec<bool>,
    /// Per callback CPU serial queues, indexed by CPU id.
    serial: KVec<SerialQueue<J>>,
    /// Instance snapshot and its generation.
    snap: Snapshot,
    /// Generation of `snap`.
    gen: u32,
}

impl<J> Ring<J> {
    fn slot(&mut self, seq: Seq) -> &mut Slot<J> {
        &mut self.slots[(seq.0 % WINDOW) as usize]
    }
}

/// The part of a shell shared with its work items and tickets.
#[pin_data]
pub(crate) struct ShellCore<J: Job> {
    /// The ring and the queues.
    #[pin]
    ring: SpinLock<Ring<J>>,
    /// Signalled when `outstanding` drops to zero.
    #[pin]
    idle: CondVar,
    /// The instance.
    inst: Arc<InstanceInner>,
    /// Serial workers, one per possible CPU; emptied by [`Shell::drop`] to break the cycle.
    #[pin]
    serial_workers: SpinLock<KVec<Arc<SerialWorker<J>>>>,
}

/// A parallel worker ("lane"): runs queued jobs of one shell in sequence order.
#[pin_data]
pub(crate) struct Lane<J: Job> {
    core: Arc<ShellCore<J>>,
    idx: u32,
    #[pin]
    work: Work<Lane<J>>,
}

kernel::impl_has_work! {
    impl{J: Job} HasWork<Self> for Lane<J> { self.work }
}

/// The serial worker of one shell on one callback CPU.
#[pin_data]
pub(crate) struct SerialWorker<J: Job> {
    core: Arc<ShellCore<J>>,
    cpu: u32,
    #[pin]
    work: Work<SerialWorker<J>>,
}

kernel::impl_has_work! {
    impl{J: Job} HasWork<Self> for SerialWorker<J> { self.work }
}

/// The right (and duty) to hand a job back for its serial part; see [`Job::parallel`].
///
/// Dropping a ticket without calling [`Ticket::serial`] skips the job's turn, so later jobs
/// are not held up forever.
pub(crate) struct Ticket<J: Job> {
    core: Arc<ShellCore<J>>,
    seq: Seq,
    cb_cpu: u32,
    done: bool,
}

impl<J: Job> Ticket<J> {
    /// The job's sequence number in its shell.
    pub(crate) fn seq(&self) -> u32 {
        self.seq.0
    }

    /// The CPU the serial part will run on.
    pub(crate) fn cb_cpu(&self) -> u32 {
        self.cb_cpu
    }

    /// Hands the job back for its serial part (C: `padata_do_serial()`).
    pub(crate) fn serial(mut self, job: J) {
        self.done = true;
        self.core.complete(self.seq, Some(job));
    }
}

impl<J: Job> Drop for Ticket<J> {
    fn drop(&mut self) {
        if !self.done {
            self.core.complete(self.seq, None);
        }
    }
}

impl<J: Job> ShellCore<J> {
    /// Records the end of a job's parallel part and moves every job whose turn has come to
    /// its callback CPU's serial queue.
    fn complete(&self, seq: Seq, job: Option<J>) {
        let mut kick = CpuSet::empty();
        {
            let mut ring = self.ring.lock();
            ring.slot(seq).state = match job {
                Some(j) => State::Done(j),
                None => State::Lost,
            };
            if ring.head != seq {
                return;
            }
            loop {
                let head = ring.head;
                let slot = ring.slot(head);
                let cb = slot.cb_cpu;
                match mem::replace(&mut slot.state, State::Free) {
                    State::Done(j) => {
                        let q = &mut ring.serial[cb as usize];
                        // Cannot fail: at most `WINDOW` jobs are outstanding.
                        if q.pending.push_within_capacity(j).is_err() {
                            pr_err!("padata: serial queue overflow\n");
                        }
                        if !q.scheduled {
                            q.scheduled = true;
                            kick.set(cb);
                        }
                    }
                    State::Lost => ring.outstanding -= 1,
                    other => {
                        ring.slot(head).state = other;
                        break;
                    }
                }
                ring.head = head.next();
            }
            if ring.outstanding == 0 {
                self.idle.notify_all();
            }
        }
        if kick.is_empty() {
            return;
        }
        let workers = self.serial_workers.lock();
        if let Some(queues) = self.inst.queues.try_access() {
            for cpu in kick.iter() {
                if let Some(w) = workers.get(cpu as usize) {
                    let _ = queues.serial.enqueue_on(cpu, w.clone());
                }
            }
        }
    }
}

impl<J: Job> WorkItem for Lane<J> {
    type Pointer = Arc<Lane<J>>;

    fn run(this: Arc<Lane<J>>) {
        let core = &this.core;
        loop {
            let (job, ticket) = {
                let mut ring = core.ring.lock();
                let seq = ring.dispatch;
                let too_many = ring.lanes_busy > ring.snap.pcpu.weight().max(1);
                let runnable = seq != ring.next && matches!(ring.slot(seq).state, State::Queued(_));
                if !runnable || too_many {
                    ring.lane_busy[this.idx as usize] = false;
                    ring.lanes_busy -= 1;
                    return;
                }
                let slot = ring.slot(seq);
                let cb_cpu = slot.cb_cpu;
                let job = match mem::replace(&mut slot.state, State::Running) {
                    State::Queued(job) => job,
                    other => {
                        slot.state = other;
                        ring.lane_busy[this.idx as usize] = false;
                        ring.lanes_busy -= 1;
                        return;
                    }
                };
                ring.dispatch = seq.next();
                let ticket = Ticket {
                    core: core.clone(),
                    seq,
                    cb_cpu,
                    done: false,
                };
                (job, ticket)
            };
            with_bh_disabled(|| job.parallel(ticket));
        }
    }
}

impl<J: Job> WorkItem for SerialWorker<J> {
    type Pointer = Arc<SerialWorker<J>>;

    fn run(this: Arc<SerialWorker<J>>) {
        let core = &this.core;
        let cpu = this.cpu as usize;
        loop {
            let mut batch = {
                let mut ring = core.ring.lock();
                let q = &mut ring.serial[cpu];
                if q.pending.is_empty() {
                    q.scheduled = false;
                    return;
                }
                let mut batch = mem::take(&mut q.spare);
                mem::swap(&mut batch, &mut q.pending);
                batch
            };
            let n = batch.len() as u32;
            with_bh_disabled(|| {
                for job in batch.drain_all() {
                    job.serial();
                }
            });
            let mut ring = core.ring.lock();
            ring.serial[cpu].spare = batch;
            ring.outstanding -= n;
            if ring.outstanding == 0 {
                core.idle.notify_all();
            }
        }
    }
}

/// A shell (C: `struct padata_shell`): an independent, ordered series of jobs on an
/// instance. Jobs of different shells are ordered independently.
pub(crate) struct Shell<J: Job> {
    core: Arc<ShellCore<J>>,
    lanes: KVec<Arc<Lane<J>>>,
}

impl<J: Job> Shell<J> {
    /// Allocates a shell on `inst` (C: `padata_alloc_shell()`); all memory the shell will
    /// ever need is allocated here.
    pub(crate) fn new(inst: &Instance) -> Result<Self> {
        Self::with_first_seq(inst, 0)
    }

    /// Like [`Shell::new`], with the first job getting sequence number `first` (tests start
    /// near `u32::MAX` to cross the wrap).
    pub(crate) fn with_first_seq(inst: &Instance, first: u32) -> Result<Self> {
        let ncpu = nr_cpu_ids() as usize;
        let mut slots = KVec::with_capacity(WINDOW as usize, GFP_KERNEL)?;
        for _ in 0..WINDOW {
            slots.push(
                Slot {
                    state: State::Free,
                    cb_cpu: 0,
                },
                GFP_KERNEL,
            )?;
        }
        let mut serial = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        let mut lane_busy = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        for _ in 0..ncpu {
            serial.push(
                SerialQueue {
                    pending: KVec::with_capacity(WINDOW as usize, GFP_KERNEL)?,
                    spare: KVec::with_capacity(WINDOW as usize, GFP_KERNEL)?,
                    scheduled: false,
                },
                GFP_KERNEL,
            )?;
            lane_busy.push(false, GFP_KERNEL)?;
        }
        let (gen, snap) = inst.inner().snapshot();
        let first = Seq(first);
        let core = Arc::pin_init(
            pin_init!(ShellCore {
                ring <- new_spinlock!(Ring {
                    slots,
                    next: first,
                    dispatch: first,
                    head: first,
                    outstanding: 0,
                    lanes_busy: 0,
                    lane_busy,
                    serial,
                    snap,
                    gen,
                }),
                idle <- new_condvar!(),
                inst: inst.inner().clone(),
                serial_workers <- new_spinlock!(KVec::new()),
            }),
            GFP_KERNEL,
        )?;
        let mut workers = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        let mut lanes = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        for cpu in 0..ncpu as u32 {
            let (c1, c2) = (core.clone(), core.clone());
            workers.push(
                Arc::pin_init(
                    pin_init!(SerialWorker {
                        core: c1,
                        cpu,
                        work <- new_work!("padata_serial"),
                    }),
                    GFP_KERNEL,
                )?,
                GFP_KERNEL,
            )?;
            lanes.push(
                Arc::pin_init(
                    pin_init!(Lane {
                        core: c2,
                        idx: cpu,
                        work <- new_work!("padata_lane"),
                    }),
                    GFP_KERNEL,
                )?,
                GFP_KERNEL,
            )?;
        }
        *core.serial_workers.lock() = workers;
        Ok(Self { core, lanes })
    }

    /// Submits a job (C: `padata_do_parallel()`).
    ///
    /// `cb_cpu` is the CPU the serial part should run on; when it is not a usable serial CPU
    /// another one is chosen as C does (`cb_cpu % weight`-th usable CPU) and written back.
    ///
    /// Errors (the job is returned with them, untouched):
    /// - `EINVAL`: the instance is stopped or invalid, or no usable serial CPU exists;
    /// - `EBUSY`: a reconfiguration is being applied, or [`WINDOW`] jobs are outstanding.
    pub(crate) fn do_parallel(&self, job: J, cb_cpu: &mut u32) -> Result<(), (Error, J)> {
        let core = &self.core;
        let kick = {
            let mut ring = core.ring.lock();
            let gen = core.inst.gen.load(Acquire);
            if gen != ring.gen {
                let (g, snap) = core.inst.snapshot();
                ring.gen = g;
                ring.snap = snap;
            }
            let snap = ring.snap;
            if !snap.running {
                return Err((EINVAL, job));
            }
            if !snap.cbcpu.test(*cb_cpu) {
                match snap.cbcpu.pick(*cb_cpu) {
                    Some(c) => *cb_cpu = c,
                    None => return Err((EINVAL, job)),
                }
            }
            if snap.reset || ring.outstanding >= WINDOW {
                return Err((EBUSY, job));
            }
            let seq = ring.next;
            ring.next = seq.next();
            ring.outstanding += 1;
            *ring.slot(seq) = Slot {
                state: State::Queued(job),
                cb_cpu: *cb_cpu,
            };
            // Wake another lane only if the queued jobs outnumber the busy lanes and there is
            // a parallel CPU for it; a busy lane picks up new jobs without any wakeup.
            let queued = ring.next.distance(ring.dispatch);
            let limit = snap.pcpu.weight().max(1);
            if ring.lanes_busy < limit && ring.lanes_busy < queued {
                let idx = ring.lane_busy.iter().position(|b| !*b);
                idx.map(|i| {
                    ring.lane_busy[i] = true;
                    ring.lanes_busy += 1;
                    (i, snap.pcpu.nth(i as u32).unwrap_or(*cb_cpu))
                })
            } else {
                None
            }
        };
        if let Some((i, cpu)) = kick {
            match core.inst.queues.try_access() {
                Some(q) => {
                    let _ = q.parallel.enqueue_on(cpu, self.lanes[i].clone());
                }
                None => {
                    // The instance is gone: undo the lane reservation; the job stays queued
                    // and is reported as lost when the shell is dropped.
                    let mut ring = core.ring.lock();
                    ring.lane_busy[i] = false;
                    ring.lanes_busy -= 1;
                }
            }
        }
        Ok(())
    }

    /// Number of jobs submitted whose serial part has not finished yet.
    pub(crate) fn outstanding(&self) -> u32 {
        self.core.ring.lock().outstanding
    }

    /// Waits until every job submitted so far has finished its serial part.
    pub(crate) fn wait_idle(&self) {
        let mut ring = self.core.ring.lock();
        while ring.outstanding != 0 {
            self.core.idle.wait(&mut ring);
        }
    }
}

impl<J: Job> Drop for Shell<J> {
    fn drop(&mut self) {
        // Jobs in flight finish first (C: padata_free_shell() after all jobs completed), then
        // the core <-> serial worker reference cycle is broken. Work items still finishing
        // their last run hold their own references; the instance's workqueues are drained
        // when the instance is dropped, so no code of this module runs after that.
        if self.core.inst.queues.try_access().is_some() {
            self.wait_idle();
        }
        let workers = mem::take(&mut *self.core.serial_workers.lock());
        drop(workers);
    }
}
