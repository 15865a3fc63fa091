/* rights/carry.c — carrying a verified request out: the export, erasure
 * with notices to every recipient that received the data, rectification
 * (history kept), restriction and its lifting (the person told first),
 * objection and withdrawal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent/consent.h"
#include "crypto/crypto.h"
#include "notify/notify.h"
#include "rights/rights_int.h"
#include "util/clock.h"
#include "util/grow.h"
#include "util/id.h"

/* ---- recipients ---- */

struct recipients {
	json_t *by_key;       /* recipient key -> [categories] */
	const char *category; /* only those that received this one (or a child), NULL: all */
};

static vow_err disclosure_cb(void *ctx, const struct vault_disclosure *d)
{
	struct recipients *r = ctx;
	if (r->category != NULL && strcmp(r->category, "*") != 0 &&
	    !taxonomy_key_covers(r->category, d->category) &&
	    !taxonomy_key_covers(d->category, r->category))
		return VOW_OK;
	json_t *cats = json_object_get(r->by_key, d->recipient);
	if (cats == NULL) {
		cats = json_array();
		if (cats == NULL || json_object_set_new(r->by_key, d->recipient, cats) != 0)
			return VOW_ERR_NOMEM;
	}
	size_t i;
	json_t *c;
	json_array_foreach(cats, i,
	                   c) if (strcmp(json_string_value(c), d->category) == 0) return VOW_OK;
	return json_array_append_new(cats, json_string(d->category)) == 0 ? VOW_OK : VOW_ERR_NOMEM;
}

/* {recipient: [categories]} of everyone subject's data (of category) went to. */
static vow_err recipients_of(struct vault *v, const char *subject, const char *category,
                             json_t **out)
{
	struct recipients r = {json_object(), category};
	if (r.by_key == NULL)
		return VOW_ERR_NOMEM;
	vow_err err = vault_disclosure_list(v, subject, disclosure_cb, &r);
	if (err != VOW_OK) {
		json_decref(r.by_key);
		return err;
	}
	*out = r.by_key;
	return VOW_OK;
}

/* Queues event to each recipient in by_key that the policy gives a
 * notify_url; *told receives the keys told (and those without a URL under
 * "no_notify_url"). */
static vow_err tell_recipients(struct vault *v, const struct vault_request *r, const char *event,
                               json_t *by_key, json_t *told)
{
	const struct policy *p = vault_policy(v);
	const char *key;
	json_t *cats;
	json_object_foreach(by_key, key, cats)
	{
		uint32_t i = policy_recipient_find(p, key);
		const char *url = i != POLICY_NONE ? p->recipients[i].notify_url : NULL;
		json_t *entry = json_pack("{s:s, s:O, s:b}", "recipient", key, "categories", cats,
		                          "notified", url != NULL);
		if (entry == NULL || json_array_append_new(told, entry) != 0)
			return VOW_ERR_NOMEM;
		if (url == NULL)
			continue;
		json_t *data = json_pack("{s:s, s:s, s:O}", "request", r->id, "right", r->type,
		                         "categories", cats);
		char idem[97];
		snprintf(idem, sizeof(idem), "%s:%s:%.40s", event, r->id, key);
		vow_err err = data != NULL ? notify_webhook(v, url, r->subject, event, data, idem)
		                           : VOW_ERR_NOMEM;
		json_decref(data);
		if (err != VOW_OK)
			return err;
	}
	return VOW_OK;
}

/* ---- completion ---- */

/* Marks r completed with result (taken), telling the person (held: the
 * message waits for release, e.g. until an erasure is done). */
static vow_err complete(struct vault *v, struct vault_request *r, json_t *result,
                        const char *summary, bool held, char **out)
{
	r->updated_at = r->closed_at = clock_now();
	snprintf(r->status, sizeof(r->status), "completed");
	char *text = json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(result);
	if (text == NULL)
		return VOW_ERR_NOMEM;
	char done[21];
	clock_format(r->closed_at, done);
	vow_err err = rights_transition(
	    v, r, text, summary, held ? NULL : "request.completed",
	    held ? NULL : json_pack("{s:s, s:s}", "completed", done, "result", summary), false);
	if (err == VOW_OK)
		err = rights_audit(v, r, NULL);
	if (err == VOW_OK && out != NULL)
		*out = text;
	else
		free(text);
	return err;
}

