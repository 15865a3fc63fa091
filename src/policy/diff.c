/* policy/diff.c — what changed between two versions of a policy, each
 * change classed as material (it needs fresh consent or a notice: a new
 * purpose, a new recipient or country, a longer retention, a changed legal
 * basis, a new category for an existing purpose) or not; and each purpose's
 * terms fingerprint (basis, objection, categories with their longest
 * retention, recipients with their countries), which stops consents given
 * under other terms from counting. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "policy/policy_int.h"
#include "util/id.h"
#include "util/grow.h"

static vow_err add(struct policy_changes *c, bool material, const char *purpose, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static vow_err add(struct policy_changes *c, bool material, const char *purpose, const char *fmt,
                   ...)
{
	if (grow(&c->items, c->len, &c->cap, sizeof(*c->items)) != VOW_OK)
		return VOW_ERR_NOMEM;
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	struct policy_change *x = &c->items[c->len];
	x->material = material;
	x->text = strdup(buf);
	x->purpose = purpose != NULL ? strdup(purpose) : NULL;
	if (x->text == NULL || (purpose != NULL && x->purpose == NULL)) {
		free(x->text);
		free(x->purpose);
		return VOW_ERR_NOMEM;
	}
	c->len++;
	c->material += material;
	return VOW_OK;
}

void policy_changes_free(struct policy_changes *c)
{
	for (size_t i = 0; i < c->len; i++) {
		free(c->items[i].text);
		free(c->items[i].purpose);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}

static bool has_key(const struct policy *p, struct policy_idx_list l, bool categories,
                    const char *key)
{
	for (uint32_t i = 0; i < l.n; i++)
		if (strcmp(categories ? p->categories[l.v[i]].key : p->purposes[l.v[i]].key, key) ==
		    0)
			return true;
	return false;
}

static const char *str(const char *s)
{
	return s != NULL ? s : "";
}

/* Longest period (in days) any retention rule gives category c. */
static uint32_t longest(const struct policy *p, const char *category, bool *criteria_only)
{
	uint32_t best = 0;
	*criteria_only = false;
	for (uint32_t r = 0; r < p->n_retention; r++)
		for (uint32_t i = 0; i < p->retention[r].categories.n; i++)
			if (strcmp(p->categories[p->retention[r].categories.v[i]].key, category) ==
			    0) {
				if (p->retention[r].period.n == 0)
					*criteria_only = true;
				uint32_t d = policy_duration_max_days(p->retention[r].period);
				if (d > best)
					best = d;
			}
	return best;
}

/* Every other top-level section that differs, compared in compiled form (so
 * reformatting is no change): a minor change unless analysed above. */
static vow_err other_sections(const struct policy *a, const struct policy *b,
                              struct policy_changes *out, const char *const *analysed,
                              size_t n_analysed)
{
	char *ta = policy_to_json(a), *tb = policy_to_json(b);
	json_t *ja = ta != NULL ? json_loads(ta, 0, NULL) : NULL;
	json_t *jb = tb != NULL ? json_loads(tb, 0, NULL) : NULL;
	free(ta);
	free(tb);
	vow_err err = ja != NULL && jb != NULL ? VOW_OK : VOW_ERR_NOMEM;
	for (int side = 0; err == VOW_OK && side < 2; side++) {
		const char *key;
		json_t *v;
		json_object_foreach(side == 0 ? jb : ja, key, v)
		{
			bool skip = false;
			for (size_t i = 0; i < n_analysed; i++)
				skip |= analysed[i] != NULL && strcmp(key, analysed[i]) == 0;
			json_t *w = json_object_get(side == 0 ? ja : jb, key);
			if (skip || (side == 1 && w != NULL) || json_equal(v, w))
				continue;
			err =
			    add(out, false, NULL, "the '%s' section %s", key,
			        w == NULL ? (side == 0 ? "was added" : "was removed") : "changed");
			if (err != VOW_OK)
				break;
		}
	}
	json_decref(ja);
	json_decref(jb);
	return err;
}

