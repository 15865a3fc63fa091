/* vault/vault_due.c — retention due dates of stored items: written with the
 * item, recomputed when an anchor moves (activity, contract end, closure),
 * when the person postpones, and when the policy changes; and the deletion
 * of a due item. The dates come from policy_retention_due (pure). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "util/clock.h"
#include "util/grow.h"
#include "vault/vault_int.h"

/* The facts of a subject row that due dates depend on. */
static void subject_facts(const struct store_subject *s, struct retention_facts *f)
{
	f->last_activity = s->last_activity;
	f->closed_at = s->status != SUBJECT_ACTIVE ? s->closed_at : 0;
	f->contract_end = s->contract_end;
}

/* Recomputes d's dates under the vault's policy from the subject's facts. */
static void compute(const struct vault *v, const struct store_subject *s, struct store_due *d)
{
	struct retention_facts f = {.created_at = d->created_at,
	                            .postponed_to = d->postponed_to,
	                            .purpose = policy_purpose_find(v->policy, d->purpose)};
	subject_facts(s, &f);
	if (s->status == SUBJECT_ERASED)
		f.closed_at = s->erased_at != 0 ? s->erased_at : s->closed_at;
	struct retention_due r;
	policy_retention_due(v->policy, policy_category_find(v->policy, d->category), &f, &r);
	if (s->status == SUBJECT_ERASED) {
		/* what an erasure left is held: it goes when its hold ends */
		int64_t end =
		    policy_hold_end(v->policy, policy_category_find(v->policy, d->category), &f);
		r = (struct retention_due){.due_at = end == INT64_MAX ? 0 : end, .held = true};
		if (r.due_at == 0 && end == 0)
			r.due_at = s->erased_at; /* no hold covers it (any more): due now */
	}
	int64_t noticed = d->noticed_at;
	/* a notice already given for this date stays given */
	if (r.notice_at == 0 || r.due_at != d->due_at)
		noticed = r.notice_at == 0 ? 0 : (r.due_at == d->due_at ? noticed : 0);
	d->due_at = r.due_at;
	d->notice_at = r.notice_at;
	d->noticed_at = noticed;
	d->held = r.held;
}

vow_err vault_due_item(struct vault *v, const char *subject, const char *category, const char *item,
                       const char *purpose, int64_t now, bool is_new)
{
	if (v->policy == NULL || strcmp(category, VAULT_EXPORT_CATEGORY) == 0)
		return VOW_OK; /* an export expires with its request, not by retention */
	struct store_subject s = {0};
	vow_err err = v->ops->subject_anchors(v->data, subject, &s);
	if (err != VOW_OK)
		return err;
	struct store_due d = {0};
	err = is_new ? VOW_ERR_NOT_FOUND /* nothing to read: a new item */
	             : v->ops->due_get(v->data, subject, category, item != NULL ? item : "", &d);
	if (err == VOW_ERR_NOT_FOUND) {
		err = VOW_OK;
		memset(&d, 0, sizeof(d));
		snprintf(d.subject, sizeof(d.subject), "%s", subject);
		snprintf(d.category, sizeof(d.category), "%s", category);
		snprintf(d.item, sizeof(d.item), "%s", item != NULL ? item : "");
		d.created_at = now;
	}
	if (err != VOW_OK)
		return err;
	snprintf(d.purpose, sizeof(d.purpose), "%s", purpose != NULL ? purpose : "");
	compute(v, &s, &d);
	return v->ops->due_put(v->data, &d);
}

vow_err vault_due_forget(struct vault *v, const char *subject, const char *category,
                         const char *item)
{
	return v->ops->due_delete(v->data, subject, category, item != NULL ? item : "");
}

/* ---- recomputing ---- */

struct rows {
	struct store_due *v;
	size_t n, cap;
};

