// SPDX-License-Identifier: GPL-2.0

//! padata instances: the workqueues and cpumasks that shells run on.

use super::tuning::Tuning;
use crate::kext::{
    cpuhp::{with_cpus_read_lock, Hotplug, HpInstance, HpState},
    cpumask::{AtomicCpuSet, CpuSet},
    spinlock_bh::{new_spinlock_bh, SpinLockBh},
    workqueue::{ClosureWork, Kind, OwnedQueue},
};
use kernel::{
    cpu::CpuId,
    debugfs::Dir,
    new_mutex,
    prelude::*,
    revocable::Revocable,
    sync::{
        atomic::{Acquire, Atomic, Release},
        Arc, Mutex,
    },
};

/// Which of an instance's two cpumasks an operation applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MaskType {
    /// CPUs that run the parallel parts (`PADATA_CPU_PARALLEL`, `parallel_cpumask`).
    Parallel,
    /// CPUs allowed as callback CPUs for the serial parts (`PADATA_CPU_SERIAL`,
    /// `serial_cpumask`).
    Serial,
}

/// What a submission needs to know about its instance, copied into every shell and refreshed
/// when [`InstanceInner::gen`] changes.
#[derive(Clone, Copy)]
pub(crate) struct Snapshot {
    /// Usable parallel CPUs: the user's parallel mask AND the online CPUs.
    pub(crate) pcpu: CpuSet,
    /// How many CPUs `pcpu` holds, at least 1: what the lane and split decisions count as
    /// the usable parallel CPUs, counted once here rather than in every submission (a scan
    /// of `nr_cpu_ids` bits).
    pub(crate) pcpus: u32,
    /// Usable callback CPUs: the user's serial mask AND the online CPUs.
    pub(crate) cbcpu: CpuSet,
    /// The user's parallel mask contains every possible CPU, so a parallel part may run on
    /// whichever online CPU the scheduler picks.
    pub(crate) pcpu_any: bool,
    /// Started and both masks valid (C: `PADATA_INIT` set and `PADATA_INVALID` clear).
    pub(crate) running: bool,
    /// A reconfiguration is being applied (C: `PADATA_RESET`).
    pub(crate) reset: bool,
}

/// Configuration owned by the instance, changed under [`InstanceInner::config`].
struct Config {
    /// The user's parallel mask, as written (not ANDed with the online CPUs).
    user_pcpu: CpuSet,
    /// The user's serial mask, as written.
    user_cbcpu: CpuSet,
    /// Stopped by [`Instance::stop`] until [`Instance::start`]; neither a cpumask change nor
    /// CPU hotplug starts it again.
    stopped: bool,
    /// `PADATA_INVALID`: one of the masks has no online CPU (cleared again when both have
    /// one, which restarts the instance as in C).
    invalid: bool,
    /// The [`Instance`] is being dropped (set before its shells drain and its workqueues
    /// are revoked): submissions fail with `EINVAL` and the [`Gate`] stays closed whatever
    /// is published later.
    gone: bool,
}

/// What [`super::Shell::do_direct`] reads of the instance without a lock: whether jobs may
/// run now and the usable masks, published with each [`Snapshot`].
///
/// A direct job that reads the gate while a reconfiguration publishes a new one may run
/// under the old masks, as a job submitted just before the change would (jobs in flight
/// keep their CPUs, see [`InstanceInner::set_cpumask`]); one that starts after the
/// publication returned sees it whole (the release store of `open` after the masks).
pub(crate) struct Gate {
    /// 1 while the instance runs ([`Snapshot::running`]), is not being reconfigured
    /// ([`Snapshot::reset`]) and is not gone; else 0. Stored last, with release.
    open: Atomic<u32>,
    /// As [`Snapshot::pcpu`].
    pcpu: AtomicCpuSet,
    /// As [`Snapshot::cbcpu`].
    cbcpu: AtomicCpuSet,
}

impl Gate {
    /// Whether a job may run now on CPU `here` for callback CPU `cb_cpu`: the instance is
    /// open, `here` is a usable parallel CPU and `cb_cpu` a usable callback CPU.
    pub(crate) fn admits(&self, here: u32, cb_cpu: u32) -> bool {
        self.open.load(Acquire) != 0 && self.pcpu.test(here) && self.cbcpu.test(cb_cpu)
    }
}

