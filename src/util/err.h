/* util/err.h — the one error type of vow.
 *
 * Every fallible function returns a vow_err and is marked VOW_MUST_CHECK.
 * A single table (err.c) maps each code to a stable string code, a human
 * message and an HTTP status, so the CLI, the library and the HTTP layer
 * all report the same thing for the same failure. */
#ifndef VOW_UTIL_ERR_H
#define VOW_UTIL_ERR_H

#define VOW_MUST_CHECK __attribute__((warn_unused_result))

typedef enum vow_err {
	VOW_OK = 0,
	VOW_ERR_NOMEM,     /* allocation failed or a hard size cap was hit */
	VOW_ERR_IO,        /* a file or device operation failed */
	VOW_ERR_TOO_LARGE, /* input exceeds a documented cap */
	VOW_ERR_INVALID,   /* malformed input (syntax, type, range) */
	VOW_ERR_POLICY,    /* the policy file is invalid (see diagnostics) */
	VOW_ERR_NOT_FOUND, /* the named thing does not exist */
	VOW_ERR_EXISTS,    /* the thing to create already exists */
	VOW_ERR_CRYPTO,    /* a cryptographic primitive failed */
	VOW_ERR_INTEGRITY, /* authenticated data failed verification */
	VOW_ERR_DENIED,    /* the policy denies the operation */
	VOW_ERR_KEY,       /* key material missing, malformed or of the wrong mode */
	VOW_ERR_INTERNAL,  /* a broken internal invariant */
	VOW_ERR_LOCKED,    /* refused for a while after too many failed attempts */
	VOW_ERR_CONFIG,    /* a setting the operation needs is not set (e.g. the public URL) */
	VOW_ERR__COUNT
} vow_err;

/* Stable machine-readable code for err ("invalid_input", ...). Never NULL. */
const char *vow_err_code(vow_err err);

/* Human-readable one-line message for err. Never NULL, never personal data. */
const char *vow_err_message(vow_err err);

/* HTTP status that err maps to (400, 403, 404, 500, ...). */
int vow_err_http_status(vow_err err);

#endif
