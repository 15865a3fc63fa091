/* policy/load_sections.c — purposes, roles, recipients, retention, legal
 * holds, residency and cookies: each loaded with its references resolved
 * and its own consistency rules checked where the problem is written. */
#include <stdio.h>
#include <string.h>

#include "policy/policy_int.h"

const char *const policy_basis_names[BASIS__COUNT] = {"consent",          "contract",
                                                      "legal_obligation", "legitimate_interest",
                                                      "vital_interest",   "public_task"};
const char *const policy_channel_names[6] = {
    "privacy_center", "unsubscribe_link", "email", "settings", "api", "banner"};
const char *const policy_optout_names[3] = {"sale", "sharing", "targeted_advertising"};
static const char *const role_kind_names[ROLE__COUNT] = {"service", "staff", "admin", "subject"};
static const char *const recipient_kind_names[RECIPIENT__COUNT] = {
    "processor", "controller", "joint_controller", "authority", "third_party"};
static const char *const transfer_names[TRANSFER__COUNT] = {"none", "adequacy", "dpf",
                                                            "scc",  "bcr",      "derogation"};
static const char *const anchor_names[ANCHOR__COUNT] = {"created", "last_activity",
                                                        "account_closed", "contract_end"};
static const char *const cookie_names[COOKIE__COUNT] = {"functional", "analytical", "social",
                                                        "advertising"};

/* The items of an optional section list; NULL when absent or not a list. */
static const struct ynode *section(struct loader *L, const struct ynode *list, const char *name)
{
	if (list == NULL || !lseq(L, list, name))
		return NULL;
	return list;
}

static bool idx_has(struct policy_idx_list l, uint32_t x)
{
	for (uint32_t i = 0; i < l.n; i++)
		if (l.v[i] == x)
			return true;
	return false;
}

static void load_regions(struct loader *L, const struct ynode *it, const char *field,
                         struct policy_region_list *out)
{
	const struct ynode *v = ytree_get(it, field);
	out->v = NULL;
	out->n = 0;
	if (v == NULL || !lseq(L, v, field))
		return;
	const char **list = lalloc(L, (v->n ? v->n : 1) * sizeof(*list));
	if (list == NULL)
		return;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *r = v->items[i];
		if (r->kind != YNODE_SCALAR || !region_name_valid(r->str)) {
			lerr(L, r, "use a country code (NL), or EU, EEA, ADEQUATE or ANY",
			     "'%.32s' is not a region",
			     r->kind == YNODE_SCALAR ? r->str : "(list)");
			continue;
		}
		list[out->n++] = arena_strndup(L->p->arena, r->str, r->len);
	}
	out->v = list;
}

/* ---- purposes ---- */

