// SPDX-License-Identifier: GPL-2.0

//! What a shell did: counters of its submissions, the paths its jobs took and its serial
//! side, for debugfs and the tests.
//!
//! Each side counts under the lock it holds anyway (the submission side under the input
//! lock, the serial side under the reorder lock), in the shell's own memory: counting adds
//! no atomic operation and no shared cache line to the submission path.

use kernel::prelude::*;

/// The errors a submission can be refused with, in the order of [`SubmitStats::refused`].
pub(crate) const REFUSALS: [(Error, &str); 4] = [
    (EINVAL, "EINVAL"),
    (EBUSY, "EBUSY"),
    (ENOSPC, "ENOSPC"),
    (ENOMEM, "ENOMEM"),
];

/// Counters of a shell's submission side, kept under its input lock.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct SubmitStats {
    /// Jobs accepted (given a sequence number, or queued in the overflow queue for one).
    pub(crate) submitted: u64,
    /// Submissions refused, by error ([`REFUSALS`]); nothing of them was queued.
    pub(crate) refused: [u64; REFUSALS.len()],
    /// Jobs whose parallel part ran in the submitter's context.
    pub(crate) inline: u64,
    /// Jobs whose parallel part ran on a lane pinned to a parallel CPU.
    pub(crate) lane_pinned: u64,
    /// Jobs whose parallel part ran on a lane of the unbound workqueue.
    pub(crate) lane_unbound: u64,
    /// Jobs that waited in the overflow queue for room in the window.
    pub(crate) overflowed: u64,
    /// Lanes queued (woken) for the shell's jobs.
    pub(crate) lane_wakeups: u64,
    /// Most jobs in flight at once, as submissions saw it.
    pub(crate) peak_in_flight: u32,
}

impl SubmitStats {
    /// Counts a refusal with `e` (other errors count as `EINVAL`).
    pub(crate) fn refuse(&mut self, e: Error) {
        let i = REFUSALS.iter().position(|(r, _)| *r == e).unwrap_or(0);
        self.refused[i] += 1;
    }
}

/// Counters of a shell's serial side, kept under its reorder lock.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct SerialStats {
    /// Serial parts run.
    pub(crate) completed: u64,
    /// Jobs whose ticket was dropped, so their turn was skipped.
    pub(crate) skipped: u64,
    /// Batches the serial workers ran (each one lock round trip).
    pub(crate) batches: u64,
    /// Serial workers queued (woken) by completions.
    pub(crate) wakeups: u64,
    /// Polls of a lingering worker that a job ended (no sleep, no wakeup needed).
    pub(crate) poll_hits: u64,
    /// Polls that ended without a job (the worker then slept).
    pub(crate) poll_misses: u64,
}

/// A consistent enough picture of a shell: each side's counters read under its lock.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct ShellStats {
    /// Submission side.
    pub(crate) submit: SubmitStats,
    /// Serial side.
    pub(crate) serial: SerialStats,
    /// Jobs in the window or the overflow queue now.
    pub(crate) in_flight: u32,
}

impl ShellStats {
    /// Writes the counters as `name value` lines, the format of the debugfs `stats` file.
    pub(crate) fn write(&self, f: &mut impl core::fmt::Write) -> core::fmt::Result {
        let (s, r) = (&self.submit, &self.serial);
        writeln!(f, "submitted {}", s.submitted)?;
        for ((_, name), n) in REFUSALS.iter().zip(s.refused.iter()) {
            writeln!(f, "refused_{name} {n}")?;
        }
        writeln!(f, "completed {}", r.completed)?;
        writeln!(f, "skipped {}", r.skipped)?;
        writeln!(f, "in_flight {}", self.in_flight)?;
        writeln!(f, "peak_in_flight {}", s.peak_in_flight)?;
        writeln!(f, "path_inline {}", s.inline)?;
        writeln!(f, "path_lane {}", s.lane_pinned)?;
        writeln!(f, "path_unbound_lane {}", s.lane_unbound)?;
        writeln!(f, "overflowed {}", s.overflowed)?;
        writeln!(f, "lane_wakeups {}", s.lane_wakeups)?;
        writeln!(f, "serial_batches {}", r.batches)?;
        writeln!(f, "serial_wakeups {}", r.wakeups)?;
        writeln!(f, "poll_hits {}", r.poll_hits)?;
        writeln!(f, "poll_misses {}", r.poll_misses)
    }
}

