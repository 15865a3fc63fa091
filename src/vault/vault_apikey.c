/* vault/vault_apikey.c — API keys: "vow_<16 hex id>_<64 hex secret>". The
 * secret is 32 random bytes; only its keyed BLAKE2b hash (instance index
 * key) is stored, and it is compared in constant time. A key may expire;
 * it is revoked by an admin or by its subject's erasure. Every check reads
 * the store, so a revocation holds at once for every handle. */
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/grow.h"
#include "audit/audit.h"
#include "vault/vault_int.h"

static void secret_hash(struct vault *v, const char *secret_hex, unsigned char out[32])
{
	crypto_keyed_hash(v->index_key, "vow api key v1", secret_hex, strlen(secret_hex), out);
}

vow_err vault_apikey_create(struct vault *v, const char *role, const char *staff,
                            const char *subject, int64_t expires_at, char key[VAULT_APIKEY_LEN + 1])
{
	const struct policy *p = v->policy;
	int64_t now = clock_now();
	if (p == NULL || role == NULL || expires_at < 0 || (expires_at != 0 && expires_at <= now))
		return VOW_ERR_INVALID;
	struct store_apikey row = {.created_at = now, .expires_at = expires_at};
	enum policy_role_kind k = ROLE_ADMIN;
	if (strcmp(role, "admin") != 0) {
		uint32_t r = policy_role_find(p, role);
		if (r == POLICY_NONE)
			return VOW_ERR_INVALID;
		k = p->roles[r].kind;
		if (k == ROLE_STAFF && (staff == NULL || staff[0] == '\0' || strlen(staff) > 128))
			return VOW_ERR_INVALID;
		if (k == ROLE_SUBJECT && !id_valid(subject))
			return VOW_ERR_INVALID;
	}
	unsigned char idb[8], secret[32];
	crypto_random(idb, sizeof(idb));
	crypto_random(secret, sizeof(secret));
	char secret_hex[65];
	hex_encode(idb, sizeof(idb), row.id);
	hex_encode(secret, sizeof(secret), secret_hex);
	crypto_wipe(secret, sizeof(secret));
	secret_hash(v, secret_hex, row.hash);
	snprintf(row.role, sizeof(row.role), "%s", role);
	snprintf(row.staff, sizeof(row.staff), "%s", k == ROLE_STAFF ? staff : "");
	snprintf(row.subject, sizeof(row.subject), "%s", k == ROLE_SUBJECT ? subject : "");
	/* a subject key only for a subject that is there, checked in the
	 * transaction that stores it: an erasure either comes first (refused)
	 * or after (and revokes it) */
	vow_err err = v->ops->begin(v->data);
	if (err == VOW_OK && k == ROLE_SUBJECT) {
		struct store_subject srow;
		memset(&srow, 0, sizeof(srow));
		err = v->ops->subject_anchors(v->data, subject, &srow);
		if (err == VOW_OK && srow.status == SUBJECT_ERASED)
			err = VOW_ERR_NOT_FOUND;
	}
	if (err == VOW_OK)
		err = v->ops->apikey_insert(v->data, &row);
	if (err == VOW_OK) {
		struct audit_event ev = {.role = "admin",
		                         .action = "apikey.create",
		                         .category = row.id,
		                         .result = "ok",
		                         .reason = role};
		err = audit_change(v, &ev);
	}
	err = vault_commit(v, err);
	if (err == VOW_OK)
		snprintf(key, VAULT_APIKEY_LEN + 1, "vow_%s_%s", row.id, secret_hex);
	crypto_wipe(secret_hex, sizeof(secret_hex));
	return err;
}

vow_err vault_apikey_verify(struct vault *v, const char *presented, struct vault_apikey *out)
{
	if (presented == NULL || strlen(presented) != VAULT_APIKEY_LEN ||
	    strncmp(presented, "vow_", 4) != 0 || presented[20] != '_')
		return VOW_ERR_DENIED;
	char id[17];
	memcpy(id, presented + 4, 16);
	id[16] = '\0';
	struct store_apikey row;
	memset(&row, 0, sizeof(row));
	if (v->ops->apikey_get(v->data, id, &row) != VOW_OK || row.revoked_at != 0 ||
	    (row.expires_at != 0 && row.expires_at <= clock_now()))
		return VOW_ERR_DENIED;
	unsigned char h[32];
	secret_hash(v, presented + 21, h);
	if (!crypto_equal(h, row.hash, sizeof(h)))
		return VOW_ERR_DENIED;
	memset(out, 0, sizeof(*out));
	memcpy(out->id, row.id, sizeof(out->id));
	snprintf(out->staff, sizeof(out->staff), "%s", row.staff);
	snprintf(out->subject, sizeof(out->subject), "%s", row.subject);
	const struct policy *p = v->policy;
	if (strcmp(row.role, "admin") == 0) {
		/* an admin acts for the application: the policy's first service
		 * role (the HTTP layer lets it name another with Vow-Role) */
		out->kind = API_ADMIN;
		out->role[0] = '\0';
		for (int pass = 0; pass < 2 && out->role[0] == '\0'; pass++)
			for (uint32_t i = 0; p != NULL && i < p->n_roles; i++)
				if (p->roles[i].kind == (pass == 0 ? ROLE_SERVICE : ROLE_ADMIN) &&
				    p->roles[i].key != NULL) {
					snprintf(out->role, sizeof(out->role), "%s",
					         p->roles[i].key);
					break;
				}
		return VOW_OK;
	}
	uint32_t r = p != NULL ? policy_role_find(p, row.role) : POLICY_NONE;
	if (r == POLICY_NONE)
		return VOW_ERR_DENIED; /* the role left the policy */
	snprintf(out->role, sizeof(out->role), "%s", row.role);
	switch (p->roles[r].kind) {
	case ROLE_ADMIN:
		out->kind = API_ADMIN;
		break;
	case ROLE_STAFF:
		out->kind = API_STAFF;
		break;
	case ROLE_SUBJECT:
		out->kind = API_SUBJECT;
		break;
	default:
		out->kind = API_SERVICE;
		break;
	}
	return VOW_OK;
}

