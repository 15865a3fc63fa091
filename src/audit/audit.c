/* audit/audit.c — buffer, hash chain, checkpoints, verification. */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "util/clock.h"
#include "vault/vault_int.h"
#include "util/grow.h"

struct audit_buffer {
	struct store_audit rows[AUDIT_BATCH];
	size_t n;
	int64_t first_at;
	bool disabled;
	audit_sink_fn sink;
	void *sink_ctx;
};

struct audit_batch {
	size_t n;
	struct store_audit rows[];
};

/* The subject's pseudonym: keyed with its own data key (or hold key after
 * erasure keeps something), so that destroying the key unlinks the log. */
static void pseudonym(struct vault *v, const char *subject, char out[65])
{
	out[0] = '\0';
	if (subject == NULL || !id_valid(subject))
		return;
	const struct crypto_key *k = NULL;
	if (vault_key(v, subject, KEY_SUBJECT, &k) != VOW_OK &&
	    vault_key(v, subject, KEY_HOLD, &k) != VOW_OK)
		return;
	unsigned char h[32];
	crypto_keyed_hash(k, "vow audit pseudonym v1", subject, strlen(subject), h);
	hex_encode(h, 32, out);
}

/* BLAKE2b-256 over the previous hash and every field, each length-prefixed. */
static void entry_hash(const struct store_audit *r, unsigned char out[32])
{
	unsigned char buf[2048];
	size_t n = 0;
	memcpy(buf, r->prev, 32);
	n = 32;
	for (int i = 0; i < 8; i++)
		buf[n++] = (unsigned char)((uint64_t)r->seq >> (8 * i));
	for (int i = 0; i < 8; i++)
		buf[n++] = (unsigned char)((uint64_t)r->at >> (8 * i));
	const char *fields[] = {r->actor,   r->action, r->subject, r->category,
	                        r->purpose, r->result, r->reason};
	for (size_t f = 0; f < 7; f++) {
		size_t l = strlen(fields[f]);
		buf[n++] = (unsigned char)(l & 0xff);
		buf[n++] = (unsigned char)(l >> 8);
		memcpy(buf + n, fields[f], l);
		n += l;
	}
	crypto_digest("vow audit entry v1", buf, n, out);
}

static void checkpoint_message(int64_t seq, int64_t at, const unsigned char head[32],
                               unsigned char out[64])
{
	memcpy(out, "vow audit checkpoint v1\0", 24);
	for (int i = 0; i < 8; i++) {
		out[24 + i] = (unsigned char)((uint64_t)seq >> (8 * i));
		out[32 + i] = (unsigned char)((uint64_t)at >> (8 * i));
	}
	memcpy(out + 40, head, 24); /* the signature covers the full head below */
}

static vow_err sign_checkpoint(struct vault *v, struct store_checkpoint *c)
{
	struct crypto_key *k = NULL;
	vow_err err = vault_signing_key(v, &k);
	unsigned char msg[64 + 32];
	checkpoint_message(c->seq, c->at, c->head, msg);
	memcpy(msg + 64, c->head, 32);
	if (err == VOW_OK)
		err = crypto_signature_make(k, msg, sizeof(msg), c->signature);
	crypto_key_free(&k);
	return err;
}

static struct audit_buffer *buffer(struct vault *v)
{
	if (v->audit == NULL)
		v->audit = calloc(1, sizeof(*v->audit));
	return v->audit;
}

void audit_disable(struct vault *v)
{
	struct audit_buffer *b = buffer(v);
	if (b != NULL)
		b->disabled = true;
}

vow_err audit_record(struct vault *v, const struct audit_event *e)
{
	struct audit_buffer *b = buffer(v);
	if (b == NULL)
		return VOW_ERR_NOMEM;
	if (b->disabled)
		return VOW_OK;
	if (b->n == AUDIT_BATCH) {
		vow_err err = audit_flush(v, false);
		if (err != VOW_OK)
			return err;
	}
	struct store_audit *r = &b->rows[b->n];
	memset(r, 0, sizeof(*r));
	r->at = clock_now();
	if (e->actor != NULL && e->actor[0] != '\0')
		snprintf(r->actor, sizeof(r->actor), "%.64s/%.62s", e->role != NULL ? e->role : "",
		         e->actor);
	else
		snprintf(r->actor, sizeof(r->actor), "%s", e->role != NULL ? e->role : "");
	snprintf(r->action, sizeof(r->action), "%s", e->action != NULL ? e->action : "");
	pseudonym(v, e->subject, r->subject);
	snprintf(r->category, sizeof(r->category), "%s", e->category != NULL ? e->category : "");
	snprintf(r->purpose, sizeof(r->purpose), "%s", e->purpose != NULL ? e->purpose : "");
	snprintf(r->result, sizeof(r->result), "%s", e->result != NULL ? e->result : "");
	snprintf(r->reason, sizeof(r->reason), "%s", e->reason != NULL ? e->reason : "");
	if (b->n++ == 0)
		b->first_at = r->at;
	if (b->n == AUDIT_BATCH || r->at - b->first_at >= 1)
		return audit_flush(v, false);
	return VOW_OK;
}

