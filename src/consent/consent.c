/* consent/consent.c — the ledger, flags and suppression. */
#include <string.h>

#include "consent/consent.h"
#include "consent/consent_int.h"
#include "util/clock.h"
#include "util/ip.h"
#include "util/text.h"
#include "audit/audit.h"
#include "vault/vault_int.h"

static const char *const methods[] = {
    "form",     "banner",           "api",            "import", "email",
    "settings", "unsubscribe_link", "privacy_center", "request"};

void consent_purpose_text_hash(const struct policy *p, const struct policy_purpose *u, char out[65])
{
	/* every piece whole (a long description is not cut), each ended by a
	 * newline as in v1 texts */
	const char *parts[] = {p->version ? p->version : "", u->key, u->name ? u->name : "",
	                       u->description ? u->description : ""};
	struct crypto_digest_state st;
	crypto_digest_begin(&st, "vow purpose text v1");
	for (size_t i = 0; i < 4; i++) {
		crypto_digest_add(&st, parts[i], strlen(parts[i]));
		if (i < 3)
			crypto_digest_add(&st, "\n", 1);
	}
	unsigned char h[32];
	crypto_digest_end(&st, h);
	hex_encode(h, 32, out);
}

/* Puts the subject's e-mail on the suppression list (no link to the subject). */
static vow_err suppress(struct vault *v, const char *subject)
{
	struct vault_subject s;
	vow_err err = vault_subject_get(v, subject, &s);
	if (err != VOW_OK)
		return err;
	if (s.email != NULL) {
		unsigned char h[32];
		vault_blind_hash(v, VAULT_BY_EMAIL, s.email, h);
		err = v->ops->index_put(v->data, VAULT_INDEX_SUPPRESSED, h, "");
		if (err == VOW_ERR_EXISTS)
			err = VOW_OK;
	}
	vault_subject_clear(&s);
	return err;
}

bool consent_suppressed(struct vault *v, const char *email)
{
	char norm[VAULT_MAX_PROFILE_FIELD], who[VOW_ID_LEN + 1];
	if (email == NULL || vault_normalize(VAULT_BY_EMAIL, email, norm, sizeof(norm)) != VOW_OK)
		return false;
	unsigned char h[32];
	vault_blind_hash(v, VAULT_BY_EMAIL, norm, h);
	return v->ops->index_find(v->data, VAULT_INDEX_SUPPRESSED, h, who) == VOW_OK;
}

static bool method_valid(const char *m)
{
	for (size_t i = 0; m != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i], m) == 0)
			return true;
	return false;
}

vow_err consent_record(struct vault *v, const char *subject, const char *purpose,
                       enum decide_consent state, const char *method,
                       const struct consent_evidence *ev, char **receipt)
{
	const struct policy *p = v->policy;
	uint32_t u = p != NULL ? policy_purpose_find(p, purpose) : POLICY_NONE;
	if (u == POLICY_NONE || state < CONSENT_GIVEN || state > CONSENT_WITHDRAWN)
		return VOW_ERR_INVALID;
	if (!method_valid(method))
		return vault_refuse(v, VOW_ERR_INVALID, NULL,
		                    "method: one of form, banner, api, import, email, settings, "
		                    "unsubscribe_link, privacy_center, request");
	struct store_consent row = {.state = (int)state, .at = clock_now()};
	if (ev != NULL && ev->ip != NULL && ip_truncate(ev->ip, row.ip_prefix) != VOW_OK)
		return VOW_ERR_INVALID;
	struct store_subject srow = {0};
	vow_err err = vault_subject_row(v, subject, false, &srow);
	store_blob_free(&srow.profile);
	if (err != VOW_OK)
		return err;
	const struct policy_purpose *pu = &p->purposes[u];
	if (state == CONSENT_GIVEN && pu->direct_marketing && strcmp(method, "import") == 0) {
		struct vault_subject s;
		err = vault_subject_get(v, subject, &s);
		bool blocked = err == VOW_OK && consent_suppressed(v, s.email);
		vault_subject_clear(&s);
		if (err != VOW_OK)
			return err;
		if (blocked) /* opted out before: an import never adds them back */
			return vault_refuse(v, VOW_ERR_DENIED, "suppressed",
			                    "this address opted out of direct marketing; an import "
			                    "does not add it back");
	}
	id_new(row.id);
	snprintf(row.subject, sizeof(row.subject), "%s", subject);
	snprintf(row.purpose, sizeof(row.purpose), "%s", purpose);
	snprintf(row.policy_version, sizeof(row.policy_version), "%s",
	         p->version ? p->version : "");
	snprintf(row.method, sizeof(row.method), "%s", method);
	consent_purpose_text_hash(p, pu, row.text_hash);
	memcpy(row.terms, pu->terms, sizeof(row.terms));
	if (ev != NULL && ev->user_agent != NULL) {
		unsigned char h[32];
		crypto_keyed_hash(v->index_key, "vow user agent v1", ev->user_agent,
		                  strlen(ev->user_agent), h);
		hex_encode(h, 32, row.ua_hash);
	}
	row.against_gpc = ev != NULL && ev->gpc && state == CONSENT_GIVEN && pu->optout != 0;
	err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	err = v->ops->consent_append(v->data, &row);
	if (err == VOW_OK)
		err = vault_state_refresh(v, subject);
	if (err == VOW_OK && state != CONSENT_GIVEN && pu->direct_marketing)
		err = suppress(v, subject);
	if (err == VOW_OK) {
		static const char *const actions[] = {"consent.none", "consent.given",
		                                      "consent.refused", "consent.withdrawn"};
		struct audit_event entry = {.role = "subject",
		                            .action = actions[state],
		                            .subject = subject,
		                            .purpose = purpose,
		                            .result = "ok",
		                            .reason = method};
		err = audit_change(v, &entry);
	}
	err = vault_commit(v, err);
	if (err == VOW_OK && receipt != NULL)
		err = consent_receipt_make(v, &row, receipt);
	return err;
}

