/* vault/vault_request.c — rights requests as stored: plain ids, kinds, times
 * and notes; what the person asked and was answered sealed under their key;
 * verification codes and download tokens only as keyed hashes. */
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/grow.h"
#include "vault/vault_int.h"

#define REQUEST_MAX_DETAIL (2u * 1024u * 1024u)

static size_t detail_ad(unsigned char ad[VAULT_AD_MAX], const char *subject, const char *id)
{
	return vault_ad(ad, "vow request v1", subject, id, NULL, 0);
}

static void to_public(const struct store_request *row, struct vault_request *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->id, row->id, sizeof(out->id));
	memcpy(out->subject, row->subject, sizeof(out->subject));
	memcpy(out->type, row->type, sizeof(out->type));
	memcpy(out->status, row->status, sizeof(out->status));
	memcpy(out->channel, row->channel, sizeof(out->channel));
	out->received_at = row->received_at;
	out->verified_at = row->verified_at;
	out->updated_at = row->updated_at;
	out->closed_at = row->closed_at;
	out->due_at = row->due_at;
	out->extended = row->extended;
	memcpy(out->ground, row->ground, sizeof(out->ground));
	memcpy(out->note, row->note, sizeof(out->note));
	memcpy(out->export_id, row->export_id, sizeof(out->export_id));
	out->export_expires = row->export_expires;
	out->code_expires = row->code_expires;
	out->code_attempts = row->code_attempts;
}

static void from_public(const struct vault_request *in, struct store_request *row)
{
	snprintf(row->status, sizeof(row->status), "%s", in->status);
	row->verified_at = in->verified_at;
	row->updated_at = in->updated_at;
	row->closed_at = in->closed_at;
	row->due_at = in->due_at;
	row->extended = in->extended;
	snprintf(row->ground, sizeof(row->ground), "%s", in->ground);
	snprintf(row->note, sizeof(row->note), "%s", in->note);
	snprintf(row->export_id, sizeof(row->export_id), "%s", in->export_id);
	row->export_expires = in->export_expires;
}

/* True when the subject was erased (from the store, not this handle's key
 * cache, which another handle's erasure does not reach). */
static bool erased(struct vault *v, const char *subject)
{
	int status = 0;
	char region[3];
	return v->ops->subject_state(v->data, subject, &status, region, NULL) == VOW_OK &&
	       status == SUBJECT_ERASED;
}

/* Seals detail (JSON text) for the request into row->detail. */
static vow_err seal_detail(struct vault *v, struct store_request *row, const char *detail)
{
	size_t len = strlen(detail);
	if (len > REQUEST_MAX_DETAIL)
		return VOW_ERR_TOO_LARGE;
	const struct crypto_key *key = NULL;
	struct crypto_key *instance = NULL;
	vow_err err = erased(v, row->subject) ? VOW_ERR_NOT_FOUND
	                                      : vault_key(v, row->subject, KEY_SUBJECT, &key);
	if (err == VOW_ERR_NOT_FOUND) { /* erased: the answer (no personal data) stays readable */
		err = vault_instance_key(v, KEY_INSTANCE_OUTBOX, &instance);
		key = instance;
	}
	if (err != VOW_OK)
		return err;
	store_blob_free(&row->detail);
	row->detail.len = len + CRYPTO_SEAL_OVERHEAD;
	row->detail.p = malloc(row->detail.len);
	unsigned char ad[VAULT_AD_MAX];
	err = row->detail.p == NULL
	          ? VOW_ERR_NOMEM
	          : crypto_seal(key, detail, len, ad, detail_ad(ad, row->subject, row->id),
	                        row->detail.p);
	crypto_key_free(&instance);
	return err;
}

static vow_err event(struct vault *v, const char *id, const char *status, const char *note,
                     int64_t at)
{
	struct store_request_event e = {.at = at};
	snprintf(e.request, sizeof(e.request), "%s", id);
	snprintf(e.status, sizeof(e.status), "%s", status);
	snprintf(e.note, sizeof(e.note), "%s", note != NULL ? note : "");
	return v->ops->request_event_append(v->data, &e);
}

vow_err vault_request_create(struct vault *v, struct vault_request *r, const char *detail)
{
	if (!id_valid(r->subject))
		return VOW_ERR_NOT_FOUND;
	struct store_request row = {0};
	id_new(row.id);
	snprintf(row.subject, sizeof(row.subject), "%s", r->subject);
	snprintf(row.type, sizeof(row.type), "%s", r->type);
	snprintf(row.channel, sizeof(row.channel), "%s", r->channel);
	row.received_at = r->received_at;
	from_public(r, &row);
	vow_err err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	err = seal_detail(v, &row, detail != NULL ? detail : "{}");
	if (err == VOW_OK)
		err = v->ops->request_insert(v->data, &row);
	if (err == VOW_OK)
		err = event(v, row.id, "received", NULL, row.received_at);
	if (err == VOW_OK && strcmp(row.status, "received") != 0)
		err = event(v, row.id, row.status, NULL, row.received_at);
	err = vault_commit(v, err);
	if (err == VOW_OK)
		memcpy(r->id, row.id, sizeof(r->id));
	store_blob_free(&row.detail);
	return err;
}

