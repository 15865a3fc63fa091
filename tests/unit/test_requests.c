/* tests/unit/test_requests.c — rights requests end to end against a running
 * `vow serve`, with a real SMTP listener and a real webhook receiver on
 * loopback (tests/tools): an access request filed by a service, its code
 * read from the delivered e-mail and confirmed, the export downloaded and
 * read as a tar archive; an erasure filed by the subject's own key whose
 * signed notices reach exactly the recipients that received data; the
 * errors a client can make. */
#define _GNU_SOURCE /* memmem */
#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "test_server.h"

static char dir[] = "/tmp/vow-requests-XXXXXX";
static char mail_dir[320], hook_dir[320], smtp_port_file[320], hook_port_file[320];
static pid_t smtp_pid, hook_pid;
static unsigned smtp_port, hook_port;

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || sodium_init() < 0)
		return -1;
	server_paths(dir);
	snprintf(mail_dir, sizeof(mail_dir), "%s/mail", dir);
	snprintf(hook_dir, sizeof(hook_dir), "%s/hooks", dir);
	snprintf(smtp_port_file, sizeof(smtp_port_file), "%s/smtp-port", dir);
	snprintf(hook_port_file, sizeof(hook_port_file), "%s/hook-port", dir);
	if (mkdir(mail_dir, 0700) != 0 || mkdir(hook_dir, 0700) != 0)
		return -1;
	start_peer("smtp_sink.py", smtp_port_file, mail_dir, &smtp_pid, &smtp_port);
	start_peer("webhook_sink.py", hook_port_file, hook_dir, &hook_pid, &hook_port);
	/* AmberScript, with the receiver as three recipients' notify_url */
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	char policy[400];
	snprintf(policy, sizeof(policy), "%s/policy.yaml", dir);
	FILE *f = fopen(policy, "w");
	if (f == NULL)
		return -1;
	static const char *const keys[] = {"stripe", "research_agencies", "google_analytics"};
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		fprintf(f, "%s\n", line);
		for (size_t k = 0; k < 3; k++) {
			char want[64];
			snprintf(want, sizeof(want), "  - key: %s", keys[k]);
			if (strcmp(line, want) == 0)
				fprintf(f, "    notify_url: http://127.0.0.1:%u/%s\n", hook_port,
				        keys[k]);
		}
	}
	fclose(f);
	free(text);
	free(run_capture((const char *[]){"init", data, "--policy", policy, NULL}));
	if (!make_key("admin", NULL, admin) || !make_key("service", NULL, service))
		return -1;
	char smtp[64];
	snprintf(smtp, sizeof(smtp), "smtp://127.0.0.1:%u", smtp_port);
	start_server((const char *[]){"--smtp", smtp, "--mail-from", "privacy@amberscript.test",
	                              "--sweep-interval", "0", "--public-url",
	                              "https://privacy.amberscript.test", NULL});
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (server > 0)
		stop_server();
	stop_peer(&smtp_pid);
	stop_peer(&hook_pid);
	curl_global_cleanup();
	return getenv("VOW_KEEP") != NULL ? 0 : remove_tree(dir);
}

/* The newest delivered e-mail containing needle (10 s at most), or NULL. */
static char *wait_mail(const char *needle)
{
	for (int i = 0; i < 400; i++) {
		for (int n = 100; n >= 1; n--) {
			char path[400];
			snprintf(path, sizeof(path), "%s/%d.eml", mail_dir, n);
			if (access(path, R_OK) != 0)
				continue;
			char *m = slurp(path, NULL);
			if (strstr(m, needle) != NULL)
				return m;
			free(m);
		}
		usleep(25000);
	}
	return NULL;
}

static json_t *hook_lines(void)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/hooks.log", hook_dir);
	json_t *arr = json_array();
	if (access(path, R_OK) != 0)
		return arr;
	char *text = slurp(path, NULL);
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
		json_array_append_new(arr, json_loads(line, 0, NULL));
	free(text);
	return arr;
}

static char subject[33], subject_key[128];

