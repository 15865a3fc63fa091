/* tests/unit/test_promises.c — what /privacy says, the running server does:
 * each promise of the example policy that the render states is checked
 * against a real `vow serve` over HTTP and the CLI (intake minimisation,
 * closure, residency by language, children, rectification, erasure of open
 * requests, every refusal's reason, no truncation, decisions before
 * existence, the data directory's lock, the audit's durability). */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "test_server.h" /* first: the server fixture, not the vault one */

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "policy/policy.h"
#include "vault/vault.h"

static char dir[] = "/tmp/vow-promises-XXXXXX";
static char transcriber[128], marketing[128], support[128];

/* The AmberScript example, with precise location dropped at intake (no
 * example drops a category, and the rule must hold when one does). */
static int write_policy(const char *path)
{
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	bool precise = false;
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		fprintf(f, "%s\n", line);
		if (strcmp(line, "  - key: user.location.precise") == 0)
			precise = true;
		else if (precise && strncmp(line, "    description:", 16) == 0) {
			fprintf(f, "    intake: drop\n");
			precise = false;
		}
	}
	fclose(f);
	free(text);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || sodium_init() < 0)
		return -1;
	server_paths(dir);
	char policy_path[400];
	snprintf(policy_path, sizeof(policy_path), "%s/policy.yaml", dir);
	if (write_policy(policy_path) != 0)
		return -1;
	free(run_capture((const char *[]){"init", data, "--policy", policy_path, NULL}));
	if (!make_key("admin", NULL, admin) || !make_key("service", NULL, service) ||
	    !make_key("transcriber", "t-9", transcriber) ||
	    !make_key("marketing_team", "m-1", marketing) || !make_key("support", "s-1", support))
		return -1;
	start_server((const char *[]){"--sweep-interval", "0", "--public-url",
	                              "https://privacy.amberscript.test", NULL});
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (server > 0)
		stop_server();
	curl_global_cleanup();
	return remove_tree(dir);
}

static const char *err_reason(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "reason"));
}

static const char *err_message(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "message"));
}

static void new_subject(const char *body, char id[33])
{
	json_t *j = NULL;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, body, &j), 201);
	snprintf(id, 33, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

static void subject_with(const char *email, char id[33])
{
	char body[200];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"region\":\"NL\"}", email);
	new_subject(body, id);
}

static long put(const char *subject, const char *category, const char *purpose,
                const char *value, json_t **out)
{
	char p[400];
	snprintf(p, sizeof(p), "/v1/subjects/%.32s/data/%.128s", subject, category);
	return jreq("PUT", p, service, purpose, value, out);
}

static long get(const char *key, const char *subject, const char *category, const char *purpose,
                char **out)
{
	char p[400];
	snprintf(p, sizeof(p), "/v1/subjects/%.32s/data/%.128s", subject, category);
	return req("GET", p, key, purpose, NULL, 0, NULL, out);
}

static void consent(const char *subject, const char *purpose)
{
	char p[400], body[400];
	snprintf(p, sizeof(p), "/v1/subjects/%s/consents", subject);
	snprintf(body, sizeof(body), "{\"purpose\":\"%s\",\"state\":\"given\"}", purpose);
	json_t *j = NULL;
	assert_int_equal(jreq("POST", p, service, NULL, body, &j), 201);
	json_decref(j);
}

/* Files a request the admin vouches for and carries it out; the answer. */
static json_t *processed(const char *subject, const char *type, const char *detail)
{
	char body[600], p[400];
	snprintf(body, sizeof(body),
	         "{\"subject\":\"%s\",\"type\":\"%s\",\"detail\":%s,\"identity_verified\":true}",
	         subject, type, detail != NULL ? detail : "{}");
	json_t *j = NULL;
	assert_int_equal(jreq("POST", "/v1/requests", admin, NULL, body, &j), 201);
	assert_non_null(j);
	snprintf(p, sizeof(p), "/v1/requests/%s/process",
	         json_string_value(json_object_get(j, "id")));
	json_decref(j);
	assert_int_equal(jreq("POST", p, admin, NULL, NULL, &j), 200);
	return j;
}

/* The raw bytes at path (binary-safe): *len their count. Caller frees. */
static char *fetch(const char *path, size_t *len)
{
	CURL *c = curl_easy_init();
	assert_non_null(c);
	char u[600], *copy = NULL;
	snprintf(u, sizeof(u), "http://127.0.0.1:%u%s", port, path);
	FILE *mem = open_memstream(&copy, len);
	assert_non_null(mem);
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	fclose(mem);
	return copy;
}

static bool has(const char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle)) != NULL;
}

/* ---- 1. intake minimisation ---- */

