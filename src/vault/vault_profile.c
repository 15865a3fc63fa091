/* vault/vault_profile.c — a subject's profile (e-mail, phone, birth date,
 * age, locale): sealed under the subject's key, each field kept and deleted
 * under the retention rules of its category like any record. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "vault/vault_int.h"

/* Each profile field, the category it is data of, and its blind index. */
static const struct {
	const char *field, *category;
	int index; /* enum vault_lookup, 0: none */
} fields[] = {
    {"email", "user.contact.email", VAULT_BY_EMAIL},
    {"phone", "user.contact.phone_number", VAULT_BY_PHONE},
    {"birth_date", "user.demographic.date_of_birth", 0},
    {"age", "user.demographic.age_range", 0},
    {"locale", "user.demographic.language", 0},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static size_t profile_ad(unsigned char ad[VAULT_AD_MAX], const char *id)
{
	return vault_ad(ad, "vow profile v1", id, NULL, NULL, 0);
}

/* True when the profile holds field i. */
static bool held(json_t *prof, size_t i)
{
	json_t *f = json_object_get(prof, fields[i].field);
	return json_is_string(f) || (json_is_integer(f) && json_integer_value(f) > 0);
}

vow_err vault_profile_open(struct vault *v, const struct store_subject *row, json_t **out)
{
	const struct crypto_key *key = NULL;
	vow_err err = vault_key(v, row->id, KEY_SUBJECT, &key);
	if (err == VOW_ERR_NOT_FOUND)
		return VOW_ERR_KEY; /* the row outlived its key: an old copy of an erased subject */
	if (err != VOW_OK)
		return err;
	if (row->profile.len < CRYPTO_SEAL_OVERHEAD)
		return VOW_ERR_INTEGRITY;
	size_t plen = row->profile.len - CRYPTO_SEAL_OVERHEAD;
	char *plain = malloc(plen + 1);
	if (plain == NULL)
		return VOW_ERR_NOMEM;
	unsigned char ad[VAULT_AD_MAX];
	err = crypto_open(key, row->profile.p, row->profile.len, ad, profile_ad(ad, row->id),
	                  (unsigned char *)plain);
	json_t *prof = NULL;
	if (err == VOW_OK) {
		plain[plen] = '\0';
		prof = json_loadb(plain, plen, 0, NULL);
		err = json_is_object(prof) ? VOW_OK : VOW_ERR_INTEGRITY;
	}
	crypto_wipe(plain, plen + 1);
	free(plain);
	if (err != VOW_OK) {
		json_decref(prof);
		return err;
	}
	*out = prof;
	return VOW_OK;
}

vow_err vault_profile_seal(struct vault *v, const char *id, json_t *prof, struct store_blob *out)
{
	const struct crypto_key *key = NULL;
	vow_err err = vault_key(v, id, KEY_SUBJECT, &key);
	if (err == VOW_ERR_NOT_FOUND)
		return VOW_ERR_KEY;
	if (err != VOW_OK)
		return err;
	char *text = json_dumps(prof, JSON_COMPACT);
	if (text == NULL)
		return VOW_ERR_NOMEM;
	size_t tlen = strlen(text);
	struct store_blob b = {malloc(tlen + CRYPTO_SEAL_OVERHEAD), tlen + CRYPTO_SEAL_OVERHEAD};
	unsigned char ad[VAULT_AD_MAX];
	err = b.p == NULL ? VOW_ERR_NOMEM
	                  : crypto_seal(key, text, tlen, ad, profile_ad(ad, id), b.p);
	crypto_wipe(text, tlen);
	free(text);
	if (err != VOW_OK) {
		free(b.p);
		return err;
	}
	*out = b;
	return VOW_OK;
}

vow_err vault_profile_due(struct vault *v, const struct store_subject *row)
{
	if (v->policy == NULL || row->profile.p == NULL)
		return VOW_OK;
	json_t *prof = NULL;
	vow_err err = vault_profile_open(v, row, &prof);
	for (size_t i = 0; err == VOW_OK && i < N_FIELDS; i++) {
		if (!held(prof, i) || policy_category_find(v->policy, fields[i].category) == POLICY_NONE)
			continue;
		struct store_due d = {0};
		err = v->ops->due_get(v->data, row->id, fields[i].category, VAULT_DUE_PROFILE, &d);
		if (err == VOW_ERR_NOT_FOUND) /* first written with the subject */
			err = vault_due_item(v, row->id, fields[i].category, VAULT_DUE_PROFILE, NULL,
			                     row->created_at, true);
	}
	json_decref(prof);
	return err;
}

/* Removes field i from prof, wiping its value first. */
static void drop_field(json_t *prof, size_t i)
{
	json_t *f = json_object_get(prof, fields[i].field);
	if (json_is_string(f))
		crypto_wipe((void *)json_string_value(f), json_string_length(f));
	(void)json_object_del(prof, fields[i].field);
}

/* Removes the fields of prof that match (category: those of that
 * category; NULL: those whose category the policy does not declare),
 * reseals the profile into row and deletes the blind-index entries of the
 * removed fields. *removed counts them. Inside the caller's transaction. */
static vow_err forget(struct vault *v, struct store_subject *row, json_t *prof,
                      const char *category, size_t *removed)
{
	*removed = 0;
	vow_err err = VOW_OK;
	for (size_t i = 0; err == VOW_OK && i < N_FIELDS; i++) {
		bool match = category != NULL
		                 ? strcmp(category, fields[i].category) == 0
		                 : v->policy == NULL ||
		                       policy_category_find(v->policy, fields[i].category) == POLICY_NONE;
		if (!match || !held(prof, i))
			continue;
		drop_field(prof, i);
		(*removed)++;
		if (fields[i].index != 0)
			err = v->ops->index_delete_kind(v->data, row->id, fields[i].index);
	}
	if (err != VOW_OK || *removed == 0)
		return err;
	struct store_blob sealed = {0};
	err = vault_profile_seal(v, row->id, prof, &sealed);
	if (err == VOW_OK) {
		store_blob_free(&row->profile);
		row->profile = sealed;
		err = v->ops->subject_update(v->data, row);
	}
	vault_age_evict(v, row->id);
	return err;
}

vow_err vault_profile_forget(struct vault *v, const char *subject, const char *category)
{
	struct store_subject row = {0};
	vow_err err = v->ops->subject_get(v->data, subject, &row);
	json_t *prof = NULL;
	if (err == VOW_OK && row.profile.p != NULL)
		err = vault_profile_open(v, &row, &prof);
	size_t removed = 0;
	if (err == VOW_OK && prof != NULL)
		err = forget(v, &row, prof, category, &removed);
	json_decref(prof);
	store_blob_free(&row.profile);
	return err;
}

vow_err vault_profile_forget_undeclared(struct vault *v, struct store_subject *row)
{
	if (row->profile.p == NULL)
		return VOW_OK;
	json_t *prof = NULL;
	vow_err err = vault_profile_open(v, row, &prof);
	size_t removed = 0;
	if (err == VOW_OK)
		err = forget(v, row, prof, NULL, &removed);
	json_decref(prof);
	return err;
}

vow_err vault_profile_due_forget(struct vault *v, const char *subject)
{
	vow_err err = VOW_OK;
	for (size_t i = 0; err == VOW_OK && i < N_FIELDS; i++) {
		err = vault_due_forget(v, subject, fields[i].category, VAULT_DUE_PROFILE);
		if (err == VOW_ERR_NOT_FOUND)
			err = VOW_OK;
	}
	return err;
}
