/* http/server.c — the daemon: libmicrohttpd in thread-pool mode, one vault
 * handle per worker thread, the policy swapped atomically on SIGHUP, limits
 * on every input, JSON errors, structured logs without personal data. */
#include <errno.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "notify/notify.h"
#include "retention/retention.h"
#include "rights/rights.h"
#include "audit/audit.h"
#include "crypto/crypto.h"
#include "http/http_int.h"
#include "util/clock.h"

const struct http_config *http_cfg;

static pthread_rwlock_t policy_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct policy *current_policy;
static pthread_mutex_t vaults_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vault *vaults[64];
static size_t n_vaults;
static __thread struct vault *thread_vault;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static void log_line(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The audit log is written by one background thread: request threads hand
 * each entry to one queue, which the writer drains at least every
 * AUDIT_QUEUE_WAIT_MS, so no request waits for the log's disk sync and an
 * entry is on disk within a second. A batch it cannot write stays queued
 * and is retried; meanwhile the queue refuses entries, so accesses are
 * refused until the log can be written again. */
static struct audit_queue *audit_q;
static _Atomic bool audit_stopping;

static void *audit_writer(void *arg)
{
	struct vault *v = arg;
	bool failing = false;
	int stop_tries = 0;
	for (;;) {
		bool stop = atomic_load(&audit_stopping);
		if (!stop)
			(void)audit_queue_wait(audit_q, failing ? 250 : AUDIT_QUEUE_WAIT_MS);
		if (audit_queue_pending(audit_q) == 0) {
			if (stop)
				break;
			continue;
		}
		pthread_mutex_lock(&write_lock);
		vow_err err = audit_queue_write(audit_q, v, NULL);
		pthread_mutex_unlock(&write_lock);
		if (err == VOW_OK) {
			if (failing)
				log_line("info", "audit log writable again");
			failing = false;
			continue;
		}
		if (!failing)
			log_line("error",
			         "audit log not writable (%s): %zu entries kept for retry; accesses "
			         "are refused until it can be written",
			         vow_err_code(err), audit_queue_pending(audit_q));
		failing = true;
		if (stop) {
			/* stopping while the disk still fails: give it ten seconds */
			struct timespec pause = {0, 250 * 1000 * 1000};
			nanosleep(&pause, NULL);
			if (++stop_tries >= 40) {
				log_line("error",
				         "audit: %zu entries could not be written before the stop; "
				         "the next start records an unclean stop",
				         audit_queue_pending(audit_q));
				break;
			}
		}
	}
	return NULL;
}

/* One writer at a time: SQLite allows one anyway, and its busy handler
 * sleeps; a mutex hands the write lock over at once. */

void http_config_defaults(struct http_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->data_dir = "vow-data";
	cfg->address = "127.0.0.1";
	cfg->port = 8080;
	cfg->max_body = 1024 * 1024;
	cfg->max_json_depth = 32;
	cfg->max_json_members = 10000;
	cfg->max_header = 32 * 1024;
	cfg->max_connections = 256;
	cfg->rate_per_key = 1000;
	cfg->timeout = 30;
	cfg->threads = 2;
	cfg->audit = 1;
	cfg->mail_from = "privacy@localhost";
	cfg->sweep_interval = 3600;
	cfg->send_interval = 1;
	cfg->send_timeout = NOTIFY_TIMEOUT_MS / 1000;
}

static void log_line(const char *level, const char *fmt, ...)
{
	char msg[512], at[21];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_format(clock_now(), at);
	json_t *j = json_pack("{s:s, s:s, s:s}", "ts", at, "level", level, "msg", msg);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text != NULL)
		fprintf(stderr, "%s\n", text);
	free(text);
	json_decref(j);
}

/* This thread's vault, opened on first use, under the current policy. */
static struct vault *thread_vault_get(void)
{
	if (thread_vault == NULL) {
		struct vault *v = NULL;
		if (vault_open(http_cfg->data_dir, current_policy, &v) != VOW_OK)
			return NULL;
		if (!http_cfg->audit)
			audit_disable(v);
		else
			audit_queue_use(v, audit_q);
		pthread_mutex_lock(&vaults_lock);
		if (n_vaults < sizeof(vaults) / sizeof(vaults[0]))
			vaults[n_vaults++] = v;
		pthread_mutex_unlock(&vaults_lock);
		thread_vault = v;
	}
	vault_set_policy(thread_vault, current_policy);
	return thread_vault;
}

