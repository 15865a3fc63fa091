/* crypto/crypto.h — the only module that touches key material.
 *
 * This first part covers the instance master key: its creation by
 * `vow init` and loading from a 0600 key file or the VOW_MASTER_KEY
 * environment variable. Keys live in sodium_malloc'd (guarded, locked)
 * memory and are wiped on every path. */
#ifndef VOW_CRYPTO_H
#define VOW_CRYPTO_H

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
 * owns the key (free with crypto_key_free). */
VOW_MUST_CHECK vow_err crypto_master_key_load(const char *path, struct crypto_key **out);

/* Wipes and frees the key, sets *k to NULL. NULL-safe. */
void crypto_key_free(struct crypto_key **k);

/* A short public fingerprint of the key (BLAKE2b of the key under a fixed
 * context, 8 bytes as 16 hex digits + NUL) for logs and `vow init`. */
void crypto_key_fingerprint(const struct crypto_key *k, char out[17]);

#endif
