/* crypto/seal.c — data keys, key wrapping, record sealing, keyed hashes and
 * file streams. Every ciphertext starts with a format-version byte; every
 * open verifies the tag before a byte of plaintext is released. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_int.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG   crypto_aead_xchacha20poly1305_ietf_ABYTES

_Static_assert(NONCE == 24, "XChaCha20 nonce");
_Static_assert(TAG == 16, "Poly1305 tag");
_Static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES == CRYPTO_STREAM_HEADER_BYTES,
               "stream header");
_Static_assert(crypto_secretstream_xchacha20poly1305_ABYTES == CRYPTO_STREAM_ABYTES,
               "stream abytes");

vow_err crypto_key_generate(struct crypto_key **out)
{
	return crypto_key_from(NULL, CRYPTO_KEY_BYTES, out);
}

vow_err crypto_seal(const struct crypto_key *key, const void *plain, size_t len, const void *ad,
                    size_t adlen, unsigned char *out)
{
	if (key->len != crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
		return VOW_ERR_KEY;
	if (len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX - CRYPTO_SEAL_OVERHEAD)
		return VOW_ERR_TOO_LARGE;
	out[0] = CRYPTO_FORMAT_V1;
	randombytes_buf(out + 1, NONCE);
	/* the version byte is authenticated too: ad' = version || ad */
	unsigned char stack[512];
	unsigned char *ad2 = adlen < sizeof(stack) ? stack : malloc(adlen + 1);
	if (ad2 == NULL)
		return VOW_ERR_NOMEM;
	ad2[0] = CRYPTO_FORMAT_V1;
	if (adlen > 0)
		memcpy(ad2 + 1, ad, adlen);
	unsigned long long clen = 0;
	int r = crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + NONCE, &clen, plain, len, ad2,
	                                                   adlen + 1, NULL, out + 1, key->bytes);
	if (ad2 != stack)
		free(ad2);
	return r == 0 ? VOW_OK : VOW_ERR_CRYPTO;
}

vow_err crypto_open(const struct crypto_key *key, const unsigned char *in, size_t len,
                    const void *ad, size_t adlen, unsigned char *out)
{
	if (len < CRYPTO_SEAL_OVERHEAD)
		return VOW_ERR_INTEGRITY;
	if (in[0] != CRYPTO_FORMAT_V1)
		return VOW_ERR_INVALID;
	unsigned char stack[512];
	unsigned char *ad2 = adlen < sizeof(stack) ? stack : malloc(adlen + 1);
	if (ad2 == NULL)
		return VOW_ERR_NOMEM;
	ad2[0] = in[0];
	if (adlen > 0)
		memcpy(ad2 + 1, ad, adlen);
	unsigned long long plen = 0;
	int r = crypto_aead_xchacha20poly1305_ietf_decrypt(
	    out, &plen, NULL, in + 1 + NONCE, len - 1 - NONCE, ad2, adlen + 1, in + 1, key->bytes);
	if (ad2 != stack)
		free(ad2);
	return r == 0 ? VOW_OK : VOW_ERR_INTEGRITY;
}

vow_err crypto_key_wrap(const struct crypto_key *wrapping, const struct crypto_key *key,
                        const void *ad, size_t adlen, unsigned char out[CRYPTO_WRAPPED_BYTES])
{
	if (key->len != CRYPTO_KEY_BYTES)
		return VOW_ERR_KEY;
	return crypto_seal(wrapping, key->bytes, key->len, ad, adlen, out);
}

vow_err crypto_key_unwrap(const struct crypto_key *wrapping,
                          const unsigned char in[CRYPTO_WRAPPED_BYTES], const void *ad,
                          size_t adlen, struct crypto_key **out)
{
	unsigned char *raw = sodium_malloc(CRYPTO_KEY_BYTES);
	if (raw == NULL)
		return VOW_ERR_NOMEM;
	vow_err err = crypto_open(wrapping, in, CRYPTO_WRAPPED_BYTES, ad, adlen, raw);
	if (err == VOW_OK)
		err = crypto_key_from(raw, CRYPTO_KEY_BYTES, out);
	sodium_free(raw);
	return err;
}

void crypto_keyed_hash(const struct crypto_key *key, const char *label, const void *msg, size_t len,
                       unsigned char out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key->bytes, key->len, 32);
	crypto_generichash_update(&st, (const unsigned char *)label, strlen(label) + 1);
	crypto_generichash_update(&st, msg, len);
	crypto_generichash_final(&st, out, 32);
	sodium_memzero(&st, sizeof(st));
}

/* ---- streams ---- */

struct crypto_stream {
	crypto_secretstream_xchacha20poly1305_state *st; /* sodium_malloc'd */
};

static vow_err stream_new(struct crypto_stream **out)
{
	struct crypto_stream *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return VOW_ERR_NOMEM;
	s->st = sodium_malloc(sizeof(*s->st));
	if (s->st == NULL) {
		free(s);
		return VOW_ERR_NOMEM;
	}
	*out = s;
	return VOW_OK;
}

vow_err crypto_stream_seal_start(const struct crypto_key *key,
                                 unsigned char header[CRYPTO_STREAM_HEADER_BYTES],
                                 struct crypto_stream **out)
{
	struct crypto_stream *s = NULL;
	vow_err err = stream_new(&s);
	if (err != VOW_OK)
		return err;
	if (crypto_secretstream_xchacha20poly1305_init_push(s->st, header, key->bytes) != 0) {
		crypto_stream_free(&s);
		return VOW_ERR_CRYPTO;
	}
	*out = s;
	return VOW_OK;
}

