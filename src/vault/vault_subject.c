/* vault/vault_subject.c — subjects: create, read, list, close, and lookup
 * through the keyed blind index. The profile (e-mail, phone, birth date,
 * age, locale) is sealed under the subject's own key; only the region, the
 * status and the times are stored in the clear. */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "audit/audit.h"
#include "vault/vault_int.h"

vow_err vault_normalize(enum vault_lookup by, const char *value, char *out, size_t cap)
{
	size_t len = strlen(value);
	if (len == 0 || len >= VAULT_MAX_PROFILE_FIELD || cap < VAULT_MAX_PROFILE_FIELD)
		return VOW_ERR_INVALID;
	while (len > 0 && isspace((unsigned char)value[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*value))
		value++, len--;
	size_t n = 0;
	if (by == VAULT_BY_EMAIL) {
		size_t ats = 0, at = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)value[i];
			if (c <= ' ' || c == 0x7f)
				return VOW_ERR_INVALID;
			if (c == '@')
				ats++, at = i;
			out[n++] = (char)tolower(c);
		}
		if (ats != 1 || at == 0 || at == len - 1 || strchr(value + at, '.') == NULL)
			return VOW_ERR_INVALID;
	} else if (by == VAULT_BY_PHONE) {
		size_t i = 0, digits = 0;
		if (len > 0 && value[0] == '+')
			out[n++] = '+', i = 1;
		for (; i < len; i++) {
			char c = value[i];
			if (c >= '0' && c <= '9')
				out[n++] = c, digits++;
			else if (!strchr(" .-/()", c))
				return VOW_ERR_INVALID;
		}
		/* "00" opens an international number however it is grouped:
		 * "(0031) 20" is "+3120", as "0031 20" is */
		if (n >= 2 && out[0] == '0' && out[1] == '0') {
			memmove(out + 1, out + 2, n - 2);
			out[0] = '+';
			n--;
			digits -= 2;
		}
		if (digits < 6 || digits > 15)
			return VOW_ERR_INVALID;
	} else {
		return VOW_ERR_INVALID;
	}
	out[n] = '\0';
	return VOW_OK;
}

void vault_blind_hash(struct vault *v, enum vault_lookup by, const char *norm,
                      unsigned char out[32])
{
	crypto_keyed_hash(v->index_key,
	                  by == VAULT_BY_EMAIL ? "vow blind index email v1"
	                                       : "vow blind index phone v1",
	                  norm, strlen(norm), out);
}

vow_err vault_subject_row(struct vault *v, const char *id, bool active_only,
                          struct store_subject *out)
{
	if (!id_valid(id))
		return VOW_ERR_NOT_FOUND;
	vow_err err = v->ops->subject_get(v->data, id, out);
	if (err != VOW_OK)
		return err;
	if (out->status == SUBJECT_ERASED || (active_only && out->status != SUBJECT_ACTIVE)) {
		store_blob_free(&out->profile);
		return out->status == SUBJECT_ERASED
		           ? VOW_ERR_NOT_FOUND
		           : vault_refuse(v, VOW_ERR_DENIED, "account_closed", "the account is closed");
	}
	return VOW_OK;
}

static bool text_ok(const char *s)
{
	if (s == NULL)
		return true;
	size_t n = strlen(s);
	if (n == 0 || n >= VAULT_MAX_PROFILE_FIELD)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ')
			return false;
	return true;
}