/// What an [`Instance`]'s drop needs of each of its shells.
pub(crate) trait Drain: Send + Sync {
    /// Waits until every job submitted to the shell so far has finished its serial part.
    fn wait_idle(&self);
}

/// The state shared by an instance, its shells and their work items.
#[pin_data]
pub(crate) struct InstanceInner {
    /// The parallel and serial workqueues; revoked, which destroys them, when
    /// the [`Instance`] is dropped, once its shells have no job in flight.
    #[pin]
    pub(crate) queues: Revocable<Queues>,
    /// The instance's live shells, which its drop waits for ([`InstanceInner::register`]).
    #[pin]
    shells: Mutex<KVec<Arc<dyn Drain>>>,
    /// Serialises configuration changes (sysfs writes, hotplug, start/stop).
    #[pin]
    config: Mutex<Config>,
    /// The current [`Snapshot`]; published by bumping [`InstanceInner::gen`].
    #[pin]
    snapshot: SpinLockBh<Snapshot>,
    /// Generation of `snapshot`; shells compare it on every submission (a read-mostly
    /// cacheline) and copy the snapshot only when it changed.
    pub(crate) gen: Atomic<u32>,
    /// The snapshot's conditions for direct jobs, readable without a lock.
    pub(crate) gate: Gate,
    /// Thresholds of the placement and linger policies, fixed for the instance's life; each
    /// shell copies them when it is created.
    pub(crate) tuning: Tuning,
}

/// The workqueues of an instance: two for parallel parts (bound and unbound), one for serial
/// parts.
pub(crate) struct Queues {
    /// Runs the parallel parts; per-CPU, work is only queued on usable parallel CPUs.
    pub(crate) parallel: OwnedQueue,
    /// Runs the parallel parts of deep bursts while the lanes are capped below the usable
    /// parallel CPUs, and lanes that yield, when the parallel mask allows every possible CPU
    /// ([`Snapshot::pcpu_any`]; see [`super::placement::pick_lane`]); unbound, so the
    /// scheduler places each lane on an idle CPU (as C's unbound `parallel_wq`).
    pub(crate) parallel_any: OwnedQueue,
    /// Runs the serial parts on their callback CPUs; per-CPU, and several serial workers
    /// (of different shells) may run at once on one CPU, so that no shell's serial worker
    /// waits behind another's.
    pub(crate) serial: OwnedQueue,
}

impl InstanceInner {
    /// The current snapshot and its generation.
    pub(crate) fn snapshot(&self) -> (u32, Snapshot) {
        let snap = self.snapshot.lock();
        (self.gen.load(Acquire), *snap)
    }

    /// Copies the current snapshot into `dst`, in place, and returns its generation: what a
    /// shell does on its submission path, where a snapshot returned by value would go
    /// through the stack (two `NR_CPUS`-bit masks, 2 KiB at `NR_CPUS=8192`).
    pub(crate) fn snapshot_into(&self, dst: &mut Snapshot) -> u32 {
        let snap = self.snapshot.lock();
        *dst = *snap;
        self.gen.load(Acquire)
    }

    /// Adds `shell` to the shells that the [`Instance`]'s drop waits for; `ENOMEM` if the
    /// list cannot grow. A shell registers when it is created and unregisters when it is
    /// dropped ([`InstanceInner::unregister`]): until then the list holds a reference to it,
    /// which the instance's drop releases.
    pub(crate) fn register(&self, shell: Arc<dyn Drain>) -> Result {
        self.shells.lock().push(shell, GFP_KERNEL)?;
        Ok(())
    }

    /// Removes `shell` from the list [`InstanceInner::register`] added it to, if it is still
    /// there (the instance's drop empties the list).
    pub(crate) fn unregister<T: Drain>(&self, shell: &Arc<T>) {
        let mut shells = self.shells.lock();
        let at = shells
            .iter()
            .position(|s| core::ptr::addr_eq(Arc::as_ptr(s), Arc::as_ptr(shell)));
        let gone = at.and_then(|i| shells.remove(i).ok());
        drop(shells);
        drop(gone);
    }

    /// Publishes a new snapshot computed from `cfg` and the online CPUs.
    fn publish(&self, cfg: &Config, reset: bool) {
        self.publish_excluding(cfg, reset, None);
    }

