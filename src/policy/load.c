/* policy/load.c — policy file to compiled snapshot: the top level, the
 * parties, the taxonomy extension and the key pass that lets any section
 * refer to any other, whatever their order in the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"
#include "util/file.h"

const char *const policy_regulation_names[5] = {"gdpr", "uk_gdpr", "ccpa", "coppa", "eprivacy"};
static const char *const intake_names[INTAKE__COUNT] = {"keep", "truncate_ip", "hash", "drop"};
static const char *const source_names[SOURCE__COUNT] = {"subject", "observed", "third_party"};
static const char *const signal_names[2] = {"ignore", "honor"};

static bool date_valid(const char *s)
{
	int y, m, d;
	char tail;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	if (s[4] != '-' || s[7] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

static void load_party(struct loader *L, const struct ynode *top, const char *field,
                       const char *what, struct policy_party *out, bool required)
{
	const char *const *fields = policy_section_fields("party");
	const struct ynode *n = ytree_get(top, field);
	if (n == NULL) {
		if (required)
			lerr(L, top, "add the controller's name, address, country and contact",
			     "the policy has no '%s'", field);
		return;
	}
	if (!lmap(L, n, what))
		return;
	lfields(L, n, what, fields);
	out->present = true;
	out->name = ltext(L, n, "name", what, true);
	out->address = ltext(L, n, "address", what, false);
	out->country = ltext(L, n, "country", what, required);
	out->email = ltext(L, n, "email", what, false);
	out->url = ltext(L, n, "url", what, false);
	out->phone = ltext(L, n, "phone", what, false);
	if (out->country != NULL && !region_country_valid(out->country))
		lerr(L, ytree_get(n, "country"),
		     "use an ISO 3166-1 alpha-2 code such as NL, EE or US",
		     "'%.32s' is not a country code", out->country);
	if (required && out->email == NULL && out->url == NULL && out->phone == NULL)
		lerr(L, n, "add 'email:' or 'url:'", "%s has no contact (email, url or phone)",
		     what);
}

/* ---- taxonomy extension ---- */

static void load_ext(struct loader *L, const struct ynode *tax, const char *field,
                     enum taxonomy_kind kind, struct policy_term **out, uint32_t *nout)
{
	const char *const *fields = policy_section_fields("taxonomy_entry");
	const struct ynode *list = ytree_get(tax, field);
	if (list == NULL || !lseq(L, list, field))
		return;
	struct policy_term *terms = lalloc(L, (list->n ? list->n : 1) * sizeof(*terms));
	if (terms == NULL)
		return;
	uint32_t n = 0;
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		if (!lmap(L, it, "a taxonomy entry"))
			continue;
		lfields(L, it, "a taxonomy entry", fields);
		const struct ynode *kn = ytree_get(it, "key");
		const char *key = ltext(L, it, "key", "a taxonomy entry", true);
		if (key == NULL)
			continue;
		if (!taxonomy_key_valid(key)) {
			lerr(L, kn, "use lowercase words joined by dots, e.g. user.content.audio",
			     "'%.128s' is not a valid key", key);
			continue;
		}
		if (taxonomy_find(kind, key) != NULL) {
			lerr(L, kn, "remove it from taxonomy: and use it directly",
			     "'%.128s' is already in vow's taxonomy", key);
			continue;
		}
		const char *dot = strrchr(key, '.');
		char parent[129];
		uint32_t dummy;
		if (dot == NULL) {
			lerr(L, kn, "put the new key under an existing one, e.g. user.content.mine",
			     "a new key must extend an existing one, but '%.128s' has no parent",
			     key);
			continue;
		}
		(void)snprintf(parent, sizeof(parent), "%.*s", (int)(dot - key), key);
		if (taxonomy_find(kind, parent) == NULL &&
		    !strmap_get(&L->ext[kind], parent, &dummy)) {
			lerr(L, kn,
			     "declare the parent first, or choose a parent from vow's taxonomy",
			     "the parent '%s' of '%.128s' is not in the taxonomy", parent, key);
			continue;
		}
		if (strmap_put(&L->ext[kind], key, n) != VOW_OK) {
			lerr(L, kn, "keep one of them",
			     "'%.128s' is declared twice in taxonomy:", key);
			continue;
		}
		terms[n].key = key;
		terms[n].name = ltext(L, it, "name", "a taxonomy entry", false);
		terms[n].description = ltext(L, it, "description", "a taxonomy entry", false);
		terms[n].loc = lloc(it);
		n++;
	}
	*out = terms;
	*nout = n;
}