static void test_intake(void **state)
{
	(void)state;
	char s[33];
	subject_with("intake@example.nl", s);
	json_t *j = NULL;
	char *out = NULL;
	/* a password: only its Argon2id hash is kept, never returned, checkable */
	assert_int_equal(put(s, "user.authorization.password", "essential.service.account",
	                     "\"correct horse battery\"", &j),
	                 200);
	assert_string_equal(json_string_value(json_object_get(j, "intake")), "hash");
	assert_true(json_is_true(json_object_get(j, "stored")));
	json_decref(j);
	assert_int_equal(
	    get(service, s, "user.authorization.password", "essential.service.account", &out), 403);
	assert_non_null(strstr(out, "hash_only"));
	assert_null(strstr(out, "correct horse"));
	assert_null(strstr(out, "argon2"));
	free(out);
	char p[400];
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.authorization.password/verify", s);
	assert_int_equal(jreq("POST", p, service, "essential.service.account",
	                      "{\"value\":\"correct horse battery\"}", &j),
	                 200);
	assert_true(json_is_true(json_object_get(j, "match")));
	json_decref(j);
	assert_int_equal(jreq("POST", p, service, "essential.service.account",
	                      "{\"value\":\"correct horse\"}", &j),
	                 200);
	assert_true(json_is_false(json_object_get(j, "match")));
	json_decref(j);
	/* decided like a read: a purpose that does not use passwords may not check one */
	assert_int_equal(
	    jreq("POST", p, service, "essential.service", "{\"value\":\"correct horse battery\"}", &j),
	    403);
	assert_string_equal(err_reason(j), "category_not_in_purpose");
	json_decref(j);
	/* an IP address: the network only, /24 and /48 */
	consent(s, "analytics.reporting");
	assert_int_equal(
	    put(s, "user.device.ip_address", "analytics.reporting", "\"203.0.113.77\"", &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "value")), "203.0.113.0");
	json_decref(j);
	assert_int_equal(get(service, s, "user.device.ip_address", "analytics.reporting", &out),
	                 200);
	assert_string_equal(out, "\"203.0.113.0\"");
	free(out);
	assert_int_equal(put(s, "user.device.ip_address", "analytics.reporting",
	                     "\"2001:db8:abcd:12:3456::77\"", &j),
	                 200);
	assert_string_equal(json_string_value(json_object_get(j, "value")), "2001:db8:abcd::");
	json_decref(j);
	assert_int_equal(
	    put(s, "user.device.ip_address", "analytics.reporting", "\"not an address\"", &j), 400);
	assert_non_null(strstr(err_message(j), "IPv4 or IPv6"));
	json_decref(j);
	assert_int_equal(put(s, "user.device.ip_address", "analytics.reporting",
	                     "\"203.0.113.78\"", &j),
	                 200); /* the current value again: 203.0.113.0 */
	json_decref(j);
	/* dropped at intake: decided, and nothing kept */
	consent(s, "functional.service");
	assert_int_equal(put(s, "user.location.precise", "functional.service",
	                     "{\"lat\":52.37,\"lon\":4.89}", &j),
	                 200);
	assert_true(json_is_false(json_object_get(j, "stored")));
	assert_string_equal(json_string_value(json_object_get(j, "intake")), "drop");
	json_decref(j);
	assert_int_equal(get(service, s, "user.location.precise", "functional.service", &out), 404);
	free(out);
	/* the export holds only what was stored */
	j = processed(s, "access", NULL);
	const char *url = json_string_value(json_object_get(j, "download"));
	assert_non_null(url);
	size_t len = 0;
	char *tar = fetch(strstr(url, "/v1/exports/"), &len);
	json_decref(j);
	assert_true(len > 1024);
	assert_true(has(tar, len, "203.0.113.0"));
	assert_false(has(tar, len, "203.0.113.77"));
	assert_false(has(tar, len, "203.0.113.78"));
	assert_false(has(tar, len, "correct horse"));
	assert_false(has(tar, len, "$argon2id$"));
	assert_true(has(tar, len, "one-way hash"));
	assert_false(has(tar, len, "52.37"));
	free(tar);
	/* no value in the clear on disk either */
	char db[400];
	snprintf(db, sizeof(db), "%s/data.db", data);
	size_t dlen = 0;
	char *bytes = slurp(db, &dlen);
	assert_false(has(bytes, dlen, "correct horse"));
	assert_false(has(bytes, dlen, "203.0.113"));
	free(bytes);
}

/* ---- 2. closure: the profile follows the policy's closure rule ---- */

static void test_closure_forgets_profile(void **state)
{
	(void)state;
	char s[33];
	new_subject("{\"email\":\"closing@example.nl\",\"phone\":\"+31 20 555 0101\","
	            "\"region\":\"NL\"}",
	            s);
	json_t *j = NULL;
	assert_int_equal(jreq("GET", "/v1/subjects?email=closing@example.nl", service, NULL, NULL, &j),
	                 200);
	json_decref(j);
	char p[400];
	snprintf(p, sizeof(p), "/v1/subjects/%s/close", s);
	assert_int_equal(jreq("POST", p, service, NULL, NULL, &j), 200);
	json_decref(j);
	/* AmberScript deletes contact data when the account is deleted */
	assert_int_equal(jreq("GET", "/v1/subjects?email=closing@example.nl", service, NULL, NULL, &j),
	                 404);
	json_decref(j);
	assert_int_equal(jreq("GET", "/v1/subjects?phone=%2B31205550101", service, NULL, NULL, &j),
	                 404);
	json_decref(j);
	/* the address is free for a new account */
	char again[33];
	subject_with("closing@example.nl", again);
	assert_string_not_equal(again, s);
}

