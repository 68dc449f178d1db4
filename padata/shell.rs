// SPDX-License-Identifier: GPL-2.0

//! Shells: independent ordered series of jobs on an instance, and the job life cycle.
//!
//! ```text
//!  do_parallel()          lane work (parallel wq)       Ticket::serial()       serial work
//!  [input lock]           [input lock, per batch]       [reorder lock]         [reorder lock,
//!  seq = next++           take up to BATCH queued jobs  slot = Done; if seq    per batch]
//!  slot = Queued          in seq order, run their        is the head: move the  run serial parts
//!  kick an idle lane      parallel parts (BH off)        ready run to cb_cpu    in order (BH off)
//!                                                        queues, kick workers
//! ```
//!
//! Submitters and lanes share the *input* lock; completions and serial workers share the
//! *reorder* lock, so the two ends of the pipeline do not contend with each other. Lanes take
//! and serial workers run whole batches, so a busy shell costs one wakeup and one lock round
//! trip per batch, not per job. A serial worker whose queue runs empty polls it for a while
//! before sleeping, as long as the next job has recently come soon enough to be worth it
//! (an adaptive poll window like cpuidle-haltpoll's, see `padata/linger.rs`), so a
//! stream of small jobs does not pay a sleep and a wakeup per batch; it polls a per-CPU
//! counter on a cache line of its own, not the reorder lock, so it does not slow down the
//! completions that feed it. Nothing is allocated per job: after [`Shell::new`] only the
//! rings grow (doubling, up to [`WINDOW`]), the overflow queue while the window is full, and
//! a lane or a serial worker when the shell first needs it ([`ShellCore::wake`],
//! [`ShellCore::serial_for`]), so a shell's per-CPU state follows the CPUs it uses.
//!
//! This file holds the mechanism: the locks, the work items and the job life cycle. Where a
//! job runs is decided by the placement policy (`padata/placement.rs`), how long a serial
//! worker polls by the linger policy (`padata/linger.rs`), both with the instance's
//! [`Tuning`]; the order of jobs is kept by `padata/reorder.rs`.

use super::{
    gauge::{batch_lanes, LaneGauge},
    instance::{Drain, Instance, InstanceInner, Queues, Snapshot},
    linger::{keep_polling, poll_until_fed, LineCounter},
    placement::{
        direct_solo, inline_pays, lane_limit, next_peak, pick_lane, probe_at, probe_seen, split_ns,
        sync_pays, usable_cb_cpu, Next, DIRECT_SAMPLE, SYNC_PROBE_EVERY,
    },
    reorder::{ring_idx, Done, Ready, Reorder, SerialQueue, NIL},
    seq::Seq,
    stats::{SerialStats, ShellStats, SubmitStats},
    tuning::Tuning,
    util::{kvec_of, kvec_with},
};
use crate::kext::{
    bh::{with_bh_disabled, BhDisabled},
    sched::{in_hardirq, resched_wanted},
    spinlock_bh::{new_spinlock_bh, SpinLockBh},
};
use core::mem;
use kernel::{
    cpu::{nr_cpu_ids, CpuId},
    debugfs::Scope,
    new_condvar, new_spinlock_irq, new_work,
    prelude::*,
    str::CString,
    sync::{
        atomic::{Acquire, Atomic, Full, Relaxed, Release},
        Arc, CondVar, SpinLockIrq,
    },
    time::{delay::fsleep, Delta, Instant, Monotonic},
    uaccess::UserSliceReader,
    workqueue::{Work, WorkItem},
};

/// Most jobs of one shell that hold a sequence number at once: between their dispatch to a
/// lane and the end of their serial part.
///
/// Submissions beyond it are not refused: they wait, in submission order, in the shell's
/// overflow queue ([`Input::overflow`]) and get their sequence numbers as the window frees
/// (see Documentation/padata.rst, "Overload"). Order is never traded for load.
pub(crate) const WINDOW: u32 = 512;

/// Initial length of a shell's rings (the input and reorder rings and the pool of ready
/// jobs). They double, up to [`WINDOW`], when more jobs are in flight than they hold, so a
/// shell's memory follows its peak of jobs in flight (see [`ShellCore::grow`]).
const MIN_RING: usize = 16;

/// Most jobs of one shell that wait in its overflow queue; beyond it submissions fail with
/// `ENOSPC` (nothing queued; IPsec drops the packet). Four windows: the same order as the
/// network stack's per-CPU input backlog (`netdev_max_backlog`, 1000) across a few CPUs, in
/// a vector of at most 48 KiB for pcrypt's 24-byte jobs. A deeper queue would only add
/// latency to a flood that is dropped anyway; C queues without bound only what finished its
/// parallel part, and runs the parallel part in the submitter when its work items run out.
const OVERFLOW_MAX: usize = 4 * WINDOW as usize;

/// Lanes a shell allocates up front; the others come with use ([`ShellCore::wake`]). Two, so
/// that when another lane cannot be allocated there is always one to fall back on other than
/// the lane that asks (see [`ShellCore::lane_failed`]).
pub(crate) const PREALLOC_LANES: usize = 2;

/// Fault injection for the KUnit suites, like the kernel's `should_fail()` points: while
/// non-zero, allocating a lane beyond the [`PREALLOC_LANES`] fails as if memory were short.
/// Never set outside tests.
pub(crate) static FAIL_NEW_LANES: Atomic<u32> = Atomic::new(0);

/// Most jobs a lane takes from the input ring at once.
pub(super) const BATCH: usize = 16;

/// Most jobs a serial worker takes from its queue at once (one lock round trip).
const SERIAL_BATCH: usize = 32;

/// Most serial workers [`ShellCore::complete`] queues after dropping the reorder lock; any
/// further ones (a ready run spanning more callback CPUs) are queued under it.
const KICK_MAX: usize = 8;

/// Flag of [`ShellCore::sync_waiter`]: a submitter waits (the low 32 bits are its job's
/// sequence number).
const SYNC_WAITING: u64 = 1 << 32;

/// A shell's debugfs directory with its files, holding the shell's core for them.
type ShellDebugfs<J> = Pin<KBox<Scope<Arc<ShellCore<J>>>>>;

/// The debugfs `stats` file of a shell: its counters, one `name value` per line.
fn show_stats<J: Job>(
    core: &Arc<ShellCore<J>>,
    f: &mut kernel::fmt::Formatter<'_>,
) -> kernel::fmt::Result {
    core.stats().write(f)
}

/// The debugfs `reset` file of a shell: any write zeroes its counters.
fn reset_stats<J: Job>(core: &Arc<ShellCore<J>>, _input: &mut UserSliceReader) -> Result {
    core.reset_stats();
    Ok(())
}

/// A padata job: a parallel part, then a serial part run in submission order.
///
/// Jobs are moved by value from ring to ring, never pinned (`Unpin` lets the reorder side
/// keep one in place, see [`Shell::do_parallel_sync`]).
pub(crate) trait Job: Send + Sized + Unpin + 'static {
    /// Whether a cheap or lone job may run its parallel part in the submitter's context
    /// instead of on a lane: when nothing is queued before it, the submitting CPU is a usable
    /// parallel CPU, and the placement policy finds it cheap or alone
    /// ([`inline_pays`]). Only for jobs whose parallel part may run under
    /// the submitter's locks and on its stack; the serial part is never run inline.
    const INLINE: bool = false;

    /// The parallel part. Runs on a CPU of the parallel mask, with bottom halves disabled (as
    /// in C; `bh` is the proof), so it must not sleep. It hands the job back with
    /// [`Ticket::serial`], right away or later from any context (for example an asynchronous
    /// completion).
    fn parallel(self, ticket: Ticket<Self>, bh: &BhDisabled);

    /// The serial part. Runs on the job's callback CPU, with bottom halves disabled, strictly
    /// after the serial parts of all jobs submitted earlier on the shell with the same
    /// callback CPU, exactly once; `bh` is the proof that bottom halves are disabled.
    fn serial(self, bh: &BhDisabled);
}

/// Whether a job may go back synchronously to its caller in the current context
/// ([`Shell::do_parallel_sync`], [`Shell::do_direct`]), read before bottom halves are
/// disabled for the submission: not from a hard interrupt. No caller that waits submits
/// from there, and one that did would run the job's parallel part with interrupts off; the
/// job takes the asynchronous path instead.
///
/// Only a caller that waits for each job gets one back: its serial part would only record
/// the status and wake it (pcrypt: a request whose completion is `crypto_req_done()`, as set
/// up for `crypto_wait_req()`). In C the woken task runs whenever the scheduler picks it,
/// with no order against later jobs' serial parts, so taking the job back now, in any
/// context and on any CPU, changes nothing a caller can rely on. A caller whose serial part
/// acts on the job is not offered this: its own code may take another path for a job that
/// comes back than for one that completes later (ESP input delivers a packet decrypted
/// synchronously at once, but queues one completed asynchronously to a per-CPU work item),
/// so a job handed back could overtake the deferred effect of an earlier job
/// (Documentation/padata.rst, "Synchronous completion").
fn sync_allowed() -> bool {
    !in_hardirq()
}

/// A submitted job waiting for a lane (in [`Input::queued`]) or for room in the window (in
/// [`Input::overflow`]).
pub(super) struct Queued<J> {
    /// The job.
    job: J,
    /// Its callback CPU.
    cb_cpu: u32,
    /// When it was submitted.
    t0: Instant<Monotonic>,
}

/// What a lane measured of one batch, folded into the shell's [`LaneGauge`] under the next
/// input lock the lane takes ([`Input::fold_batch`]).
pub(super) struct BatchTime {
    /// Lanes of the shell running when the batch was taken, itself included.
    running: u32,
    /// [`Input::batch_starts`] after the batch was taken: any later start is a lane that
    /// joined this batch.
    started: u32,
    /// Time per job of the batch, in nanoseconds.
    per_job_ns: u32,
}

