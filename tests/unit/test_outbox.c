/* tests/unit/test_outbox.c — end to end against a running `vow serve` and a
 * real SMTP listener on loopback (tests/tools/smtp_sink.py, aiosmtpd): a
 * retention notice queued by `vow retention run`, delivered by the
 * server's sender even though the first server is killed with SIGKILL in
 * the middle of delivering it, exactly once to a receiver that deduplicates
 * by Message-ID; the notice's link shown as a page and used to keep the
 * file (once); the retention and outbox routes and who may call them; a
 * server and several `vow outbox send` at once sending each message once;
 * the hourly cap of e-mails to one person; the links in e-mails the
 * command line queues, absolute, and refused without a public URL. */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* Waits until the sink has logged `want` lines in name (seconds at most). */
static bool wait_lines_for(const char *name, size_t want, int seconds)
{
	for (int i = 0; i < seconds * 40; i++) {
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

/* Starts the server with the sink as its relay; send_timeout (NULL: the
 * default): seconds one delivery may take (its claim lasts 10 more). */
static void serve_with(const char *send_timeout)
{
	char smtp[64];
	snprintf(smtp, sizeof(smtp), "smtp://127.0.0.1:%u", sink_port);
	start_server((const char *[]){
	    "--smtp", smtp, "--mail-from", "privacy@amberscript.test", "--sweep-interval", "0",
	    send_timeout != NULL ? "--send-timeout" : NULL, send_timeout, NULL});
}

static void serve(void)
{
	serve_with(NULL);
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
	free(run_capture((const char *[]){"config", "set", "public-url",
	                                  "https://privacy.amberscript.test", "--data", data,
	                                  NULL}));
	char *out =
	    run_capture((const char *[]){"retention", "run", "--data", data, "--now", when, NULL});
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
	serve_with("2"); /* its claim on the message lasts 12 s */
	usleep(2500000); /* the sender is waiting for the listener's answer */
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	server = 0;
	unlink(slow);
	/* the next server delivers it again, with the same key, once the dead
	 * sender's claim ran out */
	serve();
	assert_true(wait_lines_for("unique.log", 1, 30));
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

/* ---- the command line, with its exit status, standard output and error ---- */

static int vow_run(const char *const *args, char **out, char **err)
{
	char o[] = "/tmp/vow-outbox-o-XXXXXX", e[] = "/tmp/vow-outbox-e-XXXXXX";
	int fo = mkstemp(o), fe = mkstemp(e);
	assert_true(fo >= 0 && fe >= 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fo, 1);
	posix_spawn_file_actions_adddup2(&fa, fe, 2);
	const char *argv[24] = {getenv("VOW_BIN")};
	for (size_t i = 0; args[i] != NULL && i < 22; i++)
		argv[i + 1] = args[i];
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	int st = 0;
	waitpid(pid, &st, 0);
	close(fo);
	close(fe);
	char *text = slurp(o, NULL);
	if (out != NULL)
		*out = text;
	else
		free(text);
	text = slurp(e, NULL);
	if (err != NULL)
		*err = text;
	else
		free(text);
	unlink(o);
	unlink(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Points `data` at a new data directory DIR/name (vow init). */
static void fresh_data(const char *name)
{
	snprintf(data, sizeof(data), "%s/%s", dir, name);
	assert_int_equal(vow_run((const char *[]){"init", data, NULL}, NULL, NULL), 0);
}

static void new_subject_cli(const char *email, char id[33])
{
	char *out = NULL;
	assert_int_equal(
	    vow_run((const char *[]){"subject", "create", "--data", data, "--email", email, NULL},
	            &out, NULL),
	    0);
	assert_int_equal(sscanf(out, "%32s", id), 1);
	free(out);
}

static size_t count_in(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = strstr(text, what); p != NULL; p = strstr(p + 1, what))
		n++;
	return n;
}

/* `vow outbox send` to the sink (now: NULL, or a time 'minutes' ahead). */
static char *send_round(int minutes)
{
	char smtp[64], when[32];
	snprintf(smtp, sizeof(smtp), "smtp://127.0.0.1:%u", sink_port);
	time_t t = time(NULL) + (time_t)minutes * 60;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *out = NULL;
	assert_int_equal(vow_run((const char *[]){"outbox", "send", "--smtp", smtp, "--from",
	                                          "privacy@amberscript.test", "--data", data,
	                                          minutes > 0 ? "--now" : NULL, when, NULL},
	                         &out, NULL),
	                 0);
	return out;
}

/* The messages the sink received after the first `from` (their texts). */
static char *received_mail(size_t n)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%zu.eml", mail_dir, n);
	return slurp(path, NULL);
}

/* The command line's e-mails carry absolute links, made from the one
 * public URL setting; a command that would queue a link without one
 * refuses and queues nothing. */
static void test_cli_links_absolute(void **state)
{
	(void)state;
	fresh_data("links");
	char s[33], id[33];
	new_subject_cli("lena@example.nl", s);
	char *out = NULL, *err = NULL;
	assert_int_equal(
	    vow_run((const char *[]){"file", "put", "--data", data, s, "user.content.audio",
	                             "README.md", "--purpose", "essential.service", NULL},
	            NULL, NULL),
	    0);
	assert_int_equal(vow_run((const char *[]){"request", "file", s, "access", "--verified",
	                                          "--data", data, NULL},
	                         &out, NULL),
	                 0);
	assert_int_equal(sscanf(out, "%32s", id), 1);
	free(out);
	char when[32];
	date_after_days(178, when);
	/* no public URL yet: both refuse, naming how to set it */
	assert_int_equal(
	    vow_run((const char *[]){"retention", "run", "--data", data, "--now", when, NULL}, NULL,
	            &err),
	    1);
	assert_non_null(strstr(err, "vow config set public-url"));
	free(err);
	assert_int_equal(
	    vow_run((const char *[]){"request", "process", id, "--data", data, NULL}, NULL, &err),
	    1);
	assert_non_null(strstr(err, "vow config set public-url"));
	free(err);
	assert_int_equal(
	    vow_run((const char *[]){"outbox", "list", "--data", data, "--json", NULL}, &out, NULL),
	    0);
	assert_null(strstr(out, "retention.notice")); /* nothing was queued */
	assert_null(strstr(out, "request.completed"));
	free(out);
	/* a relative or odd URL is refused; an absolute one is kept */
	const char *bad[] = {"/privacy",         "ftp://x.test",       "https://",
	                     "https://a b.test", "https://u:p@x.test", "https://x.test/?a=1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(vow_run((const char *[]){"config", "set", "public-url", bad[i],
		                                          "--data", data, NULL},
		                         NULL, NULL),
		                 1);
	assert_int_equal(
	    vow_run((const char *[]){"config", "set", "public-url", "https://privacy.example.test/",
	                             "--data", data, NULL},
	            NULL, NULL),
	    0);
	assert_int_equal(
	    vow_run((const char *[]){"config", "show", "--data", data, NULL}, &out, NULL), 0);
	assert_non_null(strstr(out, "public-url https://privacy.example.test\n"));
	free(out);
	/* now the notice and the export go, with absolute links */
	assert_int_equal(
	    vow_run((const char *[]){"retention", "run", "--data", data, "--now", when, NULL}, &out,
	            NULL),
	    0);
	assert_non_null(strstr(out, "notice 1 user.content.audio"));
	free(out);
	assert_int_equal(
	    vow_run((const char *[]){"request", "process", id, "--data", data, NULL}, &out, NULL),
	    0);
	assert_non_null(strstr(out, "\"download\":\"https://privacy.example.test/v1/exports/"));
	free(out);
	size_t before = lines_in("received.log");
	out = send_round(0);
	free(out);
	size_t got = lines_in("received.log") - before;
	assert_true(got >= 3); /* the request's acknowledgement, its answer, the notice */
	bool notice = false, export = false;
	for (size_t i = before + 1; i <= before + got; i++) {
		char *mail = received_mail(i);
		/* every link in it is absolute */
		assert_int_equal(count_in(mail, "/v1/"),
		                 count_in(mail, "https://privacy.example.test/v1/"));
		notice |=
		    strstr(mail, "https://privacy.example.test/v1/retention/keep?subject=") != NULL;
		export |= strstr(mail, "https://privacy.example.test/v1/exports/") != NULL;
		free(mail);
	}
	assert_true(notice && export);
}

/* A server and several `vow outbox send` on one data directory at once:
 * each message is claimed before it is sent, so exactly one copy of each
 * reaches the receiver. */
static void test_concurrent_senders(void **state)
{
	(void)state;
	fresh_data("senders");
	char svc[128];
	assert_true(make_key("service", NULL, svc));
	/* queue the messages: a server that delivers nothing */
	start_server((const char *[]){"--send-interval", "0", "--sweep-interval", "0", NULL});
	enum { PEOPLE = 30 };
	for (int i = 0; i < PEOPLE; i++) {
		char body[200];
		snprintf(body, sizeof(body), "{\"email\":\"p%d@example.nl\",\"region\":\"NL\"}", i);
		json_t *j = NULL;
		assert_int_equal(jreq("POST", "/v1/subjects", svc, NULL, body, &j), 201);
		snprintf(body, sizeof(body), "{\"subject\":\"%s\",\"type\":\"access\"}",
		         json_string_value(json_object_get(j, "id")));
		json_decref(j);
		assert_int_equal(jreq("POST", "/v1/requests", svc, NULL, body, &j), 201);
		json_decref(j);
	}
	assert_int_equal(stop_server(), 0);
	char *out = NULL;
	assert_int_equal(
	    vow_run((const char *[]){"outbox", "list", "--data", data, "--json", NULL}, &out, NULL),
	    0);
	size_t n = count_in(out, "\"status\":\"pending\"");
	free(out);
	assert_int_equal(n, 2 * PEOPLE); /* an acknowledgement and a code each */
	size_t before = lines_in("received.log"), unique_before = lines_in("unique.log");
	/* then the server and four senders, each sending rounds, all at once */
	serve();
	char smtp[64];
	snprintf(smtp, sizeof(smtp), "smtp://127.0.0.1:%u", sink_port);
	pid_t kids[4];
	for (int k = 0; k < 4; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			for (int round = 0; round < 4; round++)
				vow_run((const char *[]){"outbox", "send", "--smtp", smtp, "--from",
				                         "privacy@amberscript.test", "--data", data,
				                         NULL},
				        NULL, NULL);
			_exit(0);
		}
	}
	for (int k = 0; k < 4; k++)
		waitpid(kids[k], NULL, 0);
	bool done = false;
	for (int i = 0; i < 300 && !done; i++) {
		assert_int_equal(
		    vow_run((const char *[]){"outbox", "list", "--data", data, "--json", NULL},
		            &out, NULL),
		    0);
		done = count_in(out, "\"status\":\"sent\"") == n;
		free(out);
		if (!done)
			usleep(100000);
	}
	assert_true(done);
	usleep(1500000); /* a second copy, if any, would have arrived */
	assert_int_equal(lines_in("unique.log") - unique_before, n);
	assert_int_equal(lines_in("received.log") - before, n); /* exactly one copy each */
	assert_int_equal(stop_server(), 0);
}