    /// Publishes a new snapshot computed from `cfg` and the online CPUs but `gone`.
    fn publish_excluding(&self, cfg: &Config, reset: bool, gone: Option<u32>) {
        let mut online = CpuSet::online();
        if let Some(cpu) = gone {
            online.clear(cpu);
        }
        let mut snap = self.snapshot.lock();
        snap.pcpu = cfg.user_pcpu.and(&online);
        snap.pcpus = snap.pcpu.weight().max(1);
        snap.cbcpu = cfg.user_cbcpu.and(&online);
        let possible = CpuSet::possible();
        snap.pcpu_any = cfg.user_pcpu.and(&possible) == possible;
        snap.running = !cfg.stopped && !cfg.invalid && !cfg.gone;
        snap.reset = reset;
        self.gate.pcpu.store(&snap.pcpu);
        self.gate.cbcpu.store(&snap.cbcpu);
        let open = snap.running && !reset;
        self.gate.open.store(u32::from(open), Release);
        let gen = self.gen.load(Acquire).wrapping_add(1);
        self.gen.store(gen, Release);
    }

    /// The user's cpumask of the given type, as last written.
    pub(crate) fn cpumask(&self, which: MaskType) -> CpuSet {
        let cfg = self.config.lock();
        match which {
            MaskType::Parallel => cfg.user_pcpu,
            MaskType::Serial => cfg.user_cbcpu,
        }
    }

    /// Replaces one cpumask (C: `padata_set_cpumask()`).
    ///
    /// Jobs in flight are neither lost nor reordered: they keep their sequence numbers and
    /// callback CPUs; only new submissions see the new masks. A mask with no online CPU is
    /// accepted and stops the instance (later submissions fail with `EINVAL`); a valid mask
    /// restarts it, as in C.
    pub(crate) fn set_cpumask(&self, which: MaskType, mask: &CpuSet) -> Result {
        // Hotplug is held off so the online mask cannot change under us (as C does).
        with_cpus_read_lock(|| {
            let mut cfg = self.config.lock();
            match which {
                MaskType::Parallel => cfg.user_pcpu = *mask,
                MaskType::Serial => cfg.user_cbcpu = *mask,
            }
            self.apply(&mut cfg);
        });
        Ok(())
    }

    /// Applies the configuration: validates the masks and publishes the snapshot.
    fn apply(&self, cfg: &mut Config) {
        self.apply_excluding(cfg, None);
    }

    /// Like [`Self::apply`], treating CPU `gone` (being unplugged) as offline.
    fn apply_excluding(&self, cfg: &mut Config, gone: Option<u32>) {
        let mut online = CpuSet::online();
        if let Some(cpu) = gone {
            online.clear(cpu);
        }
        let pvalid = !cfg.user_pcpu.and(&online).is_empty();
        let svalid = !cfg.user_cbcpu.and(&online).is_empty();
        // As C's __padata_set_cpumasks(): an invalid mask stops the instance, valid masks
        // (re)start it, unless it was stopped explicitly.
        cfg.invalid = !(pvalid && svalid);
        self.publish_excluding(cfg, false, gone);
    }
}

/// A padata instance (C: `struct padata_instance`).
///
/// Owns two parallel workqueues and a serial one. Parallel work goes to a per-CPU one,
/// queued only on usable parallel CPUs, or, while the parallel mask allows every CPU, in
/// deep bursts of capped lanes and when a lane yields, to an unbound one (see
/// [`super::placement::pick_lane`]); serial work to the jobs' callback CPUs. (C uses one
/// unbound parallel workqueue pinned with `apply_workqueue_attrs()`, which modules cannot
/// call.) Both user cpumasks default to all possible CPUs; the usable masks are the user
/// masks ANDed with the online CPUs.
pub(crate) struct Instance {
    /// State shared with shells and work items.
    inner: Arc<InstanceInner>,
    /// Registration with the CPU hotplug state, if any; removed on drop once the shells'
    /// jobs in flight finished, before the workqueues are destroyed.
    hp: Option<HpInstance<InstanceHp>>,
    /// The instance's debugfs directory (`<registry>/<name>/`), if it has a registry; its
    /// shells show their counters in subdirectories.
    pub(super) debugfs: Option<Dir>,
    /// Number of the next shell, the name of its debugfs directory.
    pub(super) next_shell: Atomic<u32>,
}

