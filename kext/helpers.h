/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the one-line C helpers in kext/helpers.c and kext/crypto_helpers.c, for
 * static inline functions and macros Rust cannot call directly (the kernel's rust/helpers/
 * pattern). The Rust declarations are in kext/bh.rs, kext/sched.rs, kext/spinlock_bh.rs,
 * kext/sysfs.rs and kext/crypto.rs.
 */
#ifndef RPD_HELPERS_H
#define RPD_HELPERS_H

#include <crypto/aead.h>
#include <crypto/internal/aead.h>
#include <linux/spinlock_types.h>

void rpd_local_bh_disable(void);
void rpd_local_bh_enable(void);

bool rpd_need_resched(void);
bool rpd_need_resched_lazy(void);
bool rpd_in_hardirq(void);
bool rpd_irqs_disabled(void);

void rpd_spin_lock_bh(spinlock_t *lock);
void rpd_spin_unlock_bh(spinlock_t *lock);
int rpd_spin_trylock_bh(spinlock_t *lock);

struct attribute;
void rpd_sysfs_attr_init(struct attribute *attr);

void *rpd_aead_request_ctx(struct aead_request *req);
void *rpd_crypto_aead_ctx(struct crypto_aead *tfm);
struct crypto_aead *rpd_crypto_aead_reqtfm(struct aead_request *req);
struct aead_instance *rpd_aead_alg_instance(struct crypto_aead *aead);
void *rpd_aead_instance_ctx(struct aead_instance *inst);
struct crypto_instance *rpd_aead_crypto_instance(struct aead_instance *inst);
struct aead_alg *rpd_crypto_spawn_aead_alg(struct crypto_aead_spawn *spawn);
struct crypto_aead *rpd_crypto_spawn_aead(struct crypto_aead_spawn *spawn);
void rpd_crypto_drop_aead(struct crypto_aead_spawn *spawn);
void rpd_crypto_aead_set_reqsize(struct crypto_aead *aead, unsigned int reqsize);
unsigned int rpd_crypto_aead_reqsize(struct crypto_aead *tfm);
void rpd_aead_request_set_tfm(struct aead_request *req, struct crypto_aead *tfm);
void rpd_aead_request_set_callback(struct aead_request *req, u32 flags,
				   crypto_completion_t compl, void *data);
void rpd_aead_request_set_crypt(struct aead_request *req, struct scatterlist *src,
				struct scatterlist *dst, unsigned int cryptlen, u8 *iv);
void rpd_aead_request_set_ad(struct aead_request *req, unsigned int assoclen);
u32 rpd_aead_request_flags(struct aead_request *req);
void rpd_aead_request_complete(struct aead_request *req, int err);
unsigned int rpd_crypto_aead_alg_ivsize(struct aead_alg *alg);
unsigned int rpd_crypto_aead_alg_maxauthsize(struct aead_alg *alg);
u32 rpd_crypto_algt_inherited_mask(struct crypto_attr_type *algt);
void rpd_crypto_free_aead(struct crypto_aead *tfm);
u32 rpd_crypto_aead_alg_flags(struct crypto_aead *tfm);

#endif /* RPD_HELPERS_H */
