/* tests/unit/test_http.c — black-box tests of `vow serve`: a real server on
 * a free loopback port, driven with libcurl: every route family, every
 * role, every error class, limits, a slow client, streaming a large file
 * with the server's peak memory measured, policy reload and shutdown. */
#include <arpa/inet.h>
#include <sqlite3.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "test_server.h"

static char dir[] = "/tmp/vow-http-XXXXXX";
static char staff[128];

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || sodium_init() < 0)
		return -1;
	server_paths(dir);
	char *init = run_capture((const char *[]){"init", data, NULL});
	free(init);
	if (!make_key("admin", NULL, admin) || !make_key("service", NULL, service) ||
	    !make_key("transcriber", "t-1", staff))
		return -1;
	start_server(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (server > 0)
		stop_server();
	curl_global_cleanup();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *err_code(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}
static const char *err_reason(json_t *j)
{
	return json_string_value(json_object_get(json_object_get(j, "error"), "reason"));
}

static void new_subject(const char *email, char id[40])
{
	char body[256];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"region\":\"NL\"}", email);
	json_t *j;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, body, &j), 201);
	snprintf(id, 40, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

/* ---- the public surface ---- */

static void test_public_and_auth(void **state)
{
	(void)state;
	char *out;
	assert_int_equal(req("GET", "/healthz", NULL, NULL, NULL, 0, NULL, &out), 200);
	assert_non_null(strstr(out, "ok"));
	free(out);
	assert_int_equal(req("GET", "/.well-known/gpc.json", NULL, NULL, NULL, 0, NULL, &out), 200);
	assert_non_null(strstr(out, "\"gpc\":true"));
	free(out);
	assert_int_equal(req("GET", "/privacy", NULL, NULL, NULL, 0, NULL, &out), 200);
	assert_non_null(strstr(out, "<!DOCTYPE html>"));
	free(out);
	json_t *j;
	assert_int_equal(jreq("GET", "/v1/subjects?email=x@y.nl", NULL, NULL, NULL, &j), 401);
	assert_string_equal(err_code(j), "unauthorized");
	json_decref(j);
	assert_int_equal(jreq("GET", "/metrics", NULL, NULL, NULL, &j), 401);
	json_decref(j);
	assert_int_equal(
	    jreq("GET", "/v1/subjects?email=x@y.nl", "vow_0000000000000000_00", NULL, NULL, &j),
	    401);
	json_decref(j);
	char forged[128];
	snprintf(forged, sizeof(forged), "%s", admin);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
	assert_int_equal(jreq("GET", "/v1/subjects?email=x@y.nl", forged, NULL, NULL, &j), 401);
	json_decref(j);
	assert_int_equal(jreq("GET", "/nowhere", admin, NULL, NULL, &j), 404);
	json_decref(j);
	assert_int_equal(jreq("PATCH", "/v1/subjects", admin, NULL, NULL, &j), 405);
	json_decref(j);
	assert_int_equal(req("GET", "/metrics", admin, NULL, NULL, 0, NULL, &out), 200);
	assert_non_null(strstr(
	    out, "vow_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"));
	assert_non_null(strstr(out, "vow_http_request_duration_seconds_bucket"));
	assert_non_null(strstr(out, "vow_decisions_total"));
	assert_null(strstr(out, "@")); /* no personal data */
	free(out);
}

/* ---- the minimal contract outside tools rely on ---- */

static void test_contract(void **state)
{
	(void)state;
	json_t *j;
	assert_int_equal(jreq("POST", "/v1/subjects", admin, NULL,
	                      "{\"email\": \"contract@example.com\", \"region\": \"NL\"}", &j),
	                 201);
	char id[40];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	assert_int_equal(
	    jreq("GET", "/v1/subjects?email=contract@example.com", admin, NULL, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "id")), id);
	json_decref(j);
	char path[200];
	snprintf(path, sizeof(path), "/v1/subjects/%s/data/user.name", id);
	const char *value = "{\"first\":\"Anna\",\"tags\":[1,2,3]}";
	char *out;
	long st = req("PUT", path, admin, "essential.service", value, strlen(value), NULL, &out);
	assert_true(st >= 200 && st < 300);
	free(out);
	assert_int_equal(req("GET", path, admin, "essential.service", NULL, 0, NULL, &out), 200);
	assert_string_equal(out, value);
	free(out);
	assert_int_equal(jreq("GET", path, admin, "train_ai_system", NULL, &j), 403);
	assert_string_equal(err_reason(j), "category_not_in_purpose");
	json_decref(j);
	/* files */
	unsigned char bytes[300000];
	randombytes_buf(bytes, sizeof(bytes));
	snprintf(path, sizeof(path), "/v1/subjects/%s/files?category=user.content.audio", id);
	assert_int_equal(req("POST", path, admin, "essential.service", (const char *)bytes,
	                     sizeof(bytes), (const char *[]){"Content-Type: audio/wav", NULL},
	                     &out),
	                 201);
	json_error_t e;
	j = json_loads(out, 0, &e);
	free(out);
	char fid[40];
	snprintf(fid, sizeof(fid), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/files/%s", fid);
	CURL *c = curl_easy_init();
	char url[256], auth[200];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin);
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	hl = curl_slist_append(hl, "Vow-Purpose: essential.service");
	struct buf b = {0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	long code;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	assert_int_equal(code, 200);
	assert_int_equal(b.len, sizeof(bytes));
	assert_memory_equal(b.p, bytes, sizeof(bytes));
	free(b.p);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	/* decide */
	char body[300];
	snprintf(
	    body, sizeof(body),
	    "{\"subject\":\"%s\",\"category\":\"user.device\",\"purpose\":\"analytics.reporting\"}",
	    id);
	assert_int_equal(jreq("POST", "/v1/decide", admin, NULL, body, &j), 200);
	assert_false(json_is_true(json_object_get(j, "allow")));
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "no_consent");
	json_decref(j);
	/* consent, with its signed receipt */
	snprintf(path, sizeof(path), "/v1/subjects/%s/consents", id);
	assert_int_equal(jreq("POST", path, admin, NULL,
	                      "{\"purpose\":\"analytics.reporting\",\"state\":\"given\"}", &j),
	                 201);
	assert_non_null(json_object_get(j, "signature"));
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(j, "record"), "consent_event"), "consent_state")),
	    "given");
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/decide", admin, NULL, body, &j), 200);
	assert_true(json_is_true(json_object_get(j, "allow")));
	json_decref(j);
	assert_int_equal(jreq("POST", path, admin, NULL,
	                      "{\"purpose\":\"analytics.reporting\",\"state\":\"withdrawn\"}", &j),
	                 201);
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/decide", admin, NULL, body, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "reason")), "consent_withdrawn");
	json_decref(j);
	assert_int_equal(jreq("GET", path, admin, NULL, NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "consents")), 2);
	json_decref(j);
	/* erasure answers with the receipt, signed so that anyone can check it
	 * with the published key: Ed25519 over the canonical JSON (keys sorted,
	 * compact) without the signature member */
	json_t *pub;
	assert_int_equal(jreq("GET", "/v1/consent-key", admin, NULL, NULL, &pub), 200);
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	const char *pkhex = json_string_value(json_object_get(pub, "public_key"));
	assert_non_null(pkhex);
	assert_int_equal(sodium_hex2bin(pk, sizeof(pk), pkhex, strlen(pkhex), NULL, NULL, NULL), 0);
	json_decref(pub);
	snprintf(path, sizeof(path), "/v1/subjects/%s", id);
	assert_int_equal(jreq("DELETE", path, admin, NULL, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "subject")), id);
	assert_non_null(json_object_get(j, "destroyed"));
	const char *sighex =
	    json_string_value(json_object_get(json_object_get(j, "signature"), "value"));
	assert_non_null(sighex);
	assert_int_equal(sodium_hex2bin(sig, sizeof(sig), sighex, strlen(sighex), NULL, NULL, NULL),
	                 0);
	json_object_del(j, "signature");
	char *canon = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_non_null(canon);
	assert_int_equal(
	    crypto_sign_verify_detached(sig, (const unsigned char *)canon, strlen(canon), pk), 0);
	/* and a receipt that claims less than was destroyed does not verify */
	json_int_t grants = json_integer_value(json_object_get(j, "grants"));
	json_object_set_new(j, "grants", json_integer(grants + 1));
	free(canon);
	canon = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_int_not_equal(
	    crypto_sign_verify_detached(sig, (const unsigned char *)canon, strlen(canon), pk), 0);
	free(canon);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/files/%s", fid);
	assert_int_equal(jreq("GET", path, admin, "essential.service", NULL, &j), 404);
	json_decref(j);
}