static void test_access_request_with_code(void **state)
{
	(void)state;
	json_t *j = NULL;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL,
	                      "{\"email\":\"anna@example.nl\",\"region\":\"NL\",\"age\":30}", &j),
	                 201);
	snprintf(subject, sizeof(subject), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	char p[300];
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.name", subject);
	assert_int_equal(jreq("PUT", p, service, "essential.service", "{\"first\":\"Anna\"}", &j),
	                 204);
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/subjects/%s/disclosures", subject);
	assert_int_equal(jreq("POST", p, service, "essential.fraud_detection",
	                      "{\"recipient\":\"stripe\",\"category\":\"user.contact.email\"}", &j),
	                 201);
	json_decref(j);
	assert_int_equal(jreq("POST", p, service, "research.surveys",
	                      "{\"recipient\":\"research_agencies\",\"category\":\"user.name\"}",
	                      &j),
	                 201);
	json_decref(j);

	/* filed by the service: the person confirms with the code in their mail */
	char body[200];
	snprintf(body, sizeof(body), "{\"subject\":\"%s\",\"type\":\"access\"}", subject);
	assert_int_equal(jreq("POST", "/v1/requests", service, NULL, body, &j), 201);
	char id[33];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
	assert_string_equal(json_string_value(json_object_get(j, "status")), "received");
	json_decref(j);
	char *mail = wait_mail("enter this code: ");
	assert_non_null(mail);
	assert_non_null(strstr(mail, "To: anna@example.nl"));
	char code[7];
	memcpy(code, strstr(mail, "enter this code: ") + 17, 6);
	code[6] = '\0';
	free(mail);
	snprintf(p, sizeof(p), "/v1/requests/%s/process", id);
	assert_int_equal(jreq("POST", p, admin, NULL, NULL, &j), 409); /* not verified yet */
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/requests/%s/verify", id);
	assert_int_equal(jreq("POST", p, NULL, NULL, "{\"code\":\"000000x\"}", &j), 403);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	assert_int_equal(jreq("POST", p, NULL, NULL, body, &j), 200);
	json_decref(j);
	assert_int_equal(jreq("POST", p, NULL, NULL, body, &j), 409); /* spent */
	json_decref(j);
	/* only admins carry requests out */
	snprintf(p, sizeof(p), "/v1/requests/%s/process", id);
	assert_int_equal(jreq("POST", p, service, NULL, NULL, &j), 403);
	json_decref(j);
	assert_int_equal(jreq("POST", p, admin, NULL, NULL, &j), 200);
	const char *url = json_string_value(json_object_get(j, "download"));
	assert_non_null(url);
	char path[200];
	snprintf(path, sizeof(path), "%s", strstr(url, "/v1/exports/"));
	json_decref(j);
	/* the download: a tar with the person's data */
	char *tar = NULL;
	long st = req("GET", path, NULL, NULL, NULL, 0, NULL, &tar);
	assert_int_equal(st, 200);
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	char *copy = NULL;
	size_t len = 0;
	/* req() returns a NUL-terminated copy; tar holds NULs, so fetch its length */
	{
		CURL *c = curl_easy_init();
		char u[512];
		snprintf(u, sizeof(u), "http://127.0.0.1:%u%s", port, path);
		FILE *mem = open_memstream(&copy, &len);
		curl_easy_setopt(c, CURLOPT_URL, u);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
		assert_int_equal(curl_easy_perform(c), CURLE_OK);
		curl_easy_cleanup(c);
		fclose(mem);
	}
	assert_int_equal(archive_read_open_memory(a, copy, len), ARCHIVE_OK);
	struct archive_entry *e;
	bool name = false, recipients = false, manifest = false;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *pn = archive_entry_pathname(e);
		char buf[8192] = "";
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		if (strcmp(pn, "data/user.name.json") == 0)
			name = strstr(buf, "Anna") != NULL;
		if (strcmp(pn, "recipients.json") == 0)
			recipients =
			    strstr(buf, "stripe") != NULL && strstr(buf, "research_agencies");
		if (strcmp(pn, "manifest.json") == 0)
			manifest = strstr(buf, id) != NULL;
	}
	archive_read_free(a);
	free(copy);
	free(tar);
	assert_true(name && recipients && manifest);
	/* the request's history, for the DPO */
	snprintf(p, sizeof(p), "/v1/requests/%s", id);
	assert_int_equal(jreq("GET", p, admin, NULL, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "completed");
	json_t *h = json_object_get(j, "history");
	assert_int_equal(json_array_size(h), 4); /* received, verified, in_progress, completed */
	assert_non_null(json_object_get(json_object_get(j, "result"), "download"));
	json_decref(j);
	/* a wrong download token is a 404 */
	assert_int_equal(
	    jreq("GET",
	         "/v1/exports/0000000000000000000000000000000000000000000000000000000000000000",
	         NULL, NULL, NULL, &j),
	    404);
	json_decref(j);
	/* the privacy officer may vouch for the identity; nobody else */
	snprintf(body, sizeof(body),
	         "{\"subject\":\"%s\",\"type\":\"restriction\",\"detail\":{\"category\":\"*\"},"
	         "\"identity_verified\":true}",
	         subject);
	assert_int_equal(jreq("POST", "/v1/requests", service, NULL, body, &j), 422);
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/requests", admin, NULL, body, &j), 201);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "verified");
	json_decref(j);
	/* the person is told it is done, with the link */
	mail = wait_mail("Your access request is done");
	assert_non_null(mail);
	free(mail);
}

