/* tests/unit/test_boundaries.c — every numeric rule at its boundary, with
 * the injectable clock and against a real `vow serve`: ages the second
 * before and at a birthday (29 February too, in a year without one), a
 * stated age at the minimum; an assignment at its end; request deadlines
 * at the end of a month and an extension at its deadline; a signed agent
 * request at the clock-skew limit and at its expiry; the body-size limit at
 * the limit and one byte past it (with and without Content-Length, and a
 * Content-Length over the limit refused before any body is sent); the JSON
 * depth and member limits with valid JSON at the limit and one past it; a
 * record value at its size limit, an export's link at the end of its week,
 * a policy's minimum age at the ends of the GDPR's range.
 * (The verification code's attempt limit and expiry are in test_rights,
 * retention at its due second in test_retention and test_cli.) */
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>

#include "consent/consent.h"
#include "rights/rights.h"
#include "util/clock.h"
#include "vault/vault.h"
#include "test_server.h"

static int64_t at(const char *when)
{
	int64_t t = 0;
	assert_true(time_parse(when, &t));
	return t;
}

static struct vault *open_vault(const struct policy *p)
{
	char d[256];
	new_data_dir(d);
	struct vault *v = NULL;
	assert_int_equal(vault_open(d, p, &v), VOW_OK);
	return v;
}

/* ---- ages ---- */

/* The reason essential.service on the person's e-mail address is decided
 * with at `when` (the minimum age's rule, or "allowed"). */
static const char *age_rule(struct vault *v, const char *id, const char *when)
{
	clock_set_fixed(at(when));
	struct vault_access a = {"service", NULL, "essential.service", false, false, false, false};
	struct decide_result r;
	vow_err err = vault_check(v, &a, id, "user.contact.email", NULL, NULL, NULL, false, &r);
	assert_true(err == VOW_OK || err == VOW_ERR_DENIED);
	return decide_reason_code(r.reason);
}

static void born(struct vault *v, const char *email, const char *birth, int age,
                 char id[VOW_ID_LEN + 1])
{
	/* a minor signs up with a parent's consent (the policy's parental path);
	 * the parent then withdraws it, so the age rule alone decides */
	struct vault_subject_new in = {.email = email,
	                               .region = "NL",
	                               .birth_date = birth,
	                               .age = age,
	                               .parental_consent = true};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
	vow_err err = consent_parental(v, id, false);
	assert_true(err == VOW_OK || err == VOW_ERR_NOT_FOUND); /* none recorded for an adult */
}

static void test_age_at_birthdays(void **state)
{
	(void)state;
	clock_set_fixed(at("2020-01-01T00:00:00Z"));
	struct vault *v = open_vault(policy); /* AmberScript: minimum age 16 */
	char id[VOW_ID_LEN + 1];
	born(v, "june@example.nl", "2010-06-15", 0, id);
	assert_string_equal(age_rule(v, id, "2026-06-14T00:00:00Z"), "under_minimum_age");
	assert_string_equal(age_rule(v, id, "2026-06-14T23:59:59Z"), "under_minimum_age");
	assert_string_equal(age_rule(v, id, "2026-06-15T00:00:00Z"), "allowed");
	/* born on 29 February, sixteen on the 29th of a leap year */
	clock_set_fixed(at("2020-01-01T00:00:00Z"));
	born(v, "leap@example.nl", "2008-02-29", 0, id);
	assert_string_equal(age_rule(v, id, "2024-02-28T23:59:59Z"), "under_minimum_age");
	assert_string_equal(age_rule(v, id, "2024-02-29T00:00:00Z"), "allowed");
	/* a stated age (no birth date): 15 is under 16, 16 is not */
	clock_set_fixed(at("2020-01-01T00:00:00Z"));
	born(v, "fifteen@example.nl", NULL, 15, id);
	assert_string_equal(age_rule(v, id, "2020-01-01T00:00:00Z"), "under_minimum_age");
	born(v, "sixteen@example.nl", NULL, 16, id);
	assert_string_equal(age_rule(v, id, "2020-01-01T00:00:00Z"), "allowed");
	vault_close(&v);
	/* Amper: 13. Born on 29 February 2012, thirteen in 2025, which has no
	 * 29 February: on 1 March (the later day: never of age early) */
	char *text = slurp("examples/policies/amper.yaml", NULL);
	char *path_off = strstr(text, "parental_consent: false");
	assert_non_null(path_off); /* given a parental path, so a 12-year-old can sign up */
	memcpy(path_off, "parental_consent: true ", 23);
	struct policy_diags dg = {0};
	struct policy *amper = NULL;
	assert_int_equal(policy_load_buffer(text, strlen(text), &amper, &dg), VOW_OK);
	policy_diags_free(&dg);
	free(text);
	clock_set_fixed(at("2020-01-01T00:00:00Z"));
	v = open_vault(amper);
	struct vault_subject_new in = {.email = "feb@example.com",
	                               .region = "US",
	                               .birth_date = "2012-02-29",
	                               .parental_consent = true};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
	assert_int_equal(consent_parental(v, id, false), VOW_OK);
	assert_string_equal(age_rule(v, id, "2025-02-28T00:00:00Z"), "under_minimum_age");
	assert_string_equal(age_rule(v, id, "2025-02-28T23:59:59Z"), "under_minimum_age");
	assert_string_equal(age_rule(v, id, "2025-03-01T00:00:00Z"), "allowed");
	vault_close(&v);
	policy_free(&amper);
	clock_set_real();
}

