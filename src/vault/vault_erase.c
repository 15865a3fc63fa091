/* vault/vault_erase.c — erasure by crypto-shredding, with legal holds.
 *
 * 1. What a legal hold keeps (records and files in held categories) is
 *    re-sealed under the subject's separate hold key and marked restricted.
 * 2. The subject's key is destroyed in the key store and the store's journal
 *    is checkpointed: from here every other record, file and backup of the
 *    person is unreadable, whatever its size.
 * 3. Rows, history, file contents, blind-index entries and grants go.
 * A crash at any step leaves a state that running the erasure again
 * completes. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "audit/audit.h"
#include "vault/vault_int.h"
#include "util/grow.h"

struct item {
	char id[VOW_ID_LEN + 1]; /* file id ("" for a record) */
	char category[STORE_KEY_MAX];
	int key_kind;
	int64_t at;
	size_t versions;
	const struct policy_hold *hold;
};

struct items {
	struct item *v;
	size_t n, cap;
};

static vow_err push(struct items *l, const char *id, const char *category, int kind, int64_t at)
{
	if (grow(&l->v, l->n, &l->cap, sizeof(*l->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	struct item *it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%s", id);
	snprintf(it->category, sizeof(it->category), "%s", category);
	it->key_kind = kind;
	it->at = at;
	return VOW_OK;
}

static vow_err rec_cb(void *ctx, const void *row)
{
	const struct store_record *r = row;
	return push(ctx, "", r->category, r->key_kind, r->updated_at);
}

static vow_err file_cb(void *ctx, const void *row)
{
	const struct store_file *f = row;
	return push(ctx, f->id, f->category, f->key_kind, f->created_at);
}

/* The legal hold that keeps category, if any. */
static const struct policy_hold *hold_for(const struct policy *p, const char *category)
{
	if (p == NULL)
		return NULL;
	uint32_t c = policy_category_find(p, category);
	if (c == POLICY_NONE)
		return NULL;
	for (uint32_t h = 0; h < p->n_holds; h++)
		for (uint32_t i = 0; i < p->holds[h].categories.n; i++)
			if (p->holds[h].categories.v[i] == c)
				return &p->holds[h];
	return NULL;
}

static int64_t hold_until(const struct policy_hold *h, int64_t item_at, int64_t now)
{
	int64_t from = h->from == ANCHOR_CREATED || h->from == ANCHOR_LAST_ACTIVITY ? item_at : now;
	return clock_add(from, h->period.n, (int)h->period.unit);
}

/* Step 1: move held items under the hold key. Only the categories a hold
 * names are visited (and the subject's file list), so this does not grow
 * with the subject's other data. */
static vow_err keep_held(struct vault *v, const char *subject, int64_t now)
{
	const struct policy *p = v->policy;
	if (p == NULL || p->n_holds == 0)
		return VOW_OK;
	struct items recs = {0}, files = {0};
	vow_err err = VOW_OK;
	for (uint32_t h = 0; err == VOW_OK && h < p->n_holds; h++) {
		for (uint32_t i = 0; err == VOW_OK && i < p->holds[h].categories.n; i++) {
			const char *cat = p->categories[p->holds[h].categories.v[i]].key;
			struct store_record row = {0};
			err = v->ops->record_get(v->data, subject, cat, &row);
			if (err == VOW_OK && row.key_kind != KEY_HOLD) {
				err = push(&recs, "", cat, row.key_kind, row.updated_at);
				if (err == VOW_OK)
					recs.v[recs.n - 1].hold = &p->holds[h];
			}
			if (err == VOW_ERR_NOT_FOUND)
				err = VOW_OK;
			store_blob_free(&row.sealed);
		}
	}
	if (err == VOW_OK)
		err = v->ops->file_list(v->data, subject, file_cb, &files);
	size_t held_files = 0;
	for (size_t i = 0; i < files.n; i++) {
		files.v[i].hold =
		    files.v[i].key_kind == KEY_HOLD ? NULL : hold_for(p, files.v[i].category);
		held_files += files.v[i].hold != NULL;
	}
	if (err != VOW_OK || (recs.n == 0 && held_files == 0)) {
		free(recs.v);
		free(files.v);
		return err;
	}
	struct crypto_key *sk = NULL, *hk = NULL;
	err = vault_key_load(v, subject, KEY_SUBJECT, &sk);
	if (err == VOW_OK) {
		err = vault_key_load(v, subject, KEY_HOLD, &hk);
		if (err == VOW_ERR_NOT_FOUND) {
			const struct crypto_key *tmp = NULL;
			err = vault_key_new(v, subject, KEY_HOLD, &tmp);
			if (err == VOW_OK)
				err = vault_key_load(v, subject, KEY_HOLD, &hk);
		}
	}
	if (err == VOW_OK)
		err = v->ops->begin(v->data);
	if (err != VOW_OK)
		goto out;
	unsigned char ad[VAULT_AD_MAX];
	for (size_t i = 0; err == VOW_OK && i < recs.n; i++) {
		struct item *it = &recs.v[i];
		struct store_record row = {0};
		err = v->ops->record_get(v->data, subject, it->category, &row);
		unsigned char *plain = NULL;
		size_t plen = row.sealed.len >= CRYPTO_SEAL_OVERHEAD
		                  ? row.sealed.len - CRYPTO_SEAL_OVERHEAD
		                  : 0;
		size_t adlen =
		    vault_ad(ad, "vow record v1", row.subject, row.category, row.id, row.version);
		if (err == VOW_OK) {
			plain = crypto_guarded_alloc(plen + 1);
			err = plain == NULL
			          ? VOW_ERR_NOMEM
			          : crypto_open(sk, row.sealed.p, row.sealed.len, ad, adlen, plain);
		}
		if (err == VOW_OK)
			err = crypto_seal(hk, plain, plen, ad, adlen, row.sealed.p);
		crypto_guarded_free(plain);
		if (err == VOW_OK) {
			row.key_kind = KEY_HOLD;
			row.held_until = hold_until(it->hold, it->at, now);
			err = v->ops->record_update(v->data, &row);
		}
		if (err == VOW_OK)
			err = v->ops->history_delete(v->data, subject, it->category, NULL);
		store_blob_free(&row.sealed);
	}
	for (size_t i = 0; err == VOW_OK && i < files.n; i++) {
		struct item *it = &files.v[i];
		if (it->hold == NULL)
			continue;
		struct store_file row = {0};
		struct crypto_key *fk = NULL;
		err = v->ops->file_get(v->data, it->id, &row);
		size_t adlen = vault_ad(ad, "vow file key v1", row.subject, row.id, NULL, 0);
		if (err == VOW_OK)
			err = row.file_key.len == CRYPTO_WRAPPED_BYTES
			          ? crypto_key_unwrap(sk, row.file_key.p, ad, adlen, &fk)
			          : VOW_ERR_INTEGRITY;
		if (err == VOW_OK)
			err = crypto_key_wrap(hk, fk, ad, adlen, row.file_key.p);
		/* the metadata too */
		unsigned char meta[4096];
		size_t madlen = vault_ad(ad, "vow file meta v1", row.subject, row.id, NULL, 0);
		if (err == VOW_OK &&
		    (row.meta.len < CRYPTO_SEAL_OVERHEAD || row.meta.len > sizeof(meta)))
			err = VOW_ERR_INTEGRITY;
		if (err == VOW_OK)
			err = crypto_open(sk, row.meta.p, row.meta.len, ad, madlen, meta);
		if (err == VOW_OK)
			err = crypto_seal(hk, meta, row.meta.len - CRYPTO_SEAL_OVERHEAD, ad, madlen,
			                  row.meta.p);
		crypto_wipe(meta, sizeof(meta));
		crypto_key_free(&fk);
		if (err == VOW_OK) {
			row.key_kind = KEY_HOLD;
			row.held_until = hold_until(it->hold, it->at, now);
			err = v->ops->file_update(v->data, &row);
		}
		store_blob_free(&row.file_key);
		store_blob_free(&row.meta);
	}
	err = vault_commit(v, err);
out:
	crypto_key_free(&sk);
	crypto_key_free(&hk);
	free(recs.v);
	free(files.v);
	return err;
}

/* Aggregates per category for the receipt. */
static json_t *tally(const struct items *recs, const struct items *files, bool held,
                     const struct policy *p, int64_t now)
{
	json_t *arr = json_array();
	for (int pass = 0; pass < 2; pass++) {
		const struct items *l = pass == 0 ? recs : files;
		for (size_t i = 0; i < l->n; i++) {
			const struct item *it = &l->v[i];
			if ((it->hold != NULL) != held)
				continue;
			json_t *row = NULL, *e;
			size_t k;
			json_array_foreach(
			    arr, k, e) if (strcmp(json_string_value(json_object_get(e, "category")),
			                          it->category) == 0) row = e;
			if (row == NULL) {
				row = json_pack("{s:s, s:i, s:i, s:i}", "category", it->category,
				                "records", 0, "record_versions", 0, "files", 0);
				if (held && row != NULL) {
					const struct policy_hold *h = it->hold;
					char until[21];
					clock_format(hold_until(h, it->at, now), until);
					json_object_set_new(
					    row, "purpose",
					    json_string(h->purpose != POLICY_NONE
					                    ? p->purposes[h->purpose].key
					                    : ""));
					json_object_set_new(
					    row, "reason",
					    json_string(h->reason != NULL ? h->reason : ""));
					json_object_set_new(row, "until", json_string(until));
					json_object_set_new(row, "state",
					                    json_string("restricted"));
				}
				json_array_append_new(arr, row);
			}
			const char *field = pass == 0 ? "records" : "files";
			json_object_set_new(
			    row, field,
			    json_integer(json_integer_value(json_object_get(row, field)) + 1));
			if (pass == 0)
				json_object_set_new(row, "record_versions",
				                    json_integer(json_integer_value(json_object_get(
				                                     row, "record_versions")) +
				                                 (json_int_t)it->versions));
		}
	}
	return arr;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

vow_err vault_subject_erase(struct vault *v, const char *subject, char **receipt)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct store_subject srow = {0};
	vow_err err = vault_subject_row(v, subject, false, &srow);
	if (err != VOW_OK)
		return err;
	int64_t now = clock_now();
	/* recorded (with the reads before it) while the pseudonym can still be
	 * computed, before the key goes */
	struct audit_event ev = {
	    .role = "admin", .action = "subject.erase", .subject = subject, .result = "ok"};
	err = audit_flush(v, false);
	if (err == VOW_OK)
		err = audit_change(v, &ev);
	if (err == VOW_OK)
		err = keep_held(v, subject, now);

	/* step 2: the key. Gone is gone: a missing key means an earlier run got here. */
	int64_t key_destroyed = 0;
	double unreadable_ms = 0;
	if (err == VOW_OK) {
		vault_key_evict(v, subject);
		err = v->ops->key_delete(v->keys, subject, KEY_SUBJECT);
		if (err == VOW_ERR_NOT_FOUND)
			err = VOW_OK;
		if (err == VOW_OK)
			vault_erased_everywhere(subject); /* the other handles' caches */
		if (err == VOW_OK)
			err = v->ops->checkpoint(v->keys);
		key_destroyed = clock_now();
		unreadable_ms = ms_since(&t0);
	}

	/* step 3: the rows */
	struct items recs = {0}, files = {0};
	if (err == VOW_OK)
		err = v->ops->record_list(v->data, subject, rec_cb, &recs);
	if (err == VOW_OK)
		err = v->ops->file_list(v->data, subject, file_cb, &files);
	for (size_t i = 0; i < recs.n; i++)
		recs.v[i].hold =
		    recs.v[i].key_kind == KEY_HOLD ? hold_for(v->policy, recs.v[i].category) : NULL;
	for (size_t i = 0; i < files.n; i++)
		files.v[i].hold = files.v[i].key_kind == KEY_HOLD
		                      ? hold_for(v->policy, files.v[i].category)
		                      : NULL;
	size_t idx = 0, grants = 0;
	if (err == VOW_OK)
		err = v->ops->begin(v->data);
	if (err == VOW_OK) {
		for (size_t i = 0; err == VOW_OK && i < recs.n; i++) {
			struct item *it = &recs.v[i];
			if (it->hold == NULL) {
				err = v->ops->record_delete(v->data, subject, it->category,
				                            &it->versions);
				if (err == VOW_OK)
					err = vault_due_forget(v, subject, it->category, NULL);
			} else
				it->versions = 1;
		}
		for (size_t i = 0; err == VOW_OK && i < files.n; i++)
			if (files.v[i].hold == NULL) {
				err = v->ops->file_delete(v->data, files.v[i].id);
				if (err == VOW_OK)
					err = vault_due_forget(v, subject, files.v[i].category,
					                       files.v[i].id);
			}
		if (err == VOW_OK)
			err = v->ops->index_delete_subject(v->data, subject, &idx);
		if (err == VOW_OK)
			err = vault_profile_due_forget(v, subject);
		if (err == VOW_OK)
			err = v->ops->grant_delete_subject(v->data, subject, &grants);
		if (err == VOW_OK) {
			store_blob_free(&srow.profile);
			srow.status = SUBJECT_ERASED;
			srow.erased_at = now;
			srow.region[0] = '\0';
			err = v->ops->subject_update(v->data, &srow);
		}
		if (err == VOW_OK) /* what a hold keeps is due when the hold ends */
			err = vault_due_refresh_subject(v, subject);
		size_t dropped = 0;
		if (err == VOW_OK)
			err = vault_outbox_forget(v, subject, &dropped);
		if (err == VOW_OK) /* a person who is gone has no session */
			err = vault_apikey_revoke_subject(v, subject, NULL);
		err = vault_commit(v, err);
	}
	if (err == VOW_OK)
		err = v->ops->checkpoint(v->data);
	for (size_t i = 0; err == VOW_OK && i < files.n; i++) {
		if (files.v[i].hold != NULL)
			continue;
		char path[PATH_MAX];
		vault_file_path(v, files.v[i].id, path);
		if (unlink(path) != 0 && errno != ENOENT)
			err = VOW_ERR_IO;
	}
	if (err == VOW_OK) {
		char t1[21], t2[21];
		clock_format(now, t1);
		clock_format(key_destroyed, t2);
		json_t *r = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:{s:f, s:f}}",
		                      "subject", subject, "erased_at", t1, "key_destroyed_at", t2,
		                      "destroyed", tally(&recs, &files, false, v->policy, now),
		                      "kept", tally(&recs, &files, true, v->policy, now),
		                      "blind_index_entries", (json_int_t)idx, "grants",
		                      (json_int_t)grants, "timing", "unreadable_after_ms",
		                      unreadable_ms, "purged_after_ms", ms_since(&t0));
		/* the subject key is gone; the instance key still signs. The
		 * erasure is done either way: a failure to sign is reported in
		 * the receipt, not as a failed erasure. */
		vow_err serr = r != NULL ? vault_sign_json(v, r) : VOW_OK;
		if (serr != VOW_OK &&
		    json_object_set_new(r, "signature_error", json_string(vow_err_message(serr))) !=
		        0) {
			json_decref(r); /* a receipt that cannot say so is not given */
			r = NULL;
		}
		*receipt = r != NULL ? json_dumps(r, JSON_COMPACT) : NULL;
		json_decref(r);
		if (*receipt == NULL)
			err = VOW_ERR_NOMEM;
	}
	store_blob_free(&srow.profile);
	free(recs.v);
	free(files.v);
	return err;
}