/// Submission side of a shell, under [`ShellCore::input`].
pub(super) struct Input<J> {
    /// Ring of [`MIN_RING`]..=[`WINDOW`] slots; job `s` waits for a lane in
    /// `queued[s % len]` with its cb_cpu.
    pub(super) queued: KVec<Option<Queued<J>>>,
    /// Next sequence number to hand out.
    pub(super) next: Seq,
    /// Next sequence number for a lane to take.
    pub(super) dispatch: Seq,
    /// Lanes queued or running.
    pub(super) lanes_busy: u32,
    /// Which lanes are queued or running (indexed by lane number).
    pub(super) lane_busy: KVec<bool>,
    /// Lanes between taking a batch and folding its time into `gauge`.
    pub(super) lanes_running: u32,
    /// Lane batches taken (wrapping), so a lane tells whether another lane started a batch
    /// while its own ran.
    pub(super) batch_starts: u32,
    /// The lane cap measured from the lanes' batches (see [`LaneGauge`]).
    pub(super) gauge: LaneGauge,
    /// The split between running a job in its submitter and handing it to a lane, in ns of
    /// its measured cost: [`Tuning::inline_ns`], raised by the gauge's cap ([`split_ns`]).
    /// Published in [`DirectSplit::ns`] for direct jobs.
    pub(super) split_ns: u32,
    /// Which CPUs have a serial queue and worker in this shell (indexed by CPU id; see
    /// [`ShellCore::serial_for`]).
    pub(super) serial_ready: KVec<bool>,
    /// Decaying peak of the jobs in flight seen by submissions, in 1/256 (`PEAK_SHIFT`):
    /// each submission takes the maximum of the jobs now in flight and the old peak less
    /// 1/64, so bursts of N keep it near N and it follows a shallower load within ~100
    /// submissions.
    pub(super) peak: u32,
    /// Lone jobs costlier than a handoff submitted for a synchronous completion since the
    /// last probe, one that completes asynchronously (see [`sync_pays`]), with those that
    /// ran directly instead ([`direct_solo`], counted in by [`Input::count_solo`]).
    pub(super) sync_probe: u32,
    /// How many such jobs make one probe, [`SYNC_PROBE_EVERY`] up to
    /// [`super::placement::SYNC_PROBE_MAX`] (see [`super::placement::next_probe_every`]).
    pub(super) probe_every: u32,
    /// Which of the costly lone jobs since the last probe is the next probe (see
    /// [`super::placement::probe_at`]).
    pub(super) probe_at: u32,
    /// A probe was chosen and no submission has been accepted since (see [`probe_seen`]).
    pub(super) probe_pending: bool,
    /// Instance snapshot.
    pub(super) snap: Snapshot,
    /// Generation of `snap`.
    pub(super) gen: u32,
    /// Jobs (with their callback CPUs) submitted while [`WINDOW`] jobs were outstanding,
    /// oldest at `overflow_head`; they enter the window in this order before any later
    /// submission. It grows only while the window is full (`GFP_ATOMIC`, amortised doubling)
    /// and is freed once drained, so its memory follows what is really in flight.
    pub(super) overflow: KVec<Option<Queued<J>>>,
    /// Index of the oldest job in `overflow`.
    pub(super) overflow_head: usize,
    /// The instance's tuning, as the placement policy reads it (a copy under this lock, so
    /// a submission reads it from memory it touches anyway; see the test-only `Shell::retune`).
    pub(super) tuning: Tuning,
    /// What the submission side did.
    pub(super) stats: SubmitStats,
}

impl<J> Input<J> {
    /// Number of jobs waiting in the overflow queue.
    fn overflowing(&self) -> usize {
        self.overflow.len() - self.overflow_head
    }

    /// Folds the lane batch `last` measured, if any, into the shell's [`LaneGauge`] (which
    /// only sets the cap while [`Tuning::lane_max`] is 0), and counts its lane as no longer
    /// running. See [`batch_lanes`] for the lanes the batch ran beside. Publishes the split
    /// that follows the gauge's cap ([`split_ns`]) in `split`, for direct jobs.
    fn fold_batch(&mut self, last: &mut Option<BatchTime>, split: &DirectSplit) {
        let Some(b) = last.take() else {
            return;
        };
        let joined = self.batch_starts.wrapping_sub(b.started);
        let running = batch_lanes(b.running, joined, self.lanes_running);
        self.lanes_running = self.lanes_running.saturating_sub(1);
        if self.tuning.lane_max == 0 {
            self.gauge.fold(running, b.per_job_ns, self.snap.pcpus);
            self.update_split(split);
        }
    }

    /// Counts the jobs that a raised split kept in their submitters, `inline` of them run by
    /// this submission and those [`Shell::do_direct`] ran since the last count
    /// ([`DirectSplit::kept`], also in [`SubmitStats::direct_kept`]), as batches at the
    /// gauge's cap ([`LaneGauge::kept`]), and updates the split if that started a try of
    /// one more lane.
    fn count_kept(&mut self, inline: u32, split: &DirectSplit) {
        if self.tuning.lane_max != 0 || self.split_ns <= self.tuning.inline_ns {
            return;
        }
        let direct = split.kept.take_into(&mut self.stats.direct_kept);
        let n = direct.saturating_add(inline);
        self.gauge.kept(n, self.snap.pcpus);
        self.update_split(split);
    }

    /// Sets [`Input::split_ns`] from the tuning, the usable parallel CPUs of the snapshot and
    /// the gauge's cap ([`split_ns`]), and publishes it in `split` for direct jobs, with the
    /// direct jobs a raised split may keep before a submission counts them
    /// ([`DirectSplit::kept`]).
    fn update_split(&mut self, split: &DirectSplit) {
        let ns = split_ns(&self.tuning, self.snap.pcpus, self.gauge.split_cap());
        if ns != self.split_ns {
            self.split_ns = ns;
            split.ns.store(ns, Relaxed);
            // What the old split kept and no submission counted yet is dropped from the
            // gauge's count (fewer than the quota's bound, which delay the next try by as
            // many), not from the statistics.
            split.kept.take_into(&mut self.stats.direct_kept);
        }
        // Without a raised split no direct job is kept from the lanes (one that
        // `Shell::retune` made look so is never declined).
        let due = match ns > self.tuning.inline_ns {
            true => self.gauge.until_try().max(1),
            false => u32::MAX,
        };
        split.kept.publish(due);
    }

    /// Counts the lone jobs costlier than the split that ran directly since the last count
    /// ([`DirectSplit::solo`], also in [`SubmitStats::direct_lone`]) towards the next probe
    /// of the synchronous return, as those that a submission hands back synchronously count
    /// ([`sync_pays`]).
    fn count_solo(&mut self, split: &DirectSplit) {
        let direct = split.solo.take_into(&mut self.stats.direct_lone);
        self.sync_probe = self.sync_probe.saturating_add(direct);
    }

    /// Publishes in `split` how many lone jobs costlier than the split may run directly
    /// before one goes through a submission again ([`direct_solo`]), where it changed.
    fn update_solo(&mut self, split: &DirectSplit) {
        split.solo.publish(direct_solo(self));
    }

    /// Copies the instance's snapshot if it changed since the last copy, and with it the
    /// split that depends on its parallel CPUs (published in `split`).
    fn refresh(&mut self, inst: &InstanceInner, split: &DirectSplit) {
        if inst.gen.load(Acquire) != self.gen {
            self.copy_snapshot(inst, split);
        }
    }

    /// The copy of [`Input::refresh`], out of line: it runs only after a reconfiguration,
    /// and kept out of the submission's stack frame, which a snapshot of two `NR_CPUS`-bit
    /// masks would grow by 2 KiB at `NR_CPUS=8192`. Copied in place, not through the stack.
    #[inline(never)]
    fn copy_snapshot(&mut self, inst: &InstanceInner, split: &DirectSplit) {
        self.gen = inst.snapshot_into(&mut self.snap);
        self.update_split(split);
    }
}

/// How many direct jobs of one kind may run before a submission counts them: a count that
/// [`Shell::do_direct`] bumps and checks against a bound without a lock, the bound
/// published under the input lock, and the count taken (reset to 0) under that lock by a
/// submission, or by whoever changes the split there, and added to the shell's statistics
/// ([`SubmitStats`]).
///
/// Every access is relaxed: a stale count or bound moves a decision by a job or two, never
/// a job's order (the order of a direct job rests on [`ShellCore::is_idle`] alone).
pub(crate) struct DirectQuota {
    /// Direct jobs of this kind since a submission last took the count.
    count: Atomic<u32>,
    /// How many run directly before the next one is declined, so that its submission takes
    /// the count. Written only under the input lock.
    due: Atomic<u32>,
}

impl DirectQuota {
    /// A quota with nothing counted that admits `due` direct jobs.
    fn new(due: u32) -> Self {
        Self {
            count: Atomic::new(0),
            due: Atomic::new(due),
        }
    }

    /// Whether one more direct job of this kind may run: fewer than the published bound ran
    /// since the count was last taken.
    fn admits(&self) -> bool {
        self.count.load(Relaxed) < self.due.load(Relaxed)
    }

    /// Counts one direct job of this kind.
    fn bump(&self) {
        self.count.add(1, Relaxed);
    }

    /// Returns the direct jobs counted since the last take, counts them as taken and adds
    /// them to `total` (the statistics counter of their kind, wrapping: see
    /// [`ShellCore::reset_stats`]).
    fn take_into(&self, total: &mut u64) -> u32 {
        // A load first: the exchange would dirty the line for every submission, also when
        // no direct job ran.
        let n = match self.count.load(Relaxed) {
            0 => 0,
            _ => self.count.xchg(0, Relaxed),
        };
        *total = total.wrapping_add(u64::from(n));
        n
    }

    /// The direct jobs counted since the last take, left where they are.
    fn pending(&self) -> u64 {
        u64::from(self.count.load(Relaxed))
    }

    /// Publishes `due` as the bound, storing only where it changed so that holders of the
    /// input lock leave the line alone while it holds. Only under the input lock, the
    /// bound's only writer, so the load sees the bound last published.
    fn publish(&self, due: u32) {
        if self.due.load(Relaxed) != due {
            self.due.store(due, Relaxed);
        }
    }
}

