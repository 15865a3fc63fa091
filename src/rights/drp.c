/* rights/drp.c — the Data Rights Protocol 1.0 (shared/reference/dsr),
 * mapped onto vow's rights requests.
 *
 * Authorized agents are registered by an admin with their Ed25519 verify
 * key. Every signed body is base64(signature || JSON) ("combined mode"),
 * checked in the order the spec gives: it decodes; the signature verifies
 * under the key of the agent the bearer token (or, for key setup, the URL)
 * names; agent-id is that agent; business-id is this instance; issued-at is
 * not in the future (60 s of clock skew allowed); expires-at is not past.
 * An exercise names the person by schema.org/Person claims (email,
 * phone_number); a claim the agent marks verified counts as the identity
 * check, otherwise the person gets vow's e-mailed code
 * (in_progress/need_user_verification). Status changes are pushed to the
 * agent's status_callback through the outbox. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "notify/notify.h"
#include "rights/rights_int.h"
#include "util/clock.h"
#include "util/text.h"

#define DRP_MAX_BODY   (64u * 1024u)
#define DRP_SKEW       60
#define DRP_MAX_RIGHTS 4

static void answer(struct drp_answer *a, int http, json_t *body)
{
	a->http = http;
	a->body = body;
}

/* {"code": "N", "message": ..., "fatal": ...} */
static void fail(struct drp_answer *a, int http, const char *message, bool fatal)
{
	char code[8];
	snprintf(code, sizeof(code), "%d", http);
	answer(a, http,
	       json_pack("{s:s, s:s, s:b}", "code", code, "message", message, "fatal", fatal));
}

/* Opens base64(sig || json) under agent's registered key: VOW_OK with the
 * object; VOW_ERR_NOMEM or VOW_ERR_IO for a failure of vow's own; any other
 * error with *http and *why saying what to answer. */