/// What a hotplug callback of an instance acts on.
pub(crate) struct InstanceHp(Arc<InstanceInner>);

impl Hotplug for InstanceHp {
    fn online(&self, _cpu: CpuId) -> Result {
        self.0.apply(&mut self.0.config.lock());
        Ok(())
    }

    fn offline(&self, cpu: CpuId) -> Result {
        // The CPU is still in cpu_online_mask while its teardown callbacks run.
        self.0
            .apply_excluding(&mut self.0.config.lock(), Some(cpu.as_u32()));
        Ok(())
    }
}

/// The CPU hotplug state instances register with (one per module; C: the
/// `CPUHP_AP_ONLINE_DYN` multi-instance state of padata).
type HotplugState = HpState<InstanceHp>;

/// What a module registers its instances with (one per module): the CPU hotplug state their
/// usable masks follow and the debugfs directory their counters are shown in.
pub(crate) struct Registry {
    /// The hotplug state (C: the `CPUHP_AP_ONLINE_DYN` multi-instance state of padata).
    hp: Arc<HotplugState>,
    /// `/sys/kernel/debug/<name>/`, if enabled: a directory per instance, a subdirectory per
    /// shell (see Documentation/ABI/testing/debugfs-rust-padata).
    debugfs: Option<Dir>,
}

impl Registry {
    /// Allocates the hotplug state, named `hp_name` in
    /// `/sys/devices/system/cpu/hotplug/states` (for example `c"rust_pcrypt:online"`), and,
    /// with `debugfs_name` (the module's name), the debugfs directory. Without it (or without
    /// debugfs, or if the directory cannot be created) the instances work the same,
    /// unobserved.
    ///
    /// The 7.3 kernel crate's debugfs files carry no module owner (`file_operations.owner` is
    /// NULL), so an open file does not pin the module: closing one after the module was
    /// unloaded calls into freed code. The crate roots therefore create the directory only
    /// when the user asks for it (`debugfs=1`).
    pub(crate) fn new(hp_name: &'static CStr, debugfs_name: Option<&CStr>) -> Result<Self> {
        Ok(Registry {
            hp: HpState::new(hp_name)?,
            debugfs: debugfs_name.map(Dir::new),
        })
    }
}

impl Instance {
    /// Allocates and starts an instance; `name` prefixes the workqueue names and names its
    /// debugfs directory. With a registry `reg`, the usable masks follow CPU hotplug and the
    /// shells' counters are in debugfs; without, the masks are re-evaluated only on mask
    /// changes. `tuning` holds the thresholds of the instance's policies
    /// ([`Tuning::DEFAULT`] unless the user configured others).
    pub(crate) fn new(name: &CStr, reg: Option<&Registry>, tuning: Tuning) -> Result<Self> {
        let queues = Queues {
            parallel: OwnedQueue::new(name, c"_parallel", Kind::PerCpuIntensive)?,
            parallel_any: OwnedQueue::new(name, c"_parallel_any", Kind::Unbound)?,
            serial: OwnedQueue::new(name, c"_serial", Kind::PerCpu)?,
        };
        // As C (padata_setup_cpumasks()): both user masks start as cpu_possible_mask.
        let possible = CpuSet::possible();
        let inner = Arc::pin_init(
            pin_init!(InstanceInner {
                queues <- Revocable::new(queues),
                shells <- new_mutex!(KVec::new()),
                config <- new_mutex!(Config {
                    user_pcpu: possible,
                    user_cbcpu: possible,
                    stopped: false,
                    invalid: false,
                    gone: false,
                }),
                snapshot <- new_spinlock_bh!(Snapshot {
                    pcpu: CpuSet::empty(),
                    pcpus: 1,
                    cbcpu: CpuSet::empty(),
                    pcpu_any: false,
                    running: false,
                    reset: false,
                }),
                gen: Atomic::new(0),
                gate: Gate {
                    open: Atomic::new(0),
                    pcpu: AtomicCpuSet::empty(),
                    cbcpu: AtomicCpuSet::empty(),
                },
                tuning,
            }),
            GFP_KERNEL,
        )?;
        let hp = match reg {
            Some(reg) => Some(reg.hp.add(InstanceHp(inner.clone()))?),
            None => None,
        };
        // After the registration, so no hotplug event can fall between the look at the
        // online CPUs and the first callback; under the hotplug lock, so none can run during
        // it.
        with_cpus_read_lock(|| inner.apply(&mut inner.config.lock()));
        Ok(Self {
            inner,
            hp,
            debugfs: reg
                .and_then(|reg| reg.debugfs.as_ref())
                .map(|dir| dir.subdir(name)),
            next_shell: Atomic::new(0),
        })
    }