/// The split between running a job in its submitter and handing it to a lane
/// ([`Input::split_ns`]) as [`Shell::do_direct`] reads it, without a lock, and the quotas
/// of the two kinds of direct jobs that submissions must count: those that a raised split
/// kept from the lanes, which let the shell's [`LaneGauge`] try one more lane while no lane
/// runs ([`LaneGauge::kept`]), and lone costly jobs, which count towards the probes of the
/// synchronous return ([`direct_solo`]). `ns` is written under the input lock; every access
/// is relaxed: a stale value moves a decision by a job or two, never a job's order.
pub(crate) struct DirectSplit {
    /// [`Input::split_ns`]. Starts at the instance's [`Tuning::inline_ns`].
    ns: Atomic<u32>,
    /// Direct jobs that cost at least [`Tuning::inline_ns`] on average (so ran direct only
    /// because the split was raised), counted by [`Input::count_kept`]. Bound: the kept jobs
    /// until the gauge's next try ([`LaneGauge::until_try`]), at least 1, while the split
    /// is raised; else `u32::MAX`.
    kept: DirectQuota,
    /// Direct jobs that cost at least the split on average (so ran direct only because they
    /// were alone), counted by [`Input::count_solo`] towards the next probe of the
    /// synchronous return. Bound: [`direct_solo`] (0: none runs direct).
    solo: DirectQuota,
}

impl DirectSplit {
    /// The kept and the lone direct jobs that ran since a submission last counted them,
    /// for the statistics ([`SubmitStats::direct_kept`], [`SubmitStats::direct_lone`]).
    fn pending(&self) -> (u64, u64) {
        (self.kept.pending(), self.solo.pending())
    }
}

/// The part of a shell shared with its work items and tickets.
#[pin_data]
pub(crate) struct ShellCore<J: Job> {
    /// Submission side.
    #[pin]
    input: SpinLockBh<Input<J>>,
    /// Signalled (under `input`) when `outstanding` drops to zero and `idle_waiters` is not.
    #[pin]
    idle: CondVar,
    /// Threads in [`Shell::wait_idle`] (changed under `input`). Incremented fully ordered
    /// before the waiter looks at `outstanding`, which [`ShellCore::finished`] decrements
    /// fully ordered before it reads this: one of the two sees the other, so a job that
    /// empties the shell skips the lock and the wait queue only when nobody can be waiting.
    idle_waiters: Atomic<u32>,
    /// Keeps the two locks on separate cache lines.
    _pad: [u8; 64],
    /// Completion side. Interrupts are disabled while it is held: completions may come from
    /// hard-IRQ context (hardware crypto drivers).
    #[pin]
    reorder: SpinLockIrq<Reorder<J>>,
    /// Jobs in the window: dispatched (given a sequence number) but their serial part has
    /// not finished (incremented under `input`).
    outstanding: Atomic<u32>,
    /// Jobs in the overflow queue ([`Input::overflow`]; changed under `input`, only by
    /// read-modify-write operations). Read without the lock by [`ShellCore::finished`] after a
    /// fully ordered decrement of `outstanding`; submitters increment it fully ordered before
    /// they look at `outstanding` again, so one of the two always sees the other and moves
    /// the job into the window. Read with acquire by [`ShellCore::is_idle`], which
    /// [`ShellCore::promote`]'s release decrement (after its increment of `outstanding`)
    /// pairs with.
    overflowed: Atomic<u32>,
    /// Moving average of the time one parallel part takes, in nanoseconds, measured by the
    /// lanes and inline runs (asynchronous parallel parts count only until they hand over).
    /// Updated without a lock: a lost update only delays the average a little.
    cost_ns: Atomic<u32>,
    /// The split between submitter and lanes, for [`Shell::do_direct`].
    split: DirectSplit,
    /// `SYNC_WAITING | seq` while the submitter of job `seq` waits, in its inline parallel
    /// part, to take the job back synchronously ([`Shell::do_parallel_sync`]), else 0. Set by
    /// that submitter under `input` before the job's ticket exists; read, and cleared, under
    /// `reorder` (by the job's completion, or by the submitter when its parallel part
    /// returned), so exactly one of the two decides where the job goes.
    sync_waiter: Atomic<u64>,
    /// Jobs their submitters ran directly ([`Shell::do_direct`]; [`SubmitStats::direct`]).
    /// Counted without a lock; its value also picks the direct jobs that are timed.
    direct: Atomic<u64>,
    /// The instance.
    inst: Arc<InstanceInner>,
    /// Lanes that could not be allocated when woken ([`ShellCore::lane_failed`]).
    lanes_refused: Atomic<u32>,
    /// Lanes, indexed by lane number: lane 0 from the start, the others allocated when first
    /// woken ([`ShellCore::wake`]), so a shell has at most as many as it ever had busy at once
    /// (bounded by [`lane_limit`]). Emptied by [`Shell::drop`] to break the
    /// reference cycle.
    #[pin]
    lanes: SpinLockBh<KVec<Arc<Lane<J>>>>,
}

impl<J: Job> Drain for ShellCore<J> {
    fn wait_idle(&self) {
        let mut inp = self.input.lock();
        // Fully ordered: see `ShellCore::idle_waiters`.
        self.idle_waiters.fetch_add(1, Full);
        while !self.is_idle() {
            self.idle.wait(&mut inp);
        }
        self.idle_waiters.fetch_sub(1, Relaxed);
    }
}

/// A parallel worker ("lane"): runs queued jobs of one shell in sequence order.
#[pin_data]
pub(crate) struct Lane<J: Job> {
    /// The shell whose jobs this lane runs.
    core: Arc<ShellCore<J>>,
    /// Lane number; a pinned lane is queued on the `idx`-th usable parallel CPU counted from
    /// the submitter's (see [`pick_lane`]).
    idx: u32,
    /// Whether the lane was last queued on the unbound parallel workqueue (for
    /// [`SubmitStats`] only: which path its jobs took).
    unbound: Atomic<bool>,
    /// The work item queued on the parallel workqueue.
    #[pin]
    work: Work<Lane<J>>,
}

kernel::impl_has_work! {
    impl{J: Job} HasWork<Self> for Lane<J> { self.work }
}

/// The serial worker of one shell on one callback CPU.
#[pin_data]
pub(crate) struct SerialWorker<J: Job> {
    /// The shell whose serial parts this worker runs.
    core: Arc<ShellCore<J>>,
    /// The callback CPU this worker serves.
    cpu: u32,
    /// Bumped (under the reorder lock) whenever a job joins this worker's queue while the
    /// worker is still scheduled, so a lingering worker can poll it without the lock.
    fed: LineCounter,
    /// The work item queued on the serial workqueue on `cpu`.
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
    /// The job's shell.
    core: Arc<ShellCore<J>>,
    /// The job's sequence number.
    seq: Seq,
    /// The job's callback CPU.
    cb_cpu: u32,
    /// When the job was submitted.
    t0: Instant<Monotonic>,
    /// Set once the job was handed back.
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
        let now = Instant::now();
        self.core.complete(
            self.seq,
            Done::Job {
                job,
                cb_cpu: self.cb_cpu,
                t0: self.t0,
                ended: now,
            },
            now,
        );
    }
}

impl<J: Job> Drop for Ticket<J> {
    fn drop(&mut self) {
        if !self.done {
            self.core.complete(
                self.seq,
                Done::Lost {
                    cb_cpu: self.cb_cpu,
                },
                Instant::now(),
            );
        }
    }
}

impl<J: Job> ShellCore<J> {
    /// Records the end of a job's parallel part, at `now`, and moves every job whose turn
    /// has come to its callback CPU's serial queue.
    fn complete(&self, seq: Seq, done: Done<J>, now: Instant<Monotonic>) {
        // Serial workers to queue once the lock is dropped: a few, not one per CPU.
        let mut kick: [Option<Arc<SerialWorker<J>>>; KICK_MAX] = [const { None }; KICK_MAX];
        let mut kicks = 0;
        {
            let mut r = self.reorder.lock();
            let done = match done {
                Done::Job { job, t0, .. } if self.sync_wanted(&r, seq) => {
                    // Its submitter takes it back (`Shell::try_submit`). It is the only job in
                    // flight (nothing behind it in the ring) and its turn has come.
                    self.sync_waiter.store(0, Relaxed);
                    r.head = seq.next();
                    r.stats.completed += 1;
                    r.stats.sync += 1;
                    r.stats.latency.add(now - t0);
                    r.stats.reorder_wait.add(Delta::ZERO);
                    r.sync_done = Some((seq, job, now));
                    return;
                }
                done => done,
            };
            let len = r.done.len();
            r.done[ring_idx(seq, len)] = done;
            if r.head != seq {
                return;
            }
            let tuning = r.tuning;
            let mut woken = 0;
            loop {
                let head = r.head;
                let (job, cb) = match mem::replace(&mut r.done[ring_idx(head, len)], Done::Empty) {
                    Done::Job {
                        job,
                        cb_cpu,
                        t0,
                        ended,
                    } => {
                        r.stats.reorder_wait.add(now - ended);
                        (Some((job, t0)), cb_cpu)
                    }
                    Done::Lost { cb_cpu } => (None, cb_cpu),
                    Done::Empty => break,
                };
                r.head = head.next();
                // `cb` got its serial queue before the job was queued; the pool has an entry
                // for every job in the window.
                let q = match job {
                    Some((j, t0)) => match r.push_serial(cb, j, t0) {
                        Ok(q) => Some(q),
                        Err(j) => {
                            // Cannot happen (see `Reorder::push_serial`). Never reorder or
                            // stall the rest: drop the job (pcrypt completes a dropped
                            // request with EIO) and count it as skipped on its CPU.
                            kernel::warn_on!(true);
                            pr_err!("padata: no room for a finished job; dropped\n");
                            drop(j);
                            r.skip(cb as usize)
                        }
                    },
                    None => r.skip(cb as usize),
                };
                if let Some(q) = q {
                    if !q.scheduled {
                        q.scheduled = true;
                        woken += 1;
                        q.linger.kicked(now, &tuning);
                        // `scheduled` is now set: each worker is kicked once.
                        match kick.get_mut(kicks) {
                            Some(k) => {
                                *k = Some(q.worker.clone());
                                kicks += 1;
                            }
                            None => self.kick(q.worker.clone()),
                        }
                    } else {
                        q.worker.fed.0.fetch_add(1, Relaxed);
                    }
                }
            }
            r.stats.wakeups += woken;
        }
        for w in kick.into_iter().take(kicks).flatten() {
            self.kick(w);
        }
    }

