/* crypto/crypto.h — the only module that touches key material.
 *
 * This first part covers the instance master key: its creation by
 * `vow init` and loading from a 0600 key file or the VOW_MASTER_KEY
 * environment variable. Keys live in sodium_malloc'd (guarded, locked)
 * memory and are wiped on every path. */
#ifndef VOW_CRYPTO_H
#define VOW_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define CRYPTO_MASTER_KEY_BYTES 32u

struct crypto_key; /* opaque: bytes in guarded memory */

/* Initialises libsodium. Safe to call more than once. VOW_ERR_CRYPTO if the
 * library cannot start (no entropy source). */
VOW_MUST_CHECK vow_err crypto_init(void);

/* Creates a new random master key at path (mode 0600; the file must not
 * exist). The key never leaves this function unwiped. VOW_ERR_EXISTS if path
 * exists; VOW_ERR_IO on write failure. */
VOW_MUST_CHECK vow_err crypto_master_key_create(const char *path);

/* Loads the master key: from the environment variable VOW_MASTER_KEY (64 hex
 * digits) when set, else from path, which must be a regular file not
 * readable or writable by group or others. VOW_ERR_KEY on a malformed key or
 * unsafe mode, VOW_ERR_NOT_FOUND/VOW_ERR_IO on read failure. On success *out
 * owns the key (free with crypto_key_free). The first call that finds
 * VOW_MASTER_KEY moves it into locked memory, wipes its bytes in the
 * environment and unsets it; later calls keep using that key (setting the
 * variable again replaces it). Thread-safe. */
VOW_MUST_CHECK vow_err crypto_master_key_load(const char *path, struct crypto_key **out);

/* True when the master key comes from VOW_MASTER_KEY (taking it out of the
 * environment as crypto_master_key_load does). */
bool crypto_master_key_from_env(void);

/* Wipes and forgets the key taken from VOW_MASTER_KEY, so that the key file
 * is used again (registered with atexit by crypto_init). */
void crypto_master_key_env_clear(void);

/* Wipes and frees the key, sets *k to NULL. NULL-safe. */
void crypto_key_free(struct crypto_key **k);

/* A short public fingerprint of the key (BLAKE2b of the key under a fixed
 * context, 8 bytes as 16 hex digits + NUL) for logs and `vow init`. */
void crypto_key_fingerprint(const struct crypto_key *k, char out[17]);

/* ---- data keys (per subject, per file) ---- */

#define CRYPTO_KEY_BYTES     32u
#define CRYPTO_WRAPPED_BYTES (1u + 24u + 32u + 16u) /* version, nonce, key, tag */
#define CRYPTO_SEAL_OVERHEAD (1u + 24u + 16u)       /* version, nonce, tag */
#define CRYPTO_FORMAT_V1     0x01u

/* A new random data key in guarded memory. */
VOW_MUST_CHECK vow_err crypto_key_generate(struct crypto_key **out);

/* Wraps key under wrapping (XChaCha20-Poly1305); ad binds the wrapped key to
 * its owner (e.g. the subject id) so it cannot be swapped between rows.
 * out receives CRYPTO_WRAPPED_BYTES. */
VOW_MUST_CHECK vow_err crypto_key_wrap(const struct crypto_key *wrapping,
                                       const struct crypto_key *key, const void *ad, size_t adlen,
                                       unsigned char out[CRYPTO_WRAPPED_BYTES]);

/* Unwraps; VOW_ERR_INTEGRITY if the bytes, the wrapping key or ad do not
 * match. On success *out owns the key. */
VOW_MUST_CHECK vow_err crypto_key_unwrap(const struct crypto_key *wrapping,
                                         const unsigned char in[CRYPTO_WRAPPED_BYTES],
                                         const void *ad, size_t adlen, struct crypto_key **out);

/* ---- records ---- */

