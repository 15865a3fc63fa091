/* tests/unit/test_outbox.c — end to end against a running `vow serve` and a
 * real SMTP listener on loopback (tests/tools/smtp_sink.py, aiosmtpd): a
 * retention notice queued by `vow retention run`, delivered by the
 * server's sender even though the first server is killed with SIGKILL in
 * the middle of delivering it, exactly once to a receiver that deduplicates
 * by Message-ID; the notice's link shown as a page and used to keep the
 * file (once); the retention and outbox routes and who may call them. */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "test_server.h"

static char dir[] = "/tmp/vow-outbox-XXXXXX";
static char mail_dir[320], sink_port_file[320];
static pid_t sink;
static unsigned sink_port;

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return -1;
	server_paths(dir);
	snprintf(mail_dir, sizeof(mail_dir), "%s/mail", dir);
	snprintf(sink_port_file, sizeof(sink_port_file), "%s/smtp-port", dir);
	if (mkdir(mail_dir, 0700) != 0)
		return -1;
	free(run_capture((const char *[]){"init", data, NULL}));
	if (!make_key("admin", NULL, admin) || !make_key("service", NULL, service))
		return -1;
	start_peer("smtp_sink.py", sink_port_file, mail_dir, &sink, &sink_port);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (server > 0)
		stop_server();
	stop_peer(&sink);
	curl_global_cleanup();
	return getenv("VOW_KEEP") != NULL ? 0 : remove_tree(dir);
}

static size_t lines_in(const char *name)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", mail_dir, name);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = 0;
	int ch;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* Waits until the sink has logged `want` lines in name (10 s at most). */
static bool wait_lines(const char *name, size_t want)
{
	for (int i = 0; i < 400; i++) {
		if (lines_in(name) >= want)
			return true;
		usleep(25000);
	}
	return false;
}

static void date_after_days(int days, char out[32])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void serve(void)
{
	char smtp[64];
	snprintf(smtp, sizeof(smtp), "smtp://127.0.0.1:%u", sink_port);
	start_server((const char *[]){"--smtp", smtp, "--mail-from", "privacy@amberscript.test",
	                              "--sweep-interval", "0", NULL});
}

/* The due date ("due") of the subject's file among its retention items
 * (the profile's fields have rows of their own), or NULL. */
static const char *file_due(json_t *j)
{
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(j, "items"), i, it)
	{
		const char *item = json_string_value(json_object_get(it, "item"));
		if (item != NULL && strlen(item) == 32)
			return json_string_value(json_object_get(it, "due"));
	}
	return NULL;
}