/* The messages' idempotency keys for subject, in the outbox's order, with
 * their status ("s" sent, "p" pending) in *status. */
static size_t outbox_of(const char *subject, char keys[][100], char *status, size_t cap)
{
	char *out = NULL;
	assert_int_equal(vow_run((const char *[]){"outbox", "list", "--data", data, "--subject",
	                                          subject, "--json", NULL},
	                         &out, NULL),
	                 0);
	size_t n = 0;
	for (char *line = strtok(out, "\n"); line != NULL && n < cap; line = strtok(NULL, "\n")) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);
		assert_non_null(j);
		snprintf(keys[n], 100, "%s",
		         json_string_value(json_object_get(j, "idempotency_key")));
		status[n] = json_string_value(json_object_get(j, "status"))[0];
		n++;
		json_decref(j);
	}
	status[n] = '\0';
	free(out);
	return n;
}

/* No more than mail-per-hour e-mails to one person in any hour: the rest
 * wait, in order, and go when the hour allows; others' mail goes on. */
static void test_hourly_cap(void **state)
{
	(void)state;
	fresh_data("cap");
	assert_int_equal(
	    vow_run((const char *[]){"config", "set", "mail-per-hour", "3", "--data", data, NULL},
	            NULL, NULL),
	    0);
	char x[33], y[33];
	new_subject_cli("flooded@example.nl", x);
	new_subject_cli("other@example.nl", y);
	/* four requests (one open per type): 8 e-mails */
	static const char *const types[] = {"access", "portability", "erasure", "restriction"};
	for (int i = 0; i < 4; i++)
		assert_int_equal(
		    vow_run((const char *[]){"request", "file", x, types[i], "--detail",
		                             i == 3 ? "{\"category\":\"*\"}" : "{}", "--data", data,
		                             NULL},
		            NULL, NULL),
		    0);
	assert_int_equal(
	    vow_run((const char *[]){"request", "file", y, "access", "--data", data, NULL}, NULL,
	            NULL),
	    0);
	size_t before = lines_in("received.log");
	char *out = send_round(0);
	assert_non_null(strstr(out, "sent 5,")); /* three to the flooded person, two to the other */
	assert_non_null(strstr(out, "held back 5"));
	free(out);
	assert_int_equal(lines_in("received.log") - before, 5);
	char keys[16][100], status[17];
	assert_int_equal(outbox_of(x, keys, status, 16), 8);
	assert_string_equal(status, "sssppppp"); /* the oldest went first */
	/* nothing more this hour */
	out = send_round(0);
	assert_non_null(strstr(out, "sent 0,"));
	free(out);
	assert_int_equal(lines_in("received.log") - before, 5);
	/* an hour on, three more; then the last two */
	out = send_round(61);
	assert_non_null(strstr(out, "sent 3,"));
	free(out);
	assert_int_equal(outbox_of(x, keys, status, 16), 8);
	assert_string_equal(status, "sssssspp");
	out = send_round(122);
	assert_non_null(strstr(out, "sent 2,"));
	free(out);
	assert_int_equal(outbox_of(x, keys, status, 16), 8);
	assert_string_equal(status, "ssssssss");
	assert_int_equal(lines_in("received.log") - before, 10);
	/* they arrived in the order they were queued */
	size_t k = 0;
	for (size_t i = before + 1; i <= before + 10; i++) {
		char *mail = received_mail(i);
		if (strstr(mail, "To: flooded@example.nl") != NULL) {
			assert_true(k < 8);
			char header[200];
			snprintf(header, sizeof(header), "Vow-Idempotency-Key: %s\r\n", keys[k++]);
			assert_non_null(strstr(mail, header));
		}
		free(mail);
	}
	assert_int_equal(k, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_notice_survives_kill_and_keeps),
	    cmocka_unit_test(test_plan_and_dry_run),
	    cmocka_unit_test(test_reload_moves_due_dates),
	    cmocka_unit_test(test_cli_links_absolute),
	    cmocka_unit_test(test_concurrent_senders),
	    cmocka_unit_test(test_hourly_cap),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