/* ---- 4. Dutch content stays in Europe, however its tag is written ---- */

static long upload(const char *subject, const char *language, char id[33])
{
	char p[400];
	snprintf(p, sizeof(p), "/v1/subjects/%s/files?category=user.content.audio&name=a.wav%s%s",
	         subject, language != NULL ? "&language=" : "", language != NULL ? language : "");
	char *out = NULL;
	long st = req("POST", p, service, "essential.service", "RIFF....WAVE", 12,
	              (const char *[]){"Content-Type: audio/wav", NULL}, &out);
	json_t *j = json_loads(out, 0, NULL);
	free(out);
	snprintf(id, 33, "%s", st == 201 ? json_string_value(json_object_get(j, "id")) : "");
	json_decref(j);
	return st;
}

static long disclose_file(const char *subject, const char *file, const char *recipient,
                          json_t **out)
{
	char p[400], body[400];
	snprintf(p, sizeof(p), "/v1/subjects/%s/disclosures", subject);
	snprintf(body, sizeof(body), "{\"recipient\":\"%s\",\"file\":\"%s\"}", recipient, file);
	return jreq("POST", p, service, "essential.service.human_transcription", body, out);
}

static void test_residency_by_language(void **state)
{
	(void)state;
	char s[33], f[33];
	subject_with("dutch@example.nl", s);
	static const char *const dutch[] = {"nl", "NL", "nl-NL", "nl-BE"};
	json_t *j = NULL;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(upload(s, dutch[i], f), 201);
		assert_int_equal(disclose_file(s, f, "transcription_partners_intl", &j), 403);
		assert_string_equal(err_reason(j), "region_not_allowed");
		json_decref(j);
		assert_int_equal(disclose_file(s, f, "transcription_partners_eu", &j), 201);
		json_decref(j);
	}
	/* English may go to the partners outside Europe */
	assert_int_equal(upload(s, "en-GB", f), 201);
	assert_int_equal(disclose_file(s, f, "transcription_partners_intl", &j), 201);
	json_decref(j);
	/* a file whose language nobody gave is held to the stricter rule */
	assert_int_equal(upload(s, NULL, f), 201);
	assert_int_equal(disclose_file(s, f, "transcription_partners_intl", &j), 403);
	assert_string_equal(err_reason(j), "region_not_allowed");
	json_decref(j);
	/* the language is the file's: the file list says it */
	char p[400];
	snprintf(p, sizeof(p), "/v1/subjects/%s/files", s);
	assert_int_equal(jreq("GET", p, service, NULL, NULL, &j), 200);
	size_t i, nl = 0;
	json_t *it;
	json_array_foreach(json_object_get(j, "files"), i, it)
	{
		const char *lang = json_string_value(json_object_get(it, "language"));
		nl += lang != NULL && (lang[0] == 'n' || lang[0] == 'N');
	}
	assert_int_equal(nl, 4);
	json_decref(j);
	/* a malformed tag is refused with the field named */
	char none[33];
	assert_int_equal(upload(s, "n", none), 400);
	/* a decision asked with the tag in another case */
	char body[300];
	snprintf(body, sizeof(body),
	         "{\"subject\":\"%s\",\"category\":\"user.content.audio\",\"purpose\":"
	         "\"essential.service.human_transcription\",\"recipient\":"
	         "\"transcription_partners_intl\",\"attr\":\"NL\"}",
	         s);
	assert_int_equal(jreq("POST", "/v1/decide", service, NULL, body, &j), 200);
	assert_true(json_is_false(json_object_get(j, "allow")));
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "region_not_allowed");
	json_decref(j);
}

/* ---- 5. children ---- */

static void test_under_age_signup(void **state)
{
	(void)state;
	char born[11], body[300];
	time_t t = time(NULL) - (time_t)12 * 366 * 86400;
	strftime(born, sizeof(born), "%Y-%m-%d", gmtime(&t));
	json_t *j = NULL;
	snprintf(body, sizeof(body),
	         "{\"email\":\"child@example.nl\",\"region\":\"NL\",\"birth_date\":\"%s\"}", born);
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, body, &j), 403);
	assert_string_equal(err_reason(j), "under_age");
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL,
	                      "{\"email\":\"child@example.nl\",\"region\":\"NL\",\"age\":15}", &j),
	                 403);
	assert_string_equal(err_reason(j), "under_age");
	json_decref(j);
	/* nothing was kept: the address is unknown */
	assert_int_equal(jreq("GET", "/v1/subjects?email=child@example.nl", service, NULL, NULL, &j),
	                 404);
	json_decref(j);
	/* AmberScript's parental path: with a parent's consent the child may sign up */
	snprintf(body, sizeof(body),
	         "{\"email\":\"child@example.nl\",\"region\":\"NL\",\"birth_date\":\"%s\","
	         "\"parental_consent\":true}",
	         born);
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, body, &j), 201);
	json_decref(j);
	/* sixteen is not under sixteen */
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL,
	                      "{\"email\":\"sixteen@example.nl\",\"region\":\"NL\",\"age\":16}", &j),
	                 201);
	json_decref(j);
}

