// SPDX-License-Identifier: GPL-2.0

//! The tuning of an instance: the thresholds that the placement policy
//! (`padata/placement.rs`) and the linger policy (`padata/linger.rs`) compare their run-time
//! measurements with.
//!
//! A [`Tuning`] is given to [`super::Instance::new`] and fixed for the instance's life (only
//! tests retune a live shell, with the test-only `Shell::retune`); every shell of the
//! instance copies it, so the hot paths read it from the shell's own memory. The crate roots
//! build it from their module parameters, tests build their own.

/// [`Tuning::lane_unbound_depth`] that follows the lane cap: while a shell's lanes are capped
/// below its usable parallel CPUs they go unbound when its recent peak of jobs in flight
/// exceeds two per such CPU, and without a cap never (see
/// [`super::placement::unbound_depth`]).
pub(crate) const UNBOUND_PER_CPU: u32 = u32::MAX;

/// Thresholds of an instance's placement and linger policies. All times in nanoseconds.
///
/// The crate roots expose two of them as module parameters: `handoff_ns` sets both
/// [`Tuning::lane_wake_ns`] and [`Tuning::inline_ns`] (each compares a job's measured cost
/// with what handing it to another CPU costs), and `lane_max` sets [`Tuning::lane_max`]. The
/// others are fixed defaults that are not fitted to a host (the serial poll window is
/// cpuidle-haltpoll's and bounded by measured wakeups; the unbound depth follows the
/// lane cap); tests set them to switch a policy off or on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tuning {
    /// What waking one more lane is worth, in queued parallel work per busy lane (see
    /// [`super::placement::pick_lane`]); 0 wakes a lane for every queued job beyond the busy
    /// lanes (no adaptation). Also the first estimate of a shell's job cost, before it has
    /// measured one.
    ///
    /// Default: the handoff cost, as [`Tuning::inline_ns`] (module parameter `handoff_ns`).
    pub(crate) lane_wake_ns: u32,
    /// Jobs of a [`super::Job::INLINE`] type whose parallel part takes less than this on
    /// average run it in the submitter's context (see [`super::placement::inline_pays`]);
    /// 0 never runs a job inline. A shell raises it while it measures a lane cap
    /// ([`super::placement::split_ns`]).
    ///
    /// Default: see Documentation/bench.rst for how it was chosen.
    pub(crate) inline_ns: u32,
    /// Jobs of a [`super::Job::INLINE`] type that cost [`Tuning::inline_ns`] or more still
    /// run their parallel part in the submitter's context when they are alone and their
    /// measured average cost is below this (see [`super::placement::inline_pays`]); 0 never
    /// does, and neither does an `inline_ns` of 0.
    ///
    /// Default: far above any AEAD request of an IPsec packet, so in practice a bound only for
    /// pathological inner algorithms (see Documentation/bench.rst).
    pub(crate) inline_solo_ns: u32,
    /// While a shell's recent peak of jobs in flight is at least this, its lanes go to the
    /// instance's unbound parallel workqueue, if the parallel mask allows every CPU (see
    /// [`super::placement::pick_lane`]); 0 pins every lane it wakes, 1 none,
    /// [`UNBOUND_PER_CPU`] follows the lane cap. (A lane that yields its CPU between
    /// batches is queued again on the unbound workqueue whenever the parallel mask allows
    /// every CPU, whatever this is.)
    ///
    /// Default: [`UNBOUND_PER_CPU`]: pinned lanes, except for bursts deeper than two jobs per
    /// parallel CPU while the lanes are capped below those CPUs (Documentation/bench.rst,
    /// "Change: pinned lanes where uncapped, a poll that yields").
    pub(crate) lane_unbound_depth: u32,
    /// Most lanes of one shell busy at once; 0: as many as the parallel mask has usable CPUs,
    /// at most the cap the shell measures from its lanes' batches (see
    /// [`super::placement::lane_limit`] and [`super::gauge::LaneGauge`]). The crate roots set
    /// it from their `lane_max` parameter.
    ///
    /// Default: no fixed cap, measured (see Documentation/pcrypt.rst, "Tuning").
    pub(crate) lane_max: u32,
    /// Initial and smallest non-zero poll window of a serial worker that ran out of jobs (see
    /// [`super::linger::Linger`]), lowered to the worker's measured wakeup
    /// ([`super::linger::poll_bounds_ns`]); 0 never polls.
    ///
    /// Default: cpuidle-haltpoll's `guest_halt_poll_grow_start`.
    pub(crate) serial_linger_ns: u32,
    /// Largest poll window a serial worker's window may grow to (see
    /// [`super::linger::Linger`]), lowered to the worker's measured wakeup
    /// ([`super::linger::poll_bounds_ns`]).
    ///
    /// Default: cpuidle-haltpoll's default `guest_halt_poll_ns`.
    pub(crate) serial_linger_max_ns: u32,
    /// Whether a serial worker's poll windows are lowered to its measured wakeup
    /// ([`super::linger::poll_bounds_ns`]); tests that need long polls switch it off.
    ///
    /// Default: `true`.
    pub(crate) serial_linger_by_wake: bool,
}

impl Tuning {
    /// The defaults; the crate roots change only what their module parameters set.
    pub(crate) const DEFAULT: Tuning = Tuning {
        lane_wake_ns: Self::HANDOFF_NS,
        inline_ns: Self::HANDOFF_NS,
        inline_solo_ns: 1_000_000,
        lane_unbound_depth: UNBOUND_PER_CPU,
        lane_max: 0,
        serial_linger_ns: 50_000,
        serial_linger_max_ns: 200_000,
        serial_linger_by_wake: true,
    };

    /// Default of the crate roots' `handoff_ns` parameter: see Documentation/bench.rst for
    /// how it was chosen.
    pub(crate) const HANDOFF_NS: u32 = 30_000;

    /// The defaults with the handoff cost `handoff_ns` (module parameter `handoff_ns`) and
    /// the lane cap `lane_max`.
    pub(crate) const fn with(handoff_ns: u32, lane_max: u32) -> Self {
        Tuning {
            lane_wake_ns: handoff_ns,
            inline_ns: handoff_ns,
            lane_max,
            ..Self::DEFAULT
        }
    }
}

impl Default for Tuning {
    fn default() -> Self {
        Self::DEFAULT
    }
}
