/* vault/vault_grant.c — grants (staff assigned to content) and disclosures
 * (what went to which recipient, why, on what basis). */
#include <string.h>

#include "util/clock.h"
#include "audit/audit.h"
#include "vault/vault_int.h"

static bool actor_valid(const char *a)
{
	size_t n = a != NULL ? strlen(a) : 0;
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = a[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._@-", c) != NULL))
			return false;
	}
	return true;
}

/* True when key is a declared category or a parent of one. */
static bool category_known(const struct policy *p, const char *key)
{
	for (uint32_t i = 0; i < p->n_categories; i++)
		if (p->categories[i].key != NULL && taxonomy_key_covers(key, p->categories[i].key))
			return true;
	return false;
}

vow_err vault_grant_add(struct vault *v, const char *subject, const char *actor,
                        const char *category, const char *file, const char *purpose, int64_t until,
                        char id[VOW_ID_LEN + 1])
{
	int64_t now = clock_now();
	if (v->policy == NULL || !actor_valid(actor) || category == NULL ||
	    !category_known(v->policy, category) ||
	    policy_purpose_find(v->policy, purpose) == POLICY_NONE || until <= now)
		return VOW_ERR_INVALID;
	struct store_subject srow = {0};
	vow_err err = vault_subject_row(v, subject, true, &srow);
	store_blob_free(&srow.profile);
	if (err != VOW_OK)
		return err;
	if (file != NULL && file[0] != '\0') {
		struct store_file f = {0};
		if (!id_valid(file))
			return VOW_ERR_INVALID;
		err = v->ops->file_get(v->data, file, &f);
		bool ok = err == VOW_OK && strcmp(f.subject, subject) == 0 &&
		          strcmp(f.category, category) == 0;
		store_blob_free(&f.file_key);
		store_blob_free(&f.meta);
		if (!ok)
			return VOW_ERR_INVALID;
	}
	struct store_grant g = {.created_at = now, .until = until};
	id_new(g.id);
	snprintf(g.subject, sizeof(g.subject), "%s", subject);
	snprintf(g.actor, sizeof(g.actor), "%s", actor);
	snprintf(g.category, sizeof(g.category), "%s", category);
	snprintf(g.file, sizeof(g.file), "%s", file != NULL ? file : "");
	snprintf(g.purpose, sizeof(g.purpose), "%s", purpose);
	err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	err = v->ops->grant_insert(v->data, &g);
	if (err == VOW_OK) {
		struct audit_event ev = {.role = "admin",
		                         .actor = actor,
		                         .action = "grant.add",
		                         .subject = subject,
		                         .category = category,
		                         .purpose = purpose,
		                         .result = "ok"};
		err = audit_change(v, &ev);
	}
	err = vault_commit(v, err);
	if (err == VOW_OK)
		memcpy(id, g.id, sizeof(g.id));
	return err;
}

vow_err vault_grant_revoke(struct vault *v, const char *id)
{
	if (!id_valid(id))
		return VOW_ERR_NOT_FOUND;
	vow_err err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	err = v->ops->grant_revoke(v->data, id, clock_now());
	if (err == VOW_OK) {
		struct audit_event ev = {
		    .role = "admin", .action = "grant.revoke", .result = "ok", .reason = id};
		err = audit_change(v, &ev);
	}
	return vault_commit(v, err);
}

static void grant_copy(struct vault_grant *out, const struct store_grant *g)
{
	memcpy(out->id, g->id, sizeof(out->id));
	memcpy(out->subject, g->subject, sizeof(out->subject));
	snprintf(out->actor, sizeof(out->actor), "%s", g->actor);
	snprintf(out->category, sizeof(out->category), "%s", g->category);
	memcpy(out->file, g->file, sizeof(out->file));
	snprintf(out->purpose, sizeof(out->purpose), "%s", g->purpose);
	out->created_at = g->created_at;
	out->until = g->until;
	out->revoked_at = g->revoked_at;
}

struct grant_ctx {
	vault_grant_fn cb;
	void *ctx;
};

static vow_err grant_one(void *ctx, const void *row)
{
	const struct grant_ctx *c = ctx;
	struct vault_grant g;
	grant_copy(&g, row);
	return c->cb(c->ctx, &g);
}

vow_err vault_grant_list(struct vault *v, const char *subject, vault_grant_fn cb, void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct grant_ctx c = {cb, ctx};
	return v->ops->grant_list(v->data, subject, grant_one, &c);
}

struct active_ctx {
	const char *actor, *category, *file, *purpose;
	int64_t now;
	bool found;
};

static vow_err active_one(void *ctx, const void *row)
{
	struct active_ctx *a = ctx;
	const struct store_grant *g = row;
	if (g->revoked_at != 0 || g->until <= a->now || strcmp(g->actor, a->actor) != 0 ||
	    strcmp(g->purpose, a->purpose) != 0 || !taxonomy_key_covers(g->category, a->category))
		return VOW_OK;
	if (g->file[0] != '\0' && (a->file == NULL || strcmp(g->file, a->file) != 0))
		return VOW_OK;
	a->found = true;
	return VOW_ERR_EXISTS; /* stop the walk */
}