static vow_err deny_basis(struct vault *v, struct vault_request *r, const char *why, char **out)
{
	vow_err err = rights_deny(v, r->id, "right_not_applicable", why);
	if (err == VOW_OK && out != NULL) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "status", "denied", "ground",
		                      "right_not_applicable", "reason", why);
		*out = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
	}
	return err;
}

/* ---- each right ---- */

static vow_err do_export(struct vault *v, struct vault_request *r, bool portability, char **out)
{
	char base[NOTIFY_URL_MAX];
	vow_err err = notify_public_url(v, base); /* before any work: the link needs it */
	if (err != VOW_OK)
		return err;
	char file[VOW_ID_LEN + 1];
	err = rights_export_write(v, r->subject, r->id, portability, file);
	if (err != VOW_OK)
		return err;
	unsigned char b[32];
	char token[65];
	crypto_random(b, sizeof(b));
	hex_encode(b, sizeof(b), token);
	int64_t expires = clock_now() + RIGHTS_EXPORT_TTL;
	err = vault_request_export_token(v, r->id, token, expires);
	snprintf(r->export_id, sizeof(r->export_id), "%s", file);
	r->export_expires = expires;
	char url[512] = "", until[21], summary[700];
	char path[80];
	snprintf(path, sizeof(path), "/v1/exports/%s", token);
	if (err == VOW_OK)
		err = notify_link(v, path, url, sizeof(url));
	crypto_wipe(path, sizeof(path));
	clock_format(expires, until);
	snprintf(summary, sizeof(summary), "Download your data until %s: %s", until, url);
	crypto_wipe(token, sizeof(token));
	json_t *res = json_pack("{s:s, s:s, s:s, s:b}", "download", url, "expires", until, "format",
	                        "tar", "portability", portability);
	if (err == VOW_OK)
		err = complete(v, r, res, summary, false, out);
	else
		json_decref(res);
	crypto_wipe(url, sizeof(url));
	crypto_wipe(summary, sizeof(summary));
	return err;
}

/* RFC 7396 JSON Merge Patch: patch applied to target (taken), the result
 * returned (NULL on ENOMEM). An object patch merges member by member, a
 * null member removes one; any other patch replaces the target. */
static json_t *merge_patch(json_t *target, json_t *patch)
{
	if (!json_is_object(patch)) {
		json_decref(target);
		return json_deep_copy(patch);
	}
	if (!json_is_object(target)) {
		json_decref(target);
		target = json_object();
		if (target == NULL)
			return NULL;
	}
	const char *k;
	json_t *pv;
	json_object_foreach(patch, k, pv)
	{
		if (json_is_null(pv)) {
			(void)json_object_del(target, k);
			continue;
		}
		json_t *cur = json_object_get(target, k);
		json_incref(cur);
		json_t *merged = merge_patch(cur, pv);
		if (merged == NULL || json_object_set_new(target, k, merged) != 0) {
			json_decref(target);
			return NULL;
		}
	}
	return target;
}

/* The rectified value as JSON text (caller frees with vault_value_free):
 * the detail's value merged into the current one (RFC 7396), or replacing
 * it when the request says "replace": true, when nothing is held yet, or
 * when the category keeps only a hash. */
static vow_err rectified(struct vault *v, const struct vault_request *r, const char *cat,
                         json_t *d, char **out)
{
	json_t *patch = json_object_get(d, "value");
	json_t *cur = NULL;
	if (!json_is_true(json_object_get(d, "replace")) && json_is_object(patch)) {
		char *old = NULL;
		size_t len = 0;
		vow_err err = vault_record_get(v, &rights_access, r->subject, cat, &old, &len);
		if (err == VOW_OK) {
			cur = json_loadb(old, len, JSON_DECODE_ANY, NULL);
			vault_value_free(old, len);
			if (cur == NULL)
				return VOW_ERR_INTEGRITY;
		} else if (err != VOW_ERR_NOT_FOUND &&
		           !(err == VOW_ERR_DENIED && vault_last_denial(v) != NULL &&
		             strcmp(vault_last_denial(v), "hash_only") == 0)) {
			return err;
		}
	}
	json_t *value = cur != NULL ? merge_patch(cur, patch) : json_incref(patch);
	if (value == NULL)
		return VOW_ERR_NOMEM;
	*out = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(value);
	return *out != NULL ? VOW_OK : VOW_ERR_NOMEM;
}

