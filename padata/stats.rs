// SPDX-License-Identifier: GPL-2.0

//! What a shell did: counters of its submissions, the paths its jobs took and its serial
//! side, for debugfs and the tests.
//!
//! Each side counts under the lock it holds anyway (the submission side under the input
//! lock, the serial side under the reorder lock), in the shell's own memory: counting adds
//! no atomic operation and no shared cache line to the submission path. The two latency
//! histograms cost one clock read per completion and one per serial batch; the submission
//! reads the clock anyway.

use super::gauge::LaneGauge;
use kernel::{prelude::*, time::Delta};

/// The errors a submission can be refused with, in the order of [`SubmitStats::refused`].
pub(crate) const REFUSALS: [(Error, &str); 4] = [
    (EINVAL, "EINVAL"),
    (EBUSY, "EBUSY"),
    (ENOSPC, "ENOSPC"),
    (ENOMEM, "ENOMEM"),
];

/// Counters of a shell's submission side, kept under its input lock (but `direct`, an atomic
/// of the shell copied in when the counters are read).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct SubmitStats {
    /// Jobs accepted (given a sequence number, or queued in the overflow queue for one).
    pub(crate) submitted: u64,
    /// Submissions refused, by error ([`REFUSALS`]); nothing of them was queued.
    pub(crate) refused: [u64; REFUSALS.len()],
    /// Jobs whose parallel part ran in the submitter's context.
    pub(crate) inline: u64,
    /// Jobs run directly by their caller while the shell was idle
    /// (`Shell::do_direct`): not submitted, so in no other counter.
    pub(crate) direct: u64,
    /// Of `direct`, the jobs that ran directly only because a measured lane cap raised the
    /// split (`DirectSplit::kept`). Under the lock, the counts taken from the quota (by
    /// submissions, or where the split changes), starting below 0 (wrapping) by those
    /// pending at the last reset; a snapshot ([`ShellStats`]) adds those pending now.
    pub(crate) direct_kept: u64,
    /// Of `direct`, the lone jobs costlier than the split that ran directly between the
    /// probes of the synchronous return (`DirectSplit::solo`), counted as `direct_kept`.
    pub(crate) direct_lone: u64,
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

/// Buckets of a [`Log2Hist`].
pub(crate) const HIST_BUCKETS: usize = 32;

/// A histogram of durations in log2 buckets of nanoseconds: bucket `i` counts durations in
/// `[2^i, 2^(i+1))` ns, bucket 0 also 0 ns (and negative durations, which a clock read
/// before a lock taken after another CPU's can produce), and the last bucket everything
/// from 2^31 ns (about 2.1 s) on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Log2Hist(pub(crate) [u64; HIST_BUCKETS]);

impl Default for Log2Hist {
    fn default() -> Self {
        Log2Hist([0; HIST_BUCKETS])
    }
}

impl Log2Hist {
    /// The bucket of a duration of `ns` nanoseconds.
    pub(crate) fn bucket(ns: i64) -> usize {
        let ns = u64::try_from(ns).unwrap_or(0) | 1;
        (ns.ilog2() as usize).min(HIST_BUCKETS - 1)
    }

    /// Counts one duration.
    pub(crate) fn add(&mut self, d: Delta) {
        self.0[Self::bucket(d.as_nanos())] += 1;
    }

    /// Number of durations counted.
    pub(crate) fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Writes the histogram as `name c0 c1 ... c31`.
    fn write(&self, f: &mut impl core::fmt::Write, name: &str) -> core::fmt::Result {
        write!(f, "{name}")?;
        for n in &self.0 {
            write!(f, " {n}")?;
        }
        writeln!(f)
    }
}

