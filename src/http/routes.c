/* http/routes.c — the handlers: thin layers over libvow. Each checks what
 * the key may do, reads and validates its input, calls the library (which
 * decides every access to personal data) and answers JSON. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent/consent.h"
#include "crypto/crypto.h"
#include "http/http_int.h"
#include "retention/retention.h"
#include "rights/rights.h"
#include "util/clock.h"

#define PARAM(r, i) ((r)->params[i])

static bool kind_in(const struct request *r, unsigned mask)
{
	return (mask >> r->key.kind) & 1u;
}
#define K_ADMIN   (1u << API_ADMIN)
#define K_SERVICE (1u << API_SERVICE)
#define K_STAFF   (1u << API_STAFF)
#define K_SUBJECT (1u << API_SUBJECT)

static enum MHD_Result forbidden(struct MHD_Connection *c, struct request *r)
{
	return http_error(c, r, 403, "forbidden", "this key's role may not do this",
	                  "role_not_allowed");
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static enum MHD_Result bad_field(struct MHD_Connection *c, struct request *r, const char *msg)
{
	return http_error(c, r, 422, "invalid_request", msg, NULL);
}

/* A subject in the path: well-formed, and the key may act for it. */
static bool subject_ok(struct MHD_Connection *c, struct request *r, const char *id)
{
	if (!id_valid(id)) {
		http_error(c, r, 404, "not_found", "no such subject", NULL);
		return false;
	}
	return http_subject_allowed(c, r, id);
}

static bool need_purpose(struct MHD_Connection *c, struct request *r, const struct vault_access *a)
{
	if (a->purpose != NULL && a->purpose[0] != '\0')
		return true;
	http_error(c, r, 400, "purpose_required", "name the purpose in the Vow-Purpose header",
	           "unknown_purpose");
	return false;
}

/* ---- public ---- */

static enum MHD_Result h_healthz(struct MHD_Connection *c, struct request *r)
{
	return http_json(c, r, 200, json_pack("{s:s}", "status", "ok"));
}

static enum MHD_Result h_gpc(struct MHD_Connection *c, struct request *r)
{
	char *doc = consent_gpc_document(vault_policy(r->v));
	if (doc == NULL)
		return http_error(c, r, 500, "internal_error", "internal error", NULL);
	json_error_t e;
	json_t *j = json_loads(doc, 0, &e);
	free(doc);
	return http_json(c, r, 200, j);
}

static enum MHD_Result h_privacy(struct MHD_Connection *c, struct request *r)
{
	return http_text(c, r, "text/html; charset=utf-8", policy_render_html(vault_policy(r->v)));
}

static enum MHD_Result h_metrics(struct MHD_Connection *c, struct request *r)
{
	return http_text(c, r, "text/plain; version=0.0.4", http_metrics_text());
}

/* ---- subjects ---- */

static enum MHD_Result h_subject_create(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE))
		return forbidden(c, r);
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	static const char *const fields[] = {"email",  "phone", "region",          "birth_date",
	                                     "locale", "age",   "parental_consent"};
	const char *k;
	json_t *val;
	json_object_foreach(b, k, val)
	{
		bool known = false;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			known |= strcmp(k, fields[i]) == 0;
		/* an age beyond int is refused, not cut to its low bits */
		bool typed = strcmp(k, "age") == 0
		                 ? json_is_integer(val) && json_integer_value(val) >= INT_MIN &&
		                       json_integer_value(val) <= INT_MAX
		             : strcmp(k, "parental_consent") == 0 ? json_is_boolean(val)
		                                                  : json_is_string(val);
		if (!known || !typed) {
			json_decref(b);
			return bad_field(c, r,
			                 "fields: email, phone, region, birth_date, locale "
			                 "(strings), age (integer), parental_consent (boolean)");
		}
	}
	struct vault_subject_new in = {str(b, "email"),
	                               str(b, "phone"),
	                               str(b, "region"),
	                               str(b, "birth_date"),
	                               (int)json_integer_value(json_object_get(b, "age")),
	                               str(b, "locale"),
	                               json_is_true(json_object_get(b, "parental_consent"))};
	char id[VOW_ID_LEN + 1];
	vow_err err = vault_subject_create(r->v, &in, id);
	json_decref(b);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 201, json_pack("{s:s}", "id", id));
}