/* ---- 6. rectification merges ---- */

static void test_rectification_merges(void **state)
{
	(void)state;
	char s[33];
	subject_with("rectify@example.nl", s);
	json_t *j = NULL;
	assert_int_equal(
	    put(s, "user.name", "essential.service", "{\"first\":\"Anna\",\"last\":\"de Vries\"}", &j),
	    204);
	json_decref(processed(s, "rectification",
	                      "{\"category\":\"user.name\",\"value\":{\"first\":\"Anne\"}}"));
	char *out = NULL;
	assert_int_equal(get(service, s, "user.name", "essential.service", &out), 200);
	j = json_loads(out, 0, NULL);
	free(out);
	assert_string_equal(json_string_value(json_object_get(j, "first")), "Anne");
	assert_string_equal(json_string_value(json_object_get(j, "last")), "de Vries");
	json_decref(j);
	/* a null member removes a field (RFC 7396) */
	json_decref(processed(s, "rectification",
	                      "{\"category\":\"user.name\",\"value\":{\"last\":null,\"middle\":\"M\"}}"));
	assert_int_equal(get(service, s, "user.name", "essential.service", &out), 200);
	j = json_loads(out, 0, NULL);
	free(out);
	assert_null(json_object_get(j, "last"));
	assert_string_equal(json_string_value(json_object_get(j, "middle")), "M");
	json_decref(j);
	/* replace: true replaces the whole value */
	json_decref(processed(s, "rectification",
	                      "{\"category\":\"user.name\",\"value\":{\"first\":\"A.\"},"
	                      "\"replace\":true}"));
	assert_int_equal(get(service, s, "user.name", "essential.service", &out), 200);
	assert_string_equal(out, "{\"first\":\"A.\"}");
	free(out);
}

/* ---- 7. erasure closes what was open ---- */

static void test_erasure_closes_requests(void **state)
{
	(void)state;
	char s[33], body[400], p[400];
	subject_with("open@example.nl", s);
	json_t *j = NULL;
	/* an access request waiting for its code, and a restriction */
	snprintf(body, sizeof(body), "{\"subject\":\"%s\",\"type\":\"access\"}", s);
	assert_int_equal(jreq("POST", "/v1/requests", service, NULL, body, &j), 201);
	char access[33];
	snprintf(access, sizeof(access), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	snprintf(body, sizeof(body),
	         "{\"subject\":\"%s\",\"type\":\"restriction\",\"detail\":{\"category\":\"*\"}}", s);
	assert_int_equal(jreq("POST", "/v1/requests", service, NULL, body, &j), 201);
	char restriction[33];
	snprintf(restriction, sizeof(restriction), "%s",
	         json_string_value(json_object_get(j, "id")));
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/subjects/%s", s);
	assert_int_equal(jreq("DELETE", p, admin, NULL, NULL, &j), 200);
	json_decref(j);
	const char *ids[] = {access, restriction};
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "/v1/requests/%s", ids[i]);
		assert_int_equal(jreq("GET", p, admin, NULL, NULL, &j), 200);
		assert_string_equal(json_string_value(json_object_get(j, "status")), "completed");
		assert_non_null(strstr(json_string_value(json_object_get(j, "note")), "erased"));
		assert_non_null(json_string_value(json_object_get(j, "closed_at")));
		json_decref(j);
	}
	/* none is left open, so none is overdue a month on */
	snprintf(p, sizeof(p), "/v1/requests?subject=%s&open=1", s);
	assert_int_equal(jreq("GET", p, admin, NULL, NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "requests")), 0);
	json_decref(j);
}

/* ---- 8. every refusal carries its own reason ---- */

/* Checks a 403 answer's reason: the one expected, and on the documented
 * list (vault_reason_known, docs/decisions.md). Takes j. */
static void refused(long status, json_t *j, const char *reason)
{
	if (status != 403)
		fail_msg("expected 403 %s, got %ld (%s)", reason, status,
		         err_reason(j) != NULL ? err_reason(j) : "no reason");
	if (err_reason(j) == NULL) {
		char *t = json_dumps(j, JSON_COMPACT);
		fail_msg("a 403 without a reason where %s was expected: %s", reason, t);
	}
	assert_string_equal(err_reason(j), reason);
	assert_true(vault_reason_known(reason));
	json_decref(j);
}

#define REFUSED(call, reason)                                                                   \
	do {                                                                                       \
		long st_ = (call);                                                                 \
		refused(st_, j, (reason));                                                         \
	} while (0)

static long jreq_h(const char *method, const char *path, const char *key, const char *purpose,
                   const char *body, const char *header, json_t **out)
{
	char *text = NULL;
	long st = req(method, path, key, purpose, body, body != NULL ? strlen(body) : 0,
	              (const char *[]){"Content-Type: application/json", header, NULL}, &text);
	*out = json_loads(text, JSON_DECODE_ANY, NULL);
	free(text);
	return st;
}