/* ---- roles ---- */

/* The transcriber's listing at path (list member) holds exactly one item,
 * whose field is want. */
static void expect_only_listed(const char *path, const char *list, const char *field,
                               const char *want)
{
	json_t *j;
	assert_int_equal(
	    jreq("GET", path, staff, "essential.service.human_transcription", NULL, &j), 200);
	json_t *items = json_object_get(j, list);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), field)),
	                    want);
	json_decref(j);
}

static void test_roles(void **state)
{
	(void)state;
	char id[40], other[40], path[200];
	new_subject("roles@example.com", id);
	new_subject("other@example.com", other);
	snprintf(path, sizeof(path), "/v1/subjects/%s/data/user.content.transcript", id);
	const char *t = "{\"text\":\"hello\"}";
	char *out;
	assert_int_equal(req("PUT", path, service, "essential.service", t, strlen(t), NULL, &out),
	                 204);
	free(out);
	json_t *j;
	/* a transcriber sees only what it is assigned to */
	assert_int_equal(
	    jreq("GET", path, staff, "essential.service.human_transcription", NULL, &j), 403);
	assert_string_equal(err_reason(j), "no_assignment");
	json_decref(j);
	/* nor does it see, in a listing, what it is not assigned to */
	char lpath[200];
	snprintf(lpath, sizeof(lpath), "/v1/subjects/%s/data", id);
	assert_int_equal(
	    jreq("GET", lpath, staff, "essential.service.human_transcription", NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "categories")), 0);
	json_decref(j);
	assert_int_equal(jreq("GET", lpath, staff, NULL, NULL, &j), 400);
	json_decref(j);
	assert_int_equal(jreq("GET", lpath, service, NULL, NULL, &j), 200);
	assert_true(json_array_size(json_object_get(j, "categories")) >= 1);
	json_decref(j);
	char gpath[200], body[300];
	snprintf(gpath, sizeof(gpath), "/v1/subjects/%s/grants", id);
	snprintf(body, sizeof(body),
	         "{\"actor\":\"t-1\",\"category\":\"user.content.transcript\",\"purpose\":"
	         "\"essential.service.human_transcription\",\"until\":%lld}",
	         (long long)time(NULL) + 600);
	assert_int_equal(jreq("POST", gpath, staff, NULL, body, &j),
	                 403); /* staff cannot assign themselves */
	json_decref(j);
	assert_int_equal(jreq("POST", gpath, service, NULL, body, &j), 201);
	char gid[40];
	snprintf(gid, sizeof(gid), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	expect_only_listed(lpath, "categories", "category", "user.content.transcript");
	assert_int_equal(
	    req("GET", path, staff, "essential.service.human_transcription", NULL, 0, NULL, &out),
	    200);
	assert_string_equal(out, t);
	free(out);
	assert_int_equal(jreq("GET", path, staff, "essential.service", NULL, &j), 403);
	assert_string_equal(err_reason(j), "role_not_allowed");
	json_decref(j);
	snprintf(gpath, sizeof(gpath), "/v1/grants/%s", gid);
	assert_int_equal(jreq("DELETE", gpath, service, NULL, NULL, &j), 200);
	json_decref(j);
	assert_int_equal(
	    jreq("GET", path, staff, "essential.service.human_transcription", NULL, &j), 403);
	json_decref(j);
	/* of two uploaded files, the transcriber lists only the one assigned */
	char fids[2][40];
	for (int k = 0; k < 2; k++) {
		char fpath[200];
		snprintf(fpath, sizeof(fpath), "/v1/subjects/%s/files?category=user.content.audio",
		         id);
		assert_int_equal(req("POST", fpath, service, "essential.service", "RIFF....", 8,
		                     (const char *[]){"Content-Type: audio/wav", NULL}, &out),
		                 201);
		json_error_t e;
		j = json_loads(out, 0, &e);
		free(out);
		assert_non_null(j);
		snprintf(fids[k], sizeof(fids[k]), "%s",
		         json_string_value(json_object_get(j, "id")));
		json_decref(j);
	}
	snprintf(gpath, sizeof(gpath), "/v1/subjects/%s/grants", id);
	snprintf(body, sizeof(body),
	         "{\"actor\":\"t-1\",\"category\":\"user.content.audio\",\"file\":\"%s\","
	         "\"purpose\":\"essential.service.human_transcription\",\"until\":%lld}",
	         fids[1], (long long)time(NULL) + 600);
	assert_int_equal(jreq("POST", gpath, service, NULL, body, &j), 201);
	json_decref(j);
	snprintf(lpath, sizeof(lpath), "/v1/subjects/%s/files", id);
	assert_int_equal(jreq("GET", lpath, service, NULL, NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "files")), 2);
	json_decref(j);
	expect_only_listed(lpath, "files", "id", fids[1]);
	/* a subject key acts for its own subject only */
	char *subj_key = run_capture((const char *[]){"key", "create", "--data", data, "--role",
	                                              "subject", "--subject", id, NULL});
	snprintf(path, sizeof(path), "/v1/subjects/%s", other);
	assert_int_equal(jreq("GET", path, subj_key, NULL, NULL, &j), 403);
	assert_string_equal(err_reason(j), "wrong_subject");
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/subjects/%s", id);
	assert_int_equal(jreq("GET", path, subj_key, NULL, NULL, &j), 200);
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/subjects", subj_key, NULL, "{}", &j), 403);
	json_decref(j);
	assert_int_equal(jreq("GET", "/metrics", service, NULL, NULL, &j), 403);
	json_decref(j);
	free(subj_key);
}

