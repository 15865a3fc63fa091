/* cli/cmd_retention.c — `vow retention run|plan|keep|recompute` and
 * `vow outbox list|send`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "notify/notify.h"
#include "retention/retention.h"
#include "util/clock.h"
#include "vow.h"

static const char usage[] =
    "usage: vow retention run [--dry-run] [--now TIME] [--data DIR]\n"
    "       vow retention plan [--days N] [--now TIME] [--data DIR]\n"
    "       vow retention keep SUBJECT CATEGORY [FILE] [--data DIR]\n"
    "       vow retention recompute [--data DIR]\n"
    "\n"
    "run gives every notice owed (an e-mail through the outbox, with a link to keep\n"
    "the data, made from the public-url setting: run refuses without one; see\n"
    "vow config) and deletes every record and file that is due, then prints what\n"
    "it did (or, with --dry-run, would do), by category. plan shows what will be\n"
    "deleted when over the next N days (default 30). keep postpones an item's\n"
    "deletion at the person's word by the policy's postpone period, once its\n"
    "notice is owed or given and once per notice (audited as admin:cli).\n"
    "recompute recalculates every due date under the data directory's current\n"
    "policy. TIME is YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC); --now runs as if\n"
    "it were that time.\n";

static const char outbox_usage[] =
    "usage: vow outbox list [--subject ID] [--json] [--data DIR]\n"
    "       vow outbox send --smtp URL --from ADDRESS [--timeout SECONDS] [--now TIME]\n"
    "                       [--data DIR]\n"
    "       vow outbox retry ID [--data DIR]\n"
    "\n"
    "list shows the queued, sent and dead messages (never their content).\n"
    "send delivers the messages that are due once (vow serve does this every\n"
    "second): e-mail over SMTP to URL (smtp://host:port), webhooks over HTTP,\n"
    "each within SECONDS (default 10, at most 60). Senders may run side by side\n"
    "(several, and vow serve) on one data directory: each claims a message for\n"
    "SECONDS + 10 before sending it, so none is sent twice unless a sender dies\n"
    "mid-send. E-mails to one person are capped per hour (the mail-per-hour\n"
    "setting, default 20; see vow config): the rest wait, in order.\n"
    "With --now, sends as if it were TIME (sent times are recorded as TIME).\n"
    "retry sends a dead message again from scratch, once its cause is fixed.\n";

struct opts {
	const char *data, *pos[3], *smtp, *from, *subject;
	size_t npos;
	bool dry_run, json;
	int64_t now;
	long days, timeout;
};

static int parse(int argc, char **argv, struct opts *o, const char *use)
{
	memset(o, 0, sizeof(*o));
	o->data = getenv("VOW_DATA") != NULL ? getenv("VOW_DATA") : "vow-data";
	o->now = clock_now();
	o->days = 30;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool val = i + 1 < argc;
		if (strcmp(a, "--data") == 0 && val)
			o->data = argv[++i];
		else if (strcmp(a, "--dry-run") == 0)
			o->dry_run = true;
		else if (strcmp(a, "--json") == 0)
			o->json = true;
		else if (strcmp(a, "--smtp") == 0 && val)
			o->smtp = argv[++i];
		else if (strcmp(a, "--from") == 0 && val)
			o->from = argv[++i];
		else if (strcmp(a, "--subject") == 0 && val)
			o->subject = argv[++i];
		else if (strcmp(a, "--now") == 0 && val) {
			if (!time_parse(argv[++i], &o->now)) {
				fprintf(stderr,
				        "vow: --now takes YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not "
				        "'%s'\n",
				        argv[i]);
				return CLI_USAGE;
			}
		} else if (strcmp(a, "--timeout") == 0 && val) {
			char *end = NULL;
			o->timeout = strtol(argv[++i], &end, 10);
			if (end == argv[i] || *end != '\0' || o->timeout < 1 ||
			    o->timeout > NOTIFY_TIMEOUT_MS_MAX / 1000) {
				fprintf(stderr, "vow: --timeout takes seconds from 1 to 60\n");
				return CLI_USAGE;
			}
		} else if (strcmp(a, "--days") == 0 && val) {
			char *end = NULL;
			o->days = strtol(argv[++i], &end, 10);
			if (end == argv[i] || *end != '\0' || o->days < 0 || o->days > 36500) {
				fprintf(stderr, "vow: --days takes a number from 0 to 36500\n");
				return CLI_USAGE;
			}
		} else if (a[0] != '-' && o->npos < 3)
			o->pos[o->npos++] = a;
		else {
			fputs(use, stderr);
			return CLI_USAGE;
		}
	}
	return CLI_OK;
}

static int fail(const char *what, vow_err err)
{
	fprintf(stderr, "vow: %s: %s\n", what, vow_err_message(err));
	return err == VOW_ERR_NOT_FOUND || err == VOW_ERR_DENIED || err == VOW_ERR_INVALID
	           ? CLI_INVALID
	           : CLI_FAILURE;
}

/* Counts per category, for the summary. */
struct tally {
	struct {
		char category[129];
		size_t notice, del;
	} rows[256];
	size_t n, other;
	bool print_each;
};