vow_err vault_subject_create(struct vault *v, const struct vault_subject_new *in,
                             char id[VOW_ID_LEN + 1])
{
	char email[VAULT_MAX_PROFILE_FIELD], phone[VAULT_MAX_PROFILE_FIELD];
	if (in->email != NULL &&
	    vault_normalize(VAULT_BY_EMAIL, in->email, email, sizeof(email)) != VOW_OK)
		return VOW_ERR_INVALID;
	if (in->phone != NULL &&
	    vault_normalize(VAULT_BY_PHONE, in->phone, phone, sizeof(phone)) != VOW_OK)
		return VOW_ERR_INVALID;
	/* an ISO 3166 code, in any case ("nl" is NL) */
	char region[3] = "";
	if (in->region != NULL) {
		if (strlen(in->region) != 2)
			return vault_refuse(v, VOW_ERR_INVALID, NULL,
			                    "region: an ISO 3166-1 alpha-2 country code");
		region[0] = (char)toupper((unsigned char)in->region[0]);
		region[1] = (char)toupper((unsigned char)in->region[1]);
		if (!region_country_valid(region))
			return vault_refuse(v, VOW_ERR_INVALID, NULL,
			                    "region: an ISO 3166-1 alpha-2 country code");
	}
	if (in->birth_date != NULL && !date_parse(in->birth_date, NULL))
		return VOW_ERR_INVALID;
	if (in->age < 0 || in->age > 150 || !text_ok(in->locale))
		return VOW_ERR_INVALID;
	/* under the minimum age: refused, unless the policy's parental path
	 * is followed (a parent's consent, recorded with the subject) */
	bool minor = false;
	if (v->policy != NULL && v->policy->minimum_age > 0) {
		int64_t born = 0;
		int years = in->birth_date != NULL && date_parse(in->birth_date, &born)
		                ? vault_age_years(born, clock_now())
		                : in->age > 0 ? in->age : -1;
		minor = years >= 0 && years < (int)v->policy->minimum_age;
	}
	if (minor && !(v->policy->parental_consent && in->parental_consent))
		return vault_refuse(v, VOW_ERR_DENIED, "under_age",
		                    v->policy->parental_consent
		                        ? "under the policy's minimum age: a parent's consent is needed "
		                          "(parental_consent)"
		                        : "under the policy's minimum age");
	unsigned char he[32], hp[32];
	char other[VOW_ID_LEN + 1];
	if (in->email != NULL) {
		vault_blind_hash(v, VAULT_BY_EMAIL, email, he);
		if (v->ops->index_find(v->data, VAULT_BY_EMAIL, he, other) == VOW_OK)
			return VOW_ERR_EXISTS;
	}
	if (in->phone != NULL) {
		vault_blind_hash(v, VAULT_BY_PHONE, phone, hp);
		if (v->ops->index_find(v->data, VAULT_BY_PHONE, hp, other) == VOW_OK)
			return VOW_ERR_EXISTS;
	}
	/* the profile as JSON, sealed under the subject's new key */
	json_t *prof =
	    json_pack("{s:s?, s:s?, s:s?, s:i, s:s?}", "email", in->email != NULL ? email : NULL,
	              "phone", in->phone != NULL ? phone : NULL, "birth_date", in->birth_date,
	              "age", in->age, "locale", in->locale);
	if (prof == NULL)
		return VOW_ERR_NOMEM;
	char *text = json_dumps(prof, JSON_COMPACT);
	json_decref(prof);
	if (text == NULL)
		return VOW_ERR_NOMEM;
	size_t tlen = strlen(text);
	struct store_subject row = {.status = SUBJECT_ACTIVE, .created_at = clock_now()};
	id_new(row.id);
	memcpy(row.region, region, 3);
	const struct crypto_key *key = NULL;
	unsigned char ad[VAULT_AD_MAX];
	size_t adlen = vault_ad(ad, "vow profile v1", row.id, NULL, NULL, 0);
	row.profile.len = tlen + CRYPTO_SEAL_OVERHEAD;
	row.profile.p = malloc(row.profile.len);
	vow_err err =
	    row.profile.p == NULL ? VOW_ERR_NOMEM : vault_key_new(v, row.id, KEY_SUBJECT, &key);
	if (err == VOW_OK)
		err = crypto_seal(key, text, tlen, ad, adlen, row.profile.p);
	crypto_wipe(text, tlen);
	free(text);
	if (err == VOW_OK)
		err = v->ops->begin(v->data);
	if (err == VOW_OK) {
		err = v->ops->subject_insert(v->data, &row);
		/* no consents or flags yet: the decision state is materialised
		 * (empty) from the start, so a decision is one lookup */
		if (err == VOW_OK)
			err = v->ops->subject_set_state(v->data, row.id, "-\n");
		if (err == VOW_OK && in->email != NULL)
			err = v->ops->index_put(v->data, VAULT_BY_EMAIL, he, row.id);
		if (err == VOW_OK && in->phone != NULL)
			err = v->ops->index_put(v->data, VAULT_BY_PHONE, hp, row.id);
		if (err == VOW_OK) /* each field is kept under its category's rules */
			err = vault_profile_due(v, &row);
		if (err == VOW_OK && minor) { /* the parent's consent, with the subject */
			struct store_flag f = {
			    .kind = FLAG_PARENTAL_CONSENT, .set_at = row.created_at, .target = "*"};
			id_new(f.id);
			memcpy(f.subject, row.id, sizeof(f.subject));
			snprintf(f.reason, sizeof(f.reason), "attested at sign-up");
			err = v->ops->flag_set(v->data, &f);
			if (err == VOW_OK)
				err = vault_state_refresh(v, row.id);
		}
		if (err == VOW_OK) {
			struct audit_event ev = {.role = "service",
			                         .action = "subject.create",
			                         .subject = row.id,
			                         .result = "ok",
			                         .reason = minor ? "parental_consent" : NULL};
			err = audit_change(v, &ev);
		}
		err = vault_commit(v, err);
	}
	crypto_wipe(email, sizeof(email));
	crypto_wipe(phone, sizeof(phone));
	store_blob_free(&row.profile);
	if (err != VOW_OK) {
		(void)v->ops->key_delete(v->keys, row.id, KEY_SUBJECT);
		vault_key_evict(v, row.id);
		return err;
	}
	memcpy(id, row.id, VOW_ID_LEN + 1);
	return VOW_OK;
}

