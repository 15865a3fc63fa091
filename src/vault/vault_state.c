/* vault/vault_state.c — a subject's state for decide(), and the access
 * check every data operation runs first. */
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "audit/audit.h"
#include "vault/vault_int.h"
#include "util/grow.h"

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
	if (u == POLICY_NONE || r->state < CONSENT_NONE || r->state > CONSENT_WITHDRAWN)
		return VOW_OK;
	/* rows come oldest first: the last wins. A consent given under other
	 * terms (a material change since) counts as none until given again;
	 * one recorded before terms were kept ('') still counts. */
	bool stale = r->state == CONSENT_GIVEN && r->terms[0] != '\0' &&
	             strcmp(r->terms, c->p->purposes[u].terms) != 0;
	c->st->consent[u] = (uint8_t)(stale ? CONSENT_NONE : r->state);
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

/* The start of the n-th birthday of someone born at `born` (midnight UTC).
 * Born on 29 February: 1 March in years without one (the later of the two
 * days the law of one country or another names), so a minimum age is never
 * reached a day early. */
static int64_t birthday(int64_t born, uint32_t n)
{
	int64_t t = clock_add(born, n, 3);
	char b[11], d[11];
	clock_format_date(born, b);
	clock_format_date(t, d);
	if (strcmp(b + 5, "02-29") == 0 && strcmp(d + 5, "02-29") != 0)
		t += 86400; /* clock_add stopped at 28 February */
	return t;
}

/* Whole years between born and now: a year more from the first second of
 * each birthday. */
int vault_age_years(int64_t born, int64_t now)
{
	int years = 0;
	while (years < 200 && birthday(born, (uint32_t)years + 1) <= now)
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
			*age = born != INT64_MIN ? vault_age_years(born, clock_now()) : stated;
			return VOW_OK;
		}
		snprintf(slot->subject, sizeof(slot->subject), "%s", subject);
		slot->born = born;
		slot->age = stated;
	}
	*age = slot->born != INT64_MIN ? vault_age_years(slot->born, clock_now()) : slot->age;
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

static void apply_text(struct state_ctx *c, const char *text);

vow_err vault_state_load(struct vault *v, const char *subject, struct vault_state *st)
{
	const struct policy *p = v->policy;
	memset(st, 0, sizeof(*st));
	if (p == NULL)
		return VOW_ERR_INVALID;
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	int status = 0;
	char region[3] = "", *text = NULL;
	vow_err err = v->ops->subject_state(v->data, subject, &status, region, &text);
	if (err != VOW_OK)
		return err;
	int age = -1;
	if (p->minimum_age > 0 && status != SUBJECT_ERASED)
		err = subject_age(v, subject, &age);
	else if (status != SUBJECT_ERASED)
		err = vault_key_present(v, subject);
	if (err != VOW_OK) {
		free(text);
		return err;
	}
	st->consent = calloc(p->n_purposes ? p->n_purposes : 1, 1);
	st->objections = calloc(p->pur_words ? p->pur_words : 1, sizeof(uint64_t));
	st->restricted = calloc(p->cat_words ? p->cat_words : 1, sizeof(uint64_t));
	if (st->consent == NULL || st->objections == NULL || st->restricted == NULL) {
		free(text);
		vault_state_free(st);
		return VOW_ERR_NOMEM;
	}
	st->s.status = (enum decide_status)status;
	memcpy(st->s.region, region, sizeof(st->s.region));
	st->s.consent = st->consent;
	st->s.objections = st->objections;
	st->s.restricted_categories = st->restricted;
	st->s.minor = p->minimum_age > 0 && age >= 0 && age < (int)p->minimum_age;
	struct state_ctx c = {p, st};
	if (text[0] == '-') {
		apply_text(&c, text);
	} else { /* not materialised (a store from before it was): read the record itself */
		err = v->ops->consent_list(v->data, subject, consent_row, &c);
		if (err == VOW_OK)
			err = v->ops->flag_list(v->data, subject, flag_row, &c);
	}
	free(text);
	if (err != VOW_OK)
		vault_state_free(st);
	return err;
}