    /// Whether job `seq`, whose parallel part just handed it back, goes back to its
    /// submitter synchronously: the submitter still waits for it, its turn has come, and it
    /// is the only job of the shell in flight (the window holds no later job, finished or
    /// not, and the overflow queue none), so returning it now keeps every job's order.
    ///
    /// `outstanding` is read without the input lock: a later job whose completion already
    /// took this lock is seen (its submission incremented `outstanding` before that
    /// completion, which released the lock this completion took), so the read can miss only
    /// jobs that have not finished their parallel part; those wait for their turn, which
    /// comes after this job's return (see `Shell::do_parallel_sync`).
    fn sync_wanted(&self, r: &Reorder<J>, seq: Seq) -> bool {
        self.sync_waiter.load(Relaxed) == SYNC_WAITING | u64::from(seq.0)
            && r.head == seq
            && self.outstanding.load(Relaxed) == 1
            && self.overflowed.load(Relaxed) == 0
    }

    /// See [`Shell::stats`].
    fn stats(&self) -> ShellStats {
        let (mut submit, gauge, split_ns) = {
            let inp = self.input.lock();
            // With the direct jobs that no submission counted yet (see `reset_stats`), read
            // under the lock that every take holds, so none is counted twice or missed.
            let (kept, lone) = self.split.pending();
            let mut submit = inp.stats;
            submit.direct_kept = submit.direct_kept.wrapping_add(kept);
            submit.direct_lone = submit.direct_lone.wrapping_add(lone);
            (submit, inp.gauge, inp.split_ns)
        };
        submit.direct = self.direct.load(Relaxed);
        let serial = self.reorder.lock().stats;
        ShellStats {
            submit,
            serial,
            gauge,
            split_ns,
            in_flight: self
                .outstanding
                .load(Relaxed)
                .saturating_add(self.overflowed.load(Relaxed)),
        }
    }

    /// See [`Shell::reset_stats`].
    fn reset_stats(&self) {
        let mut inp = self.input.lock();
        // Zeroed before the pending counts are read, so that a direct job racing with the
        // reset counts in `direct` if it counts in its kind.
        self.direct.store(0, Relaxed);
        // The counts of direct jobs start below 0 by those that ran before and that no
        // submission counted yet (read under the lock that every take holds): a later
        // take adds them (wrapping), and `stats` adds those still pending, so both count
        // the direct jobs since the reset.
        let (kept, lone) = self.split.pending();
        inp.stats = SubmitStats {
            direct_kept: 0u64.wrapping_sub(kept),
            direct_lone: 0u64.wrapping_sub(lone),
            ..SubmitStats::default()
        };
        drop(inp);
        self.reorder.lock().stats = SerialStats::default();
    }

    /// Queues serial worker `w` on its CPU.
    fn kick(&self, w: Arc<SerialWorker<J>>) {
        if let (Some(queues), Some(id)) = (self.inst.queues.try_access(), CpuId::from_u32(w.cpu)) {
            let _ = queues.serial.enqueue_on(id, w);
        }
    }

    /// Makes sure callback CPU `cpu` has a serial queue and worker in shell `this`: they are
    /// allocated (`GFP_ATOMIC`) when a CPU first becomes a callback CPU of the shell, before
    /// any job for it is queued, so a shell's per-CPU state follows the CPUs it uses, not the
    /// possible ones. `ENOMEM` if they cannot be; `EINVAL` for a CPU id beyond `nr_cpu_ids`.
    ///
    /// Under the input lock (`inp`, held by the caller), which orders the check of
    /// [`Input::serial_ready`] with the installation.
    fn serial_for(this: &Arc<Self>, inp: &mut Input<J>, cpu: u32) -> Result {
        if *inp.serial_ready.get(cpu as usize).ok_or(EINVAL)? {
            return Ok(());
        }
        let t = inp.tuning;
        let queue = Self::new_serial_queue(this, cpu, &t, GFP_ATOMIC | __GFP_NOWARN)?;
        Self::install_serial(this, inp, cpu, queue);
        Ok(())
    }

    /// A new serial queue and worker of shell `this` for callback CPU `cpu`, with the linger
    /// state `t` starts a worker with.
    fn new_serial_queue(
        this: &Arc<Self>,
        cpu: u32,
        t: &Tuning,
        flags: kernel::alloc::Flags,
    ) -> Result<KBox<SerialQueue<J>>> {
        let core = this.clone();
        let worker = Arc::pin_init(
            pin_init!(SerialWorker {
                core,
                cpu,
                fed: LineCounter(Atomic::new(0)),
                work <- new_work!("padata_serial"),
            }),
            flags,
        )?;
        Ok(KBox::new(SerialQueue::new(worker, t), flags)?)
    }

    /// Installs `queue` as the serial queue of callback CPU `cpu` unless it has one; under
    /// the input lock (`inp`), which orders this with every check of [`Input::serial_ready`].
    /// A queue not installed is freed after the reorder lock is dropped.
    fn install_serial(this: &Arc<Self>, inp: &mut Input<J>, cpu: u32, queue: KBox<SerialQueue<J>>) {
        let (unused, installed) = {
            let mut r = this.reorder.lock();
            match r.serial.get_mut(cpu as usize) {
                Some(slot @ None) => {
                    *slot = Some(queue);
                    (None, true)
                }
                // Cannot happen under the input lock: `serial_ready` would have been set.
                Some(Some(_)) => (Some(queue), true),
                // Only after `Shell::drop` emptied the queues.
                None => (Some(queue), false),
            }
        };
        if let (true, Some(ready)) = (installed, inp.serial_ready.get_mut(cpu as usize)) {
            *ready = true;
        }
        drop(unused);
    }