static enum MHD_Result h_subject_find(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE))
		return forbidden(c, r);
	const char *email = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "email");
	const char *phone = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "phone");
	char id[VOW_ID_LEN + 1];
	if (email != NULL || phone != NULL) {
		vow_err err =
		    vault_subject_find(r->v, email != NULL ? VAULT_BY_EMAIL : VAULT_BY_PHONE,
		                       email != NULL ? email : phone, id);
		if (err != VOW_OK)
			return http_fail(c, r, err);
		return http_json(c, r, 200, json_pack("{s:s}", "id", id));
	}
	return http_error(c, r, 400, "invalid_request", "look up by ?email= or ?phone=", NULL);
}

static enum MHD_Result h_subject_get(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE | K_SUBJECT) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	struct vault_subject s;
	vow_err err = vault_subject_get(r->v, PARAM(r, 0), &s);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	static const char *const st[] = {"active", "closed", "erased"};
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", s.id, "status", st[s.status],
	                      "region", s.region, "created_at", (json_int_t)s.created_at,
	                      "closed_at", (json_int_t)s.closed_at);
	vault_subject_clear(&s);
	return http_json(c, r, 200, j);
}

static enum MHD_Result h_subject_close(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE | K_SUBJECT) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	size_t deleted = 0;
	vow_err err = retention_close_account(r->v, PARAM(r, 0), &deleted);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200,
	                 json_pack("{s:s, s:s, s:I}", "id", PARAM(r, 0), "status", "closed",
	                           "deleted_at_once", (json_int_t)deleted));
}

static enum MHD_Result h_subject_erase(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE | K_SUBJECT) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	char *receipt = NULL;
	vow_err err = rights_erase(r->v, PARAM(r, 0), NULL, &receipt);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	json_error_t e;
	json_t *j = json_loads(receipt, 0, &e);
	free(receipt);
	return http_json(c, r, 200, j);
}

/* ---- data ---- */

static vow_err category_cb(void *ctx, const char *category, int64_t version, int64_t at, bool held)
{
	json_array_append_new(ctx, json_pack("{s:s, s:I, s:I, s:b}", "category", category,
	                                     "version", (json_int_t)version, "updated_at",
	                                     (json_int_t)at, "held", held));
	return VOW_OK;
}

/* A staff key (e.g. an assigned-only transcriber) sees in a listing only
 * what it could open for the purpose it names: each item is decided (and
 * audited) like an access. Other keys see the whole list. Answers and
 * returns false when the request cannot go on. */
static bool staff_filter(struct MHD_Connection *c, struct request *r, json_t **arr,
                         const char *category_field, const char *file_field)
{
	if (r->key.kind != API_STAFF)
		return true;
	struct vault_access a;
	http_access(c, r, &a);
	a.listing = true;
	json_t *kept = json_array();
	size_t i;
	json_t *item;
	vow_err err = kept != NULL ? VOW_OK : VOW_ERR_NOMEM;
	json_array_foreach(*arr, i, item)
	{
		if (err != VOW_OK)
			break;
		const char *cat = json_string_value(json_object_get(item, category_field));
		const char *file = file_field != NULL
		                       ? json_string_value(json_object_get(item, file_field))
		                       : NULL;
		bool held = json_is_true(json_object_get(item, "held"));
		err = vault_check(r->v, &a, PARAM(r, 0), cat, file, NULL, NULL, held, NULL);
		if (err == VOW_OK && json_array_append(kept, item) != 0)
			err = VOW_ERR_NOMEM;
		else if (err == VOW_ERR_DENIED)
			err = VOW_OK;
	}
	json_decref(*arr);
	*arr = kept;
	if (err != VOW_OK) {
		json_decref(kept);
		*arr = NULL;
		http_fail(c, r, err);
		return false;
	}
	return true;
}