static void purpose_checks(struct loader *L, const struct ynode *it, struct policy_purpose *u)
{
	const struct ynode *kn = ytree_get(it, "key");
	const struct ynode *on = ytree_get(it, "objection");
	const char *key = u->key;
	if (u->basis == BASIS_CONSENT && u->withdraw_via == 0)
		lerr(L, kn,
		     "add 'withdraw_via: [privacy_center]': withdrawing must be as easy as giving "
		     "(Art. 7(3))",
		     "consent purpose '%s' has no way to withdraw consent", key);
	if (u->basis != BASIS_CONSENT && u->consent_in.n > 0 && u->withdraw_via == 0)
		lerr(L, ytree_get(it, "consent_in"),
		     "add 'withdraw_via:' so consent given in those regions can be withdrawn",
		     "purpose '%s' needs consent in some regions but has no way to withdraw it",
		     key);
	if (u->basis == BASIS_LEGITIMATE_INTEREST && u->legitimate_interest == NULL)
		lerr(L, kn, "add 'legitimate_interest:' naming the interest (Art. 13(1)(d))",
		     "legitimate-interest purpose '%s' does not name the interest", key);
	if ((u->basis == BASIS_LEGITIMATE_INTEREST || u->basis == BASIS_PUBLIC_TASK) &&
	    !u->objection)
		lerr(L, on != NULL ? on : kn,
		     "set 'objection: true': the person may always object to this basis (Art. "
		     "21(1))",
		     "%s purpose '%s' does not let the person object",
		     u->basis == BASIS_PUBLIC_TASK ? "public-task" : "legitimate-interest", key);
	if (u->direct_marketing && u->basis != BASIS_CONSENT && !u->objection)
		lerr(
		    L, on != NULL ? on : kn,
		    "set 'objection: true': objection to direct marketing is absolute (Art. 21(3))",
		    "direct-marketing purpose '%s' does not let the person object", key);
	if (u->objection && u->objection_via == 0)
		u->objection_via = CHANNEL_PRIVACY_CENTER;
	if (u->automated_decision && u->automated_logic == NULL)
		lerr(L, ytree_get(it, "automated_decision"),
		     "add 'automated_logic:' explaining the logic involved (Art. 13(2)(f))",
		     "purpose '%s' makes automated decisions but does not explain them", key);
	if (u->required && u->required_reason == NULL)
		lerr(L, ytree_get(it, "required"),
		     "add 'required_reason:' saying why the data is needed (Art. 13(2)(e))",
		     "purpose '%s' requires data but does not say why", key);
}

void load_purposes(struct loader *L, const struct ynode *list)
{
	const char *const *fields = policy_section_fields("purpose");
	struct policy *p = L->p;
	p->purposes = lalloc(L, (p->n_purposes ? p->n_purposes : 1) * sizeof(*p->purposes));
	if (p->purposes == NULL || section(L, list, "purposes") == NULL)
		return;
	for (uint32_t i = 0; i < p->n_purposes; i++) {
		const struct ynode *it = list->items[i];
		struct policy_purpose *u = &p->purposes[i];
		if (!lmap(L, it, "a purpose"))
			continue;
		lfields(L, it, "a purpose", fields);
		u->key = L->pur_keys[i];
		u->loc = lloc(it);
		char owner[160];
		(void)snprintf(owner, sizeof(owner), "purpose '%.128s'", u->key ? u->key : "?");
		u->name = ltext(L, it, "name", owner, true);
		u->description = ltext(L, it, "description", owner, false);
		int b = lenum(L, it, "basis", owner, policy_basis_names, BASIS__COUNT, -1);
		u->basis = b < 0 ? BASIS_CONTRACT : (enum policy_basis)b;
		u->legitimate_interest = ltext(L, it, "legitimate_interest", owner, false);
		load_regions(L, it, "consent_in", &u->consent_in);
		lrefs(L, it, "categories", owner, "uses", "category", &p->category_idx, L->cat_keys,
		      p->n_categories, &u->categories, true);
		lrefs(L, it, "roles", owner, "names", "role", &p->role_idx, L->role_keys,
		      p->n_roles, &u->roles, true);
		lrefs(L, it, "subjects", owner, "names", "data subject", &p->subject_idx,
		      L->subj_keys, p->n_subjects, &u->subjects, false);
		bool objectable =
		    u->basis == BASIS_LEGITIMATE_INTEREST || u->basis == BASIS_PUBLIC_TASK;
		u->objection = lbool(L, it, "objection", objectable);
		u->objection_via = lflags(L, it, "objection_via", policy_channel_names, 6);
		u->withdraw_via = lflags(L, it, "withdraw_via", policy_channel_names, 6);
		u->direct_marketing = lbool(L, it, "direct_marketing", false);
		u->optout = lflags(L, it, "opt_out", policy_optout_names, 3);
		u->required = lbool(L, it, "required", false);
		u->required_reason = ltext(L, it, "required_reason", owner, false);
		u->automated_decision = lbool(L, it, "automated_decision", false);
		u->automated_logic = ltext(L, it, "automated_logic", owner, false);
		if (b >= 0 && u->key != NULL)
			purpose_checks(L, it, u);
	}
}

