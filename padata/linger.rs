// SPDX-License-Identifier: GPL-2.0

//! The serial worker's linger policy: how long a worker that ran out of jobs polls for the
//! next one before it sleeps, adapted like cpuidle-haltpoll's poll time (see
//! [`next_poll_ns`] and Documentation/padata.rst).

use super::tuning::Tuning;
use kernel::{
    processor::cpu_relax,
    sync::atomic::{Atomic, Relaxed},
    time::{Instant, Monotonic},
};

/// How many times a lingering serial worker polls its queue between two looks at the clock.
const LINGER_POLLS: u32 = 16;

/// The linger state of one serial worker, kept with its queue under the shell's reorder
/// lock.
pub(super) struct Linger {
    /// Current poll window, in nanoseconds (see [`Linger::kicked`]).
    pub(super) poll_ns: u32,
    /// When the queue last ran empty, if the worker then went to sleep (cleared by the next
    /// wakeup, which measures the gap).
    pub(super) slept_at: Option<Instant<Monotonic>>,
    /// When the worker was last queued, until it ran (measures its wakeup latency).
    kicked_at: Option<Instant<Monotonic>>,
    /// Moving average of the worker's wakeup latency, in nanoseconds (0: not measured yet).
    pub(super) wake_ns: u32,
}

impl Linger {
    /// The state of a worker that has not run yet: the initial poll window of `t`.
    pub(super) fn new(t: &Tuning) -> Self {
        Linger {
            poll_ns: t.serial_linger_ns,
            slept_at: None,
            kicked_at: None,
            wake_ns: 0,
        }
    }

    /// Notes that the worker is queued at `now`, and adapts the poll window to the gap since
    /// the queue ran empty (see [`next_poll_ns`]), within the bounds [`poll_bounds_ns`]
    /// gives for the wakeups measured so far.
    pub(super) fn kicked(&mut self, now: Instant<Monotonic>, t: &Tuning) {
        self.kicked_at = Some(now);
        let Some(slept) = self.slept_at.take() else {
            return;
        };
        let gap = u64::try_from((now - slept).as_nanos()).unwrap_or(0);
        let (base, max) = poll_bounds_ns(t, self.wake_ns);
        self.poll_ns = next_poll_ns(self.poll_ns, gap, base, max);
    }

    /// The poll window to use now: never longer than the worker's measured wakeup (none
    /// before one was measured), and beyond the initial window only while no job of the
    /// shell is in flight (`idle`): then the CPU has nothing else of the shell to do until
    /// the next submission, which the adapted window predicts. While jobs are in flight on
    /// lanes they will feed the worker anyway, and a longer poll would only keep a CPU from
    /// them.
    pub(super) fn window(&self, idle: bool, t: &Tuning) -> u32 {
        let (base, max) = poll_bounds_ns(t, self.wake_ns);
        if idle {
            self.poll_ns.min(max)
        } else {
            self.poll_ns.min(base)
        }
    }

    /// Folds the latency of the wakeup that started the worker into [`Linger::wake_ns`].
    pub(super) fn note_wakeup(&mut self) {
        let Some(kicked) = self.kicked_at.take() else {
            return;
        };
        let sample = u64::try_from(kicked.elapsed().as_nanos())
            .unwrap_or(0)
            .min(u64::from(u32::MAX)) as u32;
        self.wake_ns = match self.wake_ns {
            0 => sample,
            w => w - w / 8 + sample / 8,
        };
    }
}

/// A counter on a cache line of its own, so polling it does not disturb its neighbours.
#[repr(align(64))]
pub(super) struct LineCounter(pub(super) Atomic<u32>);

/// Whether a serial worker whose queue ran empty at `since` should keep polling it with a
/// window of `window_ns`: not beyond the window, and not at all once the scheduler wants the
/// CPU for another task or another task is runnable on it (the task a completion just woke,
/// a lane: the scheduler need not preempt the worker for it at once, and each microsecond of
/// polling would delay it).
pub(super) fn keep_polling(since: Instant<Monotonic>, window_ns: u32) -> bool {
    window_ns != 0
        && since.elapsed().as_nanos() < i64::from(window_ns)
        && !crate::kext::sched::resched_wanted()
        && crate::kext::sched::single_task_running()
}

