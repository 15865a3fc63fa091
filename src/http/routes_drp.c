/* http/routes_drp.c — the Data Rights Protocol endpoints for authorized
 * agents. They authenticate with the protocol's pair-wise tokens and signed
 * bodies, not vow API keys, and answer in the protocol's own shapes. */
#include <string.h>

#include "http/http_int.h"
#include "rights/rights.h"

static const char *bearer(struct MHD_Connection *c)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	return auth != NULL && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : "";
}

static enum MHD_Result reply(struct MHD_Connection *c, struct request *r, vow_err err,
                             struct drp_answer *a)
{
	if (err != VOW_OK) {
		json_decref(a->body);
		return http_json(c, r, 500,
		                 json_pack("{s:s, s:s, s:b}", "code", "500", "message",
		                           "internal error", "fatal", 0));
	}
	if (a->body == NULL)
		return http_empty(c, r, (unsigned)a->http);
	return http_json(c, r, (unsigned)a->http, a->body);
}

static bool body_ok(struct MHD_Connection *c, struct request *r)
{
	if (!r->too_large)
		return true;
	http_json(c, r, 413,
	          json_pack("{s:s, s:s, s:b}", "code", "413", "message", "the body is too large",
	                    "fatal", 1));
	return false;
}

enum MHD_Result http_drp_pair(struct MHD_Connection *c, struct request *r)
{
	if (!body_ok(c, r))
		return MHD_YES;
	struct drp_answer a = {0};
	vow_err err = drp_pair(r->v, r->params[0], r->body, r->len, &a);
	return reply(c, r, err, &a);
}

enum MHD_Result http_drp_agent(struct MHD_Connection *c, struct request *r)
{
	struct drp_answer a = {0};
	vow_err err = drp_agent_info(r->v, bearer(c), r->params[0], &a);
	return reply(c, r, err, &a);
}

enum MHD_Result http_drp_exercise(struct MHD_Connection *c, struct request *r)
{
	if (!body_ok(c, r))
		return MHD_YES;
	struct drp_answer a = {0};
	vow_err err = drp_exercise(r->v, bearer(c), r->body, r->len, &a);
	return reply(c, r, err, &a);
}

enum MHD_Result http_drp_status(struct MHD_Connection *c, struct request *r)
{
	struct drp_answer a = {0};
	vow_err err = drp_status(r->v, bearer(c), r->params[0], &a);
	return reply(c, r, err, &a);
}

enum MHD_Result http_drp_revoke(struct MHD_Connection *c, struct request *r)
{
	if (!body_ok(c, r))
		return MHD_YES;
	struct drp_answer a = {0};
	vow_err err = drp_revoke(r->v, bearer(c), r->params[0], r->body, r->len, &a);
	return reply(c, r, err, &a);
}

enum MHD_Result http_agent_add(struct MHD_Connection *c, struct request *r)
{
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	vow_err err = vault_agent_add(r->v, json_string_value(json_object_get(b, "id")),
	                              json_string_value(json_object_get(b, "name")),
	                              json_string_value(json_object_get(b, "verify_key")));
	json_decref(b);
	if (err == VOW_ERR_INVALID)
		return http_error(
		    c, r, 422, "invalid_request",
		    "id ([A-Z_]+, under 64), name, and verify_key (an Ed25519 public key, "
		    "32 bytes in base64) are required",
		    NULL);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 201, json_pack("{s:b}", "registered", 1));
}