/* ---- the materialised state: "-" then lines "c PURPOSE STATE [TERMS]", "o TARGET",
 * "r TARGET", "p" (parental consent), rebuilt from the ledger and the flags
 * in the transaction that changes them ---- */

static void apply_text(struct state_ctx *c, const char *text)
{
	const char *line = strchr(text, '\n');
	while (line != NULL) {
		line++;
		const char *end = strchr(line, '\n');
		size_t n = end != NULL ? (size_t)(end - line) : strlen(line);
		char buf[STORE_KEY_MAX + 64];
		if (n >= 1 && n < sizeof(buf)) {
			memcpy(buf, line, n);
			buf[n] = '\0';
			struct store_consent cr;
			struct store_flag fr;
			memset(&cr, 0, sizeof(cr));
			memset(&fr, 0, sizeof(fr));
			int state = 0;
			if (buf[0] == 'c' &&
			    sscanf(buf, "c %128s %d %32s", cr.purpose, &state, cr.terms) >= 2) {
				cr.state = state;
				(void)consent_row(c, &cr);
			} else if ((buf[0] == 'o' || buf[0] == 'r') && n > 2) {
				fr.kind = buf[0] == 'o' ? FLAG_OBJECTION : FLAG_RESTRICTION;
				snprintf(fr.target, sizeof(fr.target), "%.128s", buf + 2);
				(void)flag_row(c, &fr);
			} else if (buf[0] == 'p') {
				fr.kind = FLAG_PARENTAL_CONSENT;
				(void)flag_row(c, &fr);
			}
		}
		line = end;
	}
}

struct text {
	char *p;
	size_t len, cap;
	bool failed;
};

static void text_add(struct text *t, const char *line)
{
	size_t n = strlen(line);
	if (t->failed || t->len + n + 2 > 64 * 1024) {
		t->failed = true;
		return;
	}
	if (t->len + n + 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		while (ncap < t->len + n + 2)
			ncap *= 2;
		char *np = realloc(t->p, ncap);
		if (np == NULL) {
			t->failed = true;
			return;
		}
		t->p = np;
		t->cap = ncap;
	}
	memcpy(t->p + t->len, line, n);
	t->len += n;
	t->p[t->len++] = '\n';
	t->p[t->len] = '\0';
}

struct latest {
	struct store_consent *v;
	size_t n, cap;
};