/* ---- bad input: a clear JSON error, nothing changed ---- */

/* Found by fuzzing (tests/fuzz/fuzz_http.c): the objection and restriction
 * routes built their answer from the request body after freeing it (the
 * ASan server aborted on every one; a release server could answer another
 * target than the one given). */
static void test_flag_answers(void **state)
{
	(void)state;
	char id[40], path[128];
	new_subject("flags@example.nl", id);
	json_t *j;
	snprintf(path, sizeof(path), "/v1/subjects/%s/objections", id);
	assert_int_equal(jreq("POST", path, service, NULL,
	                      "{\"purpose\":\"marketing.communications.email\"}", &j),
	                 201);
	assert_string_equal(json_string_value(json_object_get(j, "target")),
	                    "marketing.communications.email");
	assert_true(json_is_true(json_object_get(j, "in_force")));
	json_decref(j);
	assert_int_equal(jreq("POST", path, service, NULL,
	                      "{\"purpose\":\"marketing.communications.email\",\"lift\":true}", &j),
	                 200);
	assert_string_equal(json_string_value(json_object_get(j, "target")),
	                    "marketing.communications.email");
	assert_true(json_is_false(json_object_get(j, "in_force")));
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/subjects/%s/restrictions", id);
	assert_int_equal(jreq("POST", path, service, NULL,
	                      "{\"category\":\"user.contact.email\",\"reason\":\"contested\"}", &j),
	                 201);
	assert_string_equal(json_string_value(json_object_get(j, "target")), "user.contact.email");
	assert_true(json_is_true(json_object_get(j, "in_force")));
	json_decref(j);
}

/* A JSON integer too large for the C int it is read into is refused, not
 * cut to its low bits (4294967326 was taken as age 30, 4294967297 as an
 * extension of one month). */
static void test_integer_out_of_range(void **state)
{
	(void)state;
	json_t *j;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL,
	                      "{\"email\":\"big@example.nl\",\"age\":4294967326}", &j),
	                 422);
	assert_string_equal(err_code(j), "invalid_request");
	json_decref(j);
	char id[40], body[160], path[128];
	new_subject("extend@example.nl", id);
	snprintf(body, sizeof(body), "{\"subject\":\"%s\",\"type\":\"access\"}", id);
	assert_int_equal(jreq("POST", "/v1/requests", admin, NULL, body, &j), 201);
	snprintf(path, sizeof(path), "/v1/requests/%s/extend",
	         json_string_value(json_object_get(j, "id")));
	json_decref(j);
	assert_int_equal(
	    jreq("POST", path, admin, NULL, "{\"months\":4294967297,\"reason\":\"big\"}", &j), 422);
	assert_string_equal(err_code(j), "invalid_request");
	json_decref(j);
	assert_int_equal(
	    jreq("POST", path, admin, NULL, "{\"months\":1,\"reason\":\"a large archive\"}", &j),
	    200);
	json_decref(j);
}