static vow_err collect(void *ctx, const void *row)
{
	struct rows *l = ctx;
	if (grow(&l->v, l->n, &l->cap, sizeof(*l->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	l->v[l->n++] = *(const struct store_due *)row;
	return VOW_OK;
}

/* Recomputes each row of l (subjects looked up once per run of rows). */
static vow_err recompute_rows(struct vault *v, struct rows *l, size_t *changed)
{
	struct store_subject s = {0};
	bool have = false;
	vow_err err = VOW_OK;
	for (size_t i = 0; err == VOW_OK && i < l->n; i++) {
		struct store_due *d = &l->v[i];
		if (!have || strcmp(s.id, d->subject) != 0) {
			store_blob_free(&s.profile);
			err = v->ops->subject_anchors(v->data, d->subject, &s);
			have = err == VOW_OK;
			if (err == VOW_ERR_NOT_FOUND) { /* an orphan row: nothing left to delete */
				err = v->ops->due_delete(v->data, d->subject, d->category, d->item);
				continue;
			}
			if (err != VOW_OK)
				break;
		}
		struct store_due before = *d;
		compute(v, &s, d);
		if (before.due_at != d->due_at || before.notice_at != d->notice_at ||
		    before.noticed_at != d->noticed_at || before.held != d->held) {
			err = v->ops->due_put(v->data, d);
			if (changed != NULL)
				(*changed)++;
		}
	}
	store_blob_free(&s.profile);
	return err;
}

vow_err vault_due_refresh_subject(struct vault *v, const char *subject)
{
	if (v->policy == NULL)
		return VOW_OK;
	struct rows l = {0};
	vow_err err = v->ops->due_subject(v->data, subject, collect, &l);
	if (err == VOW_OK)
		err = recompute_rows(v, &l, NULL);
	free(l.v);
	return err;
}

vow_err vault_due_recompute(struct vault *v, size_t *changed, void (*between)(void *ctx), void *ctx)
{
	if (v->policy == NULL)
		return VOW_ERR_INVALID;
	size_t n = 0;
	struct store_due after = {0};
	bool first = true;
	vow_err err = VOW_OK;
	for (;;) {
		struct rows l = {0};
		/* each batch is read and rewritten in one transaction, so a write
		 * made between batches is never overwritten with what was read before it */
		err = v->ops->begin(v->data);
		if (err == VOW_OK)
			err = v->ops->due_all(v->data, first ? NULL : &after, 1024, collect, &l);
		if (err == VOW_OK && l.n > 0) {
			after = l.v[l.n - 1];
			err = recompute_rows(v, &l, &n);
		}
		err = vault_commit(v, err);
		size_t got = l.n;
		free(l.v);
		first = false;
		if (err != VOW_OK || got < 1024)
			break;
		if (between != NULL)
			between(ctx);
	}
	if (err == VOW_OK && changed != NULL)
		*changed = n;
	return err;
}

/* ---- anchors ---- */

static vow_err set_anchor(struct vault *v, const char *id, int64_t at, bool contract)
{
	struct store_subject row = {0};
	vow_err err = vault_subject_row(v, id, false, &row);
	if (err == VOW_OK && row.status == SUBJECT_ERASED)
		err = VOW_ERR_INVALID;
	if (err == VOW_OK)
		err = v->ops->begin(v->data);
	if (err == VOW_OK) {
		if (contract)
			row.contract_end = at;
		else if (at > row.last_activity)
			row.last_activity = at;
		err = v->ops->subject_update(v->data, &row);
		if (err == VOW_OK)
			err = vault_due_refresh_subject(v, id);
		err = vault_commit(v, err);
	}
	store_blob_free(&row.profile);
	return err;
}

vow_err vault_subject_touch(struct vault *v, const char *id, int64_t at)
{
	return set_anchor(v, id, at, false);
}

vow_err vault_subject_contract_end(struct vault *v, const char *id, int64_t at)
{
	return set_anchor(v, id, at, true);
}

/* ---- walking, noticing, postponing, deleting ---- */

static void to_public(const struct store_due *d, struct vault_due *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->subject, d->subject, sizeof(out->subject));
	memcpy(out->category, d->category, sizeof(out->category));
	memcpy(out->item, d->item, sizeof(out->item));
	memcpy(out->purpose, d->purpose, sizeof(out->purpose));
	out->created_at = d->created_at;
	out->due_at = d->due_at;
	out->notice_at = d->notice_at;
	out->noticed_at = d->noticed_at;
	out->postponed_to = d->postponed_to;
	out->held = d->held != 0;
	out->postponed_at = d->postponed_at;
	memcpy(out->postponed_by, d->postponed_by, sizeof(out->postponed_by));
}

/* Hands each collected row to cb (after the store's walk has ended, so cb
 * may write), then frees the rows. */
static vow_err emit(struct rows *l, vow_err err, vault_due_fn cb, void *ctx)
{
	for (size_t i = 0; err == VOW_OK && i < l->n; i++) {
		struct vault_due d;
		to_public(&l->v[i], &d);
		err = cb(ctx, &d);
	}
	free(l->v);
	return err;
}

vow_err vault_due_walk(struct vault *v, int64_t now, bool notices, const struct vault_due *after,
                       size_t limit, vault_due_fn cb, void *ctx)
{
	struct rows l = {0};
	struct store_due a = {0};
	if (after != NULL) {
		memcpy(a.subject, after->subject, sizeof(a.subject));
		memcpy(a.category, after->category, sizeof(a.category));
		memcpy(a.item, after->item, sizeof(a.item));
		a.due_at = after->due_at;
		a.notice_at = after->notice_at;
	}
	vow_err err =
	    v->ops->due_walk(v->data, now, notices, after != NULL ? &a : NULL, limit, collect, &l);
	return emit(&l, err, cb, ctx);
}

vow_err vault_due_subject(struct vault *v, const char *subject, vault_due_fn cb, void *ctx)
{
	struct rows l = {0};
	vow_err err = v->ops->due_subject(v->data, subject, collect, &l);
	return emit(&l, err, cb, ctx);
}

vow_err vault_due_get(struct vault *v, const char *subject, const char *category, const char *item,
                      struct vault_due *out)
{
	struct store_due d = {0};
	vow_err err = v->ops->due_get(v->data, subject, category, item != NULL ? item : "", &d);
	if (err == VOW_OK)
		to_public(&d, out);
	return err;
}

vow_err vault_due_noticed(struct vault *v, const struct vault_due *d, int64_t at,
                          int64_t keep_until)
{
	struct store_due row = {0};
	vow_err err = v->ops->due_get(v->data, d->subject, d->category, d->item, &row);
	if (err != VOW_OK)
		return err;
	row.noticed_at = at;
	if (keep_until > row.due_at) { /* a late notice still gives its full period */
		row.due_at = keep_until;
		if (keep_until > row.postponed_to)
			row.postponed_to = keep_until; /* so a recomputation keeps it */
	}
	return v->ops->due_put(v->data, &row);
}

/* The subject's anchors (into *s) and the due date row would get under
 * the policy (into *r, with the deciding rule), before the person's
 * postponement. */
static vow_err deciding(struct vault *v, const struct store_due *row, struct store_subject *s,
                        struct retention_due *r)
{
	vow_err err = v->ops->subject_anchors(v->data, row->subject, s);
	if (err != VOW_OK)
		return err;
	struct retention_facts f = {.created_at = row->created_at,
	                            .purpose = policy_purpose_find(v->policy, row->purpose)};
	subject_facts(s, &f);
	policy_retention_due(v->policy, policy_category_find(v->policy, row->category), &f, r);
	return VOW_OK;
}

vow_err vault_due_rule(struct vault *v, const struct vault_due *d, uint32_t *rule)
{
	struct store_due row = {0};
	vow_err err = v->ops->due_get(v->data, d->subject, d->category, d->item, &row);
	struct store_subject s = {0};
	struct retention_due r;
	if (err == VOW_OK)
		err = deciding(v, &row, &s, &r);
	if (err == VOW_OK)
		*rule = r.rule;
	return err;
}

/* Why row may not be kept longer now (NULL: it may). A notice must be owed
 * or given for its date (every rule with a postpone period has a notice,
 * the policy checker sees to that), and one notice allows one
 * postponement: none since the notice was given (or, owed but not yet
 * sent, since it became owed). */
static const char *postpone_refusal(const struct store_due *row, const struct retention_due *r,
                                    const struct policy_retention *rule, int64_t now)
{
	if (row->due_at == 0 || rule == NULL || rule->postpone.n == 0 || r->on_close || row->held)
		return "not_postponable";
	int64_t notice = row->noticed_at != 0                           ? row->noticed_at
	                 : row->notice_at != 0 && row->notice_at <= now ? row->notice_at
	                                                                : 0;
	if (row->postponed_at != 0 && (notice == 0 || row->postponed_at >= notice))
		return "already_postponed"; /* no notice since: the next one allows it again */
	return notice == 0 ? "no_notice_yet" : NULL;
}

vow_err vault_due_postpone(struct vault *v, const char *subject, const char *category,
                           const char *item, const struct vault_keeper *by, int64_t *due_at,
                           const char **why)
{
	if (why != NULL)
		*why = NULL;
	if (by == NULL || by->role == NULL || by->role[0] == '\0')
		return VOW_ERR_INVALID;
	char who[sizeof(((struct store_due *)0)->postponed_by)];
	int n = snprintf(who, sizeof(who), "%s%s%s", by->role, by->actor != NULL ? ":" : "",
	                 by->actor != NULL ? by->actor : "");
	if (n < 0 || (size_t)n >= sizeof(who))
		return VOW_ERR_INVALID;
	vow_err err = v->ops->begin(v->data); /* read, check and write as one */
	if (err != VOW_OK)
		return err;
	struct store_due row = {0};
	err = v->ops->due_get(v->data, subject, category, item != NULL ? item : "", &row);
	struct store_subject s = {0};
	struct retention_due r;
	if (err == VOW_OK)
		err = deciding(v, &row, &s, &r);
	const struct policy_retention *rule =
	    err == VOW_OK && r.rule != POLICY_NONE ? &v->policy->retention[r.rule] : NULL;
	int64_t now = clock_now();
	const char *refusal = err == VOW_OK ? postpone_refusal(&row, &r, rule, now) : NULL;
	if (refusal != NULL) {
		if (why != NULL)
			*why = refusal;
		err = vault_refuse(v, VOW_ERR_DENIED, refusal,
		                   strcmp(refusal, "not_postponable") == 0
		                       ? "the policy does not let this item be kept longer"
		                   : strcmp(refusal, "no_notice_yet") == 0
		                       ? "an item can be kept longer once its deletion notice is due"
		                       : "kept longer once already since its notice");
	}
	if (err == VOW_OK) {
		/* from the date the notice named, by the rule's period: never stacked */
		row.postponed_to =
		    clock_add(row.due_at, rule->postpone.n, (int)rule->postpone.unit);
		row.postponed_at = now;
		memcpy(row.postponed_by, who, sizeof(row.postponed_by));
		compute(v, &s, &row);
		err = v->ops->due_put(v->data, &row);
	}
	store_blob_free(&s.profile);
	if (err == VOW_OK) {
		struct audit_event ev = {.role = by->role,
		                         .actor = by->actor,
		                         .action = "retention.postpone",
		                         .subject = subject,
		                         .category = category,
		                         .result = "ok",
		                         .reason = "notice"};
		err = audit_change(v, &ev);
	}
	err = vault_commit(v, err);
	if (err == VOW_OK && due_at != NULL)
		*due_at = row.due_at;
	return err;
}

vow_err vault_due_delete_item(struct vault *v, const struct vault_due *d, const char *why)
{
	struct store_due row = {0};
	vow_err err = v->ops->due_get(v->data, d->subject, d->category, d->item, &row);
	if (err != VOW_OK)
		return err;
	if (row.due_at == 0 || row.due_at > clock_now() || row.due_at != d->due_at)
		return vault_refuse(v, VOW_ERR_DENIED, "not_due",
		                    "the item is not due (any more): never deleted early");
	if (row.notice_at != 0 && row.noticed_at == 0)
		return vault_refuse(v, VOW_ERR_DENIED, "notice_owed",
		                    "the person has not been warned yet");
	size_t versions = 0;
	bool profile = strcmp(row.item, VAULT_DUE_PROFILE) == 0;
	bool file = row.item[0] != '\0' && !profile;
	err = v->ops->begin(v->data);
	if (err != VOW_OK)
		return err;
	if (profile) {
		err = vault_profile_forget(v, row.subject, row.category);
	} else if (file) {
		err = v->ops->file_delete(v->data, row.item);
	} else {
		err = v->ops->record_delete(v->data, row.subject, row.category, &versions);
	}
	if (err == VOW_ERR_NOT_FOUND)
		err = VOW_OK; /* gone already (a crash after this commit, or deleted by hand) */
	if (err == VOW_OK)
		err = v->ops->due_delete(v->data, row.subject, row.category, row.item);
	if (err == VOW_OK) {
		struct audit_event ev = {.role = "system",
		                         .action = "retention.delete",
		                         .subject = row.subject,
		                         .category = row.category,
		                         .result = "ok",
		                         .reason = why};
		err = audit_change(v, &ev);
	}
	err = vault_commit(v, err);
	if (err == VOW_OK && file) {
		char path[PATH_MAX];
		vault_file_path(v, row.item, path);
		if (unlink(path) != 0 && errno != ENOENT)
			err = VOW_ERR_IO;
	}
	return err;
}

vow_err vault_due_token(struct vault *v, const struct vault_due *d, char out[65])
{
	char msg[400];
	int n = snprintf(msg, sizeof(msg), "%s|%s|%s|%lld", d->subject, d->category, d->item,
	                 (long long)d->due_at);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return VOW_ERR_INVALID;
	unsigned char h[32];
	crypto_keyed_hash(v->index_key, "vow retention keep v1", msg, (size_t)n, h);
	hex_encode(h, sizeof(h), out);
	return VOW_OK;
}

vow_err vault_due_release(struct vault *v, const char *subject, const char *category,
                          const char *item)
{
	struct store_due row = {0};
	vow_err err = v->ops->due_get(v->data, subject, category, item != NULL ? item : "", &row);
	if (err != VOW_OK)
		return err;
	if (row.due_at == 0)
		return vault_refuse(v, VOW_ERR_DENIED, "kept_for_purpose",
		                    "kept for a purpose until an anchor is reached: not the "
		                    "person's to end here");
	int64_t now = clock_now();
	row.due_at = now;
	if (row.notice_at != 0 && row.noticed_at == 0)
		row.noticed_at = now; /* the person answered: nothing more to warn about */
	err = v->ops->begin(v->data);
	if (err == VOW_OK)
		err = vault_commit(v, v->ops->due_put(v->data, &row));
	struct vault_due d;
	to_public(&row, &d);
	if (err == VOW_OK)
		err = vault_due_delete_item(v, &d, "released");
	return err;
}