bool vault_grant_active(struct vault *v, const char *actor, const char *subject,
                        const char *category, const char *file, const char *purpose, int64_t now)
{
	if (!id_valid(subject) || actor == NULL || category == NULL || purpose == NULL)
		return false;
	struct active_ctx a = {actor, category, file, purpose, now, false};
	(void)v->ops->grant_list(v->data, subject, active_one, &a);
	return a.found;
}

/* ---- disclosures ---- */

vow_err vault_disclosure_record_file(struct vault *v, const struct vault_access *a,
                                     const char *subject, const char *recipient,
                                     const char *file, const char *category,
                                     char id[VOW_ID_LEN + 1])
{
	struct vault_file_info info;
	vow_err err = vault_file_meta(v, file, &info);
	if (err == VOW_OK && strcmp(info.subject, subject) != 0)
		err = VOW_ERR_NOT_FOUND; /* another person's: not this one's to disclose */
	if (err != VOW_OK)
		return err;
	if (category != NULL && strcmp(category, info.category) != 0)
		return vault_refuse(v, VOW_ERR_INVALID, NULL,
		                    "category: the file is of another category");
	/* its stored language decides the residency rules that depend on it */
	return vault_disclosure_record(v, a, info.subject, recipient, info.category,
	                               info.language[0] != '\0' ? info.language : NULL, id);
}

vow_err vault_disclosure_record(struct vault *v, const struct vault_access *a, const char *subject,
                                const char *recipient, const char *category, const char *attr,
                                char id[VOW_ID_LEN + 1])
{
	if (v->policy == NULL || a == NULL || a->purpose == NULL)
		return VOW_ERR_INVALID;
	const char *purpose = a->purpose;
	uint32_t r = policy_recipient_find(v->policy, recipient);
	uint32_t u = policy_purpose_find(v->policy, purpose);
	if (r == POLICY_NONE || u == POLICY_NONE ||
	    policy_category_find(v->policy, category) == POLICY_NONE)
		return VOW_ERR_INVALID;
	struct store_subject srow = {0};
	vow_err err = vault_subject_row(v, subject, false, &srow);
	store_blob_free(&srow.profile);
	if (err == VOW_OK)
		err = vault_check(v, a, subject, category, NULL, recipient, attr, false, NULL);
	if (err != VOW_OK)
		return err;
	const struct policy_recipient *rc = &v->policy->recipients[r];
	struct store_disclosure d = {.at = clock_now()};
	id_new(d.id);
	snprintf(d.subject, sizeof(d.subject), "%s", subject);
	snprintf(d.recipient, sizeof(d.recipient), "%s", recipient);
	snprintf(d.category, sizeof(d.category), "%s", category);
	snprintf(d.purpose, sizeof(d.purpose), "%s", purpose);
	snprintf(d.basis, sizeof(d.basis), "%s", policy_basis_name(v->policy->purposes[u].basis));
	snprintf(d.transfer, sizeof(d.transfer), "%s", policy_transfer_name(rc->transfer));
	snprintf(d.country, sizeof(d.country), "%s", rc->country);
	err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	err = v->ops->disclosure_insert(v->data, &d);
	if (err == VOW_OK) {
		struct audit_event ev = {.role = a->role,
		                         .actor = a->actor,
		                         .action = "disclosure",
		                         .subject = subject,
		                         .category = category,
		                         .purpose = purpose,
		                         .result = "ok",
		                         .reason = recipient};
		err = audit_change(v, &ev);
	}
	err = vault_commit(v, err);
	if (err == VOW_OK)
		memcpy(id, d.id, sizeof(d.id));
	return err;
}

struct disc_ctx {
	vault_disclosure_fn cb;
	void *ctx;
};

static vow_err disc_one(void *ctx, const void *row)
{
	const struct disc_ctx *c = ctx;
	const struct store_disclosure *d = row;
	struct vault_disclosure out;
	memcpy(out.id, d->id, sizeof(out.id));
	snprintf(out.recipient, sizeof(out.recipient), "%s", d->recipient);
	snprintf(out.category, sizeof(out.category), "%s", d->category);
	snprintf(out.purpose, sizeof(out.purpose), "%s", d->purpose);
	memcpy(out.basis, d->basis, sizeof(out.basis));
	memcpy(out.transfer, d->transfer, sizeof(out.transfer));
	memcpy(out.country, d->country, sizeof(out.country));
	out.at = d->at;
	return c->cb(c->ctx, &out);
}

vow_err vault_disclosure_list(struct vault *v, const char *subject, vault_disclosure_fn cb,
                              void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct disc_ctx c = {cb, ctx};
	return v->ops->disclosure_list(v->data, subject, disc_one, &c);
}