/* Opens row's sealed detail into a new string (NULL when the key is gone). */
static vow_err open_detail(struct vault *v, const struct store_request *row, char **out)
{
	*out = NULL;
	if (row->detail.p == NULL || row->detail.len < CRYPTO_SEAL_OVERHEAD)
		return VOW_OK;
	const struct crypto_key *key = NULL;
	struct crypto_key *instance = NULL;
	vow_err err = erased(v, row->subject) ? VOW_ERR_NOT_FOUND
	                                      : vault_key(v, row->subject, KEY_SUBJECT, &key);
	if (err == VOW_ERR_NOT_FOUND) { /* erased: only an answer sealed since is readable */
		err = vault_instance_key(v, KEY_INSTANCE_OUTBOX, &instance);
		key = instance;
	}
	if (err != VOW_OK)
		return err;
	size_t len = row->detail.len - CRYPTO_SEAL_OVERHEAD;
	char *p = malloc(len + 1);
	unsigned char ad[VAULT_AD_MAX];
	err = p == NULL ? VOW_ERR_NOMEM
	                : crypto_open(key, row->detail.p, row->detail.len, ad,
	                              detail_ad(ad, row->subject, row->id), (unsigned char *)p);
	bool erased = instance != NULL;
	crypto_key_free(&instance);
	if (err != VOW_OK) {
		free(p);
		/* sealed before the erasure, under the key now gone: unreadable */
		return erased && err == VOW_ERR_INTEGRITY ? VOW_OK : err;
	}
	p[len] = '\0';
	*out = p;
	return VOW_OK;
}

vow_err vault_request_get(struct vault *v, const char *id, struct vault_request *out, char **detail)
{
	if (!id_valid(id))
		return VOW_ERR_NOT_FOUND;
	struct store_request row = {0};
	vow_err err = v->ops->request_get(v->data, id, &row);
	if (err == VOW_OK && detail != NULL)
		err = open_detail(v, &row, detail);
	if (err == VOW_OK)
		to_public(&row, out);
	store_blob_free(&row.detail);
	return err;
}

/* Loads the row of r, applies f, writes it back (inside one savepoint). */
static vow_err modify(struct vault *v, const char *id,
                      vow_err (*f)(struct vault *v, struct store_request *row, const void *arg),
                      const void *arg)
{
	struct store_request row = {0};
	vow_err err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	err = v->ops->request_get(v->data, id, &row);
	if (err == VOW_OK)
		err = f(v, &row, arg);
	if (err == VOW_OK)
		err = v->ops->request_update(v->data, &row);
	err = vault_commit(v, err);
	store_blob_free(&row.detail);
	return err;
}

struct save_arg {
	const struct vault_request *r;
	const char *detail, *note;
};

static vow_err save_f(struct vault *v, struct store_request *row, const void *arg)
{
	const struct save_arg *a = arg;
	bool moved = strcmp(row->status, a->r->status) != 0;
	from_public(a->r, row);
	vow_err err = a->detail != NULL ? seal_detail(v, row, a->detail) : VOW_OK;
	if (err == VOW_OK && (moved || a->note != NULL))
		err = event(v, row->id, row->status, a->note, row->updated_at);
	return err;
}

vow_err vault_request_save(struct vault *v, const struct vault_request *r, const char *detail,
                           const char *note)
{
	struct save_arg a = {r, detail, note};
	return modify(v, r->id, save_f, &a);
}

/* ---- verification codes and download tokens: keyed hashes only ---- */

static void secret_hash(struct vault *v, const char *label, const char *id, const char *secret,
                        unsigned char out[32])
{
	char msg[200];
	int n = snprintf(msg, sizeof(msg), "%s|%s", id, secret);
	crypto_keyed_hash(v->index_key, label, msg, n > 0 ? (size_t)n : 0, out);
	crypto_wipe(msg, sizeof(msg));
}

struct code_arg {
	const char *code;
	int64_t expires;
	struct vault_code_check *check;
	vow_err verdict;
};

static vow_err code_set_f(struct vault *v, struct store_request *row, const void *arg)
{
	const struct code_arg *a = arg;
	secret_hash(v, "vow request code v1", row->id, a->code, row->code_hash);
	row->code_expires = a->expires;
	row->code_attempts = 0;
	return VOW_OK;
}