/* Answers a listing, taking arr: the error when err is not VOW_OK, else
 * 200 {name: arr}, filtered for a staff key by staff_filter when
 * category_field names the items' category. */
static enum MHD_Result answer_list(struct MHD_Connection *c, struct request *r, vow_err err,
                                   json_t *arr, const char *name, const char *category_field,
                                   const char *file_field)
{
	if (err != VOW_OK) {
		json_decref(arr);
		return http_fail(c, r, err);
	}
	if (category_field != NULL && !staff_filter(c, r, &arr, category_field, file_field))
		return MHD_YES;
	return http_json(c, r, 200, json_pack("{s:o}", name, arr));
}

static enum MHD_Result h_data_list(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!subject_ok(c, r, PARAM(r, 0)) || (r->key.kind == API_STAFF && !need_purpose(c, r, &a)))
		return MHD_YES;
	json_t *arr = json_array();
	vow_err err = vault_record_categories(r->v, PARAM(r, 0), category_cb, arr);
	return answer_list(c, r, err, arr, "categories", "category", NULL);
}

static enum MHD_Result h_data_put(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!subject_ok(c, r, PARAM(r, 0)) || !need_purpose(c, r, &a))
		return MHD_YES;
	if (r->too_large)
		return http_error(c, r, 413, "too_large", "the value is over the limit", NULL);
	struct vault_put_result res;
	vow_err err = vault_record_put_result(r->v, &a, PARAM(r, 0), PARAM(r, 1),
	                                      r->body != NULL ? r->body : "", r->len, &res);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	http_metrics_decision(true, "allowed");
	if (res.intake != INTAKE_KEEP) /* say what was kept of it */
		return http_json(c, r, 200,
		                 json_pack("{s:b, s:s, s:s?}", "stored", res.stored, "intake",
		                           policy_intake_name(res.intake), "value",
		                           res.intake == INTAKE_TRUNCATE_IP ? res.network : NULL));
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(c, 204, resp);
	MHD_destroy_response(resp);
	r->status = 204;
	r->answered = true;
	return ret;
}

static enum MHD_Result h_data_get(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!subject_ok(c, r, PARAM(r, 0)) || !need_purpose(c, r, &a))
		return MHD_YES;
	char *val = NULL;
	size_t len = 0;
	vow_err err = vault_record_get(r->v, &a, PARAM(r, 0), PARAM(r, 1), &val, &len);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	http_metrics_decision(true, "allowed");
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, val, MHD_RESPMEM_MUST_COPY);
	vault_value_free(val, len);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	r->status = 200;
	r->answered = true;
	return ret;
}

static enum MHD_Result h_data_verify(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!subject_ok(c, r, PARAM(r, 0)) || !need_purpose(c, r, &a))
		return MHD_YES;
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	json_t *value = json_object_get(b, "value");
	if (!json_is_string(value) || json_object_size(b) != 1) {
		json_decref(b);
		return bad_field(c, r, "send {\"value\": the secret to check, as a string}");
	}
	bool match = false;
	vow_err err = vault_record_verify(r->v, &a, PARAM(r, 0), PARAM(r, 1),
	                                  json_string_value(value), json_string_length(value),
	                                  &match);
	crypto_wipe((void *)json_string_value(value), json_string_length(value));
	json_decref(b);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	http_metrics_decision(true, "allowed");
	return http_json(c, r, 200, json_pack("{s:b}", "match", match));
}

static enum MHD_Result h_data_delete(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!subject_ok(c, r, PARAM(r, 0)) || !need_purpose(c, r, &a))
		return MHD_YES;
	vow_err err = vault_record_delete(r->v, &a, PARAM(r, 0), PARAM(r, 1));
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200, json_pack("{s:b}", "deleted", 1));
}

/* ---- files, streamed ---- */

