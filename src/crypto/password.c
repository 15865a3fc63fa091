/* crypto/password.c — password hashes for categories kept only as a hash. */
#include <sodium.h>
#include <string.h>

#include "crypto/crypto.h"

_Static_assert(CRYPTO_PASSWORD_HASH_BYTES == crypto_pwhash_STRBYTES, "hash size");

vow_err crypto_password_hash(const char *secret, size_t len, char out[CRYPTO_PASSWORD_HASH_BYTES])
{
	char h[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str_alg(h, secret, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                          crypto_pwhash_MEMLIMIT_INTERACTIVE,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0)
		return VOW_ERR_NOMEM;
	memcpy(out, h, sizeof(h));
	return VOW_OK;
}

vow_err crypto_password_verify(const char *hash, const char *secret, size_t len)
{
	if (hash == NULL || strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES ||
	    strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
	            strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0)
		return VOW_ERR_INVALID;
	return crypto_pwhash_str_verify(hash, secret, len) == 0 ? VOW_OK : VOW_ERR_DENIED;
}
