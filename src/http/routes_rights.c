/* http/routes_rights.c — handlers for data-subject-rights requests and
 * export downloads. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "rights/rights.h"
#include "util/clock.h"

#define K(kind) (1u << (kind))

static bool kind_ok(struct MHD_Connection *c, struct request *r, unsigned mask)
{
	if ((mask >> r->key.kind) & 1u)
		return true;
	http_error(c, r, 403, "forbidden", "this key's role may not do this", "role_not_allowed");
	return false;
}

bool http_may_act_for(struct MHD_Connection *c, struct request *r, const char *subject)
{
	if (!http_subject_allowed(c, r, subject))
		return false; /* a subject key: for its own person only (answered) */
	if (r->key.kind == API_ADMIN || r->key.kind == API_SUBJECT)
		return true;
	const struct policy *p = vault_policy(r->v);
	uint32_t i = p != NULL ? policy_role_find(p, r->key.role) : POLICY_NONE;
	if (i != POLICY_NONE && p->roles[i].acts_for_subjects)
		return true;
	http_error(c, r, 403, "may_not_act_for_person",
	           "this key's role may not act in a person's name: the policy gives that to "
	           "roles with acts_for_subjects",
	           "role_not_allowed");
	return false;
}

static enum MHD_Result request_error(struct MHD_Connection *c, struct request *r, vow_err err,
                                     const char *what)
{
	switch (err) {
	case VOW_ERR_EXISTS:
		return http_error(c, r, 409, "request_closed_or_past",
		                  "the request is past this step (verified, completed or denied)",
		                  NULL);
	case VOW_ERR_DENIED:
		return http_error(c, r, 403, "not_allowed", what, vault_last_denial(r->v));
	case VOW_ERR_INVALID:
		return http_error(c, r, 422, "invalid_request", what, NULL);
	default:
		return http_fail(c, r, err);
	}
}

static json_t *request_json(const struct vault_request *q)
{
	char received[21], due[21], closed[21] = "";
	clock_format(q->received_at, received);
	clock_format(q->due_at, due);
	if (q->closed_at != 0)
		clock_format(q->closed_at, closed);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:i, s:s?, s:s?}", "id", q->id,
	                 "subject", q->subject, "type", q->type, "status", q->status, "channel",
	                 q->channel, "received_at", received, "due_at", due, "closed_at",
	                 q->closed_at != 0 ? closed : NULL, "extended_months", q->extended,
	                 "ground", q->ground[0] ? q->ground : NULL, "note",
	                 q->note[0] ? q->note : NULL);
}

/* Loads request id and checks the key may see it (subject keys: their own). */
static bool load(struct MHD_Connection *c, struct request *r, struct vault_request *q,
                 char **detail)
{
	vow_err err = vault_request_get(r->v, r->params[0], q, detail);
	if (err != VOW_OK) {
		http_fail(c, r, err);
		return false;
	}
	if (!http_subject_allowed(c, r, q->subject)) {
		if (detail != NULL) {
			free(*detail);
			*detail = NULL;
		}
		return false;
	}
	return true;
}

enum MHD_Result http_request_file(struct MHD_Connection *c, struct request *r)
{
	if (!kind_ok(c, r, K(API_ADMIN) | K(API_SERVICE) | K(API_STAFF) | K(API_SUBJECT)))
		return MHD_YES;
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	const char *subject = json_string_value(json_object_get(b, "subject"));
	const char *type = json_string_value(json_object_get(b, "type"));
	json_t *detail = json_object_get(b, "detail");
	if (subject == NULL && r->key.kind == API_SUBJECT)
		subject = r->key.subject;
	if (subject == NULL || type == NULL || (detail != NULL && !json_is_object(detail))) {
		json_decref(b);
		return http_error(c, r, 422, "invalid_request",
		                  "subject and type (strings) are required; detail is an object",
		                  NULL);
	}
	if (!id_valid(subject) || !http_may_act_for(c, r, subject)) {
		json_decref(b);
		return r->answered ? MHD_YES
		                   : http_error(c, r, 404, "not_found", "no such subject", NULL);
	}
	char channel[64];
	if (r->key.kind == API_STAFF)
		snprintf(channel, sizeof(channel), "staff:%.50s", r->key.staff);
	else
		snprintf(channel, sizeof(channel), "%s",
		         r->key.kind == API_SUBJECT ? "subject"
		         : r->key.kind == API_ADMIN ? "admin"
		                                    : "service");
	char *dtext = detail != NULL ? json_dumps(detail, JSON_COMPACT) : NULL;
	/* an authenticated subject session is the identity check; an admin (the
	 * privacy officer) may say they checked it another way */
	json_t *checked = json_object_get(b, "identity_verified");
	if (checked != NULL && (!json_is_boolean(checked) || r->key.kind != API_ADMIN)) {
		free(dtext);
		json_decref(b);
		return http_error(c, r, 422, "invalid_request",
		                  "identity_verified (a boolean) is for admin keys only", NULL);
	}
	struct rights_filing f = {subject, type, channel, dtext,
	                          r->key.kind == API_SUBJECT || json_is_true(checked)};
	char id[VOW_ID_LEN + 1];
	vow_err err = rights_file(r->v, &f, id);
	free(dtext);
	json_decref(b);
	if (err == VOW_ERR_EXISTS)
		return http_json(
		    c, r, 409,
		    json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "request_already_open",
		              "message",
		              "a request of this type is already open for this person: see it, or "
		              "ask for a new code with /resend; nothing new was sent",
		              "request", id));
	if (err != VOW_OK)
		return request_error(
		    c, r, err,
		    "type is one of access, portability, rectification, erasure, "
		    "restriction, restriction_lift, objection, withdrawal; detail must "
		    "name a declared category (and value) or purpose");
	struct vault_request q;
	err = vault_request_get(r->v, id, &q, NULL);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 201, request_json(&q));
}