/// Polls `fed` until it moves away from `seen` (a job joined the queue: returns `true`) or
/// [`keep_polling`] says to stop (`false`).
pub(super) fn poll_until_fed(
    fed: &LineCounter,
    seen: u32,
    since: Instant<Monotonic>,
    window_ns: u32,
) -> bool {
    loop {
        // The clock and the submitter's cache line are read only every few polls.
        for _ in 0..LINGER_POLLS {
            if fed.0.load(Relaxed) != seen {
                return true;
            }
            cpu_relax();
        }
        if !keep_polling(since, window_ns) {
            return false;
        }
    }
}

/// The initial and the largest poll window of a serial worker whose wakeups take `wake_ns`
/// (0: not measured yet) with tuning `t`: [`Tuning::serial_linger_ns`] and
/// [`Tuning::serial_linger_max_ns`] (at least the initial one), each at most one wakeup
/// (unless [`Tuning::serial_linger_by_wake`] is off, for tests).
///
/// Polling is the spin half of spin-then-block: a worker that polls as long as a wakeup
/// costs and then sleeps spends at most twice what the best choice in hindsight would have
/// (the 2-competitive rule); a longer poll can only burn more than the wakeup it saves.
pub(super) fn poll_bounds_ns(t: &Tuning, wake_ns: u32) -> (u32, u32) {
    let cap = if t.serial_linger_by_wake {
        wake_ns
    } else {
        u32::MAX
    };
    (
        t.serial_linger_ns.min(cap),
        t.serial_linger_max_ns.max(t.serial_linger_ns).min(cap),
    )
}

/// The poll window that follows `poll_ns` when the next job came `gap_ns` after the queue ran
/// empty and the worker had gone to sleep, for the initial window `base_ns` and the largest
/// window `max_ns` (at least `base_ns`). Adapts like cpuidle-haltpoll's poll time:
///
/// - the gap was longer than the window but not than the largest window: polling a little
///   longer would have caught the job, so the window doubles (to at least `base_ns`, at most
///   `max_ns`);
/// - the gap was longer than the largest window: the poll was wasted, so the window halves,
///   down to 0 (no polling) once it falls below `base_ns`;
/// - otherwise it stays. A job that arrives while the worker polls does not call this.
///
/// With `base_ns` 0 the window stays 0.
pub(super) fn next_poll_ns(poll_ns: u32, gap_ns: u64, base_ns: u32, max_ns: u32) -> u32 {
    let max_ns = max_ns.max(base_ns);
    if base_ns == 0 {
        0
    } else if gap_ns > u64::from(poll_ns) && gap_ns <= u64::from(max_ns) {
        poll_ns.saturating_mul(2).clamp(base_ns, max_ns)
    } else if gap_ns > u64::from(max_ns) {
        let half = poll_ns / 2;
        if half < base_ns {
            0
        } else {
            half
        }
    } else {
        poll_ns
    }
}

#[cfg(padata_kunit)]
/// KUnit suite `rust_padata_poll`: how a serial worker's poll window adapts.
#[kernel::prelude::kunit_tests(rust_padata_poll)]
mod poll_tests {
    use super::{next_poll_ns, poll_bounds_ns, Linger, Tuning};

    /// Initial window (ns).
    const BASE: u32 = 30_000;
    /// Largest window (ns).
    const MAX: u32 = 200_000;

    /// A gap the window just missed doubles it, up to the largest window; a window of 0
    /// restarts at the initial one.
    #[test]
    fn missed_gap_grows_the_window() {
        assert_eq!(next_poll_ns(BASE, 50_000, BASE, MAX), 60_000);
        assert_eq!(next_poll_ns(60_000, 61_000, BASE, MAX), 120_000);
        assert_eq!(next_poll_ns(120_000, 150_000, BASE, MAX), MAX);
        assert_eq!(next_poll_ns(MAX, u64::from(MAX), BASE, MAX), MAX);
        assert_eq!(next_poll_ns(0, 1, BASE, MAX), BASE);
    }

