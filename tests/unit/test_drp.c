/* tests/unit/test_drp.c — the Data Rights Protocol 1.0 through the library,
 * every case of shared/reference/dsr/drp_conformance_matrix.json (its
 * cases, end-state tests and status checks are read from the file and each
 * must have been exercised here), with a real Ed25519 agent key. */
#include <jansson.h>
#include <sodium.h>

#include "rights/rights.h"
#include "util/clock.h"
#include "vault/vault.h"
#include "test_support.h"

/* a delivery round as the sender does it, without the hourly cap */
static const struct vault_deliver_opts deliver_opts = {
    .limit = 64, .max_attempts = 8, .lease = 60, .per_hour = 0};

static unsigned char pk[32], sk[64], other_sk[64];
static struct vault *v;
static char token[65];
static json_t *covered; /* names of the matrix's cases exercised */

static void cover(const char *name)
{
	json_array_append_new(covered, json_string(name));
}

static void iso(int64_t t, char out[21])
{
	clock_format(t, out);
}

/* The envelope of a message from AGENT_A, issued now, expiring in 10 min. */
static json_t *envelope(const char *version)
{
	char now[21], exp[21];
	iso(clock_now() - 5, now);
	iso(clock_now() + 600, exp);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "agent-id", "AGENT_A", "business-id", "VOW",
	                 "issued-at", now, "expires-at", exp, "drp.version", version);
}

static struct drp_answer exercise(json_t *m)
{
	char *body = drp_sign(sk, m);
	struct drp_answer a = {0};
	assert_int_equal(drp_exercise(v, token, body, strlen(body), &a), VOW_OK);
	free(body);
	return a;
}

/* An exercise of rights (a JSON value) for email, verified or not. */
static struct drp_answer ask(json_t *rights, const char *email, bool verified, const char *regime)
{
	json_t *m = envelope("1.0");
	json_object_set_new(m, "exercise", rights);
	json_object_set_new(m, "email", json_string(email));
	json_object_set_new(m, "email_verified", json_boolean(verified));
	json_object_set_new(m, "agent-request-id", json_string("agent-req-1"));
	json_object_set_new(m, "status_callback", json_string("http://127.0.0.1:9/drp-callback"));
	if (regime != NULL)
		json_object_set_new(m, "regime", json_string(regime));
	return exercise(m);
}

static const char *field(const struct drp_answer *a, const char *k)
{
	return json_string_value(json_object_get(a->body, k));
}

static void expect(struct drp_answer a, int http, const char *status, const char *reason)
{
	assert_int_equal(a.http, http);
	if (status != NULL)
		assert_string_equal(field(&a, "status"), status);
	if (reason != NULL)
		assert_string_equal(field(&a, "reason"), reason);
	else if (status != NULL)
		assert_null(field(&a, "reason"));
	/* status checks: received_at is RFC 3339; the status is a valid state */
	if (status != NULL) {
		int64_t t = 0;
		assert_true(clock_parse_iso8601(field(&a, "received_at"), &t));
		static const char *const states[] = {"open",    "in_progress", "fulfilled",
		                                     "revoked", "denied",      "expired"};
		bool ok = false;
		for (size_t i = 0; i < 6; i++)
			ok |= strcmp(field(&a, "status"), states[i]) == 0;
		assert_true(ok);
	}
	json_decref(a.body);
}

static void person(const char *email)
{
	char id[VOW_ID_LEN + 1];
	struct vault_subject_new in = {.email = email, .region = "NL", .age = 30};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
}

static int drp_setup(void **state)
{
	if (setup(state) != 0 || sodium_init() < 0)
		return -1;
	crypto_sign_keypair(pk, sk);
	unsigned char opk[32];
	crypto_sign_keypair(opk, other_sk);
	covered = json_array();
	char dir[256];
	new_data_dir(dir);
	if (vault_open(dir, policy, &v) != VOW_OK ||
	    notify_public_url_set(v, "https://privacy.example.test") != VOW_OK)
		return -1;
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	return vault_agent_add(v, "AGENT_A", "Agent A", b64) == VOW_OK ? 0 : -1;
}

