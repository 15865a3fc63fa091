/* vault/vault_outbox.c — the outbox: messages (e-mails and webhooks) are
 * queued in the data store in the same transaction as the change that
 * causes them, their payload (address or URL and the message) sealed under
 * the instance's outbox key. A sender takes the due ones, delivers them,
 * and marks each sent (its payload dropped), retried later with backoff, or
 * dead after too many attempts. A sender claims each message with a lease
 * before sending it, so concurrent senders never both send it: delivery is
 * at most once except after a sender's crash mid-send (then at least once);
 * the message's idempotency key travels with it so that a receiver keeps
 * exactly one. E-mails to one person are capped per hour: the surplus waits
 * its turn. */
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/grow.h"
#include "vault/vault_int.h"

#define OUTBOX_MAX_PAYLOAD (256u * 1024u)

static size_t payload_ad(unsigned char ad[VAULT_AD_MAX], const char *id)
{
	return vault_ad(ad, "vow outbox v1", id, NULL, NULL, 0);
}

vow_err vault_outbox_add(struct vault *v, const struct vault_message *m, bool *queued)
{
	if (m->idem == NULL || m->idem[0] == '\0' || strlen(m->idem) >= 97 || m->to == NULL ||
	    m->body == NULL || m->template_name == NULL || strlen(m->template_name) >= 32 ||
	    (m->subject != NULL && m->subject[0] != '\0' && !id_valid(m->subject)))
		return VOW_ERR_INVALID;
	json_t *doc = json_pack("{s:s, s:s}", "to", m->to, "body", m->body);
	char *plain = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	vault_json_wipe(doc, "to");
	vault_json_wipe(doc, "body");
	json_decref(doc);
	if (plain == NULL)
		return VOW_ERR_NOMEM;
	size_t len = strlen(plain);
	struct store_message row = {.kind =
	                                m->kind == VAULT_WEBHOOK ? MESSAGE_WEBHOOK : MESSAGE_EMAIL,
	                            .status = MESSAGE_PENDING};
	vow_err err = len > OUTBOX_MAX_PAYLOAD ? VOW_ERR_TOO_LARGE : VOW_OK;
	struct crypto_key *key = NULL;
	if (err == VOW_OK)
		err = vault_instance_key(v, KEY_INSTANCE_OUTBOX, &key);
	if (err == VOW_OK) {
		id_new(row.id);
		snprintf(row.idem, sizeof(row.idem), "%s", m->idem);
		snprintf(row.subject, sizeof(row.subject), "%s",
		         m->subject != NULL ? m->subject : "");
		snprintf(row.template_name, sizeof(row.template_name), "%s", m->template_name);
		row.created_at = row.next_at = clock_real_now();
		if (m->held)
			row.next_at = INT64_MAX;
		row.payload.len = len + CRYPTO_SEAL_OVERHEAD;
		row.payload.p = malloc(row.payload.len);
		err = row.payload.p == NULL ? VOW_ERR_NOMEM : VOW_OK;
	}
	unsigned char ad[VAULT_AD_MAX];
	if (err == VOW_OK)
		err = crypto_seal(key, plain, len, ad, payload_ad(ad, row.id), row.payload.p);
	crypto_key_free(&key);
	crypto_wipe(plain, len);
	free(plain);
	bool added = false;
	if (err == VOW_OK) {
		err = v->ops->message_insert(v->data, &row);
		added = err == VOW_OK;
		if (err == VOW_ERR_EXISTS) /* this idempotency key is queued already */
			err = VOW_OK;
	}
	store_blob_free(&row.payload);
	if (err == VOW_OK && queued != NULL)
		*queued = added;
	return err;
}

/* ---- delivery ---- */

struct rows {
	struct store_message *v;
	size_t n, cap;
};

