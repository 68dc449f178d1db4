// SPDX-License-Identifier: GPL-2.0

//! CPU hotplug: a dynamic multi-instance hotplug state and its instances, plus
//! `cpus_read_lock()`.
//!
//! C header: [`include/linux/cpuhotplug.h`](srctree/include/linux/cpuhotplug.h)

use core::{marker::PhantomData, pin::Pin};
use kernel::{bindings, cpu::CpuId, prelude::*, sync::Arc, types::Opaque};

/// What an instance of a hotplug state does when a CPU comes or goes.
pub(crate) trait Hotplug: Send + Sync + 'static {
    /// CPU `cpu` came online (runs on that CPU, after it is set in `cpu_online_mask`).
    fn online(&self, cpu: CpuId) -> Result;
    /// CPU `cpu` is going offline (runs on that CPU, while it is still in
    /// `cpu_online_mask`). An error aborts the offline operation.
    fn offline(&self, cpu: CpuId) -> Result;
}

/// A dynamic (`CPUHP_AP_ONLINE_DYN`) multi-instance hotplug state, removed on drop.
///
/// # Invariants
///
/// `state` is a state allocated by `__cpuhp_setup_state()` for this object, whose multi-
/// instance callbacks are [`startup::<T>`] and [`teardown::<T>`].
pub(crate) struct HpState<T: Hotplug> {
    /// The allocated dynamic hotplug state.
    state: bindings::cpuhp_state,
    /// The instances' data type.
    _p: PhantomData<T>,
}

/// One registered instance of a hotplug state; unregistered on drop.
///
/// # Invariants
///
/// `node` is added to `state` (whose callbacks expect a `Node<T>`) until drop.
pub(crate) struct HpInstance<T: Hotplug> {
    /// The registered node, pinned until removal.
    node: Pin<KBox<Node<T>>>,
    /// The state the node is added to; kept alive by this reference.
    state: Arc<HpState<T>>,
}

// SAFETY: The node is only touched by cpuhp, under its own lock; `T` is `Send + Sync`.
unsafe impl<T: Hotplug> Send for HpInstance<T> {}
// SAFETY: `HpInstance` only hands out `&T` through a shared reference; `T` is `Sync`.
unsafe impl<T: Hotplug> Sync for HpInstance<T> {}

/// The `hlist_node` cpuhp links an instance by, and the data the callbacks get.
#[pin_data]
struct Node<T> {
    /// The link cpuhp keeps the instance on.
    #[pin]
    link: Opaque<bindings::hlist_node>,
    /// What the callbacks act on.
    data: T,
}

/// Recovers the `Node<T>` of a `hlist_node` handed to a callback.
///
/// # Safety
///
/// `node` must be the `link` of a live `Node<T>`.
unsafe fn node_data<'a, T>(node: *mut bindings::hlist_node) -> &'a T {
    // SAFETY: By the function's requirements `node` is the `link` field of a `Node<T>`.
    let n = unsafe { kernel::container_of!(Opaque::cast_from(node), Node<T>, link) };
    // SAFETY: The node is live for the duration of the callback (it is only freed after
    // `__cpuhp_state_remove_instance()` returned, which waits for running callbacks).
    unsafe { &(*n).data }
}