/* Chains rows onto the log's head and writes them in one transaction; signs
 * a checkpoint every AUDIT_CHECKPOINT_EVERY entries, and at the end when
 * checkpoint is set. */
static vow_err write_rows(struct vault *v, struct store_audit *rows, size_t n, bool checkpoint)
{
	if (n == 0 && !checkpoint)
		return VOW_OK;
	vow_err err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	int64_t seq = 0;
	unsigned char prev[32] = {0};
	err = v->ops->audit_head(v->data, &seq, prev);
	if (err == VOW_ERR_NOT_FOUND)
		err = VOW_OK;
	bool signed_one = false;
	for (size_t i = 0; err == VOW_OK && i < n; i++) {
		struct store_audit *r = &rows[i];
		r->seq = ++seq;
		memcpy(r->prev, prev, 32);
		entry_hash(r, r->hash);
		memcpy(prev, r->hash, 32);
		err = v->ops->audit_append(v->data, r);
		if (err == VOW_OK && seq % AUDIT_CHECKPOINT_EVERY == 0) {
			struct store_checkpoint c = {.seq = seq, .at = r->at};
			memcpy(c.head, r->hash, 32);
			err = sign_checkpoint(v, &c);
			if (err == VOW_OK)
				err = v->ops->checkpoint_put(v->data, &c);
			signed_one = true;
		}
	}
	if (err == VOW_OK && checkpoint && !signed_one && seq > 0) {
		struct store_checkpoint c = {.seq = seq, .at = clock_now()};
		memcpy(c.head, prev, 32);
		err = sign_checkpoint(v, &c);
		if (err == VOW_OK)
			err = v->ops->checkpoint_put(v->data, &c);
	}
	return vault_commit(v, err);
}

vow_err audit_flush(struct vault *v, bool checkpoint)
{
	struct audit_buffer *b = v->audit;
	if (b == NULL || b->disabled)
		return VOW_OK;
	if (b->sink != NULL) {
		if (b->n == 0)
			return VOW_OK;
		struct audit_batch *batch = malloc(sizeof(*batch) + b->n * sizeof(batch->rows[0]));
		if (batch == NULL)
			return VOW_ERR_NOMEM;
		batch->n = b->n;
		memcpy(batch->rows, b->rows, b->n * sizeof(b->rows[0]));
		b->n = 0;
		b->sink(b->sink_ctx, batch);
		return VOW_OK;
	}
	vow_err err = write_rows(v, b->rows, b->n, checkpoint);
	if (err == VOW_OK)
		b->n = 0;
	return err;
}

void audit_set_sink(struct vault *v, audit_sink_fn sink, void *ctx)
{
	struct audit_buffer *b = buffer(v);
	if (b != NULL) {
		b->sink = sink;
		b->sink_ctx = ctx;
	}
}

vow_err audit_batch_write(struct vault *v, struct audit_batch *batch)
{
	vow_err err = write_rows(v, batch->rows, batch->n, false);
	free(batch);
	return err;
}

void audit_batch_free(struct audit_batch *batch)
{
	free(batch);
}

/* ---- verification ---- */

struct walk {
	struct audit_report *rep;
	int64_t expect;
	unsigned char prev[32];
	struct store_checkpoint *ck;
	size_t nck, capck;
	unsigned char (*heads)[32]; /* hash at each checkpoint's seq, as found */
	bool *seen;
};

static void bad(struct audit_report *r, int64_t seq, const char *what)
{
	if (r->first_bad == 0) {
		r->first_bad = seq;
		snprintf(r->problem, sizeof(r->problem), "%s", what);
	}
}

static vow_err walk_entry(void *ctx, const void *rowp)
{
	struct walk *w = ctx;
	const struct store_audit *r = rowp;
	if (w->rep->entries == 0 && r->seq > 1) {
		/* a pruned prefix: the signed checkpoint just before anchors the rest */
		bool anchored = false;
		for (size_t i = 0; i < w->nck; i++)
			if (w->ck[i].seq == r->seq - 1) {
				memcpy(w->prev, w->ck[i].head, 32);
				memcpy(w->heads[i], w->ck[i].head, 32);
				w->seen[i] = true;
				anchored = true;
			}
		if (!anchored)
			bad(w->rep, 1,
			    "entries missing at the start and no signed checkpoint anchors the "
			    "rest");
		w->expect = r->seq;
	}
	w->rep->entries++;
	if (r->seq != w->expect) {
		bad(w->rep, w->expect,
		    r->seq > w->expect ? "entry missing: removed from the log"
		                       : "entry out of order");
		w->expect = r->seq;
	}
	if (memcmp(r->prev, w->prev, 32) != 0)
		bad(w->rep, r->seq,
		    "does not link to the entry before it: inserted, removed or reordered");
	unsigned char h[32];
	entry_hash(r, h);
	if (r->malformed || memcmp(h, r->hash, 32) != 0)
		bad(w->rep, r->seq, "altered: its content does not match its hash");
	for (size_t i = 0; i < w->nck; i++)
		if (w->ck[i].seq == r->seq) {
			memcpy(w->heads[i], r->hash, 32);
			w->seen[i] = true;
		}
	memcpy(w->prev, r->hash, 32);
	w->expect = r->seq + 1;
	return VOW_OK;
}