/// Counters of a shell's serial side, kept under its reorder lock.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct SerialStats {
    /// Serial parts run, and jobs handed back to their submitter (`sync`).
    pub(crate) completed: u64,
    /// Jobs handed back to their submitter synchronously, whose serial part the submitter
    /// does itself (`Shell::do_parallel_sync`); counted in `completed` too.
    pub(crate) sync: u64,
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
    /// Time from a job's submission to the moment its serial worker takes it, for every
    /// completed job.
    pub(crate) latency: Log2Hist,
    /// Time a job waited for its turn after its parallel part ended (for jobs that ended
    /// before an earlier one), for every completed job.
    pub(crate) reorder_wait: Log2Hist,
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
    /// The lane cap the shell measures, and how often it was cut and tried higher (since
    /// the shell was created: [`super::Shell::reset_stats`] does not reset them).
    pub(crate) gauge: LaneGauge,
    /// The split between the submitter and the lanes now, in ns of a job's measured cost
    /// (see [`super::placement::split_ns`]).
    pub(crate) split_ns: u32,
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
        writeln!(f, "sync_completed {}", r.sync)?;
        writeln!(f, "in_flight {}", self.in_flight)?;
        writeln!(f, "peak_in_flight {}", s.peak_in_flight)?;
        writeln!(f, "path_inline {}", s.inline)?;
        writeln!(f, "direct {}", s.direct)?;
        writeln!(f, "direct_kept {}", s.direct_kept)?;
        writeln!(f, "direct_lone {}", s.direct_lone)?;
        writeln!(f, "path_lane {}", s.lane_pinned)?;
        writeln!(f, "path_unbound_lane {}", s.lane_unbound)?;
        writeln!(f, "overflowed {}", s.overflowed)?;
        writeln!(f, "lane_wakeups {}", s.lane_wakeups)?;
        writeln!(f, "lane_cap {}", self.gauge.cap())?;
        writeln!(f, "lane_cap_cuts {}", self.gauge.cuts)?;
        writeln!(f, "lane_cap_tries {}", self.gauge.tries)?;
        writeln!(f, "split_ns {}", self.split_ns)?;
        writeln!(f, "serial_batches {}", r.batches)?;
        writeln!(f, "serial_wakeups {}", r.wakeups)?;
        writeln!(f, "poll_hits {}", r.poll_hits)?;
        writeln!(f, "poll_misses {}", r.poll_misses)?;
        r.latency.write(f, "latency_ns_log2")?;
        r.reorder_wait.write(f, "reorder_wait_ns_log2")
    }
}

#[cfg(padata_kunit)]
/// KUnit suite `rust_padata_stats`: the counters add up.
#[kernel::prelude::kunit_tests(rust_padata_stats)]
mod stats_tests {
    use super::{Log2Hist, SerialStats, SubmitStats, HIST_BUCKETS, REFUSALS};
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

    /// Durations land in their log2 bucket; negative ones in the first, huge ones in the
    /// last.
    #[test]
    fn log2_buckets() {
        for (ns, b) in [
            (i64::MIN, 0),
            (-5, 0),
            (0, 0),
            (1, 0),
            (2, 1),
            (3, 1),
            (1023, 9),
            (1024, 10),
            (20_000, 14),
            (1 << 31, 31),
            (i64::MAX, HIST_BUCKETS - 1),
        ] {
            assert_eq!(Log2Hist::bucket(ns), b);
        }
        let mut h = Log2Hist::default();
        h.add(Delta::from_micros(20));
        h.add(Delta::from_nanos(-1));
        assert_eq!((h.0[14], h.0[0], h.total()), (1, 1, 2));
    }

    /// After 3000 submissions over three shells of one instance (a tenth of them while the
    /// instance is stopped, one job in 11 dropping its ticket), each shell's counters add
    /// up: accepted == completed + skipped, the paths sum to the accepted jobs, nothing is
    /// in flight, the refusals are the stopped instance's `EINVAL`s, both latency
    /// histograms count every completed job, and the jobs whose parallel part busy-waits
    /// 20 us are in buckets of at least 16 us; a reset zeroes them.
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
        let (mut refused, mut skipped, mut slow) = (0u64, 0u64, 0u64);
        for i in 0..3000u32 {
            if i == 1500 {
                inst.stop();
            } else if i == 1800 {
                inst.start()?;
            }
            let skip = i % 11 == 0;
            let delayed = i % 5 == 0;
            let job = StatJob {
                done: done.clone(),
                skip,
                delay_us: if delayed { 20 } else { 0 },
            };
            let mut cb = online.pick(i).unwrap_or(0);
            match shells[i as usize % 3].do_parallel(job, &mut cb) {
                Ok(()) => {
                    skipped += u64::from(skip);
                    slow += u64::from(delayed && !skip);
                }
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
        let (mut accepted, mut refusals, mut skips, mut over_16us) = (0, 0, 0, 0);
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
            assert_eq!(ser.latency.total(), ser.completed);
            assert_eq!(ser.reorder_wait.total(), ser.completed);
            over_16us += ser.latency.0[14..].iter().sum::<u64>();
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
        // Submission to serial part includes the 20 us parallel part (2^14 ns = 16.4 us).
        assert!(over_16us >= slow && slow > 0);
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
