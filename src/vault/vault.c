/* vault/vault.c — opening a vault, its key store and key cache. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "audit/audit.h"
#include "vault/vault_int.h"

#define INSTANCE_OWNER VAULT_INSTANCE_OWNER

size_t vault_ad(unsigned char out[VAULT_AD_MAX], const char *label, const char *a, const char *b,
                const char *c, int64_t n)
{
	size_t off = 0;
	const char *parts[] = {label, a, b, c};
	for (size_t i = 0; i < 4; i++) {
		if (parts[i] == NULL)
			continue;
		size_t l = strnlen(parts[i], 200);
		memcpy(out + off, parts[i], l);
		off += l;
		out[off++] = '\0';
	}
	for (int i = 0; i < 8; i++)
		out[off++] = (unsigned char)((uint64_t)n >> (8 * i));
	return off;
}

void vault_file_path(const struct vault *v, const char *id, char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s/files/%.2s/%s", v->dir, id, id);
}

uint32_t vault_stored_category(const struct vault *v, const char *key)
{
	if (v->policy == NULL || key == NULL)
		return POLICY_NONE;
	uint32_t c = policy_category_find(v->policy, key);
	if (c == POLICY_NONE || !v->policy->categories[c].stored)
		return POLICY_NONE;
	return c;
}

vow_err vault_commit(struct vault *v, vow_err err)
{
	if (err == VOW_OK)
		err = v->ops->commit(v->data);
	if (err != VOW_OK)
		v->ops->rollback(v->data);
	return err;
}

/* ---- keys ---- */

static size_t key_ad(unsigned char ad[VAULT_AD_MAX], const char *owner, int kind)
{
	return vault_ad(ad, "vow key v1", owner, NULL, NULL, kind);
}

/* The wrapped key of owner/kind from the key store, its length checked. */
static vow_err wrapped_key(struct vault *v, const char *owner, int kind, struct store_key *row)
{
	vow_err err = v->ops->key_get(v->keys, owner, kind, row);
	if (err == VOW_OK && row->wrapped.len != CRYPTO_WRAPPED_BYTES) {
		store_blob_free(&row->wrapped);
		err = VOW_ERR_INTEGRITY;
	}
	return err;
}

vow_err vault_key_load(struct vault *v, const char *owner, int kind, struct crypto_key **out)
{
	struct store_key row = {0};
	vow_err err = wrapped_key(v, owner, kind, &row);
	if (err != VOW_OK)
		return err;
	unsigned char ad[VAULT_AD_MAX];
	err = crypto_key_unwrap(v->master, row.wrapped.p, ad, key_ad(ad, owner, kind), out);
	store_blob_free(&row.wrapped);
	return err;
}

/* Erasures in this process, newest last: the handles of other threads
 * (vow serve has one per worker) evict the erased subjects' keys from their
 * own caches before they next use one. */
#define ERASED_RING 64
static pthread_mutex_t erased_lock = PTHREAD_MUTEX_INITIALIZER;
static char erased_ring[ERASED_RING][VOW_ID_LEN + 1];
static _Atomic unsigned long erased_count;

void vault_erased_everywhere(const char *subject)
{
	pthread_mutex_lock(&erased_lock);
	unsigned long n = atomic_load(&erased_count);
	snprintf(erased_ring[n % ERASED_RING], VOW_ID_LEN + 1, "%s", subject);
	atomic_store(&erased_count, n + 1);
	pthread_mutex_unlock(&erased_lock);
}

static void catch_up(struct vault *v)
{
	unsigned long now = atomic_load_explicit(&erased_count, memory_order_acquire);
	if (now == v->erasures_seen)
		return;
	pthread_mutex_lock(&erased_lock);
	now = atomic_load(&erased_count);
	if (now - v->erasures_seen > ERASED_RING) {
		crypto_keycache_clear(v->cache); /* too far behind: start afresh */
	} else {
		for (unsigned long i = v->erasures_seen; i < now; i++)
			crypto_keycache_evict(v->cache, erased_ring[i % ERASED_RING]);
	}
	pthread_mutex_unlock(&erased_lock);
	v->erasures_seen = now;
}

vow_err vault_key(struct vault *v, const char *owner, int kind, const struct crypto_key **out)
{
	catch_up(v);
	const struct crypto_key *k = crypto_keycache_get(v->cache, owner, kind);
	if (k != NULL) {
		*out = k;
		return VOW_OK;
	}
	struct store_key row = {0};
	vow_err err = wrapped_key(v, owner, kind, &row);
	if (err != VOW_OK)
		return err;
	unsigned char ad[VAULT_AD_MAX];
	err = crypto_keycache_unwrap(v->cache, v->master, row.wrapped.p, ad,
	                             key_ad(ad, owner, kind), owner, kind, out);
	store_blob_free(&row.wrapped);
	return err;
}