/* Seals len bytes of plain into out (len + CRYPTO_SEAL_OVERHEAD bytes):
 * a format-version byte, a random 24-byte nonce, then XChaCha20-Poly1305
 * ciphertext and tag. ad (associated data) is authenticated, not stored. */
VOW_MUST_CHECK vow_err crypto_seal(const struct crypto_key *key, const void *plain, size_t len,
                                   const void *ad, size_t adlen, unsigned char *out);

/* Opens what crypto_seal made; out receives len - CRYPTO_SEAL_OVERHEAD bytes.
 * The tag is verified before anything is written to out. VOW_ERR_INTEGRITY
 * for a short, truncated, altered or misbound ciphertext; VOW_ERR_INVALID for
 * an unknown format version. */
VOW_MUST_CHECK vow_err crypto_open(const struct crypto_key *key, const unsigned char *in,
                                   size_t len, const void *ad, size_t adlen, unsigned char *out);

/* ---- derived keys and blind indexes ---- */

/* A keyed BLAKE2b-256 of msg under key, with a domain label (never NULL). */
void crypto_keyed_hash(const struct crypto_key *key, const char *label, const void *msg, size_t len,
                       unsigned char out[32]);

/* An unkeyed BLAKE2b-256 of msg with a domain label (for public digests
 * such as the hash of a purpose text). */
void crypto_digest(const char *label, const void *msg, size_t len, unsigned char out[32]);

/* The same digest fed in pieces, for input of any length: begin with the
 * label, add each piece, end to get the 32 bytes. */
struct crypto_digest_state {
	_Alignas(64) unsigned char opaque[512];
};
void crypto_digest_begin(struct crypto_digest_state *st, const char *label);
void crypto_digest_add(struct crypto_digest_state *st, const void *msg, size_t len);
void crypto_digest_end(struct crypto_digest_state *st, unsigned char out[32]);

/* ---- file streams (libsodium secretstream, XChaCha20-Poly1305) ---- */

#define CRYPTO_STREAM_HEADER_BYTES 24u
#define CRYPTO_STREAM_CHUNK        65536u
#define CRYPTO_STREAM_ABYTES       17u

struct crypto_stream; /* opaque state in guarded memory */

/* Starts a sealing stream under key; writes the header to header. */
VOW_MUST_CHECK vow_err crypto_stream_seal_start(const struct crypto_key *key,
                                                unsigned char header[CRYPTO_STREAM_HEADER_BYTES],
                                                struct crypto_stream **out);

/* Seals one chunk (len <= CRYPTO_STREAM_CHUNK) into out
 * (len + CRYPTO_STREAM_ABYTES bytes); last marks the final chunk. */
VOW_MUST_CHECK vow_err crypto_stream_seal_chunk(struct crypto_stream *s, const unsigned char *in,
                                                size_t len, bool last, unsigned char *out);

/* Starts an opening stream from header. VOW_ERR_INTEGRITY on a bad header. */
VOW_MUST_CHECK vow_err crypto_stream_open_start(
    const struct crypto_key *key, const unsigned char header[CRYPTO_STREAM_HEADER_BYTES],
    struct crypto_stream **out);

/* Opens one sealed chunk (len bytes) into out; *last is set on the final
 * chunk. VOW_ERR_INTEGRITY on any alteration, reordering or truncation. */
VOW_MUST_CHECK vow_err crypto_stream_open_chunk(struct crypto_stream *s, const unsigned char *in,
                                                size_t len, unsigned char *out, size_t *outlen,
                                                bool *last);

/* Wipes and frees a stream state; NULL-safe. */
void crypto_stream_free(struct crypto_stream **s);

/* Wipes len bytes at p (for plaintext buffers outside this module). */
void crypto_wipe(void *p, size_t len);

/* Constant-time comparison of two equal-length buffers. */
bool crypto_equal(const void *a, const void *b, size_t len);

/* Fills buf with len random bytes. */
void crypto_random(void *buf, size_t len);

/* ---- password hashes (Argon2id, libsodium's crypto_pwhash_str) ---- */

