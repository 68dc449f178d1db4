// SPDX-License-Identifier: GPL-2.0

//! rpd_hwsim: a test-only AEAD template that behaves like a small hardware crypto engine.
//!
//! `rpd_hwsim(X)` wraps a synchronous AEAD `X`. Its engine holds [`RING`] requests at a time
//! and reports them complete from an hrtimer [`IRQ_DELAY`] after they entered it, in hard-IRQ
//! context (deferred on PREEMPT_RT, as interrupt handlers are there), as many crypto drivers
//! do from their interrupt handler. When the ring is full, requests whose callers allow
//! backlogging get `-EBUSY`, wait on a backlog and are told `-EINPROGRESS` when they enter
//! the ring; other callers get `-ENOSPC`, as from `crypto_enqueue_request()`. The data path
//! is the real one: `X` runs in the submitter's context before the request is queued, and
//! only its result waits for the interrupt.
//!
//! On PREEMPT_RT the timer runs in softirq context, where the counter of completions in hard
//! IRQ stays at 0 and lockdep may see the timer's expiry lock and the engine's lock taken in
//! both orders (`Engine::arm` cancels a finished timer under the engine's lock): the test
//! device is meant for the non-RT kernels of `make check` and `make stress`.
//!
//! It exists so that `make check` and `make stress` can run pcrypt over an inner algorithm
//! that completes from hard IRQ and pushes back (`pcrypt(rpd_hwsim(X))`), see
//! `guest/tests/35-hwsim.sh`. The counters under `/sys/kernel/rpd_hwsim/stats/` show which
//! paths were taken.

// Every item has a doc comment; `make lint` (clippy) enforces it.
#![warn(clippy::missing_docs_in_private_items)]

use kernel::{
    impl_has_hr_timer, new_spinlock_irq,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, ArcBorrow, SpinLockIrq,
    },
    time::{
        hrtimer::{
            ArcHrTimerHandle, HrTimer, HrTimerCallback, HrTimerCallbackContext, HrTimerPointer,
            HrTimerRestart, RelativeMode,
        },
        Delta, Monotonic,
    },
};

#[cfg_attr(
    not(rpd_dead_code_check),
    allow(
        dead_code,
        unused_imports,
        unused_macros,
        reason = "shared wrappers; the test device uses part of them"
    )
)]
#[path = "../kext/mod.rs"]
mod kext;

use kext::{
    crypto::{AeadTemplate, Backlogged, Dir, NewRequest, Request, Submitted, Template},
    sched::in_hardirq,
    sysfs::{Attributes, Kset, PageWriter, SysfsDir},
};

module! {
    type: RpdHwsim,
    name: "rpd_hwsim",
    authors: ["rust-padata developers"],
    description: "Test only: AEAD template rpd_hwsim, a small engine completing from hard IRQ",
    license: "GPL",
    alias: ["crypto-rpd_hwsim", "rpd_hwsim"],
}

/// Requests the engine holds at once, like the ring of a small crypto accelerator: few enough
/// that tcrypt's 32 requests in flight fill it and reach the backlog.
const RING: usize = 4;

/// Time from a request entering the ring to its completion interrupt. Any value works (a
/// kernel without high-resolution timers rounds it up to its next tick).
const IRQ_DELAY: Delta = Delta::from_micros(20);

/// Most requests one interrupt completes, refilling the ring from the backlog, like a NAPI
/// budget. Any value works; more means fewer interrupts on a kernel with coarse timers.
const IRQ_BUDGET: usize = 64;

/// Counters of the paths taken, for all instances (`/sys/kernel/rpd_hwsim/stats/`).
struct Counters {
    /// Requests submitted.
    submitted: Atomic<u64>,
    /// Requests answered `-EBUSY` and put on the backlog.
    backlogged: Atomic<u64>,
    /// Requests refused with `-ENOSPC` (full, and the caller does not allow backlogging).
    refused: Atomic<u64>,
    /// Backlogged requests that entered the ring (`-EINPROGRESS` notifications).
    started: Atomic<u64>,
    /// Requests completed from the timer, in hard-IRQ context.
    irq_completed: Atomic<u64>,
}