/* The number of outbox messages of template for subject. */
static size_t outbox_count(const char *who, const char *template_name)
{
	char q[200];
	snprintf(q, sizeof(q), "/v1/outbox?subject=%s", who);
	json_t *j = NULL;
	assert_int_equal(jreq("GET", q, admin, NULL, NULL, &j), 200);
	size_t n = 0, i;
	json_t *m;
	json_array_foreach(json_object_get(j, "messages"), i, m) n +=
	    strcmp(json_string_value(json_object_get(m, "template")), template_name) == 0;
	json_decref(j);
	return n;
}

/* A new person with an address on file; id into out. */
static void new_person(const char *email, char out[33])
{
	char body[200];
	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"region\":\"NL\",\"age\":30}", email);
	json_t *j = NULL;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL, body, &j), 201);
	snprintf(out, 33, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
}

/* Files a request of type for who with key; the status; *id_out (may be
 * NULL) the id of the request filed, or of the open one a 409 names. */
static long file_request(const char *key, const char *who, const char *type, char id_out[33])
{
	char body[200];
	snprintf(body, sizeof(body), "{\"subject\":\"%s\",\"type\":\"%s\"}", who, type);
	json_t *j = NULL;
	long st = jreq("POST", "/v1/requests", key, NULL, body, &j);
	const char *id = json_string_value(json_object_get(j, "id"));
	if (id == NULL)
		id = json_string_value(json_object_get(json_object_get(j, "error"), "request"));
	if (id_out != NULL)
		snprintf(id_out, 33, "%s", id != NULL ? id : "");
	json_decref(j);
	return st;
}

/* Who may file in a person's name is the policy's (acts_for_subjects):
 * AmberScript's customer service may, its marketing staff may not (not
 * even ask for a new code); one open request per person and right, a
 * second filing sends no second code. */
static void test_who_may_file(void **state)
{
	(void)state;
	char stranger[33], marketing[128], support[128], id[33], again[33];
	new_person("carla@example.nl", stranger);
	assert_true(make_key("marketing_team", "mia", marketing));
	assert_true(make_key("support", "sam", support));
	json_t *j = NULL;
	char body[200];
	snprintf(body, sizeof(body), "{\"subject\":\"%s\",\"type\":\"erasure\"}", stranger);
	assert_int_equal(jreq("POST", "/v1/requests", marketing, NULL, body, &j), 403);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
	                    "may_not_act_for_person");
	json_decref(j);
	assert_int_equal(outbox_count(stranger, "request.verify"), 0);
	assert_int_equal(outbox_count(stranger, "request.received"), 0);
	/* customer service files it, when the person asks them by e-mail */
	assert_int_equal(file_request(support, stranger, "erasure", id), 201);
	assert_int_equal(outbox_count(stranger, "request.verify"), 1);
	/* marketing cannot send the person new codes either */
	char p[200];
	snprintf(p, sizeof(p), "/v1/requests/%s/resend", id);
	assert_int_equal(jreq("POST", p, marketing, NULL, NULL, &j), 403);
	json_decref(j);
	assert_int_equal(outbox_count(stranger, "request.verify"), 1);
	/* the same right again, by anyone: the open one is named, nothing sent */
	assert_int_equal(file_request(support, stranger, "erasure", again), 409);
	assert_string_equal(again, id);
	assert_int_equal(file_request(service, stranger, "erasure", again), 409);
	assert_int_equal(file_request(admin, stranger, "erasure", again), 409);
	assert_string_equal(again, id);
	assert_int_equal(outbox_count(stranger, "request.verify"), 1);
	assert_int_equal(outbox_count(stranger, "request.received"), 1);
	snprintf(p, sizeof(p), "/v1/requests?subject=%s", stranger);
	assert_int_equal(jreq("GET", p, admin, NULL, NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "requests")), 1);
	json_decref(j);
	/* another right is another request; once closed, the right can be asked again */
	assert_int_equal(file_request(support, stranger, "access", again), 201);
	assert_int_equal(outbox_count(stranger, "request.verify"), 2);
	snprintf(p, sizeof(p), "/v1/requests/%s/deny", id);
	assert_int_equal(jreq("POST", p, admin, NULL,
	                      "{\"ground\":\"identity_not_verified\",\"reason\":\"no answer\"}",
	                      &j),
	                 200);
	json_decref(j);
	assert_int_equal(file_request(support, stranger, "erasure", again), 201);
	assert_string_not_equal(again, id);
}

