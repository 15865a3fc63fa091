/* retention/retention.c — sweeps, notices, the plan, keep and let go. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "notify/notify.h"
#include "retention/retention.h"
#include "util/clock.h"
#include "util/grow.h"

/* ---- pages of due items ---- */

struct page {
	struct vault_due *v;
	size_t n;
};

static vow_err page_cb(void *ctx, const struct vault_due *d)
{
	struct page *p = ctx;
	if (p->n >= RETENTION_BATCH)
		return VOW_ERR_INTERNAL;
	p->v[p->n++] = *d;
	return VOW_OK;
}

/* Fills p with the next page after `after` (NULL: the first). */
static vow_err next_page(struct vault *v, int64_t now, bool notices, const struct vault_due *after,
                         struct page *p)
{
	p->n = 0;
	return vault_due_walk(v, now, notices, after, RETENTION_BATCH, page_cb, p);
}

/* ---- notices ---- */

static const char *category_name(const struct policy *p, const char *key)
{
	uint32_t c = policy_category_find(p, key);
	if (c == POLICY_NONE)
		return key;
	const struct policy_category *cat = &p->categories[c];
	if (cat->name != NULL)
		return cat->name;
	const struct taxonomy_entry *t = taxonomy_find(TAXONOMY_CATEGORY, key);
	return t != NULL && t->name != NULL ? t->name : key;
}

/* The rule deciding d's date, for its notice and postpone periods. */
static const struct policy_retention *deciding_rule(struct vault *v, const struct vault_due *d)
{
	uint32_t rule = POLICY_NONE;
	if (vault_due_rule(v, d, &rule) != VOW_OK || rule == POLICY_NONE)
		return NULL;
	return &vault_policy(v)->retention[rule];
}

static void duration_text(struct policy_duration d, char *out, size_t cap)
{
	static const char *const units[] = {"day", "week", "month", "year"};
	snprintf(out, cap, "%u %s%s", d.n, units[d.unit], d.n == 1 ? "" : "s");
}

/* Queues d's notice and marks it given, in one transaction. */
static vow_err give_notice(struct vault *v, const struct vault_due *d, int64_t now)
{
	const struct policy *p = vault_policy(v);
	const struct policy_retention *rule = deciding_rule(v, d);
	char due[11], keep[11], period[48] = "", token[65], link[1024], idem[97];
	struct policy_duration notice = rule != NULL ? rule->notice : (struct policy_duration){0};
	int64_t keep_until = notice.n > 0 ? clock_add(now, notice.n, (int)notice.unit) : d->due_at;
	if (keep_until < d->due_at)
		keep_until = d->due_at;
	clock_format_date(keep_until, due);
	int64_t kept = rule != NULL && rule->postpone.n > 0
	                   ? clock_add(keep_until, rule->postpone.n, (int)rule->postpone.unit)
	                   : keep_until;
	clock_format_date(kept, keep);
	if (rule != NULL && rule->period.n > 0)
		duration_text(rule->period, period, sizeof(period));
	struct vault_due at = *d;
	at.due_at = keep_until; /* the token is for the date the notice names */
	vow_err err = vault_due_token(v, &at, token);
	if (err != VOW_OK)
		return err;
	char path[512];
	snprintf(path, sizeof(path), "/v1/retention/keep?subject=%s&category=%s&item=%s&token=%s",
	         d->subject, d->category, d->item, token);
	err = notify_link(v, path, link, sizeof(link));
	if (err != VOW_OK)
		return err;
	bool file = d->item[0] != '\0' && strcmp(d->item, VAULT_DUE_PROFILE_ITEM) != 0;
	if (file)
		snprintf(idem, sizeof(idem), "retention.notice:%.32s:file:%lld", d->item,
		         (long long)d->due_at);
	else /* a record or a profile field: one per subject and category */
		snprintf(idem, sizeof(idem), "retention.notice:%.32s:%.7s:%.20s:%lld", d->subject,
		         d->item[0] ? d->item : "record", d->category, (long long)d->due_at);
	char what[300];
	snprintf(what, sizeof(what), "%s%s", file ? "a file of yours: " : "your ",
	         category_name(p, d->category));
	json_t *vars =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "what", what, "due_date", due, "keep_until",
	              keep, "keep_link", link, "period", period[0] ? period : "as long as needed",
	              "controller", p->controller.name != NULL ? p->controller.name : "");
	if (vars == NULL)
		return VOW_ERR_NOMEM;
	err = vault_batch_begin(v);
	if (err == VOW_OK) {
		err = notify_email(v, d->subject, "retention.notice", vars, idem, false);
		if (err == VOW_ERR_NOT_FOUND)
			err = VOW_OK; /* no address on file: nobody to warn, the date holds */
		if (err == VOW_OK)
			err = vault_due_noticed(v, d, now, keep_until);
		vow_err cerr = vault_batch_commit(v);
		if (err == VOW_OK)
			err = cerr;
	}
	json_decref(vars);
	return err;
}

