/* policy/policy_json.c — the compiled policy as JSON (`vow policy show
 * --json`), and small accessors. Every reference is printed as the key it
 * resolved to, parents expanded, so the output shows what vow enforces. */
#include <jansson.h>
#include <stdlib.h>

#include "policy/policy_int.h"

extern const char vow_example_policy_start[];
extern const char vow_example_policy_end[];

const char *policy_example_text(size_t *len)
{
	*len = (size_t)(vow_example_policy_end - vow_example_policy_start);
	return vow_example_policy_start;
}

/* json_object_set_new that tolerates a NULL value (skips it). */
static void put(json_t *o, const char *k, json_t *v)
{
	if (v != NULL)
		(void)json_object_set_new(o, k, v);
}

static json_t *str(const char *s)
{
	return s != NULL ? json_string(s) : NULL;
}

static json_t *keys(const char *(*key_of)(const struct policy *, uint32_t), const struct policy *p,
                    struct policy_idx_list l)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < l.n; i++)
		(void)json_array_append_new(a, json_string(key_of(p, l.v[i])));
	return a;
}

static const char *cat_key(const struct policy *p, uint32_t i)
{
	return p->categories[i].key;
}
static const char *pur_key(const struct policy *p, uint32_t i)
{
	return p->purposes[i].key;
}
static const char *role_key(const struct policy *p, uint32_t i)
{
	return p->roles[i].key;
}
static const char *rcp_key(const struct policy *p, uint32_t i)
{
	return p->recipients[i].key;
}
static const char *subj_key(const struct policy *p, uint32_t i)
{
	return p->subjects[i].key;
}

static json_t *flags(uint32_t mask, const char *const *names, int n)
{
	json_t *a = json_array();
	for (int i = 0; a != NULL && i < n; i++)
		if (mask & (1u << i))
			(void)json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *duration(struct policy_duration d)
{
	if (d.n == 0)
		return NULL;
	return json_pack("{s:i, s:s}", "count", (json_int_t)d.n, "unit", policy_unit_name(d.unit));
}

static json_t *party(const struct policy_party *x)
{
	if (!x->present)
		return NULL;
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	put(o, "name", str(x->name));
	put(o, "address", str(x->address));
	put(o, "country", str(x->country));
	put(o, "email", str(x->email));
	put(o, "url", str(x->url));
	put(o, "phone", str(x->phone));
	return o;
}

static json_t *regions(struct policy_region_list l)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < l.n; i++)
		(void)json_array_append_new(a, json_string(l.v[i]));
	return a;
}

static json_t *purposes_json(const struct policy *p)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < p->n_purposes; i++) {
		const struct policy_purpose *u = &p->purposes[i];
		json_t *o = json_object();
		put(o, "key", str(u->key));
		put(o, "name", str(u->name));
		put(o, "description", str(u->description));
		put(o, "basis", json_string(policy_basis_name(u->basis)));
		put(o, "legitimate_interest", str(u->legitimate_interest));
		if (u->consent_in.n > 0)
			put(o, "consent_in", regions(u->consent_in));
		put(o, "categories", keys(cat_key, p, u->categories));
		put(o, "roles", keys(role_key, p, u->roles));
		put(o, "subjects", keys(subj_key, p, u->subjects));
		put(o, "objection", json_boolean(u->objection));
		put(o, "objection_via", flags(u->objection_via, policy_channel_names, 6));
		put(o, "withdraw_via", flags(u->withdraw_via, policy_channel_names, 6));
		put(o, "direct_marketing", json_boolean(u->direct_marketing));
		put(o, "opt_out", flags(u->optout, policy_optout_names, 3));
		put(o, "required", json_boolean(u->required));
		put(o, "required_reason", str(u->required_reason));
		put(o, "automated_decision", json_boolean(u->automated_decision));
		put(o, "automated_logic", str(u->automated_logic));
		(void)json_array_append_new(a, o);
	}
	return a;
}

static json_t *roles_json(const struct policy *p)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < p->n_roles; i++) {
		const struct policy_role *r = &p->roles[i];
		json_t *o = json_object();
		put(o, "key", str(r->key));
		put(o, "kind", json_string(policy_role_kind_name(r->kind)));
		put(o, "description", str(r->description));
		put(o, "assigned_only", json_boolean(r->assigned_only));
		json_t *ops = json_object();
		for (uint32_t op = 0; ops != NULL && op < OP__COUNT; op++) {
			json_t *cats = json_array();
			if (r->ops & (1u << op))
				(void)json_array_append_new(cats, json_string("*"));
			for (uint32_t k = 0; cats != NULL && k < r->op_categories[op].n; k++)
				(void)json_array_append_new(
				    cats, json_string(p->categories[r->op_categories[op].v[k]].key));
			(void)json_object_set_new(ops, policy_op_name((enum policy_op)op),
			                          cats != NULL ? cats : json_null());
		}
		put(o, "operations", ops != NULL ? ops : json_null());
		put(o, "acts_for_subjects", json_boolean(r->acts_for_subjects));
		put(o, "agreement", str(r->agreement));
		put(o, "purposes", keys(pur_key, p, r->purposes));
		put(o, "categories", keys(cat_key, p, r->categories));
		(void)json_array_append_new(a, o);
	}
	return a;
}