vow_err policy_diff(const struct policy *a, const struct policy *b, struct policy_changes *out)
{
	memset(out, 0, sizeof(*out));
	vow_err err = VOW_OK;
	/* sections whose changes were named one by one need no general line */
	const char *analysed[4] = {"version", "date", NULL, NULL};
	/* purposes */
	for (uint32_t i = 0; err == VOW_OK && i < b->n_purposes; i++) {
		const struct policy_purpose *nu = &b->purposes[i];
		uint32_t j = policy_purpose_find(a, nu->key);
		if (j == POLICY_NONE) {
			err = add(out, true, nu->key, "new purpose '%s' (%s, basis %s)", nu->key,
			          str(nu->name), policy_basis_name(nu->basis));
			continue;
		}
		const struct policy_purpose *ou = &a->purposes[j];
		if (ou->basis != nu->basis)
			err = add(out, true, nu->key,
			          "purpose '%s': legal basis changed from %s to %s", nu->key,
			          policy_basis_name(ou->basis), policy_basis_name(nu->basis));
		for (uint32_t k = 0; err == VOW_OK && k < nu->categories.n; k++) {
			const char *ck = b->categories[nu->categories.v[k]].key;
			if (!has_key(a, ou->categories, true, ck))
				err = add(out, true, nu->key,
				          "purpose '%s' now also uses category '%s'", nu->key, ck);
		}
		for (uint32_t k = 0; err == VOW_OK && k < ou->categories.n; k++) {
			const char *ck = a->categories[ou->categories.v[k]].key;
			if (!has_key(b, nu->categories, true, ck))
				err = add(out, false, nu->key,
				          "purpose '%s' no longer uses category '%s'", nu->key, ck);
		}
		if (err == VOW_OK && (strcmp(str(ou->name), str(nu->name)) != 0 ||
		                      strcmp(str(ou->description), str(nu->description)) != 0))
			err =
			    add(out, false, nu->key, "purpose '%s': its wording changed", nu->key);
		if (err == VOW_OK && ou->objection && !nu->objection)
			err = add(out, true, nu->key,
			          "purpose '%s' no longer lets the person object", nu->key);
	}
	for (uint32_t j = 0; err == VOW_OK && j < a->n_purposes; j++)
		if (policy_purpose_find(b, a->purposes[j].key) == POLICY_NONE)
			err = add(out, false, a->purposes[j].key, "purpose '%s' was dropped",
			          a->purposes[j].key);
	if (out->len > 0)
		analysed[2] = "purposes";
	size_t before = out->len;
	/* recipients */
	for (uint32_t i = 0; err == VOW_OK && i < b->n_recipients; i++) {
		const struct policy_recipient *nr = &b->recipients[i];
		uint32_t j = policy_recipient_find(a, nr->key);
		if (j == POLICY_NONE) {
			err = add(out, true, NULL, "new recipient '%s' (%s, %s)", nr->key,
			          str(nr->name), str(nr->country));
			for (uint32_t k = 0; err == VOW_OK && k < nr->purposes.n; k++)
				err = add(out, true, b->purposes[nr->purposes.v[k]].key,
				          "purpose '%s' now discloses to new recipient '%s'",
				          b->purposes[nr->purposes.v[k]].key, nr->key);
			continue;
		}
		const struct policy_recipient *orc = &a->recipients[j];
		/* a move to a third country is material; into the EEA, not */
		if (strcmp(str(orc->country), str(nr->country)) != 0)
			err = add(out, !region_contains("EEA", str(nr->country)), NULL,
			          "recipient '%s' moved from %s to %s", nr->key, str(orc->country),
			          str(nr->country));
		for (uint32_t k = 0; err == VOW_OK && k < nr->categories.n; k++) {
			const char *ck = b->categories[nr->categories.v[k]].key;
			if (!has_key(a, orc->categories, true, ck))
				err = add(out, true, NULL,
				          "recipient '%s' now receives category '%s'", nr->key, ck);
		}
		for (uint32_t k = 0; err == VOW_OK && k < nr->purposes.n; k++) {
			const char *pk = b->purposes[nr->purposes.v[k]].key;
			if (!has_key(a, orc->purposes, false, pk))
				err = add(out, true, pk,
				          "recipient '%s' now receives data for purpose '%s'",
				          nr->key, pk);
		}
		for (uint32_t k = 0; err == VOW_OK && k < orc->categories.n; k++) {
			const char *ck = a->categories[orc->categories.v[k]].key;
			if (!has_key(b, nr->categories, true, ck))
				err = add(out, false, NULL,
				          "recipient '%s' no longer receives category '%s'",
				          nr->key, ck);
		}
		for (uint32_t k = 0; err == VOW_OK && k < orc->purposes.n; k++) {
			const char *pk = a->purposes[orc->purposes.v[k]].key;
			if (!has_key(b, nr->purposes, false, pk))
				err = add(out, false, pk,
				          "recipient '%s' no longer receives data for purpose '%s'",
				          nr->key, pk);
		}
		if (err == VOW_OK && orc->transfer != nr->transfer)
			err = add(out, false, NULL,
			          "recipient '%s': transfer mechanism changed from %s to %s",
			          nr->key, policy_transfer_name(orc->transfer),
			          policy_transfer_name(nr->transfer));
	}
	for (uint32_t j = 0; err == VOW_OK && j < a->n_recipients; j++)
		if (policy_recipient_find(b, a->recipients[j].key) == POLICY_NONE)
			err = add(out, false, NULL, "recipient '%s' was dropped",
			          a->recipients[j].key);
	if (out->len > before)
		analysed[3] = "recipients";
	/* retention, per category */
	for (uint32_t c = 0; err == VOW_OK && c < b->n_categories; c++) {
		const char *ck = b->categories[c].key;
		if (policy_category_find(a, ck) == POLICY_NONE) {
			err = add(out, false, NULL, "new category '%s' declared", ck);
			continue;
		}
		bool oc, nc;
		uint32_t od = longest(a, ck, &oc), nd = longest(b, ck, &nc);
		if (nd > od && od > 0)
			err = add(out, true, NULL,
			          "category '%s' is kept longer (up to %u days instead of %u)", ck,
			          nd, od);
		else if (nd < od)
			err = add(out, false, NULL,
			          "category '%s' is kept shorter (up to %u days instead of %u)", ck,
			          nd, od);
		else if (od > 0 && nd == 0 && nc)
			err = add(out, true, NULL, "category '%s' lost its fixed retention period",
			          ck);
	}
	/* who may see it: staff no longer limited to what they are assigned */
	for (uint32_t i = 0; err == VOW_OK && i < b->n_roles; i++) {
		uint32_t j = policy_role_find(a, b->roles[i].key);
		if (j != POLICY_NONE && a->roles[j].assigned_only && !b->roles[i].assigned_only)
			err = add(out, true, NULL,
			          "role '%s' is no longer limited to the content assigned to it",
			          b->roles[i].key);
	}
	/* what a role may do: a role that may now change or delete data it could
	 * only see (or change more categories) */
	for (uint32_t i = 0; err == VOW_OK && i < b->n_roles; i++) {
		uint32_t j = policy_role_find(a, b->roles[i].key);
		if (j == POLICY_NONE)
			continue;
		uint32_t cw = b->cat_words ? b->cat_words : 1, ca = a->cat_words ? a->cat_words : 1;
		for (uint32_t op = OP_WRITE; err == VOW_OK && op < OP__COUNT; op++) {
			const uint64_t *nb = b->role_ops + ((size_t)op * b->n_roles + i) * cw;
			const uint64_t *na = a->role_ops + ((size_t)op * a->n_roles + j) * ca;
			bool more = false;
			for (uint32_t c = 0; c < b->n_categories && !more; c++) {
				if (!((nb[c / 64] >> (c % 64)) & 1u))
					continue;
				uint32_t ac = policy_category_find(a, b->categories[c].key);
				/* a new category is a change of its own */
				more = ac != POLICY_NONE && !((na[ac / 64] >> (ac % 64)) & 1u);
			}
			if (more)
				err = add(out, true, NULL, "role '%s' may now %s data it could not before",
				          b->roles[i].key, op == OP_WRITE ? "change" : "delete");
		}
	}
	/* who may act in a person's name: a role that newly files requests for them */
	for (uint32_t i = 0; err == VOW_OK && i < b->n_roles; i++) {
		uint32_t j = policy_role_find(a, b->roles[i].key);
		if (b->roles[i].acts_for_subjects &&
		    (j == POLICY_NONE || !a->roles[j].acts_for_subjects))
			err = add(out, true, NULL,
			          "role '%s' may now file rights requests in a person's name",
			          b->roles[i].key);
	}
	/* children: a lower minimum age takes in people the old text excluded */
	if (err == VOW_OK && b->minimum_age < a->minimum_age)
		err = add(out, true, NULL, "the minimum age drops from %u to %u", a->minimum_age,
		          b->minimum_age);
	else if (err == VOW_OK && b->minimum_age > a->minimum_age)
		err = add(out, false, NULL, "the minimum age rises from %u to %u", a->minimum_age,
		          b->minimum_age);
	/* the controller */
	if (err == VOW_OK && (strcmp(str(a->controller.name), str(b->controller.name)) != 0 ||
	                      strcmp(str(a->controller.country), str(b->controller.country)) != 0))
		err = add(out, true, NULL, "the controller changed from %s (%s) to %s (%s)",
		          str(a->controller.name), str(a->controller.country),
		          str(b->controller.name), str(b->controller.country));
	if (err == VOW_OK)
		err = other_sections(a, b, out, analysed, 4);
	if (err != VOW_OK)
		policy_changes_free(out);
	return err;
}