enum MHD_Result http_upload_start(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_upload_start(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!subject_ok(c, r, PARAM(r, 0)) || !need_purpose(c, r, &a))
		return MHD_YES;
	const char *category = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "category");
	const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (category == NULL)
		return http_error(c, r, 400, "invalid_request",
		                  "name the category: ?category=", NULL);
	/* the content's language: ?language= or Content-Language */
	const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "language");
	if (lang == NULL)
		lang = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Language");
	vow_err err = vault_file_create(r->v, &a, PARAM(r, 0), category, name != NULL ? name : "",
	                                type, &r->writer);
	if (err == VOW_OK && lang != NULL)
		err = vault_file_set_language(r->writer, lang);
	if (err != VOW_OK) {
		vault_file_abort(&r->writer);
		return http_fail(c, r, err); /* answered before the body is read */
	}
	return MHD_YES;
}

static enum MHD_Result h_file_upload(struct MHD_Connection *c, struct request *r)
{
	if (r->writer == NULL)
		return http_error(c, r, 500, "internal_error", "internal error", NULL);
	if (r->upload_err != VOW_OK) {
		vault_file_abort(&r->writer);
		return http_fail(c, r, r->upload_err);
	}
	char id[VOW_ID_LEN + 1];
	vow_err err = vault_file_finish(&r->writer, id);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	http_metrics_decision(true, "allowed");
	return http_json(c, r, 201, json_pack("{s:s}", "id", id));
}

static ssize_t file_read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct vault_file_reader *rd = cls;
	size_t n = 0;
	if (vault_file_read(rd, buf, max, &n) != VOW_OK)
		return MHD_CONTENT_READER_END_WITH_ERROR; /* never send unverified bytes */
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void file_free_cb(void *cls)
{
	struct vault_file_reader *rd = cls;
	vault_file_close(&rd);
}

static enum MHD_Result h_file_get(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!need_purpose(c, r, &a))
		return MHD_YES;
	if (!id_valid(PARAM(r, 0)))
		return http_error(c, r, 404, "not_found", "no such file", NULL);
	struct vault_file_reader *rd = NULL;
	struct vault_file_info info;
	vow_err err = vault_file_open(r->v, &a, PARAM(r, 0), &rd, &info);
	if (err == VOW_OK && r->key.kind == API_SUBJECT &&
	    strcmp(info.subject, r->key.subject) != 0) {
		vault_file_close(&rd);
		return http_error(c, r, 403, "forbidden", "this key acts for another subject",
		                  "wrong_subject");
	}
	if (err != VOW_OK)
		return http_fail(c, r, err);
	http_metrics_decision(true, "allowed");
	return http_stream_file(c, r, rd, &info, NULL);
}

enum MHD_Result http_stream_file(struct MHD_Connection *c, struct request *r,
                                 struct vault_file_reader *rd, const struct vault_file_info *info,
                                 const char *download_name)
{
	struct MHD_Response *resp = MHD_create_response_from_callback(
	    info->size, 64 * 1024, file_read_cb, rd, file_free_cb);
	if (resp == NULL) {
		vault_file_close(&rd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
	                        info->media_type[0] ? info->media_type
	                                            : "application/octet-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (download_name != NULL) {
		char cd[200];
		snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", download_name);
		MHD_add_response_header(resp, "Content-Disposition", cd);
	}
	enum MHD_Result ret = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	r->status = 200;
	r->answered = true;
	return ret;
}

static vow_err file_cb(void *ctx, const struct vault_file_info *f)
{
	json_array_append_new(
	    ctx, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:I, s:I}", "id", f->id, "category",
	                   f->category, "name", f->name, "media_type", f->media_type, "language",
	                   f->language[0] ? f->language : NULL, "size", (json_int_t)f->size,
	                   "created_at", (json_int_t)f->created_at));
	return VOW_OK;
}

static enum MHD_Result h_file_list(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!subject_ok(c, r, PARAM(r, 0)) || (r->key.kind == API_STAFF && !need_purpose(c, r, &a)))
		return MHD_YES;
	json_t *arr = json_array();
	vow_err err = vault_file_list(r->v, PARAM(r, 0), file_cb, arr);
	return answer_list(c, r, err, arr, "files", "category", "id");
}