/* ---- listing and revoking ---- */

struct list_ctx {
	vault_apikey_fn cb;
	void *ctx;
};

static void info_from_row(struct vault_apikey_info *out, const struct store_apikey *r)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->id, r->id, sizeof(out->id));
	snprintf(out->role, sizeof(out->role), "%s", r->role);
	snprintf(out->staff, sizeof(out->staff), "%s", r->staff);
	snprintf(out->subject, sizeof(out->subject), "%s", r->subject);
	out->created_at = r->created_at;
	out->expires_at = r->expires_at;
	out->revoked_at = r->revoked_at;
}

static vow_err list_cb(void *ctx, const void *row)
{
	const struct list_ctx *lc = ctx;
	struct vault_apikey_info info;
	info_from_row(&info, row);
	return lc->cb(lc->ctx, &info);
}

vow_err vault_apikey_list(struct vault *v, const char *after, size_t limit, vault_apikey_fn cb,
                          void *ctx)
{
	struct list_ctx lc = {cb, ctx};
	return v->ops->apikey_list(v->data, after, limit, list_cb, &lc);
}

/* Whether a key of role acts as an admin (see vault_apikey_verify). */
static bool admin_role(const struct policy *p, const char *role)
{
	if (strcmp(role, "admin") == 0)
		return true;
	uint32_t r = p != NULL ? policy_role_find(p, role) : POLICY_NONE;
	return r != POLICY_NONE && p->roles[r].kind == ROLE_ADMIN;
}

/* The admin keys neither revoked nor expired at now. */
static vow_err live_admins(struct vault *v, int64_t now, size_t *n)
{
	const struct policy *p = v->policy;
	vow_err err = v->ops->apikey_count(v->data, "admin", now, n);
	for (uint32_t i = 0; err == VOW_OK && p != NULL && i < p->n_roles; i++) {
		size_t more = 0;
		if (p->roles[i].kind == ROLE_ADMIN && p->roles[i].key != NULL &&
		    strcmp(p->roles[i].key, "admin") != 0)
			err = v->ops->apikey_count(v->data, p->roles[i].key, now, &more);
		*n += more;
	}
	return err;
}

static vow_err revoke_one(struct vault *v, const char *id, const char *by, const char *why,
                          int64_t now)
{
	vow_err err = v->ops->apikey_revoke(v->data, id, now);
	if (err == VOW_OK) { /* in the revocation's transaction */
		struct audit_event ev = {.role = "admin",
		                         .actor = by,
		                         .action = "apikey.revoke",
		                         .category = id,
		                         .result = "ok",
		                         .reason = why};
		err = audit_change(v, &ev);
	}
	return err;
}

vow_err vault_apikey_revoke(struct vault *v, const char *id, const char *by)
{
	if (id == NULL || strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16)
		return VOW_ERR_NOT_FOUND;
	int64_t now = clock_now();
	vow_err err = v->ops->begin(v->data); /* the count and the revocation as one */
	if (err != VOW_OK)
		return err;
	struct store_apikey row;
	memset(&row, 0, sizeof(row));
	err = v->ops->apikey_get(v->data, id, &row);
	if (err == VOW_OK && row.revoked_at != 0)
		err = VOW_ERR_EXISTS;
	bool live = row.expires_at == 0 || row.expires_at > now;
	if (err == VOW_OK && live && admin_role(v->policy, row.role)) {
		size_t admins = 0;
		err = live_admins(v, now, &admins);
		if (err == VOW_OK && admins <= 1)
			err = VOW_ERR_DENIED; /* the last one */
	}
	if (err == VOW_OK)
		err = revoke_one(v, id, by, "revoked", now);
	return vault_commit(v, err);
}

struct ids {
	char (*v)[17];
	size_t n, cap;
};

static vow_err collect_id(void *ctx, const void *row)
{
	struct ids *l = ctx;
	if (grow(&l->v, l->n, &l->cap, sizeof(*l->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	memcpy(l->v[l->n++], ((const struct store_apikey *)row)->id, 17);
	return VOW_OK;
}

vow_err vault_apikey_revoke_subject(struct vault *v, const char *subject, size_t *count)
{
	struct ids l = {0};
	vow_err err = v->ops->apikey_subject(v->data, subject, collect_id, &l);
	int64_t now = clock_now();
	for (size_t i = 0; err == VOW_OK && i < l.n; i++)
		err = revoke_one(v, l.v[i], NULL, "erasure", now);
	if (err == VOW_OK && count != NULL)
		*count = l.n;
	free(l.v);
	return err;
}
