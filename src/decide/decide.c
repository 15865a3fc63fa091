/* decide/decide.c — the rules, in order. Each rule is a few bit tests on
 * tables the policy precomputed; nothing here allocates or blocks. */
#include <string.h>
#include <strings.h>

#include "decide/decide.h"

struct reason_row {
	const char *code, *message;
};

static const struct reason_row reasons[DECIDE__COUNT] = {
    [DECIDE_ALLOWED] = {"allowed", "the policy allows this"},
    [DECIDE_UNKNOWN_PURPOSE] = {"unknown_purpose", "the purpose is not declared in the policy"},
    [DECIDE_UNKNOWN_CATEGORY] = {"unknown_category",
                                 "the data category is not declared in the policy"},
    [DECIDE_UNKNOWN_ROLE] = {"unknown_role", "the actor's role is not declared in the policy"},
    [DECIDE_SUBJECT_ERASED] = {"subject_erased", "the person's data was erased"},
    [DECIDE_CATEGORY_NOT_IN_PURPOSE] = {"category_not_in_purpose",
                                        "the purpose does not use this category"},
    [DECIDE_ROLE_NOT_ALLOWED] = {"role_not_allowed",
                                 "the actor's role may not act for this purpose or category"},
    [DECIDE_OPERATION_NOT_ALLOWED] = {"operation_not_allowed",
                                      "the actor's role may not change or delete this data"},
    [DECIDE_NO_ASSIGNMENT] = {"no_assignment", "the actor is not assigned to this content"},
    [DECIDE_LEGAL_HOLD] = {"legal_hold", "the data is kept only for a legal obligation"},
    [DECIDE_ACCOUNT_CLOSED] = {"account_closed", "the account is closed"},
    [DECIDE_RESTRICTED] = {"restricted", "processing of this data is restricted"},
    [DECIDE_UNDER_MINIMUM_AGE] = {"under_minimum_age", "the person is under the minimum age"},
    [DECIDE_NO_CONSENT] = {"no_consent", "the person has not consented to this purpose"},
    [DECIDE_CONSENT_WITHDRAWN] = {"consent_withdrawn",
                                  "the person withdrew consent to this purpose"},
    [DECIDE_OBJECTION] = {"objection", "the person objected to this purpose"},
    [DECIDE_GPC_OPT_OUT] = {"gpc_opt_out", "the person's browser signal opts out of this purpose"},
    [DECIDE_RECIPIENT_NOT_ALLOWED] =
        {"recipient_not_allowed", "the recipient may not receive this category for this purpose"},
    [DECIDE_REGION_NOT_ALLOWED] =
        {"region_not_allowed", "residency or transfer rules do not allow the recipient's country"},
};

const char *decide_reason_code(enum decide_reason r)
{
	return r < DECIDE__COUNT ? reasons[r].code : "unknown";
}

const char *decide_reason_message(enum decide_reason r)
{
	return r < DECIDE__COUNT ? reasons[r].message : "unknown reason";
}

static inline bool row_bit(const uint64_t *table, uint32_t words, uint32_t row, uint32_t bit)
{
	return (table[(size_t)row * words + bit / 64] >> (bit % 64)) & 1u;
}

static inline struct decide_result deny(enum decide_reason r, uint32_t rule)
{
	return (struct decide_result){false, r, rule};
}

/* True when the subject's region is one where the purpose needs consent. */
static bool consent_needed(const struct policy_purpose *u, const char *region)
{
	if (u->basis == BASIS_CONSENT)
		return true;
	if (u->consent_in.n == 0)
		return false;
	if (region[0] == '\0')
		return true; /* unknown region: the stricter rule */
	for (uint32_t i = 0; i < u->consent_in.n; i++)
		if (region_contains(u->consent_in.v[i], region))
			return true;
	return false;
}

/* True when the data's attribute value (a BCP 47 language tag such as
 * "nl-BE", or a region code) matches the rule's: by their primary subtag,
 * case-insensitively ("NL", "nl-NL" and "nl_BE" all match "nl"). */
static bool attr_matches(const char *value, const char *rule)
{
	size_t a = strcspn(value, "-_"), b = strcspn(rule, "-_");
	return a == b && strncasecmp(value, rule, a) == 0;
}

static bool in_regions(struct policy_region_list l, const char *cc)
{
	for (uint32_t i = 0; i < l.n; i++)
		if (region_contains(l.v[i], cc))
			return true;
	return false;
}