/* ---- responses ---- */

static enum MHD_Result queue(struct MHD_Connection *c, struct request *r, unsigned status,
                             const char *type, char *text)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	if (r != NULL) {
		r->status = status;
		r->answered = true;
	}
	return ret;
}

enum MHD_Result http_text(struct MHD_Connection *c, struct request *r, const char *type, char *text)
{
	if (text == NULL)
		return http_error(c, r, 500, "internal_error", "internal error", NULL);
	return queue(c, r, 200, type, text);
}

enum MHD_Result http_empty(struct MHD_Connection *c, struct request *r, unsigned status)
{
	char *text = strdup("");
	if (text == NULL)
		return MHD_NO;
	return queue(c, r, status, "text/plain", text);
}

enum MHD_Result http_json(struct MHD_Connection *c, struct request *r, unsigned status,
                          json_t *body)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : strdup("{}");
	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	return queue(c, r, status, "application/json", text);
}

enum MHD_Result http_error(struct MHD_Connection *c, struct request *r, unsigned status,
                           const char *code, const char *message, const char *reason)
{
	json_t *e = json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code, "message", message,
	                      "reason", reason);
	return http_json(c, r, status, e);
}

enum MHD_Result http_fail(struct MHD_Connection *c, struct request *r, vow_err err)
{
	const char *reason = r->v != NULL ? vault_last_denial(r->v) : NULL;
	const char *why = r->v != NULL ? vault_last_why(r->v) : NULL;
	if (err == VOW_ERR_DENIED) {
		if (reason == NULL)
			log_line("error", "a refusal without its reason (route %s)",
			         r->route != NULL ? r->route->pattern : "?");
		http_metrics_decision(false, reason != NULL ? reason : "denied");
	}
	unsigned status = (unsigned)vow_err_http_status(err);
	if (err == VOW_ERR_KEY) /* data whose key is gone: it no longer exists */
		status = 404;
	if (status >= 500) {
		log_line("error", "request failed: %s", vow_err_code(err));
		return http_error(c, r, status, "internal_error", "internal error", NULL);
	}
	return http_error(c, r, status, vow_err_code(err),
	                  why != NULL ? why : vow_err_message(err),
	                  err == VOW_ERR_DENIED ? reason : NULL);
}

/* ---- JSON bodies: size, depth and member caps ---- */

static bool json_within(const json_t *j, unsigned depth, size_t *members)
{
	if (depth > http_cfg->max_json_depth || ++*members > http_cfg->max_json_members)
		return false;
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k,
		                    v) if (!json_within(v, depth + 1, members)) return false;
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) if (!json_within(v, depth + 1, members)) return false;
	}
	return true;
}

json_t *http_body_json(struct MHD_Connection *c, struct request *r)
{
	if (r->too_large) {
		http_error(c, r, 413, "too_large", "the request body is over the limit", NULL);
		return NULL;
	}
	json_error_t jerr;
	json_t *j =
	    json_loadb(r->body != NULL ? r->body : "", r->len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		http_error(c, r, 400, "invalid_json",
		           "the body is not valid JSON (UTF-8, no duplicate keys)", NULL);
		return NULL;
	}
	size_t members = 0;
	if (!json_within(j, 1, &members)) {
		json_decref(j);
		http_error(c, r, 413, "too_large",
		           "the JSON body is nested too deeply or has too many values", NULL);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		http_error(c, r, 422, "invalid_request", "the body must be a JSON object", NULL);
		return NULL;
	}
	return j;
}