vow_err crypto_stream_seal_chunk(struct crypto_stream *s, const unsigned char *in, size_t len,
                                 bool last, unsigned char *out)
{
	if (len > CRYPTO_STREAM_CHUNK)
		return VOW_ERR_TOO_LARGE;
	unsigned char tag = last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
	                         : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
	if (crypto_secretstream_xchacha20poly1305_push(s->st, out, NULL, in, len, NULL, 0, tag) !=
	    0)
		return VOW_ERR_CRYPTO;
	return VOW_OK;
}

vow_err crypto_stream_open_start(const struct crypto_key *key,
                                 const unsigned char header[CRYPTO_STREAM_HEADER_BYTES],
                                 struct crypto_stream **out)
{
	struct crypto_stream *s = NULL;
	vow_err err = stream_new(&s);
	if (err != VOW_OK)
		return err;
	if (crypto_secretstream_xchacha20poly1305_init_pull(s->st, header, key->bytes) != 0) {
		crypto_stream_free(&s);
		return VOW_ERR_INTEGRITY;
	}
	*out = s;
	return VOW_OK;
}

vow_err crypto_stream_open_chunk(struct crypto_stream *s, const unsigned char *in, size_t len,
                                 unsigned char *out, size_t *outlen, bool *last)
{
	if (len < CRYPTO_STREAM_ABYTES || len > CRYPTO_STREAM_CHUNK + CRYPTO_STREAM_ABYTES)
		return VOW_ERR_INTEGRITY;
	unsigned long long mlen = 0;
	unsigned char tag = 0;
	if (crypto_secretstream_xchacha20poly1305_pull(s->st, out, &mlen, &tag, in, len, NULL, 0) !=
	    0)
		return VOW_ERR_INTEGRITY;
	*outlen = (size_t)mlen;
	*last = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	return VOW_OK;
}

void crypto_stream_free(struct crypto_stream **s)
{
	if (s == NULL || *s == NULL)
		return;
	sodium_free((*s)->st);
	free(*s);
	*s = NULL;
}

void crypto_wipe(void *p, size_t len)
{
	if (p != NULL)
		sodium_memzero(p, len);
}

bool crypto_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

void crypto_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

void *crypto_guarded_alloc(size_t len)
{
	return sodium_malloc(len);
}

void crypto_guarded_free(void *p)
{
	if (p != NULL)
		sodium_free(p);
}

/* ---- signatures ---- */

static vow_err keypair(const struct crypto_key *seed, unsigned char pk[32], unsigned char **sk)
{
	if (seed->len != crypto_sign_SEEDBYTES)
		return VOW_ERR_KEY;
	*sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (*sk == NULL)
		return VOW_ERR_NOMEM;
	if (crypto_sign_seed_keypair(pk, *sk, seed->bytes) != 0) {
		sodium_free(*sk);
		return VOW_ERR_CRYPTO;
	}
	return VOW_OK;
}

vow_err crypto_signature_make(const struct crypto_key *seed, const void *msg, size_t len,
                              unsigned char sig[CRYPTO_SIGNATURE_BYTES])
{
	unsigned char pk[32], *sk = NULL;
	vow_err err = keypair(seed, pk, &sk);
	if (err != VOW_OK)
		return err;
	int r = crypto_sign_detached(sig, NULL, msg, len, sk);
	sodium_free(sk);
	return r == 0 ? VOW_OK : VOW_ERR_CRYPTO;
}

vow_err crypto_signature_public(const struct crypto_key *seed,
                                unsigned char pk[CRYPTO_PUBLIC_KEY_BYTES])
{
	unsigned char *sk = NULL;
	vow_err err = keypair(seed, pk, &sk);
	if (err == VOW_OK)
		sodium_free(sk);
	return err;
}

bool crypto_signature_verify(const unsigned char pk[CRYPTO_PUBLIC_KEY_BYTES], const void *msg,
                             size_t len, const unsigned char sig[CRYPTO_SIGNATURE_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

_Static_assert(sizeof(crypto_generichash_state) <=
                   sizeof(((struct crypto_digest_state *)0)->opaque),
               "crypto_digest_state too small for libsodium's state");

void crypto_digest_begin(struct crypto_digest_state *st, const char *label)
{
	crypto_generichash_state *g = (crypto_generichash_state *)(void *)st->opaque;
	crypto_generichash_init(g, NULL, 0, 32);
	crypto_generichash_update(g, (const unsigned char *)label, strlen(label) + 1);
}

void crypto_digest_add(struct crypto_digest_state *st, const void *msg, size_t len)
{
	crypto_generichash_update((crypto_generichash_state *)(void *)st->opaque, msg, len);
}

void crypto_digest_end(struct crypto_digest_state *st, unsigned char out[32])
{
	crypto_generichash_final((crypto_generichash_state *)(void *)st->opaque, out, 32);
	sodium_memzero(st, sizeof(*st));
}

void crypto_digest(const char *label, const void *msg, size_t len, unsigned char out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const unsigned char *)label, strlen(label) + 1);
	crypto_generichash_update(&st, msg, len);
	crypto_generichash_final(&st, out, 32);
}