/* ---- roles ---- */

static const char *const op_names[OP__COUNT] = {"read", "write", "delete"};

const char *policy_op_name(enum policy_op o)
{
	return o < OP__COUNT ? op_names[o] : "?";
}

/* A role's `operations:`: a list of operations it may do on every category
 * it sees ([read, write]), or a map from operation to the categories it may
 * do it to ({read: [...], write: [...]}). Absent: staff read only, the
 * other kinds everything. */
static void load_operations(struct loader *L, const struct ynode *role, const char *owner,
                            bool staff, struct policy_role *r)
{
	const struct ynode *ops = ytree_get(role, "operations");
	if (ops == NULL) {
		r->ops = staff ? 1u << OP_READ : (1u << OP__COUNT) - 1;
		return;
	}
	if (ops->kind == YNODE_SEQ) {
		for (size_t i = 0; i < ops->n; i++) {
			const struct ynode *it = ops->items[i];
			int o = -1;
			for (int k = 0; k < OP__COUNT && it->kind == YNODE_SCALAR; k++)
				if (strcmp(it->str, op_names[k]) == 0)
					o = k;
			if (o < 0)
				lerr(L, it, "write read, write or delete",
				     "%s: '%s' is not an operation", owner,
				     it->kind == YNODE_SCALAR ? it->str : "?");
			else
				r->ops |= 1u << o;
		}
		return;
	}
	if (!lmap(L, ops, "'operations'"))
		return;
	for (size_t i = 0; i < ops->n; i++) {
		const struct ynode *k = ops->items[2 * i];
		bool known = false;
		for (int o = 0; o < OP__COUNT; o++)
			known |= strcmp(k->str, op_names[o]) == 0;
		if (!known)
			lerr(L, k, "write read, write or delete, each with its categories",
			     "%s: '%s' is not an operation", owner, k->str);
	}
	for (int o = 0; o < OP__COUNT; o++)
		lrefs(L, ops, op_names[o], owner, "lets it act on", "category", &L->p->category_idx,
		      L->cat_keys, L->p->n_categories, &r->op_categories[o], false);
}

void load_roles(struct loader *L, const struct ynode *list)
{
	const char *const *fields = policy_section_fields("role");
	struct policy *p = L->p;
	p->roles = lalloc(L, (p->n_roles ? p->n_roles : 1) * sizeof(*p->roles));
	if (p->roles == NULL || section(L, list, "roles") == NULL)
		return;
	for (uint32_t i = 0; i < p->n_roles; i++) {
		const struct ynode *it = list->items[i];
		struct policy_role *r = &p->roles[i];
		if (!lmap(L, it, "a role"))
			continue;
		lfields(L, it, "a role", fields);
		r->key = L->role_keys[i];
		r->loc = lloc(it);
		char owner[160];
		(void)snprintf(owner, sizeof(owner), "role '%.128s'", r->key ? r->key : "?");
		int k = lenum(L, it, "kind", owner, role_kind_names, ROLE__COUNT, -1);
		r->kind = k < 0 ? ROLE_SERVICE : (enum policy_role_kind)k;
		r->description = ltext(L, it, "description", owner, false);
		r->assigned_only = lbool(L, it, "assigned_only", false);
		r->acts_for_subjects = lbool(L, it, "acts_for_subjects", false);
		r->agreement = ltext(L, it, "agreement", owner, false);
		lrefs(L, it, "purposes", owner, "names", "purpose", &p->purpose_idx, L->pur_keys,
		      p->n_purposes, &r->purposes, false);
		lrefs(L, it, "categories", owner, "names", "category", &p->category_idx,
		      L->cat_keys, p->n_categories, &r->categories, false);
		load_operations(L, it, owner, k == ROLE_STAFF, r);
		const struct ynode *kn = ytree_get(it, "key");
		if (k == ROLE_STAFF && r->purposes.n == 0 && ytree_get(it, "purposes") == NULL)
			lerr(L, kn,
			     "list the purposes staff in this role act for under 'purposes:'",
			     "staff role '%s' has no purpose", r->key ? r->key : "?");
		if (r->assigned_only && k != ROLE_STAFF)
			lerr(L, ytree_get(it, "assigned_only"),
			     "only staff roles work from assignments",
			     "role '%s' is assigned_only but not of kind staff",
			     r->key ? r->key : "?");
		if (ytree_get(it, "acts_for_subjects") != NULL &&
		    (k == ROLE_ADMIN || k == ROLE_SUBJECT))
			lerr(L, ytree_get(it, "acts_for_subjects"),
			     k == ROLE_ADMIN
			         ? "an admin role always acts for a person: remove the field"
			         : "a person acts for themselves only: remove the field",
			     "role '%s' of kind %s cannot take acts_for_subjects",
			     r->key ? r->key : "?", role_kind_names[k]);
		for (uint32_t j = 0; j < r->purposes.n && p->purposes != NULL; j++) {
			const struct policy_purpose *u = &p->purposes[r->purposes.v[j]];
			if (u->key != NULL && !idx_has(u->roles, i))
				lerr(
				    L, ytree_get(it, "purposes"),
				    "add the role to the purpose's 'roles:'",
				    "role '%s' acts for purpose '%s', which does not list the role",
				    r->key ? r->key : "?", u->key);
		}
	}
}