    /// The shared state, for shells.
    pub(crate) fn inner(&self) -> &Arc<InstanceInner> {
        &self.inner
    }

    /// The user's cpumask of the given type, as last written.
    pub(crate) fn cpumask(&self, which: MaskType) -> CpuSet {
        self.inner.cpumask(which)
    }

    /// Replaces one cpumask; see [`InstanceInner::set_cpumask`].
    pub(crate) fn set_cpumask(&self, which: MaskType, mask: &CpuSet) -> Result {
        self.inner.set_cpumask(which, mask)
    }

    /// Runs `f` while the instance is marked as being reconfigured (C: `PADATA_RESET`), so
    /// submissions meanwhile fail with `EBUSY`. Used by tests.
    pub(crate) fn with_reset<R>(&self, f: impl FnOnce() -> R) -> R {
        let cfg = self.inner.config.lock();
        self.inner.publish(&cfg, true);
        let r = f();
        self.inner.publish(&cfg, false);
        r
    }

    /// Runs `f` once on the unbound parallel workqueue, so that concurrent submitters (tests
    /// and the microbenchmark use it for them) spread over the CPUs. The instance's drop
    /// waits for it.
    pub(crate) fn spawn(&self, f: impl FnOnce() + Send + 'static) -> Result {
        // Allocated before taking the queues' guard: it holds the RCU read lock.
        let work = ClosureWork::new(f, GFP_KERNEL)?;
        let q = self.inner.queues.try_access().ok_or(EINVAL)?;
        q.parallel_any.enqueue(work);
        Ok(())
    }

    /// Like [`Instance::spawn`], on CPU `cpu` (the per-CPU parallel workqueue).
    pub(crate) fn spawn_on(&self, cpu: CpuId, f: impl FnOnce() + Send + 'static) -> Result {
        let work = ClosureWork::new(f, GFP_KERNEL)?;
        let q = self.inner.queues.try_access().ok_or(EINVAL)?;
        q.parallel.enqueue_on(cpu, work);
        Ok(())
    }

    /// Stops the instance: later submissions fail with `EINVAL` until [`Instance::start`];
    /// jobs in flight complete. CPU hotplug and cpumask changes do not undo it.
    pub(crate) fn stop(&self) {
        // Under the hotplug lock, as every other publication: the online mask is stable.
        with_cpus_read_lock(|| {
            let mut cfg = self.inner.config.lock();
            cfg.stopped = true;
            self.inner.publish(&cfg, false);
        });
    }

    /// Starts a stopped instance again (only if both masks have an online CPU).
    pub(crate) fn start(&self) -> Result {
        with_cpus_read_lock(|| {
            let mut cfg = self.inner.config.lock();
            cfg.stopped = false;
            self.inner.apply(&mut cfg);
            if cfg.invalid {
                return Err(EINVAL);
            }
            Ok(())
        })
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // Submissions fail with `EINVAL` and direct jobs are refused from here on (for every
        // caller ordered after this). Under the hotplug lock, as every other publication: the
        // hotplug callbacks still run, so the masks follow the CPUs while jobs finish.
        with_cpus_read_lock(|| {
            let mut cfg = self.inner.config.lock();
            cfg.gone = true;
            self.inner.publish(&cfg, false);
        });
        // Jobs in flight finish on the workqueues first, in order (C frees the shells before
        // the instance: padata_free_shell(), then padata_free()). A shell dropped meanwhile
        // has waited for its own jobs and is no longer listed, or is waited for again at no
        // cost. Released outside the lock: it may be a shell's last reference.
        loop {
            let shell = self.inner.shells.lock().pop();
            let Some(shell) = shell else {
                break;
            };
            shell.wait_idle();
        }
        // No hotplug callback for this instance runs after this.
        drop(self.hp.take());
        // Destroys the workqueues after draining them, in this (process) context. Shells
        // still alive afterwards fail every submission with `EINVAL`.
        self.inner.queues.revoke();
    }
}