/* The number of delivered e-mails containing needle. */
static size_t mails_with(const char *needle)
{
	size_t k = 0;
	for (int n = 1; n <= 100; n++) {
		char path[400];
		snprintf(path, sizeof(path), "%s/%d.eml", mail_dir, n);
		if (access(path, R_OK) != 0)
			continue;
		char *m = slurp(path, NULL);
		k += strstr(m, needle) != NULL;
		free(m);
	}
	return k;
}

/* The code in the newest verification e-mail for request id, once the
 * nth such e-mail arrived (10 s at most). */
static void code_of(const char *id, size_t nth, char code[7])
{
	char needle[100];
	snprintf(needle, sizeof(needle), "(reference %s), enter this code: ", id);
	for (int i = 0; i < 400 && mails_with(needle) < nth; i++)
		usleep(25000);
	char *mail = wait_mail(needle);
	assert_non_null(mail);
	memcpy(code, strstr(mail, needle) + strlen(needle), 6);
	code[6] = '\0';
	free(mail);
}

/* POST /v1/requests/ID/verify with code (or a wrong one); the status and
 * the error's code and locked_until (when given). */
static long verify(const char *id, const char *code, bool wrong, char err[32], char until[24])
{
	char body[64], p[200];
	snprintf(body, sizeof(body), "{\"code\":\"%06u\"}",
	         (unsigned)(atoi(code) + (wrong ? 1 : 0)) % 1000000u);
	snprintf(p, sizeof(p), "/v1/requests/%s/verify", id);
	json_t *j = NULL;
	long st = jreq("POST", p, NULL, NULL, body, &j);
	json_t *e = json_object_get(j, "error");
	snprintf(err, 32, "%s", e != NULL ? json_string_value(json_object_get(e, "code")) : "");
	const char *u = json_string_value(json_object_get(e, "locked_until"));
	snprintf(until, 24, "%s", u != NULL ? u : "");
	json_decref(j);
	return st;
}

/* Wrong codes count per person across their requests: nine leave the right
 * code working; the tenth locks every verification in the person's name
 * (429, even with the right code) and queues one notice to them. */
static void test_wrong_codes_lock_out(void **state)
{
	(void)state;
	char who[33], support[128], id1[33], id2[33], c1[7], c2[7], e[32], until[24];
	new_person("dirk@example.nl", who);
	assert_true(make_key("support", "sue", support));
	assert_int_equal(file_request(support, who, "access", id1), 201);
	assert_int_equal(file_request(support, who, "erasure", id2), 201);
	code_of(id1, 1, c1);
	code_of(id2, 1, c2);
	for (int i = 0; i < 5; i++) { /* the first request's five tries */
		assert_int_equal(verify(id1, c1, true, e, until), 403);
		assert_string_equal(e, "wrong_code");
		assert_string_equal(until, "");
	}
	assert_int_equal(verify(id1, c1, false, e, until), 410); /* used up, not counted */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(verify(id2, c2, true, e, until), 403);
		assert_string_equal(until, "");
	}
	/* nine wrong codes: not locked; a new code for the first works */
	assert_int_equal(outbox_count(who, "request.lockout"), 0);
	char p[200];
	json_t *j = NULL;
	snprintf(p, sizeof(p), "/v1/requests/%s/resend", id1);
	assert_int_equal(jreq("POST", p, support, NULL, NULL, &j), 200);
	json_decref(j);
	code_of(id1, 2, c1);
	assert_int_equal(verify(id1, c1, false, e, until), 200);
	/* the tenth: still "wrong", and from now on nothing is accepted */
	assert_int_equal(verify(id2, c2, true, e, until), 403);
	assert_string_equal(e, "wrong_code");
	assert_true(strlen(until) == 20);
	assert_int_equal(verify(id2, c2, false, e, until), 429);
	assert_string_equal(e, "verification_locked");
	assert_int_equal(verify(id2, c2, true, e, until), 429);
	snprintf(p, sizeof(p), "/v1/requests/%s", id2);
	assert_int_equal(jreq("GET", p, admin, NULL, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "received");
	json_decref(j);
	/* the person is told once */
	assert_int_equal(outbox_count(who, "request.lockout"), 1);
	char *mail = wait_mail("wrong verification codes within a day");
	assert_non_null(mail);
	assert_non_null(strstr(mail, "To: dirk@example.nl"));
	free(mail);
}

