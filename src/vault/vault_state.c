/* vault/vault_state.c — a subject's state for decide(), and the access
 * check every data operation runs first. */
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "vault/vault_int.h"

struct state_ctx {
	const struct policy *p;
	struct vault_state *st;
};

/* Sets the bit of every declared key that target covers ("*": all). */
static void cover(const struct policy *p, bool categories, const char *target, uint64_t *bits)
{
	uint32_t n = categories ? p->n_categories : p->n_purposes;
	for (uint32_t i = 0; i < n; i++) {
		const char *key = categories ? p->categories[i].key : p->purposes[i].key;
		if (key != NULL && (strcmp(target, "*") == 0 || taxonomy_key_covers(target, key)))
			decide_bit_set(bits, i);
	}
}

static vow_err consent_row(void *ctx, const void *row)
{
	struct state_ctx *c = ctx;
	const struct store_consent *r = row;
	uint32_t u = policy_purpose_find(c->p, r->purpose);
	if (u != POLICY_NONE && r->state >= CONSENT_NONE && r->state <= CONSENT_WITHDRAWN)
		c->st->consent[u] = (uint8_t)r->state; /* rows come oldest first: the last wins */
	return VOW_OK;
}

static vow_err flag_row(void *ctx, const void *row)
{
	struct state_ctx *c = ctx;
	const struct store_flag *f = row;
	if (f->lifted_at != 0)
		return VOW_OK;
	if (f->kind == FLAG_RESTRICTION) {
		if (strcmp(f->target, "*") == 0)
			c->st->s.restricted = true;
		else
			cover(c->p, true, f->target, c->st->restricted);
	} else if (f->kind == FLAG_OBJECTION) {
		cover(c->p, false, f->target, c->st->objections);
	} else if (f->kind == FLAG_PARENTAL_CONSENT) {
		c->st->s.parental_consent = true;
	}
	return VOW_OK;
}

/* Whole years between born and now. */
static int years_since(int64_t born, int64_t now)
{
	int years = 0;
	while (years < 200 && clock_add(born, (uint32_t)years + 1, 3) <= now)
		years++;
	return years;
}