/* ---- assignments ---- */

static void test_grant_ends_on_time(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-05-01T00:00:00Z"));
	struct vault *v = open_vault(policy);
	char id[VOW_ID_LEN + 1], g[VOW_ID_LEN + 1];
	born(v, "assigned@example.nl", NULL, 30, id);
	const char *ht = "essential.service.human_transcription";
	int64_t until = at("2026-05-01T08:00:00Z");
	assert_int_equal(
	    vault_grant_add(v, id, "t-1", "user.content.transcript", NULL, ht, until, g), VOW_OK);
	struct vault_access a = {"transcriber", "t-1", ht, false, false, false, false};
	struct decide_result r;
	clock_set_fixed(until - 1);
	assert_int_equal(
	    vault_check(v, &a, id, "user.content.transcript", NULL, NULL, NULL, false, &r), VOW_OK);
	clock_set_fixed(until);
	assert_int_equal(
	    vault_check(v, &a, id, "user.content.transcript", NULL, NULL, NULL, false, &r),
	    VOW_ERR_DENIED);
	assert_string_equal(decide_reason_code(r.reason), "no_assignment");
	vault_close(&v);
	clock_set_real();
}

/* ---- request deadlines ---- */

static int64_t filed(struct vault *v, const char *subject, const char *when,
                     char id[VOW_ID_LEN + 1])
{
	clock_set_fixed(at(when));
	/* a person of their own each time: one open request per person and type */
	static int n;
	char email[64], own[VOW_ID_LEN + 1];
	snprintf(email, sizeof(email), "deadline%d@example.nl", ++n);
	(void)subject;
	born(v, email, NULL, 30, own);
	struct rights_filing f = {own, "access", "staff", NULL, true};
	assert_int_equal(rights_file(v, &f, id), VOW_OK);
	struct vault_request r;
	assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
	return r.due_at;
}

static vow_err count_overdue(void *ctx, const struct vault_request *r)
{
	(void)r;
	(*(int *)ctx)++;
	return VOW_OK;
}

static void test_rights_deadlines(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-01-01T00:00:00Z"));
	struct vault *v = open_vault(policy);
	char s[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1];
	born(v, "deadline@example.nl", NULL, 30, s);
	/* one month, to the last day of a shorter month */
	assert_int_equal(filed(v, s, "2027-01-31T12:00:00Z", id), at("2027-02-28T12:00:00Z"));
	assert_int_equal(filed(v, s, "2028-01-31T12:00:00Z", id), at("2028-02-29T12:00:00Z"));
	assert_int_equal(filed(v, s, "2026-03-31T12:00:00Z", id), at("2026-04-30T12:00:00Z"));
	assert_int_equal(filed(v, s, "2026-12-31T23:59:59Z", id), at("2027-01-31T23:59:59Z"));
	/* overdue from the second after the deadline, not at it */
	int n = 0;
	assert_int_equal(rights_overdue(v, at("2027-01-31T23:59:59Z"), count_overdue, &n), VOW_OK);
	int before = n;
	n = 0;
	assert_int_equal(rights_overdue(v, at("2027-02-01T00:00:00Z"), count_overdue, &n), VOW_OK);
	assert_int_equal(n, before + 1);
	/* an extension is announced before the first month ends, not at its deadline */
	int64_t due = filed(v, s, "2026-01-31T10:00:00Z", id);
	clock_set_fixed(due - 1);
	assert_int_equal(rights_extend(v, id, 2, "a large request"), VOW_OK);
	struct vault_request r;
	assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
	assert_int_equal(r.due_at, at("2026-04-30T10:00:00Z")); /* three months in all */
	due = filed(v, s, "2026-01-31T10:00:00Z", id);
	clock_set_fixed(due);
	assert_int_equal(rights_extend(v, id, 1, "too late"), VOW_ERR_DENIED);
	vault_close(&v);
	clock_set_real();
}

