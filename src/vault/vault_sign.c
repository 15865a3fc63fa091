/* vault/vault_sign.c — the instance's Ed25519 signing key (made on first
 * use, kept wrapped in the key store) and signed JSON documents: consent
 * receipts and erasure receipts carry a "signature" member over their
 * canonical JSON (keys sorted, compact, without the "signature" member). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault_int.h"

vow_err vault_signing_key(struct vault *v, struct crypto_key **out)
{
	return vault_instance_key(v, KEY_INSTANCE_SIGN, out);
}

vow_err vault_public_key(struct vault *v, char hex[65])
{
	struct crypto_key *k = NULL;
	vow_err err = vault_signing_key(v, &k);
	unsigned char pk[CRYPTO_PUBLIC_KEY_BYTES];
	if (err == VOW_OK)
		err = crypto_signature_public(k, pk);
	crypto_key_free(&k);
	if (err == VOW_OK)
		sodium_bin2hex(hex, 65, pk, sizeof(pk));
	return err;
}

vow_err vault_sign_json(struct vault *v, json_t *doc)
{
	json_object_del(doc, "signature");
	char *canon = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	struct crypto_key *k = NULL;
	vow_err err = canon == NULL ? VOW_ERR_NOMEM : vault_signing_key(v, &k);
	unsigned char sig[CRYPTO_SIGNATURE_BYTES], pk[CRYPTO_PUBLIC_KEY_BYTES];
	if (err == VOW_OK)
		err = crypto_signature_make(k, canon, strlen(canon), sig);
	if (err == VOW_OK)
		err = crypto_signature_public(k, pk);
	crypto_key_free(&k);
	free(canon);
	if (err != VOW_OK)
		return err;
	char sighex[2 * CRYPTO_SIGNATURE_BYTES + 1], pkhex[2 * CRYPTO_PUBLIC_KEY_BYTES + 1];
	sodium_bin2hex(sighex, sizeof(sighex), sig, sizeof(sig));
	sodium_bin2hex(pkhex, sizeof(pkhex), pk, sizeof(pk));
	json_t *s = json_pack("{s:s, s:s, s:s}", "algorithm", "Ed25519", "public_key", pkhex,
	                      "value", sighex);
	return s != NULL && json_object_set_new(doc, "signature", s) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

vow_err vault_signed_verify(const char *text, size_t len, const char *public_key_hex)
{
	unsigned char pk[CRYPTO_PUBLIC_KEY_BYTES], sig[CRYPTO_SIGNATURE_BYTES];
	size_t got = 0;
	if (public_key_hex == NULL ||
	    sodium_hex2bin(pk, sizeof(pk), public_key_hex, strlen(public_key_hex), NULL, &got,
	                   NULL) != 0 ||
	    got != sizeof(pk))
		return VOW_ERR_INVALID;
	json_error_t jerr;
	json_t *r = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r == NULL || !json_is_object(r)) {
		json_decref(r);
		return VOW_ERR_INVALID;
	}
	json_t *s = json_object_get(r, "signature");
	const char *value = json_string_value(json_object_get(s, "value"));
	const char *alg = json_string_value(json_object_get(s, "algorithm"));
	vow_err err = VOW_ERR_INVALID;
	if (value != NULL && alg != NULL && strcmp(alg, "Ed25519") == 0 &&
	    sodium_hex2bin(sig, sizeof(sig), value, strlen(value), NULL, &got, NULL) == 0 &&
	    got == sizeof(sig)) {
		json_object_del(r, "signature");
		char *canon = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
		err = canon == NULL                                            ? VOW_ERR_NOMEM
		      : crypto_signature_verify(pk, canon, strlen(canon), sig) ? VOW_OK
		                                                               : VOW_ERR_INTEGRITY;
		free(canon);
	}
	json_decref(r);
	return err;
}

vow_err vault_sign_detached(struct vault *v, const void *msg, size_t len, char hex[129])
{
	struct crypto_key *k = NULL;
	vow_err err = vault_signing_key(v, &k);
	unsigned char sig[CRYPTO_SIGNATURE_BYTES];
	if (err == VOW_OK)
		err = crypto_signature_make(k, msg, len, sig);
	crypto_key_free(&k);
	if (err == VOW_OK)
		sodium_bin2hex(hex, 129, sig, sizeof(sig));
	return err;
}