    /// Folds the time `elapsed` that `n` parallel parts took into [`ShellCore::cost_ns`].
    fn sample_cost(&self, elapsed: Delta, n: usize) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(0);
        let Some(per_job) = ns.checked_div(n as u64) else {
            return;
        };
        let sample = per_job.min(u64::from(u32::MAX)) as u32;
        let c = self.cost_ns.load(Relaxed);
        self.cost_ns.store(c - c / 8 + sample / 8, Relaxed);
    }

    /// Accounts for `n` jobs whose serial part is over (or was skipped), and moves jobs
    /// waiting in the overflow queue into the room this made in the window.
    fn finished(this: &Arc<Self>, n: u32) {
        // Fully ordered: see `ShellCore::overflowed`.
        let left = this.outstanding.fetch_sub(n, Full) - n;
        if this.overflowed.load(Relaxed) != 0 {
            Self::refill(this);
        } else if left == 0 && this.idle_waiters.load(Relaxed) != 0 {
            // Take the lock so a waiter between its check and its sleep cannot miss this.
            let _guard = this.input.lock();
            this.idle.notify_all();
        }
    }

    /// Whether no job of the shell is in the window or in the overflow queue; with acquire,
    /// so what the serial parts of finished jobs did is visible. Without the input lock: a
    /// job that entered the overflow queue before this counts in `overflowed`, and once it
    /// moved into the window ([`ShellCore::promote`], which increments `outstanding` before
    /// its release decrement of `overflowed`), in `outstanding` until its serial part is
    /// over.
    fn is_idle(&self) -> bool {
        self.overflowed.load(Acquire) == 0 && self.outstanding.load(Acquire) == 0
    }

    /// Moves jobs from the overflow queue into the window, if it has room, and starts a
    /// lane for them.
    fn refill(this: &Arc<Self>) {
        let Some(queues) = this.inst.queues.try_access() else {
            return;
        };
        let here = CpuId::current().as_u32();
        let cost = this.cost_ns.load(Relaxed);
        let next = {
            let mut inp = this.input.lock();
            inp.refresh(&this.inst, &this.split);
            let next = this.promote(&mut inp, cost, here);
            if this.is_idle() && this.idle_waiters.load(Relaxed) != 0 {
                this.idle.notify_all();
            }
            next
        };
        if let Next::Wake { lane: i, cpu } = next {
            Self::wake(this, &queues, i, cpu, None);
        }
    }

    /// Appends `job` (for callback CPU `cb_cpu`) to the overflow queue, growing it if needed
    /// (`ENOMEM`, with the job, if it cannot grow).
    fn overflow_push(&self, inp: &mut Input<J>, queued: Queued<J>) -> Result<(), (Error, J)> {
        if inp.overflow.len() == inp.overflow.capacity() && inp.overflow_head != 0 {
            // Reuse the room of the jobs already moved into the window.
            inp.overflow.retain(|j| j.is_some());
            inp.overflow_head = 0;
        }
        if inp.overflowing() >= OVERFLOW_MAX {
            return Err((ENOSPC, queued.job));
        }
        if inp.overflow.reserve(1, GFP_ATOMIC | __GFP_NOWARN).is_err() {
            return Err((ENOMEM, queued.job));
        }
        if let Err(e) = inp.overflow.push_within_capacity(Some(queued)) {
            // Cannot happen: room was reserved above.
            if let Some(Queued { job, .. }) = e.0 {
                return Err((ENOMEM, job));
            }
        }
        self.overflowed.fetch_add(1, Full);
        Ok(())
    }

    /// Whether one more job may enter the window: fewer jobs are in it than the rings hold,
    /// or the rings could grow ([`ShellCore::grow`]).
    fn has_room(&self, inp: &mut Input<J>) -> bool {
        self.outstanding.load(Relaxed) < inp.queued.len() as u32 || self.grow(inp)
    }

    /// Doubles the rings and the pool of ready jobs, up to [`WINDOW`] (`GFP_ATOMIC`; `false`
    /// if they are that long already or memory is short). Under the input lock (held by the
    /// caller) and the reorder lock, so no job moves meanwhile: jobs waiting for a lane
    /// (`dispatch..next`) and finished jobs waiting for their turn (`head..next`, which
    /// contains the former) move to their slots in the new rings; at most as many as the
    /// old rings held are in flight, so they fit without collisions in both.
    fn grow(&self, inp: &mut Input<J>) -> bool {
        let old = inp.queued.len();
        let new = old * 2;
        if new > WINDOW as usize {
            return false;
        }
        // Allocated before the reorder lock is taken, which disables interrupts.
        let (Ok(mut queued), Ok(mut done)) = (
            kvec_with(new, GFP_ATOMIC | __GFP_NOWARN, || Ok(None)),
            kvec_with(new, GFP_ATOMIC | __GFP_NOWARN, || Ok(Done::Empty)),
        ) else {
            return false;
        };
        let mut r = self.reorder.lock();
        // Under the lock (kmalloc with GFP_ATOMIC is fine with interrupts off): the pool is
        // the reorder side's.
        if r.pool
            .reserve(new - old, GFP_ATOMIC | __GFP_NOWARN)
            .is_err()
        {
            return false;
        }
        let mut seq = inp.dispatch;
        while seq != inp.next {
            queued[ring_idx(seq, new)] = inp.queued[ring_idx(seq, old)].take();
            seq = seq.next();
        }
        let mut seq = r.head;
        while seq != inp.next {
            done[ring_idx(seq, new)] = mem::replace(&mut r.done[ring_idx(seq, old)], Done::Empty);
            seq = seq.next();
        }
        for entry in old..new {
            let next = r.free;
            // Cannot fail: room was reserved above.
            if r.pool
                .push_within_capacity(Ready { job: None, next })
                .is_ok()
            {
                r.free = entry as u32;
            }
        }
        inp.queued = queued;
        r.done = done;
        true
    }

    /// Moves jobs from the overflow queue into the window, oldest first, while it has room,
    /// and decides whether a lane must be woken for them (as [`pick_lane`]).
    fn promote(&self, inp: &mut Input<J>, cost: u32, here: u32) -> Next<J> {
        let mut last = None;
        while inp.overflowing() != 0 && self.has_room(inp) {
            let head = inp.overflow_head;
            inp.overflow_head += 1;
            let Some(queued) = inp.overflow.get_mut(head).and_then(Option::take) else {
                continue;
            };
            let cb_cpu = queued.cb_cpu;
            self.outstanding.fetch_add(1, Relaxed);
            // Release: a lock-free reader that sees the job leave the overflow queue sees it
            // in the window ([`ShellCore::is_idle`]).
            self.overflowed.fetch_sub(1, Release);
            let seq = inp.next;
            inp.next = seq.next();
            let len = inp.queued.len();
            inp.queued[ring_idx(seq, len)] = Some(queued);
            last = Some(cb_cpu);
        }
        if inp.overflowing() == 0 && inp.overflow.capacity() != 0 {
            // Drained: give the memory back.
            inp.overflow = KVec::new();
            inp.overflow_head = 0;
        }
        match last {
            Some(cb_cpu) => pick_lane(inp, cost, here, cb_cpu),
            None => Next::Nothing,
        }
    }

    /// Queues lane `i` of shell `this` (reserved by [`pick_lane`]) on CPU
    /// `cpu`, or on the unbound parallel workqueue for `None`; `from` is the lane that asks,
    /// if a lane does. A lane woken for the first time is allocated here (`GFP_ATOMIC`); if
    /// that fails, see [`ShellCore::lane_failed`].
    fn wake(this: &Arc<Self>, queues: &Queues, i: usize, cpu: Option<u32>, from: Option<u32>) {
        let Some(lane) = Self::lane(this, i) else {
            Self::lane_failed(this, queues, i, cpu, from);
            return;
        };
        let _ = match cpu.and_then(CpuId::from_u32) {
            Some(cpu) => {
                lane.unbound.store(false, Relaxed);
                queues.parallel.enqueue_on(cpu, lane)
            }
            None => {
                lane.unbound.store(true, Relaxed);
                queues.parallel_any.enqueue(lane)
            }
        };
    }

    /// Lane `i` of shell `this`, allocated (with the lanes below it that are missing, all
    /// reserved by concurrent wakers) if this is its first wakeup. `None` if memory is short
    /// or the shell is being dropped.
    fn lane(this: &Arc<Self>, i: usize) -> Option<Arc<Lane<J>>> {
        let mut lanes = this.lanes.lock();
        // The preallocated lanes exist until `Shell::drop`: none are added after it emptied
        // the vector.
        if lanes.is_empty() {
            return None;
        }
        while lanes.len() <= i {
            if FAIL_NEW_LANES.load(Relaxed) != 0 {
                return None;
            }
            let (core, idx) = (this.clone(), lanes.len() as u32);
            let lane = Arc::pin_init(
                pin_init!(Lane {
                    core,
                    idx,
                    unbound: Atomic::new(false),
                    work <- new_work!("padata_lane"),
                }),
                GFP_ATOMIC | __GFP_NOWARN,
            )
            .ok()?;
            lanes.push(lane, GFP_ATOMIC | __GFP_NOWARN).ok()?;
        }
        lanes.get(i).cloned()
    }

    /// Releases lane `i` of shell `this`, which was reserved to be queued on `cpu` (asked by
    /// lane `from`, if by a lane) but could not be allocated. Its jobs are not stranded:
    /// lanes still busy take them (a busy lane runs until nothing is queued), and if none is
    /// busy one of the [`PREALLOC_LANES`] lanes that always exist is queued instead, never
    /// `from`. A lane that leaves a CPU no longer in the parallel mask asks for another one
    /// while its work item still runs there, and the workqueue would queue it on that CPU
    /// again, forever while memory stays short. Each releaser looks under the input lock, so
    /// the last of several concurrent ones sees only real lanes busy. Only parallelism is
    /// lost.
    fn lane_failed(
        this: &Arc<Self>,
        queues: &Queues,
        i: usize,
        cpu: Option<u32>,
        from: Option<u32>,
    ) {
        this.lanes_refused.fetch_add(1, Relaxed);
        let mut inp = this.input.lock();
        if let Some(b) = inp.lane_busy.get_mut(i) {
            *b = false;
        }
        inp.lanes_busy -= 1;
        let queued = inp.next.distance(inp.dispatch);
        // The preallocated lanes are missing only once `Shell::drop` took them.
        if inp.lanes_busy != 0 || queued == 0 || i < PREALLOC_LANES {
            return;
        }
        let fallback = usize::from(from == Some(0));
        let Some(b) = inp.lane_busy.get_mut(fallback) else {
            return;
        };
        *b = true;
        inp.lanes_busy = 1;
        inp.stats.lane_wakeups += 1;
        drop(inp);
        Self::wake(this, queues, fallback, cpu, from);
    }
}

impl<J: Job> WorkItem for Lane<J> {
    type Pointer = Arc<Lane<J>>;

    fn run(this: Arc<Lane<J>>) {
        // Bottom halves are disabled from the look at the CPU to the end of the batch, so
        // the batch runs on the CPU that was checked against the parallel mask.
        let mut last = None;
        while with_bh_disabled(|bh| Self::run_batch(&this, bh, &mut last)) {
            if resched_wanted() && Self::requeue(&this, &mut last) {
                return;
            }
        }
    }
}

impl<J: Job> Lane<J> {
    /// Queues this lane (still reserved) again, to take its next batch after the tasks that
    /// want its CPU now: on the unbound workqueue while any CPU may run parallel parts, else
    /// on this CPU (the next batch checks it against the mask again). `false` if it could
    /// not be queued; the caller then goes on. Folds the last batch's time `last` into the
    /// gauge.
    fn requeue(this: &Arc<Lane<J>>, last: &mut Option<BatchTime>) -> bool {
        let core = &this.core;
        let Some(q) = core.inst.queues.try_access() else {
            return false;
        };
        let any = {
            let mut inp = core.input.lock();
            inp.fold_batch(last, &core.split);
            inp.snap.pcpu_any
        };
        this.unbound.store(any, Relaxed);
        if any {
            q.parallel_any.enqueue(this.clone()).is_ok()
        } else {
            q.parallel
                .enqueue_on(CpuId::current(), this.clone())
                .is_ok()
        }
    }

    /// Takes a batch of queued jobs and runs their parallel parts (bottom halves disabled:
    /// `bh`). Returns `false`, after releasing the lane, when there is nothing left to take,
    /// the shell has more busy lanes than it may, or this CPU is no longer a usable parallel
    /// CPU (a lane then hands the queued jobs to a lane on a usable CPU, so no job dispatched
    /// after a cpumask change runs outside the new mask). Folds the time of the lane's last
    /// batch, `last`, into the shell's gauge, and leaves this batch's there.
    fn run_batch(this: &Arc<Lane<J>>, bh: &BhDisabled, last: &mut Option<BatchTime>) -> bool {
        let core = &this.core;
        let here = CpuId::current().as_u32();
        let mut batch: [Option<Queued<J>>; BATCH] = [const { None }; BATCH];
        let first;
        let n;
        let running;
        let started;
        {
            let mut inp = core.input.lock();
            inp.refresh(&core.inst, &core.split);
            inp.fold_batch(last, &core.split);
            let queued = inp.next.distance(inp.dispatch) as usize;
            let too_many = inp.lanes_busy > lane_limit(&inp.tuning, &inp.snap, inp.gauge.cap());
            // With no usable parallel CPU (the instance is invalid) the jobs in flight still
            // run, wherever their lane is.
            let moved = !inp.snap.pcpu.test(here) && !inp.snap.pcpu.is_empty();
            if queued == 0 || too_many || moved {
                inp.lanes_busy -= 1;
                let mut next = Next::Nothing;
                if queued != 0 && moved {
                    // This lane stays reserved while another is picked: queued again while
                    // it still runs, its work item would run here again (the workqueue
                    // never runs one work item on two CPUs at once), outside the mask,
                    // forever.
                    let cost = core.cost_ns.load(Relaxed);
                    next = pick_lane(&mut inp, cost, here, here);
                }
                inp.lane_busy[this.idx as usize] = false;
                drop(inp);
                if let (Next::Wake { lane: i, cpu }, Some(q)) =
                    (next, core.inst.queues.try_access())
                {
                    ShellCore::wake(core, &q, i, cpu, Some(this.idx));
                }
                return false;
            }
            // Share what is queued among the busy lanes, at most BATCH each.
            n = (queued / inp.lanes_busy.max(1) as usize).clamp(1, BATCH);
            first = inp.dispatch;
            let mut seq = first;
            for slot in batch.iter_mut().take(n) {
                let len = inp.queued.len();
                *slot = inp.queued[ring_idx(seq, len)].take();
                seq = seq.next();
            }
            inp.dispatch = seq;
            inp.lanes_running += 1;
            inp.batch_starts = inp.batch_starts.wrapping_add(1);
            running = inp.lanes_running;
            started = inp.batch_starts;
            if this.unbound.load(Relaxed) {
                inp.stats.lane_unbound += n as u64;
            } else {
                inp.stats.lane_pinned += n as u64;
            }
        }
        let mut seq = first;
        let start = Instant::<Monotonic>::now();
        for slot in batch.iter_mut().take(n) {
            if let Some(Queued { job, cb_cpu, t0 }) = slot.take() {
                let ticket = Ticket {
                    core: core.clone(),
                    seq,
                    cb_cpu,
                    t0,
                    done: false,
                };
                job.parallel(ticket, bh);
            }
            seq = seq.next();
        }
        let elapsed = start.elapsed();
        core.sample_cost(elapsed, n);
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(0) / n.max(1) as u64;
        *last = Some(BatchTime {
            running,
            started,
            per_job_ns: ns.min(u64::from(u32::MAX)) as u32,
        });
        true
    }
}