/* POST /v1/subjects/WHO/retention/keep for item with key: the status and
 * the error code (or ""). */
static long keep(const char *key, const char *who, const char *item, char err[32])
{
	char p[200], body[200];
	snprintf(p, sizeof(p), "/v1/subjects/%s/retention/keep", who);
	snprintf(body, sizeof(body), "{\"category\":\"user.content.audio\",\"item\":\"%s\"}", item);
	json_t *j = NULL;
	long st = jreq("POST", p, key, NULL, body, &j);
	const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	snprintf(err, 32, "%s", c != NULL ? c : "");
	json_decref(j);
	return st;
}

/* The item's due row over HTTP: its date and who kept it longer. */
static void due_row(const char *who, char due[24], char by[64])
{
	char p[200];
	snprintf(p, sizeof(p), "/v1/subjects/%s/retention", who);
	json_t *j = NULL;
	assert_int_equal(jreq("GET", p, service, NULL, NULL, &j), 200);
	/* the file's row (the profile's fields have rows of their own) */
	json_t *it = NULL, *each;
	size_t k;
	json_array_foreach(json_object_get(j, "items"), k, each)
	{
		const char *item = json_string_value(json_object_get(each, "item"));
		if (item != NULL && strlen(item) == 32)
			it = each;
	}
	const char *d = json_string_value(json_object_get(it, "due"));
	const char *b = json_string_value(json_object_get(it, "postponed_by"));
	snprintf(due, 24, "%s", d != NULL ? d : "");
	snprintf(by, 64, "%s", b != NULL ? b : "");
	json_decref(j);
}

/* Keeping a file longer over HTTP: only in the person's name (marketing
 * may not), only once its notice is owed or given, once per notice (no
 * stacking), and the due row names who asked. */
static void test_keep_needs_a_notice(void **state)
{
	(void)state;
	char who[33], marketing[128], support[128], e[32], due[24], due2[24], by[64];
	new_person("eva@example.nl", who);
	char *f = run_capture(
	    (const char *[]){"file", "put", "--data", data, who, "user.content.audio", "README.md",
	                     "--type", "text/markdown", "--purpose", "essential.service", NULL});
	char file[33];
	snprintf(file, sizeof(file), "%s", f);
	free(f);
	assert_int_equal(strlen(file), 32);
	assert_true(make_key("marketing_team", "max", marketing));
	assert_true(make_key("support", "sid", support));
	assert_int_equal(keep(marketing, who, file, e), 403);
	assert_string_equal(e, "may_not_act_for_person");
	assert_int_equal(keep(service, who, file, e), 409); /* months before its notice */
	assert_string_equal(e, "no_notice_yet");
	due_row(who, due, by);
	assert_string_equal(by, "");
	/* the notice a week before the six months */
	time_t t = time(NULL) + 178 * 86400;
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	char *out =
	    run_capture((const char *[]){"retention", "run", "--data", data, "--now", when, NULL});
	assert_non_null(strstr(out, "notice 1 user.content.audio"));
	free(out);
	/* the person asks customer service to keep it */
	assert_int_equal(keep(support, who, file, e), 200);
	due_row(who, due2, by);
	assert_string_equal(by, "support:sid");
	assert_true(strcmp(due2, due) > 0);
	/* once per notice: asking again moves nothing */
	assert_int_equal(keep(support, who, file, e), 409);
	assert_string_equal(e, "already_postponed");
	assert_int_equal(keep(admin, who, file, e), 409);
	due_row(who, due, by);
	assert_string_equal(due, due2);
	assert_string_equal(by, "support:sid");
}

