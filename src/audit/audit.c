/* audit/audit.c — buffer, hash chain, checkpoints, verification. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "util/clock.h"
#include "vault/vault_int.h"
#include "util/grow.h"
#include "util/text.h"

struct audit_buffer {
	struct store_audit rows[AUDIT_BATCH];
	size_t n;
	int64_t first_at;
	bool disabled;
	struct audit_queue *queue; /* entries go here instead, when set */
};

struct audit_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct store_audit *rows;
	size_t n, cap;
	bool failing; /* the last write failed: refuse new entries until one succeeds */
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

/* Fills r from e: names and keys only, the subject as its pseudonym. A
 * field too long for its column is refused, never cut (VOW_ERR_TOO_LARGE). */
static vow_err fill_row(struct vault *v, const struct audit_event *e, struct store_audit *r)
{
	memset(r, 0, sizeof(*r));
	r->at = clock_now();
	const char *role = e->role != NULL ? e->role : "";
	int n = e->actor != NULL && e->actor[0] != '\0'
	            ? snprintf(r->actor, sizeof(r->actor), "%s/%s", role, e->actor)
	            : snprintf(r->actor, sizeof(r->actor), "%s", role);
	if (n < 0 || (size_t)n >= sizeof(r->actor) ||
	    text_copy(r->action, sizeof(r->action), e->action) != VOW_OK ||
	    text_copy(r->category, sizeof(r->category), e->category) != VOW_OK ||
	    text_copy(r->purpose, sizeof(r->purpose), e->purpose) != VOW_OK ||
	    text_copy(r->result, sizeof(r->result), e->result) != VOW_OK ||
	    text_copy(r->reason, sizeof(r->reason), e->reason) != VOW_OK)
		return VOW_ERR_TOO_LARGE;
	pseudonym(v, e->subject, r->subject);
	return VOW_OK;
}

/* Chains rows onto the log's head and writes them in one transaction
 * (nested in the caller's when one is open); signs a checkpoint every
 * AUDIT_CHECKPOINT_EVERY entries, and at the end when checkpoint is set. */
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

static vow_err queue_push(struct audit_queue *q, const struct store_audit *r)
{
	vow_err err = VOW_OK;
	pthread_mutex_lock(&q->lock);
	if (q->failing || q->n >= AUDIT_QUEUE_MAX) {
		err = VOW_ERR_IO; /* the log cannot be written: nothing is answered unaudited */
	} else if (q->n == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 1024;
		struct store_audit *nr = realloc(q->rows, ncap * sizeof(*nr));
		if (nr == NULL)
			err = VOW_ERR_NOMEM;
		else
			q->rows = nr, q->cap = ncap;
	}
	if (err == VOW_OK) {
		q->rows[q->n++] = *r;
		if (q->n >= AUDIT_BATCH)
			pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

vow_err audit_record(struct vault *v, const struct audit_event *e)
{
	struct audit_buffer *b = buffer(v);
	if (b == NULL)
		return VOW_ERR_NOMEM;
	if (b->disabled)
		return VOW_OK;
	if (b->queue != NULL) {
		struct store_audit r;
		vow_err err = fill_row(v, e, &r);
		return err == VOW_OK ? queue_push(b->queue, &r) : err;
	}
	if (b->n == AUDIT_BATCH) {
		vow_err err = audit_flush(v, false);
		if (err != VOW_OK)
			return err;
	}
	struct store_audit *r = &b->rows[b->n];
	vow_err err = fill_row(v, e, r);
	if (err != VOW_OK)
		return err;
	if (b->n++ == 0)
		b->first_at = r->at;
	if (b->n == AUDIT_BATCH || r->at - b->first_at >= 1)
		return audit_flush(v, false);
	return VOW_OK;
}

vow_err audit_change(struct vault *v, const struct audit_event *e)
{
	struct audit_buffer *b = buffer(v);
	if (b == NULL)
		return VOW_ERR_NOMEM;
	if (b->disabled)
		return VOW_OK;
	struct store_audit r;
	vow_err err = fill_row(v, e, &r);
	return err == VOW_OK ? write_rows(v, &r, 1, false) : err;
}

vow_err audit_flush(struct vault *v, bool checkpoint)
{
	struct audit_buffer *b = v->audit;
	if (b == NULL || b->disabled || b->queue != NULL)
		return VOW_OK; /* a queue's entries are written by its writer */
	vow_err err = write_rows(v, b->rows, b->n, checkpoint);
	if (err == VOW_OK)
		b->n = 0;
	return err;
}

/* ---- the shared queue ---- */

vow_err audit_queue_new(struct audit_queue **out)
{
	struct audit_queue *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return VOW_ERR_NOMEM;
	if (pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q);
		return VOW_ERR_NOMEM;
	}
	if (pthread_cond_init(&q->cond, NULL) != 0) {
		pthread_mutex_destroy(&q->lock);
		free(q);
		return VOW_ERR_NOMEM;
	}
	*out = q;
	return VOW_OK;
}

void audit_queue_free(struct audit_queue **qp)
{
	if (qp == NULL || *qp == NULL)
		return;
	struct audit_queue *q = *qp;
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->rows);
	free(q);
	*qp = NULL;
}