impl<J: Job> WorkItem for SerialWorker<J> {
    type Pointer = Arc<SerialWorker<J>>;

    fn run(this: Arc<SerialWorker<J>>) {
        let core = &this.core;
        let cpu = this.cpu as usize;
        let mut empty_since = None;
        // How the last poll ended (`true`: a job came), counted under the next lock.
        let mut polled = None;
        loop {
            let mut batch: [Option<J>; SERIAL_BATCH] = [const { None }; SERIAL_BATCH];
            let lost = {
                let mut r = core.reorder.lock();
                match polled.take() {
                    Some(true) => r.stats.poll_hits += 1,
                    Some(false) => r.stats.poll_misses += 1,
                    None => {}
                }
                let tuning = r.tuning;
                let Some(q) = r.queue(cpu) else {
                    return;
                };
                q.linger.note_wakeup();
                if q.len == 0 && q.lost == 0 {
                    // Still `scheduled`: completions meanwhile only queue their jobs here.
                    let since = *empty_since.get_or_insert_with(Instant::<Monotonic>::now);
                    let idle = core.outstanding.load(Relaxed) == 0;
                    let window = q.linger.window(idle, &tuning);
                    if keep_polling(since, window) {
                        let seen = this.fed.0.load(Relaxed);
                        drop(r);
                        polled = Some(poll_until_fed(&this.fed, seen, since, window));
                        continue;
                    }
                    q.scheduled = false;
                    q.linger.slept_at = Some(since);
                    return;
                }
                empty_since = None;
                let lost = mem::take(&mut q.lost);
                let mut popped = 0;
                let now = Instant::<Monotonic>::now();
                for slot in batch.iter_mut() {
                    let Some((job, t0)) = r.pop_serial(cpu) else {
                        break;
                    };
                    r.stats.latency.add(now - t0);
                    *slot = Some(job);
                    popped += 1;
                }
                r.stats.batches += 1;
                r.stats.completed += popped;
                lost
            };
            with_bh_disabled(|bh| {
                let mut n = lost;
                for job in batch.iter_mut().map_while(Option::take) {
                    job.serial(bh);
                    n += 1;
                }
                // Still with bottom halves disabled (and so, except on PREEMPT_RT, preemption):
                // a caller that a serial part woke on this CPU runs only after this, and its
                // next submission does not find its finished job in flight. (That would make
                // the new job look not alone, for `inline_pays` and the synchronous return,
                // and make a probe look overtaken, for `probe_seen`.) A caller woken on
                // another CPU may still come first; that costs speed, never order.
                ShellCore::finished(core, n);
            });
            if resched_wanted() {
                // Another task wants this CPU, another shell's serial worker perhaps: queue
                // this worker again (still `scheduled`) instead of draining on, so it runs
                // its next batch after them.
                if let (Some(q), Some(id)) =
                    (core.inst.queues.try_access(), CpuId::from_u32(this.cpu))
                {
                    let _ = q.serial.enqueue_on(id, this.clone());
                    return;
                }
            }
        }
    }
}

/// A shell (C: `struct padata_shell`): an independent, ordered series of jobs on an
/// instance. Jobs of different shells are ordered independently.
pub(crate) struct Shell<J: Job> {
    /// State shared with the work items and tickets.
    core: Arc<ShellCore<J>>,
    /// The shell's debugfs directory, if its instance has one; removed (waiting for readers)
    /// when the shell is dropped.
    _debugfs: Option<ShellDebugfs<J>>,
}

impl<J: Job> Shell<J> {
    /// Allocates a shell on `inst` (C: `padata_alloc_shell()`): its per-CPU state and rings
    /// of [`MIN_RING`] slots, which grow with the jobs in flight. The instance lists it until
    /// it is dropped, so that the instance's drop lets its jobs in flight finish first.
    pub(crate) fn new(inst: &Instance) -> Result<Self> {
        Self::with_first_seq(inst, 0)
    }

    /// Like [`Shell::new`], with the first job getting sequence number `first` (tests start
    /// near `u32::MAX` to cross the wrap).
    pub(crate) fn with_first_seq(inst: &Instance, first: u32) -> Result<Self> {
        let ncpu = nr_cpu_ids() as usize;
        let w = MIN_RING;
        let queued = kvec_of(w, || Ok(None))?;
        let done = kvec_of(w, || Ok(Done::Empty))?;
        let lane_busy = kvec_of(ncpu, || Ok(false))?;
        let serial_ready = kvec_of(ncpu, || Ok(false))?;
        let serial = kvec_of(ncpu, || Ok(None))?;
        let mut link = 0;
        let pool = kvec_of(w, || {
            link += 1;
            Ok(Ready {
                job: None,
                next: if link < w { link as u32 } else { NIL },
            })
        })?;
        let (gen, snap) = inst.inner().snapshot();
        let tuning = inst.inner().tuning;
        let first = Seq(first);
        let core = Arc::pin_init(
            pin_init!(ShellCore {
                input <- new_spinlock_bh!(Input {
                    queued,
                    next: first,
                    dispatch: first,
                    lanes_busy: 0,
                    lane_busy,
                    lanes_running: 0,
                    batch_starts: 0,
                    gauge: LaneGauge::NEW,
                    split_ns: tuning.inline_ns,
                    serial_ready,
                    peak: 0,
                    sync_probe: 0,
                    probe_every: SYNC_PROBE_EVERY,
                    probe_at: probe_at(SYNC_PROBE_EVERY, first.0),
                    probe_pending: false,
                    snap,
                    gen,
                    overflow: KVec::new(),
                    overflow_head: 0,
                    tuning,
                    stats: SubmitStats::default(),
                }),
                idle <- new_condvar!(),
                idle_waiters: Atomic::new(0),
                _pad: [0; 64],
                reorder <- new_spinlock_irq!(Reorder {
                    done,
                    head: first,
                    pool,
                    free: 0,
                    serial,
                    tuning,
                    stats: SerialStats::default(),
                    sync_done: None,
                }),
                outstanding: Atomic::new(0),
                sync_waiter: Atomic::new(0),
                direct: Atomic::new(0),
                overflowed: Atomic::new(0),
                cost_ns: Atomic::new(tuning.lane_wake_ns),
                split: DirectSplit {
                    ns: Atomic::new(tuning.inline_ns),
                    kept: DirectQuota::new(u32::MAX),
                    solo: DirectQuota::new(0),
                },
                inst: inst.inner().clone(),
                lanes_refused: Atomic::new(0),
                lanes <- new_spinlock_bh!(KVec::new()),
            }),
            GFP_KERNEL,
        )?;
        // The first lanes exist from the start: the fallback when another cannot be allocated
        // (see `ShellCore::lane_failed`). The other lanes and all serial workers come with use.
        let mut idx = 0;
        let lanes = kvec_of(PREALLOC_LANES, || {
            let c = core.clone();
            idx += 1;
            Arc::pin_init(
                pin_init!(Lane {
                    core: c,
                    idx: idx - 1,
                    unbound: Atomic::new(false),
                    work <- new_work!("padata_lane"),
                }),
                GFP_KERNEL,
            )
        })?;
        // Before the lanes close the reference cycle (which only `Shell::drop` breaks), so
        // that nothing after it can fail; best effort: a shell without its directory works
        // the same, unobserved.
        let _debugfs = inst.debugfs.as_ref().and_then(|dir| {
            let id = inst.next_shell.fetch_add(1, Relaxed);
            let name = CString::try_from_fmt(fmt!("{id}")).ok()?;
            let scope = dir.scope(core.clone(), &name, |core, d| {
                d.read_callback_file(c"stats", core, &show_stats::<J>);
                d.write_only_callback_file(c"reset", core, &reset_stats::<J>);
            });
            KBox::pin_init(scope, GFP_KERNEL).ok()
        });
        // Listed with the instance, whose drop lets jobs in flight finish before it destroys
        // the workqueues they run on; the last step that can fail.
        inst.inner().register(core.clone())?;
        *core.lanes.lock() = lanes;
        Ok(Self { core, _debugfs })
    }

    /// Submits a job (C: `padata_do_parallel()`).
    ///
    /// `cb_cpu` is the CPU the serial part should run on; when it is not a usable serial CPU
    /// another one is chosen as C does (`cb_cpu % weight`-th usable CPU) and written back.
    ///
    /// Process or softirq context. A cheap job of a [`Job::INLINE`] type may run its
    /// parallel part before this returns; its serial part always runs later, on `cb_cpu`.
    /// While [`WINDOW`] jobs are in the window the job waits in the overflow queue instead:
    /// it is never refused for load.
    ///
    /// Errors (the job is returned with them, untouched, and nothing was queued):
    /// - `EINVAL`: the instance is stopped, invalid or gone, or no usable serial CPU exists;
    /// - `EBUSY`: a reconfiguration is being applied ([`Instance::with_reset`]);
    /// - `ENOSPC`: the window is full and [`OVERFLOW_MAX`] jobs wait in the overflow queue;
    /// - `ENOMEM`: the window is full and the overflow queue could not grow, or the job's
    ///   callback CPU is new to the shell and its serial worker could not be allocated.
    pub(crate) fn do_parallel(&self, job: J, cb_cpu: &mut u32) -> Result<(), (Error, J)> {
        let want = *cb_cpu;
        // Bottom halves stay disabled from the decision to the end of an inline parallel
        // part, so the CPU checked against the parallel mask is the one it runs on.
        // Without `sync` no job comes back.
        with_bh_disabled(|bh| self.submit(job, want, |c| *cb_cpu = c, false, bh))
            .map(|back| debug_assert!(back.is_none()))
    }