/// The counters of the module.
static COUNTERS: Counters = Counters {
    submitted: Atomic::new(0),
    backlogged: Atomic::new(0),
    refused: Atomic::new(0),
    started: Atomic::new(0),
    irq_completed: Atomic::new(0),
};

/// One of the [`Counters`].
#[derive(Clone, Copy)]
enum Counter {
    /// [`Counters::submitted`].
    Submitted,
    /// [`Counters::backlogged`].
    Backlogged,
    /// [`Counters::refused`].
    Refused,
    /// [`Counters::started`].
    Started,
    /// [`Counters::irq_completed`].
    IrqCompleted,
}

impl Counters {
    /// The counter `c`.
    fn get(&self, c: Counter) -> &Atomic<u64> {
        match c {
            Counter::Submitted => &self.submitted,
            Counter::Backlogged => &self.backlogged,
            Counter::Refused => &self.refused,
            Counter::Started => &self.started,
            Counter::IrqCompleted => &self.irq_completed,
        }
    }
}

/// A request in the ring: computed, waiting for its completion interrupt.
struct Done {
    /// The caller's request.
    req: Request<Hwsim>,
    /// What the inner algorithm returned.
    err: i32,
}

/// A request on the backlog: computed, its caller told `-EBUSY`.
struct Waiting {
    /// The caller's request.
    req: Backlogged<Hwsim>,
    /// What the inner algorithm returned.
    err: i32,
}

/// Where a submission goes, reserved before its request is computed.
#[derive(Clone, Copy)]
enum Place {
    /// A place in the ring.
    Ring,
    /// A place on the backlog.
    Backlog,
}

/// The engine's queues, under [`Engine::state`].
struct EngineState {
    /// Requests in the ring (capacity [`RING`], never grown).
    ring: KVec<Done>,
    /// Backlogged requests, oldest first.
    backlog: KVec<Waiting>,
    /// Ring places taken: requests in `ring` plus places reserved by submitters.
    taken: usize,
    /// Backlog places reserved by submitters (`backlog` has capacity for them).
    backlog_reserved: usize,
    /// Whether the timer will fire again.
    armed: bool,
    /// The handle of the timer's last start; dropping it cancels the timer, so it is only
    /// replaced while the timer is stopped (`armed` false).
    timer: Option<ArcHrTimerHandle<Engine>>,
}

/// The simulated engine of one `rpd_hwsim(X)` instance.
#[pin_data]
struct Engine {
    /// The queues; interrupts are off while it is held, since the timer takes it.
    #[pin]
    state: SpinLockIrq<EngineState>,
    /// The completion interrupt.
    #[pin]
    timer: HrTimer<Engine>,
}

// Not `RelativeHardMode`: like a driver's interrupt handler, the callback runs in hard IRQ
// except on PREEMPT_RT, where it is deferred (handlers are threaded there), so it may take
// `spinlock_t` locks, as the engine's completion path does. Lockdep checks exactly that.
impl_has_hr_timer! {
    impl HasHrTimer<Self> for Engine {
        mode: RelativeMode<Monotonic>, field: self.timer
    }
}

impl Engine {
    /// Makes sure the timer fires: starts it unless it is armed.
    fn arm(this: &Arc<Self>, s: &mut EngineState) {
        if s.armed {
            return;
        }
        s.armed = true;
        // The timer is stopped: its callback cleared `armed`, under this lock, as its last
        // step. Dropping the old handle therefore cancels nothing; at most it waits for that
        // callback to return, which needs nothing we hold.
        drop(s.timer.take());
        s.timer = Some(this.clone().start(IRQ_DELAY));
    }

    /// Gives back a place reserved by a submission that did not use it.
    fn release(&self, place: Place) {
        let mut s = self.state.lock();
        match place {
            Place::Ring => s.taken -= 1,
            Place::Backlog => s.backlog_reserved -= 1,
        }
    }
}

impl HrTimerCallback for Engine {
    type Pointer<'a> = Arc<Self>;

