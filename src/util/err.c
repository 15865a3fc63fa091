/* util/err.c — the error table: one row per vow_err. */
#include "util/err.h"

struct err_row {
	const char *code;
	const char *message;
	int http;
};

static const struct err_row err_table[VOW_ERR__COUNT] = {
    [VOW_OK] = {"ok", "success", 200},
    [VOW_ERR_NOMEM] = {"out_of_memory", "out of memory or over a size limit", 500},
    [VOW_ERR_IO] = {"io_error", "input/output error", 500},
    [VOW_ERR_TOO_LARGE] = {"too_large", "input exceeds a size limit", 413},
    [VOW_ERR_INVALID] = {"invalid_input", "the input is malformed", 400},
    [VOW_ERR_POLICY] = {"invalid_policy", "the policy is invalid", 422},
    [VOW_ERR_NOT_FOUND] = {"not_found", "no such thing", 404},
    [VOW_ERR_EXISTS] = {"already_exists", "it already exists", 409},
    [VOW_ERR_CRYPTO] = {"crypto_error", "a cryptographic operation failed", 500},
    [VOW_ERR_INTEGRITY] = {"integrity_error", "stored data failed its integrity check", 500},
    [VOW_ERR_DENIED] = {"denied", "the policy does not allow this", 403},
    [VOW_ERR_KEY] = {"key_error", "key material is missing or unusable", 500},
    [VOW_ERR_INTERNAL] = {"internal_error", "internal error", 500},
    [VOW_ERR_LOCKED] = {"locked", "locked after too many failed attempts: try again later", 429},
    [VOW_ERR_CONFIG] = {"not_configured",
                        "a setting this needs is not set (e.g. the public URL: vow config set "
                        "public-url URL)",
                        409},
};

static const struct err_row *err_row(vow_err err)
{
	if ((unsigned)err >= VOW_ERR__COUNT)
		return &err_table[VOW_ERR_INTERNAL];
	return &err_table[err];
}

const char *vow_err_code(vow_err err)
{
	return err_row(err)->code;
}
const char *vow_err_message(vow_err err)
{
	return err_row(err)->message;
}
int vow_err_http_status(vow_err err)
{
	return err_row(err)->http;
}