static void test_bad_input(void **state)
{
	(void)state;
	char id[40], path[200];
	new_subject("bad@example.com", id);
	json_t *j;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, "{\"email\":", &j), 400);
	assert_string_equal(err_code(j), "invalid_json");
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, "{\"email\":42}", &j), 422);
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, "[1,2]", &j), 422);
	json_decref(j);
	assert_int_equal(
	    jreq("POST", "/v1/subjects", service, NULL, "{\"email\":\"not-an-email\"}", &j), 400);
	json_decref(j);
	assert_int_equal(
	    jreq("POST", "/v1/subjects", service, NULL, "{\"email\":\"bad@example.com\"}", &j),
	    409);
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL,
	                      "{\"email\":\"a@b.nl\",\"email\":\"c@d.nl\"}", &j),
	                 400);
	json_decref(j);
	char badutf[] = "{\"email\":\"\xff\xfe@x.nl\"}";
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, badutf, &j), 400);
	json_decref(j);
	/* huge body */
	size_t big = 2 * 1024 * 1024;
	char *huge = malloc(big + 1);
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	huge[big] = '\0';
	char *out;
	assert_int_equal(req("POST", "/v1/subjects", service, NULL, huge, big,
	                     (const char *[]){"Content-Type: application/json", NULL}, &out),
	                 413);
	free(out);
	free(huge);
	/* deep JSON */
	char deep[400];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	memcpy(deep, "{\"a\":", 5);
	deep[200] = '\0';
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, deep, &j), 400);
	json_decref(j);
	/* wrong media type */
	assert_int_equal(req("POST", "/v1/subjects", service, NULL, "{}", 2,
	                     (const char *[]){"Content-Type: text/plain", NULL}, &out),
	                 415);
	free(out);
	/* path traversal and malformed ids */
	assert_int_equal(jreq("GET", "/v1/subjects/../../etc/passwd", service, NULL, NULL, &j),
	                 404);
	json_decref(j);
	assert_int_equal(jreq("GET", "/v1/subjects/..%2F..%2Fetc/data/user.name", service,
	                      "essential.service", NULL, &j),
	                 404);
	json_decref(j);
	assert_int_equal(
	    jreq("GET", "/v1/files/../../master.key", service, "essential.service", NULL, &j), 404);
	json_decref(j);
	/* purposes */
	snprintf(path, sizeof(path), "/v1/subjects/%s/data/user.name", id);
	assert_int_equal(req("PUT", path, service, NULL, "{}", 2, NULL, &out), 400);
	assert_non_null(strstr(out, "purpose_required"));
	free(out);
	assert_int_equal(jreq("PUT", path, service, "no.such.purpose", "{}", &j), 403);
	assert_string_equal(err_reason(j), "unknown_purpose");
	json_decref(j);
	assert_int_equal(jreq("PUT", path, service, "essential.service", "{broken", &j), 400);
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/subjects/%s/data/user.nonsense", id);
	assert_int_equal(jreq("PUT", path, service, "essential.service", "{}", &j), 403);
	assert_string_equal(err_reason(j), "unknown_category");
	json_decref(j);
	/* nothing was stored by any of it */
	snprintf(path, sizeof(path), "/v1/subjects/%s/data", id);
	assert_int_equal(jreq("GET", path, service, NULL, NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "categories")), 0);
	json_decref(j);
}

/* ---- API keys: listed without secrets, revoked at once, expiring ---- */

/* The id part of a key "vow_<id>_<secret>". */
static void key_id(const char *key, char id[17])
{
	memcpy(id, key + 4, 16);
	id[16] = '\0';
}

/* `times` requests with key, each on a new connection (so both worker
 * threads see them); how many answered status. */
static int answered(const char *key, int times, long status)
{
	int n = 0;
	for (int i = 0; i < times; i++) {
		json_t *j = NULL;
		n += jreq("GET", "/v1/consent-key", key, NULL, NULL, &j) == status;
		json_decref(j);
	}
	return n;
}

/* The audit entries with action (apikey.create, ...) and category (the
 * key's id), read from the data store while the server runs (its writer
 * takes up to a second). */
static int audited(const char *action, const char *id, const char *reason)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/data.db", data);
	int n = 0;
	for (int tries = 0; tries < 40 && n == 0; tries++) {
		sqlite3 *db = NULL;
		assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		sqlite3_busy_timeout(db, 2000);
		sqlite3_stmt *q = NULL;
		assert_int_equal(sqlite3_prepare_v2(db,
		                                    "SELECT count(*) FROM audit WHERE action=? AND "
		                                    "category=? AND reason=?",
		                                    -1, &q, NULL),
		                 SQLITE_OK);
		sqlite3_bind_text(q, 1, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, reason, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW)
			n = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		sqlite3_close(db);
		if (n == 0)
			usleep(50000);
	}
	return n;
}

/* Every key the server lists, walking the pages (limit per page). */
static json_t *all_keys(size_t limit)
{
	json_t *all = json_array();
	char next[40] = "", path[200];
	for (int pages = 0; pages < 100; pages++) {
		snprintf(path, sizeof(path), "/v1/keys?limit=%zu%s%s", limit,
		         next[0] ? "&after=" : "", next);
		json_t *j = NULL;
		assert_int_equal(jreq("GET", path, admin, NULL, NULL, &j), 200);
		json_t *keys = json_object_get(j, "keys");
		assert_true(json_array_size(keys) <= limit);
		json_array_extend(all, keys);
		const char *n = json_string_value(json_object_get(j, "next"));
		snprintf(next, sizeof(next), "%s", n != NULL ? n : "");
		json_decref(j);
		if (next[0] == '\0')
			return all;
	}
	fail_msg("the key pages never end");
	return NULL;
}

static json_t *find_key(json_t *keys, const char *id)
{
	size_t i;
	json_t *k;
	json_array_foreach(
	    keys, i, k) if (strcmp(json_string_value(json_object_get(k, "id")), id) == 0) return k;
	return NULL;
}

