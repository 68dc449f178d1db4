// SPDX-License-Identifier: GPL-2.0
/*
 * One-line C helpers for the static inline functions of the AEAD API that Rust cannot call
 * directly (the kernel's rust/helpers/ pattern). No logic lives here. Declared in
 * kext/crypto.rs.
 */

#include "helpers.h"

void *rpd_aead_request_ctx(struct aead_request *req)
{
	return aead_request_ctx(req);
}

void *rpd_crypto_aead_ctx(struct crypto_aead *tfm)
{
	return crypto_aead_ctx(tfm);
}

struct crypto_aead *rpd_crypto_aead_reqtfm(struct aead_request *req)
{
	return crypto_aead_reqtfm(req);
}

struct aead_instance *rpd_aead_alg_instance(struct crypto_aead *aead)
{
	return aead_alg_instance(aead);
}

void *rpd_aead_instance_ctx(struct aead_instance *inst)
{
	return aead_instance_ctx(inst);
}

struct crypto_instance *rpd_aead_crypto_instance(struct aead_instance *inst)
{
	return aead_crypto_instance(inst);
}

struct aead_alg *rpd_crypto_spawn_aead_alg(struct crypto_aead_spawn *spawn)
{
	return crypto_spawn_aead_alg(spawn);
}

struct crypto_aead *rpd_crypto_spawn_aead(struct crypto_aead_spawn *spawn)
{
	return crypto_spawn_aead(spawn);
}

void rpd_crypto_drop_aead(struct crypto_aead_spawn *spawn)
{
	crypto_drop_aead(spawn);
}

void rpd_crypto_aead_set_reqsize(struct crypto_aead *aead, unsigned int reqsize)
{
	crypto_aead_set_reqsize(aead, reqsize);
}

unsigned int rpd_crypto_aead_reqsize(struct crypto_aead *tfm)
{
	return crypto_aead_reqsize(tfm);
}

void rpd_aead_request_set_tfm(struct aead_request *req, struct crypto_aead *tfm)
{
	aead_request_set_tfm(req, tfm);
}

void rpd_aead_request_set_callback(struct aead_request *req, u32 flags,
				   crypto_completion_t compl, void *data)
{
	aead_request_set_callback(req, flags, compl, data);
}

void rpd_aead_request_set_crypt(struct aead_request *req, struct scatterlist *src,
				struct scatterlist *dst, unsigned int cryptlen, u8 *iv)
{
	aead_request_set_crypt(req, src, dst, cryptlen, iv);
}

void rpd_aead_request_set_ad(struct aead_request *req, unsigned int assoclen)
{
	aead_request_set_ad(req, assoclen);
}

u32 rpd_aead_request_flags(struct aead_request *req)
{
	return aead_request_flags(req);
}

void rpd_aead_request_complete(struct aead_request *req, int err)
{
	aead_request_complete(req, err);
}

unsigned int rpd_crypto_aead_alg_ivsize(struct aead_alg *alg)
{
	return crypto_aead_alg_ivsize(alg);
}

unsigned int rpd_crypto_aead_alg_maxauthsize(struct aead_alg *alg)
{
	return crypto_aead_alg_maxauthsize(alg);
}

u32 rpd_crypto_algt_inherited_mask(struct crypto_attr_type *algt)
{
	return crypto_algt_inherited_mask(algt);
}

void rpd_crypto_free_aead(struct crypto_aead *tfm)
{
	crypto_free_aead(tfm);
}

u32 rpd_crypto_aead_alg_flags(struct crypto_aead *tfm)
{
	return crypto_aead_alg(tfm)->base.cra_flags;
}