static enum MHD_Result h_file_delete(struct MHD_Connection *c, struct request *r)
{
	struct vault_access a;
	http_access(c, r, &a);
	if (!need_purpose(c, r, &a))
		return MHD_YES;
	if (!kind_in(r, K_ADMIN | K_SERVICE))
		return forbidden(c, r);
	vow_err err = vault_file_delete(r->v, &a, PARAM(r, 0));
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200, json_pack("{s:b}", "deleted", 1));
}

/* ---- decisions ---- */

static enum MHD_Result h_decide(struct MHD_Connection *c, struct request *r)
{
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	const char *subject = str(b, "subject"), *category = str(b, "category"),
	           *purpose = str(b, "purpose");
	if (subject == NULL || category == NULL || purpose == NULL) {
		json_decref(b);
		return bad_field(c, r, "subject, category and purpose are required strings");
	}
	if (!subject_ok(c, r, subject)) {
		json_decref(b);
		return MHD_YES;
	}
	struct vault_access a;
	http_access(c, r, &a);
	a.purpose = purpose;
	if (str(b, "actor") != NULL && kind_in(r, K_ADMIN | K_SERVICE))
		a.actor = str(b, "actor");
	if (str(b, "role") != NULL && kind_in(r, K_ADMIN | K_SERVICE))
		a.role = str(b, "role");
	struct decide_result res;
	vow_err err = vault_check(r->v, &a, subject, category, str(b, "file"), str(b, "recipient"),
	                          str(b, "attr"), false, &res);
	json_decref(b);
	if (err != VOW_OK && err != VOW_ERR_DENIED)
		return http_fail(c, r, err);
	http_metrics_decision(res.allow, decide_reason_code(res.reason));
	return http_json(c, r, 200,
	                 json_pack("{s:b, s:s, s:s}", "allow", res.allow, "reason",
	                           decide_reason_code(res.reason), "message",
	                           decide_reason_message(res.reason)));
}

/* ---- consents, objections, restrictions ---- */

static enum MHD_Result h_consent_give(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE | K_SUBJECT) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	const char *purpose = str(b, "purpose"), *state = str(b, "state");
	const char *method = str(b, "method") != NULL ? str(b, "method") : "api";
	enum decide_consent st = CONSENT_NONE;
	if (state != NULL)
		st = strcmp(state, "given") == 0       ? CONSENT_GIVEN
		     : strcmp(state, "refused") == 0   ? CONSENT_REFUSED
		     : strcmp(state, "withdrawn") == 0 ? CONSENT_WITHDRAWN
		                                       : CONSENT_NONE;
	if (purpose == NULL || st == CONSENT_NONE) {
		json_decref(b);
		return bad_field(
		    c, r, "purpose (string) and state (given, refused or withdrawn) are required");
	}
	const char *gpc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-GPC");
	const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
	struct consent_evidence ev = {str(b, "ip"), ua, gpc != NULL && strcmp(gpc, "1") == 0};
	char *receipt = NULL;
	vow_err err = consent_record(r->v, PARAM(r, 0), purpose, st, method, &ev, &receipt);
	json_decref(b);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	json_error_t e;
	json_t *j = json_loads(receipt, 0, &e);
	free(receipt);
	return http_json(c, r, 201, j);
}

static vow_err consent_cb(void *ctx, const struct consent_event *e)
{
	static const char *const st[] = {"none", "given", "refused", "withdrawn"};
	json_array_append_new(
	    ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:b}", "id", e->id, "purpose",
	                   e->purpose, "state", st[e->state & 3], "method", e->method,
	                   "policy_version", e->policy_version, "at", (json_int_t)e->at,
	                   "against_gpc", e->against_gpc, "terms_current", e->terms_current));
	return VOW_OK;
}