/* ---- recipients ---- */

void load_recipients(struct loader *L, const struct ynode *list)
{
	const char *const *fields = policy_section_fields("recipient");
	struct policy *p = L->p;
	p->recipients = lalloc(L, (p->n_recipients ? p->n_recipients : 1) * sizeof(*p->recipients));
	if (p->recipients == NULL || section(L, list, "recipients") == NULL)
		return;
	for (uint32_t i = 0; i < p->n_recipients; i++) {
		const struct ynode *it = list->items[i];
		struct policy_recipient *r = &p->recipients[i];
		if (!lmap(L, it, "a recipient"))
			continue;
		lfields(L, it, "a recipient", fields);
		r->key = L->rcp_keys[i];
		r->loc = lloc(it);
		const char *key = r->key ? r->key : "?";
		char owner[160];
		(void)snprintf(owner, sizeof(owner), "recipient '%.128s'", key);
		r->name = ltext(L, it, "name", owner, true);
		r->description = ltext(L, it, "description", owner, false);
		int k = lenum(L, it, "kind", owner, recipient_kind_names, RECIPIENT__COUNT, -1);
		r->kind = k < 0 ? RECIPIENT_PROCESSOR : (enum policy_recipient_kind)k;
		r->country = ltext(L, it, "country", owner, true);
		int t =
		    lenum(L, it, "transfer", owner, transfer_names, TRANSFER__COUNT, TRANSFER_NONE);
		r->transfer = (enum policy_transfer)t;
		lrefs(L, it, "purposes", owner, "names", "purpose", &p->purpose_idx, L->pur_keys,
		      p->n_purposes, &r->purposes, true);
		lrefs(L, it, "categories", owner, "receives", "category", &p->category_idx,
		      L->cat_keys, p->n_categories, &r->categories, true);
		r->notify_url = ltext(L, it, "notify_url", owner, false);
		const struct ynode *cn = ytree_get(it, "country");
		if (r->country == NULL)
			continue;
		if (!region_country_valid(r->country)) {
			lerr(L, cn, "use an ISO 3166-1 alpha-2 code such as NL or US",
			     "'%.32s' is not a country code", r->country);
			continue;
		}
		bool gdpr = (p->regulations & (REG_GDPR | REG_UK_GDPR)) != 0;
		if (gdpr && r->transfer == TRANSFER_NONE &&
		    !region_contains("ADEQUATE", r->country))
			lerr(L, cn,
			     "set 'transfer:' to scc, dpf, bcr, adequacy or derogation (GDPR "
			     "Chapter V)",
			     "recipient '%s' is outside the EEA (%s) and has no transfer mechanism",
			     key, r->country);
		if (r->transfer == TRANSFER_ADEQUACY && !region_adequate(r->country) &&
		    !region_contains("EEA", r->country))
			lerr(L, ytree_get(it, "transfer"),
			     "use scc, bcr or (for a certified US body) dpf",
			     "recipient '%s' claims an adequacy decision, but %s has none", key,
			     r->country);
		if (r->transfer == TRANSFER_DPF && strcmp(r->country, "US") != 0)
			lerr(L, ytree_get(it, "transfer"),
			     "dpf covers certified recipients in the US only",
			     "recipient '%s' uses dpf outside the US (%s)", key, r->country);
		for (uint32_t c = 0; c < r->categories.n && p->purposes != NULL; c++) {
			bool used = false;
			for (uint32_t j = 0; !used && j < r->purposes.n; j++)
				used = idx_has(p->purposes[r->purposes.v[j]].categories,
				               r->categories.v[c]);
			if (!used)
				lerr(L, ytree_get(it, "categories"),
				     "add the category to one of the recipient's purposes, or "
				     "remove it",
				     "recipient '%s' receives category '%s', which none of its "
				     "purposes uses",
				     key, L->cat_keys[r->categories.v[c]]);
		}
	}
}