void http_access(struct MHD_Connection *c, struct request *r, struct vault_access *a)
{
	const char *gpc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-GPC");
	const char *dnt = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DNT");
	*a = (struct vault_access){r->key.role,
	                           r->key.staff[0] ? r->key.staff : NULL,
	                           MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Vow-Purpose"),
	                           gpc != NULL && strcmp(gpc, "1") == 0,
	                           dnt != NULL && strcmp(dnt, "1") == 0,
	                           false,
	                           false};
	/* an admin may act as any role of the policy, naming it */
	const char *role = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Vow-Role");
	if (role != NULL && r->key.kind == API_ADMIN)
		a->role = role;
	const char *actor = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Vow-Actor");
	if (actor != NULL && r->key.kind == API_ADMIN)
		a->actor = actor;
}

bool http_subject_allowed(struct MHD_Connection *c, struct request *r, const char *subject)
{
	if (r->key.kind != API_SUBJECT || strcmp(r->key.subject, subject) == 0)
		return true;
	http_error(c, r, 403, "forbidden", "this key acts for another subject", "wrong_subject");
	return false;
}

/* ---- rate limit: a token bucket per API key ---- */

struct bucket {
	char id[17];
	double tokens;
	struct timespec last;
};
static struct bucket buckets[1024];
static pthread_mutex_t bucket_lock = PTHREAD_MUTEX_INITIALIZER;

static bool rate_ok(const char *id)
{
	if (http_cfg->rate_per_key == 0)
		return true;
	uint32_t h = 2166136261u;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&bucket_lock);
	struct bucket *b = &buckets[h % 1024];
	if (strcmp(b->id, id) != 0) {
		snprintf(b->id, sizeof(b->id), "%s", id);
		b->tokens = http_cfg->rate_per_key;
		b->last = now;
	}
	double dt =
	    (double)(now.tv_sec - b->last.tv_sec) + (double)(now.tv_nsec - b->last.tv_nsec) / 1e9;
	b->last = now;
	b->tokens += dt * http_cfg->rate_per_key;
	if (b->tokens > http_cfg->rate_per_key)
		b->tokens = http_cfg->rate_per_key;
	bool ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	pthread_mutex_unlock(&bucket_lock);
	return ok;
}

/* ---- routing ---- */

static bool match(const char *pattern, const char *url, struct request *r)
{
	const char *p = pattern, *u = url;
	int np = 0;
	while (*p != '\0' && *u != '\0') {
		if (*p == '{') {
			const char *end = strchr(p, '}');
			size_t n = strcspn(u, "/");
			if (end == NULL || n == 0 || n >= sizeof(r->params[0]) ||
			    np == HTTP_MAX_PARAMS)
				return false;
			memcpy(r->params[np], u, n);
			r->params[np][n] = '\0';
			np++;
			p = end + 1;
			u += n;
		} else if (*p++ != *u++) {
			return false;
		}
	}
	return *p == '\0' && *u == '\0';
}