static void test_api_keys(void **state)
{
	(void)state;
	char svc[128], svc_id[17], admin_id[17], path[200];
	assert_true(make_key("service", NULL, svc));
	key_id(svc, svc_id);
	key_id(admin, admin_id);
	assert_int_equal(answered(svc, 20, 200), 20);
	/* listed, paged, never with a secret */
	json_t *keys = all_keys(2);
	json_t *one = find_key(keys, svc_id);
	assert_non_null(one);
	assert_string_equal(json_string_value(json_object_get(one, "role")), "service");
	assert_string_equal(json_string_value(json_object_get(one, "status")), "active");
	assert_true(json_is_null(json_object_get(one, "expires_at")));
	char *text = json_dumps(keys, JSON_COMPACT);
	assert_null(strstr(text, svc + 21));   /* the secret */
	assert_null(strstr(text, admin + 21)); /* of any key */
	assert_null(strstr(text, "hash"));
	free(text);
	json_t *whole = all_keys(1000);
	assert_int_equal(json_array_size(whole), json_array_size(keys));
	json_decref(whole);
	json_t *j = NULL;
	assert_int_equal(jreq("GET", "/v1/keys?limit=0", admin, NULL, NULL, &j), 422);
	json_decref(j);
	assert_int_equal(jreq("GET", "/v1/keys?limit=1001", admin, NULL, NULL, &j), 422);
	json_decref(j);
	assert_int_equal(jreq("GET", "/v1/keys?after=x'--", admin, NULL, NULL, &j), 422);
	json_decref(j);
	assert_int_equal(jreq("GET", "/v1/keys", svc, NULL, NULL, &j), 403); /* admins only */
	json_decref(j);
	snprintf(path, sizeof(path), "/v1/keys/%s", svc_id);
	assert_int_equal(jreq("DELETE", path, service, NULL, NULL, &j), 403);
	json_decref(j);
	/* revoked over HTTP: refused at once, by every thread */
	assert_int_equal(jreq("DELETE", path, admin, NULL, NULL, &j), 200);
	json_decref(j);
	assert_int_equal(answered(svc, 20, 401), 20);
	assert_int_equal(jreq("DELETE", path, admin, NULL, NULL, &j), 409);
	assert_string_equal(err_code(j), "already_revoked");
	json_decref(j);
	assert_int_equal(jreq("DELETE", "/v1/keys/0123456789abcdef", admin, NULL, NULL, &j), 404);
	json_decref(j);
	assert_int_equal(audited("apikey.create", svc_id, "service"), 1);
	assert_int_equal(audited("apikey.revoke", svc_id, "revoked"), 1);
	/* revoked from the command line while the server runs: the same */
	char svc2[128], svc2_id[17];
	assert_true(make_key("service", NULL, svc2));
	key_id(svc2, svc2_id);
	assert_int_equal(answered(svc2, 10, 200), 10);
	char *out = run_capture((const char *[]){"key", "revoke", svc2_id, "--data", data, NULL});
	assert_non_null(strstr(out, "revoked"));
	free(out);
	assert_int_equal(answered(svc2, 20, 401), 20);
	/* a key may revoke itself; the last admin key in force may not go */
	char admin2[128], admin2_id[17];
	assert_true(make_key("admin", NULL, admin2));
	key_id(admin2, admin2_id);
	snprintf(path, sizeof(path), "/v1/keys/%s", admin2_id);
	assert_int_equal(jreq("DELETE", path, admin2, NULL, NULL, &j), 200);
	json_decref(j);
	assert_int_equal(answered(admin2, 10, 401), 10);
	json_t *k;
	size_t i;
	json_array_foreach(keys, i, k) /* vow init's admin key: every admin but ours */
	{
		const char *id = json_string_value(json_object_get(k, "id"));
		if (strcmp(json_string_value(json_object_get(k, "role")), "admin") == 0 &&
		    strcmp(id, admin_id) != 0 && strcmp(id, admin2_id) != 0) {
			snprintf(path, sizeof(path), "/v1/keys/%s", id);
			assert_int_equal(jreq("DELETE", path, admin, NULL, NULL, &j), 200);
			json_decref(j);
		}
	}
	json_decref(keys);
	snprintf(path, sizeof(path), "/v1/keys/%s", admin_id);
	assert_int_equal(jreq("DELETE", path, admin, NULL, NULL, &j), 409);
	assert_string_equal(err_code(j), "last_admin_key");
	json_decref(j);
	assert_int_equal(answered(admin, 5, 200), 5);
}

/* A subject's keys stop working when the subject is erased; a key past
 * its expiry stops working then. */
static void test_key_erasure_and_expiry(void **state)
{
	(void)state;
	char id[40], path[200];
	new_subject("keyholder@example.com", id);
	char *sk = run_capture((const char *[]){"key", "create", "--data", data, "--role",
	                                        "subject", "--subject", id, NULL});
	assert_int_equal(strncmp(sk, "vow_", 4), 0);
	char sk_id[17];
	key_id(sk, sk_id);
	snprintf(path, sizeof(path), "/v1/subjects/%s", id);
	json_t *j = NULL;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(jreq("GET", path, sk, NULL, NULL, &j), 200);
		json_decref(j);
	}
	assert_int_equal(jreq("DELETE", path, service, NULL, NULL, &j), 200); /* erased */
	json_decref(j);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(jreq("GET", path, sk, NULL, NULL, &j), 401);
		json_decref(j);
	}
	json_t *keys = all_keys(1000);
	assert_string_equal(json_string_value(json_object_get(find_key(keys, sk_id), "status")),
	                    "revoked");
	json_decref(keys);
	assert_int_equal(audited("apikey.revoke", sk_id, "erasure"), 1);
	free(sk);
	/* and no new key acts for someone who is gone */
	sk = run_capture((const char *[]){"key", "create", "--data", data, "--role", "subject",
	                                  "--subject", id, NULL});
	assert_string_equal(sk, "");
	free(sk);
	/* an expiry two seconds away */
	char when[32];
	time_t t = time(NULL) + 2;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *ek = run_capture((const char *[]){"key", "create", "--data", data, "--role",
	                                        "service", "--expires", when, NULL});
	assert_int_equal(strncmp(ek, "vow_", 4), 0);
	char ek_id[17];
	key_id(ek, ek_id);
	assert_int_equal(answered(ek, 1, 200), 1);
	keys = all_keys(1000);
	assert_int_equal(json_integer_value(json_object_get(find_key(keys, ek_id), "expires_at")),
	                 (json_int_t)t);
	json_decref(keys);
	sleep(3);
	assert_int_equal(answered(ek, 10, 401), 10);
	keys = all_keys(1000);
	assert_string_equal(json_string_value(json_object_get(find_key(keys, ek_id), "status")),
	                    "expired");
	json_decref(keys);
	free(ek);
}

