// SPDX-License-Identifier: GPL-2.0

//! The padata engine: parallel execution with strictly ordered serial completion.
//!
//! This module is compiled into every crate root of the project (`rust_padata` and
//! `rust_pcrypt`); it contains no `unsafe` code. Everything it needs from the kernel that the
//! 7.3 `kernel` crate lacks comes from safe wrappers in [`crate::kext`].
//!
//! - [`Instance`]: workqueues and cpumasks (C: `struct padata_instance`);
//! - [`Shell`]: an ordered series of [`Job`]s on an instance (C: `struct padata_shell`);
//! - [`do_multithreaded`]: split a range over several threads (C:
//!   `padata_do_multithreaded()`).

mod instance;
mod mt;
pub(crate) mod probe;
pub(crate) mod seq;
mod shell;
#[cfg(padata_kunit)]
mod tests;
mod util;

pub(crate) use instance::{new_hotplug_state, HotplugState, Instance, InstanceInner, MaskType};
pub(crate) use mt::{do_multithreaded, MtJob};
pub(crate) use probe::{lane_cap, set_lane_max};
pub(crate) use shell::{
    next_poll_ns, poll_max_ns, Job, Shell, Ticket, DEFAULT_INLINE_NS, DEFAULT_INLINE_SOLO_NS,
    DEFAULT_LANE_MAX, DEFAULT_LANE_UNBOUND_DEPTH, DEFAULT_LANE_WAKE_NS,
    DEFAULT_SERIAL_LINGER_MAX_NS, DEFAULT_SERIAL_LINGER_NS, INLINE_NS, INLINE_SOLO_NS, LANE_MAX,
    LANE_UNBOUND_DEPTH, LANE_WAKE_NS, SERIAL_LINGER_MAX_NS, SERIAL_LINGER_NS, WINDOW,
};
pub(crate) use util::kvec_of;