static void tally_cb(void *ctx, enum retention_action action, const struct vault_due *d)
{
	struct tally *t = ctx;
	if (t->print_each) {
		char at[21];
		clock_format(d->due_at, at);
		printf("%s %s %s %s%s\n", at, d->subject, d->category, d->item[0] ? d->item : "-",
		       d->held ? " (held)" : "");
		return;
	}
	size_t i = 0;
	while (i < t->n && strcmp(t->rows[i].category, d->category) != 0)
		i++;
	if (i == t->n) {
		if (t->n == sizeof(t->rows) / sizeof(t->rows[0])) {
			t->other++;
			return;
		}
		snprintf(t->rows[t->n++].category, sizeof(t->rows[0].category), "%s", d->category);
	}
	if (action == RETENTION_NOTICE)
		t->rows[i].notice++;
	else
		t->rows[i].del++;
}

static int run(struct vault *v, const struct opts *o)
{
	struct tally *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return fail("out of memory", VOW_ERR_NOMEM);
	struct retention_report rep;
	vow_err err = retention_sweep(v, o->now, o->dry_run, tally_cb, t, &rep);
	if (err == VOW_OK) {
		const char *verb = o->dry_run ? "would " : "";
		for (size_t i = 0; i < t->n; i++) {
			if (t->rows[i].notice > 0)
				printf("%snotice %zu %s\n", verb, t->rows[i].notice,
				       t->rows[i].category);
			if (t->rows[i].del > 0)
				printf("%sdelete %zu %s\n", verb, t->rows[i].del,
				       t->rows[i].category);
		}
		printf("%s: %zu notices, %zu deleted, %zu waiting for a notice\n",
		       o->dry_run ? "dry run" : "sweep", rep.noticed, rep.deleted, rep.waiting);
	}
	free(t);
	return err == VOW_OK ? CLI_OK : fail("the sweep stopped", err);
}

static int plan(struct vault *v, const struct opts *o)
{
	struct tally t = {.print_each = true};
	int64_t until = clock_add(o->now, (uint32_t)o->days, 0);
	vow_err err = retention_plan(v, until, tally_cb, &t);
	return err == VOW_OK ? CLI_OK : fail("cannot read the plan", err);
}