static const struct route *find_route(const char *method, const char *url, struct request *r,
                                      bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < http_route_count; i++) {
		if (!match(http_route_table[i].pattern, url, r))
			continue;
		*path_known = true;
		if (strcmp(http_route_table[i].method, method) == 0) {
			r->route_index = (int)i;
			return &http_route_table[i];
		}
	}
	return NULL;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct request *r = *con_cls;
	if (r == NULL)
		return;
	double ms = ms_since(&r->t0);
	http_metrics_request(r->route_index, r->status, ms);
	json_t *j =
	    json_pack("{s:s, s:s, s:s, s:i, s:f}", "level", "info", "msg", "request", "route",
	              r->route_index >= 0 ? http_route_table[r->route_index].pattern : "(none)",
	              "status", (int)r->status, "ms", ms);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text != NULL)
		fprintf(stderr, "%s\n", text);
	free(text);
	json_decref(j);
	vault_file_abort(&r->writer);
	if (r->body != NULL)
		crypto_wipe(r->body, r->cap);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* Content types a JSON body may come with (curl's -d default too). */
static bool json_type_ok(const char *type)
{
	if (type == NULL)
		return true;
	return strncasecmp(type, "application/json", 16) == 0 ||
	       strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0;
}

static enum MHD_Result first_call(struct MHD_Connection *c, struct request *r, const char *method,
                                  const char *url)
{
	bool known;
	r->route = find_route(method, url, r, &known);
	if (r->route == NULL)
		return known ? http_error(c, r, 405, "method_not_allowed",
		                          "this method is not allowed here", NULL)
		             : http_error(c, r, 404, "not_found", "no such resource", NULL);
	if (!(r->route->flags & ROUTE_PUBLIC)) {
		const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
			return http_error(c, r, 401, "unauthorized",
			                  "an API key is required (Authorization: Bearer KEY)",
			                  NULL);
		if (vault_apikey_verify(r->v, auth + 7, &r->key) != VOW_OK)
			return http_error(c, r, 401, "unauthorized", "the API key is not valid",
			                  NULL);
		if (!rate_ok(r->key.id))
			return http_error(c, r, 429, "rate_limited",
			                  "too many requests for this key; slow down", NULL);
		if ((r->route->flags & ROUTE_ADMIN) && r->key.kind != API_ADMIN)
			return http_error(c, r, 403, "forbidden", "this needs an admin key",
			                  "role_not_allowed");
	} else if (strncmp(r->route->pattern, "/v1/", 4) == 0) {
		/* the keyless API routes (a code, a link's token, an agent's
		 * signature) are rate-limited per client address instead */
		char who[17] = "@";
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && ci->client_addr != NULL && ci->client_addr->sa_family == AF_INET)
			(void)inet_ntop(AF_INET,
			                &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
			                who + 1, sizeof(who) - 1);
		if (!rate_ok(who))
			return http_error(c, r, 429, "rate_limited",
			                  "too many requests from this address; slow down", NULL);
	}
	if (r->route->flags & ROUTE_BODY) {
		const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		if (!json_type_ok(type))
			return http_error(c, r, 415, "unsupported_media_type",
			                  "send the body as application/json", NULL);
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl != NULL && strtoull(cl, NULL, 10) > http_cfg->max_body)
			return http_error(c, r, 413, "too_large",
			                  "the request body is over the limit", NULL);
	}
	return MHD_YES;
}

extern enum MHD_Result http_upload_start(struct MHD_Connection *c, struct request *r);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct request *r = *con_cls;
	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		r->route_index = -1;
		clock_gettime(CLOCK_MONOTONIC, &r->t0);
		*con_cls = r;
		pthread_rwlock_rdlock(&policy_lock);
		r->v = thread_vault_get();
		if (r->v != NULL)
			vault_refusal_clear(r->v);
		enum MHD_Result ret =
		    r->v == NULL ? http_error(c, r, 500, "internal_error", "internal error", NULL)
		                 : first_call(c, r, method, url);
		if (ret == MHD_YES && !r->answered && r->route != NULL &&
		    (r->route->flags & ROUTE_UPLOAD))
			ret = http_upload_start(c, r);
		pthread_rwlock_unlock(&policy_lock);
		return ret;
	}
	if (r->answered) { /* answered early: drop whatever body follows */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->writer != NULL) {
			if (r->upload_err == VOW_OK)
				r->upload_err = vault_file_write(r->writer, upload_data, n);
			return MHD_YES;
		}
		if (r->too_large || r->len + n > http_cfg->max_body) {
			r->too_large = true;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			/* grown by copy, the old buffer wiped: a body holds personal
			 * data, and realloc would leave copies behind */
			size_t ncap = r->cap ? r->cap * 2 : 4096;
			while (ncap < r->len + n + 1)
				ncap *= 2;
			char *nb = malloc(ncap);
			if (nb == NULL)
				return MHD_NO;
			if (r->body != NULL) {
				memcpy(nb, r->body, r->len);
				crypto_wipe(r->body, r->cap);
				free(r->body);
			}
			r->body = nb;
			r->cap = ncap;
		}
		memcpy(r->body + r->len, upload_data, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	pthread_rwlock_rdlock(&policy_lock);
	r->v = thread_vault_get();
	bool writes = (r->route->flags & ROUTE_WRITES) != 0;
	if (writes)
		pthread_mutex_lock(&write_lock);
	if (r->v != NULL)
		vault_refusal_clear(r->v);
	enum MHD_Result ret = r->v == NULL
	                          ? http_error(c, r, 500, "internal_error", "internal error", NULL)
	                          : r->route->fn(c, r);
	if (writes)
		pthread_mutex_unlock(&write_lock);
	pthread_rwlock_unlock(&policy_lock);
	return ret;
}