/* ---- limits: rate, slow clients ---- */

static void test_slow_client(void **state)
{
	(void)state;
	/* a client that sends half a request and stalls is dropped after the timeout */
	stop_server();
	start_server((const char *[]){"--timeout", "1", "--rate", "20", NULL});
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	const char *partial = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
	assert_int_equal(write(s, partial, strlen(partial)), (ssize_t)strlen(partial));
	/* others are served meanwhile */
	char *out;
	assert_int_equal(req("GET", "/healthz", NULL, NULL, NULL, 0, NULL, &out), 200);
	free(out);
	struct timeval tv = {4, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[64];
	time_t t0 = time(NULL);
	ssize_t n = read(s, buf, sizeof(buf));
	assert_true(n <= 0);               /* closed, not answered */
	assert_true(time(NULL) - t0 <= 3); /* and promptly */
	close(s);
	/* rate limit: 20 per second per key */
	int limited = 0;
	for (int i = 0; i < 60; i++) {
		json_t *j;
		long st =
		    jreq("GET", "/v1/subjects?email=nobody@example.com", service, NULL, NULL, &j);
		if (st == 429) {
			limited++;
			assert_string_equal(err_code(j), "rate_limited");
		}
		json_decref(j);
	}
	assert_true(limited > 0);
	/* the keyless routes: per client address */
	limited = 0;
	for (int i = 0; i < 60; i++) {
		json_t *j;
		long st = jreq("POST", "/v1/requests/00000000000000000000000000000000/verify", NULL,
		               NULL, "{\"code\":\"123456\"}", &j);
		if (st == 429) {
			limited++;
			assert_string_equal(err_code(j), "rate_limited");
		} else {
			assert_int_equal(st, 404);
		}
		json_decref(j);
	}
	assert_true(limited > 0);
	json_t *h;
	assert_int_equal(jreq("GET", "/healthz", NULL, NULL, NULL, &h), 200); /* not limited */
	json_decref(h);
	stop_server();
	start_server(NULL);
}

/* ---- a large file: intact, with the server's memory flat ---- */

static long peak_rss_kib(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kib = -1;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

struct gen {
	uint64_t left, seed;
	crypto_generichash_state h;
};

static size_t gen_read(char *ptr, size_t size, size_t n, void *ud)
{
	struct gen *g = ud;
	size_t want = size * n;
	if (want > g->left)
		want = (size_t)g->left;
	for (size_t i = 0; i < want; i++) {
		g->seed = g->seed * 6364136223846793005ull + 1442695040888963407ull;
		ptr[i] = (char)(g->seed >> 56);
	}
	crypto_generichash_update(&g->h, (unsigned char *)ptr, want);
	g->left -= want;
	return want;
}

static size_t hash_write(char *ptr, size_t size, size_t n, void *ud)
{
	struct gen *g = ud;
	crypto_generichash_update(&g->h, (unsigned char *)ptr, size * n);
	g->left += size * n;
	return size * n;
}

static void test_large_file(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	const uint64_t size = 128ull << 20; /* sanitizer builds: smaller, same code path */
#else
	const uint64_t size = 1024ull << 20;
#endif
	char id[40], path[200], url[300], auth[200];
	new_subject("big@example.com", id);
	long before = peak_rss_kib(server);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", service);
	snprintf(url, sizeof(url),
	         "http://127.0.0.1:%u/v1/subjects/%s/files?category=user.content.audio", port, id);
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	hl = curl_slist_append(hl, "Vow-Purpose: essential.service");
	hl = curl_slist_append(hl, "Content-Type: audio/wav");
	struct gen up = {.left = size, .seed = 42};
	crypto_generichash_init(&up.h, NULL, 0, 32);
	struct buf b = {0};
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, gen_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	long code;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	assert_int_equal(code, 201);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	json_error_t e;
	json_t *j = json_loads(b.p, 0, &e);
	free(b.p);
	snprintf(path, sizeof(path), "http://127.0.0.1:%u/v1/files/%s", port,
	         json_string_value(json_object_get(j, "id")));
	json_decref(j);
	struct gen down = {0};
	crypto_generichash_init(&down.h, NULL, 0, 32);
	hl = curl_slist_append(NULL, auth);
	hl = curl_slist_append(hl, "Vow-Purpose: essential.service");
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, path);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hash_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &down);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	assert_int_equal(code, 200);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	unsigned char h1[32], h2[32];
	crypto_generichash_final(&up.h, h1, 32);
	crypto_generichash_final(&down.h, h2, 32);
	assert_int_equal(down.left, size);
	assert_memory_equal(h1, h2, 32);
	long after = peak_rss_kib(server);
	print_message("server peak RSS %ld KiB before, %ld KiB after %llu MiB up and down\n",
	              before, after, (unsigned long long)(size >> 20));
	assert_true(after - before < 32 * 1024);
}

/* ---- reload and shutdown ---- */

