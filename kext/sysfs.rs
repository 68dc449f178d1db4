// SPDX-License-Identifier: GPL-2.0

//! sysfs directories (`struct kset`) under `/sys/kernel/`.
//!
//! C header: [`include/linux/kobject.h`](srctree/include/linux/kobject.h)

use kernel::{bindings, error::code::ENOMEM, prelude::*, str::CStr};

/// A kset registered under `/sys/kernel/<name>/`, unregistered on drop.
///
/// # Invariants
///
/// `ptr` points to a kset created by `kset_create_and_add()` that this object owns one
/// reference to; it stays registered until [`Kset::drop`].
pub(crate) struct Kset {
    ptr: *mut bindings::kset,
}

// SAFETY: A kset may be used and unregistered from any thread; the kobject core serialises
// access to it internally.
unsafe impl Send for Kset {}
// SAFETY: `Kset` has no methods that mutate it through a shared reference.
unsafe impl Sync for Kset {}

impl Kset {
    /// Creates and registers `/sys/kernel/<name>/`.
    ///
    /// Fails with `ENOMEM` when the kset cannot be created, for example because a directory of
    /// that name already exists (the kobject core logs the reason).
    pub(crate) fn new_in_kernel(name: &CStr) -> Result<Self> {
        // SAFETY: `kernel_kobj` is set once during early boot and never changes afterwards.
        let parent = unsafe { bindings::kernel_kobj };
        // SAFETY: `name` is a valid NUL-terminated string (copied by the callee), no uevent
        // operations are passed, and `parent` is the valid `/sys/kernel` kobject.
        let ptr = unsafe { bindings::kset_create_and_add(name.as_char_ptr(), core::ptr::null(), parent) };
        if ptr.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: `ptr` is a kset freshly created and registered for us.
        Ok(Self { ptr })
    }

    /// The kset's embedded kobject, to be used as the parent of objects in this directory.
    pub(crate) fn kobj(&self) -> *mut bindings::kobject {
        // SAFETY: By the type invariants `self.ptr` is a valid kset.
        unsafe { &raw mut (*self.ptr).kobj }
    }
}

impl Drop for Kset {
    fn drop(&mut self) {
        // SAFETY: By the type invariants `self.ptr` is a registered kset we own a reference to;
        // it is not used after this call.
        unsafe { bindings::kset_unregister(self.ptr) };
    }
}