    fn run(this: ArcBorrow<'_, Self>, mut ctx: HrTimerCallbackContext<'_, Self>) -> HrTimerRestart {
        // Like a NAPI poll: the interrupt handles up to `IRQ_BUDGET` requests, refilling the
        // ring from the backlog as it empties (requests are computed when queued, so a
        // request that enters the ring is done at once).
        let mut budget = IRQ_BUDGET;
        while budget > 0 {
            let handled = Self::handle_ring(&this);
            if handled == 0 {
                break;
            }
            budget = budget.saturating_sub(handled);
        }
        let mut s = this.state.lock();
        if s.ring.is_empty() && s.backlog.is_empty() {
            s.armed = false;
            HrTimerRestart::NoRestart
        } else {
            ctx.forward_now(IRQ_DELAY);
            HrTimerRestart::Restart
        }
    }
}

impl Engine {
    /// Completes the requests in the ring and moves as many backlogged requests into it,
    /// telling their callers. Returns the number of requests completed.
    fn handle_ring(&self) -> usize {
        let mut done: [Option<Done>; RING] = [const { None }; RING];
        let mut started: [Option<Waiting>; RING] = [const { None }; RING];
        let n = {
            let mut s = self.state.lock();
            // Oldest first, as a ring completes.
            for (slot, d) in done.iter_mut().zip(s.ring.drain_all()) {
                *slot = Some(d);
            }
            let n = done.iter().flatten().count();
            s.taken -= n;
            for slot in started.iter_mut() {
                if s.taken == RING || s.backlog.is_empty() {
                    break;
                }
                // O(backlog) with interrupts off: fine for a test device, whose backlog is
                // bounded by its callers' requests in flight.
                *slot = s.backlog.remove(0).ok();
                s.taken += 1;
            }
            n
        };
        // The callbacks run without the lock: a caller may submit again from its callback.
        for d in done.into_iter().flatten() {
            if in_hardirq() {
                COUNTERS.irq_completed.fetch_add(1, Relaxed);
            }
            d.req.complete(d.err);
        }
        for w in started.into_iter().flatten() {
            COUNTERS.started.fetch_add(1, Relaxed);
            let req = w.req.start();
            // The place was taken above, so the ring has room.
            if let Err(e) = self
                .state
                .lock()
                .ring
                .push_within_capacity(Done { req, err: w.err })
            {
                let Done { req, err } = e.0;
                req.complete(err);
            }
        }
        n
    }
}

/// State of one `rpd_hwsim(X)` instance.
struct HwsimInstance {
    /// Its engine.
    engine: Arc<Engine>,
}

impl Drop for HwsimInstance {
    fn drop(&mut self) {
        // The timer's handle holds the engine: cancel the timer and break the cycle. No
        // request is left (an instance is freed after its last transform).
        let handle = self.engine.state.lock().timer.take();
        drop(handle);
    }
}

/// The `rpd_hwsim` template.
struct Hwsim;

impl AeadTemplate for Hwsim {
    type Instance = HwsimInstance;
    type Tfm = ();
    type Pending = ();

    // The engine runs the inner algorithm in the submitter's context and only reports later.
    const SYNC_CHILD: bool = true;

    fn new_instance(&self) -> Result<HwsimInstance> {
        let state = EngineState {
            ring: KVec::with_capacity(RING, GFP_KERNEL)?,
            backlog: KVec::new(),
            taken: 0,
            backlog_reserved: 0,
            armed: false,
            timer: None,
        };
        let engine = Arc::pin_init(
            pin_init!(Engine {
                state <- new_spinlock_irq!(state, "rpd_hwsim::Engine::state"),
                timer <- HrTimer::new(),
            }),
            GFP_KERNEL,
        )?;
        Ok(HwsimInstance { engine })
    }

    fn new_tfm(_inst: &HwsimInstance) -> Result {
        Ok(())
    }