vow_err vault_key_new(struct vault *v, const char *owner, int kind, const struct crypto_key **out)
{
	struct crypto_key *k = NULL;
	vow_err err = crypto_key_generate(&k);
	if (err != VOW_OK)
		return err;
	unsigned char wrapped[CRYPTO_WRAPPED_BYTES], ad[VAULT_AD_MAX];
	size_t adlen = key_ad(ad, owner, kind);
	err = crypto_key_wrap(v->master, k, ad, adlen, wrapped);
	crypto_key_free(&k);
	if (err != VOW_OK)
		return err;
	struct store_key row = {.kind = kind, .wrapped = {wrapped, sizeof(wrapped)}};
	snprintf(row.owner, sizeof(row.owner), "%s", owner);
	err = v->ops->key_put(v->keys, &row);
	if (err != VOW_OK)
		return err;
	return vault_key(v, owner, kind, out);
}

vow_err vault_instance_key(struct vault *v, int kind, struct crypto_key **out)
{
	vow_err err = vault_key_load(v, VAULT_INSTANCE_OWNER, kind, out);
	if (err == VOW_ERR_NOT_FOUND) {
		const struct crypto_key *tmp = NULL;
		err = vault_key_new(v, VAULT_INSTANCE_OWNER, kind, &tmp);
		vault_key_evict(v, VAULT_INSTANCE_OWNER);
		if (err == VOW_OK)
			err = vault_key_load(v, VAULT_INSTANCE_OWNER, kind, out);
	}
	return err;
}

void vault_key_evict(struct vault *v, const char *owner)
{
	crypto_keycache_evict(v->cache, owner);
	vault_age_evict(v, owner);
}

vow_err vault_key_present(struct vault *v, const char *owner)
{
	const struct crypto_key *k = NULL;
	vow_err err = vault_key(v, owner, KEY_SUBJECT, &k);
	return err == VOW_ERR_NOT_FOUND ? VOW_ERR_KEY : err;
}

/* ---- opening ---- */

static vow_err ensure_dir(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return VOW_OK;
	return VOW_ERR_IO;
}

/* Finishes or undoes a key rotation interrupted by a crash: the key store's
 * recorded fingerprint says which master key it was last wrapped under. */
static vow_err recover_rotation(struct vault *v, const char *want_fp)
{
	char cur[PATH_MAX], next[PATH_MAX], fp[17];
	snprintf(cur, sizeof(cur), "%s/master.key", v->dir);
	snprintf(next, sizeof(next), "%s/master.key.next", v->dir);
	crypto_key_fingerprint(v->master, fp);
	struct crypto_key *nk = NULL;
	vow_err err = crypto_master_key_load(next, &nk);
	if (strcmp(fp, want_fp) == 0) {
		/* the key store is still under the current key: drop a stale next key */
		crypto_key_free(&nk);
		if (err == VOW_OK || err == VOW_ERR_KEY)
			(void)unlink(next);
		return VOW_OK;
	}
	if (err != VOW_OK)
		return VOW_ERR_KEY; /* the key store was wrapped under another master key */
	char nfp[17];
	crypto_key_fingerprint(nk, nfp);
	if (strcmp(nfp, want_fp) != 0) {
		crypto_key_free(&nk);
		return VOW_ERR_KEY;
	}
	if (rename(next, cur) != 0) {
		crypto_key_free(&nk);
		return VOW_ERR_IO;
	}
	crypto_key_free(&v->master);
	v->master = nk;
	return VOW_OK;
}

static vow_err check_master(struct vault *v)
{
	char fp[17], want[64];
	vow_err err = v->ops->meta_get(v->keys, "master_fingerprint", want, sizeof(want));
	if (err == VOW_ERR_NOT_FOUND) {
		crypto_key_fingerprint(v->master, fp);
		return v->ops->meta_set(v->keys, "master_fingerprint", fp);
	}
	if (err != VOW_OK)
		return err;
	if (crypto_master_key_from_env()) {
		crypto_key_fingerprint(v->master, fp);
		return strcmp(fp, want) == 0 ? VOW_OK : VOW_ERR_KEY;
	}
	return recover_rotation(v, want);
}