static void test_reload_and_term(void **state)
{
	(void)state;
	char policy[400], backup[420];
	snprintf(policy, sizeof(policy), "%s/policy.yaml", data);
	snprintf(backup, sizeof(backup), "%s.bak", policy);
	assert_int_equal(rename(policy, backup), 0);
	FILE *f = fopen(policy, "w");
	fputs("vow_policy: 1\nnot: a valid policy\n", f);
	fclose(f);
	kill(server, SIGHUP);
	usleep(300000);
	char *out;
	/* the bad policy is refused; the old one stays in force */
	assert_int_equal(req("GET", "/.well-known/gpc.json", NULL, NULL, NULL, 0, NULL, &out), 200);
	assert_non_null(strstr(out, "\"gpc\":true"));
	free(out);
	char *log = slurp(log_file, NULL);
	assert_non_null(strstr(log, "policy reload failed"));
	free(log);
	/* a good one (Amper's: GPC ignored) takes over atomically */
	char cmd[900];
	snprintf(cmd, sizeof(cmd), "cp examples/policies/amper.yaml '%s'", policy);
	assert_int_equal(system(cmd), 0);
	kill(server, SIGHUP);
	usleep(300000);
	assert_int_equal(req("GET", "/.well-known/gpc.json", NULL, NULL, NULL, 0, NULL, &out), 200);
	assert_non_null(strstr(out, "\"gpc\":false"));
	free(out);
	/* the operator is told what changed materially */
	log = slurp(log_file, NULL);
	assert_non_null(strstr(log, "material policy change: the controller changed from"));
	assert_non_null(strstr(log, "material policy changes take effect"));
	free(log);
	assert_int_equal(rename(backup, policy), 0);
	kill(server, SIGHUP);
	usleep(300000);
	assert_int_equal(stop_server(), 0);
	log = slurp(log_file, NULL);
	assert_non_null(strstr(log, "\"stopped\""));
	/* everything the server decided and changed is in an intact audit log */
	char *audit = run_capture((const char *[]){"audit", "verify", "--data", data, NULL});
	assert_non_null(strstr(audit, "audit log intact"));
	long long entries = 0;
	assert_int_equal(sscanf(strstr(audit, "intact: "), "intact: %lld", &entries), 1);
	if (entries <= 25)
		fail_msg("only %lld audit entries: %s", entries, audit);
	free(audit);
	/* structured logs, without personal data */
	assert_null(strstr(log, "@example.com"));
	free(log);
	start_server(NULL);
}

/* a config file sets what the flags set */
static void test_config_file(void **state)
{
	(void)state;
	char conf[400], pf[400];
	snprintf(conf, sizeof(conf), "%s/vow.conf", dir);
	snprintf(pf, sizeof(pf), "%s/port2", dir);
	FILE *f = fopen(conf, "w");
	fprintf(f,
	        "# vow serve settings\ndata = %s\nlisten = 127.0.0.1:0\nport_file = %s\nrate = 0\n",
	        data, pf);
	fclose(f);
	bool was_running = server > 0; /* one server per data directory */
	if (was_running)
		assert_int_equal(stop_server(), 0);
	const char *bin = getenv("VOW_BIN");
	const char *argv[] = {bin, "serve", "--config", conf, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, log_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	unsigned p2 = 0;
	for (int i = 0; i < 200 && p2 == 0; i++) {
		FILE *pfile = fopen(pf, "r");
		if (pfile != NULL) {
			if (fscanf(pfile, "%u", &p2) != 1)
				p2 = 0;
			fclose(pfile);
		}
		if (p2 == 0)
			usleep(25000);
	}
	assert_true(p2 > 0);
	unsigned saved = port;
	port = p2;
	char *out;
	assert_int_equal(req("GET", "/healthz", NULL, NULL, NULL, 0, NULL, &out), 200);
	free(out);
	port = saved;
	kill(pid, SIGTERM);
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("the server ended with %s %d (log: %s)",
		         WIFEXITED(st) ? "status" : "signal",
		         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), log_file);
	/* a bad line is refused with its line number */
	f = fopen(conf, "w");
	fprintf(f, "data = %s\nwhat is this\n", data);
	fclose(f);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "'%s' serve --config '%s' 2>/dev/null", getenv("VOW_BIN"), conf);
	int rc = system(cmd);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
	if (was_running)
		start_server(NULL);
}