static void test_notice_survives_kill_and_keeps(void **state)
{
	(void)state;
	char *s = run_capture((const char *[]){"subject", "create", "--data", data, "--email",
	                                       "anna@example.nl", "--locale", "nl-NL", NULL});
	assert_int_equal(strlen(s), 32);
	char subject[33];
	snprintf(subject, sizeof(subject), "%s", s);
	free(s);
	char *f = run_capture((const char *[]){
	    "file", "put", "--data", data, subject, "user.content.audio", "README.md", "--type",
	    "text/markdown", "--purpose", "essential.service", NULL});
	char file[33];
	snprintf(file, sizeof(file), "%s", f);
	free(f);
	assert_int_equal(strlen(file), 32);
	/* six months minus five days on: the week's notice is owed */
	char when[32];
	date_after_days(178, when);
	char *out = run_capture((const char *[]){"retention", "run", "--data", data, "--now", when,
	                                         "--public-url", "http://127.0.0.1:1", NULL});
	assert_non_null(strstr(out, "notice 1 user.content.audio"));
	free(out);
	out = run_capture((const char *[]){"outbox", "list", "--data", data, "--json", NULL});
	assert_non_null(strstr(out, "\"status\":\"pending\""));
	assert_non_null(strstr(out, "retention.notice"));
	assert_null(strstr(out, "anna@example.nl")); /* no address in a listing */
	free(out);
	char db[400];
	snprintf(db, sizeof(db), "%s/data.db", data);
	size_t dblen = 0;
	char *raw = slurp(db, &dblen);
	assert_null(memmem(raw, dblen, "anna@example.nl", 15)); /* sealed at rest */
	free(raw);

	/* a server that dies in the middle of delivering it */
	char slow[400];
	snprintf(slow, sizeof(slow), "%s/slow", mail_dir);
	FILE *sf = fopen(slow, "w");
	assert_non_null(sf);
	fclose(sf);
	serve();
	usleep(2500000); /* the sender is waiting for the listener's answer */
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	server = 0;
	unlink(slow);
	/* the next server delivers it again, with the same key */
	serve();
	assert_true(wait_lines("unique.log", 1));
	for (int i = 0; i < 80; i++) { /* until the outbox says sent */
		out =
		    run_capture((const char *[]){"outbox", "list", "--data", data, "--json", NULL});
		bool sent = strstr(out, "\"status\":\"sent\"") != NULL;
		free(out);
		if (sent)
			break;
		usleep(50000);
	}
	usleep(1500000); /* a second copy, if any, would have arrived */
	assert_int_equal(lines_in("unique.log"), 1);
	size_t copies = lines_in("received.log");
	assert_true(copies >= 1 && copies <= 2);
	/* the mail, in Dutch, with the link */
	char path[400];
	snprintf(path, sizeof(path), "%s/%zu.eml", mail_dir, copies);
	char *mail = slurp(path, NULL);
	assert_non_null(strstr(mail, "To: anna@example.nl"));
	assert_non_null(strstr(mail, "wordt verwijderd op"));
	char *link = strstr(mail, "/v1/retention/keep?");
	assert_non_null(link);
	char query[400];
	size_t n = strcspn(link, "\r\n");
	assert_true(n < sizeof(query));
	memcpy(query, link, n);
	query[n] = '\0';
	free(mail);
	assert_non_null(strstr(query, file));

	/* the link: a page (a GET changes nothing), then keeping it, once */
	char *page = NULL;
	assert_int_equal(req("GET", query, NULL, NULL, NULL, 0, NULL, &page), 200);
	assert_non_null(strstr(page, "<form method=\"post\""));
	free(page);
	json_t *j = NULL;
	assert_int_equal(jreq("POST", query, NULL, NULL, NULL, &j), 200);
	const char *until = json_string_value(json_object_get(j, "kept_until"));
	assert_non_null(until);
	char half_year[32];
	date_after_days(178 + 7 + 170, half_year); /* about six months after the old date */
	if (strncmp(until, half_year, 7) < 0)
		fail_msg("kept until %s, not past %s", until, half_year);
	json_decref(j);
	assert_int_equal(jreq("POST", query, NULL, NULL, NULL, &j), 403);
	json_decref(j);
	/* the subject's due dates over HTTP */
	char p[200];
	snprintf(p, sizeof(p), "/v1/subjects/%s/retention", subject);
	assert_int_equal(jreq("GET", p, service, NULL, NULL, &j), 200);
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 2); /* the file, and the e-mail address */
	size_t files = 0, k;
	json_t *it;
	json_array_foreach(items, k, it)
	{
		const char *item = json_string_value(json_object_get(it, "item"));
		if (strcmp(item, file) == 0)
			files++;
		else
			assert_string_equal(item, "profile");
	}
	assert_int_equal(files, 1);
	json_decref(j);
	/* the outbox is for admins only */
	assert_int_equal(jreq("GET", "/v1/outbox", service, NULL, NULL, &j), 403);
	json_decref(j);
	assert_int_equal(jreq("GET", "/v1/outbox", admin, NULL, NULL, &j), 200);
	json_t *m = json_array_get(json_object_get(j, "messages"), 0);
	assert_string_equal(json_string_value(json_object_get(m, "status")), "sent");
	assert_true(json_integer_value(json_object_get(m, "attempts")) >= 1);
	json_decref(j);
	/* a forged token is refused; a malformed link is a clear error */
	char forged[400];
	snprintf(forged, sizeof(forged), "%s", query);
	char *tok = strstr(forged, "token=") + 6;
	tok[0] = tok[0] == '0' ? '1' : '0';
	assert_int_equal(jreq("POST", forged, NULL, NULL, NULL, &j), 403);
	json_decref(j);
	assert_int_equal(jreq("POST", "/v1/retention/keep?subject=x", NULL, NULL, NULL, &j), 422);
	json_decref(j);
	/* activity and contract end: services, not subjects' strangers */
	snprintf(p, sizeof(p), "/v1/subjects/%s/activity", subject);
	assert_int_equal(jreq("POST", p, service, NULL, "{}", &j), 200);
	json_decref(j);
	assert_int_equal(jreq("POST", p, service, NULL, "{\"at\":99999999999}", &j), 422);
	json_decref(j);
	/* closing the account deletes the audio at once (AmberScript) */
	snprintf(p, sizeof(p), "/v1/subjects/%s/close", subject);
	assert_int_equal(jreq("POST", p, service, NULL, NULL, &j), 200);
	assert_int_equal(json_integer_value(json_object_get(j, "deleted_at_once")), 2); /* and the address */
	json_decref(j);
	snprintf(p, sizeof(p), "/v1/files/%s", file);
	assert_int_equal(jreq("GET", p, service, "essential.service", NULL, &j), 404);
	json_decref(j);
	assert_int_equal(stop_server(), 0);
}