/* ---- a signed agent request at the clock-skew limit ---- */

static int drp_pair_at(struct vault *v, const unsigned char sk[64], int64_t issued,
                       int64_t expires)
{
	char iat[21], exp[21];
	clock_format(issued, iat);
	clock_format(expires, exp);
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s}", "agent-id", "AGENT_A", "business-id",
	                      "VOW", "issued-at", iat, "expires-at", exp, "drp.version", "1.0");
	char *body = drp_sign(sk, m);
	struct drp_answer a = {0};
	assert_int_equal(drp_pair(v, "AGENT_A", body, strlen(body), &a), VOW_OK);
	free(body);
	json_decref(a.body);
	return a.http;
}

static void test_drp_clock_skew(void **state)
{
	(void)state;
	assert_true(sodium_init() >= 0);
	int64_t now = at("2026-05-01T12:00:00Z");
	clock_set_fixed(now);
	struct vault *v = open_vault(policy);
	unsigned char pk[32], sk[64];
	crypto_sign_keypair(pk, sk);
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	assert_int_equal(vault_agent_add(v, "AGENT_A", "Agent A", b64), VOW_OK);
	/* issued up to 60 s in the future (clock skew): accepted; 61 s: refused */
	assert_int_equal(drp_pair_at(v, sk, now + 60, now + 600), 200);
	assert_int_equal(drp_pair_at(v, sk, now + 61, now + 600), 403);
	/* expiring one second from now: accepted; expiring now: refused */
	assert_int_equal(drp_pair_at(v, sk, now - 10, now + 1), 200);
	assert_int_equal(drp_pair_at(v, sk, now - 10, now), 403);
	vault_close(&v);
	clock_set_real();
}

/* ---- HTTP limits, against a real server ---- */

#define MAX_BODY 65536

static char subject_id[40];

