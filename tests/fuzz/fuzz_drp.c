/* tests/fuzz/fuzz_drp.c — libFuzzer target: Data Rights Protocol envelopes
 * (src/rights/drp.c: drp_pair, drp_exercise, drp_revoke, drp_status).
 *
 * LLVMFuzzerInitialize prepares a data directory once: the example policy,
 * an agent AGENT_A with a fixed Ed25519 key, its pair-wise token, a person
 * (person@example.nl, +31201234567) and one exercise of theirs still open.
 * Each input runs on a fresh copy of that directory under a fixed clock
 * (2026-01-01T00:00:00Z), so it does not depend on the inputs before it.
 *
 * Input: one flags byte, then the payload.
 *   flags & 3: 0 key setup (drp_pair), 1 exercise, 2 revoke of the open
 *              exercise, 3 exercise then its status and its revocation;
 *   flags & 4: the payload is the body as it is (base64 of signature and
 *              JSON); otherwise the payload is the message, signed here
 *              with the agent's key, so the fuzzer gets past the signature
 *              and reaches the envelope and exercise checks.
 * Every answer must be an HTTP status the protocol uses, with a JSON
 * object or no body; an exercise answered with a status names the agent's
 * request id as given. */
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "rights/rights.h"
#include "util/clock.h"
#include "vault/vault.h"
#include "fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW 1767225600 /* 2026-01-01T00:00:00Z */

static unsigned char pk[32], sk[64];
static struct policy *policy;
static char base[PATH_MAX], work[PATH_MAX];
static char token[65], open_id[40];

static void need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_drp: setup failed: %s\n", what);
		abort();
	}
}

/* base64(signature || msg) under sk; caller frees. */
static char *sign(const unsigned char *msg, size_t len)
{
	unsigned char *sm = malloc(len + crypto_sign_BYTES);
	need(sm != NULL, "malloc");
	unsigned long long smlen = 0;
	crypto_sign(sm, &smlen, msg, len, sk);
	size_t b64 = sodium_base64_encoded_len(smlen, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(b64);
	need(out != NULL, "malloc");
	sodium_bin2base64(out, b64, sm, smlen, sodium_base64_VARIANT_ORIGINAL);
	free(sm);
	return out;
}

static char *sign_json(json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	need(text != NULL, "json_dumps");
	char *out = sign((const unsigned char *)text, strlen(text));
	free(text);
	return out;
}

static json_t *envelope(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "agent-id", "AGENT_A", "business-id", "VOW",
	                 "issued-at", "2025-12-31T23:59:00Z", "expires-at", "2026-01-01T00:10:00Z",
	                 "drp.version", "1.0");
}