static json_t *recipients_json(const struct policy *p)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < p->n_recipients; i++) {
		const struct policy_recipient *r = &p->recipients[i];
		json_t *o = json_object();
		put(o, "key", str(r->key));
		put(o, "name", str(r->name));
		put(o, "description", str(r->description));
		put(o, "kind", json_string(policy_recipient_kind_name(r->kind)));
		put(o, "country", str(r->country));
		put(o, "transfer", json_string(policy_transfer_name(r->transfer)));
		put(o, "purposes", keys(pur_key, p, r->purposes));
		put(o, "categories", keys(cat_key, p, r->categories));
		put(o, "notify_url", str(r->notify_url));
		(void)json_array_append_new(a, o);
	}
	return a;
}

static json_t *retention_json(const struct policy *p)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < p->n_retention; i++) {
		const struct policy_retention *r = &p->retention[i];
		json_t *o = json_object();
		put(o, "categories", keys(cat_key, p, r->categories));
		if (r->purpose != POLICY_NONE)
			put(o, "purpose", str(p->purposes[r->purpose].key));
		put(o, "period", duration(r->period));
		put(o, "from", json_string(policy_anchor_name(r->from)));
		put(o, "minimum", duration(r->minimum));
		put(o, "notice", duration(r->notice));
		put(o, "postpone", duration(r->postpone));
		put(o, "delete_on_close", json_boolean(r->delete_on_close));
		put(o, "criteria", str(r->criteria));
		(void)json_array_append_new(a, o);
	}
	return a;
}

static json_t *holds_json(const struct policy *p)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < p->n_holds; i++) {
		const struct policy_hold *h = &p->holds[i];
		json_t *o = json_object();
		put(o, "categories", keys(cat_key, p, h->categories));
		if (h->purpose != POLICY_NONE)
			put(o, "purpose", str(p->purposes[h->purpose].key));
		put(o, "period", duration(h->period));
		put(o, "from", json_string(policy_anchor_name(h->from)));
		put(o, "reason", str(h->reason));
		(void)json_array_append_new(a, o);
	}
	return a;
}

static json_t *residency_json(const struct policy *p)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < p->n_residency; i++) {
		const struct policy_residency *r = &p->residency[i];
		json_t *o = json_object();
		put(o, "categories", keys(cat_key, p, r->categories));
		if (r->when_attr != NULL)
			put(o, "when", json_pack("{s:s}", r->when_attr, r->when_value));
		put(o, "store", regions(r->store));
		put(o, "send", regions(r->send));
		put(o, "description", str(r->description));
		(void)json_array_append_new(a, o);
	}
	return a;
}

static json_t *misc_lists_json(const struct policy *p, json_t *root)
{
	json_t *cats = json_array(), *subs = json_array(), *cookies = json_array();
	for (uint32_t i = 0; cats != NULL && i < p->n_categories; i++) {
		const struct policy_category *c = &p->categories[i];
		json_t *o = json_object();
		put(o, "key", str(c->key));
		put(o, "name", str(c->name));
		put(o, "description", str(c->description));
		put(o, "stored", json_boolean(c->stored));
		put(o, "intake", json_string(policy_intake_name(c->intake)));
		put(o, "special", json_boolean(c->special));
		(void)json_array_append_new(cats, o);
	}
	for (uint32_t i = 0; subs != NULL && i < p->n_subjects; i++)
		(void)json_array_append_new(subs,
		                            json_pack("{s:s?, s:s?}", "key", p->subjects[i].key,
		                                      "description", p->subjects[i].description));
	for (uint32_t i = 0; cookies != NULL && i < p->n_cookies; i++) {
		const struct policy_cookie *c = &p->cookies[i];
		json_t *o = json_object();
		put(o, "kind", json_string(policy_cookie_kind_name(c->kind)));
		put(o, "basis", json_string(policy_basis_name(c->basis)));
		put(o, "description", str(c->description));
		put(o, "purposes", keys(pur_key, p, c->purposes));
		put(o, "recipients", keys(rcp_key, p, c->recipients));
		(void)json_array_append_new(cookies, o);
	}
	put(root, "subjects", subs);
	put(root, "categories", cats);
	put(root, "cookies", cookies);
	return root;
}

char *policy_to_json(const struct policy *p)
{
	json_t *root = json_object();
	if (root == NULL)
		return NULL;
	put(root, "vow_policy", json_integer(p->lang_version));
	put(root, "version", str(p->version));
	put(root, "date", str(p->date));
	put(root, "language", str(p->language));
	put(root, "controller", party(&p->controller));
	put(root, "representative", party(&p->representative));
	put(root, "dpo", party(&p->dpo));
	put(root, "supervisory_authority", party(&p->authority));
	put(root, "regulations", flags(p->regulations, policy_regulation_names, 5));
	misc_lists_json(p, root);
	put(root, "purposes", purposes_json(p));
	put(root, "roles", roles_json(p));
	put(root, "recipients", recipients_json(p));
	put(root, "retention", retention_json(p));
	put(root, "legal_holds", holds_json(p));
	put(root, "residency", residency_json(p));
	put(root, "children",
	    json_pack("{s:i, s:b, s:b}", "minimum_age", (json_int_t)p->minimum_age,
	              "parental_consent", p->parental_consent, "directed_at_children",
	              p->directed_at_children));
	put(root, "signals",
	    json_pack("{s:s, s:s}", "gpc", p->gpc == SIGNAL_HONOR ? "honor" : "ignore", "dnt",
	              p->dnt == SIGNAL_HONOR ? "honor" : "ignore"));
	if (p->audit_retention.n > 0)
		put(root, "audit", json_pack("{s:o}", "retention", duration(p->audit_retention)));
	char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}