    /// Like [`Shell::do_parallel`], with the callback CPU kept in an atomic that may be
    /// shared, for example by the requests of one transform. A replacement CPU is stored
    /// before the job can start, so `cb_cpu` is never touched after the job may have finished
    /// (and whatever holds `cb_cpu` may be gone).
    pub(crate) fn do_parallel_shared(
        &self,
        job: J,
        cb_cpu: &Atomic<u32>,
    ) -> Result<(), (Error, J)> {
        // Without `sync` no job comes back.
        self.submit_shared(job, cb_cpu, false)
            .map(|back| debug_assert!(back.is_none()))
    }

    /// Like [`Shell::do_parallel_shared`], for a caller that waits for each of its jobs (see
    /// [`sync_allowed`]), and when the job can finish synchronously it does: the shell has
    /// nothing in flight, the job runs its parallel part inline ([`Job::INLINE`], as the
    /// placement policy decides), it hands itself back before that returns, still nothing
    /// else is in flight then, and this is not a hard interrupt. Such a job is returned
    /// (`Ok(Some)`) instead of having its serial part run on its callback CPU: no serial
    /// worker, no wakeup. The caller does what the serial part would do, now, in its own
    /// context; the job has left the shell, so the caller may submit again at once.
    ///
    /// Order: every job submitted before it finished its serial part before it was
    /// submitted, and a later job's serial part cannot start before this job was handed
    /// back.
    ///
    /// `Ok(None)`: the job was submitted as by [`Shell::do_parallel_shared`] and its serial
    /// part runs later. Errors as there.
    pub(crate) fn do_parallel_sync(
        &self,
        job: J,
        cb_cpu: &Atomic<u32>,
    ) -> Result<Option<J>, (Error, J)> {
        self.submit_shared(job, cb_cpu, true)
    }

    /// Runs `item` through `run`, now, in the caller's context and with bottom halves
    /// disabled, instead of submitting a job, when the shell has nothing in flight and a
    /// job of this shell would have come back synchronously anyway
    /// ([`Shell::do_parallel_sync`]) after running in its submitter. Then `run`'s result is
    /// returned, and nothing of the shell is touched but a few atomics: no lock, no sequence
    /// number, no ticket. Otherwise `item` is given back, untouched, and the caller submits
    /// it as usual. For a caller that waits for each of its jobs, as
    /// [`Shell::do_parallel_sync`].
    ///
    /// It runs when all of these hold, checked without a lock: the shell's jobs run inline
    /// ([`Job::INLINE`]) and either cost less than a handoff on average (the shell's split,
    /// [`Tuning::inline_ns`] raised by a measured lane cap: [`split_ns`]), and, for a job
    /// that runs directly only because the split is raised, their quota
    /// ([`DirectSplit::kept`]) admits one more; or cost more, but less than
    /// [`Tuning::inline_solo_ns`], while the shell runs one job at a time and their quota
    /// ([`DirectSplit::solo`], from [`direct_solo`]: the next probe of the synchronous
    /// return goes through a submission) admits one more; no job of the shell is in the
    /// window or the overflow queue (every earlier job finished its serial part;
    /// [`ShellCore::is_idle`]); this is not a hard interrupt
    /// ([`sync_allowed`]); and the instance's [`Gate`](super::instance::Gate) admits it:
    /// the instance runs, is not being reconfigured and is not gone, `cb_cpu` is a usable
    /// serial CPU and this CPU a usable parallel one.
    ///
    /// One direct job in [`DIRECT_SAMPLE`] is timed (two clock reads around `run`, so its
    /// parallel and serial parts together) and folded into the shell's cost average, as the
    /// parallel parts of inline runs are, so jobs that became costlier than a handoff are
    /// seen as such after a few timed ones (and go to the shell unless alone). The split is
    /// the shell's ([`DirectSplit`]); the handoff cost that tells a job kept only by a
    /// raised split, and the bound of lone jobs, are the instance's
    /// ([`InstanceInner::tuning`]), not the shell's copy that the test-only `retune` changes.
    ///
    /// `run` must do with `item` what the job's parallel and serial parts would do, to
    /// the end: the caller's next submission, and every later one, is ordered after it
    /// only if nothing of it is left for later (pcrypt passes only a synchronous child
    /// here). Order is that of a job handed back by [`Shell::do_parallel_sync`]: every job
    /// submitted to the shell before the check (with bottom halves disabled, just before
    /// `run`) finished first. A direct job does not hold back
    /// later ones, so it is not ordered against jobs of other submitters while both are in
    /// progress; neither is a woken waiter in C, which runs when it is scheduled.
    pub(crate) fn do_direct<T, R>(
        &self,
        cb_cpu: &Atomic<u32>,
        item: T,
        run: impl FnOnce(T, &BhDisabled) -> R,
    ) -> Result<R, T> {
        let core = &self.core;
        let split = &core.split;
        // The common refusal first, a load or two: a busy shell. (This idleness check only
        // filters; the one that decides is made again below.)
        if !J::INLINE || !core.is_idle() || !sync_allowed() {
            return Err(item);
        }
        let cost = core.cost_ns.load(Relaxed);
        let (kept, solo) = if cost < split.ns.load(Relaxed) {
            // Kept from the lanes only by a raised split: counted, and once the quota is
            // spent, this one goes through a submission, which folds them into the lane
            // gauge.
            let kept = cost >= core.inst.tuning.inline_ns;
            if kept && !split.kept.admits() {
                return Err(item);
            }
            (kept, false)
        } else if cost < core.inst.tuning.inline_solo_ns && split.solo.admits() {
            // Costly, but alone, as a submission would run it inline and hand it back:
            // counted, and once the quota is spent, this one goes through a submission,
            // which counts them towards the next probe and may make this job the probe.
            (false, true)
        } else {
            return Err(item);
        };
        let want = cb_cpu.load(Relaxed);
        with_bh_disabled(|bh| {
            // This CPU stays the one tested until `run` returns: bottom halves are disabled.
            let here = CpuId::current().as_u32();
            // Idle again, now that nothing but an interrupt can run on this CPU before `run`:
            // every job submitted before this check finished its serial part.
            if !core.inst.gate.admits(here, want) || !core.is_idle() {
                return Err(item);
            }
            let n = core.direct.fetch_add(1, Relaxed);
            if kept {
                split.kept.bump();
            }
            if solo {
                split.solo.bump();
            }
            if n % u64::from(DIRECT_SAMPLE) != 0 {
                return Ok(run(item, bh));
            }
            let start = Instant::<Monotonic>::now();
            let r = run(item, bh);
            core.sample_cost(start.elapsed(), 1);
            Ok(r)
        })
    }

    /// [`Shell::do_parallel_shared`], or with `sync` [`Shell::do_parallel_sync`].
    fn submit_shared(
        &self,
        job: J,
        cb_cpu: &Atomic<u32>,
        sync: bool,
    ) -> Result<Option<J>, (Error, J)> {
        let want = cb_cpu.load(Relaxed);
        // Read before this function disables bottom halves itself.
        let sync = sync && sync_allowed();
        with_bh_disabled(|bh| {
            self.submit(
                job,
                want,
                |c| {
                    if c != want {
                        cb_cpu.store(c, Relaxed);
                    }
                },
                sync,
                bh,
            )
        })
    }

    /// [`Shell::do_parallel`], with bottom halves disabled (`bh`); `set_cb_cpu` is told the
    /// callback CPU chosen before the job becomes visible to any other context; `sync`: the
    /// job may go back to its caller (see [`Shell::do_parallel_sync`]) in this context.
    /// Counts a refusal in [`SubmitStats::refused`].
    fn submit(
        &self,
        job: J,
        cb_cpu: u32,
        set_cb_cpu: impl FnOnce(u32),
        sync: bool,
        bh: &BhDisabled,
    ) -> Result<Option<J>, (Error, J)> {
        let r = self.try_submit(job, cb_cpu, set_cb_cpu, sync, bh);
        if let Err((e, _)) = &r {
            // Refusals are rare: a second lock round trip, off the path of accepted jobs.
            self.core.input.lock().stats.refuse(*e);
        }
        r
    }