static void flag(const char *subject, const char *what, const char *body)
{
	char p[400];
	snprintf(p, sizeof(p), "/v1/subjects/%s/%s", subject, what);
	json_t *j = NULL;
	long st = jreq("POST", p, service, NULL, body, &j);
	assert_true(st == 200 || st == 201);
	json_decref(j);
}

static void test_every_refusal_has_its_reason(void **state)
{
	(void)state;
	char s[33], p[400], body[400];
	subject_with("reasons@example.nl", s);
	json_t *j = NULL;
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.name", s);
	REFUSED(put(s, "user.name", "no.such.purpose", "{}", &j), "unknown_purpose");
	REFUSED(put(s, "user.nonsense", "essential.service", "{}", &j), "unknown_category");
	REFUSED(put(s, "user.financial.credit_card", "essential.fraud_detection", "{}", &j), "not_stored");
	REFUSED(put(s, "user.workplace", "essential.service", "{}", &j), "category_not_in_purpose");
	REFUSED(jreq("GET", p, marketing, "essential.service", NULL, &j), "role_not_allowed");
	REFUSED(jreq_h("GET", p, admin, "essential.service", NULL, "Vow-Role: nobody", &j), "unknown_role");
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.content.transcript", s);
	REFUSED(jreq("GET", p, transcriber, "essential.service.human_transcription", NULL, &j), "no_assignment");
	REFUSED(put(s, "user.device.ip_address", "analytics.reporting", "\"192.0.2.1\"", &j), "no_consent");
	consent(s, "functional.service");
	flag(s, "consents", "{\"purpose\":\"functional.service\",\"state\":\"withdrawn\"}");
	REFUSED(put(s, "user.location.precise", "functional.service", "{}", &j), "consent_withdrawn");
	flag(s, "objections", "{\"purpose\":\"marketing.communications.email\"}");
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.name", s);
	REFUSED(jreq("GET", p, service, "marketing.communications.email", NULL, &j), "objection");
	flag(s, "restrictions", "{\"category\":\"user.workplace\"}");
	REFUSED(put(s, "user.workplace", "essential.service.account", "{}", &j), "restricted");
	snprintf(p, sizeof(p), "/v1/subjects/%s/disclosures", s);
	REFUSED(jreq("POST", p, service, "essential.fraud_detection",
	             "{\"recipient\":\"google_analytics\",\"category\":\"user.contact.email\"}", &j), "recipient_not_allowed");
	/* the marketing suppression list: an unsubscribed address is not imported back */
	flag(s, "consents",
	     "{\"purpose\":\"marketing.communications.email.newsletter\",\"state\":\"withdrawn\"}");
	snprintf(p, sizeof(p), "/v1/subjects/%s/consents", s);
	REFUSED(jreq("POST", p, service, NULL,
	             "{\"purpose\":\"marketing.communications.email.newsletter\",\"state\":"
	             "\"given\",\"method\":\"import\"}",
	             &j), "suppressed");
	/* nothing survives from one request to the next: a malformed body after a
	 * deny says what is wrong with it, and no rule */
	assert_int_equal(put(s, "user.name", "essential.service", "{broken", &j), 400);
	assert_null(err_reason(j));
	json_decref(j);
	/* a subject key for another person */
	char other[33], own_key[128];
	subject_with("other@example.nl", other);
	char *k = run_capture((const char *[]){"key", "create", "--data", data, "--role", "subject",
	                                       "--subject", other, NULL});
	snprintf(own_key, sizeof(own_key), "%s", k != NULL ? k : "");
	free(k);
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.name", s);
	assert_int_equal(strncmp(own_key, "vow_", 4), 0);
	REFUSED(jreq("GET", p, own_key, "essential.service", NULL, &j), "wrong_subject");
	/* the account, closed; a decision about an erased person */
	flag(s, "close", NULL);
	REFUSED(jreq("GET", p, service, "essential.service", NULL, &j), "account_closed");
	snprintf(p, sizeof(p), "/v1/subjects/%s", other);
	assert_int_equal(jreq("DELETE", p, admin, NULL, NULL, &j), 200);
	json_decref(j);
	snprintf(body, sizeof(body),
	         "{\"subject\":\"%s\",\"category\":\"user.name\",\"purpose\":\"essential.service\"}",
	         other);
	assert_int_equal(jreq("POST", "/v1/decide", service, NULL, body, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "subject_erased");
	json_decref(j);
}

/* Every reason the code can refuse with is on the documented list, and the
 * list is in docs/decisions.md: scans src/ for the literal reasons given to
 * vault_refuse and to the HTTP layer's 403 answers. */
static void scan_dir(const char *path, char *docs, int *checked)
{
	DIR *d = opendir(path);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char full[600];
		snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		struct stat st;
		assert_int_equal(stat(full, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			scan_dir(full, docs, checked);
			continue;
		}
		size_t n = strlen(full);
		if (n < 3 || strcmp(full + n - 2, ".c") != 0)
			continue;
		char *text = slurp(full, NULL);
		static const char *const marks[] = {"VOW_ERR_DENIED, \"", "vault_refuse(v, VOW_ERR_DENIED, \""};
		for (size_t m = 0; m < 2; m++)
			for (char *at = strstr(text, marks[m]); at != NULL;
			     at = strstr(at + 1, marks[m])) {
				const char *q = at + strlen(marks[m]);
				size_t len = strcspn(q, "\"");
				char reason[64];
				if (len == 0 || len >= sizeof(reason))
					continue;
				memcpy(reason, q, len);
				reason[len] = '\0';
				if (!vault_reason_known(reason))
					fail_msg("%s refuses with '%s', which is not on the list", full,
					         reason);
				char tick[80];
				snprintf(tick, sizeof(tick), "`%s`", reason);
				if (strstr(docs, tick) == NULL)
					fail_msg("docs/decisions.md does not explain '%s'", reason);
				(*checked)++;
			}
		free(text);
	}
	closedir(d);
}

static void test_refusal_reasons_documented(void **state)
{
	(void)state;
	char *docs = slurp("docs/decisions.md", NULL);
	int checked = 0;
	scan_dir("src", docs, &checked);
	assert_true(checked >= 15);
	free(docs);
}

/* ---- 9. nothing is cut to fit ---- */

static void test_no_truncation(void **state)
{
	(void)state;
	char s[33], p[400];
	subject_with("long@example.nl", s);
	json_t *j = NULL;
	/* the longest consent method is kept whole, in the ledger and the receipt */
	snprintf(p, sizeof(p), "/v1/subjects/%s/consents", s);
	assert_int_equal(jreq("POST", p, service, NULL,
	                      "{\"purpose\":\"marketing.communications.email.newsletter\",\"state\":"
	                      "\"withdrawn\",\"method\":\"unsubscribe_link\"}",
	                      &j),
	                 201);
	char *text = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(text, "\"unsubscribe_link\""));
	free(text);
	json_decref(j);
	assert_int_equal(jreq("GET", p, service, NULL, NULL, &j), 200);
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(strstr(text, "\"method\":\"unsubscribe_link\""));
	free(text);
	json_decref(j);
	/* an over-long restriction reason is refused, naming the field */
	char body[600], reason[200];
	memset(reason, 'r', 150);
	reason[150] = '\0';
	snprintf(body, sizeof(body), "{\"category\":\"user.workplace\",\"reason\":\"%s\"}", reason);
	snprintf(p, sizeof(p), "/v1/subjects/%s/restrictions", s);
	assert_int_equal(jreq("POST", p, service, NULL, body, &j), 413);
	assert_non_null(strstr(err_message(j), "reason"));
	json_decref(j);
	reason[120] = '\0'; /* within its limit: kept whole */
	snprintf(body, sizeof(body), "{\"category\":\"user.workplace\",\"reason\":\"%s\"}", reason);
	assert_int_equal(jreq("POST", p, service, NULL, body, &j), 201);
	json_decref(j);
}