static void prepare(void)
{
	struct vault *v = NULL;
	char key[PATH_MAX + 16];
	need(mkdir(base, 0700) == 0, "mkdir");
	snprintf(key, sizeof(key), "%s/master.key", base);
	need(crypto_master_key_create(key) == VOW_OK, "master key");
	need(vault_open(base, policy, &v) == VOW_OK, "vault_open");
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	need(vault_agent_add(v, "AGENT_A", "Agent A", b64) == VOW_OK, "agent");
	char id[VOW_ID_LEN + 1];
	struct vault_subject_new in = {
	    .email = "person@example.nl", .phone = "+31201234567", .region = "NL", .age = 30};
	need(vault_subject_create(v, &in, id) == VOW_OK, "subject");
	struct drp_answer a = {0};
	char *body = sign_json(envelope());
	need(drp_pair(v, "AGENT_A", body, strlen(body), &a) == VOW_OK && a.http == 200, "pair");
	free(body);
	snprintf(token, sizeof(token), "%s", json_string_value(json_object_get(a.body, "token")));
	json_decref(a.body);
	json_t *m = envelope();
	json_object_set_new(m, "exercise", json_string("access"));
	json_object_set_new(m, "email", json_string("person@example.nl"));
	body = sign_json(m);
	need(drp_exercise(v, token, body, strlen(body), &a) == VOW_OK && a.http == 200,
	     "exercise");
	free(body);
	snprintf(open_id, sizeof(open_id), "%s",
	         json_string_value(json_object_get(a.body, "request_id")));
	json_decref(a.body);
	vault_close(&v);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	clock_set_fixed(FUZZ_NOW);
	need(crypto_init() == VOW_OK, "crypto_init");
	unsigned char seed[32];
	memset(seed, 0x5a, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	size_t len = 0;
	const char *text = policy_example_text(&len);
	struct policy_diags d = {0};
	need(policy_load_buffer(text, len, &policy, &d) == VOW_OK, "example policy");
	policy_diags_free(&d);
	const char *root = fuzz_root_make();
	snprintf(base, sizeof(base), "%s/base", root);
	snprintf(work, sizeof(work), "%s/work", root);
	prepare();
	return 0;
}

/* Checks an answer and frees its body. */
static void answered(vow_err err, struct drp_answer *a, const char *what)
{
	if (err != VOW_OK) {
		fprintf(stderr, "fuzz_drp: %s failed: %s\n", what, vow_err_code(err));
		abort();
	}
	if (a->http != 200 && a->http != 400 && a->http != 403 && a->http != 404 &&
	    a->http != 409) {
		fprintf(stderr, "fuzz_drp: %s answered HTTP %d\n", what, a->http);
		abort();
	}
	if (a->body != NULL && !json_is_object(a->body)) {
		fprintf(stderr, "fuzz_drp: %s answered a body that is not an object\n", what);
		abort();
	}
	if (a->http == 200 && a->body == NULL) {
		fprintf(stderr, "fuzz_drp: %s answered 200 without a body\n", what);
		abort();
	}
	json_decref(a->body);
	a->body = NULL;
}

/* An exercise's status names the agent's own request id as the agent gave
 * it (an agent finds its request by it). */
static void echoes_request_id(const uint8_t *msg, size_t len, const json_t *status)
{
	json_t *m = json_loadb((const char *)msg, len, JSON_REJECT_DUPLICATES, NULL);
	const char *given = json_string_value(json_object_get(m, "agent-request-id"));
	const char *echoed = json_string_value(json_object_get(status, "agent_request_id"));
	if (given != NULL && given[0] != '\0' && (echoed == NULL || strcmp(given, echoed) != 0)) {
		fprintf(stderr, "fuzz_drp: agent-request-id '%s' answered as '%s'\n", given,
		        echoed != NULL ? echoed : "(none)");
		abort();
	}
	json_decref(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 70000)
		return 0;
	unsigned op = data[0] & 3u;
	bool raw = (data[0] & 4u) != 0;
	char *body;
	if (raw) {
		body = malloc(size - 1 + 1); /* the body's exact size (len is passed) */
		need(body != NULL, "malloc");
		memcpy(body, data + 1, size - 1);
	} else {
		body = sign(data + 1, size - 1);
	}
	size_t len = raw ? size - 1 : strlen(body);
	fuzz_fresh_copy(base, work);
	struct vault *v = NULL;
	need(vault_open(work, policy, &v) == VOW_OK, "vault_open");
	struct drp_answer a = {0};
	if (op == 0) {
		answered(drp_pair(v, "AGENT_A", body, len, &a), &a, "drp_pair");
	} else if (op == 1) {
		vow_err err = drp_exercise(v, token, body, len, &a);
		if (!raw && err == VOW_OK && a.http == 200)
			echoes_request_id(data + 1, size - 1, a.body);
		answered(err, &a, "drp_exercise");
	} else if (op == 2) {
		answered(drp_revoke(v, token, open_id, body, len, &a), &a, "drp_revoke");
	} else {
		vow_err err = drp_exercise(v, token, body, len, &a);
		char id[40] = "";
		const char *rid = json_string_value(json_object_get(a.body, "request_id"));
		if (rid != NULL)
			snprintf(id, sizeof(id), "%s", rid);
		answered(err, &a, "drp_exercise");
		if (id[0] != '\0') {
			answered(drp_status(v, token, id, &a), &a, "drp_status");
			char *revoke = sign_json(json_pack("{s:s}", "reason", "fuzz"));
			answered(drp_revoke(v, token, id, revoke, strlen(revoke), &a), &a,
			         "drp_revoke");
			free(revoke);
		}
	}
	vault_close(&v);
	free(body);
	return 0;
}
