// SPDX-License-Identifier: GPL-2.0

//! rust_pcrypt: the `pcrypt` AEAD template over the Rust padata engine.
//!
//! A drop-in for `crypto/pcrypt.c`: requests of any AEAD are encrypted or decrypted in
//! parallel on the CPUs of `/sys/kernel/pcrypt/<instance>/parallel_cpumask` and completed in
//! submission order on a callback CPU.

use kernel::prelude::*;

#[allow(dead_code, unused_imports, reason = "the engine is shared with rust_padata, which uses other parts")]
mod kext;
#[allow(dead_code, unused_imports, reason = "the engine is shared with rust_padata, which uses other parts")]
mod padata;

module! {
    type: RustPcrypt,
    name: "rust_pcrypt",
    authors: ["rust-padata developers"],
    description: "Parallel crypto (pcrypt) AEAD template over the Rust padata engine",
    license: "GPL",
}

/// Longest algorithm name the crypto API accepts, terminating NUL included
/// (`CRYPTO_MAX_ALG_NAME`).
const CRYPTO_MAX_ALG_NAME: usize = 128;

/// Builds an instance name `<template>(<inner>)` into `buf`, as `crypto_inst_setname()` does.
///
/// Returns the length written, or `ENAMETOOLONG` when the name with its terminating NUL does
/// not fit in [`CRYPTO_MAX_ALG_NAME`] bytes.
fn instance_name(
    buf: &mut [u8; CRYPTO_MAX_ALG_NAME],
    template: &[u8],
    inner: &[u8],
) -> Result<usize> {
    let len = template.len() + inner.len() + 2;
    if len >= CRYPTO_MAX_ALG_NAME {
        return Err(ENAMETOOLONG);
    }
    let (t, rest) = buf.split_at_mut(template.len());
    t.copy_from_slice(template);
    rest[0] = b'(';
    rest[1..=inner.len()].copy_from_slice(inner);
    rest[inner.len() + 1] = b')';
    rest[inner.len() + 2] = 0;
    Ok(len)
}

/// Module state of `rust_pcrypt`.
struct RustPcrypt {
    /// `/sys/kernel/pcrypt/`, parent of the per-instance cpumask directories.
    _kset: kext::sysfs::Kset,
}

impl kernel::Module for RustPcrypt {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let kset = kext::sysfs::Kset::new_in_kernel(c"pcrypt")?;
        pr_info!("loaded\n");
        Ok(RustPcrypt { _kset: kset })
    }
}

impl Drop for RustPcrypt {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}

#[kunit_tests(rust_pcrypt_names)]
mod tests {
    use super::*;

    #[test]
    fn name_is_template_of_inner() -> Result {
        let mut buf = [0xffu8; CRYPTO_MAX_ALG_NAME];
        let len = instance_name(&mut buf, b"pcrypt", b"rfc4106-gcm-aes-lib")?;
        assert_eq!(&buf[..len], b"pcrypt(rfc4106-gcm-aes-lib)");
        assert_eq!(buf[len], 0);
        Ok(())
    }

    #[test]
    fn longest_name_fits_and_one_more_is_refused() {
        let mut buf = [0u8; CRYPTO_MAX_ALG_NAME];
        // "pcrypt(" + inner + ")" + NUL must fit in 128 bytes: inner may be 119 bytes long.
        let inner = [b'a'; 120];
        assert_eq!(instance_name(&mut buf, b"pcrypt", &inner[..119]).ok(), Some(127));
        assert_eq!(
            instance_name(&mut buf, b"pcrypt", &inner).err(),
            Some(ENAMETOOLONG)
        );
    }
}
