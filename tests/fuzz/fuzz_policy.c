/* tests/fuzz/fuzz_policy.c — libFuzzer target: the policy loader.
 *
 * Each input is a policy file. It is loaded with policy_load_buffer; an
 * invalid one must come back as diagnostics (each with a message), a valid
 * one is handed to everything that consumes a compiled policy: the JSON view
 * (which must parse back as JSON), the Markdown and HTML renderings, the
 * record of processing (CSV and JSON), the diff against itself (no change)
 * and against the example policy both ways, the due dates of every category,
 * and the decision point for every purpose, category and role. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide/decide.h"
#include "policy/policy.h"
#include "util/clock.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct policy *example;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	clock_set_fixed(1767225600); /* 2026-01-01: the same run every time */
	size_t len = 0;
	const char *text = policy_example_text(&len);
	struct policy_diags d = {0};
	if (policy_load_buffer(text, len, &example, &d) != VOW_OK) {
		fprintf(stderr, "fuzz_policy: the example policy does not load\n");
		abort();
	}
	policy_diags_free(&d);
	return 0;
}

/* Frees s, aborting when a consumer returned NULL (ENOMEM is not expected
 * at these sizes). */
static void consume(char *s, const char *what)
{
	if (s == NULL) {
		fprintf(stderr, "fuzz_policy: %s returned NULL\n", what);
		abort();
	}
	free(s);
}

static void diff(const struct policy *a, const struct policy *b, bool same)
{
	struct policy_changes ch = {0};
	if (policy_diff(a, b, &ch) != VOW_OK)
		abort();
	for (size_t i = 0; i < ch.len; i++)
		if (ch.items[i].text == NULL || ch.items[i].text[0] == '\0')
			abort();
	if (same && ch.len != 0) {
		fprintf(stderr, "fuzz_policy: a policy differs from itself: %s\n",
		        ch.items[0].text);
		abort();
	}
	policy_changes_free(&ch);
}

static void decide_all(const struct policy *p)
{
	struct decide_subject s = {.status = SUBJECT_STATE_ACTIVE, .region = "NL"};
	/* at most 32 of each, so a large policy does not make the input slow */
	for (uint32_t pu = 0; pu < p->n_purposes && pu < 32; pu++)
		for (uint32_t c = 0; c < p->n_categories && c < 32; c++)
			for (uint32_t r = 0; r < p->n_roles && r < 32; r++) {
				struct decide_actor a = {r, true};
				struct decide_request q = {pu, c, POLICY_NONE, "nl", false, OP_READ};
				q.recipient =
				    p->n_recipients > 0 ? r % p->n_recipients : POLICY_NONE;
				struct decide_result res = decide(p, &a, &s, &q);
				if (decide_reason_code(res.reason) == NULL)
					abort();
			}
}

static void due_all(const struct policy *p)
{
	struct retention_facts f = {.created_at = 1700000000,
	                            .last_activity = 1710000000,
	                            .closed_at = 1720000000,
	                            .contract_end = 0,
	                            .postponed_to = 0};
	for (uint32_t c = 0; c < p->n_categories && c < 64; c++) {
		for (uint32_t pu = 0; pu <= p->n_purposes && pu <= 64; pu++) {
			f.purpose = pu < p->n_purposes && pu < 64 ? pu : POLICY_NONE;
			struct retention_due due;
			policy_retention_due(p, c, &f, &due);
			(void)policy_hold_end(p, c, &f);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	struct policy_diags d = {0};
	vow_err err = policy_load_buffer((const char *)data, size, &p, &d);
	if (err != VOW_OK) {
		if (err == VOW_ERR_POLICY && d.len == 0) {
			fprintf(stderr, "fuzz_policy: an invalid policy without a diagnostic\n");
			abort();
		}
		for (size_t i = 0; i < d.len; i++)
			if (d.items[i].message == NULL || d.items[i].line == 0)
				abort();
		policy_diags_free(&d);
		return 0;
	}
	if (d.len != 0)
		abort();
	char *json = policy_to_json(p);
	if (json == NULL)
		abort();
	json_error_t je;
	json_t *back = json_loads(json, 0, &je);
	if (back == NULL) {
		fprintf(stderr, "fuzz_policy: policy_to_json is not JSON: %s\n", je.text);
		abort();
	}
	json_decref(back);
	free(json);
	consume(policy_render(p, false), "policy_render (md)");
	consume(policy_render(p, true), "policy_render (html)");
	consume(policy_ropa(p, true), "policy_ropa (csv)");
	consume(policy_ropa(p, false), "policy_ropa (json)");
	diff(p, p, true);
	diff(example, p, false);
	diff(p, example, false);
	due_all(p);
	decide_all(p);
	policy_free(&p);
	return 0;
}