#[cfg(padata_kunit)]
/// KUnit suite `rust_padata_stats`: the counters add up.
#[kernel::prelude::kunit_tests(rust_padata_stats)]
mod stats_tests {
    use super::{SerialStats, SubmitStats, REFUSALS};
    use crate::kext::{bh::BhDisabled, cpumask::CpuSet};
    use crate::padata::{Instance, Job, Shell, Ticket, Tuning};
    use kernel::{
        prelude::*,
        sync::{
            atomic::{Atomic, Relaxed},
            Arc,
        },
        time::{delay::udelay, Delta},
    };

    /// A job that counts its serial part, or drops its ticket (skipping its turn).
    struct StatJob {
        /// Serial parts run.
        done: Arc<Atomic<u64>>,
        /// Drop the ticket instead of handing the job back.
        skip: bool,
        /// Busy delay of the parallel part, in microseconds.
        delay_us: u32,
    }

    impl Job for StatJob {
        fn parallel(self, ticket: Ticket<Self>, _bh: &BhDisabled) {
            if self.delay_us != 0 {
                udelay(Delta::from_micros(self.delay_us.into()));
            }
            if !self.skip {
                ticket.serial(self);
            }
        }

        fn serial(self, _bh: &BhDisabled) {
            self.done.fetch_add(1, Relaxed);
        }
    }

    /// After 3000 submissions over three shells of one instance (a tenth of them while the
    /// instance is stopped, one job in 11 dropping its ticket), each shell's counters add
    /// up: accepted == completed + skipped, the paths sum to the accepted jobs, nothing is
    /// in flight, the refusals are the stopped instance's `EINVAL`s; a reset zeroes them.
    #[test]
    fn counters_add_up_and_reset() -> Result {
        let inst = Instance::new(c"kunit_stats", None, Tuning::DEFAULT)?;
        let shells = [
            Shell::<StatJob>::new(&inst)?,
            Shell::new(&inst)?,
            Shell::new(&inst)?,
        ];
        let done = Arc::new(Atomic::new(0u64), GFP_KERNEL)?;
        let online = CpuSet::online();
        let (mut refused, mut skipped) = (0u64, 0u64);
        for i in 0..3000u32 {
            if i == 1500 {
                inst.stop();
            } else if i == 1800 {
                inst.start()?;
            }
            let skip = i % 11 == 0;
            let job = StatJob {
                done: done.clone(),
                skip,
                delay_us: if i % 5 == 0 { 20 } else { 0 },
            };
            let mut cb = online.pick(i).unwrap_or(0);
            match shells[i as usize % 3].do_parallel(job, &mut cb) {
                Ok(()) => skipped += u64::from(skip),
                Err((e, _)) => {
                    assert_eq!(e, EINVAL);
                    refused += 1;
                }
            }
        }
        for shell in &shells {
            shell.wait_idle();
        }
        assert_eq!(refused, 300);
        let (mut accepted, mut refusals, mut skips) = (0, 0, 0);
        for shell in &shells {
            let s = shell.stats();
            let (sub, ser) = (&s.submit, &s.serial);
            assert_eq!(s.in_flight, 0);
            assert_eq!(sub.submitted, ser.completed + ser.skipped);
            assert_eq!(
                sub.inline + sub.lane_pinned + sub.lane_unbound,
                sub.submitted
            );
            assert!(ser.batches >= 1 && ser.batches <= ser.completed + ser.skipped);
            assert!(sub.peak_in_flight >= 1);
            assert!(sub.lane_wakeups >= 1);
            // Only EINVAL, the first entry.
            assert_eq!(REFUSALS[0].0, EINVAL);
            assert_eq!(sub.refused[1..].iter().sum::<u64>(), 0);
            accepted += sub.submitted;
            refusals += sub.refused[0];
            skips += ser.skipped;
        }
        assert_eq!(refusals, refused);
        assert_eq!(accepted + refused, 3000);
        assert_eq!(skips, skipped);
        assert_eq!(done.load(Relaxed), accepted - skipped);
        for shell in &shells {
            shell.reset_stats();
            let s = shell.stats();
            assert_eq!(s.submit, SubmitStats::default());
            assert_eq!(s.serial, SerialStats::default());
        }
        Ok(())
    }
}