/* ---- retention and legal holds ---- */

static bool longer(struct policy_duration a, struct policy_duration b)
{
	return a.n != 0 && b.n != 0 && policy_duration_min_days(a) > policy_duration_max_days(b);
}

static void unstored_check(struct loader *L, const struct ynode *it, struct policy_idx_list cats,
                           const char *what)
{
	for (uint32_t c = 0; c < cats.n; c++) {
		const struct policy_category *cat = &L->p->categories[cats.v[c]];
		if (cat->key != NULL && !cat->stored)
			lerr(L, ytree_get(it, "categories"),
			     "remove it, or set 'stored: true' on the category",
			     "%s names category '%s', which is never stored", what, cat->key);
	}
}

void load_retention(struct loader *L, const struct ynode *list)
{
	const char *const *fields = policy_section_fields("retention");
	struct policy *p = L->p;
	if (section(L, list, "retention") == NULL)
		return;
	p->retention = lalloc(L, (list->n ? list->n : 1) * sizeof(*p->retention));
	if (p->retention == NULL)
		return;
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		if (!lmap(L, it, "a retention rule"))
			continue;
		struct policy_retention *r = &p->retention[p->n_retention++];
		lfields(L, it, "a retention rule", fields);
		r->loc = lloc(it);
		lrefs(L, it, "categories", "a retention rule", "names", "category",
		      &p->category_idx, L->cat_keys, p->n_categories, &r->categories, true);
		r->purpose = lref(L, it, "purpose", "a retention rule", "purpose", &p->purpose_idx);
		lduration(L, it, "period", &r->period);
		r->from = (enum policy_anchor)lenum(L, it, "from", "a retention rule", anchor_names,
		                                    ANCHOR__COUNT, ANCHOR_CREATED);
		lduration(L, it, "minimum", &r->minimum);
		lduration(L, it, "notice", &r->notice);
		lduration(L, it, "postpone", &r->postpone);
		r->delete_on_close = lbool(L, it, "delete_on_close", false);
		r->criteria = ltext(L, it, "criteria", "a retention rule", false);
		if (r->period.n == 0 && r->criteria == NULL && ytree_get(it, "period") == NULL)
			lerr(L, it,
			     "add 'period:' (e.g. '6 months') or 'criteria:' (Art. 13(2)(a))",
			     "retention rule has neither a period nor criteria");
		if (longer(r->notice, r->period))
			lerr(L, ytree_get(it, "notice"),
			     "shorten the notice or lengthen the period",
			     "advance notice is longer than the retention period");
		if (longer(r->minimum, r->period))
			lerr(L, ytree_get(it, "minimum"),
			     "the minimum keep cannot exceed the period",
			     "minimum keep time is longer than the retention period");
		if (r->postpone.n != 0 && r->notice.n == 0)
			lerr(L, ytree_get(it, "postpone"),
			     "add 'notice:' so the person can answer in time",
			     "postponement is allowed but no advance notice is given");
		unstored_check(L, it, r->categories, "a retention rule");
	}
}

