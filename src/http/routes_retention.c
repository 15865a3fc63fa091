/* http/routes_retention.c — handlers for retention (due dates, the keep
 * and let-go links of notices, activity and contract end) and the outbox. */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "retention/retention.h"
#include "util/clock.h"

static const char *arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* The item a link names: subject, category, item ("" or a file id), token. */
struct link {
	const char *subject, *category, *item, *token;
};

static bool link_args(struct MHD_Connection *c, struct request *r, struct link *l)
{
	l->subject = arg(c, "subject");
	l->category = arg(c, "category");
	l->item = arg(c, "item");
	l->token = arg(c, "token");
	if (l->item == NULL)
		l->item = "";
	bool ok = l->subject != NULL && id_valid(l->subject) && l->category != NULL &&
	          taxonomy_key_valid(l->category) && (l->item[0] == '\0' || id_valid(l->item) ||
	           strcmp(l->item, VAULT_DUE_PROFILE_ITEM) == 0) &&
	          l->token != NULL && strlen(l->token) == 64 &&
	          strspn(l->token, "0123456789abcdef") == 64;
	if (!ok)
		http_error(c, r, 422, "invalid_request",
		           "the link needs subject, category, item and token as vow sent them",
		           NULL);
	return ok;
}

enum MHD_Result http_retention_page(struct MHD_Connection *c, struct request *r)
{
	struct link l;
	if (!link_args(c, r, &l))
		return MHD_YES;
	/* a GET never changes anything (mail scanners follow links): a button
	 * posts the same link. Every value was checked to be [a-z0-9._]. */
	char *page = NULL;
	if (asprintf(&page,
	             "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Keep "
	             "your data</title></head><body><main><h1>Keep your data</h1><p>We will "
	             "delete this item of %s on the date in our e-mail. Choose what happens to "
	             "it.</p><form method=\"post\" action=\"/v1/retention/keep?subject=%s&amp;"
	             "category=%s&amp;item=%s&amp;token=%s\"><button type=\"submit\">Keep "
	             "it</button></form><form method=\"post\" action=\"/v1/retention/release?"
	             "subject=%s&amp;category=%s&amp;item=%s&amp;token=%s\"><button "
	             "type=\"submit\">Delete it now</button></form></main></body></html>\n",
	             l.category, l.subject, l.category, l.item, l.token, l.subject, l.category,
	             l.item, l.token) < 0)
		page = NULL;
	return http_text(c, r, "text/html; charset=utf-8", page);
}

/* The answer to keeping an item: the new date, or why not (a refusal code
 * of retention_keep). */
static enum MHD_Result kept(struct MHD_Connection *c, struct request *r, vow_err err, int64_t due,
                            const char *why)
{
	static const struct {
		const char *why;
		unsigned status;
		const char *message;
	} refusals[] = {
	    {"invalid_link", 403, "this link is not valid (any more): its date has moved"},
	    {"not_postponable", 403, "the policy does not let this item be kept longer"},
	    {"no_notice_yet", 409,
	     "an item can be kept longer only once its deletion notice is owed or given"},
	    {"already_postponed", 409,
	     "this item was already kept longer after its notice; the next notice allows it "
	     "again"},
	};
	for (size_t i = 0;
	     err == VOW_ERR_DENIED && why != NULL && i < sizeof(refusals) / sizeof(*refusals); i++)
		if (strcmp(why, refusals[i].why) == 0)
			return http_error(c, r, refusals[i].status, refusals[i].why,
			                  refusals[i].message, refusals[i].why);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	char at[21];
	clock_format(due, at);
	return http_json(c, r, 200,
	                 json_pack("{s:s, s:I}", "kept_until", at, "due_at", (json_int_t)due));
}

enum MHD_Result http_retention_keep(struct MHD_Connection *c, struct request *r)
{
	struct link l;
	if (!link_args(c, r, &l))
		return MHD_YES;
	int64_t due = 0;
	const char *why = NULL;
	/* the person, through the link of the notice e-mailed to them */
	struct vault_keeper by = {"subject", "link"};
	vow_err err = retention_keep(r->v, l.subject, l.category, l.item, l.token, &by, &due, &why);
	return kept(c, r, err, due, why);
}

enum MHD_Result http_retention_release(struct MHD_Connection *c, struct request *r)
{
	struct link l;
	if (!link_args(c, r, &l))
		return MHD_YES;
	vow_err err = retention_release(r->v, l.subject, l.category, l.item, l.token);
	if (err == VOW_ERR_DENIED)
		return http_error(
		    c, r, 403, "invalid_link",
		    "this link is not valid (any more), or the item has no date to end",
		    vault_last_denial(r->v) != NULL ? vault_last_denial(r->v) : "invalid_link");
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200, json_pack("{s:b}", "deleted", 1));
}

/* ---- a subject's due dates ---- */

