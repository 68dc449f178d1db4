// SPDX-License-Identifier: GPL-2.0

//! sysfs directories (`struct kset`) under `/sys/kernel/`.
//!
//! C header: [`include/linux/kobject.h`](srctree/include/linux/kobject.h)

use core::ptr::{self, NonNull};
use kernel::{bindings, error::code::ENOMEM, ffi, prelude::*, str::CStr};

unsafe extern "C" {
    /// `sysfs_attr_init()`: gives a dynamically allocated attribute its lockdep class key.
    fn rpd_sysfs_attr_init(attr: *mut bindings::attribute);
}

/// A kset registered under `/sys/kernel/<name>/`, unregistered on drop.
///
/// # Invariants
///
/// `ptr` points to a kset created by `kset_create_and_add()` that this object owns one
/// reference to; it stays registered until [`Kset::drop`].
pub(crate) struct Kset {
    /// The registered kset.
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
        let ptr =
            unsafe { bindings::kset_create_and_add(name.as_char_ptr(), core::ptr::null(), parent) };
        if ptr.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: `ptr` is a kset freshly created and registered for us.
        Ok(Self { ptr })
    }
}

impl Drop for Kset {
    fn drop(&mut self) {
        // SAFETY: By the type invariants `self.ptr` is a registered kset we own a reference to;
        // it is not used after this call.
        unsafe { bindings::kset_unregister(self.ptr) };
    }
}

/// Most attributes a [`SysfsDir`] can have.
const MAX_ATTRS: usize = 8;

/// The files of a [`SysfsDir`] (all mode 0644).
pub(crate) trait Attributes: Send + Sync + 'static {
    /// What a file stands for (for example which cpumask), handed to `show` and `store`.
    type File: Copy + Send + Sync + 'static;

    /// The files: name and what it stands for; at most [`MAX_ATTRS`].
    const FILES: &'static [(&'static CStr, Self::File)];

    /// Formats `file` into `out` (one page; longer output is truncated).
    fn show(&self, file: Self::File, out: &mut PageWriter<'_>) -> Result;

    /// Handles a write of `input` to `file`.
    fn store(&self, file: Self::File, input: &[u8]) -> Result;
}

/// What the attribute `attr` of `node` stands for.
fn file_of<T: Attributes>(node: &DirNode<T>, attr: *const bindings::attribute) -> Option<T::File> {
    let idx = node.attrs.iter().position(|a| ptr::eq(a, attr))?;
    T::FILES.get(idx).map(|&(_, file)| file)
}

/// A `core::fmt::Write` into a sysfs page, truncating at its end.
pub(crate) struct PageWriter<'a> {
    /// The page.
    buf: &'a mut [u8],
    /// Bytes written so far.
    len: usize,
}

impl core::fmt::Write for PageWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// The allocation behind a [`SysfsDir`]: the kobject, its type, operations and attributes.
/// Freed by the kobject's release callback.
#[repr(C)]
struct DirNode<T: Attributes> {
    /// The kobject; first, so that a kobject pointer is a node pointer.
    kobj: bindings::kobject,
    /// The kobject's type: release callback, operations, attribute groups.
    ktype: bindings::kobj_type,
    /// The show/store operations.
    ops: bindings::sysfs_ops,
    /// One attribute per file of `T`.
    attrs: [bindings::attribute; MAX_ATTRS],
    /// NULL-terminated list of the attributes.
    attr_ptrs: [*mut bindings::attribute; MAX_ATTRS + 1],
    /// The attribute group of the files.
    group: bindings::attribute_group,
    /// NULL-terminated list of groups (the default groups of the type).
    groups: [*const bindings::attribute_group; 2],
    /// What the files show and store.
    data: T,
}

/// A kobject directory with attribute files, for example `/sys/kernel/pcrypt/pencrypt/`.
///
/// # Invariants
///
/// `node` points to a `DirNode<T>` whose kobject is initialised and added to sysfs, and this
/// object holds its initial reference.
pub(crate) struct SysfsDir<T: Attributes> {
    /// The node whose initial reference this object holds.
    node: NonNull<DirNode<T>>,
}

// SAFETY: The node is only reached through the kobject core, which is thread-safe, and
// through `&T`; `T` is `Send + Sync`.
unsafe impl<T: Attributes> Send for SysfsDir<T> {}
// SAFETY: As above.
unsafe impl<T: Attributes> Sync for SysfsDir<T> {}

/// Recovers the node of a kobject of ours.
///
/// # Safety
///
/// `kobj` is the kobject of a live `DirNode<T>`.
unsafe fn dir_node<'a, T: Attributes>(kobj: *mut bindings::kobject) -> &'a DirNode<T> {
    // SAFETY: `kobj` is the first field of a `#[repr(C)]` `DirNode<T>`.
    unsafe { &*kobj.cast::<DirNode<T>>() }
}