/* ---- 10. decided before anything is said of the data ---- */

static void test_decided_before_existence(void **state)
{
	(void)state;
	char s[33], p[400];
	subject_with("exists@example.nl", s);
	json_t *j = NULL;
	assert_int_equal(put(s, "user.name", "essential.service", "{\"first\":\"E\"}", &j), 204);
	json_decref(j);
	/* marketing may not read names for the service: the same answer whether a
	 * name is held (user.name) or not (user.workplace, for its purpose) */
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.name", s);
	char *held = NULL, *absent = NULL;
	assert_int_equal(req("GET", p, marketing, "essential.service", NULL, 0, NULL, &held), 403);
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.contact.phone_number", s);
	assert_int_equal(req("GET", p, marketing, "essential.service.operations.support", NULL, 0,
	                     NULL, &absent),
	                 403);
	assert_non_null(strstr(held, "role_not_allowed"));
	assert_non_null(strstr(absent, "role_not_allowed"));
	free(held);
	free(absent);
	/* an unassigned transcriber: the same 403 for a transcript that exists and one that does not */
	char t[33];
	subject_with("transcribed@example.nl", t);
	assert_int_equal(put(t, "user.content.transcript", "essential.service", "{\"text\":\"x\"}", &j),
	                 204);
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.content.transcript", t);
	assert_int_equal(req("GET", p, transcriber, "essential.service.human_transcription", NULL, 0,
	                     NULL, &held),
	                 403);
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.content.transcript", s);
	assert_int_equal(req("GET", p, transcriber, "essential.service.human_transcription", NULL, 0,
	                     NULL, &absent),
	                 403);
	json_t *a = json_loads(held, 0, NULL), *b = json_loads(absent, 0, NULL);
	assert_string_equal(err_reason(a), "no_assignment");
	assert_string_equal(err_reason(b), "no_assignment");
	json_decref(a);
	json_decref(b);
	free(held);
	free(absent);
}

/* ---- 11. nothing that must not run beside the server does ---- */

