/* vault/vault_record.c — records: one sealed JSON value per subject and
 * category, with the history of rectifications. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "audit/audit.h"
#include "vault/vault_int.h"

static size_t record_ad(unsigned char ad[VAULT_AD_MAX], const struct store_record *r)
{
	return vault_ad(ad, "vow record v1", r->subject, r->category, r->id, r->version);
}

/* The key a record (or file) row is sealed under: the subject's, or after
 * an erasure with a legal hold, the subject's hold key. */
static vow_err row_key(struct vault *v, const char *subject, int kind,
                       const struct crypto_key **key)
{
	vow_err err = vault_key(v, subject, kind == KEY_HOLD ? KEY_HOLD : KEY_SUBJECT, key);
	return err == VOW_ERR_NOT_FOUND ? VOW_ERR_KEY : err;
}

vow_err vault_record_put(struct vault *v, const struct vault_access *a, const char *subject,
                         const char *category, const char *value, size_t len)
{
	if (len > VAULT_MAX_VALUE)
		return VOW_ERR_TOO_LARGE;
	if (vault_stored_category(v, category) == POLICY_NONE)
		return VOW_ERR_INVALID;
	json_error_t jerr;
	json_t *j = json_loadb(value, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (j == NULL)
		return VOW_ERR_INVALID;
	json_decref(j);
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	int status = 0;
	char region[3];
	vow_err err = v->ops->subject_state(v->data, subject, &status, region, NULL);
	if (err != VOW_OK)
		return err;
	if (status == SUBJECT_ERASED)
		return VOW_ERR_NOT_FOUND;
	err = vault_check(v, a, subject, category, NULL, NULL, NULL, false, NULL);
	if (err != VOW_OK)
		return err;
	const struct crypto_key *key = NULL;
	err = vault_key(v, subject, KEY_SUBJECT, &key);
	if (err != VOW_OK)
		return err == VOW_ERR_NOT_FOUND ? VOW_ERR_KEY : err;
	err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	struct store_record old = {0}, row = {0};
	err = v->ops->record_head(v->data, subject, category, &old);
	bool previous = err == VOW_OK;
	snprintf(row.subject, sizeof(row.subject), "%s", subject);
	snprintf(row.category, sizeof(row.category), "%s", category);
	if (err == VOW_OK) {
		if (old.key_kind == KEY_HOLD)
			err = VOW_ERR_DENIED; /* restricted under a legal hold */
		memcpy(row.id, old.id, sizeof(row.id));
		row.version = old.version + 1;
	} else if (err == VOW_ERR_NOT_FOUND) {
		err = VOW_OK;
		id_new(row.id);
		row.version = 1;
	}
	store_blob_free(&old.sealed);
	row.updated_at = clock_now();
	row.key_kind = KEY_SUBJECT;
	unsigned char ad[VAULT_AD_MAX];
	size_t adlen = record_ad(ad, &row);
	if (err == VOW_OK) {
		row.sealed.len = len + CRYPTO_SEAL_OVERHEAD;
		row.sealed.p = malloc(row.sealed.len);
		err = row.sealed.p == NULL ? VOW_ERR_NOMEM
		                           : crypto_seal(key, value, len, ad, adlen, row.sealed.p);
	}
	if (err == VOW_OK)
		err = v->ops->record_put(v->data, &row, previous);
	if (err == VOW_OK)
		err = vault_due_item(v, subject, category, NULL, a->purpose, row.updated_at,
		                     !previous);
	err = vault_commit(v, err);
	if (err == VOW_OK) {
		struct audit_event ev = {
		    a->role, a->actor, previous ? "record.rectify" : "record.put",
		    subject, category, a->purpose,
		    "ok",    NULL};
		err = audit_record(v, &ev);
	}
	store_blob_free(&row.sealed);
	return err;
}

/* Opens a sealed record row into a new NUL-terminated buffer. */
static vow_err open_row(struct vault *v, const struct store_record *row, char **value, size_t *len)
{
	if (row->sealed.len < CRYPTO_SEAL_OVERHEAD)
		return VOW_ERR_INTEGRITY;
	const struct crypto_key *key = NULL;
	vow_err err = row_key(v, row->subject, row->key_kind, &key);
	if (err != VOW_OK)
		return err;
	size_t plen = row->sealed.len - CRYPTO_SEAL_OVERHEAD;
	char *plain = malloc(plen + 1);
	if (plain == NULL)
		return VOW_ERR_NOMEM;
	unsigned char ad[VAULT_AD_MAX];
	size_t adlen = record_ad(ad, row);
	err = crypto_open(key, row->sealed.p, row->sealed.len, ad, adlen, (unsigned char *)plain);
	if (err != VOW_OK) {
		free(plain);
		return err;
	}
	plain[plen] = '\0';
	*value = plain;
	*len = plen;
	return VOW_OK;
}

vow_err vault_record_get(struct vault *v, const struct vault_access *a, const char *subject,
                         const char *category, char **value, size_t *len)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	if (v->policy == NULL || policy_category_find(v->policy, category) == POLICY_NONE)
		return VOW_ERR_INVALID;
	struct store_record row = {0};
	vow_err err = v->ops->record_get(v->data, subject, category, &row);
	/* decided outside any read transaction: recording the decision writes */
	if (err == VOW_OK)
		err = vault_check(v, a, subject, category, NULL, NULL, NULL,
		                  row.key_kind == KEY_HOLD, NULL);
	if (err == VOW_OK)
		err = open_row(v, &row, value, len);
	store_blob_free(&row.sealed);
	return err;
}