/* ---- background work: the outbox sender and retention sweeps ---- */

static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;
static bool work_stopping;
static bool recheck_due = true; /* at start and after a reload: has the policy moved due dates? */

/* Lets the requests waiting to write go first (a long background job calls
 * it between steps, with no transaction open). */
static void hand_over(void *ctx)
{
	(void)ctx;
	pthread_mutex_unlock(&write_lock);
	sched_yield();
	pthread_mutex_lock(&write_lock);
}

/* Recomputes every due date when the policy differs from the one they were
 * computed under (a digest of the compiled policy, kept as a setting). */
static void due_recheck(struct vault *v)
{
	char *json = policy_to_json(vault_policy(v));
	if (json == NULL)
		return;
	unsigned char h[32];
	crypto_digest("vow due policy v1", json, strlen(json), h);
	free(json);
	char hex[65], was[65];
	hex_encode(h, sizeof(h), hex);
	if (vault_setting_get(v, "due.policy", "", was, sizeof(was)) != VOW_OK ||
	    strcmp(hex, was) == 0)
		return;
	size_t changed = 0;
	pthread_mutex_lock(&write_lock);
	vow_err err = vault_due_recompute(v, &changed, hand_over, NULL);
	pthread_mutex_unlock(&write_lock);
	if (err != VOW_OK) {
		log_line("error", "due dates not recomputed: %s", vow_err_code(err));
		return;
	}
	if (vault_setting_set(v, "due.policy", hex) != VOW_OK)
		log_line("warn", "cannot record the policy the due dates follow");
	log_line("info", "retention: the policy changed; %zu due dates moved", changed);
}

/* Called by a sweep after each item, with no transaction open: lets the
 * requests waiting to write go first, so a long sweep never holds them up
 * for more than one item. */
static void sweep_yield(void *ctx, enum retention_action action, const struct vault_due *d)
{
	(void)action;
	(void)d;
	hand_over(ctx);
}

static void work_tick(int64_t now, bool sweep)
{
	pthread_rwlock_rdlock(&policy_lock);
	struct vault *v = thread_vault_get();
	if (v == NULL) {
		pthread_rwlock_unlock(&policy_lock);
		log_line("error", "background work: cannot open the data directory");
		return;
	}
	pthread_mutex_lock(&work_lock);
	bool recheck = recheck_due;
	recheck_due = false;
	pthread_mutex_unlock(&work_lock);
	if (recheck)
		due_recheck(v);
	if (sweep) {
		struct retention_report rep = {0};
		pthread_mutex_lock(&write_lock);
		vow_err err = retention_sweep(v, now, false, sweep_yield, NULL, &rep);
		pthread_mutex_unlock(&write_lock);
		size_t expired = 0;
		if (err == VOW_OK) {
			pthread_mutex_lock(&write_lock);
			err = rights_exports_expire(v, now, &expired);
			pthread_mutex_unlock(&write_lock);
		}
		if (err != VOW_OK)
			log_line("error", "retention sweep stopped: %s", vow_err_code(err));
		else if (rep.noticed + rep.deleted > 0)
			log_line("info", "retention sweep: %zu notices, %zu deleted, %zu waiting",
			         rep.noticed, rep.deleted, rep.waiting);
		if (err == VOW_OK && rep.unlinked > 0)
			log_line(
			    "warn",
			    "retention: %zu notices wait for a public URL to link to (vow serve "
			    "--public-url URL, or vow config set public-url URL)",
			    rep.unlinked);
	}
	/* delivery reads no policy: a slow receiver must not hold up a reload */
	pthread_rwlock_unlock(&policy_lock);
	if (http_cfg->send_interval > 0) {
		struct notify_config nc = {.smtp_url = http_cfg->smtp_url,
		                           .mail_from = http_cfg->mail_from,
		                           .timeout_ms = (long)http_cfg->send_timeout * 1000};
		struct vault_outbox_stats st = {0};
		vow_err err = notify_deliver(v, &nc, now, &st);
		if (err != VOW_OK)
			log_line("error", "outbox delivery stopped: %s", vow_err_code(err));
		else if (st.sent + st.retried + st.dead > 0)
			log_line(st.dead > 0 ? "warn" : "info",
			         "outbox: %zu sent, %zu to retry, %zu dead", st.sent, st.retried,
			         st.dead);
	}
}