/* Starts a server with a 64 KiB body limit (once) and makes a subject. */
static void serve(void)
{
	if (server > 0)
		return;
	char srv[64];
	snprintf(srv, sizeof(srv), "%.40s/srv", root);
	assert_int_equal(mkdir(srv, 0700), 0);
	server_paths(srv);
	free(run_capture((const char *[]){"init", data, NULL}));
	assert_true(make_key("admin", NULL, admin));
	assert_true(make_key("service", NULL, service));
	char limit[16];
	snprintf(limit, sizeof(limit), "%d", MAX_BODY);
	start_server((const char *[]){"--max-body", limit, "--sweep-interval", "0", NULL});
	json_t *j = NULL;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL,
	                      "{\"email\":\"limits@example.nl\",\"region\":\"NL\"}", &j),
	                 201);
	snprintf(subject_id, sizeof(subject_id), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

struct source {
	const char *p;
	size_t len, off;
};

static size_t read_source(char *buf, size_t size, size_t n, void *ud)
{
	struct source *s = ud;
	size_t k = size * n;
	if (k > 1000)
		k = 1000; /* several chunks */
	if (k > s->len - s->off)
		k = s->len - s->off;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	return k;
}

/* Sends body with Transfer-Encoding: chunked (no Content-Length); returns
 * the status, *code the error code when there is one. */
static long chunked(const char *method, const char *path, const char *purpose, const char *body,
                    size_t len, char code[32])
{
	CURL *c = curl_easy_init();
	assert_non_null(c);
	char url[512], h[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	struct curl_slist *hl = NULL;
	snprintf(h, sizeof(h), "Authorization: Bearer %s", service);
	hl = curl_slist_append(hl, h);
	if (purpose != NULL) {
		snprintf(h, sizeof(h), "Vow-Purpose: %s", purpose);
		hl = curl_slist_append(hl, h);
	}
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
	hl = curl_slist_append(hl, "Expect:");
	struct source src = {body, len, 0};
	struct buf out = {0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_source);
	curl_easy_setopt(c, CURLOPT_READDATA, &src);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	json_t *j = out.p != NULL ? json_loads(out.p, 0, NULL) : NULL;
	const char *e = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	snprintf(code, 32, "%s", e != NULL ? e : "");
	json_decref(j);
	free(out.p);
	return status;
}

/* A JSON value {"first":"aaa..."} of exactly n bytes. */
static char *json_of_size(size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memcpy(s, "{\"first\":\"", 10);
	memset(s + 10, 'a', n - 12);
	memcpy(s + n - 2, "\"}", 3);
	return s;
}

static void test_body_limit(void **state)
{
	(void)state;
	serve();
	char path[200], code[32];
	snprintf(path, sizeof(path), "/v1/subjects/%s/data/user.name", subject_id);
	char *at_limit = json_of_size(MAX_BODY), *over = json_of_size(MAX_BODY + 1);
	/* chunked, no Content-Length: only the streaming check sees the size */
	assert_int_equal(chunked("PUT", path, "essential.service", at_limit, MAX_BODY, code), 204);
	assert_int_equal(chunked("PUT", path, "essential.service", over, MAX_BODY + 1, code), 413);
	assert_string_equal(code, "too_large");
	assert_int_equal(chunked("POST", "/v1/subjects", NULL, over, MAX_BODY + 1, code), 413);
	assert_string_equal(code, "too_large");
	/* with Content-Length */
	char *out = NULL;
	const char *const json[] = {"Content-Type: application/json", NULL};
	assert_int_equal(
	    req("PUT", path, service, "essential.service", at_limit, MAX_BODY, json, &out), 204);
	free(out);
	assert_int_equal(
	    req("PUT", path, service, "essential.service", over, MAX_BODY + 1, json, &out), 413);
	assert_non_null(strstr(out, "too_large"));
	free(out);
	free(at_limit);
	free(over);
	/* a Content-Length over the limit is refused at once, before any body */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char head[1024];
	int n = snprintf(head, sizeof(head),
	                 "PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
	                 "Vow-Purpose: essential.service\r\nContent-Type: application/json\r\n"
	                 "Content-Length: 1000000000000\r\n\r\n",
	                 path, service);
	assert_int_equal(send(fd, head, (size_t)n, 0), n);
	struct pollfd p = {fd, POLLIN, 0};
	assert_int_equal(poll(&p, 1, 5000), 1); /* an answer within 5 s, no body sent */
	char answer[512] = "";
	assert_true(recv(fd, answer, sizeof(answer) - 1, 0) > 0);
	assert_int_equal(strncmp(answer, "HTTP/1.1 413", 12), 0);
	close(fd);
}

/* {"a": ...} holding `arrays` nested arrays, the innermost empty: valid
 * JSON nested 1 + arrays deep. */
static char *nested(int arrays)
{
	char *s = malloc((size_t)arrays * 2 + 16);
	assert_non_null(s);
	size_t n = 0;
	n += (size_t)sprintf(s, "{\"a\":");
	for (int i = 0; i < arrays; i++)
		s[n++] = '[';
	for (int i = 0; i < arrays; i++)
		s[n++] = ']';
	memcpy(s + n, "}", 2);
	return s;
}

/* {"a":[0,0,...]} with `zeros` zeros: 2 + zeros values. */
static char *wide(int zeros)
{
	char *s = malloc((size_t)zeros * 2 + 16);
	assert_non_null(s);
	size_t n = (size_t)sprintf(s, "{\"a\":[");
	for (int i = 0; i < zeros; i++) {
		if (i > 0)
			s[n++] = ',';
		s[n++] = '0';
	}
	memcpy(s + n, "]}", 3);
	return s;
}

/* The status and error code of POST /v1/subjects with body. */
static long post_subjects(const char *body, char code[32])
{
	json_t *j = NULL;
	long st = jreq("POST", "/v1/subjects", service, NULL, body, &j);
	const char *e = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	snprintf(code, 32, "%s", e != NULL ? e : "");
	json_decref(j);
	return st;
}

static void test_json_limits(void **state)
{
	(void)state;
	serve();
	char code[32];
	/* valid JSON 32 deep passes the depth limit (and is refused for its
	 * unknown field); 33 deep is over it */
	char *ok = nested(31), *deep = nested(32);
	assert_int_equal(post_subjects(ok, code), 422);
	assert_string_equal(code, "invalid_request");
	assert_int_equal(post_subjects(deep, code), 413);
	assert_string_equal(code, "too_large");
	free(ok);
	free(deep);
	/* 10,000 values pass the member limit; 10,001 are over it */
	char *full = wide(9998), *more = wide(9999);
	assert_int_equal(post_subjects(full, code), 422);
	assert_string_equal(code, "invalid_request");
	assert_int_equal(post_subjects(more, code), 413);
	assert_string_equal(code, "too_large");
	free(full);
	free(more);
}

/* ---- sizes and lifetimes held by the library ---- */

/* A record value of exactly VAULT_MAX_VALUE bytes is kept; one byte more
 * is refused. */
static void test_value_size(void **state)
{
	(void)state;
	struct vault *v = open_vault(policy);
	char id[VOW_ID_LEN + 1];
	born(v, "size@example.nl", NULL, 30, id);
	struct vault_access a = {"service", NULL, "essential.service", false, false, false, false};
	char *big = malloc(VAULT_MAX_VALUE + 1);
	assert_non_null(big);
	memset(big, ' ', VAULT_MAX_VALUE + 1);
	big[0] = '"';
	big[VAULT_MAX_VALUE - 1] = '"';
	assert_int_equal(vault_record_put(v, &a, id, "user.name", big, VAULT_MAX_VALUE), VOW_OK);
	big[VAULT_MAX_VALUE - 1] = ' ';
	big[VAULT_MAX_VALUE] = '"';
	assert_int_equal(vault_record_put(v, &a, id, "user.name", big, VAULT_MAX_VALUE + 1),
	                 VOW_ERR_TOO_LARGE);
	free(big);
	vault_close(&v);
}

/* An access export's download link works to the second a week on, not a
 * second later. */
static void test_export_link_lifetime(void **state)
{
	(void)state;
	int64_t t0 = at("2026-05-04T08:00:00Z");
	clock_set_fixed(t0);
	struct vault *v = open_vault(policy);
	char s[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1];
	born(v, "export@example.nl", NULL, 30, s);
	assert_int_equal(vault_setting_set(v, "public_url", "https://privacy.example.test"), VOW_OK);
	struct rights_filing f = {s, "access", "staff", NULL, true};
	assert_int_equal(rights_file(v, &f, id), VOW_OK);
	char *res = NULL;
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	json_t *j = json_loads(res, 0, NULL);
	free(res);
	const char *url = json_string_value(json_object_get(j, "download"));
	assert_non_null(url);
	const char *token = strrchr(url, '/') + 1;
	struct vault_file_reader *r = NULL;
	struct vault_file_info info;
	clock_set_fixed(t0 + RIGHTS_EXPORT_TTL);
	assert_int_equal(rights_export_open(v, token, &r, &info), VOW_OK);
	vault_file_close(&r);
	clock_set_fixed(t0 + RIGHTS_EXPORT_TTL + 1);
	assert_int_equal(rights_export_open(v, token, &r, &info), VOW_ERR_DENIED);
	assert_int_equal(RIGHTS_EXPORT_TTL, 7 * 24 * 3600);
	json_decref(j);
	vault_close(&v);
	clock_set_real();
}

/* Under the GDPR a policy's minimum age is 13 to 16 (Art. 8): 13 and 16
 * load, 12 and 17 do not. */
static void test_minimum_age_range(void **state)
{
	(void)state;
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	char *at_age = strstr(text, "minimum_age: 16");
	assert_non_null(at_age);
	static const struct {
		const char *age;
		bool valid;
	} cases[] = {{"12", false}, {"13", true}, {"16", true}, {"17", false}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(at_age + strlen("minimum_age: "), cases[i].age, 2);
		struct policy_diags d = {0};
		struct policy *p = NULL;
		vow_err err = policy_load_buffer(text, strlen(text), &p, &d);
		policy_diags_free(&d);
		policy_free(&p);
		if ((err == VOW_OK) != cases[i].valid)
			fail_msg("minimum_age %s: %s", cases[i].age,
			         cases[i].valid ? "refused" : "accepted");
	}
	free(text);
}

static int cleanup(void **state)
{
	if (server > 0)
		stop_server();
	curl_global_cleanup();
	return teardown(state);
}

static int prepare(void **state)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	return setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_age_at_birthdays), cmocka_unit_test(test_grant_ends_on_time),
	    cmocka_unit_test(test_rights_deadlines), cmocka_unit_test(test_drp_clock_skew),
	    cmocka_unit_test(test_body_limit),       cmocka_unit_test(test_json_limits),
	    cmocka_unit_test(test_value_size),       cmocka_unit_test(test_export_link_lifetime),
	    cmocka_unit_test(test_minimum_age_range),
	};
	return cmocka_run_group_tests_name("boundaries", tests, prepare, cleanup);
}