static long drp_req(const char *method, const char *path, const char *token, const char *body,
                    json_t **out)
{
	char auth[128];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	char *text = NULL;
	long st = req(method, path, NULL, NULL, body, body != NULL ? strlen(body) : 0,
	              (const char *[]){"Content-Type: text/plain", auth, NULL}, &text);
	*out = json_loads(text, 0, NULL);
	free(text);
	return st;
}

/* An authorized agent over HTTP: key setup, a signed opt-out, its status,
 * the status pushed to its callback once carried out, revocation refused. */
static void test_drp_over_http(void **state)
{
	(void)state;
	unsigned char pk[32], sk[64];
	crypto_sign_keypair(pk, sk);
	char b64[64];
	sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	char *out = run_capture((const char *[]){"agent", "add", "AGENT_T", "--name", "Test agent",
	                                         "--verify-key", b64, "--data", data, NULL});
	assert_non_null(strstr(out, "registered"));
	free(out);
	/* the same over HTTP, for admins only */
	json_t *reg = NULL;
	char rb[200];
	snprintf(rb, sizeof(rb), "{\"id\":\"AGENT_U\",\"name\":\"U\",\"verify_key\":\"%s\"}", b64);
	assert_int_equal(jreq("POST", "/v1/agents", service, NULL, rb, &reg), 403);
	json_decref(reg);
	assert_int_equal(jreq("POST", "/v1/agents", admin, NULL, rb, &reg), 201);
	json_decref(reg);
	assert_int_equal(jreq("POST", "/v1/agents", admin, NULL,
	                      "{\"id\":\"bad id\",\"name\":\"U\",\"verify_key\":\"xx\"}", &reg),
	                 422);
	json_decref(reg);
	json_t *j = NULL;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL,
	                      "{\"email\":\"drp@example.nl\",\"region\":\"NL\"}", &j),
	                 201);
	char person[33];
	snprintf(person, sizeof(person), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	time_t now = time(NULL);
	char iat[32], exp[32];
	strftime(iat, sizeof(iat), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	now += 600;
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	char *body = drp_sign(sk, json_pack("{s:s, s:s, s:s, s:s, s:s}", "agent-id", "AGENT_T",
	                                    "business-id", "VOW", "issued-at", iat, "expires-at",
	                                    exp, "drp.version", "1.0"));
	assert_int_equal(drp_req("POST", "/v1/agent/AGENT_T", "", body, &j), 200);
	char token[65];
	snprintf(token, sizeof(token), "%s", json_string_value(json_object_get(j, "token")));
	json_decref(j);
	free(body);
	assert_int_equal(drp_req("GET", "/v1/agent/AGENT_T", token, NULL, &j), 200);
	json_decref(j);
	char callback[128];
	snprintf(callback, sizeof(callback), "http://127.0.0.1:%u/agent-callback", hook_port);
	body = drp_sign(sk, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "agent-id",
	                              "AGENT_T", "business-id", "VOW", "issued-at", iat,
	                              "expires-at", exp, "drp.version", "1.0", "exercise",
	                              "sale:opt-out", "email", "drp@example.nl", "email_verified",
	                              1, "status_callback", callback));
	assert_int_equal(drp_req("POST", "/v1/data-rights-request", token, body, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "in_progress");
	char drp_id[40], p[200];
	snprintf(drp_id, sizeof(drp_id), "%s", json_string_value(json_object_get(j, "request_id")));
	json_decref(j);
	free(body);
	snprintf(p, sizeof(p), "/v1/data-rights-request/%s", drp_id);
	assert_int_equal(drp_req("GET", p, token, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "request_id")), drp_id);
	json_decref(j);
	assert_int_equal(drp_req("GET", p, "0000", NULL, &j), 403);
	json_decref(j);
	/* the DPO carries it out; the agent hears "fulfilled" */
	char q[200];
	snprintf(q, sizeof(q), "/v1/requests?subject=%s", person);
	assert_int_equal(jreq("GET", q, admin, NULL, NULL, &j), 200);
	json_t *first = json_array_get(json_object_get(j, "requests"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "channel")), "agent:AGENT_T");
	snprintf(q, sizeof(q), "/v1/requests/%s/process",
	         json_string_value(json_object_get(first, "id")));
	json_decref(j);
	assert_int_equal(jreq("POST", q, admin, NULL, NULL, &j), 200);
	json_decref(j);
	bool fulfilled = false;
	for (int i = 0; i < 400 && !fulfilled; i++) {
		json_t *hooks = hook_lines();
		size_t k;
		json_t *h;
		json_array_foreach(hooks, k, h)
		{
			if (strcmp(json_string_value(json_object_get(h, "path")),
			           "/agent-callback") != 0)
				continue;
			json_t *st =
			    json_loads(json_string_value(json_object_get(h, "body")), 0, NULL);
			fulfilled |= strcmp(json_string_value(json_object_get(st, "status")),
			                    "fulfilled") == 0;
			json_decref(st);
		}
		json_decref(hooks);
		if (!fulfilled)
			usleep(25000);
	}
	assert_true(fulfilled);
	body = drp_sign(sk, json_pack("{s:s}", "reason", "too late"));
	assert_int_equal(drp_req("DELETE", p, token, body, &j), 409);
	json_decref(j);
	free(body);
}