    /// A gap within the window leaves it alone.
    #[test]
    fn caught_gap_keeps_the_window() {
        assert_eq!(next_poll_ns(60_000, 60_000, BASE, MAX), 60_000);
        assert_eq!(next_poll_ns(60_000, 0, BASE, MAX), 60_000);
    }

    /// A gap beyond the largest window halves the window, and below the initial window it
    /// stops polling altogether.
    #[test]
    fn wasted_poll_shrinks_the_window_to_zero() {
        assert_eq!(next_poll_ns(MAX, 10_000_000, BASE, MAX), 100_000);
        assert_eq!(next_poll_ns(100_000, 200_001, BASE, MAX), 50_000);
        assert_eq!(next_poll_ns(50_000, u64::MAX, BASE, MAX), 0);
        assert_eq!(next_poll_ns(0, u64::MAX, BASE, MAX), 0);
    }

    /// With an initial window of 0 (`serial_linger_ns=0`) a worker never polls; with the
    /// largest window at or below the initial one the window is the initial one or 0.
    #[test]
    fn zero_base_never_polls_and_small_max_never_grows() {
        assert_eq!(next_poll_ns(0, 1_000, 0, MAX), 0);
        assert_eq!(next_poll_ns(0, 10_000_000, 0, MAX), 0);
        assert_eq!(next_poll_ns(BASE, 20_000, BASE, 10_000), BASE);
        assert_eq!(next_poll_ns(BASE, 40_000, BASE, 10_000), 0);
        assert_eq!(next_poll_ns(0, 20_000, BASE, 10_000), BASE);
    }

    /// Both the initial and the largest window are the configured ones, but at most one
    /// measured wakeup; before a wakeup was measured, none.
    #[test]
    fn windows_never_exceed_the_wakeup_cost() {
        let t = Tuning {
            serial_linger_ns: BASE,
            serial_linger_max_ns: MAX,
            ..Tuning::DEFAULT
        };
        assert_eq!(poll_bounds_ns(&t, 10_000), (10_000, 10_000));
        assert_eq!(poll_bounds_ns(&t, 100_000), (BASE, 100_000));
        assert_eq!(poll_bounds_ns(&t, u32::MAX), (BASE, MAX));
        assert_eq!(poll_bounds_ns(&t, 0), (0, 0));
        let off = Tuning {
            serial_linger_ns: 0,
            ..t
        };
        assert_eq!(poll_bounds_ns(&off, 50_000).0, 0);
        let long = Tuning {
            serial_linger_ns: 5_000_000,
            ..t
        };
        assert_eq!(poll_bounds_ns(&long, 300_000), (300_000, 300_000));
        let unbounded = Tuning {
            serial_linger_by_wake: false,
            ..long
        };
        assert_eq!(poll_bounds_ns(&unbounded, 0), (5_000_000, 5_000_000));
    }

    /// A worker's window in use never exceeds its measured wakeup, whatever it adapted to:
    /// 40 us wakeups cap a 200 us window at 40 us while the shell is idle, and at the
    /// initial 30 us while jobs are in flight; 10 us wakeups cap both at 10 us.
    #[test]
    fn window_in_use_is_at_most_one_wakeup() {
        let t = Tuning {
            serial_linger_ns: BASE,
            serial_linger_max_ns: MAX,
            ..Tuning::DEFAULT
        };
        let mut l = Linger::new(&t);
        l.poll_ns = MAX;
        l.wake_ns = 40_000;
        assert_eq!((l.window(true, &t), l.window(false, &t)), (40_000, BASE));
        l.wake_ns = 10_000;
        assert_eq!((l.window(true, &t), l.window(false, &t)), (10_000, 10_000));
        l.wake_ns = 0;
        assert_eq!((l.window(true, &t), l.window(false, &t)), (0, 0));
    }
}
