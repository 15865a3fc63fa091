/* crypto/crypto_int.h — private to crypto/: the key representation. */
#ifndef VOW_CRYPTO_INT_H
#define VOW_CRYPTO_INT_H

#include "crypto/crypto.h"

struct crypto_key {
	unsigned char *bytes; /* sodium_malloc'd, read-only after creation */
	size_t len;
};

/* A key of len bytes in guarded memory holding a copy of bytes (or random
 * bytes when bytes is NULL). */
VOW_MUST_CHECK vow_err crypto_key_from(const unsigned char *bytes, size_t len,
                                       struct crypto_key **out);

#endif