/// Multi-instance startup callback.
///
/// # Safety
///
/// Only called by cpuhp for instances of a state set up with these callbacks for `T`.
unsafe extern "C" fn startup<T: Hotplug>(cpu: u32, node: *mut bindings::hlist_node) -> i32 {
    // SAFETY: cpuhp passes the `link` of a `Node<T>` added to this state.
    let data = unsafe { node_data::<T>(node) };
    // SAFETY: cpuhp runs the callbacks of a CPU it brings up, whose id is a possible CPU's
    // and so below `nr_cpu_ids` (`cpuhp_invoke_callback()` is only reached through
    // `cpu_up()`/`cpuhp_thread_fun()` of such a CPU, or `cpuhp_issue_call()` iterating
    // `for_each_present_cpu()`).
    let cpu = unsafe { CpuId::from_u32_unchecked(cpu) };
    match data.online(cpu) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Multi-instance teardown callback.
///
/// # Safety
///
/// Only called by cpuhp for instances of a state set up with these callbacks for `T`.
unsafe extern "C" fn teardown<T: Hotplug>(cpu: u32, node: *mut bindings::hlist_node) -> i32 {
    // SAFETY: cpuhp passes the `link` of a `Node<T>` added to this state.
    let data = unsafe { node_data::<T>(node) };
    // SAFETY: As in `startup`: the CPU being taken down is a possible CPU, below
    // `nr_cpu_ids`.
    let cpu = unsafe { CpuId::from_u32_unchecked(cpu) };
    match data.offline(cpu) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Type of the single-instance callback slot the multi-instance callbacks are stored in.
type SingleCb = unsafe extern "C" fn(u32) -> i32;
/// Type of a multi-instance callback.
type MultiCb = unsafe extern "C" fn(u32, *mut bindings::hlist_node) -> i32;

impl<T: Hotplug> HpState<T> {
    /// Allocates a dynamic hotplug state named `name` (shown in
    /// `/sys/devices/system/cpu/hotplug/states`).
    pub(crate) fn new(name: &'static CStr) -> Result<Arc<Self>> {
        // SAFETY: As `cpuhp_setup_state_multi()` does in C: the multi-instance callbacks are
        // passed in the single-instance slots; cpuhp stores them in a union and, for a multi-
        // instance state, only ever calls them through the multi-instance type `MultiCb`,
        // which is their real type.
        let (up, down) = unsafe {
            (
                core::mem::transmute::<MultiCb, SingleCb>(startup::<T>),
                core::mem::transmute::<MultiCb, SingleCb>(teardown::<T>),
            )
        };
        // SAFETY: `name` is a static NUL-terminated string; the callbacks are valid for the
        // whole life of the state (they are functions of this module, which removes the
        // state before it is unloaded). `invoke` is false: nothing runs now.
        let ret = unsafe {
            bindings::__cpuhp_setup_state(
                bindings::cpuhp_state_CPUHP_AP_ONLINE_DYN,
                name.as_char_ptr(),
                false,
                Some(up),
                Some(down),
                true,
            )
        };
        kernel::error::to_result(ret)?;
        // INVARIANT: For the dynamic state, a non-negative return is the allocated state.
        Ok(Arc::new(
            Self {
                state: ret as bindings::cpuhp_state,
                _p: PhantomData,
            },
            GFP_KERNEL,
        )?)
    }

    /// Adds an instance whose callbacks get `data`, without invoking them now.
    pub(crate) fn add(self: &Arc<Self>, data: T) -> Result<HpInstance<T>> {
        let node = KBox::pin_init(
            pin_init!(Node {
                link: Opaque::uninit(),
                data,
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: `node.link` is pinned in a box that `HpInstance` keeps until it removes the
        // instance again; the state's callbacks expect exactly a `Node<T>`.
        let ret =
            unsafe { bindings::__cpuhp_state_add_instance(self.state, node.link.get(), false) };
        kernel::error::to_result(ret)?;
        // INVARIANT: the node was added to the state.
        Ok(HpInstance {
            node,
            state: self.clone(),
        })
    }
}

impl<T: Hotplug> Drop for HpState<T> {
    fn drop(&mut self) {
        // SAFETY: The state was set up by `new`; no instance is left, since every
        // `HpInstance` holds a reference to this object.
        unsafe { bindings::__cpuhp_remove_state(self.state, false) };
    }
}

impl<T: Hotplug> Drop for HpInstance<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants the node was added to `state`. Removal waits for
        // callbacks in progress (it takes the hotplug lock), so the node may be freed after.
        unsafe {
            bindings::__cpuhp_state_remove_instance(self.state.state, self.node.link.get(), false)
        };
    }
}

/// Runs `f` with CPU hotplug held off (`cpus_read_lock()`), so the online mask is stable.
pub(crate) fn with_cpus_read_lock<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: May sleep; the only requirement is to balance it, which is done below.
    unsafe { bindings::cpus_read_lock() };
    let r = f();
    // SAFETY: Balances the `cpus_read_lock()` above.
    unsafe { bindings::cpus_read_unlock() };
    r
}
