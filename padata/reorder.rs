// SPDX-License-Identifier: GPL-2.0

//! The ordering core of a shell: where finished jobs wait for their turn and how they reach
//! their callback CPU.
//!
//! - [`Reorder::done`] is the window: a ring indexed by sequence number, where a finished
//!   job waits until every earlier job of the shell finished; [`Reorder::head`] is the next
//!   sequence number to serialise (C: `padata_find_next()` and `pd->processed`).
//! - Jobs whose turn came are linked, in order, into the [`SerialQueue`] of their callback
//!   CPU, through a pool with one entry per ring slot (C: the per-CPU `squeue`s).
//!
//! [`super::shell::ShellCore::complete`] moves jobs from the window to the serial queues
//! under the reorder lock; the serial workers take them from there. This file has no
//! locking and no work items: it can be reviewed on its own for "every job leaves exactly
//! once, in sequence order".

use super::{
    linger::Linger,
    seq::Seq,
    shell::{Job, SerialWorker},
    stats::SerialStats,
    tuning::Tuning,
};
use kernel::{
    prelude::*,
    sync::Arc,
    time::{Instant, Monotonic},
};

/// Where a finished job is until its turn.
pub(super) enum Done<J> {
    /// No job (not finished yet, or already moved on).
    Empty,
    /// Handed back by [`super::Ticket::serial`], waiting for its turn.
    Job {
        /// The job.
        job: J,
        /// Its callback CPU.
        cb_cpu: u32,
        /// When it was submitted.
        t0: Instant<Monotonic>,
        /// When its parallel part ended.
        ended: Instant<Monotonic>,
    },
    /// The ticket was dropped without handing the job back; its turn is skipped, and the
    /// serial worker of its callback CPU accounts for it.
    Lost {
        /// The job's callback CPU.
        cb_cpu: u32,
    },
}

/// Jobs in order, waiting for their callback CPU's serial worker: a list through the shell's
/// pool of ready jobs ([`Reorder::pool`]), so a queue costs O(1) memory. Allocated, with its
/// worker, when its CPU first becomes a callback CPU of the shell
/// ([`super::shell::ShellCore::serial_for`]).
pub(super) struct SerialQueue<J: Job> {
    /// The worker that runs this queue's serial parts.
    pub(super) worker: Arc<SerialWorker<J>>,
    /// Pool entry of the first job (valid while `len != 0`).
    pub(super) first: u32,
    /// Pool entry of the last job (valid while `len != 0`).
    pub(super) last: u32,
    /// Number of jobs in the queue.
    pub(super) len: u32,
    /// Jobs whose ticket was dropped that reached their turn since the worker last looked;
    /// the worker accounts for them ([`super::shell::ShellCore::finished`]), so completions
    /// never do.
    pub(super) lost: u32,
    /// The worker is queued or running and will look at `pending` again.
    pub(super) scheduled: bool,
    /// The worker's linger state: how long it polls for more jobs before it sleeps.
    pub(super) linger: Linger,
}

impl<J: Job> SerialQueue<J> {
    /// An empty queue of `worker`, whose worker starts with the initial poll window of `t`.
    pub(super) fn new(worker: Arc<SerialWorker<J>>, t: &Tuning) -> Self {
        SerialQueue {
            worker,
            first: NIL,
            last: NIL,
            len: 0,
            lost: 0,
            scheduled: false,
            linger: Linger::new(t),
        }
    }
}