struct list_ctx {
	json_t *arr;
	bool overdue;
	int64_t now;
};

static vow_err list_cb(void *ctx, const struct vault_request *q)
{
	struct list_ctx *l = ctx;
	if (l->overdue && q->due_at >= l->now)
		return VOW_OK;
	json_t *o = request_json(q);
	return o != NULL && json_array_append_new(l->arr, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

enum MHD_Result http_request_list(struct MHD_Connection *c, struct request *r)
{
	if (!kind_ok(c, r, K(API_ADMIN) | K(API_SERVICE) | K(API_SUBJECT)))
		return MHD_YES;
	const char *subject = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "subject");
	const char *open = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "open");
	const char *overdue = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "overdue");
	if (r->key.kind == API_SUBJECT)
		subject = r->key.subject;
	if (subject != NULL && !id_valid(subject))
		return http_error(c, r, 422, "invalid_request", "subject is a subject id", NULL);
	struct list_ctx l = {json_array(), overdue != NULL && strcmp(overdue, "1") == 0,
	                     clock_now()};
	bool open_only = l.overdue || (open != NULL && strcmp(open, "1") == 0);
	vow_err err = l.arr != NULL ? vault_request_list(r->v, subject, open_only, list_cb, &l)
	                            : VOW_ERR_NOMEM;
	if (err != VOW_OK) {
		json_decref(l.arr);
		return http_fail(c, r, err);
	}
	return http_json(c, r, 200, json_pack("{s:o}", "requests", l.arr));
}