static vow_err due_cb(void *ctx, const struct vault_due *d)
{
	char due[21] = "", notice[21] = "";
	if (d->due_at != 0)
		clock_format(d->due_at, due);
	if (d->notice_at != 0)
		clock_format(d->notice_at, notice);
	char kept[21] = "";
	if (d->postponed_at != 0)
		clock_format(d->postponed_at, kept);
	json_t *o =
	    json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:b, s:s?, s:s?}", "category", d->category,
	              "item", d->item, "due", d->due_at != 0 ? due : NULL, "notice",
	              d->notice_at != 0 ? notice : NULL, "noticed", d->noticed_at != 0, "held",
	              d->held, "postponed_at", d->postponed_at != 0 ? kept : NULL, "postponed_by",
	              d->postponed_at != 0 ? d->postponed_by : NULL);
	return o != NULL && json_array_append_new(ctx, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

static bool may_act(struct MHD_Connection *c, struct request *r, unsigned kinds)
{
	if (!((kinds >> r->key.kind) & 1u)) {
		http_error(c, r, 403, "forbidden", "this key's role may not do this",
		           "role_not_allowed");
		return false;
	}
	if (!id_valid(r->params[0])) {
		http_error(c, r, 404, "not_found", "no such subject", NULL);
		return false;
	}
	return http_subject_allowed(c, r, r->params[0]);
}

#define ANY_KEY ((1u << API_ADMIN) | (1u << API_SERVICE) | (1u << API_SUBJECT))
#define SERVICE ((1u << API_ADMIN) | (1u << API_SERVICE))

enum MHD_Result http_subject_retention(struct MHD_Connection *c, struct request *r)
{
	if (!may_act(c, r, ANY_KEY))
		return MHD_YES;
	json_t *arr = json_array();
	vow_err err =
	    arr != NULL ? vault_due_subject(r->v, r->params[0], due_cb, arr) : VOW_ERR_NOMEM;
	if (err != VOW_OK) {
		json_decref(arr);
		return http_fail(c, r, err);
	}
	return http_json(c, r, 200, json_pack("{s:o}", "items", arr));
}

enum MHD_Result http_subject_keep(struct MHD_Connection *c, struct request *r)
{
	/* in the person's name: their own key, an admin, or a role the policy
	 * lets act for people (acts_for_subjects) */
	if (!id_valid(r->params[0]))
		return http_error(c, r, 404, "not_found", "no such subject", NULL);
	if (!http_may_act_for(c, r, r->params[0]))
		return MHD_YES;
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	const char *cat = json_string_value(json_object_get(b, "category"));
	const char *item = json_string_value(json_object_get(b, "item"));
	if (cat == NULL || (json_object_get(b, "item") != NULL && item == NULL)) {
		json_decref(b);
		return http_error(c, r, 422, "invalid_request",
		                  "category (string) is required; item (a file id) is optional",
		                  NULL);
	}
	int64_t due = 0;
	const char *why = NULL;
	const char *actor = r->key.staff[0] != '\0' ? r->key.staff : NULL;
	if (r->key.kind == API_ADMIN) /* an admin may name who acts (Vow-Actor) */
		actor = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Vow-Actor");
	struct vault_keeper by = {r->key.kind == API_ADMIN ? "admin" : r->key.role, actor};
	vow_err err = retention_keep(r->v, r->params[0], cat, item != NULL ? item : "", NULL, &by,
	                             &due, &why);
	json_decref(b);
	return kept(c, r, err, due, why);
}

/* POST .../activity and .../contract-end: an optional {"at": unix time}
 * (not in the future); now by default. */
static enum MHD_Result anchor(struct MHD_Connection *c, struct request *r, bool contract)
{
	if (!may_act(c, r, SERVICE))
		return MHD_YES;
	int64_t t = clock_now();
	if (r->len > 0) {
		json_t *b = http_body_json(c, r);
		if (b == NULL)
			return MHD_YES;
		json_t *at = json_object_get(b, "at");
		bool ok = at == NULL || (json_is_integer(at) && json_integer_value(at) > 0 &&
		                         json_integer_value(at) <= t);
		if (ok && at != NULL)
			t = json_integer_value(at);
		json_decref(b);
		if (!ok)
			return http_error(c, r, 422, "invalid_request",
			                  "at is a Unix time, not in the future", NULL);
	}
	vow_err err = contract ? vault_subject_contract_end(r->v, r->params[0], t)
	                       : vault_subject_touch(r->v, r->params[0], t);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200,
	                 json_pack("{s:s, s:I}", contract ? "contract_end" : "last_activity",
	                           r->params[0], "at", (json_int_t)t));
}

enum MHD_Result http_subject_activity(struct MHD_Connection *c, struct request *r)
{
	return anchor(c, r, false);
}

enum MHD_Result http_subject_contract_end(struct MHD_Connection *c, struct request *r)
{
	return anchor(c, r, true);
}

/* ---- the outbox (admin) ---- */

static vow_err msg_cb(void *ctx, const struct vault_message_info *m)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:s}", "id", m->id,
	                      "idempotency_key", m->idem, "kind",
	                      m->kind == VAULT_WEBHOOK ? "webhook" : "email", "template",
	                      m->template_name, "subject", m->subject, "status", m->status,
	                      "attempts", m->attempts, "created_at", (json_int_t)m->created_at,
	                      "sent_at", (json_int_t)m->sent_at, "last_error", m->last_error);
	return o != NULL && json_array_append_new(ctx, o) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

enum MHD_Result http_outbox_list(struct MHD_Connection *c, struct request *r)
{
	const char *subject = arg(c, "subject");
	if (subject != NULL && !id_valid(subject))
		return http_error(c, r, 422, "invalid_request", "subject is a subject id", NULL);
	json_t *arr = json_array();
	vow_err err = arr != NULL ? vault_outbox_list(r->v, subject, msg_cb, arr) : VOW_ERR_NOMEM;
	if (err != VOW_OK) {
		json_decref(arr);
		return http_fail(c, r, err);
	}
	return http_json(c, r, 200, json_pack("{s:o}", "messages", arr));
}

enum MHD_Result http_outbox_retry(struct MHD_Connection *c, struct request *r)
{
	vow_err err = vault_outbox_retry(r->v, r->params[0]);
	if (err == VOW_ERR_INVALID)
		return http_error(
		    c, r, 409, "not_dead",
		    "only a dead message that still holds its content can be sent again", NULL);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200,
	                 json_pack("{s:s, s:s}", "id", r->params[0], "status", "pending"));
}