void audit_queue_use(struct vault *v, struct audit_queue *q)
{
	struct audit_buffer *b = buffer(v);
	if (b != NULL)
		b->queue = q;
}

size_t audit_queue_pending(struct audit_queue *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->n;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void audit_queue_wake(struct audit_queue *q)
{
	pthread_mutex_lock(&q->lock);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}


size_t audit_queue_wait(struct audit_queue *q, int wait_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&q->lock);
	while (q->n < AUDIT_BATCH &&
	       pthread_cond_timedwait(&q->cond, &q->lock, &until) == 0)
		;
	size_t n = q->n;
	pthread_mutex_unlock(&q->lock);
	return n;
}

vow_err audit_queue_write(struct audit_queue *q, struct vault *v, size_t *written)
{
	if (written != NULL)
		*written = 0;
	pthread_mutex_lock(&q->lock);
	/* take what is there: new entries queue behind while it is written */
	struct store_audit *rows = q->rows;
	size_t n = q->n;
	q->rows = NULL;
	q->n = q->cap = 0;
	pthread_mutex_unlock(&q->lock);
	if (n == 0) {
		free(rows);
		return VOW_OK;
	}
	vow_err err = write_rows(v, rows, n, false);
	pthread_mutex_lock(&q->lock);
	if (err == VOW_OK) {
		q->failing = false;
		free(rows);
		if (written != NULL)
			*written = n;
	} else {
		/* kept, first: written again on the next call, never dropped */
		q->failing = true;
		size_t total = n + q->n;
		struct store_audit *all = realloc(rows, total * sizeof(*all));
		if (all != NULL) {
			if (q->n > 0)
				memcpy(all + n, q->rows, q->n * sizeof(*all));
			free(q->rows);
			q->rows = all;
			q->n = q->cap = total;
		} else {
			/* cannot even hold them together: keep the older batch, and the
			 * newer entries after it as they are (order kept by seq at write) */
			free(q->rows);
			q->rows = rows;
			q->n = q->cap = n;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* ---- sessions ---- */

#define SESSION_SETTING "audit.session"

vow_err audit_session_open(struct vault *v, bool *unclean)
{
	if (unclean != NULL)
		*unclean = false;
	char was[40];
	vow_err err = vault_setting_get(v, SESSION_SETTING, "", was, sizeof(was));
	if (err != VOW_OK)
		return err;
	if (was[0] != '\0') {
		int64_t seq = 0;
		unsigned char head[32];
		err = v->ops->audit_head(v->data, &seq, head);
		if (err == VOW_ERR_NOT_FOUND)
			err = VOW_OK;
		char why[40];
		snprintf(why, sizeof(why), "last durable seq %lld", (long long)seq);
		struct store_audit r;
		struct audit_event ev = {.role = "vow",
		                         .action = "audit.unclean_stop",
		                         .result = "error",
		                         .reason = why};
		if (err == VOW_OK)
			err = fill_row(v, &ev, &r);
		if (err == VOW_OK)
			err = write_rows(v, &r, 1, true);
		if (err != VOW_OK)
			return err;
		if (unclean != NULL)
			*unclean = true;
	}
	char now[21];
	clock_format(clock_real_now(), now);
	return vault_setting_set(v, SESSION_SETTING, now);
}

vow_err audit_session_close(struct vault *v)
{
	vow_err err = audit_flush(v, false);
	if (err == VOW_OK)
		err = write_rows(v, NULL, 0, true);
	if (err == VOW_OK)
		err = vault_setting_set(v, SESSION_SETTING, "");
	return err;
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
	if (strcmp(r->action, "audit.unclean_stop") == 0) {
		if (w->rep->unclean < AUDIT_REPORT_UNCLEAN)
			w->rep->unclean_seq[w->rep->unclean] = r->seq;
		w->rep->unclean++;
	}
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