void load_holds(struct loader *L, const struct ynode *list)
{
	const char *const *fields = policy_section_fields("legal_hold");
	struct policy *p = L->p;
	if (section(L, list, "legal_holds") == NULL)
		return;
	p->holds = lalloc(L, (list->n ? list->n : 1) * sizeof(*p->holds));
	if (p->holds == NULL)
		return;
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		if (!lmap(L, it, "a legal hold"))
			continue;
		struct policy_hold *h = &p->holds[p->n_holds++];
		lfields(L, it, "a legal hold", fields);
		h->loc = lloc(it);
		lrefs(L, it, "categories", "a legal hold", "names", "category", &p->category_idx,
		      L->cat_keys, p->n_categories, &h->categories, true);
		h->purpose = lref(L, it, "purpose", "a legal hold", "purpose", &p->purpose_idx);
		if (ytree_get(it, "purpose") == NULL)
			lerr(L, it, "name the legal-obligation purpose the data is kept for",
			     "a legal hold is missing the required field 'purpose'");
		lduration(L, it, "period", &h->period);
		if (ytree_get(it, "period") == NULL)
			lerr(L, it, "add 'period:', e.g. '7 years'",
			     "a legal hold is missing the required field 'period'");
		h->from = (enum policy_anchor)lenum(L, it, "from", "a legal hold", anchor_names,
		                                    ANCHOR__COUNT, ANCHOR_CREATED);
		h->reason = ltext(L, it, "reason", "a legal hold", true);
		if (h->purpose != POLICY_NONE && p->purposes != NULL) {
			const struct policy_purpose *u = &p->purposes[h->purpose];
			if (u->key != NULL && u->basis != BASIS_LEGAL_OBLIGATION)
				lerr(L, ytree_get(it, "purpose"),
				     "only a legal obligation (Art. 17(3)(b)) lets data outlive an "
				     "erasure request",
				     "legal hold names purpose '%s', whose basis is %s, not "
				     "legal_obligation",
				     u->key, policy_basis_names[u->basis]);
		}
		unstored_check(L, it, h->categories, "a legal hold");
	}
}

/* ---- residency ---- */

void load_residency(struct loader *L, const struct ynode *list)
{
	const char *const *fields = policy_section_fields("residency");
	struct policy *p = L->p;
	if (section(L, list, "residency") == NULL)
		return;
	p->residency = lalloc(L, (list->n ? list->n : 1) * sizeof(*p->residency));
	if (p->residency == NULL)
		return;
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		if (!lmap(L, it, "a residency rule"))
			continue;
		struct policy_residency *r = &p->residency[p->n_residency++];
		lfields(L, it, "a residency rule", fields);
		r->loc = lloc(it);
		lrefs(L, it, "categories", "a residency rule", "names", "category",
		      &p->category_idx, L->cat_keys, p->n_categories, &r->categories, true);
		const struct ynode *w = ytree_get(it, "when");
		if (w != NULL && lmap(L, w, "'when'")) {
			if (w->n != 1 || w->items[1]->kind != YNODE_SCALAR)
				lerr(L, w, "write one condition, e.g. 'when: {language: nl}'",
				     "'when' must hold exactly one attribute and its value");
			else {
				r->when_attr =
				    arena_strndup(p->arena, w->items[0]->str, w->items[0]->len);
				r->when_value =
				    arena_strndup(p->arena, w->items[1]->str, w->items[1]->len);
			}
		}
		load_regions(L, it, "store", &r->store);
		load_regions(L, it, "send", &r->send);
		r->description = ltext(L, it, "description", "a residency rule", false);
		if (ytree_get(it, "store") == NULL && ytree_get(it, "send") == NULL)
			lerr(L, it, "add 'store:' and/or 'send:' with the allowed regions",
			     "residency rule limits neither storage nor sending");
	}
}