static vow_err collect(void *ctx, const void *row)
{
	struct rows *l = ctx;
	if (grow(&l->v, l->n, &l->cap, sizeof(*l->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	struct store_message *m = &l->v[l->n++];
	*m = *(const struct store_message *)row;
	m->payload.p = NULL; /* the walk frees its copy: take our own below */
	const struct store_blob *b = &((const struct store_message *)row)->payload;
	if (b->p != NULL) {
		m->payload.p = malloc(b->len ? b->len : 1);
		if (m->payload.p == NULL)
			return VOW_ERR_NOMEM;
		memcpy(m->payload.p, b->p, b->len);
	}
	return VOW_OK;
}

/* Opens a row's payload into out (to and body borrowed from *doc). */
static vow_err open_payload(const struct crypto_key *key, const struct store_message *m,
                            json_t **doc)
{
	if (m->payload.p == NULL || m->payload.len < CRYPTO_SEAL_OVERHEAD)
		return VOW_ERR_INTEGRITY;
	size_t len = m->payload.len - CRYPTO_SEAL_OVERHEAD;
	char *plain = malloc(len + 1);
	if (plain == NULL)
		return VOW_ERR_NOMEM;
	unsigned char ad[VAULT_AD_MAX];
	vow_err err = crypto_open(key, m->payload.p, m->payload.len, ad, payload_ad(ad, m->id),
	                          (void *)plain);
	if (err == VOW_OK) {
		*doc = json_loadb(plain, len, 0, NULL);
		err = *doc != NULL && json_is_string(json_object_get(*doc, "to")) &&
		              json_is_string(json_object_get(*doc, "body"))
		          ? VOW_OK
		          : VOW_ERR_INTEGRITY;
		if (err != VOW_OK) {
			json_decref(*doc);
			*doc = NULL;
		}
	}
	crypto_wipe(plain, len);
	free(plain);
	return err;
}

/* Seconds before the attempt after `attempts` failed ones: 30 s doubling,
 * at most an hour. */
static int64_t backoff(int attempts)
{
	int64_t d = 30;
	for (int i = 1; i < attempts && d < 3600; i++)
		d *= 2;
	return d < 3600 ? d : 3600;
}

enum claim { CLAIMED, SKIPPED };

/* In one short transaction: holds m back with the rest of its person's due
 * e-mails when the hourly cap is reached, else claims it under token.
 * *c says whether this sender may now send it. */
static vow_err claim(struct vault *v, const struct store_message *m, int64_t now,
                     const struct vault_deliver_opts *o, const char *token, enum claim *c,
                     struct vault_outbox_stats *stats)
{
	int64_t real = clock_real_now();
	*c = SKIPPED;
	vow_err err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	if (o->per_hour > 0 && m->kind == MESSAGE_EMAIL && m->subject[0] != '\0') {
		size_t sent = 0, in_flight = 0;
		int64_t oldest = 0;
		err = v->ops->message_recent(v->data, m->subject, now - 3600, real, &sent, &oldest,
		                             &in_flight);
		if (err == VOW_OK && sent + in_flight >= o->per_hour) {
			/* a slot frees when the oldest of that hour's e-mails leaves
			 * it; with only e-mails in flight, look again in a minute */
			int64_t until =
			    sent >= o->per_hour && oldest > 0 ? oldest + 3600 : now + 60;
			if (until <= now)
				until = now + 1;
			size_t n = 0;
			err = v->ops->message_hold(
			    v->data, m->subject, now, real, until,
			    "held back: the hourly cap of e-mails to one person", &n);
			if (err == VOW_OK && stats != NULL)
				stats->held += n;
			return vault_commit(v, err);
		}
	}
	if (err == VOW_OK) {
		err = v->ops->message_claim(v->data, m->id, token, now, real, real + o->lease);
		if (err == VOW_OK)
			*c = CLAIMED;
		else if (err == VOW_ERR_NOT_FOUND) /* another sender has it, or it moved */
			err = VOW_OK;
	}
	return vault_commit(v, err);
}

/* Hands a claimed message to send and works out its outcome into m. */
static void deliver_one(const struct crypto_key *key, struct store_message *m, int64_t now,
                        const struct vault_deliver_opts *o, vault_send_fn send, void *ctx,
                        struct vault_outbox_stats *stats)
{
	json_t *doc = NULL;
	char why[160] = "";
	vow_err sent = open_payload(key, m, &doc);
	if (sent == VOW_OK) {
		struct vault_outbox_item it = {
		    .id = m->id,
		    .idem = m->idem,
		    .subject = m->subject,
		    .template_name = m->template_name,
		    .kind = m->kind == MESSAGE_WEBHOOK ? VAULT_WEBHOOK : VAULT_EMAIL,
		    .attempt = m->attempts + 1,
		    .created_at = m->created_at,
		    .to = json_string_value(json_object_get(doc, "to")),
		    .body = json_string_value(json_object_get(doc, "body")),
		};
		sent = send(ctx, &it, why, sizeof(why));
		vault_json_wipe(doc, "to");
		vault_json_wipe(doc, "body");
		json_decref(doc);
	} else {
		snprintf(why, sizeof(why), "payload cannot be opened: %s", vow_err_code(sent));
		m->attempts = o->max_attempts - 1; /* nothing to retry with */
	}
	m->attempts++;
	if (sent == VOW_OK) {
		m->status = MESSAGE_SENT;
		m->sent_at = now;
		m->last_error[0] = '\0';
		if (stats != NULL)
			stats->sent++;
	} else {
		snprintf(m->last_error, sizeof(m->last_error), "%s",
		         why[0] != '\0' ? why : vow_err_code(sent));
		if (m->attempts >= o->max_attempts) {
			m->status = MESSAGE_DEAD;
			if (stats != NULL)
				stats->dead++;
		} else {
			m->next_at = now + backoff(m->attempts);
			if (stats != NULL)
				stats->retried++;
		}
	}
}

vow_err vault_outbox_deliver(struct vault *v, int64_t now, const struct vault_deliver_opts *o,
                             vault_send_fn send, void *ctx, struct vault_outbox_stats *stats)
{
	if (o == NULL || o->max_attempts < 1 || o->lease < 1 || send == NULL)
		return VOW_ERR_INVALID;
	struct rows l = {0};
	vow_err err = v->ops->message_due(v->data, now, clock_real_now(), o->limit, collect, &l);
	struct crypto_key *key = NULL;
	if (err == VOW_OK && l.n > 0)
		err = vault_instance_key(v, KEY_INSTANCE_OUTBOX, &key);
	for (size_t i = 0; err == VOW_OK && i < l.n; i++) {
		struct store_message *m = &l.v[i];
		unsigned char tb[16];
		char token[33];
		crypto_random(tb, sizeof(tb));
		hex_encode(tb, sizeof(tb), token);
		enum claim c = SKIPPED;
		err = claim(v, m, now, o, token, &c, stats);
		if (err != VOW_OK || c != CLAIMED)
			continue;
		deliver_one(key, m, now, o, send, ctx, stats);
		err = v->ops->begin(v->data);
		if (err == VOW_OK) {
			err = v->ops->message_finish(v->data, m, token);
			if (err ==
			    VOW_ERR_NOT_FOUND) /* the lease ran out, or the person was erased */
				err = VOW_OK;
			err = vault_commit(v, err);
		}
	}
	crypto_key_free(&key);
	for (size_t i = 0; i < l.n; i++)
		store_blob_free(&l.v[i].payload);
	free(l.v);
	return err;
}

/* ---- listing ---- */

struct list_ctx {
	vault_message_fn cb;
	void *ctx;
};

static vow_err list_cb(void *ctx, const void *row)
{
	const struct list_ctx *lc = ctx;
	const struct store_message *m = row;
	struct vault_message_info info = {
	    .kind = m->kind == MESSAGE_WEBHOOK ? VAULT_WEBHOOK : VAULT_EMAIL,
	    .status = m->status == MESSAGE_SENT   ? "sent"
	              : m->status == MESSAGE_DEAD ? "dead"
	                                          : "pending",
	    .attempts = m->attempts,
	    .created_at = m->created_at,
	    .next_at = m->next_at,
	    .sent_at = m->sent_at,
	};
	memcpy(info.id, m->id, sizeof(info.id));
	memcpy(info.idem, m->idem, sizeof(info.idem));
	memcpy(info.subject, m->subject, sizeof(info.subject));
	memcpy(info.template_name, m->template_name, sizeof(info.template_name));
	memcpy(info.last_error, m->last_error, sizeof(info.last_error));
	return lc->cb(lc->ctx, &info);
}

vow_err vault_outbox_list(struct vault *v, const char *subject, vault_message_fn cb, void *ctx)
{
	struct list_ctx lc = {cb, ctx};
	return v->ops->message_list(v->data, subject, list_cb, &lc);
}

/* ---- erasure ---- */

static vow_err drop_cb(void *ctx, const void *row)
{
	struct rows *l = ctx;
	const struct store_message *m = row;
	/* kept: what was sent, the answer to the person's own request, and an
	 * agent's status callback (request ids and states: no personal data) */
	if (m->status == MESSAGE_SENT ||
	    (m->status == MESSAGE_PENDING && (strcmp(m->template_name, "request.completed") == 0 ||
	                                      strcmp(m->template_name, "drp.status") == 0)))
		return VOW_OK;
	return collect(l, row);
}

vow_err vault_outbox_forget(struct vault *v, const char *subject, size_t *dropped)
{
	struct rows l = {0};
	vow_err err = v->ops->message_list(v->data, subject, drop_cb, &l);
	for (size_t i = 0; err == VOW_OK && i < l.n; i++) {
		struct store_message *m = &l.v[i];
		store_blob_free(&m->payload);
		if (m->status == MESSAGE_PENDING) {
			m->status = MESSAGE_DEAD;
			snprintf(m->last_error, sizeof(m->last_error), "the person was erased");
		}
		err = v->ops->message_update(v->data, m);
	}
	for (size_t i = 0; i < l.n; i++)
		store_blob_free(&l.v[i].payload);
	if (err == VOW_OK && dropped != NULL)
		*dropped = l.n;
	free(l.v);
	return err;
}

/* ---- held messages ---- */

struct release_ctx {
	const char *idem;
	char id[VOW_ID_LEN + 1];
};

static vow_err release_cb(void *ctx, const void *row)
{
	struct release_ctx *c = ctx;
	const struct store_message *m = row;
	if (c->id[0] == '\0' && m->status == MESSAGE_PENDING && strcmp(m->idem, c->idem) == 0)
		memcpy(c->id, m->id, sizeof(c->id));
	return VOW_OK;
}

vow_err vault_outbox_release(struct vault *v, const char *subject, const char *idem)
{
	struct release_ctx c = {.idem = idem};
	vow_err err = v->ops->message_list(v->data, subject, release_cb, &c);
	if (err == VOW_OK && c.id[0] == '\0')
		err = VOW_ERR_NOT_FOUND;
	struct store_message m = {0};
	if (err == VOW_OK)
		err = v->ops->message_get(v->data, c.id, &m);
	if (err == VOW_OK) {
		m.next_at = clock_real_now();
		err = v->ops->message_update(v->data, &m);
	}
	store_blob_free(&m.payload);
	return err;
}

/* The status of the message queued under idem for subject: "pending",
 * "sent", "dead", or NULL if none. */
struct status_ctx {
	const char *idem;
	int status;
};

static vow_err status_cb(void *ctx, const void *row)
{
	struct status_ctx *c = ctx;
	const struct store_message *m = row;
	if (strcmp(m->idem, c->idem) == 0)
		c->status = m->status;
	return VOW_OK;
}

vow_err vault_outbox_status(struct vault *v, const char *subject, const char *idem,
                            const char **status)
{
	struct status_ctx c = {idem, -1};
	vow_err err = v->ops->message_list(v->data, subject, status_cb, &c);
	if (err == VOW_OK)
		*status = c.status == MESSAGE_SENT      ? "sent"
		          : c.status == MESSAGE_DEAD    ? "dead"
		          : c.status == MESSAGE_PENDING ? "pending"
		                                        : NULL;
	return err;
}

/* ---- dead letters ---- */

vow_err vault_outbox_retry(struct vault *v, const char *id)
{
	if (!id_valid(id))
		return VOW_ERR_NOT_FOUND;
	struct store_message m = {0};
	vow_err err = v->ops->message_get(v->data, id, &m);
	if (err == VOW_OK && (m.status != MESSAGE_DEAD || m.payload.p == NULL))
		err = VOW_ERR_INVALID; /* only a dead message that still has its content */
	if (err == VOW_OK) {
		m.status = MESSAGE_PENDING;
		m.attempts = 0;
		m.next_at = clock_real_now();
		err = v->ops->begin(v->data);
		if (err == VOW_OK)
			err = vault_commit(v, v->ops->message_update(v->data, &m));
	}
	store_blob_free(&m.payload);
	return err;
}