    fn submit<'s>(
        inst: &HwsimInstance,
        _tfm: &(),
        req: NewRequest<'s, Self>,
        dir: Dir,
    ) -> Submitted<'s> {
        COUNTERS.submitted.fetch_add(1, Relaxed);
        let engine = &inst.engine;
        // A place first, before anything is computed: a refused request must be unchanged.
        // Once requests wait on the backlog, new ones queue behind them, as with
        // `crypto_enqueue_request()`.
        let place = {
            let mut s = engine.state.lock();
            if s.taken < RING && s.backlog.is_empty() && s.backlog_reserved == 0 {
                s.taken += 1;
                Ok(Place::Ring)
            } else if !req.may_backlog() {
                Err(ENOSPC)
            } else {
                let more = s.backlog_reserved + 1;
                match s.backlog.reserve(more, GFP_ATOMIC) {
                    Ok(()) => {
                        s.backlog_reserved += 1;
                        Ok(Place::Backlog)
                    }
                    Err(_) => Err(ENOMEM),
                }
            }
        };
        let place = match place {
            Ok(p) => p,
            Err(e) => {
                COUNTERS.refused.fetch_add(1, Relaxed);
                return req.refuse(e);
            }
        };
        // The engine computes: the synchronous inner algorithm, here and now.
        let (req, (), err) = match req.run_child(dir, ()) {
            Ok(done) => done,
            Err(answer) => {
                // Asynchronous after all; its completion finishes the request.
                engine.release(place);
                return answer;
            }
        };
        // The result waits for the completion interrupt.
        match place {
            Place::Ring => {
                let (req, accepted) = req.accept();
                let mut s = engine.state.lock();
                if let Err(e) = s.ring.push_within_capacity(Done { req, err }) {
                    // Cannot happen: the place was reserved. Complete it now.
                    drop(s);
                    let Done { req, err } = e.0;
                    req.complete(err);
                    engine.release(place);
                    return accepted.in_progress();
                }
                Engine::arm(engine, &mut s);
                accepted.in_progress()
            }
            Place::Backlog => match req.backlog() {
                Ok((req, answer)) => {
                    COUNTERS.backlogged.fetch_add(1, Relaxed);
                    let mut s = engine.state.lock();
                    s.backlog_reserved -= 1;
                    // Within capacity: `reserve` above made room for every reservation.
                    if let Err(e) = s.backlog.push_within_capacity(Waiting { req, err }) {
                        drop(s);
                        // Cannot happen; dropping notifies and completes with `EIO`.
                        drop(e);
                        return answer;
                    }
                    Engine::arm(engine, &mut s);
                    answer
                }
                Err(req) => {
                    // Cannot happen: only callers that allow backlogging get a backlog place.
                    engine.release(place);
                    let (req, accepted) = req.accept();
                    req.complete(err);
                    accepted.in_progress()
                }
            },
        }
    }

    fn child_done(req: Request<Self>, _pending: (), err: i32) {
        req.complete(err);
    }
}

/// The files of `/sys/kernel/rpd_hwsim/stats/`: one counter each. Writing `0` resets it.
struct StatsFiles;

impl Attributes for StatsFiles {
    type File = Counter;

    const FILES: &'static [(&'static CStr, Counter)] = &[
        (c"submitted", Counter::Submitted),
        (c"backlogged", Counter::Backlogged),
        (c"refused", Counter::Refused),
        (c"started", Counter::Started),
        (c"irq_completed", Counter::IrqCompleted),
    ];

    fn show(&self, c: Counter, out: &mut PageWriter<'_>) -> Result {
        use core::fmt::Write;
        writeln!(out, "{}", COUNTERS.get(c).load(Relaxed)).map_err(|_| EINVAL)
    }

    fn store(&self, c: Counter, input: &[u8]) -> Result {
        match input {
            b"0" | b"0\n" => {
                COUNTERS.get(c).store(0, Relaxed);
                Ok(())
            }
            _ => Err(EINVAL),
        }
    }
}

/// Module state of `rpd_hwsim`.
struct RpdHwsim {
    /// The registered template; dropped first (unregistering frees all its instances).
    _template: Pin<KBox<Template<Hwsim>>>,
    /// `/sys/kernel/rpd_hwsim/stats/`.
    _stats: SysfsDir<StatsFiles>,
    /// `/sys/kernel/rpd_hwsim/`.
    _kset: Kset,
}

impl kernel::Module for RpdHwsim {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let kset = Kset::new_in_kernel(c"rpd_hwsim")?;
        let stats = SysfsDir::new(&kset, c"stats", StatsFiles)?;
        let template = Template::register(c"rpd_hwsim", module, Hwsim)?;
        Ok(RpdHwsim {
            _template: template,
            _stats: stats,
            _kset: kset,
        })
    }
}
