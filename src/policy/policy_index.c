/* policy/policy_index.c — the bitsets decide() reads, built once per
 * compiled policy so that a decision is a handful of bit tests. */
#include <string.h>

#include "policy/policy_int.h"

static uint64_t *table(struct loader *L, uint32_t rows, uint32_t words)
{
	size_t n = (size_t)(rows ? rows : 1) * (words ? words : 1);
	return lalloc(L, n * sizeof(uint64_t));
}

static void set_bits(uint64_t *row, struct policy_idx_list l)
{
	for (uint32_t i = 0; i < l.n; i++)
		row[l.v[i] / 64] |= 1ull << (l.v[i] % 64);
}

void policy_index_build(struct loader *L)
{
	struct policy *p = L->p;
	p->cat_words = (p->n_categories + 63) / 64;
	p->pur_words = (p->n_purposes + 63) / 64;
	p->role_words = (p->n_roles + 63) / 64;
	uint32_t cw = p->cat_words ? p->cat_words : 1, pw = p->pur_words ? p->pur_words : 1;
	uint32_t rw = p->role_words ? p->role_words : 1;
	p->purpose_categories = table(L, p->n_purposes, cw);
	p->purpose_roles = table(L, p->n_purposes, rw);
	p->role_categories = table(L, p->n_roles, cw);
	p->role_ops = table(L, (uint32_t)OP__COUNT * (p->n_roles ? p->n_roles : 1), cw);
	p->recipient_purposes = table(L, p->n_recipients, pw);
	p->recipient_categories = table(L, p->n_recipients, cw);
	p->residency_categories = table(L, p->n_residency, cw);
	p->legal_purposes = table(L, 1, pw);
	if (L->oom)
		return;
	for (uint32_t i = 0; i < p->n_purposes; i++) {
		const struct policy_purpose *u = &p->purposes[i];
		set_bits(p->purpose_categories + (size_t)i * cw, u->categories);
		set_bits(p->purpose_roles + (size_t)i * rw, u->roles);
		if (u->key != NULL && (u->basis == BASIS_LEGAL_OBLIGATION ||
		                       taxonomy_key_covers("essential.legal_claims", u->key)))
			p->legal_purposes[i / 64] |= 1ull << (i % 64);
	}
	for (uint32_t i = 0; i < p->n_roles; i++) {
		uint64_t *row = p->role_categories + (size_t)i * cw;
		if (p->roles[i].categories.n == 0)
			memset(row, 0xff, cw * sizeof(uint64_t));
		else
			set_bits(row, p->roles[i].categories);
		/* per operation: every category it sees, or those listed for it */
		uint32_t nr = p->n_roles ? p->n_roles : 1;
		for (uint32_t o = 0; o < OP__COUNT; o++) {
			uint64_t *op = p->role_ops + ((size_t)o * nr + i) * cw;
			if (p->roles[i].ops & (1u << o))
				memset(op, 0xff, cw * sizeof(uint64_t));
			else
				set_bits(op, p->roles[i].op_categories[o]);
		}
	}
	for (uint32_t i = 0; i < p->n_recipients; i++) {
		set_bits(p->recipient_purposes + (size_t)i * pw, p->recipients[i].purposes);
		set_bits(p->recipient_categories + (size_t)i * cw, p->recipients[i].categories);
	}
	for (uint32_t i = 0; i < p->n_residency; i++)
		set_bits(p->residency_categories + (size_t)i * cw, p->residency[i].categories);
}
