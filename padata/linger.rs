// SPDX-License-Identifier: GPL-2.0

//! The serial worker's linger policy: how long a worker that ran out of jobs polls for the
//! next one before it sleeps, adapted like cpuidle-haltpoll's poll time (see
//! [`next_poll_ns`] and Documentation/padata.rst).

use kernel::sync::atomic::Atomic;

/// Initial and smallest non-zero poll window, in nanoseconds, of a serial worker that ran
/// out of jobs (see [`super::reorder::SerialQueue::adapt`]). Set from the
/// `serial_linger_ns` module parameter; 0 never polls.
pub(crate) static SERIAL_LINGER_NS: Atomic<u32> = Atomic::new(DEFAULT_SERIAL_LINGER_NS);

/// Largest poll window, in nanoseconds, a serial worker's window may grow to (see
/// [`super::reorder::SerialQueue::adapt`]). Set from the `serial_linger_max_ns` module
/// parameter; at or below [`SERIAL_LINGER_NS`] the window never grows beyond that.
pub(crate) static SERIAL_LINGER_MAX_NS: Atomic<u32> = Atomic::new(DEFAULT_SERIAL_LINGER_MAX_NS);

/// Default of [`SERIAL_LINGER_MAX_NS`]: cpuidle-haltpoll's default `guest_halt_poll_ns`.
pub(crate) const DEFAULT_SERIAL_LINGER_MAX_NS: u32 = 200_000;

/// A poll window never grows beyond this many times the measured wakeup latency of the
/// serial worker: polling longer than a few wakeups cost saves less than it burns.
const LINGER_WAKE_FACTOR: u64 = 4;

/// How many times a lingering serial worker polls its queue between two looks at the clock.
pub(super) const LINGER_POLLS: u32 = 16;

/// Default of [`SERIAL_LINGER_NS`] (see Documentation/bench.rst for how it was chosen).
pub(crate) const DEFAULT_SERIAL_LINGER_NS: u32 = 30_000;

/// The largest poll window of a serial worker whose wakeups take `wake_ns` (0: not measured
/// yet): `max_ns`, but at most [`LINGER_WAKE_FACTOR`] wakeups, and never below `base_ns`.
pub(crate) fn poll_max_ns(base_ns: u32, max_ns: u32, wake_ns: u32) -> u32 {
    let by_wake = LINGER_WAKE_FACTOR.saturating_mul(u64::from(wake_ns));
    (u64::from(max_ns).min(by_wake) as u32).max(base_ns)
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
pub(crate) fn next_poll_ns(poll_ns: u32, gap_ns: u64, base_ns: u32, max_ns: u32) -> u32 {
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
    use super::{next_poll_ns, poll_max_ns};

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

    /// The largest window is the configured one, but at most four measured wakeups, and never
    /// below the initial window (also before any wakeup was measured).
    #[test]
    fn largest_window_follows_the_wakeup_cost() {
        assert_eq!(poll_max_ns(BASE, MAX, 10_000), 40_000);
        assert_eq!(poll_max_ns(BASE, MAX, 1_000), BASE);
        assert_eq!(poll_max_ns(BASE, MAX, 0), BASE);
        assert_eq!(poll_max_ns(BASE, MAX, 100_000), MAX);
        assert_eq!(poll_max_ns(BASE, MAX, u32::MAX), MAX);
        assert_eq!(poll_max_ns(0, 0, 50_000), 0);
    }
}