static char *dup_field(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s != NULL ? strdup(s) : NULL;
}

vow_err vault_subject_get(struct vault *v, const char *id, struct vault_subject *out)
{
	if (!id_valid(id))
		return VOW_ERR_NOT_FOUND;
	struct store_subject row = {0};
	vow_err err = v->ops->subject_get(v->data, id, &row);
	if (err != VOW_OK)
		return err;
	memset(out, 0, sizeof(*out));
	memcpy(out->id, row.id, sizeof(out->id));
	out->status = (enum vault_subject_status)row.status;
	memcpy(out->region, row.region, sizeof(out->region));
	out->created_at = row.created_at;
	out->closed_at = row.closed_at;
	out->erased_at = row.erased_at;
	if (row.status == SUBJECT_ERASED || row.profile.p == NULL) {
		store_blob_free(&row.profile);
		return VOW_OK;
	}
	json_t *prof = NULL;
	err = vault_profile_open(v, &row, &prof);
	if (err == VOW_OK) {
		out->email = dup_field(prof, "email");
		out->phone = dup_field(prof, "phone");
		out->birth_date = dup_field(prof, "birth_date");
		out->locale = dup_field(prof, "locale");
		out->age = (int)json_integer_value(json_object_get(prof, "age"));
	}
	json_decref(prof);
	store_blob_free(&row.profile);
	if (err != VOW_OK)
		vault_subject_clear(out);
	return err;
}

static void wipe_str(char **s)
{
	if (*s != NULL) {
		crypto_wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void vault_subject_clear(struct vault_subject *s)
{
	wipe_str(&s->email);
	wipe_str(&s->phone);
	wipe_str(&s->birth_date);
	wipe_str(&s->locale);
}

struct list_ctx {
	vault_subject_fn cb;
	void *ctx;
};

static vow_err list_one(void *ctx, const void *row)
{
	const struct list_ctx *l = ctx;
	const struct store_subject *r = row;
	return l->cb(l->ctx, r->id, (enum vault_subject_status)r->status, r->created_at);
}

vow_err vault_subject_list(struct vault *v, const char *after, size_t limit, vault_subject_fn cb,
                           void *ctx)
{
	struct list_ctx l = {cb, ctx};
	return v->ops->subject_list(v->data, after, limit, list_one, &l);
}

vow_err vault_subject_close(struct vault *v, const char *id)
{
	struct store_subject row = {0};
	vow_err err = vault_subject_row(v, id, false, &row);
	if (err != VOW_OK)
		return err;
	if (row.status == SUBJECT_ACTIVE) {
		row.status = SUBJECT_CLOSED;
		row.closed_at = clock_now();
		err = v->ops->begin(v->data);
		if (err == VOW_OK) {
			/* the profile follows the closure rules of its fields'
			 * categories (rows written now for subjects from before
			 * they were kept); fields of categories the policy does
			 * not declare have no rule to keep them and go now */
			err = vault_profile_due(v, &row);
			if (err == VOW_OK)
				err = vault_profile_forget_undeclared(v, &row);
			if (err == VOW_OK)
				err = v->ops->subject_update(v->data, &row);
			if (err == VOW_OK)
				err = vault_due_refresh_subject(v, id);
			if (err == VOW_OK) {
				struct audit_event ev = {.role = "service",
				                         .action = "subject.close",
				                         .subject = id,
				                         .result = "ok"};
				err = audit_change(v, &ev);
			}
			err = vault_commit(v, err);
		}
	}
	store_blob_free(&row.profile);
	return err;
}

vow_err vault_subject_find(struct vault *v, enum vault_lookup by, const char *value,
                           char id[VOW_ID_LEN + 1])
{
	char norm[VAULT_MAX_PROFILE_FIELD];
	vow_err err = vault_normalize(by, value, norm, sizeof(norm));
	if (err != VOW_OK)
		return err;
	unsigned char h[32];
	vault_blind_hash(v, by, norm, h);
	crypto_wipe(norm, sizeof(norm));
	return v->ops->index_find(v->data, (int)by, h, id);
}
