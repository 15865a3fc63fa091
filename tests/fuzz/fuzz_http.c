/* tests/fuzz/fuzz_http.c — libFuzzer target: JSON request bodies through
 * the route handlers of a real `vow serve`.
 *
 * LLVMFuzzerInitialize makes a data directory (the example policy, an admin
 * API key) and runs http_serve in a thread of this process, on a free
 * loopback port, with no background work (no sweeps, no deliveries: nothing
 * leaves the machine) and no rate limit; it is stopped with SIGTERM to its
 * thread at exit. The handlers run in the fuzzer's process, so their
 * coverage counts, and a sanitizer report in them ends the run.
 *
 * Each input is sent over loopback with libcurl as the body of every route
 * that reads one, after fresh things for the routes to act on were made
 * through the API (a person, a rights request of theirs, the agent AGENT_A
 * with a fixed key, its pair-wise token and an exercise of the same
 * person), so every input finds the same kind of state whatever came
 * before. vow must answer each with a status below 500: a 5xx for a body is
 * vow failing on input, and the target aborts naming the route. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "http/http.h"
#include "policy/policy.h"
#include "util/clock.h"
#include "util/file.h"
#include "vault/vault.h"
#include "fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW 1767225600 /* 2026-01-01T00:00:00Z */

static char data_dir[PATH_MAX], port_file[PATH_MAX];
static char admin[VAULT_APIKEY_LEN + 1];
static unsigned char pk[32], sk[64];
static char pk_b64[64];
static struct http_config cfg;
static pthread_t serve_thread;
static int serve_rc;
static unsigned port;
static CURL *curl;
static unsigned long serial; /* makes each input's person unique */

static void need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http: %s\n", what);
		abort();
	}
}

/* ---- the server ---- */

static void *serve(void *arg)
{
	(void)arg;
	serve_rc = http_serve(&cfg);
	return NULL;
}

static void stop_server(void)
{
	curl_easy_cleanup(curl);
	curl = NULL;
	pthread_kill(serve_thread, SIGTERM);
	pthread_join(serve_thread, NULL);
	curl_global_cleanup();
}

static void make_data_dir(void)
{
	char path[PATH_MAX + 32];
	need(mkdir(data_dir, 0700) == 0, "mkdir");
	snprintf(path, sizeof(path), "%s/master.key", data_dir);
	need(crypto_master_key_create(path) == VOW_OK, "master key");
	size_t len = 0;
	const char *text = policy_example_text(&len);
	snprintf(path, sizeof(path), "%s/policy.yaml", data_dir);
	need(file_create(path, 0644, text, len) == VOW_OK, "policy.yaml");
	struct policy *p = NULL;
	struct policy_diags d = {0};
	need(policy_load_buffer(text, len, &p, &d) == VOW_OK, "example policy");
	policy_diags_free(&d);
	struct vault *v = NULL;
	need(vault_open(data_dir, p, &v) == VOW_OK, "vault_open");
	need(vault_apikey_create(v, "admin", NULL, NULL, 0, admin) == VOW_OK, "admin key");
	vault_close(&v);
	policy_free(&p);
}