static struct age_slot *age_slot(struct vault *v, const char *subject)
{
	uint32_t h = 2166136261u;
	for (const char *p = subject; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &v->ages[h % VAULT_AGE_CACHE];
}

/* The subject's age now, or -1 when unknown: from the cache, else from the
 * decrypted profile. */
static vow_err subject_age(struct vault *v, const char *subject, int *age)
{
	struct age_slot *slot = v->ages != NULL ? age_slot(v, subject) : NULL;
	if (slot == NULL || strcmp(slot->subject, subject) != 0) {
		struct vault_subject subj;
		vow_err err = vault_subject_get(v, subject, &subj);
		if (err != VOW_OK)
			return err;
		int64_t born = INT64_MIN;
		if (subj.birth_date == NULL || !date_parse(subj.birth_date, &born))
			born = INT64_MIN;
		int stated = subj.age > 0 ? subj.age : -1;
		vault_subject_clear(&subj);
		if (slot == NULL) {
			*age = born != INT64_MIN ? years_since(born, clock_now()) : stated;
			return VOW_OK;
		}
		snprintf(slot->subject, sizeof(slot->subject), "%s", subject);
		slot->born = born;
		slot->age = stated;
	}
	*age = slot->born != INT64_MIN ? years_since(slot->born, clock_now()) : slot->age;
	return VOW_OK;
}

void vault_age_evict(struct vault *v, const char *subject)
{
	if (v->ages != NULL) {
		struct age_slot *slot = age_slot(v, subject);
		if (strcmp(slot->subject, subject) == 0)
			slot->subject[0] = '\0';
	}
}

vow_err vault_state_load(struct vault *v, const char *subject, struct vault_state *st)
{
	const struct policy *p = v->policy;
	memset(st, 0, sizeof(*st));
	if (p == NULL)
		return VOW_ERR_INVALID;
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct store_subject row = {0};
	vow_err err = v->ops->subject_get(v->data, subject, &row);
	store_blob_free(&row.profile);
	if (err != VOW_OK)
		return err;
	int age = -1;
	if (p->minimum_age > 0 && row.status != SUBJECT_ERASED) {
		err = subject_age(v, subject, &age);
		if (err != VOW_OK)
			return err;
	} else if (row.status != SUBJECT_ERASED && vault_key_present(v, subject) != VOW_OK) {
		return VOW_ERR_KEY;
	}
	st->consent = calloc(p->n_purposes ? p->n_purposes : 1, 1);
	st->objections = calloc(p->pur_words ? p->pur_words : 1, sizeof(uint64_t));
	st->restricted = calloc(p->cat_words ? p->cat_words : 1, sizeof(uint64_t));
	if (st->consent == NULL || st->objections == NULL || st->restricted == NULL) {
		vault_state_free(st);
		return VOW_ERR_NOMEM;
	}
	st->s.status = (enum decide_status)row.status;
	memcpy(st->s.region, row.region, sizeof(st->s.region));
	st->s.consent = st->consent;
	st->s.objections = st->objections;
	st->s.restricted_categories = st->restricted;
	st->s.minor = p->minimum_age > 0 && age >= 0 && age < (int)p->minimum_age;
	struct state_ctx c = {p, st};
	err = v->ops->consent_list(v->data, subject, consent_row, &c);
	if (err == VOW_OK)
		err = v->ops->flag_list(v->data, subject, flag_row, &c);
	if (err != VOW_OK)
		vault_state_free(st);
	return err;
}

void vault_state_free(struct vault_state *st)
{
	free(st->consent);
	free(st->objections);
	free(st->restricted);
	memset(st, 0, sizeof(*st));
}

vow_err vault_check(struct vault *v, const struct vault_access *a, const char *subject,
                    const char *category, const char *file, const char *recipient, const char *attr,
                    bool held, struct decide_result *result)
{
	const struct policy *p = v->policy;
	struct decide_result r = {false, DECIDE_UNKNOWN_ROLE, POLICY_NONE};
	if (a == NULL || a->role == NULL || a->purpose == NULL || p == NULL) {
		if (result != NULL)
			*result = r;
		return VOW_ERR_INVALID;
	}
	uint32_t role = policy_role_find(p, a->role);
	struct vault_state st;
	vow_err err = vault_state_load(v, subject, &st);
	if (err != VOW_OK)
		return err;
	st.s.gpc = a->gpc;
	st.s.dnt = a->dnt;
	bool assigned = false;
	if (role != POLICY_NONE && p->roles[role].assigned_only && a->actor != NULL)
		assigned = vault_grant_active(v, a->actor, subject, category, file, a->purpose,
		                              clock_now());
	struct decide_actor actor = {role, assigned};
	struct decide_request q = {
	    policy_purpose_find(p, a->purpose), policy_category_find(p, category),
	    recipient != NULL ? policy_recipient_find(p, recipient) : POLICY_NONE, attr, held};
	if (recipient != NULL && q.recipient == POLICY_NONE)
		q.recipient = p->n_recipients; /* unknown: decide denies it */
	r = decide(p, &actor, &st.s, &q);
	vault_state_free(&st);
	if (result != NULL)
		*result = r;
	v->last_denial = r.reason;
	if (!r.allow) {
		/* every deny is recorded, with ids and keys only */
		struct store_denial d = {.at = clock_now()};
		snprintf(d.subject, sizeof(d.subject), "%s", subject);
		snprintf(d.role, sizeof(d.role), "%s", a->role);
		snprintf(d.actor, sizeof(d.actor), "%s", a->actor != NULL ? a->actor : "");
		snprintf(d.purpose, sizeof(d.purpose), "%s", a->purpose);
		snprintf(d.category, sizeof(d.category), "%s", category != NULL ? category : "");
		snprintf(d.recipient, sizeof(d.recipient), "%s",
		         recipient != NULL ? recipient : "");
		snprintf(d.reason, sizeof(d.reason), "%s", decide_reason_code(r.reason));
		vow_err derr = v->ops->denial_append(v->data, &d);
		if (derr != VOW_OK)
			return derr; /* an access that cannot be recorded is not answered */
	}
	return r.allow ? VOW_OK : VOW_ERR_DENIED;
}

struct denial_ctx {
	vault_denial_fn cb;
	void *ctx;
};

static vow_err denial_one(void *ctx, const void *row)
{
	const struct denial_ctx *c = ctx;
	const struct store_denial *d = row;
	return c->cb(c->ctx, d->role, d->purpose, d->category, d->reason, d->at);
}

vow_err vault_denial_list(struct vault *v, const char *subject, vault_denial_fn cb, void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct denial_ctx c = {cb, ctx};
	return v->ops->denial_list(v->data, subject, denial_one, &c);
}

const char *vault_last_denial(const struct vault *v)
{
	return v->last_denial == DECIDE_ALLOWED ? NULL : decide_reason_code(v->last_denial);
}
