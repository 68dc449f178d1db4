// SPDX-License-Identifier: GPL-2.0
/*
 * One-line C helpers for the static inline functions of the AEAD API that Rust cannot call
 * directly (the kernel's rust/helpers/ pattern). No logic lives here. Declared in
 * kext/crypto.rs.
 */

#include <crypto/aead.h>
#include <crypto/internal/aead.h>

#define RPD_HELPER(ret, name, args) ret rpd_##name args; ret rpd_##name args

RPD_HELPER(void *, aead_request_ctx, (struct aead_request *req))
{ return aead_request_ctx(req); }
RPD_HELPER(void *, crypto_aead_ctx, (struct crypto_aead *tfm))
{ return crypto_aead_ctx(tfm); }
RPD_HELPER(struct crypto_aead *, crypto_aead_reqtfm, (struct aead_request *req))
{ return crypto_aead_reqtfm(req); }
RPD_HELPER(struct aead_instance *, aead_alg_instance, (struct crypto_aead *aead))
{ return aead_alg_instance(aead); }
RPD_HELPER(void *, aead_instance_ctx, (struct aead_instance *inst))
{ return aead_instance_ctx(inst); }
RPD_HELPER(struct crypto_instance *, aead_crypto_instance, (struct aead_instance *inst))
{ return aead_crypto_instance(inst); }
RPD_HELPER(struct aead_alg *, crypto_spawn_aead_alg, (struct crypto_aead_spawn *spawn))
{ return crypto_spawn_aead_alg(spawn); }
RPD_HELPER(struct crypto_aead *, crypto_spawn_aead, (struct crypto_aead_spawn *spawn))
{ return crypto_spawn_aead(spawn); }
RPD_HELPER(void, crypto_drop_aead, (struct crypto_aead_spawn *spawn))
{ crypto_drop_aead(spawn); }
RPD_HELPER(void, crypto_aead_set_reqsize, (struct crypto_aead *aead, unsigned int reqsize))
{ crypto_aead_set_reqsize(aead, reqsize); }
RPD_HELPER(unsigned int, crypto_aead_reqsize, (struct crypto_aead *tfm))
{ return crypto_aead_reqsize(tfm); }
RPD_HELPER(void, aead_request_set_tfm, (struct aead_request *req, struct crypto_aead *tfm))
{ aead_request_set_tfm(req, tfm); }
RPD_HELPER(void, aead_request_set_callback,
	   (struct aead_request *req, u32 flags, crypto_completion_t compl, void *data))
{ aead_request_set_callback(req, flags, compl, data); }
RPD_HELPER(void, aead_request_set_crypt,
	   (struct aead_request *req, struct scatterlist *src, struct scatterlist *dst,
	    unsigned int cryptlen, u8 *iv))
{ aead_request_set_crypt(req, src, dst, cryptlen, iv); }
RPD_HELPER(void, aead_request_set_ad, (struct aead_request *req, unsigned int assoclen))
{ aead_request_set_ad(req, assoclen); }
RPD_HELPER(u32, aead_request_flags, (struct aead_request *req))
{ return aead_request_flags(req); }
RPD_HELPER(void, aead_request_complete, (struct aead_request *req, int err))
{ aead_request_complete(req, err); }
RPD_HELPER(unsigned int, crypto_aead_alg_ivsize, (struct aead_alg *alg))
{ return crypto_aead_alg_ivsize(alg); }
RPD_HELPER(unsigned int, crypto_aead_alg_maxauthsize, (struct aead_alg *alg))
{ return crypto_aead_alg_maxauthsize(alg); }
RPD_HELPER(u32, crypto_algt_inherited_mask, (struct crypto_attr_type *algt))
{ return crypto_algt_inherited_mask(algt); }
RPD_HELPER(void, crypto_free_aead, (struct crypto_aead *tfm))
{ crypto_free_aead(tfm); }