static void wait_port(void)
{
	for (int i = 0; i < 800; i++) {
		FILE *f = fopen(port_file, "r");
		if (f != NULL) {
			int ok = fscanf(f, "%u", &port);
			fclose(f);
			if (ok == 1 && port > 0)
				return;
		}
		usleep(25000);
	}
	need(false, "the server did not start");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	clock_set_fixed(FUZZ_NOW);
	need(crypto_init() == VOW_OK, "crypto_init");
	need(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK, "curl_global_init");
	unsigned char seed[32];
	memset(seed, 0x5a, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_bin2base64(pk_b64, sizeof(pk_b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	const char *root = fuzz_root_make();
	snprintf(data_dir, sizeof(data_dir), "%s/data", root);
	snprintf(port_file, sizeof(port_file), "%s/port", root);
	make_data_dir();
	http_config_defaults(&cfg);
	cfg.data_dir = data_dir;
	cfg.port = 0;
	cfg.port_file = port_file;
	cfg.rate_per_key = 0;   /* every input's requests are answered */
	cfg.sweep_interval = 0; /* no background work: */
	cfg.send_interval = 0;  /* nothing is delivered anywhere */
	cfg.timeout = 10;
	cfg.public_url = "http://127.0.0.1";
	need(pthread_create(&serve_thread, NULL, serve, NULL) == 0, "pthread_create");
	wait_port();
	curl = curl_easy_init();
	need(curl != NULL, "curl_easy_init");
	atexit(stop_server); /* runs before the root is removed */
	return 0;
}

/* ---- requests ---- */

struct reply {
	char *p;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
	struct reply *b = ud;
	if (b->len + size * n > 1024 * 1024)
		return 0;
	char *np = realloc(b->p, b->len + size * n + 1);
	if (np == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, ptr, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

/* One request; bearer NULL: the admin key. Returns the status; *out (may
 * be NULL) the body as JSON, or NULL. */
static long req(const char *method, const char *path, const char *bearer, const void *body,
                size_t len, json_t **out)
{
	char url[512], auth[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer != NULL ? bearer : admin);
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	hl = hl != NULL ? curl_slist_append(hl, "Content-Type: application/json") : NULL;
	hl = hl != NULL ? curl_slist_append(hl, "Vow-Purpose: essential.service") : NULL;
	hl = hl != NULL ? curl_slist_append(hl, "Expect:") : NULL;
	need(hl != NULL, "curl_slist_append");
	struct reply b = {0};
	curl_easy_reset(curl);
	need(curl_easy_setopt(curl, CURLOPT_URL, url) == CURLE_OK &&
	         curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK &&
	         curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl) == CURLE_OK &&
	         curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect) == CURLE_OK &&
	         curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b) == CURLE_OK &&
	         curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L) == CURLE_OK &&
	         curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body != NULL ? body : "") == CURLE_OK &&
	         curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len) == CURLE_OK,
	     "curl_easy_setopt");
	CURLcode rc = curl_easy_perform(curl);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK) {
		fprintf(stderr, "fuzz_http: %s %s: %s\n", method, path, curl_easy_strerror(rc));
		abort();
	}
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (out != NULL)
		*out = b.p != NULL ? json_loads(b.p, 0, NULL) : NULL;
	free(b.p);
	return status;
}

/* A request of the per-input setup, which must succeed; returns the string
 * member field of the answer (into out) when field is not NULL. */
static void setup_req(const char *method, const char *path, const char *bearer, json_t *body,
                      const char *field, char *out, size_t cap)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	need(text != NULL, "json_dumps");
	json_t *ans = NULL;
	long st = req(method, path, bearer, text, strlen(text), &ans);
	free(text);
	const char *v = field != NULL ? json_string_value(json_object_get(ans, field)) : NULL;
	if (st < 200 || st > 299 || (field != NULL && v == NULL)) {
		fprintf(stderr, "fuzz_http: setup %s %s answered %ld\n", method, path, st);
		abort();
	}
	if (field != NULL)
		snprintf(out, cap, "%s", v);
	json_decref(ans);
}

/* base64(signature || compact JSON of doc) under the agent's key. */
static void signed_text(json_t *doc, char **out)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	need(text != NULL, "json_dumps");
	size_t n = strlen(text);
	unsigned char *sm = malloc(n + crypto_sign_BYTES);
	need(sm != NULL, "malloc");
	unsigned long long smlen = 0;
	crypto_sign(sm, &smlen, (const unsigned char *)text, n, sk);
	size_t b64 = sodium_base64_encoded_len(smlen, sodium_base64_VARIANT_ORIGINAL);
	*out = malloc(b64);
	need(*out != NULL, "malloc");
	sodium_bin2base64(*out, b64, sm, smlen, sodium_base64_VARIANT_ORIGINAL);
	free(sm);
	free(text);
}

static json_t *envelope(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "agent-id", "AGENT_A", "business-id", "VOW",
	                 "issued-at", "2025-12-31T23:59:00Z", "expires-at", "2026-01-01T00:10:00Z",
	                 "drp.version", "1.0");
}

/* What this input's requests act on. */
struct things {
	char subject[VOW_ID_LEN + 1], request[VOW_ID_LEN + 1];
	char token[65], drp[40];
};