static void test_erasure_notifies_recipients(void **state)
{
	(void)state;
	char *k = run_capture((const char *[]){"key", "create", "--data", data, "--role", "subject",
	                                       "--subject", subject, NULL});
	snprintf(subject_key, sizeof(subject_key), "%s", k);
	free(k);
	assert_int_equal(strncmp(subject_key, "vow_", 4), 0);
	json_t *j = NULL;
	/* a subject key files for itself only, verified by its session */
	assert_int_equal(
	    jreq("POST", "/v1/requests", subject_key, NULL,
	         "{\"subject\":\"00000000000000000000000000000001\",\"type\":\"erasure\"}", &j),
	    403);
	json_decref(j);
	assert_int_equal(
	    jreq("POST", "/v1/requests", subject_key, NULL, "{\"type\":\"erasure\"}", &j), 201);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "verified");
	char id[33], p[200];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/requests/%s/deny", id);
	assert_int_equal(
	    jreq("POST", p, admin, NULL, "{\"ground\":\"art17_3_q\",\"reason\":\"x\"}", &j), 422);
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/requests/%s/process", id);
	assert_int_equal(jreq("POST", p, admin, NULL, NULL, &j), 200);
	json_t *receipt = json_object_get(j, "receipt");
	assert_non_null(json_object_get(receipt, "signature"));
	json_decref(j);
	/* the notices: once each, to the two recipients that received data */
	json_t *hooks = NULL;
	for (int i = 0; i < 400; i++) {
		json_decref(hooks);
		hooks = hook_lines();
		size_t erasures = 0, x;
		json_t *e;
		json_array_foreach(hooks, x, e) erasures +=
		    strcmp(json_string_value(json_object_get(e, "event")), "erasure") == 0;
		if (erasures >= 2)
			break;
		usleep(25000);
	}
	usleep(1500000); /* a third, wrong one would have arrived by now */
	json_decref(hooks);
	hooks = hook_lines();
	/* (the agent's callbacks of the test before are on another path) */
	json_t *erasure_hooks = json_array();
	size_t hi;
	json_t *hh;
	json_array_foreach(hooks, hi, hh) if (strcmp(json_string_value(json_object_get(hh, "path")),
	                                             "/agent-callback") != 0)
	    json_array_append(erasure_hooks, hh);
	json_decref(hooks);
	hooks = erasure_hooks;
	assert_int_equal(json_array_size(hooks), 2);
	bool stripe = false, agency = false;
	assert_int_equal(jreq("GET", "/v1/consent-key", service, NULL, NULL, &j), 200);
	unsigned char pk[32];
	const char *pkhex = json_string_value(json_object_get(j, "public_key"));
	assert_int_equal(sodium_hex2bin(pk, 32, pkhex, 64, NULL, NULL, NULL), 0);
	json_decref(j);
	size_t i;
	json_t *h;
	json_array_foreach(hooks, i, h)
	{
		const char *path = json_string_value(json_object_get(h, "path"));
		stripe |= strcmp(path, "/stripe") == 0;
		agency |= strcmp(path, "/research_agencies") == 0;
		assert_string_equal(json_string_value(json_object_get(h, "event")), "erasure");
		/* the signature is the instance key's over "TIMESTAMP.BODY" */
		const char *sig = json_string_value(json_object_get(h, "signature"));
		const char *ts = json_string_value(json_object_get(h, "timestamp"));
		const char *body = json_string_value(json_object_get(h, "body"));
		assert_int_equal(strncmp(sig, "ed25519=", 8), 0);
		unsigned char s[64];
		assert_int_equal(sodium_hex2bin(s, 64, sig + 8, 128, NULL, NULL, NULL), 0);
		char *msg = NULL;
		assert_true(asprintf(&msg, "%s.%s", ts, body) > 0);
		assert_int_equal(
		    crypto_sign_verify_detached(s, (unsigned char *)msg, strlen(msg), pk), 0);
		msg[strlen(msg) - 2] ^= 1; /* a doctored body fails */
		assert_int_not_equal(
		    crypto_sign_verify_detached(s, (unsigned char *)msg, strlen(msg), pk), 0);
		free(msg);
		assert_non_null(strstr(body, id));
	}
	json_decref(hooks);
	assert_true(stripe && agency);
	/* the person's data is gone; their request's answer remains */
	snprintf(p, sizeof(p), "/v1/subjects/%s/data/user.name", subject);
	assert_int_equal(jreq("GET", p, service, "essential.service", NULL, &j), 404);
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/requests/%s", id);
	assert_int_equal(jreq("GET", p, admin, NULL, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "completed");
	json_decref(j);
	/* nothing overdue */
	assert_int_equal(jreq("GET", "/v1/requests?overdue=1", admin, NULL, NULL, &j), 200);
	assert_int_equal(json_array_size(json_object_get(j, "requests")), 0);
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/requests", service, NULL,
	                      "{\"subject\":\"zz\",\"type\":\"access\"}", &j),
	                 404);
	json_decref(j);
	assert_int_equal(stop_server(), 0);
}