static vow_err latest_row(void *ctx, const void *rowp)
{
	struct latest *l = ctx;
	const struct store_consent *r = rowp;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].purpose, r->purpose) == 0) {
			l->v[i].state = r->state;
			memcpy(l->v[i].terms, r->terms, sizeof(r->terms));
			return VOW_OK;
		}
	if (grow(&l->v, l->n, &l->cap, sizeof(*l->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	l->v[l->n++] = *r;
	return VOW_OK;
}

static vow_err flag_text(void *ctx, const void *rowp)
{
	const struct store_flag *f = rowp;
	char line[STORE_KEY_MAX + 4];
	if (f->lifted_at != 0)
		return VOW_OK;
	if (f->kind == FLAG_PARENTAL_CONSENT)
		snprintf(line, sizeof(line), "p");
	else
		snprintf(line, sizeof(line), "%c %s", f->kind == FLAG_OBJECTION ? 'o' : 'r',
		         f->target);
	text_add(ctx, line);
	return VOW_OK;
}

vow_err vault_state_refresh(struct vault *v, const char *subject)
{
	struct latest l = {0};
	struct text t = {0};
	text_add(&t, "-");
	vow_err err = v->ops->consent_list(v->data, subject, latest_row, &l);
	for (size_t i = 0; err == VOW_OK && i < l.n; i++) {
		char line[STORE_KEY_MAX + 64];
		snprintf(line, sizeof(line), "c %s %d %s", l.v[i].purpose, l.v[i].state,
		         l.v[i].terms);
		text_add(&t, line);
	}
	if (err == VOW_OK)
		err = v->ops->flag_list(v->data, subject, flag_text, &t);
	if (err == VOW_OK && t.failed)
		err = VOW_ERR_TOO_LARGE;
	if (err == VOW_OK)
		err = v->ops->subject_set_state(v->data, subject, t.p);
	free(t.p);
	free(l.v);
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
	return vault_check_op(v, a, OP_READ, subject, category, file, recipient, attr, held, result);
}

vow_err vault_check_op(struct vault *v, const struct vault_access *a, enum policy_op op,
                       const char *subject, const char *category, const char *file,
                       const char *recipient, const char *attr, bool held,
                       struct decide_result *result)
{
	const struct policy *p = v->policy;
	struct decide_result r = {false, DECIDE_UNKNOWN_ROLE, POLICY_NONE};
	if (a == NULL || a->role == NULL || a->purpose == NULL || p == NULL) {
		if (result != NULL)
			*result = r;
		return VOW_ERR_INVALID;
	}
	if (a->actor != NULL && strlen(a->actor) > VOW_MAX_ACTOR) {
		if (result != NULL)
			*result = r;
		return vault_refuse(v, VOW_ERR_INVALID, NULL, "actor: at most 128 bytes");
	}
	if (a->rights) { /* the person's own request: audited, not decided */
		struct audit_event ev = {a->role,  a->actor,   "rights", subject,
		                         category, a->purpose, "allow",  NULL};
		if (result != NULL)
			*result = (struct decide_result){true, DECIDE_ALLOWED, POLICY_NONE};
		return audit_record(v, &ev);
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
	    recipient != NULL ? policy_recipient_find(p, recipient) : POLICY_NONE, attr, held, op};
	if (recipient != NULL && q.recipient == POLICY_NONE)
		q.recipient = p->n_recipients; /* unknown: decide denies it */
	r = decide(p, &actor, &st.s, &q);
	vault_state_free(&st);
	if (result != NULL)
		*result = r;
	if (!r.allow)
		vault_refuse(v, VOW_ERR_DENIED, decide_reason_code(r.reason),
		             decide_reason_message(r.reason));
	struct audit_event ev = {a->role,
	                         a->actor,
	                         "decide",
	                         subject,
	                         category,
	                         a->purpose,
	                         r.allow ? "allow" : "deny",
	                         decide_reason_code(r.reason)};
	vow_err aerr = audit_record(v, &ev);
	if (aerr != VOW_OK)
		return aerr; /* an access that cannot be audited is not answered */
	if (!r.allow && !a->listing) {
		/* every denied access is recorded, with ids and keys only */
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
	return v->reason;
}

const char *vault_last_why(const struct vault *v)
{
	return v->why;
}

void vault_refusal_clear(struct vault *v)
{
	v->reason = NULL;
	v->why = NULL;
}

vow_err vault_refuse(struct vault *v, vow_err err, const char *reason, const char *why)
{
	v->reason = reason;
	v->why = why;
	return err;
}

/* Refusals other than decide()'s rules, each documented in
 * docs/decisions.md ("Other refusals"). */
static const char *const other_reasons[] = {
    "not_stored",        /* the policy says this category is never stored */
    "suppressed",        /* an address that opted out of direct marketing */
    "under_age",         /* a sign-up below the policy's minimum age */
    "not_due",           /* retention: not due yet, so never deleted early */
    "notice_owed",       /* retention: the person has not been warned yet */
    "not_postponable",   /* retention: the rule allows no postponement */
    "no_notice_yet",     /* retention: kept longer only once its notice is due */
    "already_postponed", /* retention: kept longer once already since its notice */
    "kept_for_purpose",  /* retention: kept until an anchor, not the person's to let go */
    "not_verified",      /* a rights request whose identity check is pending */
    "extension_refused", /* Art. 12(3): within the first month, two months in all */
    "wrong_code",        /* a verification code that does not match */
    "invalid_link",      /* a keep or download link that is not (or no longer) valid */
    "wrong_subject",     /* a subject key acting for another person */
    "hash_only",         /* a category kept only as a one-way hash: verify, never read */
};

bool vault_reason_known(const char *reason)
{
	if (reason == NULL)
		return false;
	for (int r = 0; r < DECIDE__COUNT; r++)
		if (r != DECIDE_ALLOWED && strcmp(reason, decide_reason_code((enum decide_reason)r)) == 0)
			return true;
	for (size_t i = 0; i < sizeof(other_reasons) / sizeof(other_reasons[0]); i++)
		if (strcmp(reason, other_reasons[i]) == 0)
			return true;
	return false;
}