    /// [`Shell::submit`], without counting a refusal.
    fn try_submit(
        &self,
        job: J,
        cb_cpu: u32,
        set_cb_cpu: impl FnOnce(u32),
        may_sync: bool,
        bh: &BhDisabled,
    ) -> Result<Option<J>, (Error, J)> {
        let core = &self.core;
        // Held until the lane is queued: the workqueues outlive this submission, and a
        // submission after the instance is gone fails instead of being lost.
        let Some(queues) = core.inst.queues.try_access() else {
            return Err((EINVAL, job));
        };
        let here = CpuId::current().as_u32();
        let cost = core.cost_ns.load(Relaxed);
        let now = Instant::<Monotonic>::now();
        let next = {
            let mut inp = core.input.lock();
            inp.refresh(&core.inst, &core.split);
            // The snapshot is used in place: it holds two `NR_CPUS`-bit masks.
            let snap = &inp.snap;
            if !snap.running {
                return Err((EINVAL, job));
            }
            let Some(cb_cpu) = usable_cb_cpu(snap, cb_cpu) else {
                return Err((EINVAL, job));
            };
            if snap.reset {
                return Err((EBUSY, job));
            }
            let here_parallel = snap.pcpu.test(here);
            if let Err(e) = ShellCore::serial_for(core, &mut inp, cb_cpu) {
                return Err((e, job));
            }
            if inp.overflowing() != 0 || !core.has_room(&mut inp) {
                // The window is full, or earlier jobs wait already: queue behind them.
                core.overflow_push(
                    &mut inp,
                    Queued {
                        job,
                        cb_cpu,
                        t0: now,
                    },
                )?;
                inp.stats.submitted += 1;
                inp.stats.overflowed += 1;
                // In flight as the `stats` file counts it: in the window or waiting for it.
                let in_flight = core.outstanding.load(Relaxed) + inp.overflowing() as u32;
                inp.stats.peak_in_flight = inp.stats.peak_in_flight.max(in_flight);
                set_cb_cpu(cb_cpu);
                // A job that finished meanwhile may not have seen the overflow (see
                // `ShellCore::overflowed`).
                core.promote(&mut inp, cost, here)
            } else {
                set_cb_cpu(cb_cpu);
                // Acquire: if no job was in flight, what their serial parts did (before the
                // fully ordered decrement in `ShellCore::finished`) is visible here, and so to
                // a caller this job may be handed back to (`Shell::do_parallel_sync`).
                let in_flight = core.outstanding.fetch_add(1, Acquire) + 1;
                let seq = inp.next;
                inp.next = seq.next();
                probe_seen(&mut inp, in_flight, seq);
                inp.count_solo(&core.split);
                let peak_before = inp.peak;
                inp.peak = next_peak(inp.peak, in_flight);
                inp.stats.submitted += 1;
                inp.stats.peak_in_flight = inp.stats.peak_in_flight.max(in_flight);
                // Inline: nothing waits for a lane before this job (it would not overtake
                // queued work), the job costs less than a handoff or is alone, and this CPU
                // may run parallel parts.
                let next = if J::INLINE
                    && inp.dispatch == seq
                    && inline_pays(&inp.tuning, inp.split_ns, cost, in_flight, inp.peak)
                    && here_parallel
                {
                    inp.dispatch = inp.next;
                    inp.stats.inline += 1;
                    if cost >= inp.tuning.inline_ns && cost < inp.split_ns {
                        // Kept from the lanes by a raised split, with the direct jobs before.
                        inp.count_kept(1, &core.split);
                    }
                    // Alone: it may come back synchronously (`ShellCore::sync_wanted`). Set
                    // before its ticket exists, so its completion sees it.
                    let sync = may_sync && in_flight == 1 && sync_pays(&mut inp, cost);
                    if sync {
                        // The job comes back before its caller could submit another, so its
                        // being alone says nothing about how many the caller keeps in flight:
                        // the peak does not decay for it. Otherwise a stretch of cheap jobs
                        // returned synchronously would make a burst's costly jobs look alone
                        // (and run one after another in the submitter) until a probe.
                        inp.peak = inp.peak.max(peak_before);
                        core.sync_waiter
                            .store(SYNC_WAITING | u64::from(seq.0), Relaxed);
                    }
                    Next::Inline {
                        job,
                        seq,
                        cb_cpu,
                        sync,
                    }
                } else {
                    let len = inp.queued.len();
                    inp.queued[ring_idx(seq, len)] = Some(Queued {
                        job,
                        cb_cpu,
                        t0: now,
                    });
                    pick_lane(&mut inp, cost, here, cb_cpu)
                };
                // After the peak and the probe moved: what lone direct jobs may do next.
                inp.update_solo(&core.split);
                next
            }
        };
        match next {
            Next::Inline {
                job,
                seq,
                cb_cpu,
                sync,
            } => {
                drop(queues);
                let ticket = Ticket {
                    core: core.clone(),
                    seq,
                    cb_cpu,
                    t0: now,
                    done: false,
                };
                job.parallel(ticket, bh);
                // Under the reorder lock: either the job's completion saw the waiter and
                // left the job here, or it will not see it (and queues the job for its
                // serial worker as usual).
                // Both checked against this job's number, so that a submitter can only ever
                // withdraw its own wait and take its own job.
                let back = if sync {
                    let mut r = core.reorder.lock();
                    let mine = SYNC_WAITING | u64::from(seq.0);
                    if core.sync_waiter.load(Relaxed) == mine {
                        core.sync_waiter.store(0, Relaxed);
                    }
                    match r.sync_done.take() {
                        Some((s, job, ended)) if s == seq => Some((job, ended)),
                        other => {
                            r.sync_done = other;
                            None
                        }
                    }
                } else {
                    None
                };
                match back {
                    // Its completion read the clock already: the parallel part ended then.
                    Some((job, ended)) => {
                        core.sample_cost(ended - now, 1);
                        ShellCore::finished(core, 1);
                        return Ok(Some(job));
                    }
                    None => core.sample_cost(now.elapsed(), 1),
                }
            }
            Next::Wake { lane, cpu } => ShellCore::wake(core, &queues, lane, cpu, None),
            Next::Nothing => {}
        }
        Ok(None)
    }

    /// Chooses the callback CPU a submission for `cpu` would use now (`cpu` itself if it is
    /// a usable serial CPU, else another one as [`Shell::do_parallel`] does) and allocates,
    /// in process context (`GFP_KERNEL`), its serial queue and worker if the shell has none
    /// yet, so submissions for it do not allocate them with `GFP_ATOMIC` (and do not fail
    /// for memory). For a user of the shell that picks a callback CPU. Returns the CPU
    /// chosen; `EINVAL` if no CPU is usable, `ENOMEM`.
    pub(crate) fn prepare_cb_cpu(&self, cpu: u32) -> Result<u32> {
        let core = &self.core;
        let (cpu, t) = {
            let mut inp = core.input.lock();
            inp.refresh(&core.inst, &core.split);
            let cpu = usable_cb_cpu(&inp.snap, cpu).ok_or(EINVAL)?;
            if *inp.serial_ready.get(cpu as usize).ok_or(EINVAL)? {
                return Ok(cpu);
            }
            (cpu, inp.tuning)
        };
        let queue = ShellCore::new_serial_queue(core, cpu, &t, GFP_KERNEL)?;
        ShellCore::install_serial(core, &mut core.input.lock(), cpu, queue);
        Ok(cpu)
    }

    /// Like [`Shell::do_parallel`] for a process-context submitter that would rather wait
    /// than grow the overflow queue: while [`WINDOW`] jobs of the shell are outstanding, or
    /// the engine answers `EBUSY` (reconfiguring) or `ENOMEM`, it sleeps briefly and tries
    /// again.
    pub(crate) fn do_parallel_wait(&self, mut job: J, cb_cpu: &mut u32) -> Result<(), (Error, J)> {
        loop {
            if self.outstanding() >= WINDOW {
                fsleep(Delta::from_micros(20));
                continue;
            }
            match self.do_parallel(job, cb_cpu) {
                Err((e, j)) if e == EBUSY || e == ENOMEM => {
                    job = j;
                    if e == ENOMEM {
                        // A new callback CPU's serial worker: allocate it here, where memory
                        // may be reclaimed (the submission only tries `GFP_ATOMIC`).
                        let _ = self.prepare_cb_cpu(*cb_cpu);
                    }
                    fsleep(Delta::from_micros(20));
                }
                r => return r,
            }
        }
    }

    /// The largest measured serial worker wakeup latency and the largest poll window a
    /// worker would now use while the shell is idle, over the callback CPUs, in nanoseconds
    /// (for the microbenchmark's report).
    pub(crate) fn serial_wake_and_poll_ns(&self) -> (u32, u32) {
        let r = self.core.reorder.lock();
        let t = r.tuning;
        r.serial.iter().flatten().fold((0, 0), |(w, p), q| {
            (w.max(q.linger.wake_ns), p.max(q.linger.window(true, &t)))
        })
    }

    /// The shell's counters (see [`ShellStats`]); each side's read under its lock.
    pub(crate) fn stats(&self) -> ShellStats {
        self.core.stats()
    }

    /// Zeroes the shell's counters (the jobs in flight stay; their completions count anew).
    pub(crate) fn reset_stats(&self) {
        self.core.reset_stats()
    }

    /// Replaces the shell's copy of its instance's tuning, for tests that switch a policy
    /// while jobs are in flight. Each side reads its copy under its own lock, so a decision
    /// in progress uses either the old or the new thresholds, never a mix. Direct jobs
    /// ([`Shell::do_direct`]) take no lock and read the instance's thresholds instead,
    /// except for the split ([`split_ns`]) and whether lone costly jobs may run directly
    /// ([`direct_solo`]), which follow the new tuning.
    #[cfg(padata_kunit)]
    pub(crate) fn retune(&self, t: Tuning) {
        let mut inp = self.core.input.lock();
        inp.tuning = t;
        inp.update_split(&self.core.split);
        inp.update_solo(&self.core.split);
        drop(inp);
        self.core.reorder.lock().tuning = t;
    }

    /// Sets the shell's lane cap to `cap` (0: none) as if its lanes had measured it, and the
    /// split that follows it ([`split_ns`]), for tests of what follows the cap. The lanes'
    /// next batch measures again.
    #[cfg(padata_kunit)]
    pub(crate) fn force_lane_cap(&self, cap: u32) {
        let mut inp = self.core.input.lock();
        inp.gauge.force(cap);
        inp.update_split(&self.core.split);
    }

    /// How many lanes and how many serial workers the shell has allocated so far (they come
    /// with use: see [`ShellCore::wake`] and [`ShellCore::serial_for`]).
    pub(crate) fn per_cpu_state(&self) -> (usize, usize) {
        let lanes = self.core.lanes.lock().len();
        let workers = self.core.reorder.lock().serial.iter().flatten().count();
        (lanes, workers)
    }

    /// Lanes queued or running, and lanes between taking a batch and folding its time into
    /// the shell's [`LaneGauge`]: a lane folds its last batch in the lock round trip that
    /// releases it, so the second is 0 whenever the first is.
    #[cfg(padata_kunit)]
    pub(crate) fn lane_counts(&self) -> (u32, u32) {
        let inp = self.core.input.lock();
        (inp.lanes_busy, inp.lanes_running)
    }

    /// How many times a lane could not be allocated when it was to be woken.
    pub(crate) fn lanes_refused(&self) -> u32 {
        self.core.lanes_refused.load(Relaxed)
    }

    /// Number of jobs submitted whose serial part has not finished yet (in the window or
    /// in the overflow queue).
    pub(crate) fn outstanding(&self) -> u32 {
        self.core.outstanding.load(Relaxed) + self.core.overflowed.load(Relaxed)
    }

    /// Waits until every job submitted so far has finished its serial part.
    pub(crate) fn wait_idle(&self) {
        self.core.wait_idle();
    }
}

impl<J: Job> Drop for Shell<J> {
    fn drop(&mut self) {
        // Jobs in flight finish first (C: padata_free_shell() after all jobs completed), then
        // the core <-> serial worker reference cycle is broken. Work items still finishing
        // their last run hold their own references; the instance's workqueues are drained
        // when the instance is dropped, so no code of this module runs after that. A shell
        // whose instance is gone is already idle: the instance's drop waited for its jobs
        // and refused later submissions.
        self.wait_idle();
        self.core.inst.unregister(&self.core);
        let serial = mem::take(&mut self.core.reorder.lock().serial);
        drop(serial);
        let lanes = mem::take(&mut *self.core.lanes.lock());
        drop(lanes);
    }
}