#define CRYPTO_PASSWORD_HASH_BYTES 128u /* the encoded hash and its NUL */

/* Hashes len bytes of secret with Argon2id at libsodium's interactive
 * limits (2 passes over 64 MiB, one lane), a random salt in the encoded
 * result ("$argon2id$v=19$m=65536,t=2,p=1$..."), into out. VOW_ERR_NOMEM
 * when the memory cannot be had. The secret is the caller's to wipe. */
VOW_MUST_CHECK vow_err crypto_password_hash(const char *secret, size_t len,
                                            char out[CRYPTO_PASSWORD_HASH_BYTES]);

/* VOW_OK when secret matches hash (as crypto_password_hash made it),
 * VOW_ERR_DENIED when it does not, VOW_ERR_INVALID for a hash that is not
 * an Argon2id string. */
VOW_MUST_CHECK vow_err crypto_password_verify(const char *hash, const char *secret, size_t len);

/* ---- signatures (Ed25519) ---- */

#define CRYPTO_SIGNATURE_BYTES  64u
#define CRYPTO_PUBLIC_KEY_BYTES 32u

/* Signs len bytes of msg with the Ed25519 key derived from seed (a 32-byte
 * data key); the secret half is derived in guarded memory and wiped. */
VOW_MUST_CHECK vow_err crypto_signature_make(const struct crypto_key *seed, const void *msg,
                                             size_t len, unsigned char sig[CRYPTO_SIGNATURE_BYTES]);

/* The public key of seed. */
VOW_MUST_CHECK vow_err crypto_signature_public(const struct crypto_key *seed,
                                               unsigned char pk[CRYPTO_PUBLIC_KEY_BYTES]);

/* True when sig is pk's signature of msg. */
bool crypto_signature_verify(const unsigned char pk[CRYPTO_PUBLIC_KEY_BYTES], const void *msg,
                             size_t len, const unsigned char sig[CRYPTO_SIGNATURE_BYTES]);

/* ---- a cache of unwrapped keys in one locked region ---- */

/* Unwrapped per-subject keys live in a single sodium_malloc'd (guarded,
 * locked) region of slots, so a cache miss costs one unwrap and no system
 * call. Slots are direct-mapped by owner and kind; a newer key replaces the
 * one in its slot (wiped). Borrowed key pointers stay valid until their slot
 * is reused or evicted. */
struct crypto_keycache;

/* A cache of `slots` keys. VOW_ERR_NOMEM if the region cannot be had. */
VOW_MUST_CHECK vow_err crypto_keycache_new(size_t slots, struct crypto_keycache **out);

/* Wipes every key and frees the cache; NULL-safe, sets *c to NULL. */
void crypto_keycache_free(struct crypto_keycache **c);

/* The cached key of owner/kind, or NULL. */
const struct crypto_key *crypto_keycache_get(struct crypto_keycache *c, const char *owner,
                                             int kind);

/* Unwraps wrapped (CRYPTO_WRAPPED_BYTES, sealed under wrapping with ad) into
 * owner/kind's slot and returns it borrowed. VOW_ERR_INTEGRITY (and the slot
 * emptied) if it does not verify. */
VOW_MUST_CHECK vow_err crypto_keycache_unwrap(struct crypto_keycache *c,
                                              const struct crypto_key *wrapping,
                                              const unsigned char *wrapped, const void *ad,
                                              size_t adlen, const char *owner, int kind,
                                              const struct crypto_key **out);

/* Wipes every cached key of owner. */
void crypto_keycache_evict(struct crypto_keycache *c, const char *owner);

/* Wipes every cached key. */
void crypto_keycache_clear(struct crypto_keycache *c);

/* Guarded, locked memory for plaintext buffers (sodium_malloc); NULL on
 * failure. crypto_guarded_free wipes and releases; NULL-safe. */
void *crypto_guarded_alloc(size_t len);
void crypto_guarded_free(void *p);

#endif