vow_err retention_sweep(struct vault *v, int64_t now, bool dry_run, retention_fn cb, void *ctx,
                        struct retention_report *out)
{
	struct retention_report rep = {0};
	struct vault_due buf[RETENTION_BATCH], last;
	struct page p = {buf, 0};
	/* a notice's link needs the public URL: without one, notices stay owed
	 * (and what needs one waits), the rest of the sweep goes on */
	char base[NOTIFY_URL_MAX];
	vow_err err = notify_public_url(v, base);
	bool linkable = err == VOW_OK;
	if (err == VOW_ERR_CONFIG)
		err = VOW_OK;
	/* 1. notices owed */
	for (bool first = true; err == VOW_OK; first = false) {
		err = next_page(v, now, true, first ? NULL : &last, &p);
		for (size_t i = 0; err == VOW_OK && i < p.n; i++) {
			if (!dry_run && !linkable) {
				rep.unlinked++;
				continue;
			}
			if (!dry_run)
				err = give_notice(v, &p.v[i], now);
			if (err == VOW_OK) {
				rep.noticed++;
				if (cb != NULL)
					cb(ctx, RETENTION_NOTICE, &p.v[i]);
			}
		}
		if (p.n == 0)
			break;
		last = p.v[p.n - 1];
		if (p.n < RETENTION_BATCH)
			break;
	}
	/* 2. what is due */
	for (bool first = true; err == VOW_OK; first = false) {
		err = next_page(v, now, false, first ? NULL : &last, &p);
		for (size_t i = 0; err == VOW_OK && i < p.n; i++) {
			const struct vault_due *d = &p.v[i];
			bool owed = d->notice_at != 0 && d->noticed_at == 0;
			if (dry_run) {
				if (owed) { /* its notice goes first, and the date may move */
					rep.waiting++;
					continue;
				}
			} else {
				vow_err e = vault_due_delete_item(v, d, "retention");
				if (e == VOW_ERR_DENIED) { /* not due after all, or a notice owed */
					rep.waiting++;
					continue;
				}
				err = e;
			}
			if (err == VOW_OK) {
				rep.deleted++;
				if (cb != NULL)
					cb(ctx, RETENTION_DELETE, d);
			}
		}
		if (p.n == 0)
			break;
		last = p.v[p.n - 1];
		if (p.n < RETENTION_BATCH)
			break;
	}
	if (err == VOW_OK && out != NULL)
		*out = rep;
	return err;
}

vow_err retention_plan(struct vault *v, int64_t until, retention_fn cb, void *ctx)
{
	struct vault_due buf[RETENTION_BATCH], last;
	struct page p = {buf, 0};
	vow_err err = VOW_OK;
	for (bool first = true; err == VOW_OK; first = false) {
		err = next_page(v, until, false, first ? NULL : &last, &p);
		for (size_t i = 0; err == VOW_OK && i < p.n; i++)
			cb(ctx, RETENTION_DELETE, &p.v[i]);
		if (p.n == 0)
			break;
		last = p.v[p.n - 1];
		if (p.n < RETENTION_BATCH)
			break;
	}
	return err;
}

vow_err retention_token(struct vault *v, const struct vault_due *d, char out[65])
{
	return vault_due_token(v, d, out);
}

/* Checks a presented keep/let-go token against the item's current date. */
static vow_err token_ok(struct vault *v, const char *subject, const char *category,
                        const char *item, const char *token)
{
	struct vault_due d;
	vow_err err = vault_due_get(v, subject, category, item, &d);
	if (err != VOW_OK || token == NULL)
		return err;
	char want[65];
	err = vault_due_token(v, &d, want);
	if (err == VOW_OK && (strlen(token) != 64 || !crypto_equal(want, token, 64)))
		err = vault_refuse(v, VOW_ERR_DENIED, "invalid_link",
		                   "this link is not valid (any more): its date has moved");
	return err;
}

vow_err retention_keep(struct vault *v, const char *subject, const char *category, const char *item,
                       const char *token, const struct vault_keeper *by, int64_t *due_at,
                       const char **why)
{
	if (why != NULL)
		*why = NULL;
	vow_err err = token_ok(v, subject, category, item, token);
	if (err == VOW_ERR_DENIED && why != NULL)
		*why = "invalid_link";
	if (err == VOW_OK)
		err = vault_due_postpone(v, subject, category, item, by, due_at, why);
	return err;
}

vow_err retention_release(struct vault *v, const char *subject, const char *category,
                          const char *item, const char *token)
{
	vow_err err = token_ok(v, subject, category, item, token);
	if (err == VOW_OK)
		err = vault_due_release(v, subject, category, item);
	return err;
}

/* ---- account closure ---- */

struct close_ctx {
	struct vault_due *v;
	size_t n, cap;
	int64_t now;
};

static vow_err close_cb(void *ctx, const struct vault_due *d)
{
	struct close_ctx *c = ctx;
	if (d->due_at == 0 || d->due_at > c->now)
		return VOW_OK;
	if (grow(&c->v, c->n, &c->cap, sizeof(*c->v)) != VOW_OK)
		return VOW_ERR_NOMEM;
	c->v[c->n++] = *d;
	return VOW_OK;
}

vow_err retention_close_account(struct vault *v, const char *subject, size_t *deleted)
{
	vow_err err = vault_subject_close(v, subject);
	struct close_ctx c = {.now = clock_now()};
	if (err == VOW_OK)
		err = vault_due_subject(v, subject, close_cb, &c);
	size_t n = 0;
	for (size_t i = 0; err == VOW_OK && i < c.n; i++) {
		vow_err e = vault_due_delete_item(v, &c.v[i], "account closed");
		if (e == VOW_OK)
			n++;
		else if (e != VOW_ERR_DENIED)
			err = e;
	}
	free(c.v);
	if (err == VOW_OK && deleted != NULL)
		*deleted = n;
	return err;
}