/* the routes the server answers are exactly the operations docs/openapi.json describes */
static void test_openapi_agrees(void **state)
{
	(void)state;
	json_error_t e;
	json_t *doc = json_load_file("docs/openapi.json", 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	size_t n;
	const char *const *routes = http_routes(&n);
	json_t *paths = json_object_get(doc, "paths");
	size_t documented = 0;
	const char *path;
	json_t *item;
	json_object_foreach(paths, path, item)
	{
		const char *method;
		json_t *op;
		json_object_foreach(item, method, op)
		{
			if (strcmp(method, "parameters") == 0)
				continue;
			char want[300];
			snprintf(want, sizeof(want), "%s %s", method, path);
			for (char *p = want; *p != ' '; p++)
				*p = (char)(*p - 'a' + 'A');
			bool served = false;
			for (size_t i = 0; i < n; i++)
				served |= strcmp(routes[i], want) == 0;
			if (!served)
				fail_msg(
				    "openapi.json documents %s, which the server does not answer",
				    want);
			documented++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *sp = strchr(routes[i], ' ');
		char method[16];
		snprintf(method, sizeof(method), "%.*s", (int)(sp - routes[i]), routes[i]);
		for (char *p = method; *p; p++)
			*p = (char)(*p - 'A' + 'a');
		if (json_object_get(json_object_get(paths, sp + 1), method) == NULL)
			fail_msg("the server answers %s, which openapi.json does not document",
			         routes[i]);
	}
	assert_int_equal(documented, n);
	json_decref(doc);
}

/* ---- who a key acts as ---- */

/* Vow-Role and Vow-Actor let an admin act as another role or staff member;
 * any other key sending them acts as itself: a transcriber claiming the
 * service role, or another transcriber's assignment, gets nothing. */
static void test_role_headers_admin_only(void **state)
{
	(void)state;
	char id[40], path[200], gpath[200], body[300];
	new_subject("headers@example.com", id);
	snprintf(path, sizeof(path), "/v1/subjects/%s/data/user.content.transcript", id);
	const char *t = "{\"text\":\"secret\"}";
	char *out;
	assert_int_equal(req("PUT", path, service, "essential.service", t, strlen(t), NULL, &out),
	                 204);
	free(out);
	/* t-2 is assigned to this transcript, t-1 (the staff key) is not */
	snprintf(gpath, sizeof(gpath), "/v1/subjects/%s/grants", id);
	snprintf(body, sizeof(body),
	         "{\"actor\":\"t-2\",\"category\":\"user.content.transcript\",\"purpose\":"
	         "\"essential.service.human_transcription\",\"until\":%lld}",
	         (long long)time(NULL) + 600);
	json_t *j;
	assert_int_equal(jreq("POST", gpath, service, NULL, body, &j), 201);
	json_decref(j);
	const char *ht = "essential.service.human_transcription";
	/* the staff key claims the service role: still a transcriber */
	assert_int_equal(req("GET", path, staff, "essential.service", NULL, 0,
	                     (const char *[]){"Vow-Role: service", NULL}, &out),
	                 403);
	assert_non_null(strstr(out, "role_not_allowed"));
	assert_null(strstr(out, "secret"));
	free(out);
	/* ... or another transcriber's assignment: still t-1, not assigned */
	assert_int_equal(
	    req("GET", path, staff, ht, NULL, 0, (const char *[]){"Vow-Actor: t-2", NULL}, &out),
	    403);
	assert_non_null(strstr(out, "no_assignment"));
	free(out);
	/* a service key claiming the privacy officer's role, to disclose an
	 * invoice to the authorities */
	snprintf(path, sizeof(path), "/v1/subjects/%s/data/user.financial.invoice", id);
	assert_int_equal(req("PUT", path, service, "essential.legal_obligation.tax", "{\"n\":1}", 7,
	                     NULL, &out),
	                 204);
	free(out);
	assert_int_equal(req("GET", path, service, "third_party_sharing.legal_obligation", NULL, 0,
	                     (const char *[]){"Vow-Role: dpo", NULL}, &out),
	                 403);
	assert_non_null(strstr(out, "role_not_allowed"));
	free(out);
	/* an admin may act as both */
	snprintf(path, sizeof(path), "/v1/subjects/%s/data/user.content.transcript", id);
	assert_int_equal(req("GET", path, admin, ht, NULL, 0,
	                     (const char *[]){"Vow-Role: transcriber", "Vow-Actor: t-2", NULL},
	                     &out),
	                 200);
	assert_string_equal(out, t);
	free(out);
	assert_int_equal(req("GET", path, admin, ht, NULL, 0,
	                     (const char *[]){"Vow-Role: transcriber", "Vow-Actor: t-1", NULL},
	                     &out),
	                 403);
	assert_non_null(strstr(out, "no_assignment"));
	free(out);
}

/* A decision about a recipient the policy does not declare is a deny. */
static void test_decide_unknown_recipient(void **state)
{
	(void)state;
	char id[40], body[300];
	new_subject("recipient@example.com", id);
	json_t *j;
	snprintf(body, sizeof(body),
	         "{\"subject\":\"%s\",\"category\":\"user.contact.email\",\"purpose\":"
	         "\"essential.service\",\"recipient\":\"nobody_we_know\"}",
	         id);
	assert_int_equal(jreq("POST", "/v1/decide", service, NULL, body, &j), 200);
	assert_false(json_is_true(json_object_get(j, "allow")));
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
	                    "recipient_not_allowed");
	json_decref(j);
	/* the same without a recipient is allowed: the recipient decided it */
	snprintf(body, sizeof(body),
	         "{\"subject\":\"%s\",\"category\":\"user.contact.email\",\"purpose\":"
	         "\"essential.service\"}",
	         id);
	assert_int_equal(jreq("POST", "/v1/decide", service, NULL, body, &j), 200);
	assert_true(json_is_true(json_object_get(j, "allow")));
	json_decref(j);
}

/* A subject key opens its own subject's files, not another's. */
static void test_subject_key_files(void **state)
{
	(void)state;
	char id[40], other[40], fpath[200], files[2][40];
	new_subject("own-files@example.com", id);
	new_subject("their-files@example.com", other);
	const char *const subjects[2] = {id, other};
	for (int k = 0; k < 2; k++) {
		snprintf(fpath, sizeof(fpath), "/v1/subjects/%s/files?category=user.content.audio",
		         subjects[k]);
		char *out;
		assert_int_equal(req("POST", fpath, service, "essential.service", "RIFF....", 8,
		                     (const char *[]){"Content-Type: audio/wav", NULL}, &out),
		                 201);
		json_t *j = json_loads(out, 0, NULL);
		free(out);
		assert_non_null(j);
		snprintf(files[k], sizeof(files[k]), "%s",
		         json_string_value(json_object_get(j, "id")));
		json_decref(j);
	}
	char *key = run_capture((const char *[]){"key", "create", "--data", data, "--role",
	                                         "subject", "--subject", id, NULL});
	char *out;
	snprintf(fpath, sizeof(fpath), "/v1/files/%s", files[0]);
	assert_int_equal(req("GET", fpath, key, "essential.service", NULL, 0, NULL, &out), 200);
	assert_string_equal(out, "RIFF....");
	free(out);
	snprintf(fpath, sizeof(fpath), "/v1/files/%s", files[1]);
	assert_int_equal(req("GET", fpath, key, "essential.service", NULL, 0, NULL, &out), 403);
	assert_non_null(strstr(out, "wrong_subject"));
	assert_null(strstr(out, "RIFF"));
	free(out);
	free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flag_answers),
	    cmocka_unit_test(test_integer_out_of_range),
	    cmocka_unit_test(test_public_and_auth), cmocka_unit_test(test_contract),
	    cmocka_unit_test(test_roles),           cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_api_keys),        cmocka_unit_test(test_key_erasure_and_expiry),
	    cmocka_unit_test(test_slow_client),     cmocka_unit_test(test_large_file),
	    cmocka_unit_test(test_reload_and_term), cmocka_unit_test(test_openapi_agrees),
	    cmocka_unit_test(test_config_file),
	    cmocka_unit_test(test_role_headers_admin_only),
	    cmocka_unit_test(test_decide_unknown_recipient),
	    cmocka_unit_test(test_subject_key_files),
	};
	return cmocka_run_group_tests_name("http", tests, setup, teardown);
}