static vow_err event_cb(void *ctx, const char *status, int64_t at, const char *note)
{
	char t[21];
	clock_format(at, t);
	json_t *o =
	    json_pack("{s:s, s:s, s:s?}", "status", status, "at", t, "note", note[0] ? note : NULL);
	return o != NULL && json_array_append_new(ctx, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

enum MHD_Result http_request_get(struct MHD_Connection *c, struct request *r)
{
	if (!kind_ok(c, r, K(API_ADMIN) | K(API_SERVICE) | K(API_SUBJECT)))
		return MHD_YES;
	struct vault_request q;
	char *detail = NULL;
	if (!load(c, r, &q, &detail))
		return MHD_YES;
	json_t *o = request_json(&q);
	json_t *events = json_array();
	vow_err err = o != NULL && events != NULL
	                  ? vault_request_events(r->v, q.id, event_cb, events)
	                  : VOW_ERR_NOMEM;
	if (err == VOW_OK && json_object_set_new(o, "history", events) != 0)
		err = VOW_ERR_NOMEM;
	else if (err != VOW_OK)
		json_decref(events);
	/* the answer (a completed request's detail) for the person and the DPO */
	json_t *d = detail != NULL ? json_loads(detail, 0, NULL) : NULL;
	if (err == VOW_OK && d != NULL && strcmp(q.status, "completed") == 0 &&
	    r->key.kind != API_SERVICE && json_object_set_new(o, "result", d) != 0)
		err = VOW_ERR_NOMEM;
	else if (d != NULL && (strcmp(q.status, "completed") != 0 || r->key.kind == API_SERVICE))
		json_decref(d);
	free(detail);
	if (err != VOW_OK) {
		json_decref(o);
		return http_fail(c, r, err);
	}
	return http_json(c, r, 200, o);
}

enum MHD_Result http_request_verify(struct MHD_Connection *c, struct request *r)
{
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	const char *code = json_string_value(json_object_get(b, "code"));
	int64_t until = 0;
	vow_err err = id_valid(r->params[0]) ? rights_verify(r->v, r->params[0], code, &until)
	                                     : VOW_ERR_NOT_FOUND;
	json_decref(b);
	char at[21] = "";
	if (until != 0)
		clock_format(until, at);
	if (err == VOW_ERR_LOCKED)
		return http_json(
		    c, r, 429,
		    json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "verification_locked",
		              "message",
		              "too many wrong codes for this person: no code is accepted in their "
		              "name until locked_until (the person was told)",
		              "locked_until", at));
	if (err == VOW_ERR_DENIED)
		return http_json(c, r, 403,
		                 json_pack("{s:{s:s, s:s, s:s, s:s?}}", "error", "code", "wrong_code",
		                           "message", "that is not the code we sent", "reason",
		                           "wrong_code", "locked_until", until != 0 ? at : NULL));
	if (err == VOW_ERR_INVALID)
		return http_error(
		    c, r, 410, "code_expired",
		    "no valid code any more (expired, or too many tries): ask for a new one", NULL);
	if (err != VOW_OK)
		return request_error(c, r, err, "");
	return http_json(c, r, 200,
	                 json_pack("{s:s, s:s}", "id", r->params[0], "status", "verified"));
}

enum MHD_Result http_request_resend(struct MHD_Connection *c, struct request *r)
{
	if (!kind_ok(c, r, K(API_ADMIN) | K(API_SERVICE) | K(API_STAFF)))
		return MHD_YES;
	/* a new code is sent only by those who may file for the person */
	struct vault_request q;
	if (!load(c, r, &q, NULL) || !http_may_act_for(c, r, q.subject))
		return MHD_YES;
	vow_err err = rights_resend_code(r->v, r->params[0]);
	if (err != VOW_OK)
		return request_error(c, r, err, "");
	return http_json(c, r, 200, json_pack("{s:b}", "sent", 1));
}

enum MHD_Result http_request_process(struct MHD_Connection *c, struct request *r)
{
	char *result = NULL;
	vow_err err = rights_process(r->v, r->params[0], &result);
	if (err == VOW_ERR_DENIED)
		return http_error(c, r, 409, "not_verified",
		                  "the person's identity is not verified yet", NULL);
	if (err != VOW_OK)
		return request_error(c, r, err, "");
	json_t *j = json_loads(result, 0, NULL);
	free(result);
	return http_json(c, r, 200, j);
}

enum MHD_Result http_request_deny(struct MHD_Connection *c, struct request *r)
{
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	vow_err err =
	    rights_deny(r->v, r->params[0], json_string_value(json_object_get(b, "ground")),
	                json_string_value(json_object_get(b, "reason")));
	json_decref(b);
	if (err != VOW_OK)
		return request_error(
		    c, r, err,
		    "ground: art17_3_a..art17_3_e (erasure), identity_not_verified, "
		    "manifestly_unfounded, excessive, right_not_applicable; reason: your words, up "
		    "to "
		    "200 bytes");
	return http_json(c, r, 200,
	                 json_pack("{s:s, s:s}", "id", r->params[0], "status", "denied"));
}

enum MHD_Result http_request_extend(struct MHD_Connection *c, struct request *r)
{
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	json_t *m = json_object_get(b, "months");
	/* a count beyond int is refused, not cut to its low bits */
	vow_err err = json_is_integer(m) && json_integer_value(m) >= INT_MIN &&
	                      json_integer_value(m) <= INT_MAX
	                  ? rights_extend(r->v, r->params[0], (int)json_integer_value(m),
	                                  json_string_value(json_object_get(b, "reason")))
	                  : VOW_ERR_INVALID;
	json_decref(b);
	if (err != VOW_OK)
		return request_error(c, r, err,
		                     "months (1 or 2 in all) and a reason, within the first month");
	struct vault_request q;
	err = vault_request_get(r->v, r->params[0], &q, NULL);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200, request_json(&q));
}

enum MHD_Result http_export_get(struct MHD_Connection *c, struct request *r)
{
	struct vault_file_reader *rd = NULL;
	struct vault_file_info info;
	vow_err err = rights_export_open(r->v, r->params[0], &rd, &info);
	if (err == VOW_ERR_DENIED)
		return http_error(c, r, 410, "expired", "this download link has expired", NULL);
	if (err != VOW_OK)
		return http_error(c, r, 404, "not_found", "no such download", NULL);
	return http_stream_file(c, r, rd, &info, info.name);
}