static void make_things(struct things *t)
{
	char email[64];
	snprintf(email, sizeof(email), "p%lu@example.nl", ++serial);
	setup_req("POST", "/v1/subjects", NULL,
	          json_pack("{s:s, s:s, s:i}", "email", email, "region", "NL", "age", 30), "id",
	          t->subject, sizeof(t->subject));
	setup_req("POST", "/v1/requests", NULL,
	          json_pack("{s:s, s:s}", "subject", t->subject, "type", "erasure"), "id",
	          t->request, sizeof(t->request));
	setup_req(
	    "POST", "/v1/agents", NULL,
	    json_pack("{s:s, s:s, s:s}", "id", "AGENT_A", "name", "Agent A", "verify_key", pk_b64),
	    NULL, NULL, 0);
	char *body = NULL;
	signed_text(envelope(), &body);
	json_t *ans = NULL;
	long st = req("POST", "/v1/agent/AGENT_A", "", body, strlen(body), &ans);
	free(body);
	const char *tok = json_string_value(json_object_get(ans, "token"));
	need(st == 200 && tok != NULL, "setup: pairing failed");
	snprintf(t->token, sizeof(t->token), "%s", tok);
	json_decref(ans);
	json_t *m = envelope();
	json_object_set_new(m, "exercise", json_string("access"));
	json_object_set_new(m, "email", json_string(email));
	signed_text(m, &body);
	st = req("POST", "/v1/data-rights-request", t->token, body, strlen(body), &ans);
	free(body);
	const char *id = json_string_value(json_object_get(ans, "request_id"));
	need(st == 200 && id != NULL, "setup: the exercise failed");
	snprintf(t->drp, sizeof(t->drp), "%s", id);
	json_decref(ans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	struct things t;
	make_things(&t);
	/* every route that reads a body; S, R, D and T are this input's person,
	 * request, DRP exercise and agent token ("" for no API key) */
	static const struct {
		const char *method, *path, *bearer;
	} routes[] = {
	    {"POST", "/v1/subjects", NULL},
	    {"PUT", "/v1/subjects/S/data/user.contact.email", NULL},
	    {"POST", "/v1/decide", NULL},
	    {"POST", "/v1/subjects/S/consents", NULL},
	    {"POST", "/v1/subjects/S/objections", NULL},
	    {"POST", "/v1/subjects/S/restrictions", NULL},
	    {"POST", "/v1/subjects/S/grants", NULL},
	    {"POST", "/v1/subjects/S/disclosures", NULL},
	    {"POST", "/v1/subjects/S/retention/keep", NULL},
	    {"POST", "/v1/subjects/S/activity", NULL},
	    {"POST", "/v1/subjects/S/contract-end", NULL},
	    {"POST", "/v1/requests", NULL},
	    {"POST", "/v1/requests/R/verify", ""},
	    {"POST", "/v1/requests/R/extend", NULL},
	    {"POST", "/v1/requests/R/deny", NULL},
	    {"POST", "/v1/agents", NULL},
	    {"POST", "/v1/agent/AGENT_A", ""},
	    {"POST", "/v1/data-rights-request", "T"},
	    {"DELETE", "/v1/data-rights-request/D", "T"},
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		char path[256] = "";
		for (const char *p = routes[i].path; *p != '\0'; p++) {
			const char *sub = *p == 'S'   ? t.subject
			                  : *p == 'R' ? t.request
			                  : *p == 'D' ? t.drp
			                              : NULL;
			size_t used = strlen(path);
			if (sub != NULL && p[-1] == '/' && (p[1] == '/' || p[1] == '\0'))
				snprintf(path + used, sizeof(path) - used, "%s", sub);
			else
				snprintf(path + used, sizeof(path) - used, "%c", *p);
		}
		const char *bearer = routes[i].bearer;
		if (bearer != NULL && strcmp(bearer, "T") == 0)
			bearer = t.token;
		long st = req(routes[i].method, path, bearer, data, size, NULL);
		if (st < 200 || st >= 500) {
			fprintf(stderr, "fuzz_http: %s %s answered %ld to the input\n",
			        routes[i].method, routes[i].path, st);
			abort();
		}
	}
	return 0;
}