/// `sysfs_ops.show`.
///
/// # Safety
///
/// Called by sysfs for a kobject of a [`SysfsDir<T>`] with a page-sized buffer.
unsafe extern "C" fn dir_show<T: Attributes>(
    kobj: *mut bindings::kobject,
    attr: *mut bindings::attribute,
    buf: *mut ffi::c_char,
) -> isize {
    // SAFETY: Our kobject type only has these callbacks; sysfs keeps the node alive while a
    // callback runs and passes a page-sized buffer.
    let (node, page) = unsafe {
        (
            dir_node::<T>(kobj),
            core::slice::from_raw_parts_mut(buf.cast::<u8>(), bindings::PAGE_SIZE),
        )
    };
    let Some(file) = file_of(node, attr) else {
        return -(bindings::EINVAL as isize);
    };
    let mut w = PageWriter { buf: page, len: 0 };
    match node.data.show(file, &mut w) {
        Ok(()) => w.len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `sysfs_ops.store`.
///
/// # Safety
///
/// Called by sysfs for a kobject of a [`SysfsDir<T>`] with `count` bytes at `buf`.
unsafe extern "C" fn dir_store<T: Attributes>(
    kobj: *mut bindings::kobject,
    attr: *mut bindings::attribute,
    buf: *const ffi::c_char,
    count: usize,
) -> isize {
    // SAFETY: As in `dir_show`; `buf` holds `count` bytes.
    let (node, input) = unsafe {
        (
            dir_node::<T>(kobj),
            core::slice::from_raw_parts(buf.cast::<u8>(), count),
        )
    };
    let Some(file) = file_of(node, attr) else {
        return -(bindings::EINVAL as isize);
    };
    match node.data.store(file, input) {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `kobj_type.release`: frees the node.
///
/// # Safety
///
/// Called by the kobject core when the last reference to a [`SysfsDir<T>`] kobject is gone.
unsafe extern "C" fn dir_release<T: Attributes>(kobj: *mut bindings::kobject) {
    // SAFETY: The last reference is gone; the node was allocated by `SysfsDir::new` with
    // `KBox::into_raw`.
    drop(unsafe { KBox::from_raw(kobj.cast::<DirNode<T>>()) });
}

impl<T: Attributes> SysfsDir<T> {
    /// Creates directory `name` in `kset` with the files of `T`.
    pub(crate) fn new(kset: &Kset, name: &CStr, data: T) -> Result<Self> {
        const { assert!(T::FILES.len() <= MAX_ATTRS) };
        let node = KBox::new(
            DirNode {
                // SAFETY: All-zero is a valid initial state of these C structs (null
                // pointers, `None` callbacks), as for a static C object.
                kobj: unsafe { core::mem::zeroed() },
                // SAFETY: As above.
                ktype: unsafe { core::mem::zeroed() },
                ops: bindings::sysfs_ops {
                    show: Some(dir_show::<T>),
                    store: Some(dir_store::<T>),
                },
                // SAFETY: As above.
                attrs: unsafe { core::mem::zeroed() },
                attr_ptrs: [ptr::null_mut(); MAX_ATTRS + 1],
                // SAFETY: As above.
                group: unsafe { core::mem::zeroed() },
                groups: [ptr::null(); 2],
                data,
            },
            GFP_KERNEL,
        )?;
        let p = KBox::into_raw(node);
        // SAFETY: `p` is a valid, exclusively owned node at a stable address. The self-
        // referencing pointers stay valid since the node never moves. From the
        // `kobject_init_and_add()` call on, the node is freed only by `dir_release`.
        // `rpd_sysfs_attr_init()` only sets the attribute's lockdep key (to a static one).
        unsafe {
            for (i, (name, _)) in T::FILES.iter().enumerate() {
                rpd_sysfs_attr_init(&raw mut (*p).attrs[i]);
                (*p).attrs[i].name = name.as_char_ptr();
                (*p).attrs[i].mode = 0o644;
                (*p).attr_ptrs[i] = &raw mut (*p).attrs[i];
            }
            (*p).group.__bindgen_anon_2.attrs = (&raw mut (*p).attr_ptrs).cast();
            (*p).groups[0] = &raw const (*p).group;
            (*p).ktype.release = Some(dir_release::<T>);
            (*p).ktype.sysfs_ops = &raw const (*p).ops;
            (*p).ktype.default_groups = (&raw mut (*p).groups).cast();
            (*p).kobj.kset = kset.ptr;
            let kobj = &raw mut (*p).kobj;
            let ret = bindings::kobject_init_and_add(
                kobj,
                &raw const (*p).ktype,
                ptr::null_mut(),
                c"%s".as_char_ptr(),
                name.as_char_ptr(),
            );
            if ret != 0 {
                // As the kobject documentation requires: put, which frees the node.
                bindings::kobject_put(kobj);
                return Err(Error::from_errno(ret));
            }
            bindings::kobject_uevent(kobj, bindings::kobject_action_KOBJ_ADD);
            // INVARIANT: initialised, added, and we own the initial reference.
            Ok(Self {
                node: NonNull::new_unchecked(p),
            })
        }
    }
}

impl<T: Attributes> Drop for SysfsDir<T> {
    fn drop(&mut self) {
        let kobj = self.node.as_ptr().cast::<bindings::kobject>();
        // SAFETY: By the type invariants we hold the initial reference. `kobject_del()`
        // removes the files and waits for show/store calls in progress; the put may free the
        // node, which is not touched afterwards.
        unsafe {
            bindings::kobject_del(kobj);
            bindings::kobject_put(kobj);
        }
    }
}
