/* vault/vault_record.c — records: one sealed JSON value per subject and
 * category, with the history of rectifications. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/ip.h"
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

/* The index of a category the vault may store a record of. */
static vow_err storable(struct vault *v, const char *category, uint32_t *out)
{
	uint32_t c = v->policy != NULL && category != NULL
	                 ? policy_category_find(v->policy, category)
	                 : POLICY_NONE;
	if (c == POLICY_NONE)
		return vault_refuse(v, VOW_ERR_DENIED, "unknown_category",
		                    "the data category is not declared in the policy");
	if (!v->policy->categories[c].stored)
		return vault_refuse(v, VOW_ERR_DENIED, "not_stored",
		                    "the policy says this category is never stored");
	*out = c;
	return VOW_OK;
}

/* Applies the category's intake rule to the parsed value j: *kept (NULL:
 * keep the value as given) receives the JSON text to store instead,
 * caller-owned (vault_value_free). */
static vow_err intake(struct vault *v, enum policy_intake rule, json_t *j, char **kept,
                      struct vault_put_result *res)
{
	*kept = NULL;
	if (rule == INTAKE_KEEP || rule == INTAKE_DROP)
		return VOW_OK;
	const char *text = json_string_value(j);
	if (text == NULL)
		return vault_refuse(
		    v, VOW_ERR_INVALID, NULL,
		    rule == INTAKE_HASH
		        ? "this category keeps only a hash: send the secret as a JSON string"
		        : "this category keeps an IP address: send it as a JSON string");
	char out[CRYPTO_PASSWORD_HASH_BYTES];
	if (rule == INTAKE_TRUNCATE_IP) {
		if (ip_truncate(text, res->network) != VOW_OK)
			return vault_refuse(v, VOW_ERR_INVALID, NULL,
			                    "the value is not an IPv4 or IPv6 address");
		snprintf(out, sizeof(out), "%s", res->network);
	} else {
		size_t n = json_string_length(j);
		if (n > VOW_MAX_SECRET)
			return vault_refuse(v, VOW_ERR_TOO_LARGE, NULL,
			                    "a secret kept as a hash is at most 1024 bytes");
		vow_err err = crypto_password_hash(text, n, out);
		if (err != VOW_OK)
			return err;
	}
	json_t *s = json_string(out);
	crypto_wipe(out, sizeof(out));
	*kept = s != NULL ? json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	json_decref(s);
	return *kept != NULL ? VOW_OK : VOW_ERR_NOMEM;
}

vow_err vault_record_put(struct vault *v, const struct vault_access *a, const char *subject,
                         const char *category, const char *value, size_t len)
{
	return vault_record_put_result(v, a, subject, category, value, len, NULL);
}