static void load_taxonomy(struct loader *L, const struct ynode *top)
{
	const char *const *fields = policy_section_fields("taxonomy");
	const struct ynode *tax = ytree_get(top, "taxonomy");
	if (tax == NULL || !lmap(L, tax, "taxonomy"))
		return;
	lfields(L, tax, "taxonomy", fields);
	struct policy *p = L->p;
	load_ext(L, tax, "categories", TAXONOMY_CATEGORY, &p->ext_categories, &p->n_ext_categories);
	load_ext(L, tax, "purposes", TAXONOMY_PURPOSE, &p->ext_purposes, &p->n_ext_purposes);
	load_ext(L, tax, "subjects", TAXONOMY_SUBJECT, &p->ext_subjects, &p->n_ext_subjects);
}

/* ---- key pass ---- */

/* Registers the key of every item of a section so that any section may
 * refer to it. Index i is always the i-th item; an item whose key is bad
 * keeps a NULL key. Returns the item count. */
static uint32_t key_pass(struct loader *L, const struct ynode *top, const char *section,
                         const char *kind, int tkind, struct strmap *idx, const char ***keys_out)
{
	*keys_out = NULL;
	const struct ynode *list = ytree_get(top, section);
	if (list == NULL || !lseq(L, list, section))
		return 0;
	const char **keys = lalloc(L, (list->n ? list->n : 1) * sizeof(*keys));
	if (keys == NULL)
		return 0;
	char what[64];
	(void)snprintf(what, sizeof(what), "a %s", kind);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		if (it->kind != YNODE_MAP)
			continue; /* reported by the section loader */
		const struct ynode *kn = ytree_get(it, "key");
		const char *key = ltext(L, it, "key", what, true);
		if (key == NULL)
			continue;
		if (!taxonomy_key_valid(key)) {
			lerr(L, kn, "use lowercase words joined by dots, e.g. user.contact.email",
			     "'%.128s' is not a valid %s key", key, kind);
			continue;
		}
		uint32_t dummy;
		if (tkind >= 0 && taxonomy_find((enum taxonomy_kind)tkind, key) == NULL &&
		    !strmap_get(&L->ext[tkind], key, &dummy)) {
			char hint[160];
			(void)snprintf(
			    hint, sizeof(hint),
			    "use a key from docs/taxonomy.md, or declare it under 'taxonomy: %s:'",
			    section);
			lerr(L, kn, hint, "%s '%.128s' is not in the taxonomy", kind, key);
			continue;
		}
		uint32_t first;
		if (strmap_get(idx, key, &first)) {
			char hint[96];
			(void)snprintf(hint, sizeof(hint), "the first is at line %u; keep one",
			               list->items[first]->line);
			lerr(L, kn, hint, "%s '%.128s' is declared twice", kind, key);
			continue;
		}
		if (strmap_put(idx, key, (uint32_t)i) != VOW_OK) {
			(void)lalloc(L, SIZE_MAX);
			continue;
		}
		keys[i] = key;
	}
	*keys_out = keys;
	return (uint32_t)list->n;
}

static void load_subjects(struct loader *L, const struct ynode *top)
{
	const char *const *fields = policy_section_fields("subject");
	const struct ynode *list = ytree_get(top, "subjects");
	struct policy *p = L->p;
	p->subjects = lalloc(L, (p->n_subjects ? p->n_subjects : 1) * sizeof(*p->subjects));
	if (p->subjects == NULL)
		return;
	for (uint32_t i = 0; i < p->n_subjects; i++) {
		const struct ynode *it = list->items[i];
		if (!lmap(L, it, "a data subject"))
			continue;
		lfields(L, it, "a data subject", fields);
		p->subjects[i] = (struct policy_subject){
		    .key = L->subj_keys[i],
		    .description = ltext(L, it, "description", "a data subject", false),
		    .loc = lloc(it),
		};
	}
}

static void load_categories(struct loader *L, const struct ynode *top)
{
	const char *const *fields = policy_section_fields("category");
	const struct ynode *list = ytree_get(top, "categories");
	struct policy *p = L->p;
	p->categories = lalloc(L, (p->n_categories ? p->n_categories : 1) * sizeof(*p->categories));
	if (p->categories == NULL)
		return;
	for (uint32_t i = 0; i < p->n_categories; i++) {
		const struct ynode *it = list->items[i];
		struct policy_category *c = &p->categories[i];
		if (!lmap(L, it, "a category"))
			continue;
		lfields(L, it, "a category", fields);
		c->key = L->cat_keys[i];
		c->name = ltext(L, it, "name", "a category", false);
		c->description = ltext(L, it, "description", "a category", true);
		c->stored = lbool(L, it, "stored", true);
		c->intake = (enum policy_intake)lenum(L, it, "intake", "a category", intake_names,
		                                      INTAKE__COUNT, INTAKE_KEEP);
		c->source = (enum policy_source)lenum(L, it, "source", "a category", source_names,
		                                      SOURCE__COUNT, SOURCE_SUBJECT);
		c->special = lbool(L, it, "special", false);
		c->loc = lloc(it);
	}
}