static vow_err do_rectify(struct vault *v, struct vault_request *r, json_t *d, char **out)
{
	const char *cat = json_string_value(json_object_get(d, "category"));
	char *value = NULL;
	vow_err err = rectified(v, r, cat, d, &value);
	if (err == VOW_OK)
		err = vault_record_put(v, &rights_access, r->subject, cat, value, strlen(value));
	if (value != NULL)
		vault_value_free(value, strlen(value));
	json_t *by = NULL, *told = json_array();
	if (err == VOW_OK)
		err = told != NULL ? recipients_of(v, r->subject, cat, &by) : VOW_ERR_NOMEM;
	if (err == VOW_OK)
		err = tell_recipients(v, r, "rectification", by, told);
	json_decref(by);
	if (err != VOW_OK) {
		json_decref(told);
		return err;
	}
	json_t *res = json_pack("{s:s, s:o}", "rectified", cat, "recipients", told);
	return complete(v, r, res,
	                "Your data was corrected; the earlier value is kept in its history.", false,
	                out);
}

/* ---- erasure closes what the person had open ---- */

struct open_ids {
	char (*v)[VOW_ID_LEN + 1];
	size_t n, cap;
	const char *except;
};

static vow_err open_id_cb(void *ctx, const struct vault_request *r)
{
	struct open_ids *l = ctx;
	if (rights_closed(r) || (l->except != NULL && strcmp(r->id, l->except) == 0))
		return VOW_OK;
	if (grow(&l->v, l->n, &l->cap, sizeof(*l->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	memcpy(l->v[l->n++], r->id, VOW_ID_LEN + 1);
	return VOW_OK;
}

vow_err rights_close_erased(struct vault *v, const char *subject, const char *except,
                            size_t *closed)
{
	struct open_ids l = {.except = except};
	size_t n = 0;
	vow_err err = vault_request_list(v, subject, true, open_id_cb, &l);
	for (size_t i = 0; err == VOW_OK && i < l.n; i++) {
		struct vault_request r;
		err = vault_request_get(v, l.v[i], &r, NULL);
		if (err != VOW_OK || rights_closed(&r))
			continue;
		r.updated_at = r.closed_at = clock_now();
		snprintf(r.status, sizeof(r.status), "completed");
		const char *why = strcmp(r.type, "erasure") == 0
		                      ? "the person's data was erased"
		                      : "closed: the person's data was erased, nothing is left to "
		                        "give, change or restrict";
		snprintf(r.note, sizeof(r.note), "%s", why);
		/* no e-mail: the address went with the person; an agent's status
		 * callback still goes (it carries request ids and states only) */
		err = rights_transition(v, &r, NULL, why, NULL, NULL, false);
		if (err == VOW_OK)
			err = rights_audit(v, &r, "erased");
		if (err == VOW_OK)
			n++;
	}
	free(l.v);
	if (closed != NULL)
		*closed = n;
	return err;
}

vow_err rights_erase(struct vault *v, const char *subject, const char *except, char **receipt)
{
	vow_err err = vault_subject_erase(v, subject, receipt);
	if (err != VOW_OK)
		return err;
	err = rights_close_erased(v, subject, except, NULL);
	if (err != VOW_OK) {
		free(*receipt);
		*receipt = NULL;
	}
	return err;
}

static vow_err do_erase(struct vault *v, struct vault_request *r, json_t *d, char **out)
{
	/* 1. who received the data, kept with the request before anything goes */
	json_t *by = json_object_get(d, "recipients");
	if (!json_is_object(by)) {
		json_t *fresh = NULL;
		vow_err err = recipients_of(v, r->subject, NULL, &fresh);
		if (err == VOW_OK && json_object_set_new(d, "recipients", fresh) != 0)
			err = VOW_ERR_NOMEM;
		char *text = err == VOW_OK ? json_dumps(d, JSON_COMPACT) : NULL;
		if (err == VOW_OK && text == NULL)
			err = VOW_ERR_NOMEM;
		/* the person's answer, queued while their address is known, held until done */
		r->updated_at = clock_now();
		char done[21];
		clock_format(r->updated_at, done);
		if (err == VOW_OK)
			err = rights_transition(
			    v, r, text, "recipients recorded", "request.completed",
			    json_pack("{s:s, s:s}", "completed", done, "result",
			              "Your data was erased; only what the law requires us to keep "
			              "remains, restricted."),
			    true);
		free(text);
		if (err != VOW_OK)
			return err;
		by = json_object_get(d, "recipients");
	}
	char held_idem[97];
	snprintf(held_idem, sizeof(held_idem), "request.completed:%s:%lld", r->id,
	         (long long)r->updated_at);
	/* 2. the erasure (crypto-shredding first) */
	char *receipt = NULL;
	vow_err err = rights_erase(v, r->subject, r->id, &receipt);
	json_t *rec = NULL;
	if (err == VOW_OK) {
		rec = json_loads(receipt, 0, NULL);
		free(receipt);
	} else if (err == VOW_ERR_NOT_FOUND) {
		err = VOW_OK; /* an earlier run erased them and stopped before it was recorded */
		rec = json_pack("{s:s}", "note", "erased by an earlier attempt of this request");
	}
	if (err != VOW_OK)
		return err;
	/* 3. the notices, the answer, and the person's message let go */
	json_t *told = json_array();
	err = told != NULL && rec != NULL ? vault_batch_begin(v) : VOW_ERR_NOMEM;
	if (err == VOW_OK) {
		err = tell_recipients(v, r, "erasure", by, told);
		vow_err rel = vault_outbox_release(v, r->subject, held_idem);
		if (err == VOW_OK && rel != VOW_ERR_NOT_FOUND)
			err = rel;
		vow_err cerr = vault_batch_commit(v);
		if (err == VOW_OK)
			err = cerr;
	}
	if (err != VOW_OK) {
		json_decref(told);
		json_decref(rec);
		return err;
	}
	json_t *res = json_pack("{s:o, s:o}", "receipt", rec, "recipients", told);
	return complete(v, r, res, "Your data was erased.", true, out);
}

static vow_err do_restrict(struct vault *v, struct vault_request *r, json_t *d, bool on, char **out)
{
	const char *cat = json_string_value(json_object_get(d, "category"));
	json_t *by = NULL, *told = json_array();
	vow_err err = told != NULL ? VOW_OK : VOW_ERR_NOMEM;
	if (err == VOW_OK && !on) {
		/* Art. 18(3): the person is told before the restriction is lifted */
		char idem[97];
		snprintf(idem, sizeof(idem), "restriction.lifting:%s", r->id);
		const char *status = NULL;
		err = vault_outbox_status(v, r->subject, idem, &status);
		if (err == VOW_OK && (status == NULL || strcmp(status, "sent") != 0)) {
			if (status == NULL) {
				json_t *vars = rights_vars(v, r);
				char today[21];
				clock_format(clock_now(), today);
				const char *reason =
				    json_string_value(json_object_get(d, "reason"));
				if (vars != NULL &&
				    (json_object_set_new(
				         vars, "what",
				         json_string(strcmp(cat, "*") == 0 ? "your data" : cat)) !=
				         0 ||
				     json_object_set_new(vars, "lift_date", json_string(today)) !=
				         0 ||
				     json_object_set_new(
				         vars, "reason",
				         json_string(reason != NULL
				                         ? reason
				                         : "the grounds for it ended")) != 0)) {
					json_decref(vars);
					vars = NULL;
				}
				err = vars != NULL
				          ? notify_email(v, r->subject, "restriction.lifting", vars,
				                         idem, false)
				          : VOW_ERR_NOMEM;
				json_decref(vars);
				if (err == VOW_ERR_NOT_FOUND)
					err = VOW_OK; /* no address: nobody can be told; lifted
					                 below */
				else if (err == VOW_OK) {
					r->updated_at = clock_now();
					snprintf(r->status, sizeof(r->status), "in_progress");
					err = vault_request_save(v, r, NULL,
					                         "the person is being told first");
					status = "pending";
				}
			}
			if (err == VOW_OK && status != NULL) {
				json_decref(told);
				json_t *w = json_pack(
				    "{s:s, s:s}", "status", "waiting", "for",
				    strcmp(status, "dead") == 0
				        ? "the notice to the person, which could not be delivered: "
				          "fix the "
				          "cause and send it again (vow outbox retry, POST "
				          "/v1/outbox/{id}/retry), or tell the person otherwise"
				        : "the notice to the person to be delivered");
				*out = w != NULL ? json_dumps(w, JSON_COMPACT) : NULL;
				json_decref(w);
				return *out != NULL ? VOW_OK : VOW_ERR_NOMEM;
			}
		}
	}
	if (err == VOW_OK)
		err = consent_restrict(v, r->subject, cat, on, on ? "rights request" : NULL);
	if (err == VOW_ERR_NOT_FOUND && !on)
		err = VOW_OK; /* nothing was restricted */
	if (err == VOW_OK)
		err = recipients_of(v, r->subject, cat, &by);
	if (err == VOW_OK)
		err = tell_recipients(v, r, on ? "restriction" : "restriction_lifted", by, told);
	json_decref(by);
	if (err != VOW_OK) {
		json_decref(told);
		return err;
	}
	json_t *res =
	    json_pack("{s:s, s:b, s:o}", "category", cat, "restricted", on, "recipients", told);
	return complete(v, r, res,
	                on ? "Processing of your data is restricted."
	                   : "The restriction was lifted.",
	                false, out);
}

/* Opts the person out of every purpose the policy counts as sale, sharing
 * or targeted advertising: an objection where the basis allows one, a
 * withdrawal of consent where it rests on consent. */
static vow_err do_optout(struct vault *v, struct vault_request *r, char **out)
{
	const struct policy *p = vault_policy(v);
	json_t *done = json_array();
	vow_err err = done != NULL ? VOW_OK : VOW_ERR_NOMEM;
	for (uint32_t i = 0; err == VOW_OK && i < p->n_purposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		if (pu->optout == 0)
			continue;
		if (pu->basis == BASIS_CONSENT) {
			char *receipt = NULL;
			err = consent_record(v, r->subject, pu->key, CONSENT_WITHDRAWN, "request",
			                     NULL, &receipt);
			free(receipt);
		} else {
			err = consent_object(v, r->subject, pu->key, true);
		}
		if (err == VOW_OK && json_array_append_new(done, json_string(pu->key)) != 0)
			err = VOW_ERR_NOMEM;
	}
	if (err != VOW_OK) {
		json_decref(done);
		return err;
	}
	size_t n = json_array_size(done);
	json_t *res = json_pack("{s:o}", "opted_out", done);
	return complete(v, r, res,
	                n > 0
	                    ? "You are opted out of the sale and sharing of your data."
	                    : "We do not sell or share your data; there was nothing to opt out of.",
	                false, out);
}

static vow_err do_purpose(struct vault *v, struct vault_request *r, json_t *d, bool objection,
                          char **out)
{
	const struct policy *p = vault_policy(v);
	const char *key = json_string_value(json_object_get(d, "purpose"));
	if (objection && key == NULL && json_object_get(d, "optout") != NULL)
		return do_optout(v, r, out);
	uint32_t i = policy_purpose_find(p, key);
	if (i == POLICY_NONE)
		return VOW_ERR_INVALID;
	const struct policy_purpose *pur = &p->purposes[i];
	enum rights_type t = objection ? RIGHT_OBJECTION : RIGHT_WITHDRAWAL;
	if (!rights_applies(t, pur->basis, pur->direct_marketing)) {
		char why[200];
		snprintf(why, sizeof(why), "%s rests on %s, which gives no right of %s", key,
		         policy_basis_name(pur->basis), objection ? "objection" : "withdrawal");
		return deny_basis(v, r, why, out);
	}
	vow_err err;
	if (objection) {
		err = consent_object(v, r->subject, key, true);
	} else {
		char *receipt = NULL;
		err = consent_record(v, r->subject, key, CONSENT_WITHDRAWN, "request", NULL,
		                     &receipt);
		free(receipt);
	}
	if (err != VOW_OK)
		return err;
	json_t *res = json_pack("{s:s, s:s}", objection ? "objected" : "withdrawn", key, "basis",
	                        policy_basis_name(pur->basis));
	return complete(v, r, res,
	                objection ? "Your objection is recorded: we no longer process your data "
	                            "for this purpose."
	                          : "Your consent is withdrawn.",
	                false, out);
}

/* Whether the right applies to any of the data the person holds. */
static bool portability_has_basis(struct vault *v, const char *subject);

vow_err rights_process(struct vault *v, const char *id, char **result)
{
	struct vault_request r;
	char *detail = NULL;
	vow_err err = vault_request_get(v, id, &r, &detail);
	if (err != VOW_OK)
		return err;
	json_t *d = detail != NULL ? json_loads(detail, 0, NULL) : json_object();
	if (detail != NULL)
		crypto_wipe(detail, strlen(detail));
	free(detail);
	enum rights_type t = RIGHT__COUNT;
	if (d == NULL || !rights_type_parse(r.type, &t))
		err = VOW_ERR_INTEGRITY;
	else if (rights_closed(&r))
		err = VOW_ERR_EXISTS;
	else if (strcmp(r.status, "received") == 0)
		err = vault_refuse(v, VOW_ERR_DENIED, "not_verified",
		                   "the person's identity is not verified yet");
	if (err == VOW_OK && strcmp(r.status, "in_progress") != 0) {
		r.updated_at = clock_now();
		snprintf(r.status, sizeof(r.status), "in_progress");
		err = vault_request_save(v, &r, NULL, NULL);
		if (err == VOW_OK)
			err = rights_audit(v, &r, NULL);
	}
	char *out = NULL;
	if (err == VOW_OK) {
		switch (t) {
		case RIGHT_ACCESS:
			err = do_export(v, &r, false, &out);
			break;
		case RIGHT_PORTABILITY:
			if (!portability_has_basis(v, r.subject))
				err = deny_basis(
				    v, &r,
				    "none of your data is held on consent or a contract, the only "
				    "bases that give a right to portability",
				    &out);
			else
				err = do_export(v, &r, true, &out);
			break;
		case RIGHT_RECTIFICATION:
			err = do_rectify(v, &r, d, &out);
			break;
		case RIGHT_ERASURE:
			err = do_erase(v, &r, d, &out);
			break;
		case RIGHT_RESTRICTION:
		case RIGHT_RESTRICTION_LIFT:
			err = do_restrict(v, &r, d, t == RIGHT_RESTRICTION, &out);
			break;
		case RIGHT_OBJECTION:
		case RIGHT_WITHDRAWAL:
			err = do_purpose(v, &r, d, t == RIGHT_OBJECTION, &out);
			break;
		default:
			err = VOW_ERR_INTERNAL;
		}
	}
	json_decref(d);
	if (err == VOW_OK && result != NULL)
		*result = out;
	else
		free(out);
	return err;
}

/* ---- portability's basis ---- */

struct basis_ctx {
	const struct policy *p;
	bool any;
};

static vow_err basis_cb(void *ctx, const struct vault_due *d)
{
	struct basis_ctx *b = ctx;
	uint32_t i = policy_purpose_find(b->p, d->purpose);
	if (i != POLICY_NONE && rights_applies(RIGHT_PORTABILITY, b->p->purposes[i].basis, false))
		b->any = true;
	return VOW_OK;
}

static bool portability_has_basis(struct vault *v, const char *subject)
{
	struct basis_ctx b = {vault_policy(v), false};
	return vault_due_subject(v, subject, basis_cb, &b) == VOW_OK && b.any;
}

/* ---- downloads ---- */

vow_err rights_export_open(struct vault *v, const char *token, struct vault_file_reader **out,
                           struct vault_file_info *info)
{
	if (token == NULL || strlen(token) != 64 || strspn(token, "0123456789abcdef") != 64)
		return VOW_ERR_NOT_FOUND;
	struct vault_request r;
	vow_err err = vault_request_by_export(v, token, &r);
	if (err != VOW_OK)
		return err;
	if (r.export_expires < clock_now() || r.export_id[0] == '\0')
		return vault_refuse(v, VOW_ERR_DENIED, "invalid_link", "the download link expired");
	return vault_file_open(v, &rights_access, r.export_id, out, info);
}

struct expire_ctx {
	struct vault_request *v;
	size_t n, cap;
	int64_t now;
};

static vow_err expire_cb(void *ctx, const struct vault_request *r)
{
	struct expire_ctx *e = ctx;
	if (r->export_id[0] == '\0' || r->export_expires >= e->now)
		return VOW_OK;
	if (grow(&e->v, e->n, &e->cap, sizeof(*e->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	e->v[e->n++] = *r;
	return VOW_OK;
}

vow_err rights_exports_expire(struct vault *v, int64_t now, size_t *count)
{
	struct expire_ctx e = {.now = now};
	vow_err err = vault_request_list(v, NULL, false, expire_cb, &e);
	size_t n = 0;
	for (size_t i = 0; err == VOW_OK && i < e.n; i++) {
		vow_err d = vault_file_delete(v, &rights_access, e.v[i].export_id);
		if (d != VOW_OK && d != VOW_ERR_NOT_FOUND) {
			err = d;
			break;
		}
		e.v[i].export_id[0] = '\0';
		e.v[i].updated_at = now;
		err = vault_request_save(v, &e.v[i], NULL, "the download expired and was deleted");
		n++;
	}
	free(e.v);
	if (err == VOW_OK && count != NULL)
		*count = n;
	return err;
}
