/* rights/request.c — the lifecycle of a rights request: filing, the
 * verification code, extension, denial, the overdue list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "notify/notify.h"
#include "rights/rights_int.h"
#include "util/clock.h"
#include "util/text.h"
#include "util/id.h"

const struct vault_access rights_access = {"rights", NULL, "rights", false, false, false, true};

bool rights_closed(const struct vault_request *r)
{
	return strcmp(r->status, "completed") == 0 || strcmp(r->status, "denied") == 0 ||
	       strcmp(r->status, "revoked") == 0;
}

json_t *rights_vars(struct vault *v, const struct vault_request *r)
{
	const struct policy *p = vault_policy(v);
	char received[11], due[11];
	clock_format_date(r->received_at, received);
	clock_format_date(r->due_at, due);
	const char *authority = p != NULL && p->authority.name != NULL
	                            ? p->authority.name
	                            : "your data protection authority";
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "right", r->type, "request", r->id,
	                 "received", received, "due_date", due, "controller",
	                 p != NULL && p->controller.name != NULL ? p->controller.name : "",
	                 "authority", authority);
}

vow_err rights_tell(struct vault *v, const struct vault_request *r, const char *template_name,
                    json_t *vars, bool held)
{
	if (vars == NULL)
		return VOW_ERR_NOMEM;
	char idem[97];
	snprintf(idem, sizeof(idem), "%s:%s:%lld", template_name, r->id, (long long)r->updated_at);
	vow_err err = notify_email(v, r->subject, template_name, vars, idem, held);
	json_decref(vars);
	return err == VOW_ERR_NOT_FOUND ? VOW_OK : err; /* no address on file: nobody to write to */
}

vow_err rights_audit(struct vault *v, const struct vault_request *r, const char *reason)
{
	char action[32];
	snprintf(action, sizeof(action), "request.%s", r->status);
	struct audit_event ev = {.role = "rights",
	                         .actor = r->channel,
	                         .action = action,
	                         .subject = r->subject,
	                         .purpose = r->type,
	                         .result = "ok",
	                         .reason = reason};
	vow_err err = audit_change(v, &ev); /* written at once, not batched with reads */
	drp_request_changed(v, r); /* an agent's request: its status callback */
	return err;
}

vow_err rights_transition(struct vault *v, const struct vault_request *r, const char *detail,
                          const char *note, const char *template_name, json_t *extra, bool held)
{
	json_t *vars = template_name != NULL ? rights_vars(v, r) : NULL;
	vow_err err =
	    template_name != NULL &&
	            (vars == NULL || (extra != NULL && json_object_update(vars, extra) != 0))
	        ? VOW_ERR_NOMEM
	        : VOW_OK;
	json_decref(extra);
	if (err == VOW_OK)
		err = vault_batch_begin(v);
	if (err != VOW_OK) {
		json_decref(vars);
		return err;
	}
	err = vault_request_save(v, r, detail, note);
	if (err == VOW_OK && template_name != NULL) {
		err = rights_tell(v, r, template_name, vars, held);
		vars = NULL;
	}
	json_decref(vars);
	vow_err cerr = vault_batch_commit(v);
	return err == VOW_OK ? cerr : err;
}

/* ---- filing ---- */

/* Checks detail against the type and the policy. */
static vow_err check_detail(const struct policy *p, enum rights_type t, json_t *d)
{
	if (!json_is_object(d))
		return VOW_ERR_INVALID;
	const char *cat = json_string_value(json_object_get(d, "category"));
	const char *pur = json_string_value(json_object_get(d, "purpose"));
	switch (t) {
	case RIGHT_RECTIFICATION: {
		uint32_t c = cat != NULL ? policy_category_find(p, cat) : POLICY_NONE;
		if (c == POLICY_NONE || !p->categories[c].stored ||
		    json_object_get(d, "value") == NULL)
			return VOW_ERR_INVALID;
		return VOW_OK;
	}
	case RIGHT_RESTRICTION:
	case RIGHT_RESTRICTION_LIFT:
		return cat != NULL && (strcmp(cat, "*") == 0 ||
		                       policy_category_find(p, cat) != POLICY_NONE)
		           ? VOW_OK
		           : VOW_ERR_INVALID;
	case RIGHT_OBJECTION:
		if (pur == NULL && json_is_string(json_object_get(d, "optout")))
			return strcmp(json_string_value(json_object_get(d, "optout")), "sale") == 0
			           ? VOW_OK
			           : VOW_ERR_INVALID; /* an opt-out of sale and sharing (DRP, CCPA)
			                               */
		return pur != NULL && policy_purpose_find(p, pur) != POLICY_NONE ? VOW_OK
		                                                                 : VOW_ERR_INVALID;
	case RIGHT_WITHDRAWAL:
		return pur != NULL && policy_purpose_find(p, pur) != POLICY_NONE ? VOW_OK
		                                                                 : VOW_ERR_INVALID;
	default:
		return VOW_OK;
	}
}