static void load_children(struct loader *L, const struct ynode *top)
{
	const char *const *fields = policy_section_fields("children");
	const struct ynode *n = ytree_get(top, "children");
	struct policy *p = L->p;
	if (n == NULL || !lmap(L, n, "children"))
		return;
	lfields(L, n, "children", fields);
	p->minimum_age = luint(L, n, "minimum_age", 1, 21, 0);
	p->parental_consent = lbool(L, n, "parental_consent", false);
	p->directed_at_children = lbool(L, n, "directed_at_children", false);
	if ((p->regulations & REG_GDPR) && p->minimum_age != 0 &&
	    (p->minimum_age < 13 || p->minimum_age > 16))
		lerr(L, ytree_get(n, "minimum_age"),
		     "GDPR Art. 8 sets the age of digital consent between 13 and 16",
		     "minimum age %u is outside 13-16 for a controller under gdpr", p->minimum_age);
}

static void load_misc(struct loader *L, const struct ynode *top)
{
	struct policy *p = L->p;
	const struct ynode *n = ytree_get(top, "signals");
	if (n != NULL && lmap(L, n, "signals")) {
		const char *const *fields = policy_section_fields("signals");
		lfields(L, n, "signals", fields);
		p->gpc = (enum policy_signal_mode)lenum(L, n, "gpc", "signals", signal_names, 2,
		                                        SIGNAL_IGNORE);
		p->dnt = (enum policy_signal_mode)lenum(L, n, "dnt", "signals", signal_names, 2,
		                                        SIGNAL_IGNORE);
	}
	n = ytree_get(top, "rights");
	if (n != NULL && lmap(L, n, "rights")) {
		const char *const *fields = policy_section_fields("rights");
		lfields(L, n, "rights", fields);
		p->rights_contact = ltext(L, n, "contact", "rights", true);
		p->rights_identification = lbool(L, n, "identification", false);
	}
	n = ytree_get(top, "audit");
	if (n != NULL && lmap(L, n, "audit")) {
		lfields(L, n, "audit", policy_section_fields("audit"));
		lduration(L, n, "retention", &p->audit_retention);
	}
	p->changes = ltext(L, top, "changes", "the policy", false);
	p->security = ltext(L, top, "security", "the policy", false);
}

static void load_top(struct loader *L, const struct ynode *top)
{
	struct policy *p = L->p;
	lfields(L, top, "the policy", policy_section_fields("policy"));
	const struct ynode *vn = ytree_get(top, "vow_policy");
	p->lang_version = luint(L, top, "vow_policy", 0, 1000000, 0);
	if (vn != NULL && vn->kind == YNODE_SCALAR && p->lang_version != 1)
		lerr(L, vn, "this vow reads policy language version 1",
		     "policy language version '%.16s' is not supported", vn->str);
	if (vn == NULL)
		lerr(L, top, "start the file with 'vow_policy: 1'",
		     "the policy does not say its language version ('vow_policy')");
	p->version = ltext(L, top, "version", "the policy", true);
	p->date = ltext(L, top, "date", "the policy", true);
	if (p->date != NULL && !date_valid(p->date))
		lerr(L, ytree_get(top, "date"), "write the date as YYYY-MM-DD",
		     "'%.32s' is not a valid date", p->date);
	p->language = ltext(L, top, "language", "the policy", false);
	if (p->language == NULL)
		p->language = "en";
	p->regulations = lflags(L, top, "regulations", policy_regulation_names, 5);
	if (ytree_get(top, "regulations") == NULL)
		lerr(L, top, "add e.g. 'regulations: [gdpr]'",
		     "the policy does not say which regulations apply ('regulations')");
	load_party(L, top, "controller", "the controller", &p->controller, true);
	load_party(L, top, "representative", "the representative", &p->representative, false);
	load_party(L, top, "dpo", "the DPO", &p->dpo, false);
	load_party(L, top, "supervisory_authority", "the supervisory authority", &p->authority,
	           false);
	const char *cc = p->controller.country;
	if ((p->regulations & REG_GDPR) && cc != NULL && region_country_valid(cc) &&
	    !region_contains("EEA", cc) && !p->representative.present)
		lerr(L, ytree_get(ytree_get(top, "controller"), "country"),
		     "add 'representative:' with the EU representative's name, address and contact",
		     "the controller is outside the EEA (%s) under gdpr but names no EU "
		     "representative (Art. 27)",
		     cc);
}