vow_err vault_request_code_set(struct vault *v, const char *id, const char *code, int64_t expires)
{
	struct code_arg a = {code, expires, NULL, VOW_OK};
	return modify(v, id, code_set_f, &a);
}

/* When the subject's lockout ends (into *until; 0: not locked at now). */
static vow_err locked_until(struct vault *v, const char *subject, const struct vault_code_check *c,
                            int64_t now, int64_t *until)
{
	int64_t at = 0;
	vow_err err =
	    v->ops->code_failure_nth(v->data, subject, now - c->window, c->per_subject, &at);
	*until = err == VOW_OK ? at + c->window : 0;
	return err == VOW_ERR_NOT_FOUND ? VOW_OK : err;
}

static vow_err code_check_f(struct vault *v, struct store_request *row, const void *arg)
{
	struct code_arg *a = (struct code_arg *)arg;
	struct vault_code_check *c = a->check;
	int64_t now = clock_now();
	vow_err err = locked_until(v, row->subject, c, now, &c->locked_until);
	if (err != VOW_OK || c->locked_until != 0) {
		a->verdict = VOW_ERR_LOCKED; /* the code is not even looked at */
		return err;
	}
	unsigned char want[32], zero[32] = {0};
	if (crypto_equal(row->code_hash, zero, 32) || row->code_expires < now ||
	    row->code_attempts >= c->max_attempts) {
		a->verdict = VOW_ERR_INVALID; /* none, expired or used up: ask for a new one */
		return VOW_OK;
	}
	secret_hash(v, "vow request code v1", row->id, a->code, want);
	if (crypto_equal(want, row->code_hash, 32)) {
		memset(row->code_hash, 0, sizeof(row->code_hash)); /* once */
		a->verdict = VOW_OK;
		return VOW_OK;
	}
	row->code_attempts++;
	a->verdict = VOW_ERR_DENIED;
	err = v->ops->code_failure_add(v->data, row->subject, now, now - c->window);
	if (err == VOW_OK)
		err = locked_until(v, row->subject, c, now, &c->locked_until);
	c->lockout_started = c->locked_until != 0;
	return err;
}

vow_err vault_request_code_check(struct vault *v, const char *id, const char *code,
                                 struct vault_code_check *c)
{
	if (c->per_subject == 0 || c->window <= 0)
		return VOW_ERR_INVALID;
	c->locked_until = 0;
	c->lockout_started = false;
	struct code_arg a = {code, 0, c, VOW_OK};
	vow_err err = modify(v, id, code_check_f, &a);
	return err != VOW_OK ? err : a.verdict;
}

static vow_err token_set_f(struct vault *v, struct store_request *row, const void *arg)
{
	const struct code_arg *a = arg;
	secret_hash(v, "vow export token v1", "", a->code, row->export_token);
	row->export_expires = a->expires;
	return VOW_OK;
}

vow_err vault_request_export_token(struct vault *v, const char *id, const char *token,
                                   int64_t expires)
{
	struct code_arg a = {token, expires, NULL, VOW_OK};
	return modify(v, id, token_set_f, &a);
}

vow_err vault_request_by_export(struct vault *v, const char *token, struct vault_request *out)
{
	unsigned char h[32];
	secret_hash(v, "vow export token v1", "", token, h);
	struct store_request row = {0};
	vow_err err = v->ops->request_by_export(v->data, h, &row);
	if (err == VOW_OK)
		to_public(&row, out);
	store_blob_free(&row.detail);
	return err;
}

/* ---- listings ---- */

struct list_ctx {
	vault_request_fn cb;
	void *ctx;
};

static vow_err list_cb(void *ctx, const void *row)
{
	const struct list_ctx *l = ctx;
	struct vault_request r;
	to_public(row, &r);
	return l->cb(l->ctx, &r);
}

vow_err vault_request_list(struct vault *v, const char *subject, bool open_only,
                           vault_request_fn cb, void *ctx)
{
	struct list_ctx l = {cb, ctx};
	return v->ops->request_list(v->data, subject, open_only, list_cb, &l);
}

struct events_ctx {
	vault_request_event_fn cb;
	void *ctx;
};

static vow_err events_cb(void *ctx, const void *row)
{
	const struct events_ctx *l = ctx;
	const struct store_request_event *e = row;
	return l->cb(l->ctx, e->status, e->at, e->note);
}

vow_err vault_request_events(struct vault *v, const char *id, vault_request_event_fn cb, void *ctx)
{
	struct events_ctx l = {cb, ctx};
	return v->ops->request_events(v->data, id, events_cb, &l);
}
