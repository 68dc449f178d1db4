/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers bindgen reads to generate kext/crypto_bindings_generated.rs: the crypto API, which
 * the 7.3 `kernel` crate has no bindings for. See the Kbuild rule.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/internal/aead.h>
#include <linux/crypto.h>
#include <linux/rtnetlink.h>