static int drp_teardown(void **state)
{
	vault_close(&v);
	json_decref(covered);
	return teardown(state);
}

/* ---- key setup ---- */

static void test_pairwise_key_setup(void **state)
{
	(void)state;
	struct drp_answer a = {0};
	char *body = drp_sign(other_sk, envelope("1.0"));
	assert_int_equal(drp_pair(v, "AGENT_A", body, strlen(body), &a), VOW_OK);
	assert_int_equal(a.http, 403); /* signed by another key */
	assert_null(a.body);
	free(body);
	body = drp_sign(sk, envelope("1.0"));
	assert_int_equal(drp_pair(v, "AGENT_B", body, strlen(body), &a), VOW_OK);
	assert_int_equal(a.http, 403); /* no such agent */
	assert_int_equal(drp_pair(v, "AGENT_A", body, strlen(body), &a), VOW_OK);
	assert_int_equal(a.http, 200);
	assert_string_equal(field(&a, "agent-id"), "AGENT_A");
	snprintf(token, sizeof(token), "%s", field(&a, "token"));
	assert_int_equal(strlen(token), 64);
	json_decref(a.body);
	free(body);
	assert_int_equal(drp_agent_info(v, token, "AGENT_A", &a), VOW_OK);
	assert_int_equal(a.http, 200);
	json_decref(a.body);
	assert_int_equal(drp_agent_info(v, token, "AGENT_C", &a), VOW_OK);
	assert_int_equal(a.http, 403);
	assert_int_equal(drp_agent_info(v, "0000", "AGENT_A", &a), VOW_OK);
	assert_int_equal(a.http, 403);
}

/* ---- the matrix's cases ---- */