/* A new six-digit code for r, e-mailed to the address on file. */
static vow_err send_code(struct vault *v, struct vault_request *r)
{
	unsigned char b[4];
	crypto_random(b, sizeof(b));
	uint32_t n =
	    ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]) % 1000000u;
	char code[8];
	snprintf(code, sizeof(code), "%06u", n);
	int64_t expires = clock_now() + RIGHTS_CODE_TTL;
	vow_err err = vault_request_code_set(v, r->id, code, expires);
	char until[21];
	clock_format(expires, until);
	json_t *vars = rights_vars(v, r);
	if (err == VOW_OK &&
	    (vars == NULL || json_object_set_new(vars, "code", json_string(code)) != 0 ||
	     json_object_set_new(vars, "expires", json_string(until)) != 0))
		err = VOW_ERR_NOMEM;
	crypto_wipe(code, sizeof(code));
	if (err != VOW_OK) {
		json_decref(vars);
		return err;
	}
	r->updated_at = clock_now();
	/* each code its own message: a key of the request and the second would
	 * swallow a resend in the same second (the new code never sent) */
	unsigned char nonce[8];
	char hex[17], idem[97];
	crypto_random(nonce, sizeof(nonce));
	hex_encode(nonce, sizeof(nonce), hex);
	snprintf(idem, sizeof(idem), "request.verify:%s:%s", r->id, hex);
	err = notify_email(v, r->subject, "request.verify", vars, idem, false);
	vault_json_wipe(vars, "code");
	json_decref(vars);
	return err == VOW_ERR_NOT_FOUND ? VOW_OK : err; /* no address on file */
}

/* Finds an open request of one type: its id into `found` ("" when none). */
struct open_of_type {
	const char *type;
	char found[VOW_ID_LEN + 1];
};

static vow_err open_of_type_cb(void *ctx, const struct vault_request *r)
{
	struct open_of_type *o = ctx;
	if (o->found[0] == '\0' && !rights_closed(r) && strcmp(r->type, o->type) == 0)
		memcpy(o->found, r->id, sizeof(o->found));
	return VOW_OK;
}

vow_err rights_file(struct vault *v, const struct rights_filing *f, char id[VOW_ID_LEN + 1])
{
	enum rights_type t;
	if (f->type == NULL || !rights_type_parse(f->type, &t) || f->channel == NULL)
		return VOW_ERR_INVALID;
	struct vault_subject s;
	vow_err err = vault_subject_get(v, f->subject, &s);
	if (err != VOW_OK)
		return err;
	bool erased = s.status == VAULT_ERASED;
	vault_subject_clear(&s);
	if (erased)
		return VOW_ERR_NOT_FOUND;
	json_error_t je;
	json_t *d =
	    f->detail != NULL ? json_loads(f->detail, JSON_REJECT_DUPLICATES, &je) : json_object();
	err = d == NULL ? VOW_ERR_INVALID : check_detail(vault_policy(v), t, d);
	json_decref(d);
	if (err != VOW_OK)
		return err;
	int64_t now = clock_now();
	struct vault_request r = {
	    .received_at = now, .updated_at = now, .due_at = rights_deadline(now, 0)};
	snprintf(r.subject, sizeof(r.subject), "%s", f->subject);
	snprintf(r.type, sizeof(r.type), "%s", rights_type_name(t));
	snprintf(r.channel, sizeof(r.channel), "%s", f->channel);
	snprintf(r.status, sizeof(r.status), "%s", f->verified ? "verified" : "received");
	if (f->verified)
		r.verified_at = now;
	err = vault_batch_begin(v);
	if (err != VOW_OK)
		return err;
	/* one open request per person and right, checked inside the write
	 * transaction (BEGIN IMMEDIATE) so two filings cannot both pass: a
	 * second filing sends no code and no e-mail */
	struct open_of_type prior = {r.type, ""};
	err = vault_request_list(v, r.subject, true, open_of_type_cb, &prior);
	if (err == VOW_OK && prior.found[0] != '\0') {
		memcpy(id, prior.found, sizeof(prior.found));
		err = VOW_ERR_EXISTS;
	}
	if (err == VOW_OK)
		err = vault_request_create(v, &r, f->detail);
	if (err == VOW_OK)
		err = rights_tell(v, &r, "request.received", rights_vars(v, &r), false);
	if (err == VOW_OK && !f->verified)
		err = send_code(v, &r);
	vow_err cerr = vault_batch_commit(v);
	if (err == VOW_OK)
		err = cerr;
	if (err == VOW_OK)
		err = rights_audit(v, &r, NULL);
	if (err == VOW_OK)
		memcpy(id, r.id, sizeof(r.id));
	return err;
}

