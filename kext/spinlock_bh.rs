// SPDX-License-Identifier: GPL-2.0

//! A spinlock that disables bottom halves while it is held (`spin_lock_bh()`).
//!
//! The 7.3 `kernel` crate has [`kernel::sync::SpinLock`] (`spin_lock()`) and
//! [`kernel::sync::SpinLockIrq`], but no `_bh` variant. A lock that is also taken from softirq
//! context (IPsec decrypts in `NET_RX`, crypto completions) must be held with bottom halves
//! disabled everywhere else, or a softirq on the same CPU spins on it forever. This is the
//! missing backend, modelled on `rust/kernel/sync/lock/spinlock.rs`; guards work with
//! [`kernel::sync::CondVar`] (the lock, and with it the bottom-half disable, is dropped while
//! the waiter sleeps).
//!
//! C header: [`include/linux/spinlock.h`](srctree/include/linux/spinlock.h)

use kernel::{bindings, sync::lock::Backend};

unsafe extern "C" {
    fn rpd_spin_lock_bh(lock: *mut bindings::spinlock_t);
    fn rpd_spin_unlock_bh(lock: *mut bindings::spinlock_t);
    fn rpd_spin_trylock_bh(lock: *mut bindings::spinlock_t) -> kernel::ffi::c_int;
}

/// Creates a [`SpinLockBh`] initialiser with a newly-created lock class named after the
/// source location.
macro_rules! new_spinlock_bh {
    ($inner:expr $(,)?) => {
        kernel::sync::lock::Lock::<_, $crate::kext::spinlock_bh::SpinLockBhBackend>::new(
            $inner,
            kernel::optional_name!(),
            kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_spinlock_bh;

/// A spinlock held with bottom halves disabled on the locking CPU.
///
/// It may be taken from process context and from softirq context; not from hard interrupt
/// context or with interrupts disabled (as `spin_lock_bh()`).
pub(crate) type SpinLockBh<T> = kernel::sync::lock::Lock<T, SpinLockBhBackend>;

/// The `spin_lock_bh()` backend of [`SpinLockBh`].
pub(crate) struct SpinLockBhBackend;

// SAFETY: The underlying kernel `spinlock_t` ensures mutual exclusion; `spin_lock_bh()` and
// `spin_unlock_bh()` are a matching pair and `relock` uses the default implementation, which
// calls `lock` again.
unsafe impl Backend for SpinLockBhBackend {
    type State = bindings::spinlock_t;
    type GuardState = ();

    unsafe fn init(
        ptr: *mut Self::State,
        name: *const kernel::ffi::c_char,
        key: *mut bindings::lock_class_key,
    ) {
        // SAFETY: The caller guarantees that `ptr` is valid for writes and that `name` and `key`
        // stay valid for reads indefinitely.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: The caller guarantees that `ptr` points to a lock initialised by `init`.
        unsafe { rpd_spin_lock_bh(ptr) }
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: The caller guarantees that `ptr` is valid and that it owns the lock, which
        // it took with `lock` or `try_lock`, both with bottom halves disabled.
        unsafe { rpd_spin_unlock_bh(ptr) }
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        // SAFETY: The caller guarantees that `ptr` points to a lock initialised by `init`.
        // `spin_trylock_bh()` leaves bottom halves enabled again when it fails.
        if unsafe { rpd_spin_trylock_bh(ptr) } != 0 {
            Some(())
        } else {
            None
        }
    }

    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: The caller guarantees that `ptr` points to a lock initialised by `init`.
        unsafe { bindings::spin_assert_is_held(ptr) }
    }
}