static void *worker(void *arg)
{
	(void)arg;
	int64_t last_sweep = 0;
	unsigned every = http_cfg->send_interval > 0 ? http_cfg->send_interval : 1;
	for (;;) {
		pthread_mutex_lock(&work_lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += every;
		while (!work_stopping &&
		       pthread_cond_timedwait(&work_cond, &work_lock, &until) == 0)
			;
		bool stop = work_stopping;
		pthread_mutex_unlock(&work_lock);
		if (stop)
			break;
		int64_t now = clock_now();
		bool sweep = http_cfg->sweep_interval > 0 &&
		             now - last_sweep >= (int64_t)http_cfg->sweep_interval;
		if (sweep)
			last_sweep = now;
		work_tick(now, sweep);
	}
	return NULL;
}

/* ---- lifecycle ---- */

static vow_err load_policy(const char *dir, struct policy **out)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	struct policy_diags d = {0};
	vow_err err = policy_load_file(path, out, &d);
	for (size_t i = 0; i < d.len; i++)
		log_line("error", "policy.yaml:%u:%u: %s", d.items[i].line, d.items[i].col,
		         d.items[i].message);
	policy_diags_free(&d);
	return err;
}

static void reload(void)
{
	struct policy *fresh = NULL;
	vow_err err = load_policy(http_cfg->data_dir, &fresh);
	if (err != VOW_OK) {
		log_line("error", "policy reload failed (%s): keeping the policy in force",
		         vow_err_code(err));
		return;
	}
	/* what changed, for the operator: material changes stop consents to
	 * the purposes whose terms changed from counting from now on. Only this
	 * thread replaces current_policy, so it reads it without the lock. */
	struct policy_changes ch;
	if (current_policy != NULL && policy_diff(current_policy, fresh, &ch) == VOW_OK) {
		for (size_t i = 0; i < ch.len; i++)
			if (ch.items[i].material)
				log_line("warn", "material policy change: %s", ch.items[i].text);
		if (ch.material > 0)
			log_line("warn",
			         "%zu material policy changes take effect: consents given under "
			         "other terms no longer count until given again",
			         ch.material);
		policy_changes_free(&ch);
	}
	pthread_rwlock_wrlock(&policy_lock);
	struct policy *old = current_policy;
	current_policy = fresh;
	pthread_mutex_lock(&vaults_lock);
	for (size_t i = 0; i < n_vaults; i++)
		vault_set_policy(vaults[i], fresh);
	pthread_mutex_unlock(&vaults_lock);
	pthread_rwlock_unlock(&policy_lock);
	policy_free(&old);
	log_line("info", "policy reloaded: version %s", fresh->version);
	pthread_mutex_lock(&work_lock);
	recheck_due = true; /* the background worker recomputes due dates if they moved */
	pthread_cond_signal(&work_cond);
	pthread_mutex_unlock(&work_lock);
}