/* The e-mailed code's attempt limit over HTTP: five wrong codes are each
 * answered 403 wrong_code; after them even the right code is 410
 * code_expired (a new code is needed). */
static void test_code_attempt_limit_over_http(void **state)
{
	(void)state;
	json_t *j = NULL;
	assert_int_equal(jreq("POST", "/v1/subjects", service, NULL,
	                      "{\"email\":\"five@example.nl\",\"region\":\"NL\",\"age\":30}", &j),
	                 201);
	char s[40], body[200], p[200], id[40];
	snprintf(s, sizeof(s), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	snprintf(body, sizeof(body), "{\"subject\":\"%s\",\"type\":\"access\"}", s);
	assert_int_equal(jreq("POST", "/v1/requests", service, NULL, body, &j), 201);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	char *mail = NULL; /* the code's e-mail, not the acknowledgement (10 s at most) */
	for (int i = 0; i < 400 && mail == NULL; i++) {
		char *m = wait_mail("To: five@example.nl");
		if (m == NULL)
			break; /* nothing for this person at all */
		if (strstr(m, "enter this code: ") != NULL)
			mail = m;
		else {
			free(m);
			usleep(25000);
		}
	}
	assert_non_null(mail);
	char code[7];
	memcpy(code, strstr(mail, "enter this code: ") + 17, 6);
	code[6] = '\0';
	free(mail);
	snprintf(p, sizeof(p), "/v1/requests/%s/verify", id);
	for (int k = 1; k <= 5; k++) {
		snprintf(body, sizeof(body), "{\"code\":\"%06u\"}",
		         (unsigned)(atoi(code) + k) % 1000000u);
		assert_int_equal(jreq("POST", p, NULL, NULL, body, &j), 403);
		assert_string_equal(
		    json_string_value(json_object_get(json_object_get(j, "error"), "code")),
		    "wrong_code");
		json_decref(j);
	}
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	assert_int_equal(jreq("POST", p, NULL, NULL, body, &j), 410);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
	                    "code_expired");
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/requests/%s", id);
	assert_int_equal(jreq("GET", p, admin, NULL, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "received");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_access_request_with_code),
	    cmocka_unit_test(test_drp_over_http),
	    cmocka_unit_test(test_code_attempt_limit_over_http),
	    cmocka_unit_test(test_who_may_file),
	    cmocka_unit_test(test_wrong_codes_lock_out),
	    cmocka_unit_test(test_keep_needs_a_notice),
	    cmocka_unit_test(test_erasure_notifies_recipients), /* stops the server */
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