struct hist_ctx {
	consent_fn cb;
	void *ctx;
	const struct policy *p;
};

static vow_err hist_one(void *ctx, const void *rowp)
{
	const struct hist_ctx *h = ctx;
	const struct store_consent *r = rowp;
	struct consent_event e;
	memset(&e, 0, sizeof(e));
	memcpy(e.id, r->id, sizeof(e.id));
	snprintf(e.purpose, sizeof(e.purpose), "%s", r->purpose);
	e.state = (enum decide_consent)r->state;
	memcpy(e.policy_version, r->policy_version, sizeof(e.policy_version));
	memcpy(e.text_hash, r->text_hash, sizeof(e.text_hash));
	memcpy(e.method, r->method, sizeof(e.method));
	e.at = r->at;
	memcpy(e.ip_prefix, r->ip_prefix, sizeof(e.ip_prefix));
	memcpy(e.ua_hash, r->ua_hash, sizeof(e.ua_hash));
	e.against_gpc = r->against_gpc != 0;
	uint32_t u = h->p != NULL ? policy_purpose_find(h->p, r->purpose) : POLICY_NONE;
	e.terms_current = u != POLICY_NONE &&
	                  (r->terms[0] == '\0' || strcmp(r->terms, h->p->purposes[u].terms) == 0);
	return h->cb(h->ctx, &e);
}

vow_err consent_history(struct vault *v, const char *subject, consent_fn cb, void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct hist_ctx h = {cb, ctx, v->policy};
	return v->ops->consent_list(v->data, subject, hist_one, &h);
}

static vow_err flag(struct vault *v, const char *subject, int kind, const char *target, bool on,
                    const char *reason)
{
	struct store_subject srow = {0};
	vow_err err = vault_subject_row(v, subject, false, &srow);
	store_blob_free(&srow.profile);
	if (err != VOW_OK)
		return err;
	err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	size_t lifted = 0;
	/* setting replaces one in force; lifting ends it */
	err = v->ops->flag_lift(v->data, subject, kind, target, clock_now(), &lifted);
	if (err == VOW_OK && on) {
		struct store_flag f = {.kind = kind, .set_at = clock_now()};
		id_new(f.id);
		snprintf(f.subject, sizeof(f.subject), "%s", subject);
		err = text_copy(f.target, sizeof(f.target), target);
		if (err == VOW_OK && text_copy(f.reason, sizeof(f.reason), reason) != VOW_OK)
			err = vault_refuse(v, VOW_ERR_TOO_LARGE, NULL,
			                   "reason: at most 127 bytes");
		if (err == VOW_OK)
			err = v->ops->flag_set(v->data, &f);
	}
	if (err == VOW_OK && !on && lifted == 0)
		err = VOW_ERR_NOT_FOUND;
	if (err == VOW_OK)
		err = vault_state_refresh(v, subject);
	if (err == VOW_OK) {
		static const char *const kinds[] = {"", "restriction", "objection",
		                                    "parental_consent"};
		char action[32];
		snprintf(action, sizeof(action), "%s.%s", kinds[kind & 3], on ? "set" : "lifted");
		struct audit_event ev = {.role = "subject",
		                         .action = action,
		                         .subject = subject,
		                         .category = kind == FLAG_RESTRICTION ? target : NULL,
		                         .purpose = kind == FLAG_OBJECTION ? target : NULL,
		                         .result = "ok"};
		err = audit_change(v, &ev);
	}
	return vault_commit(v, err);
}

vow_err consent_object(struct vault *v, const char *subject, const char *purpose, bool on)
{
	const struct policy *p = v->policy;
	if (p == NULL || purpose == NULL || !taxonomy_key_valid(purpose))
		return VOW_ERR_INVALID;
	bool any = false, dm = false;
	for (uint32_t i = 0; i < p->n_purposes; i++)
		if (p->purposes[i].key != NULL &&
		    taxonomy_key_covers(purpose, p->purposes[i].key)) {
			any = true;
			dm |= p->purposes[i].direct_marketing;
		}
	if (!any)
		return VOW_ERR_INVALID;
	vow_err err = flag(v, subject, FLAG_OBJECTION, purpose, on, NULL);
	if (err == VOW_OK && on && dm)
		err = suppress(v, subject);
	return err;
}

vow_err consent_restrict(struct vault *v, const char *subject, const char *category, bool on,
                         const char *reason)
{
	const struct policy *p = v->policy;
	if (p == NULL || category == NULL)
		return VOW_ERR_INVALID;
	if (strcmp(category, "*") != 0) {
		bool any = false;
		for (uint32_t i = 0; i < p->n_categories; i++)
			any |= p->categories[i].key != NULL &&
			       taxonomy_key_covers(category, p->categories[i].key);
		if (!any)
			return VOW_ERR_INVALID;
	}
	return flag(v, subject, FLAG_RESTRICTION, category, on, reason);
}

vow_err consent_parental(struct vault *v, const char *subject, bool on)
{
	return flag(v, subject, FLAG_PARENTAL_CONSENT, "*", on, NULL);
}

bool consent_gpc_header(const char *const *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (values[i] != NULL && strcmp(values[i], "1") == 0)
			return true;
	return false;
}