static enum MHD_Result h_consent_list(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE | K_SUBJECT) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	json_t *arr = json_array();
	vow_err err = consent_history(r->v, PARAM(r, 0), consent_cb, arr);
	return answer_list(c, r, err, arr, "consents", NULL, NULL);
}

static enum MHD_Result h_flag(struct MHD_Connection *c, struct request *r, bool objection)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE | K_SUBJECT) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	const char *target = str(b, objection ? "purpose" : "category");
	bool lift = json_is_true(json_object_get(b, "lift"));
	if (target == NULL) {
		json_decref(b);
		return bad_field(
		    c, r, objection ? "purpose is required" : "category is required (or \"*\")");
	}
	vow_err err = objection
	                  ? consent_object(r->v, PARAM(r, 0), target, !lift)
	                  : consent_restrict(r->v, PARAM(r, 0), target, !lift, str(b, "reason"));
	/* the answer before the body is freed: target lives in it */
	json_t *ans =
	    err == VOW_OK ? json_pack("{s:s, s:b}", "target", target, "in_force", !lift) : NULL;
	json_decref(b);
	if (err == VOW_OK && ans == NULL)
		err = VOW_ERR_NOMEM;
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, lift ? 200 : 201, ans);
}

static enum MHD_Result h_object(struct MHD_Connection *c, struct request *r)
{
	return h_flag(c, r, true);
}
static enum MHD_Result h_restrict(struct MHD_Connection *c, struct request *r)
{
	return h_flag(c, r, false);
}

/* ---- grants and disclosures ---- */

static enum MHD_Result h_grant_add(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	json_t *until = json_object_get(b, "until");
	if (str(b, "actor") == NULL || str(b, "category") == NULL || str(b, "purpose") == NULL ||
	    !json_is_integer(until)) {
		json_decref(b);
		return bad_field(
		    c, r, "actor, category, purpose (strings) and until (Unix time) are required");
	}
	char id[VOW_ID_LEN + 1];
	vow_err err =
	    vault_grant_add(r->v, PARAM(r, 0), str(b, "actor"), str(b, "category"), str(b, "file"),
	                    str(b, "purpose"), json_integer_value(until), id);
	json_decref(b);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 201, json_pack("{s:s}", "id", id));
}

static vow_err grant_cb(void *ctx, const struct vault_grant *g)
{
	json_array_append_new(
	    ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id", g->id, "actor", g->actor,
	                   "category", g->category, "file", g->file, "purpose", g->purpose, "until",
	                   (json_int_t)g->until, "revoked_at", (json_int_t)g->revoked_at));
	return VOW_OK;
}

static enum MHD_Result h_grant_list(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE | K_SUBJECT) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	json_t *arr = json_array();
	vow_err err = vault_grant_list(r->v, PARAM(r, 0), grant_cb, arr);
	return answer_list(c, r, err, arr, "grants", NULL, NULL);
}

static enum MHD_Result h_grant_revoke(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE))
		return forbidden(c, r);
	vow_err err = vault_grant_revoke(r->v, PARAM(r, 0));
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200, json_pack("{s:b}", "revoked", 1));
}

static enum MHD_Result h_disclose(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	struct vault_access a;
	http_access(c, r, &a);
	if (!need_purpose(c, r, &a))
		return MHD_YES;
	json_t *b = http_body_json(c, r);
	if (b == NULL)
		return MHD_YES;
	const char *file = str(b, "file");
	if (str(b, "recipient") == NULL || (str(b, "category") == NULL && file == NULL)) {
		json_decref(b);
		return bad_field(c, r, "recipient and category (or file) are required strings");
	}
	char id[VOW_ID_LEN + 1];
	vow_err err = VOW_OK;
	if (file != NULL) {
		/* the file's own category and language decide; it must be this
		 * subject's, and of the category named, if one is */
		err = vault_disclosure_record_file(r->v, &a, PARAM(r, 0), str(b, "recipient"), file,
		                                   str(b, "category"), id);
	} else {
		err = vault_disclosure_record(r->v, &a, PARAM(r, 0), str(b, "recipient"),
		                              str(b, "category"), str(b, "attr"), id);
	}
	json_decref(b);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	http_metrics_decision(true, "allowed");
	return http_json(c, r, 201, json_pack("{s:s}", "id", id));
}