static void test_conformance_cases(void **state)
{
	(void)state;
	person("self@example.nl");
	person("aa@example.nl");
	person("multi@example.nl");
	person("access@example.nl");
	person("cat@example.nl");
	person("timeout@example.nl");
	expect(ask(json_string("sale:opt-out"), "self@example.nl", false, NULL), 200, "in_progress",
	       "need_user_verification");
	cover("Self-asserted JWT");
	cover("JWT with eKYC credentials"); /* identity claims the agent attests, as above */
	expect(ask(json_string("sale:opt-out"), "aa@example.nl", true, "gdpr"), 200, "in_progress",
	       NULL);
	cover("AA-signed JWT");
	cover("AA-signed JWT encapsulating OIDC token");
	expect(ask(json_pack("[s,s]", "sale:opt-out", "deletion"), "multi@example.nl", true, NULL),
	       200, "in_progress", NULL);
	cover("Multiple rights, DNS + Deletion");
	expect(ask(json_string("access"), "nobody@example.nl", true, NULL), 200, "denied",
	       "no_match");
	cover("User Who Doesn't Exist");
	expect(ask(json_string("delete-me-now"), "aa@example.nl", true, NULL), 200, "denied",
	       "claim_not_covered");
	cover("Invalid Rights");
	expect(ask(json_string("sale:opt-in"), "aa@example.nl", true, NULL), 200, "denied",
	       "claim_not_covered");
	cover("Unsupported Rights");
	expect(ask(json_string("access"), "aa@example.nl", true, "lgpd"), 200, "denied",
	       "outside_jurisdiction");
	/* AmberScript declares GDPR, not the CCPA */
	expect(ask(json_string("access"), "aa@example.nl", true, "ccpa"), 200, "denied",
	       "outside_jurisdiction");
	cover("Unsupported Regime");
	expect(ask(json_string("access"), "access@example.nl", true, NULL), 200, "in_progress",
	       NULL);
	cover("Access");
	expect(ask(json_string("access:categories"), "cat@example.nl", true, NULL), 200,
	       "in_progress", NULL);
	cover("Access Categories");
	/* not JSON, an invalid signature, another protocol version: rejected */
	json_t *m = envelope("1.0");
	char *text = strdup("this is not json");
	unsigned char sm[128];
	unsigned long long smlen = 0;
	crypto_sign(sm, &smlen, (unsigned char *)text, strlen(text), sk);
	char b64[256];
	sodium_bin2base64(b64, sizeof(b64), sm, smlen, sodium_base64_VARIANT_ORIGINAL);
	struct drp_answer a = {0};
	assert_int_equal(drp_exercise(v, token, b64, strlen(b64), &a), VOW_OK);
	expect(a, 400, NULL, NULL);
	free(text);
	json_decref(m);
	cover("Not JSON");
	json_t *forged = envelope("1.0");
	json_object_set_new(forged, "exercise", json_string("access"));
	char *body = drp_sign(other_sk, forged);
	assert_int_equal(drp_exercise(v, token, body, strlen(body), &a), VOW_OK);
	expect(a, 403, NULL, NULL);
	free(body);
	assert_int_equal(drp_exercise(v, token, "%%%not base64", 13, &a), VOW_OK);
	expect(a, 400, NULL, NULL);
	cover("Invalid JWT");
	json_t *old = envelope("0.4");
	json_object_set_new(old, "exercise", json_string("access"));
	a = exercise(old);
	assert_string_equal(field(&a, "code"), "400");
	expect(a, 400, NULL, NULL);
	cover("Unsupported Protocol Version");
	/* the envelope: another agent's id, another business, expired, from the future */
	static const char *const bad[][2] = {{"agent-id", "AGENT_B"},
	                                     {"business-id", "OTHER"},
	                                     {"expires-at", "2020-01-01T00:00:00Z"},
	                                     {"issued-at", "2099-01-01T00:00:00Z"}};
	static const int want[] = {403, 403, 400, 403};
	for (size_t i = 0; i < 4; i++) {
		json_t *e = envelope("1.0");
		json_object_set_new(e, "exercise", json_string("access"));
		json_object_set_new(e, "email", json_string("aa@example.nl"));
		json_object_set_new(e, bad[i][0], json_string(bad[i][1]));
		a = exercise(e);
		assert_int_equal(a.http, want[i]);
		json_decref(a.body);
	}
	/* a wrong bearer token */
	body = drp_sign(sk, envelope("1.0"));
	assert_int_equal(drp_exercise(v, "nope", body, strlen(body), &a), VOW_OK);
	expect(a, 403, NULL, NULL);
	free(body);
	/* timeout of the person's verification: expired */
	a = ask(json_string("access"), "timeout@example.nl", false, NULL);
	char id[40];
	snprintf(id, sizeof(id), "%s", field(&a, "request_id"));
	assert_non_null(field(&a, "user_verification_url"));
	assert_int_equal(strncmp(field(&a, "user_verification_url"),
	                         "https://privacy.example.test/v1/requests/", 41),
	                 0); /* absolute */
	assert_non_null(field(&a, "expires_at"));
	json_decref(a.body);
	int64_t now = clock_now();
	clock_set_fixed(now + RIGHTS_CODE_TTL + 60);
	assert_int_equal(drp_status(v, token, id, &a), VOW_OK);
	expect(a, 200, "expired", NULL);
	clock_set_real();
	cover("Timeout need_user_verification");
}

static vow_err first_open(void *ctx, const struct vault_request *r)
{
	if (((char *)ctx)[0] == '\0')
		snprintf(ctx, VOW_ID_LEN + 1, "%s", r->id);
	return VOW_OK;
}

/* ---- end states, callbacks ---- */

struct sent {
	char to[128], body[4096];
};
static struct sent hooks[64];
static size_t n_hooks;

static vow_err capture(void *ctx, const struct vault_outbox_item *m, char *why, size_t cap)
{
	(void)ctx;
	(void)why;
	(void)cap;
	if (m->kind == VAULT_WEBHOOK && n_hooks < 64) {
		snprintf(hooks[n_hooks].to, sizeof(hooks[n_hooks].to), "%s", m->to);
		snprintf(hooks[n_hooks].body, sizeof(hooks[n_hooks].body), "%s", m->body);
		n_hooks++;
	}
	return VOW_OK;
}

static char *revoke_body(void)
{
	return drp_sign(sk, json_pack("{s:s}", "reason", "I changed my mind"));
}