static vow_err collect_ck(void *ctx, const void *rowp)
{
	struct walk *w = ctx;
	if (grow(&w->ck, w->nck, &w->capck, sizeof(*w->ck)) != VOW_OK)
		return VOW_ERR_NOMEM;
	w->ck[w->nck++] = *(const struct store_checkpoint *)rowp;
	return VOW_OK;
}

vow_err audit_verify(struct vault *v, struct audit_report *out)
{
	memset(out, 0, sizeof(*out));
	vow_err err = audit_flush(v, false);
	struct walk w = {.rep = out, .expect = 1};
	if (err == VOW_OK)
		err = v->ops->checkpoint_list(v->data, collect_ck, &w);
	if (err == VOW_OK) {
		w.heads = calloc(w.nck ? w.nck : 1, 32);
		w.seen = calloc(w.nck ? w.nck : 1, sizeof(bool));
		if (w.heads == NULL || w.seen == NULL)
			err = VOW_ERR_NOMEM;
	}
	if (err == VOW_OK)
		err = v->ops->audit_scan(v->data, 1, walk_entry, &w);
	/* checkpoints: signed by this instance, and the log still holds their head */
	struct crypto_key *k = NULL;
	unsigned char pk[CRYPTO_PUBLIC_KEY_BYTES];
	if (err == VOW_OK && w.nck > 0) {
		err = vault_key_load(v, VAULT_INSTANCE_OWNER, KEY_INSTANCE_SIGN, &k);
		if (err == VOW_OK)
			err = crypto_signature_public(k, pk);
		crypto_key_free(&k);
	}
	for (size_t i = 0; err == VOW_OK && i < w.nck; i++) {
		out->checkpoints++;
		unsigned char msg[64 + 32];
		checkpoint_message(w.ck[i].seq, w.ck[i].at, w.ck[i].head, msg);
		memcpy(msg + 64, w.ck[i].head, 32);
		if (!crypto_signature_verify(pk, msg, sizeof(msg), w.ck[i].signature))
			bad(out, w.ck[i].seq,
			    "checkpoint signature does not verify: forged or altered");
		else if (!w.seen[i])
			bad(out, w.ck[i].seq,
			    "a signed checkpoint covers entries the log no longer has: the tail "
			    "was cut");
		else if (memcmp(w.heads[i], w.ck[i].head, 32) != 0)
			bad(out, w.ck[i].seq,
			    "the log's hash here differs from the signed checkpoint: rewritten");
	}
	free(w.ck);
	free(w.heads);
	free(w.seen);
	if (err == VOW_OK && out->first_bad != 0)
		err = VOW_ERR_INTEGRITY;
	return err;
}

struct prune_ctx {
	int64_t cutoff, seq;
};

static vow_err prune_ck(void *ctx, const void *rowp)
{
	struct prune_ctx *c = ctx;
	const struct store_checkpoint *k = rowp;
	if (k->at < c->cutoff && k->seq > c->seq)
		c->seq = k->seq;
	return VOW_OK;
}

vow_err audit_prune(struct vault *v, int64_t now, size_t *pruned)
{
	*pruned = 0;
	const struct policy *p = v->policy;
	if (p == NULL || p->audit_retention.n == 0)
		return VOW_OK;
	vow_err err = audit_flush(v, true);
	if (err != VOW_OK)
		return err;
	/* the cutoff: retention before now (calendar units, counted backwards) */
	int64_t cutoff = now;
	int64_t back = clock_add(0, p->audit_retention.n, (int)p->audit_retention.unit);
	cutoff = now - back;
	struct prune_ctx c = {cutoff, 0};
	err = v->ops->checkpoint_list(v->data, prune_ck, &c);
	if (err != VOW_OK || c.seq == 0)
		return err;
	err = v->ops->begin(v->data);
	if (err == VOW_OK)
		err = vault_commit(v, v->ops->audit_prune(v->data, c.seq, pruned));
	if (err == VOW_OK) {
		struct audit_event ev = {"admin", NULL, "audit.prune", NULL,
		                         NULL,    NULL, "ok",          NULL};
		err = audit_record(v, &ev);
	}
	return err;
}

struct subj_ctx {
	audit_fn cb;
	void *ctx;
};

static vow_err subj_one(void *ctx, const void *rowp)
{
	const struct subj_ctx *c = ctx;
	const struct store_audit *r = rowp;
	return c->cb(c->ctx, r->seq, r->at, r->actor, r->action, r->category, r->purpose, r->result,
	             r->reason);
}

vow_err audit_subject(struct vault *v, const char *subject, audit_fn cb, void *ctx)
{
	vow_err err = audit_flush(v, false);
	if (err != VOW_OK)
		return err;
	char p[65];
	pseudonym(v, subject, p);
	if (p[0] == '\0')
		return VOW_OK; /* unknown or erased: nothing leads to them */
	struct subj_ctx c = {cb, ctx};
	return v->ops->audit_by_subject(v->data, p, subj_one, &c);
}
