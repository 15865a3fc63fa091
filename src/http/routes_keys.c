/* http/routes_keys.c — the API keys, for admin keys: a listing (never a
 * secret), paged by a cursor, and revocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "util/clock.h"

#define KEYS_PAGE_DEFAULT 100
#define KEYS_PAGE_MAX     1000

static bool key_id_ok(const char *s)
{
	return s != NULL && strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16;
}

struct page {
	json_t *arr;
	int64_t now;
};

static vow_err key_cb(void *ctx, const struct vault_apikey_info *k)
{
	struct page *p = ctx;
	const char *status = k->revoked_at != 0                              ? "revoked"
	                     : k->expires_at != 0 && k->expires_at <= p->now ? "expired"
	                                                                     : "active";
	json_t *o = json_pack(
	    "{s:s, s:s, s:s?, s:s?, s:I, s:o?, s:o?, s:s}", "id", k->id, "role", k->role, "staff",
	    k->staff[0] ? k->staff : NULL, "subject", k->subject[0] ? k->subject : NULL,
	    "created_at", (json_int_t)k->created_at, "expires_at",
	    k->expires_at != 0 ? json_integer(k->expires_at) : NULL, "revoked_at",
	    k->revoked_at != 0 ? json_integer(k->revoked_at) : NULL, "status", status);
	return o != NULL && json_array_append_new(p->arr, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

enum MHD_Result http_key_list(struct MHD_Connection *c, struct request *r)
{
	const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	const char *limit_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	unsigned long limit = KEYS_PAGE_DEFAULT;
	if (limit_s != NULL) {
		char *end = NULL;
		limit = strtoul(limit_s, &end, 10);
		if (end == limit_s || *end != '\0' || limit_s[0] == '-' || limit == 0 ||
		    limit > KEYS_PAGE_MAX)
			return http_error(c, r, 422, "invalid_request",
			                  "limit is a number from 1 to 1000", NULL);
	}
	if (after != NULL && !key_id_ok(after))
		return http_error(c, r, 422, "invalid_request",
		                  "after is a key id (the previous page's next)", NULL);
	struct page p = {json_array(), clock_now()};
	/* one more than asked, to know whether another page follows */
	vow_err err =
	    p.arr != NULL ? vault_apikey_list(r->v, after, limit + 1, key_cb, &p) : VOW_ERR_NOMEM;
	if (err != VOW_OK) {
		json_decref(p.arr);
		return http_fail(c, r, err);
	}
	const char *next = NULL;
	if (json_array_size(p.arr) > limit) {
		json_array_remove(p.arr, limit);
		next = json_string_value(json_object_get(json_array_get(p.arr, limit - 1), "id"));
	}
	return http_json(c, r, 200, json_pack("{s:o, s:s?}", "keys", p.arr, "next", next));
}

enum MHD_Result http_key_revoke(struct MHD_Connection *c, struct request *r)
{
	const char *id = r->params[0];
	if (!key_id_ok(id))
		return http_error(c, r, 404, "not_found", "no such key", NULL);
	vow_err err = vault_apikey_revoke(r->v, id, r->key.id);
	switch (err) {
	case VOW_OK:
		return http_json(c, r, 200, json_pack("{s:s, s:s}", "id", id, "status", "revoked"));
	case VOW_ERR_NOT_FOUND:
		return http_error(c, r, 404, "not_found", "no such key", NULL);
	case VOW_ERR_EXISTS:
		return http_error(c, r, 409, "already_revoked", "this key is revoked already",
		                  NULL);
	case VOW_ERR_DENIED:
		return http_error(c, r, 409, "last_admin_key",
		                  "this is the last admin key in force: create another first "
		                  "(vow key create --role admin), then revoke this one",
		                  NULL);
	default:
		return http_fail(c, r, err);
	}
}