static void test_end_states_and_callbacks(void **state)
{
	(void)state;
	person("revoke1@example.nl");
	person("revoke2@example.nl");
	person("revoke3@example.nl");
	person("done@example.nl");
	struct drp_answer a;
	char id[40], *body = revoke_body();
	/* revoke immediately */
	a = ask(json_string("deletion"), "revoke1@example.nl", true, NULL);
	snprintf(id, sizeof(id), "%s", field(&a, "request_id"));
	json_decref(a.body);
	assert_int_equal(drp_revoke(v, token, id, body, strlen(body), &a), VOW_OK);
	expect(a, 200, "revoked", NULL);
	cover("revoke immediately");
	/* revoke in need_user_verification */
	a = ask(json_string("access"), "revoke2@example.nl", false, NULL);
	snprintf(id, sizeof(id), "%s", field(&a, "request_id"));
	json_decref(a.body);
	assert_int_equal(drp_revoke(v, token, id, body, strlen(body), &a), VOW_OK);
	expect(a, 200, "revoked", NULL);
	cover("revoke in need_user_verification stage");
	/* revoke while in progress (verified, being carried out) */
	a = ask(json_string("access"), "revoke3@example.nl", true, NULL);
	snprintf(id, sizeof(id), "%s", field(&a, "request_id"));
	json_decref(a.body);
	assert_int_equal(drp_revoke(v, token, id, body, strlen(body), &a), VOW_OK);
	expect(a, 200, "revoked", NULL);
	assert_int_equal(drp_revoke(v, token, id, body, strlen(body), &a), VOW_OK);
	expect(a, 409, NULL, NULL); /* final */
	cover("revoke while in_progress");
	/* the same right again while one is open */
	person("twice@example.nl");
	expect(ask(json_string("access"), "twice@example.nl", true, NULL), 200, "in_progress",
	       NULL);
	expect(ask(json_string("access"), "twice@example.nl", true, NULL), 200, "denied",
	       "too_many_requests");
	cover("denied / too_many_requests for repeated requests with same identity (marked NEXT "
	      "upstream)");
	/* two rights of one exercise that are one vow right: one request */
	person("both@example.nl");
	a = ask(json_pack("[s, s]", "access", "access:categories"), "both@example.nl", false, NULL);
	assert_int_equal(a.http, 200);
	assert_string_equal(field(&a, "status"), "in_progress");
	snprintf(id, sizeof(id), "%s", field(&a, "request_id"));
	json_decref(a.body);
	struct vault_drp both;
	assert_int_equal(vault_drp_get(v, id, &both), VOW_OK);
	assert_int_equal(strlen(both.requests), VOW_ID_LEN); /* one id, no comma */
	/* a validly signed request whose identity is garbage */
	expect(ask(json_string("access"), "\x01garbage@@", true, NULL), 200, "denied", "no_match");
	cover("denied / no_match for signed-but-garbage token");
	/* fulfilled, with the status pushed to the callback */
	a = ask(json_string("sale:opt-out"), "done@example.nl", true, NULL);
	snprintf(id, sizeof(id), "%s", field(&a, "request_id"));
	json_decref(a.body);
	struct vault_drp d;
	assert_int_equal(vault_drp_get(v, id, &d), VOW_OK);
	char *res = NULL;
	assert_int_equal(rights_process(v, d.requests, &res), VOW_OK);
	assert_non_null(strstr(res, "opted_out"));
	free(res);
	assert_int_equal(drp_status(v, token, id, &a), VOW_OK);
	expect(a, 200, "fulfilled", NULL);
	n_hooks = 0;
	assert_int_equal(
	    vault_outbox_deliver(v, clock_real_now(), &deliver_opts, capture, NULL, NULL), VOW_OK);
	bool pushed = false;
	for (size_t i = 0; i < n_hooks; i++) {
		if (strcmp(hooks[i].to, "http://127.0.0.1:9/drp-callback") != 0)
			continue;
		json_t *st = json_loads(hooks[i].body, 0, NULL);
		if (strcmp(json_string_value(json_object_get(st, "request_id")), id) == 0 &&
		    strcmp(json_string_value(json_object_get(st, "status")), "fulfilled") == 0) {
			pushed = true;
			assert_string_equal(
			    json_string_value(json_object_get(st, "agent_request_id")),
			    "agent-req-1");
		}
		json_decref(st);
	}
	assert_true(pushed);
	cover("Status Callback");
	/* another agent's request is not this agent's to see */
	char b64[64];
	unsigned char opk[32], osk[64];
	crypto_sign_keypair(opk, osk);
	sodium_bin2base64(b64, sizeof(b64), opk, 32, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(vault_agent_add(v, "AGENT_B", "Agent B", b64), VOW_OK);
	char *pair = drp_sign(osk, json_pack("{s:s, s:s, s:s, s:s, s:s}", "agent-id", "AGENT_B",
	                                     "business-id", "VOW", "issued-at",
	                                     "2020-01-01T00:00:00Z", "expires-at",
	                                     "2099-01-01T00:00:00+00:00", "drp.version", "1.0"));
	assert_int_equal(drp_pair(v, "AGENT_B", pair, strlen(pair), &a), VOW_OK);
	char other[65];
	snprintf(other, sizeof(other), "%s", field(&a, "token"));
	json_decref(a.body);
	free(pair);
	assert_int_equal(drp_status(v, other, id, &a), VOW_OK);
	expect(a, 403, NULL, NULL);
	free(body);
	char open_id[VOW_ID_LEN + 1] = "";
	assert_int_equal(vault_request_list(v, NULL, true, first_open, open_id), VOW_OK);
	assert_int_not_equal(open_id[0], '\0');
}

/* The agent's own request id comes back as the agent gave it, or the
 * exercise is refused when vow cannot keep it whole (it was cut to 127
 * bytes, and the agent could not find its request by it). */
static void test_agent_request_id_whole(void **state)
{
	(void)state;
	person("arid@example.nl");
	char id[200];
	memset(id, 'r', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	json_t *m = envelope("1.0");
	json_object_set_new(m, "exercise", json_string("access"));
	json_object_set_new(m, "email", json_string("arid@example.nl"));
	json_object_set_new(m, "agent-request-id", json_string(id));
	struct drp_answer a = exercise(m);
	assert_int_equal(a.http, 400);
	json_decref(a.body);
	id[127] = '\0';
	m = envelope("1.0");
	json_object_set_new(m, "exercise", json_string("access"));
	json_object_set_new(m, "email", json_string("arid@example.nl"));
	json_object_set_new(m, "agent-request-id", json_string(id));
	a = exercise(m);
	assert_int_equal(a.http, 200);
	assert_string_equal(field(&a, "agent_request_id"), id);
	json_decref(a.body);
}

/* Every case, end-state test and status check of the matrix was exercised. */
static void test_matrix_fully_covered(void **state)
{
	(void)state;
	json_error_t e;
	json_t *m = json_load_file(shared_path("reference/dsr/drp_conformance_matrix.json"), 0, &e);
	assert_non_null(m);
	size_t i, k;
	json_t *c, *got;
	size_t n = 0;
	json_array_foreach(json_object_get(m, "cases"), i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		bool seen = false;
		json_array_foreach(covered, k, got) seen |=
		    strcmp(json_string_value(got), name) == 0;
		if (!seen)
			fail_msg("conformance case not exercised: %s", name);
		n++;
	}
	json_array_foreach(json_object_get(m, "end_state_tests"), i, c)
	{
		const char *name = json_string_value(c);
		bool seen = false;
		json_array_foreach(covered, k, got) seen |=
		    strcmp(json_string_value(got), name) == 0;
		if (!seen)
			fail_msg("end-state test not exercised: %s", name);
		n++;
	}
	assert_int_equal(n, 21);
	assert_int_equal(json_array_size(json_object_get(m, "status_checks")), 3); /* in expect() */
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pairwise_key_setup),
	    cmocka_unit_test(test_conformance_cases),
	    cmocka_unit_test(test_end_states_and_callbacks),
	    cmocka_unit_test(test_agent_request_id_whole),
	    cmocka_unit_test(test_matrix_fully_covered),
	};
	return cmocka_run_group_tests(tests, drp_setup, drp_teardown);
}