/// Completion side of a shell, under [`super::shell::ShellCore::reorder`].
pub(super) struct Reorder<J: Job> {
    /// Ring as long as [`super::shell::Input::queued`]; finished job `s` waits for its turn in
    /// `done[s % len]`.
    pub(super) done: KVec<Done<J>>,
    /// Next sequence number to serialise.
    pub(super) head: Seq,
    /// As many entries as the rings have slots, holding the jobs whose turn has come until
    /// their serial worker takes them, linked into the per-CPU [`SerialQueue`]s; the others
    /// form the free list. At most that many jobs are in the window, so an entry is always
    /// free when one is needed.
    pub(super) pool: KVec<Ready<J>>,
    /// First free entry of `pool` ([`NIL`]: none).
    pub(super) free: u32,
    /// Per callback CPU serial queues, indexed by CPU id; `None` for a CPU that was never a
    /// callback CPU of the shell. Emptied by [`super::Shell`]'s drop to break the reference cycle
    /// through the workers.
    pub(super) serial: KVec<Option<KBox<SerialQueue<J>>>>,
    /// The instance's tuning, as the linger policy reads it (a copy under this lock; see
    /// the test-only `Shell::retune`).
    pub(super) tuning: Tuning,
    /// What the serial side did.
    pub(super) stats: SerialStats,
    /// A job whose turn came while its submitter waited for it
    /// ([`super::shell::ShellCore::sync_waiter`]), with its sequence number and when its
    /// parallel part handed it back, until that submitter takes it.
    pub(super) sync_done: Option<(Seq, J, Instant<Monotonic>)>,
}

/// "No entry" in the links of [`Reorder::pool`].
pub(super) const NIL: u32 = u32::MAX;

/// An entry of [`Reorder::pool`].
pub(super) struct Ready<J> {
    /// The job and its submission time, while the entry is in a serial queue.
    pub(super) job: Option<(J, Instant<Monotonic>)>,
    /// The next entry of the same serial queue or of the free list ([`NIL`]: none).
    pub(super) next: u32,
}

impl<J: Job> Reorder<J> {
    /// The serial queue of callback CPU `cpu`, if it has one.
    pub(super) fn queue(&mut self, cpu: usize) -> Option<&mut SerialQueue<J>> {
        self.serial.get_mut(cpu)?.as_deref_mut()
    }

    /// Counts a skipped job in the serial queue of callback CPU `cpu`, and returns the queue.
    pub(super) fn skip(&mut self, cpu: usize) -> Option<&mut SerialQueue<J>> {
        self.stats.skipped += 1;
        let q = self.queue(cpu)?;
        q.lost += 1;
        Some(q)
    }

    /// Appends `job`, submitted at `t0`, to the serial queue of callback CPU `cpu`. Hands the
    /// job back if `cpu` has no queue or the pool is empty (neither can happen: a job's
    /// callback CPU gets its queue before the job is queued, see
    /// [`super::shell::ShellCore::serial_for`] and [`Reorder::pool`]).
    pub(super) fn push_serial(
        &mut self,
        cpu: u32,
        job: J,
        t0: Instant<Monotonic>,
    ) -> Result<&mut SerialQueue<J>, J> {
        let Reorder {
            pool, free, serial, ..
        } = self;
        let q = serial.get_mut(cpu as usize).and_then(|q| q.as_deref_mut());
        let (Some(q), Some(e)) = (q, pool.get_mut(*free as usize)) else {
            return Err(job);
        };
        let entry = *free;
        *free = e.next;
        e.job = Some((job, t0));
        e.next = NIL;
        if q.len == 0 {
            q.first = entry;
        } else if let Some(tail) = pool.get_mut(q.last as usize) {
            tail.next = entry;
        }
        q.last = entry;
        q.len += 1;
        Ok(q)
    }

    /// Takes the first job of the serial queue of `cpu`, if any, with its submission time.
    pub(super) fn pop_serial(&mut self, cpu: usize) -> Option<(J, Instant<Monotonic>)> {
        let Reorder {
            pool, free, serial, ..
        } = self;
        let q = serial.get_mut(cpu)?.as_deref_mut()?;
        if q.len == 0 {
            return None;
        }
        let entry = q.first;
        let e = pool.get_mut(entry as usize)?;
        q.first = e.next;
        q.len -= 1;
        e.next = *free;
        *free = entry;
        e.job.take()
    }
}

/// Index of sequence number `seq` in a ring of `len` slots.
///
/// Ring lengths are powers of two (from [`super::shell::MIN_RING`] to [`super::WINDOW`]), so
/// they divide 2^32 and the index stays consistent across the sequence number wrap.
pub(super) fn ring_idx(seq: Seq, len: usize) -> usize {
    // A mask, not `%`: no division (and no division-by-zero panic path).
    seq.0 as usize & len.wrapping_sub(1)
}