static void test_plan_and_dry_run(void **state)
{
	(void)state;
	char *s = run_capture((const char *[]){"subject", "create", "--data", data, "--email",
	                                       "bob@example.nl", NULL});
	char subject[33];
	snprintf(subject, sizeof(subject), "%s", s);
	free(s);
	free(run_capture((const char *[]){"file", "put", "--data", data, subject,
	                                  "user.content.transcript", "README.md", "--purpose",
	                                  "essential.service", NULL}));
	char *out = run_capture(
	    (const char *[]){"retention", "plan", "--data", data, "--days", "200", NULL});
	assert_non_null(strstr(out, subject));
	assert_non_null(strstr(out, "user.content.transcript"));
	free(out);
	out = run_capture(
	    (const char *[]){"retention", "plan", "--data", data, "--days", "10", NULL});
	assert_null(strstr(out, subject)); /* not due in ten days */
	free(out);
	char when[32];
	date_after_days(400, when);
	out = run_capture(
	    (const char *[]){"retention", "run", "--data", data, "--dry-run", "--now", when, NULL});
	assert_non_null(strstr(out, "would notice 1 user.content.transcript"));
	free(out);
	out = run_capture(
	    (const char *[]){"retention", "run", "--data", data, "--now", "nonsense", NULL});
	assert_string_equal(out, ""); /* a usage error, on stderr */
	free(out);
}

/* A policy reload that keeps files longer moves their due dates. */
static void test_reload_moves_due_dates(void **state)
{
	(void)state;
	char *s = run_capture((const char *[]){"subject", "create", "--data", data, "--email",
	                                       "cleo@example.nl", NULL});
	char subject[33];
	snprintf(subject, sizeof(subject), "%s", s);
	free(s);
	free(run_capture((const char *[]){"file", "put", "--data", data, subject,
	                                  "user.content.audio", "README.md", "--purpose",
	                                  "essential.service", NULL}));
	serve();
	char p[200];
	snprintf(p, sizeof(p), "/v1/subjects/%s/retention", subject);
	json_t *j = NULL;
	assert_int_equal(jreq("GET", p, service, NULL, NULL, &j), 200);
	char before[32];
	assert_non_null(file_due(j));
	snprintf(before, sizeof(before), "%s", file_due(j));
	json_decref(j);
	/* six months become nine */
	char path[400];
	snprintf(path, sizeof(path), "%s/policy.yaml", data);
	char *text = slurp(path, NULL);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		const char *out = line;
		if (strcmp(line, "    period: 6 months") == 0)
			out = "    period: 9 months";
		else if (strcmp(line, "    minimum: 6 months") == 0)
			out = "    minimum: 9 months";
		fprintf(f, "%s\n", out);
	}
	fclose(f);
	free(text);
	kill(server, SIGHUP);
	char after[32] = "";
	for (int i = 0; i < 200; i++) {
		assert_int_equal(jreq("GET", p, service, NULL, NULL, &j), 200);
		snprintf(after, sizeof(after), "%s", file_due(j) != NULL ? file_due(j) : "");
		json_decref(j);
		if (strcmp(after, before) != 0)
			break;
		usleep(50000);
	}
	assert_string_not_equal(after, before);
	assert_true(strcmp(after, before) > 0); /* later */
	assert_int_equal(stop_server(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_notice_survives_kill_and_keeps),
	    cmocka_unit_test(test_plan_and_dry_run),
	    cmocka_unit_test(test_reload_moves_due_dates),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