vow_err vault_open(const char *dir, const struct policy *policy, struct vault **out)
{
	struct vault *v = calloc(1, sizeof(*v));
	if (v != NULL)
		v->erasures_seen = atomic_load(&erased_count); /* a new cache holds nothing stale */
	if (v == NULL)
		return VOW_ERR_NOMEM;
	if (strlen(dir) >= VAULT_DIR_MAX) {
		free(v);
		return VOW_ERR_INVALID;
	}
	snprintf(v->dir, sizeof(v->dir), "%s", dir);
	v->policy = policy;
	v->ops = &store_sqlite_ops;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/master.key", dir);
	vow_err err = crypto_init();
	if (err == VOW_OK)
		err = crypto_master_key_load(path, &v->master);
	if (err == VOW_ERR_NOT_FOUND)
		err = VOW_ERR_KEY;
	snprintf(path, sizeof(path), "%s/files", dir);
	if (err == VOW_OK)
		err = ensure_dir(path);
	snprintf(path, sizeof(path), "%s/keys.db", dir);
	if (err == VOW_OK)
		err = v->ops->open(path, STORE_KEYS, &v->keys);
	snprintf(path, sizeof(path), "%s/data.db", dir);
	if (err == VOW_OK)
		err = v->ops->open(path, STORE_DATA, &v->data);
	if (err == VOW_OK)
		err = check_master(v);
	if (err == VOW_OK)
		err = crypto_keycache_new(VAULT_KEY_CACHE, &v->cache);
	if (err == VOW_OK) {
		v->ages = calloc(VAULT_AGE_CACHE, sizeof(*v->ages));
		if (v->ages == NULL)
			err = VOW_ERR_NOMEM;
	}
	if (err == VOW_OK) {
		/* the blind-index key is held apart from the cache */
		err = vault_key_load(v, INSTANCE_OWNER, KEY_INSTANCE_INDEX, &v->index_key);
		if (err == VOW_ERR_NOT_FOUND) {
			const struct crypto_key *tmp = NULL;
			err = vault_key_new(v, INSTANCE_OWNER, KEY_INSTANCE_INDEX, &tmp);
			if (err == VOW_OK)
				err = vault_key_load(v, INSTANCE_OWNER, KEY_INSTANCE_INDEX,
				                     &v->index_key);
			vault_key_evict(v, INSTANCE_OWNER);
		}
	}
	if (err != VOW_OK) {
		vault_close(&v);
		return err;
	}
	*out = v;
	return VOW_OK;
}

void vault_close(struct vault **vp)
{
	if (vp == NULL || *vp == NULL)
		return;
	struct vault *v = *vp;
	if (v->data != NULL && v->keys != NULL && v->master != NULL) {
		vow_err ferr = audit_flush(v, true); /* best effort: close cannot fail */
		(void)ferr;
	}
	free(v->audit);
	crypto_keycache_free(&v->cache);
	free(v->ages);
	crypto_key_free(&v->index_key);
	crypto_key_free(&v->master);
	if (v->data != NULL)
		v->ops->close(v->data);
	if (v->keys != NULL)
		v->ops->close(v->keys);
	free(v);
	*vp = NULL;
}

vow_err vault_batch_begin(struct vault *v)
{
	return v->ops->begin(v->data);
}

vow_err vault_batch_commit(struct vault *v)
{
	vow_err err = v->ops->commit(v->data);
	if (err != VOW_OK)
		v->ops->rollback(v->data);
	return err;
}

void vault_set_policy(struct vault *v, const struct policy *policy)
{
	v->policy = policy;
}

const struct policy *vault_policy(const struct vault *v)
{
	return v->policy;
}

vow_err vault_create(const char *dir)
{
	struct vault *v = NULL;
	vow_err err = vault_open(dir, NULL, &v);
	vault_close(&v);
	return err;
}

vow_err vault_setting_get(struct vault *v, const char *name, const char *fallback, char *out,
                          size_t cap)
{
	char key[80];
	snprintf(key, sizeof(key), "setting.%s", name);
	vow_err err = v->ops->meta_get(v->keys, key, out, cap);
	if (err == VOW_ERR_NOT_FOUND) {
		snprintf(out, cap, "%s", fallback);
		err = VOW_OK;
	}
	return err;
}

vow_err vault_setting_set(struct vault *v, const char *name, const char *value)
{
	char key[80];
	if (strlen(name) > 60 || strlen(value) > 1000)
		return VOW_ERR_INVALID;
	snprintf(key, sizeof(key), "setting.%s", name);
	return v->ops->meta_set(v->keys, key, value);
}

void vault_json_wipe(json_t *doc, const char *key)
{
	const char *s = json_string_value(json_object_get(doc, key));
	if (s != NULL)
		crypto_wipe((void *)s, strlen(s));
}