static vow_err disclosure_cb(void *ctx, const struct vault_disclosure *d)
{
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id",
	                                     d->id, "recipient", d->recipient, "category",
	                                     d->category, "purpose", d->purpose, "basis", d->basis,
	                                     "transfer", d->transfer, "country", d->country, "at",
	                                     (json_int_t)d->at));
	return VOW_OK;
}

static enum MHD_Result h_disclosure_list(struct MHD_Connection *c, struct request *r)
{
	if (!kind_in(r, K_ADMIN | K_SERVICE | K_SUBJECT) || !subject_ok(c, r, PARAM(r, 0)))
		return r->answered ? MHD_YES : forbidden(c, r);
	json_t *arr = json_array();
	vow_err err = vault_disclosure_list(r->v, PARAM(r, 0), disclosure_cb, arr);
	return answer_list(c, r, err, arr, "disclosures", NULL, NULL);
}

static enum MHD_Result h_consent_key(struct MHD_Connection *c, struct request *r)
{
	char hex[65];
	vow_err err = vault_public_key(r->v, hex);
	if (err != VOW_OK)
		return http_fail(c, r, err);
	return http_json(c, r, 200,
	                 json_pack("{s:s, s:s}", "algorithm", "Ed25519", "public_key", hex));
}

const struct route http_route_table[] = {
    {"GET", "/healthz", h_healthz, ROUTE_PUBLIC},
    {"GET", "/privacy", h_privacy, ROUTE_PUBLIC},
    {"GET", "/.well-known/gpc.json", h_gpc, ROUTE_PUBLIC},
    {"GET", "/metrics", h_metrics, ROUTE_ADMIN},
    {"POST", "/v1/subjects", h_subject_create, ROUTE_BODY | ROUTE_WRITES},
    {"GET", "/v1/subjects", h_subject_find, 0},
    {"GET", "/v1/subjects/{id}", h_subject_get, 0},
    {"DELETE", "/v1/subjects/{id}", h_subject_erase, ROUTE_WRITES},
    {"POST", "/v1/subjects/{id}/close", h_subject_close, ROUTE_WRITES},
    {"GET", "/v1/subjects/{id}/data", h_data_list, 0},
    {"PUT", "/v1/subjects/{id}/data/{category}", h_data_put, ROUTE_BODY | ROUTE_WRITES},
    {"GET", "/v1/subjects/{id}/data/{category}", h_data_get, 0},
    {"DELETE", "/v1/subjects/{id}/data/{category}", h_data_delete, ROUTE_WRITES},
    {"POST", "/v1/subjects/{id}/data/{category}/verify", h_data_verify, ROUTE_BODY},
    {"POST", "/v1/subjects/{id}/files", h_file_upload, ROUTE_UPLOAD | ROUTE_WRITES},
    {"GET", "/v1/subjects/{id}/files", h_file_list, 0},
    {"GET", "/v1/files/{id}", h_file_get, 0},
    {"DELETE", "/v1/files/{id}", h_file_delete, ROUTE_WRITES},
    {"POST", "/v1/decide", h_decide, ROUTE_BODY},
    {"POST", "/v1/subjects/{id}/consents", h_consent_give, ROUTE_BODY | ROUTE_WRITES},
    {"GET", "/v1/subjects/{id}/consents", h_consent_list, 0},
    {"POST", "/v1/subjects/{id}/objections", h_object, ROUTE_BODY | ROUTE_WRITES},
    {"POST", "/v1/subjects/{id}/restrictions", h_restrict, ROUTE_BODY | ROUTE_WRITES},
    {"POST", "/v1/subjects/{id}/grants", h_grant_add, ROUTE_BODY | ROUTE_WRITES},
    {"GET", "/v1/subjects/{id}/grants", h_grant_list, 0},
    {"DELETE", "/v1/grants/{id}", h_grant_revoke, ROUTE_WRITES},
    {"POST", "/v1/subjects/{id}/disclosures", h_disclose, ROUTE_BODY | ROUTE_WRITES},
    {"GET", "/v1/subjects/{id}/disclosures", h_disclosure_list, 0},
    {"GET", "/v1/consent-key", h_consent_key, 0},
    {"GET", "/v1/retention/keep", http_retention_page, ROUTE_PUBLIC},
    {"POST", "/v1/retention/keep", http_retention_keep, ROUTE_PUBLIC | ROUTE_WRITES},
    {"POST", "/v1/retention/release", http_retention_release, ROUTE_PUBLIC | ROUTE_WRITES},
    {"GET", "/v1/subjects/{id}/retention", http_subject_retention, 0},
    {"POST", "/v1/subjects/{id}/retention/keep", http_subject_keep, ROUTE_BODY | ROUTE_WRITES},
    {"POST", "/v1/subjects/{id}/activity", http_subject_activity, ROUTE_BODY | ROUTE_WRITES},
    {"POST", "/v1/subjects/{id}/contract-end", http_subject_contract_end,
     ROUTE_BODY | ROUTE_WRITES},
    {"GET", "/v1/outbox", http_outbox_list, ROUTE_ADMIN},
    {"POST", "/v1/outbox/{id}/retry", http_outbox_retry, ROUTE_ADMIN | ROUTE_WRITES},
    {"POST", "/v1/requests", http_request_file, ROUTE_BODY | ROUTE_WRITES},
    {"GET", "/v1/requests", http_request_list, 0},
    {"GET", "/v1/requests/{id}", http_request_get, 0},
    {"POST", "/v1/requests/{id}/verify", http_request_verify,
     ROUTE_PUBLIC | ROUTE_BODY | ROUTE_WRITES},
    {"POST", "/v1/requests/{id}/resend", http_request_resend, ROUTE_WRITES},
    {"POST", "/v1/requests/{id}/process", http_request_process, ROUTE_ADMIN | ROUTE_WRITES},
    {"POST", "/v1/requests/{id}/deny", http_request_deny, ROUTE_ADMIN | ROUTE_BODY | ROUTE_WRITES},
    {"POST", "/v1/requests/{id}/extend", http_request_extend,
     ROUTE_ADMIN | ROUTE_BODY | ROUTE_WRITES},
    {"GET", "/v1/exports/{id}", http_export_get, ROUTE_PUBLIC},
    {"POST", "/v1/agents", http_agent_add, ROUTE_ADMIN | ROUTE_BODY | ROUTE_WRITES},
    {"POST", "/v1/agent/{id}", http_drp_pair, ROUTE_PUBLIC | ROUTE_WRITES},
    {"GET", "/v1/agent/{id}", http_drp_agent, ROUTE_PUBLIC},
    {"POST", "/v1/data-rights-request", http_drp_exercise, ROUTE_PUBLIC | ROUTE_WRITES},
    {"GET", "/v1/data-rights-request/{id}", http_drp_status, ROUTE_PUBLIC},
    {"DELETE", "/v1/data-rights-request/{id}", http_drp_revoke, ROUTE_PUBLIC | ROUTE_WRITES},
    {"GET", "/v1/keys", http_key_list, ROUTE_ADMIN},
    {"DELETE", "/v1/keys/{id}", http_key_revoke, ROUTE_ADMIN | ROUTE_WRITES},
};
const size_t http_route_count = sizeof(http_route_table) / sizeof(http_route_table[0]);

const char *const *http_routes(size_t *n)
{
	static char buf[sizeof(http_route_table) / sizeof(http_route_table[0])][160];
	static const char *out[sizeof(http_route_table) / sizeof(http_route_table[0])];
	for (size_t i = 0; i < http_route_count; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s %s", http_route_table[i].method,
		         http_route_table[i].pattern);
		out[i] = buf[i];
	}
	*n = http_route_count;
	return out;
}