void vault_value_free(char *value, size_t len)
{
	if (value == NULL)
		return;
	crypto_wipe(value, len);
	free(value);
}

struct cat_ctx {
	vault_category_fn cb;
	void *ctx;
};

static vow_err cat_one(void *ctx, const void *row)
{
	const struct cat_ctx *c = ctx;
	const struct store_record *r = row;
	return c->cb(c->ctx, r->category, r->version, r->updated_at, r->key_kind == KEY_HOLD);
}

vow_err vault_record_categories(struct vault *v, const char *subject, vault_category_fn cb,
                                void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct cat_ctx c = {cb, ctx};
	return v->ops->record_list(v->data, subject, cat_one, &c);
}

struct hist_ctx {
	struct vault *v;
	vault_version_fn cb;
	void *ctx;
};

static vow_err hist_one(void *ctx, const void *rowp)
{
	const struct hist_ctx *h = ctx;
	const struct store_record *row = rowp;
	char *value = NULL;
	size_t len = 0;
	vow_err err = open_row(h->v, row, &value, &len);
	if (err == VOW_OK)
		err = h->cb(h->ctx, row->version, row->updated_at, value, len);
	vault_value_free(value, len);
	return err;
}

vow_err vault_record_history(struct vault *v, const struct vault_access *a, const char *subject,
                             const char *category, vault_version_fn cb, void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct store_record cur = {0};
	vow_err err = v->ops->record_get(v->data, subject, category, &cur);
	if (err == VOW_OK)
		err = vault_check(v, a, subject, category, NULL, NULL, NULL,
		                  cur.key_kind == KEY_HOLD, NULL);
	if (err != VOW_OK) {
		store_blob_free(&cur.sealed);
		return err;
	}
	struct hist_ctx h = {v, cb, ctx};
	err = v->ops->record_history(v->data, subject, category, hist_one, &h);
	if (err == VOW_OK)
		err = hist_one(&h, &cur);
	store_blob_free(&cur.sealed);
	return err;
}

vow_err vault_record_delete(struct vault *v, const struct vault_access *a, const char *subject,
                            const char *category)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	vow_err cerr = vault_check(v, a, subject, category, NULL, NULL, NULL, false, NULL);
	if (cerr != VOW_OK)
		return cerr;
	vow_err err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	struct store_record row = {0};
	err = v->ops->record_get(v->data, subject, category, &row);
	if (err == VOW_OK && row.key_kind == KEY_HOLD)
		err = VOW_ERR_DENIED;
	store_blob_free(&row.sealed);
	if (err == VOW_OK)
		err = v->ops->record_delete(v->data, subject, category, NULL);
	if (err == VOW_OK)
		err = vault_due_forget(v, subject, category, NULL);
	err = vault_commit(v, err);
	if (err == VOW_OK) {
		struct audit_event ev = {
		    a->role, a->actor, "record.delete", subject, category, a->purpose, "ok", NULL};
		err = audit_record(v, &ev);
	}
	return err;
}