vow_err policy_load_buffer(const char *buf, size_t len, struct policy **out,
                           struct policy_diags *diags)
{
	if (len > POLICY_MAX_FILE_BYTES) {
		diag_add(diags, 1, 1, "a policy is at most 8 MiB",
		         "the policy file is too large (%zu bytes)", len);
		return VOW_ERR_POLICY;
	}
	struct policy *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return VOW_ERR_NOMEM;
	p->arena = arena_new(POLICY_MAX_ARENA);
	if (p->arena == NULL) {
		free(p);
		return VOW_ERR_NOMEM;
	}
	/* the YAML tree lives in its own arena, dropped once compiled */
	struct arena *tree = arena_new(POLICY_MAX_ARENA);
	if (tree == NULL) {
		policy_free(&p);
		return VOW_ERR_NOMEM;
	}
	struct loader L = {.p = p, .d = diags};
	size_t before = diags->len + diags->dropped;
	const struct ynode *top = ytree_parse(tree, buf, len, diags);
	if (top != NULL && lmap(&L, top, "the policy file")) {
		load_top(&L, top);
		load_taxonomy(&L, top);
		p->n_subjects = key_pass(&L, top, "subjects", "data subject", TAXONOMY_SUBJECT,
		                         &p->subject_idx, &L.subj_keys);
		p->n_categories = key_pass(&L, top, "categories", "category", TAXONOMY_CATEGORY,
		                           &p->category_idx, &L.cat_keys);
		p->n_purposes = key_pass(&L, top, "purposes", "purpose", TAXONOMY_PURPOSE,
		                         &p->purpose_idx, &L.pur_keys);
		p->n_roles = key_pass(&L, top, "roles", "role", -1, &p->role_idx, &L.role_keys);
		p->n_recipients = key_pass(&L, top, "recipients", "recipient", -1,
		                           &p->recipient_idx, &L.rcp_keys);
		if (p->n_categories == 0)
			lerr(&L, top, "declare what data you hold under 'categories:'",
			     "the policy declares no categories");
		if (p->n_purposes == 0)
			lerr(&L, top, "declare why you process data under 'purposes:'",
			     "the policy declares no purposes");
		load_subjects(&L, top);
		load_categories(&L, top);
		load_purposes(&L, ytree_get(top, "purposes"));
		load_roles(&L, ytree_get(top, "roles"));
		load_recipients(&L, ytree_get(top, "recipients"));
		load_retention(&L, ytree_get(top, "retention"));
		load_holds(&L, ytree_get(top, "legal_holds"));
		load_residency(&L, ytree_get(top, "residency"));
		load_children(&L, top);
		load_cookies(&L, ytree_get(top, "cookies"));
		load_misc(&L, top);
		if (diags->len + diags->dropped == before) {
			policy_index_build(&L);
			if (policy_terms_compute(p) != VOW_OK)
				L.oom = true;
		}
	}
	for (int k = 0; k < 3; k++)
		strmap_free(&L.ext[k]);
	arena_free(&tree);
	vow_err err = VOW_OK;
	if (L.oom)
		err = VOW_ERR_NOMEM;
	else if (diags->len + diags->dropped > before)
		err = VOW_ERR_POLICY;
	if (err != VOW_OK) {
		policy_free(&p);
		return err;
	}
	*out = p;
	return VOW_OK;
}

vow_err policy_load_file(const char *path, struct policy **out, struct policy_diags *diags)
{
	char *buf = NULL;
	size_t len = 0;
	vow_err err = file_read_all(path, POLICY_MAX_FILE_BYTES, &buf, &len);
	if (err == VOW_ERR_TOO_LARGE) {
		diag_add(diags, 1, 1, "a policy is at most 8 MiB", "the policy file is too large");
		return VOW_ERR_POLICY;
	}
	if (err != VOW_OK)
		return err;
	err = policy_load_buffer(buf, len, out, diags);
	free(buf);
	return err;
}

void policy_free(struct policy **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	struct policy *p = *pp;
	strmap_free(&p->subject_idx);
	strmap_free(&p->category_idx);
	strmap_free(&p->purpose_idx);
	strmap_free(&p->role_idx);
	strmap_free(&p->recipient_idx);
	arena_free(&p->arena);
	free(p);
	*pp = NULL;
}

static uint32_t find(const struct strmap *m, const char *key)
{
	uint32_t v;
	return strmap_get(m, key, &v) ? v : POLICY_NONE;
}

const char *policy_intake_name(enum policy_intake i)
{
	return i < INTAKE__COUNT ? intake_names[i] : "?";
}

uint32_t policy_category_find(const struct policy *p, const char *key)
{
	return find(&p->category_idx, key);
}
uint32_t policy_purpose_find(const struct policy *p, const char *key)
{
	return find(&p->purpose_idx, key);
}
uint32_t policy_role_find(const struct policy *p, const char *key)
{
	return find(&p->role_idx, key);
}
uint32_t policy_recipient_find(const struct policy *p, const char *key)
{
	return find(&p->recipient_idx, key);
}