/* ---- verification ---- */

/* Tells the person that verification in their name is locked until
 * `until` after too many wrong codes (the last one for r), once per
 * lockout (keyed by the person and the lockout's end). */
static vow_err tell_lockout(struct vault *v, const struct vault_request *r, int64_t until)
{
	json_t *vars = rights_vars(v, r);
	char when[21], limit[16], idem[97];
	clock_format(until, when);
	snprintf(limit, sizeof(limit), "%d", RIGHTS_SUBJECT_WRONG_CODES);
	if (vars == NULL || json_object_set_new(vars, "until", json_string(when)) != 0 ||
	    json_object_set_new(vars, "limit", json_string(limit)) != 0) {
		json_decref(vars);
		return VOW_ERR_NOMEM;
	}
	snprintf(idem, sizeof(idem), "request.lockout:%s:%lld", r->subject, (long long)until);
	vow_err err = notify_email(v, r->subject, "request.lockout", vars, idem, false);
	json_decref(vars);
	return err == VOW_ERR_NOT_FOUND ? VOW_OK : err; /* no address on file */
}

vow_err rights_verify(struct vault *v, const char *id, const char *code, int64_t *locked_until)
{
	if (locked_until != NULL)
		*locked_until = 0;
	struct vault_request r;
	vow_err err = vault_request_get(v, id, &r, NULL);
	if (err != VOW_OK)
		return err;
	if (strcmp(r.status, "received") != 0)
		return VOW_ERR_EXISTS;
	if (code == NULL || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		code = "------"; /* never a code: checked (and counted) as a wrong one */
	struct vault_code_check c = {RIGHTS_CODE_ATTEMPTS, RIGHTS_SUBJECT_WRONG_CODES,
	                             RIGHTS_LOCKOUT_WINDOW, 0, false};
	err = vault_batch_begin(v);
	if (err != VOW_OK)
		return err;
	vow_err verdict = vault_request_code_check(v, id, code, &c);
	err = verdict == VOW_ERR_DENIED && c.lockout_started ? tell_lockout(v, &r, c.locked_until)
	                                                     : VOW_OK;
	vow_err cerr = vault_batch_commit(v);
	if (err == VOW_OK)
		err = cerr;
	if (locked_until != NULL)
		*locked_until = c.locked_until;
	if (err == VOW_OK && c.lockout_started) {
		struct audit_event ev = {.role = "rights",
		                         .action = "request.lockout",
		                         .subject = r.subject,
		                         .purpose = r.type,
		                         .result = "ok",
		                         .reason = "too_many_wrong_codes"};
		err = audit_change(v, &ev);
	}
	if (err != VOW_OK)
		return err;
	err = verdict;
	if (err != VOW_OK)
		return err;
	r.verified_at = r.updated_at = clock_now();
	snprintf(r.status, sizeof(r.status), "verified");
	err = vault_request_save(v, &r, NULL, "code confirmed");
	return err == VOW_OK ? rights_audit(v, &r, NULL) : err;
}

vow_err rights_resend_code(struct vault *v, const char *id)
{
	struct vault_request r;
	vow_err err = vault_request_get(v, id, &r, NULL);
	if (err != VOW_OK)
		return err;
	if (strcmp(r.status, "received") != 0)
		return VOW_ERR_EXISTS;
	err = vault_batch_begin(v);
	if (err == VOW_OK) {
		err = send_code(v, &r);
		vow_err cerr = vault_batch_commit(v);
		if (err == VOW_OK)
			err = cerr;
	}
	return err;
}

/* ---- deadline ---- */

vow_err rights_extend(struct vault *v, const char *id, int months, const char *reason)
{
	struct vault_request r;
	vow_err err = vault_request_get(v, id, &r, NULL);
	if (err != VOW_OK)
		return err;
	if (rights_closed(&r))
		return VOW_ERR_EXISTS;
	int64_t now = clock_now();
	if (reason == NULL || reason[0] == '\0' || strlen(reason) > 200)
		return VOW_ERR_INVALID;
	if (months < 1 || r.extended + months > RIGHTS_MAX_EXTENSION ||
	    now >= rights_deadline(r.received_at, 0))
		return vault_refuse(v, VOW_ERR_DENIED, "extension_refused",
		                    "an extension is told within the first month, two months in all "
		                    "(Art. 12(3))");
	r.extended += months;
	r.due_at = rights_deadline(r.received_at, r.extended);
	r.updated_at = now;
	snprintf(r.ground, sizeof(r.ground), "extension");
	snprintf(r.note, sizeof(r.note), "%s", reason);
	err = rights_transition(v, &r, NULL, reason, "request.extended",
	                        json_pack("{s:s}", "reason", reason), false);
	return err == VOW_OK ? rights_audit(v, &r, "extension") : err;
}

/* ---- denial ---- */

vow_err rights_deny(struct vault *v, const char *id, const char *ground, const char *reason)
{
	struct vault_request r;
	vow_err err = vault_request_get(v, id, &r, NULL);
	if (err != VOW_OK)
		return err;
	enum rights_type t;
	if (!rights_type_parse(r.type, &t) || !rights_ground_valid(t, ground) || reason == NULL ||
	    reason[0] == '\0' || strlen(reason) > 200)
		return VOW_ERR_INVALID;
	if (rights_closed(&r))
		return VOW_ERR_EXISTS;
	r.updated_at = r.closed_at = clock_now();
	snprintf(r.status, sizeof(r.status), "denied");
	snprintf(r.ground, sizeof(r.ground), "%s", ground);
	snprintf(r.note, sizeof(r.note), "%s", reason);
	err = rights_transition(v, &r, NULL, reason, "request.denied",
	                        json_pack("{s:s, s:s}", "reason", reason, "ground", ground), false);
	return err == VOW_OK ? rights_audit(v, &r, ground) : err;
}

/* ---- overdue ---- */

struct overdue_ctx {
	int64_t now;
	vault_request_fn cb;
	void *ctx;
};

static vow_err overdue_cb(void *ctx, const struct vault_request *r)
{
	const struct overdue_ctx *o = ctx;
	return r->due_at < o->now ? o->cb(o->ctx, r) : VOW_OK;
}

vow_err rights_overdue(struct vault *v, int64_t now, vault_request_fn cb, void *ctx)
{
	struct overdue_ctx o = {now, cb, ctx};
	return vault_request_list(v, NULL, true, overdue_cb, &o);
}

/* ---- revocation ---- */

vow_err rights_revoke(struct vault *v, const char *id, const char *reason)
{
	struct vault_request r;
	vow_err err = vault_request_get(v, id, &r, NULL);
	if (err != VOW_OK)
		return err;
	if (rights_closed(&r))
		return VOW_ERR_EXISTS;
	r.updated_at = r.closed_at = clock_now();
	snprintf(r.status, sizeof(r.status), "revoked");
	if (text_copy(r.note, sizeof(r.note), reason) != VOW_OK) /* refused, never cut */
		return vault_refuse(v, VOW_ERR_TOO_LARGE, NULL, "reason: at most 255 bytes");
	err = vault_request_save(v, &r, NULL, reason);
	return err == VOW_OK ? rights_audit(v, &r, NULL) : err;
}
