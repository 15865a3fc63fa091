/* policy/retention_due.c — when a stored item is due for deletion under the
 * policy's retention rules and legal holds. Pure: no I/O, no allocation. */
#include "policy/policy.h"
#include "util/clock.h"

#define NEVER INT64_MAX

static bool rule_covers(const struct policy *p, const struct policy_idx_list *cats, uint32_t cat)
{
	for (uint32_t i = 0; i < cats->n; i++)
		if (taxonomy_key_covers(p->categories[cats->v[i]].key, p->categories[cat].key))
			return true;
	return false;
}

/* The time an anchor was reached, or 0 if it has not been yet. */
static int64_t anchor_time(enum policy_anchor a, const struct retention_facts *f)
{
	switch (a) {
	case ANCHOR_CREATED:
		return f->created_at;
	case ANCHOR_LAST_ACTIVITY:
		return f->last_activity > f->created_at ? f->last_activity : f->created_at;
	case ANCHOR_ACCOUNT_CLOSED:
		return f->closed_at;
	case ANCHOR_CONTRACT_END:
		return f->contract_end != 0 ? f->contract_end : f->closed_at;
	default:
		return 0;
	}
}

static int64_t add(int64_t t, struct policy_duration d)
{
	return d.n == 0 ? t : clock_add(t, d.n, (int)d.unit);
}

void policy_retention_due(const struct policy *p, uint32_t category,
                          const struct retention_facts *f, struct retention_due *out)
{
	*out = (struct retention_due){.rule = POLICY_NONE};
	if (p == NULL || category >= p->n_categories)
		return;
	int64_t due = 0; /* 0: no rule matched */
	bool never = false, closing = true, matched = false;
	const struct policy_retention *decisive = NULL;
	for (uint32_t i = 0; i < p->n_retention; i++) {
		const struct policy_retention *r = &p->retention[i];
		if (!rule_covers(p, &r->categories, category) ||
		    (r->purpose != POLICY_NONE &&
		     (f->purpose >= p->n_purposes ||
		      !taxonomy_key_covers(p->purposes[r->purpose].key,
		                           p->purposes[f->purpose].key))))
			continue;
		matched = true;
		int64_t d;
		bool by_close = r->delete_on_close && f->closed_at != 0;
		if (by_close) {
			d = f->closed_at;
		} else {
			closing = false;
			int64_t at = anchor_time(r->from, f);
			if (r->period.n == 0 || at == 0) {
				never = true;
				continue;
			}
			d = add(at, r->period);
			int64_t min = add(f->created_at, r->minimum);
			if (d < min)
				d = min;
		}
		if (d > due) {
			due = d;
			decisive = r;
		}
	}
	if (!matched && f->closed_at != 0) {
		/* no rule keeps it for a purpose: once the account is closed, what a
		 * legal hold covers is kept until the hold ends (from the hold's own
		 * anchor), then goes */
		int64_t end = policy_hold_end(p, category, f);
		if (end != 0 && end != NEVER) {
			out->due_at = end;
			out->held = true;
		}
		return;
	}
	if (!matched || never)
		return; /* kept: no rule, or one that needs it until an anchor is reached */
	out->rule = (uint32_t)(decisive - p->retention);
	out->on_close = closing;
	if (!closing && f->postponed_to > due)
		due = f->postponed_to;
	for (uint32_t i = 0; i < p->n_holds; i++) {
		const struct policy_hold *h = &p->holds[i];
		if (!rule_covers(p, &h->categories, category))
			continue;
		int64_t at = anchor_time(h->from, f);
		int64_t end = at == 0 ? NEVER : add(at, h->period);
		if (end > due) {
			due = end;
			out->held = true;
		}
	}
	if (due == NEVER)
		return;
	out->due_at = due;
	if (!closing && !out->held && decisive->notice.n > 0) {
		int64_t n = clock_sub(due, decisive->notice.n, (int)decisive->notice.unit);
		out->notice_at = n > f->created_at ? n : f->created_at;
	}
}

int64_t policy_hold_end(const struct policy *p, uint32_t category, const struct retention_facts *f)
{
	int64_t end = 0;
	for (uint32_t i = 0; p != NULL && category < p->n_categories && i < p->n_holds; i++) {
		const struct policy_hold *h = &p->holds[i];
		if (!rule_covers(p, &h->categories, category))
			continue;
		int64_t at = anchor_time(h->from, f);
		int64_t e = at == 0 ? NEVER : add(at, h->period);
		if (e > end)
			end = e;
	}
	return end;
}