static vow_err open_signed(struct vault *v, const char *agent, const char *body, size_t len,
                           json_t **out, int *http, const char **why)
{
	*http = 400;
	unsigned char key[32];
	vow_err kerr = vault_agent_key(v, agent, key);
	if (kerr == VOW_ERR_NOT_FOUND) {
		*http = 403;
		*why = "no such agent is registered";
		return VOW_ERR_DENIED;
	}
	if (kerr != VOW_OK) /* vow's own failure, not the agent's */
		return kerr == VOW_ERR_NOMEM ? VOW_ERR_NOMEM : VOW_ERR_IO;
	if (body == NULL || len == 0 || len > DRP_MAX_BODY) {
		*why = "the body must be a base64 signed message";
		return VOW_ERR_INVALID;
	}
	size_t cap = len / 4 * 3 + 3, n = 0;
	unsigned char *raw = malloc(cap);
	if (raw == NULL)
		return VOW_ERR_NOMEM;
	if (sodium_base642bin(raw, cap, body, len, " \r\n\t", &n, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n <= CRYPTO_SIGNATURE_BYTES) {
		free(raw);
		*why = "the body does not decode from base64 into a signed message";
		return VOW_ERR_INVALID;
	}
	if (!crypto_signature_verify(key, raw + CRYPTO_SIGNATURE_BYTES, n - CRYPTO_SIGNATURE_BYTES,
	                             raw)) {
		free(raw);
		*http = 403;
		*why = "the signature does not verify under the agent's key";
		return VOW_ERR_DENIED;
	}
	json_error_t e;
	json_t *j = json_loadb((const char *)raw + CRYPTO_SIGNATURE_BYTES,
	                       n - CRYPTO_SIGNATURE_BYTES, JSON_REJECT_DUPLICATES, &e);
	free(raw);
	if (!json_is_object(j)) {
		json_decref(j);
		*why = "the signed message is not a JSON object";
		return VOW_ERR_INVALID;
	}
	*out = j;
	return VOW_OK;
}

/* The envelope checks common to key setup and exercise (spec 3.07). */
static bool envelope_ok(struct vault *v, json_t *m, const char *agent, struct drp_answer *a)
{
	const char *aid = json_string_value(json_object_get(m, "agent-id"));
	const char *bid = json_string_value(json_object_get(m, "business-id"));
	const char *iat = json_string_value(json_object_get(m, "issued-at"));
	const char *exp = json_string_value(json_object_get(m, "expires-at"));
	const char *ver = json_string_value(json_object_get(m, "drp.version"));
	char business[64];
	int64_t issued = 0, expires = 0, now = clock_now();
	if (aid == NULL || strcmp(aid, agent) != 0) {
		fail(a, 403, "agent-id is not the agent this token or URL belongs to", true);
		return false;
	}
	if (vault_business_id(v, business) != VOW_OK || bid == NULL || strcmp(bid, business) != 0) {
		fail(a, 403, "business-id does not name this business", true);
		return false;
	}
	if (ver == NULL || strcmp(ver, "1.0") != 0) {
		fail(a, 400, "unsupported protocol version: this endpoint speaks drp.version 1.0",
		     true);
		return false;
	}
	if (iat == NULL || exp == NULL || !clock_parse_iso8601(iat, &issued) ||
	    !clock_parse_iso8601(exp, &expires)) {
		fail(a, 400, "issued-at and expires-at must be ISO 8601 times", true);
		return false;
	}
	if (issued > now + DRP_SKEW) {
		fail(a, 403, "issued-at is in the future (clock skew)", true);
		return false;
	}
	if (expires <= now) {
		fail(a, 400, "the request expired (expires-at is past)", true);
		return false;
	}
	return true;
}

/* ---- key setup and agent information ---- */

vow_err drp_pair(struct vault *v, const char *agent, const char *body, size_t len,
                 struct drp_answer *out)
{
	json_t *m = NULL;
	int http = 0;
	const char *why = NULL;
	vow_err err = open_signed(v, agent, body, len, &m, &http, &why);
	if (err == VOW_ERR_NOMEM || err == VOW_ERR_IO)
		return err;
	if (err != VOW_OK) {
		answer(out, 403, NULL); /* the spec: 403 with no body */
		return VOW_OK;
	}
	struct drp_answer tmp;
	bool ok = envelope_ok(v, m, agent, &tmp);
	json_decref(m);
	if (!ok) {
		json_decref(tmp.body);
		answer(out, 403, NULL);
		return VOW_OK;
	}
	char token[65];
	err = vault_agent_token_new(v, agent, token);
	if (err != VOW_OK)
		return err;
	answer(out, 200, json_pack("{s:s, s:s}", "agent-id", agent, "token", token));
	crypto_wipe(token, sizeof(token));
	struct audit_event ev = {.role = "agent", .actor = agent, .action = "drp.pair", .result = "ok"};
	return audit_change(v, &ev);
}

vow_err drp_agent_info(struct vault *v, const char *token, const char *agent,
                       struct drp_answer *out)
{
	char who[64];
	vow_err err = vault_agent_token_find(v, token, who);
	if (err == VOW_OK && strcmp(who, agent) == 0)
		answer(out, 200, json_object());
	else if (err == VOW_OK || err == VOW_ERR_NOT_FOUND)
		answer(out, 403, NULL);
	else
		return err;
	return VOW_OK;
}

/* ---- the exercise status ---- */

static const char *denial_reason(const char *ground)
{
	if (strcmp(ground, "identity_not_verified") == 0)
		return "insuf_verification";
	if (strcmp(ground, "right_not_applicable") == 0)
		return "claim_not_covered";
	if (strcmp(ground, "excessive") == 0)
		return "too_many_requests";
	if (strcmp(ground, "manifestly_unfounded") == 0)
		return "suspected_fraud";
	return "other";
}

/* Sets o[key] to the string value, counting a failure in *bad. */
static void put(json_t *o, const char *key, const char *value, bool *bad)
{
	if (json_object_set_new(o, key, json_string(value)) != 0)
		*bad = true;
}

/* The Exercise Status object (spec 3.03) of d, from its vow requests. */
static json_t *status_of(struct vault *v, const struct vault_drp *d)
{
	char received[21];
	clock_format(d->received_at, received);
	json_t *o = json_pack("{s:s, s:s}", "request_id", d->id, "received_at", received);
	if (o == NULL)
		return NULL;
	bool bad = false;
	if (d->agent_request_id[0] != '\0')
		put(o, "agent_request_id", d->agent_request_id, &bad);
	const char *status = d->status[0] ? d->status : NULL,
	           *reason = d->reason[0] ? d->reason : NULL;
	char details[300] = "", expected[21] = "", uv[600] = "", expires[21] = "",
	     results[600] = "";
	snprintf(details, sizeof(details), "%s", d->details);
	if (status == NULL) {
		int64_t due = 0;
		bool all_done = true, need = false, expired = false, revoked = false,
		     denied = false;
		char list[sizeof(d->requests)];
		snprintf(list, sizeof(list), "%s", d->requests);
		char *save = NULL;
		for (char *id = strtok_r(list, ",", &save); id != NULL;
		     id = strtok_r(NULL, ",", &save)) {
			struct vault_request r;
			if (vault_request_get(v, id, &r, NULL) != VOW_OK) {
				all_done = false;
				continue;
			}
			if (r.due_at > due)
				due = r.due_at;
			if (strcmp(r.status, "revoked") == 0)
				revoked = true;
			else if (strcmp(r.status, "denied") == 0) {
				denied = true;
				reason = denial_reason(r.ground);
				snprintf(details, sizeof(details), "%s", r.note);
			} else if (strcmp(r.status, "received") == 0) {
				if (r.code_expires < clock_now())
					expired = true;
				need = true;
				clock_format(r.code_expires, expires);
				/* from the public URL, or none (never a relative link) */
				char path[80];
				snprintf(path, sizeof(path), "/v1/requests/%s/verify", r.id);
				if (notify_link(v, path, uv, sizeof(uv)) != VOW_OK)
					uv[0] = '\0';
			}
			if (strcmp(r.status, "completed") != 0) {
				all_done = false;
				continue;
			}
			/* only a completed request's answer is opened: an export's link */
			char *detail = NULL;
			if (vault_request_get(v, id, &r, &detail) == VOW_OK && detail != NULL) {
				json_t *res = json_loads(detail, 0, NULL);
				const char *dl =
				    json_string_value(json_object_get(res, "download"));
				if (dl != NULL)
					snprintf(results, sizeof(results), "%s", dl);
				json_decref(res);
				crypto_wipe(detail, strlen(detail));
				free(detail);
			}
		}
		if (due != 0)
			clock_format(due, expected);
		status = revoked                      ? "revoked"
		         : denied                     ? "denied"
		         : expired                    ? "expired"
		         : all_done && d->requests[0] ? "fulfilled"
		                                      : "in_progress";
		if (need && !expired && !revoked && !denied)
			reason = "need_user_verification";
	}
	put(o, "status", status, &bad);
	if (reason != NULL)
		put(o, "reason", reason, &bad);
	if (expected[0] != '\0')
		put(o, "expected_by", expected, &bad);
	if (details[0] != '\0')
		put(o, "processing_details", details, &bad);
	if (uv[0] != '\0' && reason != NULL && strcmp(reason, "need_user_verification") == 0) {
		put(o, "user_verification_url", uv, &bad);
		put(o, "expires_at", expires, &bad);
	}
	if (results[0] != '\0' && strcmp(status, "fulfilled") == 0)
		put(o, "results_url", results, &bad);
	if (bad) { /* a status with a field missing would mislead the agent */
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Pushes d's status to the agent's status_callback, if it gave one. */
static vow_err push_status(struct vault *v, const struct vault_drp *d, const char *subject)
{
	if (d->callback[0] == '\0')
		return VOW_OK;
	json_t *st = status_of(v, d);
	char *text = st != NULL ? json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (text == NULL) {
		json_decref(st);
		return VOW_ERR_NOMEM;
	}
	unsigned char h[32];
	crypto_digest("vow drp status v1", text, strlen(text), h);
	char idem[97], hex[17];
	hex_encode(h, 8, hex);
	snprintf(idem, sizeof(idem), "drp:%s:%s", d->id, hex);
	vow_err err = notify_post(v, d->callback, subject, "drp.status", text, idem);
	free(text);
	json_decref(st);
	return err;
}

void drp_request_changed(struct vault *v, const struct vault_request *r)
{
	struct vault_drp d;
	if (strncmp(r->channel, "agent:", 6) != 0 || vault_drp_by_request(v, r->id, &d) != VOW_OK)
		return;
	(void)push_status(v, &d, r->subject); /* best effort: the status endpoint still answers */
}

/* ---- exercise ---- */

static void uuid(char out[37])
{
	unsigned char b[16];
	crypto_random(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	char hex[33];
	hex_encode(b, sizeof(b), hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* The vow request type and detail for a DRP right, or NULL if vow does not
 * cover it. */
static const char *map_right(const char *right, const char **detail)
{
	*detail = NULL;
	if (strcmp(right, "access") == 0 || strcmp(right, "access:categories") == 0 ||
	    strcmp(right, "access:specific") == 0)
		return "access";
	if (strcmp(right, "deletion") == 0)
		return "erasure";
	if (strcmp(right, "sale:opt-out") == 0) {
		*detail = "{\"optout\":\"sale\"}";
		return "objection";
	}
	return NULL; /* sale:opt-in: consent is the person's own act; anything else unknown */
}

static bool regime_ok(const struct policy *p, const char *regime)
{
	if (regime == NULL || regime[0] == '\0')
		return true; /* voluntary processing */
	if (strcmp(regime, "ccpa") == 0)
		return (p->regulations & REG_CCPA) != 0;
	if (strcmp(regime, "gdpr") == 0)
		return (p->regulations & (REG_GDPR | REG_UK_GDPR)) != 0;
	return false;
}

struct open_ctx {
	const char *type;
	bool found;
};

static vow_err open_cb(void *ctx, const struct vault_request *r)
{
	struct open_ctx *o = ctx;
	if (strcmp(r->type, o->type) == 0)
		o->found = true;
	return VOW_OK;
}

/* Records a request that vow decided at once (denied, with reason). */
static vow_err decided(struct vault *v, struct vault_drp *d, const char *reason,
                       const char *details, struct drp_answer *out)
{
	snprintf(d->status, sizeof(d->status), "denied");
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
	snprintf(d->details, sizeof(d->details), "%s", details);
	d->updated_at = clock_now();
	vow_err err = vault_drp_put(v, d);
	if (err == VOW_OK)
		err = push_status(v, d, NULL);
	if (err == VOW_OK)
		answer(out, 200, status_of(v, d));
	struct audit_event ev = {.role = "agent",
	                         .actor = d->agent,
	                         .action = "drp.denied",
	                         .purpose = d->exercise,
	                         .result = "deny",
	                         .reason = reason};
	return err == VOW_OK ? audit_change(v, &ev) : err;
}

vow_err drp_exercise(struct vault *v, const char *token, const char *body, size_t len,
                     struct drp_answer *out)
{
	char agent[64];
	vow_err err = vault_agent_token_find(v, token, agent);
	if (err == VOW_ERR_NOT_FOUND) {
		fail(out, 403, "the bearer token is not a pair-wise token of a registered agent",
		     false);
		return VOW_OK;
	}
	if (err != VOW_OK)
		return err;
	json_t *m = NULL;
	int http = 0;
	const char *why = NULL;
	err = open_signed(v, agent, body, len, &m, &http, &why);
	if (err == VOW_ERR_NOMEM || err == VOW_ERR_IO)
		return err;
	if (err != VOW_OK) {
		fail(out, http, why, true);
		return VOW_OK;
	}
	if (!envelope_ok(v, m, agent, out)) {
		json_decref(m);
		return VOW_OK;
	}
	struct vault_drp d = {.received_at = clock_now()};
	const char *arid = json_string_value(json_object_get(m, "agent-request-id"));
	if (arid != NULL && strlen(arid) >= sizeof(d.agent_request_id)) {
		/* kept whole or refused: the agent finds its request by it */
		fail(out, 400, "agent-request-id is longer than 127 bytes", true);
		json_decref(m);
		return VOW_OK;
	}
	d.updated_at = d.received_at;
	uuid(d.id);
	snprintf(d.agent, sizeof(d.agent), "%s", agent);
	const char *regime = json_string_value(json_object_get(m, "regime"));
	const char *cb = json_string_value(json_object_get(m, "status_callback"));
	/* what does not fit is refused, never cut (a cut callback URL would
	 * post the person's status somewhere else) */
	const char *bad = text_copy(d.agent_request_id, sizeof(d.agent_request_id), arid) != VOW_OK
	                      ? "agent-request-id is longer than 127 bytes"
	                  : text_copy(d.regime, sizeof(d.regime), regime) != VOW_OK
	                      ? "regime is not one this business knows"
	                  : cb != NULL && ((strncmp(cb, "http://", 7) != 0 &&
	                                    strncmp(cb, "https://", 8) != 0) ||
	                                   text_copy(d.callback, sizeof(d.callback), cb) != VOW_OK)
	                      ? "status_callback must be an http(s) URL of at most 511 bytes"
	                      : NULL;
	if (bad != NULL) {
		json_decref(m);
		fail(out, 400, bad, true);
		return VOW_OK;
	}
	const char *exp = json_string_value(json_object_get(m, "expires-at"));
	int64_t expires = 0;
	if (exp != NULL && clock_parse_iso8601(exp, &expires))
		d.expires_at = expires;
	/* the rights: one string (1.0), or a list (as agents of v0.4 send) */
	json_t *ex = json_object_get(m, "exercise");
	const char *rights[DRP_MAX_RIGHTS];
	size_t n = 0;
	if (json_is_string(ex)) {
		rights[n++] = json_string_value(ex);
	} else if (json_is_array(ex)) {
		size_t i;
		json_t *e;
		json_array_foreach(ex, i, e) if (json_is_string(e) && n < DRP_MAX_RIGHTS)
		    rights[n++] = json_string_value(e);
	}
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(d.exercise);
		snprintf(d.exercise + used, sizeof(d.exercise) - used, "%s%s", used ? "," : "",
		         rights[i]);
	}
	const struct policy *p = vault_policy(v);
	const char *email = json_string_value(json_object_get(m, "email"));
	const char *phone = json_string_value(json_object_get(m, "phone_number"));
	bool verified = (email != NULL && json_is_true(json_object_get(m, "email_verified"))) ||
	                (email == NULL && phone != NULL &&
	                 json_is_true(json_object_get(m, "phone_number_verified")));
	char subject[VOW_ID_LEN + 1];
	const char *types[DRP_MAX_RIGHTS], *details[DRP_MAX_RIGHTS];
	bool covered = n > 0;
	for (size_t i = 0; i < n; i++) {
		types[i] = map_right(rights[i], &details[i]);
		covered &= types[i] != NULL;
	}
	if (!regime_ok(p, regime))
		err = decided(v, &d, "outside_jurisdiction",
		              "this business does not process requests under that regime", out);
	else if (!covered)
		err =
		    decided(v, &d, "claim_not_covered",
		            "the rights supported are access, access:categories, access:specific, "
		            "deletion and sale:opt-out",
		            out);
	else if ((email == NULL ||
	          vault_subject_find(v, VAULT_BY_EMAIL, email, subject) != VOW_OK) &&
	         (phone == NULL || vault_subject_find(v, VAULT_BY_PHONE, phone, subject) != VOW_OK))
		err = decided(v, &d, "no_match", "no person matches the identity given", out);
	else {
		/* the same right asked again while one is open: too many requests */
		for (size_t i = 0; err == VOW_OK && i < n; i++) {
			struct open_ctx oc = {types[i], false};
			err = vault_request_list(v, subject, true, open_cb, &oc);
			if (err == VOW_OK && oc.found)
				err = VOW_ERR_EXISTS;
		}
		if (err == VOW_ERR_EXISTS) {
			err = decided(
			    v, &d, "too_many_requests",
			    "a request for the same right is already open for this person", out);
		} else if (err == VOW_OK) {
			char channel[72];
			snprintf(channel, sizeof(channel), "agent:%s", agent);
			err = vault_drp_put(v, &d); /* first: callbacks of the filing find it */
			for (size_t i = 0; err == VOW_OK && i < n; i++) {
				/* access, access:categories and access:specific are one
				 * vow right: one request (a second would be refused) */
				bool again = false;
				for (size_t j = 0; j < i; j++)
					again |= strcmp(types[j], types[i]) == 0;
				if (again)
					continue;
				struct rights_filing f = {subject, types[i], channel, details[i],
				                          verified};
				char id[VOW_ID_LEN + 1];
				err = rights_file(v, &f, id);
				if (err == VOW_OK) {
					size_t used = strlen(d.requests);
					snprintf(d.requests + used, sizeof(d.requests) - used,
					         "%s%s", used ? "," : "", id);
					err = vault_drp_put(v, &d);
				}
			}
			if (err == VOW_OK)
				err = push_status(v, &d, subject);
			if (err == VOW_OK)
				answer(out, 200, status_of(v, &d));
		}
	}
	json_decref(m);
	return err;
}

/* Loads request id for the agent of token: 403 for another agent's. */
static bool own(struct vault *v, const char *token, const char *id, struct vault_drp *d,
                char agent[64], struct drp_answer *out)
{
	if (vault_agent_token_find(v, token, agent) != VOW_OK) {
		fail(out, 403, "the bearer token is not a pair-wise token of a registered agent",
		     false);
		return false;
	}
	if (id == NULL || strlen(id) >= sizeof(d->id) || vault_drp_get(v, id, d) != VOW_OK) {
		fail(out, 404, "no such request", false);
		return false;
	}
	if (strcmp(d->agent, agent) != 0) {
		fail(out, 403, "this request is managed by another agent", false);
		return false;
	}
	return true;
}

vow_err drp_status(struct vault *v, const char *token, const char *id, struct drp_answer *out)
{
	struct vault_drp d;
	char agent[64];
	if (own(v, token, id, &d, agent, out))
		answer(out, 200, status_of(v, &d));
	return VOW_OK;
}

vow_err drp_revoke(struct vault *v, const char *token, const char *id, const char *body, size_t len,
                   struct drp_answer *out)
{
	struct vault_drp d;
	char agent[64];
	if (!own(v, token, id, &d, agent, out))
		return VOW_OK;
	json_t *m = NULL;
	int http = 0;
	const char *why = NULL;
	vow_err err = open_signed(v, agent, body, len, &m, &http, &why);
	if (err == VOW_ERR_NOMEM || err == VOW_ERR_IO)
		return err;
	if (err != VOW_OK) {
		fail(out, http, why, true);
		return VOW_OK;
	}
	char reason_buf[256] = "";
	const char *given = json_string_value(json_object_get(m, "reason"));
	snprintf(reason_buf, sizeof(reason_buf), "%s", given != NULL ? given : "");
	const char *reason = given != NULL ? reason_buf : NULL;
	json_t *st = status_of(v, &d);
	const char *now_status = json_string_value(json_object_get(st, "status"));
	bool final = now_status == NULL || strcmp(now_status, "in_progress") != 0;
	json_decref(st);
	if (final) {
		json_decref(m);
		fail(out, 409, "the request is already in a final state", false);
		return VOW_OK;
	}
	char list[sizeof(d.requests)];
	snprintf(list, sizeof(list), "%s", d.requests);
	char *save = NULL;
	for (char *rid = strtok_r(list, ",", &save); err == VOW_OK && rid != NULL;
	     rid = strtok_r(NULL, ",", &save)) {
		err = rights_revoke(v, rid,
		                    reason != NULL ? reason : "revoked by the person's agent");
		if (err == VOW_ERR_EXISTS)
			err = VOW_OK; /* that one was already closed */
	}
	json_decref(m);
	if (err != VOW_OK)
		return err;
	snprintf(d.status, sizeof(d.status), "revoked");
	d.reason[0] = '\0';
	snprintf(d.details, sizeof(d.details), "%.250s", reason != NULL ? reason : "");
	d.updated_at = clock_now();
	err = vault_drp_put(v, &d);
	if (err == VOW_OK)
		err = push_status(v, &d, NULL);
	if (err == VOW_OK)
		answer(out, 200, status_of(v, &d));
	return err;
}