int cli_retention(int argc, char **argv)
{
	int rc = CLI_OK;
	if (cli_help_or_usage(argc, argv, usage, &rc))
		return rc;
	struct opts o;
	rc = parse(argc, argv, &o, usage);
	if (rc != CLI_OK)
		return rc;
	const char *sub = argv[1];
	bool keep = strcmp(sub, "keep") == 0;
	if (!(strcmp(sub, "run") == 0 || strcmp(sub, "plan") == 0 || keep ||
	      strcmp(sub, "recompute") == 0) ||
	    (keep ? o.npos < 2 : o.npos != 0)) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	clock_set_fixed(o.now);
	struct policy *p = NULL;
	struct vault *v = NULL;
	rc = cli_open_vault(o.data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	if (strcmp(sub, "run") == 0) {
		/* a notice links to the public URL: none is queued without one */
		rc = o.dry_run ? CLI_OK : cli_need_public_url(v, "vow retention run");
		if (rc == CLI_OK)
			rc = run(v, &o);
	} else if (strcmp(sub, "plan") == 0) {
		rc = plan(v, &o);
	} else if (keep) {
		int64_t due = 0;
		const char *why = NULL;
		struct vault_keeper by = {"admin", "cli"};
		vow_err err =
		    retention_keep(v, o.pos[0], o.pos[1], o.pos[2], NULL, &by, &due, &why);
		char at[21];
		clock_format(due, at);
		if (err == VOW_OK)
			printf("kept until %s\n", at);
		if (err == VOW_ERR_DENIED && why != NULL) {
			fprintf(stderr, "vow: cannot postpone: %s\n",
			        strcmp(why, "no_notice_yet") == 0
			            ? "its deletion notice is not owed yet"
			        : strcmp(why, "already_postponed") == 0
			            ? "it was already kept longer after its notice"
			            : "the policy does not let this item be kept longer");
			rc = CLI_INVALID;
		} else {
			rc = err == VOW_OK ? CLI_OK : fail("cannot postpone", err);
		}
	} else {
		size_t changed = 0;
		vow_err err = vault_due_recompute(v, &changed, NULL, NULL);
		if (err == VOW_OK)
			printf("%zu due dates changed\n", changed);
		rc = err == VOW_OK ? CLI_OK : fail("cannot recompute", err);
	}
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
	return rc;
}

/* ---- outbox ---- */

static vow_err list_cb(void *ctx, const struct vault_message_info *m)
{
	const struct opts *o = ctx;
	char at[21];
	clock_format(m->created_at, at);
	if (o->json) {
		json_t *j = json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:s}", "id", m->id, "idempotency_key",
		    m->idem, "kind", m->kind == VAULT_WEBHOOK ? "webhook" : "email", "template",
		    m->template_name, "subject", m->subject, "status", m->status, "attempts",
		    m->attempts, "sent_at", (json_int_t)m->sent_at, "last_error", m->last_error);
		char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (s == NULL)
			return VOW_ERR_NOMEM;
		puts(s);
		free(s);
	} else {
		printf("%s %s %s %-7s %-19s attempts=%d %s%s\n", at, m->id,
		       m->kind == VAULT_WEBHOOK ? "webhook" : "email  ", m->status,
		       m->template_name, m->attempts, m->subject[0] ? m->subject : "-",
		       m->last_error[0] ? " error" : "");
	}
	return VOW_OK;
}

int cli_outbox(int argc, char **argv)
{
	int rc = CLI_OK;
	if (cli_help_or_usage(argc, argv, outbox_usage, &rc))
		return rc;
	struct opts o;
	rc = parse(argc, argv, &o, outbox_usage);
	if (rc != CLI_OK)
		return rc;
	bool send = strcmp(argv[1], "send") == 0, retry = strcmp(argv[1], "retry") == 0;
	if ((!send && !retry && strcmp(argv[1], "list") != 0) || o.npos != (retry ? 1u : 0u) ||
	    (send && (o.smtp == NULL || o.from == NULL))) {
		fputs(outbox_usage, stderr);
		return CLI_USAGE;
	}
	struct policy *p = NULL;
	struct vault *v = NULL;
	rc = cli_open_vault(o.data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	vow_err err;
	if (retry) {
		err = vault_outbox_retry(v, o.pos[0]);
		if (err == VOW_OK)
			puts("queued again");
		else if (err == VOW_ERR_INVALID)
			fputs("vow outbox: only a dead message that still holds its content can be "
			      "sent "
			      "again\n",
			      stderr);
	} else if (send) {
		struct notify_config cfg = {
		    .smtp_url = o.smtp, .mail_from = o.from, .timeout_ms = o.timeout * 1000};
		struct vault_outbox_stats st = {0};
		err = notify_deliver(v, &cfg, o.now, &st);
		if (err == VOW_OK)
			printf("sent %zu, retrying %zu, dead %zu, held back %zu\n", st.sent,
			       st.retried, st.dead, st.held);
	} else {
		err = vault_outbox_list(v, o.subject, list_cb, &o);
	}
	vault_close(&v);
	policy_free(&p);
	return err == VOW_OK ? CLI_OK : fail(send ? "cannot deliver" : "cannot list", err);
}