int http_serve(const struct http_config *cfg)
{
	http_cfg = cfg;
	/* before any thread exists, so every thread inherits the mask and the
	 * signals reach only sigwait below (a thread started earlier would let
	 * a SIGTERM end the process without a clean shutdown) */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (crypto_init() != VOW_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 3;
	if (load_policy(cfg->data_dir, &current_policy) != VOW_OK) {
		log_line("error", "cannot load %s/policy.yaml", cfg->data_dir);
		return 1;
	}
	/* open one vault now: a wrong key or a broken store fails at start */
	struct vault *probe = NULL;
	vow_err err = vault_open(cfg->data_dir, current_policy, &probe);
	vault_close(&probe);
	if (err != VOW_OK) {
		log_line("error", "cannot open the data directory: %s", vow_err_code(err));
		policy_free(&current_policy);
		return 3;
	}
	/* the audit writer, with its own vault (no policy: it only writes the log,
	 * so a reload never leaves it holding a freed one) */
	struct vault *audit_vault = NULL;
	pthread_t audit_thread;
	bool audit_running = false;
	if (cfg->audit) {
		bool unclean = false;
		err = vault_open(cfg->data_dir, NULL, &audit_vault);
		if (err == VOW_OK)
			err = audit_queue_new(&audit_q);
		if (err == VOW_OK)
			err = audit_session_open(audit_vault, &unclean);
		if (err != VOW_OK) {
			log_line("error", "cannot open the audit log: %s", vow_err_code(err));
			vault_close(&audit_vault);
			audit_queue_free(&audit_q);
			policy_free(&current_policy);
			return 3;
		}
		if (unclean)
			log_line("warn", "the last run did not stop cleanly: recorded in the audit log");
		audit_running = pthread_create(&audit_thread, NULL, audit_writer, audit_vault) == 0;
		if (!audit_running) {
			vault_close(&audit_vault);
			audit_queue_free(&audit_q);
			policy_free(&current_policy);
			return 3;
		}
	}
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(cfg->port)};
	if (inet_pton(AF_INET, cfg->address, &addr.sin_addr) != 1) {
		log_line("error", "listen address '%s' is not an IPv4 address", cfg->address);
		return 2;
	}
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC,
	    cfg->port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->max_header,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (d == NULL) {
		log_line("error", "cannot listen on %s:%u", cfg->address, cfg->port);
		policy_free(&current_policy);
		return 3;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info != NULL ? info->port : cfg->port;
	if (cfg->port_file != NULL) {
		FILE *f = fopen(cfg->port_file, "w");
		if (f != NULL) {
			fprintf(f, "%u\n", port);
			fclose(f);
		}
	}
	log_line("info", "vow serving on http://%s:%u (policy %s)", cfg->address, port,
	         current_policy->version);
	/* the public URL is one setting, read wherever a link is made:
	 * --public-url writes it */
	{
		struct vault *sv = NULL;
		char url[NOTIFY_URL_MAX];
		vow_err uerr = vault_open(cfg->data_dir, current_policy, &sv);
		if (uerr == VOW_OK && cfg->public_url != NULL)
			uerr = notify_public_url_set(sv, cfg->public_url);
		if (uerr == VOW_OK)
			uerr = notify_public_url(sv, url);
		vault_close(&sv);
		if (uerr == VOW_ERR_CONFIG)
			log_line("warn", "no public URL: notices and download links wait until one "
			                 "is set (vow serve --public-url URL, or vow config set "
			                 "public-url URL)");
		else if (uerr != VOW_OK)
			log_line("error", "cannot record the public URL: %s", vow_err_code(uerr));
	}
	pthread_t work_thread;
	bool working = (cfg->sweep_interval > 0 || cfg->send_interval > 0) &&
	               pthread_create(&work_thread, NULL, worker, NULL) == 0;
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload();
			continue;
		}
		break;
	}
	log_line("info", "shutting down: finishing requests in flight");
	if (working) {
		pthread_mutex_lock(&work_lock);
		work_stopping = true;
		pthread_cond_signal(&work_cond);
		pthread_mutex_unlock(&work_lock);
		pthread_join(work_thread, NULL);
	}
	MHD_quiesce_daemon(d);
	MHD_stop_daemon(d);
	for (size_t i = 0; i < n_vaults; i++)
		vault_close(&vaults[i]); /* hands their last entries to the writer */
	if (audit_running) {
		atomic_store(&audit_stopping, true);
		audit_queue_wake(audit_q);
		pthread_join(audit_thread, NULL);
		bool all = audit_queue_pending(audit_q) == 0;
		/* an unwritten remainder leaves the session open: the next start
		 * records the unclean stop */
		if (all && audit_session_close(audit_vault) != VOW_OK)
			log_line("error", "audit: cannot record the clean stop");
		vault_close(&audit_vault); /* signs a checkpoint of the head */
		audit_queue_free(&audit_q);
	}
	policy_free(&current_policy);
	log_line("info", "stopped");
	return 0;
}