static void test_lock_and_rotation(void **state)
{
	(void)state;
	/* a second server on the same data directory is refused */
	char cmd[1200];
	snprintf(cmd, sizeof(cmd),
	         "timeout 10 '%s' serve --data '%s' --listen 127.0.0.1:0 > '%s/second.out' 2>&1",
	         getenv("VOW_BIN"),
	         data, dir);
	int rc = system(cmd);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) != 0 && WEXITSTATUS(rc) != 124);
	char out[400];
	snprintf(out, sizeof(out), "%s/second.out", dir);
	char *said = slurp(out, NULL);
	assert_non_null(strstr(said, "one server per data directory"));
	free(said);
	/* vow key rotate refuses, and the server goes on serving what it creates */
	snprintf(cmd, sizeof(cmd), "'%s' key rotate --data '%s' > '%s/rotate.out' 2>&1",
	         getenv("VOW_BIN"), data, dir);
	rc = system(cmd);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
	snprintf(out, sizeof(out), "%s/rotate.out", dir);
	said = slurp(out, NULL);
	assert_non_null(strstr(said, "is running"));
	free(said);
	char s[33];
	subject_with("after-rotate@example.nl", s);
	json_t *j = NULL;
	assert_int_equal(put(s, "user.name", "essential.service", "{\"first\":\"R\"}", &j), 204);
	json_decref(j);
	assert_int_equal(stop_server(), 0);
	start_server((const char *[]){"--sweep-interval", "0", "--public-url",
	                              "https://privacy.amberscript.test", NULL});
	char *v = NULL;
	assert_int_equal(get(service, s, "user.name", "essential.service", &v), 200);
	assert_string_equal(v, "{\"first\":\"R\"}");
	free(v);
}

/* ---- 12. the audit trail: on disk within a second, unclean stops recorded ---- */

static bool audit_has(const char *subject, const char *what)
{
	char *out = NULL;
	char cmd[800], path[400];
	snprintf(path, sizeof(path), "%s/audit.out", dir);
	snprintf(cmd, sizeof(cmd), "'%s' audit subject '%s' --data '%s' > '%s' 2>&1",
	         getenv("VOW_BIN"), subject, data, path);
	if (system(cmd) != 0)
		return false;
	out = slurp(path, NULL);
	bool found = strstr(out, what) != NULL;
	free(out);
	return found;
}

static void test_audit_durable(void **state)
{
	(void)state;
	char s[33];
	subject_with("audited@example.nl", s);
	json_t *j = NULL;
	assert_int_equal(put(s, "user.name", "essential.service", "{\"first\":\"Au\"}", &j), 204);
	json_decref(j);
	/* a change's entry is there as soon as the change is acknowledged */
	assert_true(audit_has(s, "record.put"));
	/* a read's decision reaches the log within a second, with no more traffic */
	char *v = NULL;
	assert_int_equal(get(service, s, "user.name", "essential.service", &v), 200);
	free(v);
	struct timespec pause = {1, 0};
	nanosleep(&pause, NULL);
	char *out = NULL;
	char cmd[800], path[400];
	snprintf(path, sizeof(path), "%s/audit.out", dir);
	snprintf(cmd, sizeof(cmd), "'%s' audit subject '%s' --data '%s' > '%s' 2>&1",
	         getenv("VOW_BIN"), s, data, path);
	assert_int_equal(system(cmd), 0);
	out = slurp(path, NULL);
	int decisions = 0;
	for (const char *at = strstr(out, "decide"); at != NULL; at = strstr(at + 1, "decide"))
		decisions++;
	assert_true(decisions >= 2); /* the write's and the read's */
	free(out);
	/* kill -9 mid-traffic: every acknowledged change keeps its entry, and
	 * the next start records the unclean stop */
	char ids[20][33];
	for (int i = 0; i < 20; i++) {
		char email[64];
		snprintf(email, sizeof(email), "kill%d@example.nl", i);
		subject_with(email, ids[i]);
		assert_int_equal(put(ids[i], "user.name", "essential.service", "{\"first\":\"K\"}", &j),
		                 204);
		json_decref(j);
	}
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	server = 0;
	start_server((const char *[]){"--sweep-interval", "0", "--public-url",
	                              "https://privacy.amberscript.test", NULL});
	for (int i = 0; i < 20; i++)
		assert_true(audit_has(ids[i], "record.put"));
	assert_int_equal(stop_server(), 0);
	struct policy *p = NULL;
	struct policy_diags dg = {0};
	assert_int_equal(policy_load_file("examples/policies/amberscript.yaml", &p, &dg), VOW_OK);
	policy_diags_free(&dg);
	struct vault *vt = NULL;
	assert_int_equal(vault_open(data, p, &vt), VOW_OK);
	struct audit_report rep;
	assert_int_equal(audit_verify(vt, &rep), VOW_OK);
	assert_int_equal(rep.first_bad, 0);
	assert_int_equal(rep.unclean, 1);
	assert_true(rep.unclean_seq[0] > 0);
	vault_close(&vt);
	policy_free(&p);
	start_server((const char *[]){"--sweep-interval", "0", "--public-url",
	                              "https://privacy.amberscript.test", NULL});
}

/* ---- reading is not writing (hardening) ---- */