vow_err vault_record_put_result(struct vault *v, const struct vault_access *a, const char *subject,
                                const char *category, const char *value, size_t len,
                                struct vault_put_result *res)
{
	struct vault_put_result local;
	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	if (len > VAULT_MAX_VALUE)
		return vault_refuse(v, VOW_ERR_TOO_LARGE, NULL,
		                    "a record's value is at most 1 MiB");
	uint32_t c = POLICY_NONE;
	vow_err err = storable(v, category, &c);
	if (err != VOW_OK)
		return err;
	const enum policy_intake rule = v->policy->categories[c].intake;
	res->intake = rule;
	json_error_t jerr;
	json_t *j = json_loadb(value, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (j == NULL)
		return vault_refuse(v, VOW_ERR_INVALID, NULL,
		                    "the value is not valid JSON (UTF-8, no duplicate keys)");
	if (!id_valid(subject)) {
		json_decref(j);
		return VOW_ERR_NOT_FOUND;
	}
	int status = 0;
	char region[3];
	err = v->ops->subject_state(v->data, subject, &status, region, NULL);
	if (err == VOW_OK && status == SUBJECT_ERASED)
		err = VOW_ERR_NOT_FOUND;
	if (err == VOW_OK)
		err = vault_check_op(v, a, OP_WRITE, subject, category, NULL, NULL, NULL, false,
		                     NULL);
	char *kept = NULL;
	if (err == VOW_OK)
		err = intake(v, rule, j, &kept, res);
	if (json_is_string(j) && rule != INTAKE_KEEP) /* the secret or the full address */
		crypto_wipe((void *)json_string_value(j), json_string_length(j));
	json_decref(j);
	if (err != VOW_OK)
		return err;
	if (rule == INTAKE_DROP) { /* decided, audited, and nothing kept */
		struct audit_event ev = {.role = a->role,
		                         .actor = a->actor,
		                         .action = "record.drop",
		                         .subject = subject,
		                         .category = category,
		                         .purpose = a->purpose,
		                         .result = "ok",
		                         .reason = "intake_drop"};
		return audit_record(v, &ev);
	}
	if (kept != NULL) {
		value = kept;
		len = strlen(kept);
	}
	const struct crypto_key *key = NULL;
	err = vault_key(v, subject, KEY_SUBJECT, &key);
	if (err == VOW_ERR_NOT_FOUND)
		err = VOW_ERR_KEY;
	if (err == VOW_OK)
		err = v->ops->begin(v->data);
	if (err != VOW_OK) {
		vault_value_free(kept, kept != NULL ? strlen(kept) : 0);
		return err;
	}
	struct store_record old = {0}, row = {0};
	err = v->ops->record_head(v->data, subject, category, &old);
	bool previous = err == VOW_OK;
	snprintf(row.subject, sizeof(row.subject), "%s", subject);
	snprintf(row.category, sizeof(row.category), "%s", category);
	if (err == VOW_OK) {
		if (old.key_kind == KEY_HOLD)
			err = vault_refuse(v, VOW_ERR_DENIED, "legal_hold",
			                   "the record is kept only for a legal obligation");
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
	vault_value_free(kept, kept != NULL ? strlen(kept) : 0);
	if (err == VOW_OK)
		err = v->ops->record_put(v->data, &row, previous);
	if (err == VOW_OK)
		err = vault_due_item(v, subject, category, NULL, a->purpose, row.updated_at,
		                     !previous);
	if (err == VOW_OK) {
		struct audit_event ev = {.role = a->role,
		                         .actor = a->actor,
		                         .action = previous ? "record.rectify" : "record.put",
		                         .subject = subject,
		                         .category = category,
		                         .purpose = a->purpose,
		                         .result = "ok"};
		err = audit_change(v, &ev);
	}
	err = vault_commit(v, err);
	if (err == VOW_OK)
		res->stored = true;
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

/* The category's intake rule, or INTAKE_KEEP for an undeclared one. */
static enum policy_intake intake_of(const struct vault *v, const char *category)
{
	uint32_t c = v->policy != NULL && category != NULL
	                 ? policy_category_find(v->policy, category)
	                 : POLICY_NONE;
	return c != POLICY_NONE ? v->policy->categories[c].intake : INTAKE_KEEP;
}

/* Reads the current row of subject's category for an access: decided
 * before anything is said about the row, so a denied caller gets the same
 * answer whether it exists or not. */
static vow_err decided_row(struct vault *v, const struct vault_access *a, const char *subject,
                           const char *category, bool deleted_too, struct store_record *row)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	vow_err found = category != NULL ? v->ops->record_get(v->data, subject, category, row)
	                                 : VOW_ERR_NOT_FOUND;
	if (found != VOW_OK && found != VOW_ERR_NOT_FOUND)
		return found;
	struct decide_result res;
	vow_err err = vault_check(v, a, subject, category, NULL, NULL, NULL,
	                          found == VOW_OK && row->key_kind == KEY_HOLD, &res);
	if (err == VOW_ERR_DENIED && res.reason == DECIDE_SUBJECT_ERASED)
		err = VOW_ERR_NOT_FOUND; /* the person's data is gone: it no longer exists */
	if (err == VOW_OK)
		err = found;
	if (err == VOW_OK && row->deleted_at != 0 && !deleted_too)
		err = VOW_ERR_NOT_FOUND; /* deleted: kept (with its history) only for retention */
	if (err != VOW_OK)
		store_blob_free(&row->sealed);
	return err;
}

static vow_err hash_only(struct vault *v)
{
	return vault_refuse(v, VOW_ERR_DENIED, "hash_only",
	                    "this category is kept only as a one-way hash: check a value with "
	                    "verify; it is never returned");
}

vow_err vault_record_get(struct vault *v, const struct vault_access *a, const char *subject,
                         const char *category, char **value, size_t *len)
{
	struct store_record row = {0};
	vow_err err = decided_row(v, a, subject, category, false, &row);
	if (err == VOW_OK && intake_of(v, category) == INTAKE_HASH)
		err = hash_only(v);
	if (err == VOW_OK)
		err = open_row(v, &row, value, len);
	store_blob_free(&row.sealed);
	return err;
}

vow_err vault_record_verify(struct vault *v, const struct vault_access *a, const char *subject,
                            const char *category, const char *candidate, size_t len, bool *match)
{
	*match = false;
	if (intake_of(v, category) != INTAKE_HASH)
		return vault_refuse(v, VOW_ERR_INVALID, NULL,
		                    "only a category kept as a hash can be verified");
	if (len > VOW_MAX_SECRET)
		return vault_refuse(v, VOW_ERR_TOO_LARGE, NULL,
		                    "a secret kept as a hash is at most 1024 bytes");
	struct store_record row = {0};
	vow_err err = decided_row(v, a, subject, category, false, &row);
	char *stored = NULL;
	size_t slen = 0;
	if (err == VOW_OK)
		err = open_row(v, &row, &stored, &slen);
	store_blob_free(&row.sealed);
	json_t *j = err == VOW_OK ? json_loadb(stored, slen, JSON_DECODE_ANY, NULL) : NULL;
	vault_value_free(stored, slen);
	if (err == VOW_OK && !json_is_string(j))
		err = VOW_ERR_INTEGRITY; /* not a hash this vault wrote */
	if (err == VOW_OK) {
		err = crypto_password_verify(json_string_value(j), candidate, len);
		*match = err == VOW_OK;
		if (err == VOW_ERR_DENIED)
			err = VOW_OK;
		else if (err == VOW_ERR_INVALID)
			err = VOW_ERR_INTEGRITY;
	}
	json_decref(j);
	if (err == VOW_OK) {
		struct audit_event ev = {.role = a->role,
		                         .actor = a->actor,
		                         .action = "record.verify",
		                         .subject = subject,
		                         .category = category,
		                         .purpose = a->purpose,
		                         .result = "ok",
		                         .reason = *match ? "match" : "no_match"};
		err = audit_record(v, &ev);
	}
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
	bool deleted_too;
};

static vow_err cat_one(void *ctx, const void *row)
{
	const struct cat_ctx *c = ctx;
	const struct store_record *r = row;
	if (r->deleted_at != 0 && !c->deleted_too)
		return VOW_OK;
	return c->cb(c->ctx, r->category, r->version, r->updated_at, r->key_kind == KEY_HOLD);
}

vow_err vault_record_categories(struct vault *v, const char *subject, vault_category_fn cb,
                                void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct cat_ctx c = {cb, ctx, false};
	return v->ops->record_list(v->data, subject, cat_one, &c);
}

vow_err vault_record_categories_held(struct vault *v, const char *subject, vault_category_fn cb,
                                     void *ctx)
{
	if (!id_valid(subject))
		return VOW_ERR_NOT_FOUND;
	struct cat_ctx c = {cb, ctx, true};
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
	struct store_record cur = {0};
	vow_err err = decided_row(v, a, subject, category, true, &cur);
	if (err == VOW_OK && intake_of(v, category) == INTAKE_HASH)
		err = hash_only(v);
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
	vow_err cerr =
	    vault_check_op(v, a, OP_DELETE, subject, category, NULL, NULL, NULL, false, NULL);
	if (cerr != VOW_OK)
		return cerr;
	vow_err err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	struct store_record row = {0};
	err = v->ops->record_get(v->data, subject, category, &row);
	if (err == VOW_OK && row.key_kind == KEY_HOLD)
		err = vault_refuse(v, VOW_ERR_DENIED, "legal_hold",
		                   "the record is kept only for a legal obligation");
	store_blob_free(&row.sealed);
	/* hidden from reads; the value and its history stay until retention
	 * (its due row stays too) or erasure removes them: a key's delete is
	 * not a way to rewrite what was held */
	if (err == VOW_OK)
		err = v->ops->record_mark_deleted(v->data, subject, category, clock_now());
	if (err == VOW_OK) {
		struct audit_event ev = {.role = a->role,
		                         .actor = a->actor,
		                         .action = "record.delete",
		                         .subject = subject,
		                         .category = category,
		                         .purpose = a->purpose,
		                         .result = "ok"};
		err = audit_change(v, &ev);
	}
	return vault_commit(v, err);
}