struct decide_result decide(const struct policy *p, const struct decide_actor *actor,
                            const struct decide_subject *s, const struct decide_request *req)
{
	const uint32_t cw = p->cat_words ? p->cat_words : 1, rw = p->role_words ? p->role_words : 1;
	const uint32_t pw = p->pur_words ? p->pur_words : 1;
	const uint32_t u = req->purpose, c = req->category, role = actor->role;
	if (u >= p->n_purposes)
		return deny(DECIDE_UNKNOWN_PURPOSE, POLICY_NONE);
	if (c >= p->n_categories)
		return deny(DECIDE_UNKNOWN_CATEGORY, POLICY_NONE);
	if (role >= p->n_roles)
		return deny(DECIDE_UNKNOWN_ROLE, POLICY_NONE);
	if (s->status == SUBJECT_STATE_ERASED && !req->held)
		return deny(DECIDE_SUBJECT_ERASED, POLICY_NONE);
	if (!row_bit(p->purpose_categories, cw, u, c))
		return deny(DECIDE_CATEGORY_NOT_IN_PURPOSE, POLICY_NONE);
	if (!row_bit(p->purpose_roles, rw, u, role) || !row_bit(p->role_categories, cw, role, c))
		return deny(DECIDE_ROLE_NOT_ALLOWED, POLICY_NONE);
	const uint32_t op = req->op < OP__COUNT ? (uint32_t)req->op : (uint32_t)OP_DELETE;
	if (!row_bit(p->role_ops + (size_t)op * p->n_roles * cw, cw, role, c))
		return deny(DECIDE_OPERATION_NOT_ALLOWED, POLICY_NONE);
	const struct policy_role *r = &p->roles[role];
	if (r->assigned_only && !actor->assigned)
		return deny(DECIDE_NO_ASSIGNMENT, POLICY_NONE);
	const bool legal = (p->legal_purposes[u / 64] >> (u % 64)) & 1u;
	if (req->held && p->purposes[u].basis != BASIS_LEGAL_OBLIGATION)
		return deny(DECIDE_LEGAL_HOLD, POLICY_NONE);
	if (s->status == SUBJECT_STATE_CLOSED && !legal)
		return deny(DECIDE_ACCOUNT_CLOSED, POLICY_NONE);
	if ((s->restricted || decide_bit(s->restricted_categories, c)) && !legal)
		return deny(DECIDE_RESTRICTED, POLICY_NONE);
	if (s->minor && !s->parental_consent && !legal)
		return deny(DECIDE_UNDER_MINIMUM_AGE, POLICY_NONE);
	const struct policy_purpose *pu = &p->purposes[u];
	const enum decide_consent consent =
	    s->consent != NULL ? (enum decide_consent)s->consent[u] : CONSENT_NONE;
	if (consent_needed(pu, s->region)) {
		if (consent == CONSENT_WITHDRAWN)
			return deny(DECIDE_CONSENT_WITHDRAWN, POLICY_NONE);
		if (consent != CONSENT_GIVEN)
			return deny(DECIDE_NO_CONSENT, POLICY_NONE);
	}
	if (decide_bit(s->objections, u) && (pu->objection || pu->direct_marketing))
		return deny(DECIDE_OBJECTION, POLICY_NONE);
	/* a browser opt-out stands unless the person opted in against it */
	if (pu->optout != 0 && consent != CONSENT_GIVEN &&
	    ((s->gpc && p->gpc == SIGNAL_HONOR) ||
	     (s->dnt && p->dnt == SIGNAL_HONOR && (pu->optout & OPTOUT_TARGETED_ADVERTISING))))
		return deny(DECIDE_GPC_OPT_OUT, POLICY_NONE);
	if (req->recipient == POLICY_NONE)
		return (struct decide_result){true, DECIDE_ALLOWED, POLICY_NONE};

	const uint32_t rc = req->recipient;
	if (rc >= p->n_recipients || !row_bit(p->recipient_purposes, pw, rc, u) ||
	    !row_bit(p->recipient_categories, cw, rc, c))
		return deny(DECIDE_RECIPIENT_NOT_ALLOWED, POLICY_NONE);
	const char *country = p->recipients[rc].country;
	for (uint32_t i = 0; i < p->n_residency; i++) {
		const struct policy_residency *res = &p->residency[i];
		if (res->send.n == 0 || !row_bit(p->residency_categories, cw, i, c))
			continue;
		/* a rule for one value of an attribute (Dutch content) binds data
		 * whose value matches, and data whose value is not known: the
		 * stricter reading, as for an unknown region */
		if (res->when_attr != NULL && req->attr != NULL &&
		    !attr_matches(req->attr, res->when_value))
			continue;
		if (!in_regions(res->send, country))
			return deny(DECIDE_REGION_NOT_ALLOWED, i);
	}
	/* GDPR Chapter V: leaving the EEA needs adequacy or a mechanism */
	if ((p->regulations & (REG_GDPR | REG_UK_GDPR)) &&
	    p->recipients[rc].transfer == TRANSFER_NONE && !region_contains("ADEQUATE", country) &&
	    (s->region[0] == '\0' || region_contains("EEA", s->region)))
		return deny(DECIDE_REGION_NOT_ALLOWED, POLICY_NONE);
	return (struct decide_result){true, DECIDE_ALLOWED, POLICY_NONE};
}