static int by_string(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

struct keyed {
	const char *key;
	uint32_t idx;
};

static int by_key(const void *x, const void *y)
{
	return strcmp(((const struct keyed *)x)->key, ((const struct keyed *)y)->key);
}

/* Adds a string and its NUL (so that pieces cannot run into each other). */
static void piece(struct crypto_digest_state *st, const char *s)
{
	crypto_digest_add(st, s, strlen(s) + 1);
}

/* One purpose's terms: its key, basis, objection, categories (sorted) each
 * with its longest retention, recipients (sorted) with their countries. */
static void terms_of(const struct policy *p, uint32_t purpose, const uint32_t *days,
                     struct keyed *cats, const char **recips, uint32_t n_recips, char out[33])
{
	const struct policy_purpose *u = &p->purposes[purpose];
	struct crypto_digest_state st;
	crypto_digest_begin(&st, "vow purpose terms v2");
	piece(&st, u->key);
	piece(&st, policy_basis_name(u->basis));
	piece(&st, u->objection ? "objection" : "-");
	for (uint32_t k = 0; k < u->categories.n; k++) {
		cats[k].idx = u->categories.v[k];
		cats[k].key = p->categories[cats[k].idx].key;
	}
	qsort(cats, u->categories.n, sizeof(*cats), by_key);
	for (uint32_t k = 0; k < u->categories.n; k++) {
		char d[16];
		snprintf(d, sizeof(d), "%u", days[cats[k].idx]);
		piece(&st, "category");
		piece(&st, cats[k].key);
		piece(&st, d);
	}
	qsort(recips, n_recips, sizeof(*recips), by_string);
	for (uint32_t k = 0; k < n_recips; k++) {
		piece(&st, "recipient");
		piece(&st, recips[k]);
	}
	unsigned char h[32];
	crypto_digest_end(&st, h);
	hex_encode(h, 16, out);
	out[32] = '\0';
}

vow_err policy_terms_compute(struct policy *p)
{
	/* the longest period each category is kept, in one pass over the rules */
	uint32_t *days = calloc(p->n_categories + 1u, sizeof(*days));
	/* each purpose's recipients as "key@country", grouped by purpose */
	uint32_t *first = calloc(p->n_purposes + 1u, sizeof(*first));
	size_t links = 0, longest_list = 0;
	for (uint32_t r = 0; r < p->n_recipients; r++)
		links += p->recipients[r].purposes.n;
	for (uint32_t u = 0; u < p->n_purposes; u++)
		if (p->purposes[u].categories.n > longest_list)
			longest_list = p->purposes[u].categories.n;
	char **names = calloc(links + 1, sizeof(*names));
	const char **sorted = calloc(links + 1, sizeof(*sorted));
	struct keyed *cats = calloc(longest_list + 1, sizeof(*cats));
	vow_err err = days && first && names && sorted && cats ? VOW_OK : VOW_ERR_NOMEM;
	for (uint32_t r = 0; err == VOW_OK && r < p->n_retention; r++) {
		uint32_t d = policy_duration_max_days(p->retention[r].period);
		for (uint32_t i = 0; i < p->retention[r].categories.n; i++)
			if (d > days[p->retention[r].categories.v[i]])
				days[p->retention[r].categories.v[i]] = d;
	}
	for (uint32_t r = 0; err == VOW_OK && r < p->n_recipients; r++)
		for (uint32_t k = 0; k < p->recipients[r].purposes.n; k++)
			first[p->recipients[r].purposes.v[k] + 1]++;
	for (uint32_t u = 0; err == VOW_OK && u < p->n_purposes; u++)
		first[u + 1] += first[u];
	/* fill: a cursor per purpose starts at first[u] */
	uint32_t *cursor = err == VOW_OK ? calloc(p->n_purposes + 1u, sizeof(*cursor)) : NULL;
	if (err == VOW_OK && cursor == NULL)
		err = VOW_ERR_NOMEM;
	for (uint32_t r = 0; err == VOW_OK && r < p->n_recipients; r++) {
		const struct policy_recipient *rc = &p->recipients[r];
		for (uint32_t k = 0; err == VOW_OK && k < rc->purposes.n; k++) {
			uint32_t u = rc->purposes.v[k];
			size_t at = first[u] + cursor[u]++;
			size_t len = strlen(rc->key) + strlen(str(rc->country)) + 2;
			names[at] = malloc(len);
			if (names[at] == NULL)
				err = VOW_ERR_NOMEM;
			else
				snprintf(names[at], len, "%s@%s", rc->key, str(rc->country));
		}
	}
	for (uint32_t u = 0; err == VOW_OK && u < p->n_purposes; u++) {
		uint32_t n = first[u + 1] - first[u];
		for (uint32_t k = 0; k < n; k++)
			sorted[k] = names[first[u] + k];
		terms_of(p, u, days, cats, sorted, n, p->purposes[u].terms);
	}
	for (size_t i = 0; names != NULL && i < links; i++)
		free(names[i]);
	free(names);
	free(sorted);
	free(cats);
	free(cursor);
	free(first);
	free(days);
	return err;
}