/* ---- cookies ---- */

void load_cookies(struct loader *L, const struct ynode *list)
{
	const char *const *fields = policy_section_fields("cookie");
	struct policy *p = L->p;
	if (section(L, list, "cookies") == NULL)
		return;
	p->cookies = lalloc(L, (list->n ? list->n : 1) * sizeof(*p->cookies));
	if (p->cookies == NULL)
		return;
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		if (!lmap(L, it, "a cookie kind"))
			continue;
		struct policy_cookie *c = &p->cookies[p->n_cookies++];
		lfields(L, it, "a cookie kind", fields);
		c->loc = lloc(it);
		int k = lenum(L, it, "kind", "a cookie kind", cookie_names, COOKIE__COUNT, -1);
		c->kind = k < 0 ? COOKIE_FUNCTIONAL : (enum policy_cookie_kind)k;
		int b =
		    lenum(L, it, "basis", "a cookie kind", policy_basis_names, BASIS__COUNT, -1);
		c->basis = b < 0 ? BASIS_CONSENT : (enum policy_basis)b;
		c->description = ltext(L, it, "description", "a cookie kind", true);
		lrefs(L, it, "purposes", "a cookie kind", "names", "purpose", &p->purpose_idx,
		      L->pur_keys, p->n_purposes, &c->purposes, false);
		lrefs(L, it, "recipients", "a cookie kind", "names", "recipient", &p->recipient_idx,
		      L->rcp_keys, p->n_recipients, &c->recipients, false);
		if (k > COOKIE_FUNCTIONAL && b >= 0 && b != BASIS_CONSENT &&
		    (p->regulations & REG_EPRIVACY))
			lerr(L, ytree_get(it, "basis"),
			     "under the ePrivacy rules only strictly necessary cookies may be set "
			     "without consent",
			     "%s cookies need consent, not %s", cookie_names[k],
			     policy_basis_names[b]);
	}
}

/* ---- names ---- */

const char *policy_basis_name(enum policy_basis b)
{
	return b < BASIS__COUNT ? policy_basis_names[b] : "?";
}
const char *policy_anchor_name(enum policy_anchor a)
{
	return a < ANCHOR__COUNT ? anchor_names[a] : "?";
}
const char *policy_transfer_name(enum policy_transfer t)
{
	return t < TRANSFER__COUNT ? transfer_names[t] : "?";
}
const char *policy_role_kind_name(enum policy_role_kind k)
{
	return k < ROLE__COUNT ? role_kind_names[k] : "?";
}
const char *policy_recipient_kind_name(enum policy_recipient_kind k)
{
	return k < RECIPIENT__COUNT ? recipient_kind_names[k] : "?";
}
const char *policy_cookie_kind_name(enum policy_cookie_kind k)
{
	return k < COOKIE__COUNT ? cookie_names[k] : "?";
}

const char *policy_unit_name(enum policy_unit u)
{
	static const char *const names[] = {"day", "week", "month", "year"};
	return (unsigned)u < 4 ? names[u] : "?";
}

uint32_t policy_duration_min_days(struct policy_duration d)
{
	static const uint32_t per[] = {1, 7, 28, 365};
	return d.n * per[d.unit];
}

uint32_t policy_duration_max_days(struct policy_duration d)
{
	static const uint32_t per[] = {1, 7, 31, 366};
	return d.n * per[d.unit];
}