static void test_operations_decided(void **state)
{
	(void)state;
	char s[33], p[400];
	subject_with("ops@example.nl", s);
	json_t *j = NULL;
	const char *sup = "essential.service.operations.support";
	assert_int_equal(put(s, "user.name", "essential.service", "{\"first\":\"Olga\"}", &j), 204);
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.name", s);
	/* customer service may read a customer's name, not overwrite or delete it */
	char *out = NULL;
	assert_int_equal(req("GET", p, support, sup, NULL, 0, NULL, &out), 200);
	free(out);
	REFUSED(jreq("PUT", p, support, sup, "{\"first\":\"Mallory\"}", &j), "operation_not_allowed");
	REFUSED(jreq("DELETE", p, support, sup, NULL, &j), "operation_not_allowed");
	assert_int_equal(get(service, s, "user.name", "essential.service", &out), 200);
	assert_string_equal(out, "{\"first\":\"Olga\"}");
	free(out);
	/* a transcriber writes the transcript assigned to them, and nothing else */
	assert_int_equal(put(s, "user.content.transcript", "essential.service", "{\"text\":\"a\"}", &j),
	                 204);
	json_decref(j);
	const char *ht = "essential.service.human_transcription";
	char body[300];
	snprintf(p, sizeof(p), "/v1/subjects/%s/grants", s);
	snprintf(body, sizeof(body),
	         "{\"actor\":\"t-9\",\"category\":\"user.content.transcript\",\"purpose\":\"%s\","
	         "\"until\":%lld}",
	         ht, (long long)time(NULL) + 3600);
	assert_int_equal(jreq("POST", p, service, NULL, body, &j), 201);
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.content.transcript", s);
	assert_int_equal(jreq("PUT", p, transcriber, ht, "{\"text\":\"b\"}", &j), 204);
	json_decref(j);
	REFUSED(jreq("DELETE", p, transcriber, ht, NULL, &j), "operation_not_allowed");
	/* a key's delete hides the value; it and its history stay for the person's
	 * access and for retention or erasure to remove */
	assert_int_equal(put(s, "user.name", "essential.service", "{\"first\":\"Olga2\"}", &j), 204);
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.name", s);
	assert_int_equal(jreq("DELETE", p, service, "essential.service", NULL, &j), 200);
	json_decref(j);
	assert_int_equal(get(service, s, "user.name", "essential.service", &out), 404);
	free(out);
	snprintf(p, sizeof(p), "/v1/subjects/%s/data", s);
	assert_int_equal(jreq("GET", p, service, NULL, NULL, &j), 200);
	char *list = json_dumps(j, JSON_COMPACT);
	assert_null(strstr(list, "\"user.name\""));
	free(list);
	json_decref(j);
	j = processed(s, "access", NULL);
	size_t len = 0;
	char *tar = fetch(strstr(json_string_value(json_object_get(j, "download")), "/v1/exports/"),
	                  &len);
	json_decref(j);
	assert_true(has(tar, len, "Olga2"));
	assert_true(has(tar, len, "\"Olga\""));
	free(tar);
	/* giving staff more to do is a material policy change */
	char a_path[400], b_path[400];
	snprintf(a_path, sizeof(a_path), "%s/ops-a.yaml", dir);
	snprintf(b_path, sizeof(b_path), "%s/ops-b.yaml", dir);
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	FILE *fa = fopen(a_path, "w"), *fb = fopen(b_path, "w");
	assert_non_null(fa);
	assert_non_null(fb);
	fputs(text, fa);
	char *at = strstr(text, "  - key: marketing_team\n");
	assert_non_null(at);
	fwrite(text, 1, (size_t)(at - text), fb);
	fputs("  - key: marketing_team\n    operations: [read, write]\n", fb);
	fputs(at + strlen("  - key: marketing_team\n"), fb);
	fclose(fa);
	fclose(fb);
	free(text);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "'%s' policy diff '%s' '%s' > '%s/ops.diff' 2>&1",
	         getenv("VOW_BIN"), a_path, b_path, dir);
	int rc = system(cmd);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 4); /* material */
	snprintf(a_path, sizeof(a_path), "%s/ops.diff", dir);
	char *said = slurp(a_path, NULL);
	assert_non_null(strstr(said, "role 'marketing_team' may now change"));
	free(said);
	/* and a new value brings the category back */
	assert_int_equal(put(s, "user.name", "essential.service", "{\"first\":\"O.\"}", &j), 204);
	json_decref(j);
	assert_int_equal(get(service, s, "user.name", "essential.service", &out), 200);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intake),
	    cmocka_unit_test(test_closure_forgets_profile),
	    cmocka_unit_test(test_residency_by_language),
	    cmocka_unit_test(test_under_age_signup),
	    cmocka_unit_test(test_rectification_merges),
	    cmocka_unit_test(test_erasure_closes_requests),
	    cmocka_unit_test(test_every_refusal_has_its_reason),
	    cmocka_unit_test(test_refusal_reasons_documented),
	    cmocka_unit_test(test_no_truncation),
	    cmocka_unit_test(test_decided_before_existence),
	    cmocka_unit_test(test_lock_and_rotation),
	    cmocka_unit_test(test_operations_decided),
	    cmocka_unit_test(test_audit_durable),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
