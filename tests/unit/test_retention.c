/* tests/unit/test_retention.c — retention through time, with the injectable
 * clock: each example policy's promises (AmberScript's six months, the
 * notice a week before, postponing, silence deletes; Ambsonic's and
 * Amper's account, activity and billing rules), legal holds, account
 * closure, nothing early, and a sweep killed in the middle (deletions and
 * notices) that resumes with no loss and no second notice. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/audit.h"
#include "notify/notify.h"
#include "retention/retention.h"
#include "util/clock.h"
#include "vault/vault.h"
#include "test_support.h"

static int64_t at(const char *when)
{
	int64_t t = 0;
	assert_true(time_parse(when, &t));
	return t;
}

static struct vault *open_with(const char *policy_file, struct policy **pp)
{
	char dir[256];
	new_data_dir(dir);
	*pp = load_valid_policy(policy_file);
	assert_non_null(*pp);
	struct vault *v = NULL;
	assert_int_equal(vault_open(dir, *pp, &v), VOW_OK);
	assert_int_equal(notify_public_url_set(v, "https://privacy.example.test"), VOW_OK);
	return v;
}

static void person(struct vault *v, const char *email, char id[VOW_ID_LEN + 1])
{
	struct vault_subject_new in = {.email = email, .region = "NL", .age = 30};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
}

static void put_file(struct vault *v, const char *subject, const char *category,
                     const char *purpose, char id[VOW_ID_LEN + 1])
{
	struct vault_access a = {"service", NULL, purpose, false, false, false, false};
	struct vault_file_writer *w = NULL;
	assert_int_equal(vault_file_create(v, &a, subject, category, "talk.wav", "audio/wav", &w),
	                 VOW_OK);
	assert_int_equal(vault_file_write(w, "RIFF....WAVE", 12), VOW_OK);
	assert_int_equal(vault_file_finish(&w, id), VOW_OK);
}

static void put_record(struct vault *v, const char *subject, const char *category,
                       const char *purpose)
{
	struct vault_access a = {"service", NULL, purpose, false, false, false, false};
	assert_int_equal(vault_record_put(v, &a, subject, category, "{\"v\":1}", 7), VOW_OK);
}

static bool file_exists(struct vault *v, const char *id)
{
	struct vault_access a = {"service", NULL, "essential.service", false, false, false, false};
	struct vault_file_reader *r = NULL;
	struct vault_file_info info;
	vow_err err = vault_file_open(v, &a, id, &r, &info);
	vault_file_close(&r);
	return err == VOW_OK;
}

static size_t sweep(struct vault *v, int64_t now, struct retention_report *r)
{
	clock_set_fixed(now);
	assert_int_equal(retention_sweep(v, now, false, NULL, NULL, r), VOW_OK);
	return r->deleted;
}

static vow_err count_notice(void *ctx, const struct vault_message_info *m)
{
	if (strcmp(m->template_name, "retention.notice") == 0)
		(*(size_t *)ctx)++;
	return VOW_OK;
}

static size_t notices(struct vault *v)
{
	size_t n = 0;
	assert_int_equal(vault_outbox_list(v, NULL, count_notice, &n), VOW_OK);
	return n;
}

/* AmberScript: files kept six months; a notice a week before; silence deletes. */
static void test_amberscript_six_months(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-31T10:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1];
	person(v, "anna@example.nl", s);
	put_file(v, s, "user.content.audio", "essential.service", f);
	struct vault_due d;
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &d), VOW_OK);
	/* six months after 31 January is the last day of July */
	assert_int_equal(d.due_at, at("2026-07-31T10:00:00Z"));
	assert_int_equal(d.notice_at, at("2026-07-24T10:00:00Z"));
	struct retention_report r;
	assert_int_equal(sweep(v, at("2026-07-24T09:59:59Z"), &r), 0);
	assert_int_equal(r.noticed, 0);
	assert_int_equal(notices(v), 0);
	assert_int_equal(sweep(v, at("2026-07-24T10:00:00Z"), &r), 0);
	assert_int_equal(r.noticed, 1);
	assert_int_equal(notices(v), 1);
	assert_int_equal(sweep(v, at("2026-07-25T00:00:00Z"), &r), 0); /* no second notice */
	assert_int_equal(r.noticed, 0);
	assert_int_equal(notices(v), 1);
	assert_int_equal(sweep(v, at("2026-07-31T09:59:59Z"), &r), 0); /* never early */
	assert_true(file_exists(v, f));
	assert_int_equal(sweep(v, at("2026-07-31T10:00:00Z"), &r), 1); /* silence deletes */
	assert_false(file_exists(v, f));
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &d), VOW_ERR_NOT_FOUND);
	char path[600];
	snprintf(path, sizeof(path), "%s/d%d/files/%.2s/%s", root, root_dirs, f, f);
	assert_int_not_equal(access(path, F_OK), 0); /* the sealed content is gone too */
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

static const struct vault_keeper by_link = {"subject", "link"};

/* Without a public URL no notice goes (its link could not be followed):
 * the notice stays owed, the file waits past its date, and the sweep goes
 * on; once the URL is set the notice goes, with an absolute link. */
static vow_err notice_link(void *ctx, const struct vault_outbox_item *m, char *why, size_t cap)
{
	(void)why;
	(void)cap;
	if (strcmp(m->template_name, "retention.notice") == 0)
		*(bool *)ctx =
		    strstr(m->body, "https://privacy.example.test/v1/retention/keep?") != NULL;
	return VOW_OK;
}

static void test_no_public_url_no_notice(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-31T10:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	assert_int_equal(vault_setting_set(v, "public_url", ""), VOW_OK); /* none */
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1];
	person(v, "nourl@example.nl", s);
	put_file(v, s, "user.content.audio", "essential.service", f);
	struct retention_report r;
	assert_int_equal(sweep(v, at("2026-07-24T10:00:00Z"), &r), 0);
	assert_int_equal(r.noticed, 0);
	assert_int_equal(r.unlinked, 1);
	assert_int_equal(notices(v), 0);
	assert_int_equal(sweep(v, at("2026-07-31T10:00:00Z"), &r), 0); /* owed first */
	assert_int_equal(r.waiting, 1);
	assert_true(file_exists(v, f));
	assert_int_equal(notify_public_url_set(v, "https://privacy.example.test"), VOW_OK);
	assert_int_equal(sweep(v, at("2026-07-31T10:00:00Z"), &r), 0);
	assert_int_equal(r.noticed, 1);
	assert_int_equal(r.unlinked, 0);
	bool absolute = false;
	struct vault_deliver_opts o = {.limit = 64, .max_attempts = 8, .lease = 60};
	assert_int_equal(
	    vault_outbox_deliver(v, clock_real_now(), &o, notice_link, &absolute, NULL), VOW_OK);
	assert_true(absolute);
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* The notice's link keeps the file another six months; a stale or forged
 * token does nothing. */
static void test_amberscript_postpone(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1];
	person(v, "bart@example.nl", s);
	put_file(v, s, "user.content.transcript", "essential.service", f);
	struct retention_report r;
	sweep(v, at("2026-06-24T00:00:00Z"), &r);
	assert_int_equal(r.noticed, 1);
	struct vault_due d;
	assert_int_equal(vault_due_get(v, s, "user.content.transcript", f, &d), VOW_OK);
	char token[65];
	assert_int_equal(retention_token(v, &d, token), VOW_OK);
	char forged[65];
	memcpy(forged, token, sizeof(forged));
	forged[0] = forged[0] == 'a' ? 'b' : 'a';
	int64_t due = 0;
	const char *why = NULL;
	assert_int_equal(
	    retention_keep(v, s, "user.content.transcript", f, forged, &by_link, &due, &why),
	    VOW_ERR_DENIED);
	assert_string_equal(why, "invalid_link");
	assert_int_equal(
	    retention_keep(v, s, "user.content.transcript", f, token, &by_link, &due, &why),
	    VOW_OK);
	assert_int_equal(due, at("2027-01-01T00:00:00Z"));
	/* the same link cannot be used twice: the date it was for has moved */
	assert_int_equal(
	    retention_keep(v, s, "user.content.transcript", f, token, &by_link, &due, &why),
	    VOW_ERR_DENIED);
	assert_string_equal(why, "invalid_link"); /* the link, not the once-per-notice rule */
	assert_int_equal(sweep(v, at("2026-07-01T00:00:00Z"), &r), 0);
	assert_true(file_exists(v, f));
	/* a new notice a week before the new date, then silence deletes */
	sweep(v, at("2026-12-25T00:00:00Z"), &r);
	assert_int_equal(r.noticed, 1);
	assert_int_equal(notices(v), 2);
	assert_int_equal(sweep(v, at("2026-12-31T23:59:59Z"), &r), 0);
	assert_int_equal(sweep(v, at("2027-01-01T00:00:00Z"), &r), 1);
	assert_false(file_exists(v, f));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* Letting it go: the link deletes the file at once; a wrong token nothing. */
static void test_release_deletes_now(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1];
	person(v, "dora@example.nl", s);
	put_file(v, s, "user.content.audio", "essential.service", f);
	struct retention_report r;
	sweep(v, at("2026-06-24T00:00:00Z"), &r);
	assert_int_equal(r.noticed, 1);
	struct vault_due d;
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &d), VOW_OK);
	char token[65], wrong[65];
	assert_int_equal(retention_token(v, &d, token), VOW_OK);
	memcpy(wrong, token, sizeof(wrong));
	wrong[63] = wrong[63] == '0' ? '1' : '0';
	assert_int_equal(retention_release(v, s, "user.content.audio", f, wrong), VOW_ERR_DENIED);
	assert_true(file_exists(v, f));
	assert_int_equal(retention_release(v, s, "user.content.audio", f, token), VOW_OK);
	assert_false(file_exists(v, f));
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &d), VOW_ERR_NOT_FOUND);
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

struct postpones {
	size_t n;
	char actors[4][140];
};

static vow_err postpone_entry(void *ctx, int64_t seq, int64_t at_, const char *actor,
                              const char *action, const char *category, const char *purpose,
                              const char *result, const char *reason)
{
	(void)seq, (void)at_, (void)category, (void)purpose, (void)result, (void)reason;
	struct postpones *p = ctx;
	if (strcmp(action, "retention.postpone") == 0 && p->n < 4)
		snprintf(p->actors[p->n++], sizeof(p->actors[0]), "%s", actor);
	return VOW_OK;
}

/* Keeping longer needs a notice owed or given, works once per notice, by
 * the rule's period from the date the notice named (asking twice does not
 * add up), and the row and the audit log name who asked, not "subject". */
static void test_postpone_once_per_notice(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1];
	person(v, "evi@example.nl", s);
	put_file(v, s, "user.content.transcript", "essential.service", f);
	put_record(v, s, "user.name", "essential.service");
	const struct vault_keeper service = {"service", NULL}, support = {"support", "sam"};
	int64_t due = 0;
	const char *why = NULL;
	/* months before the notice: refused, the date stays */
	clock_set_fixed(at("2026-03-01T00:00:00Z"));
	assert_int_equal(
	    retention_keep(v, s, "user.content.transcript", f, NULL, &service, &due, &why),
	    VOW_ERR_DENIED);
	assert_string_equal(why, "no_notice_yet");
	struct vault_due d;
	assert_int_equal(vault_due_get(v, s, "user.content.transcript", f, &d), VOW_OK);
	assert_int_equal(d.due_at, at("2026-07-01T00:00:00Z"));
	assert_int_equal(d.postponed_at, 0);
	/* kept as long as needed (no date): nothing to postpone */
	assert_int_equal(retention_keep(v, s, "user.name", "", NULL, &service, &due, &why),
	                 VOW_ERR_DENIED);
	assert_string_equal(why, "not_postponable");
	/* the notice is owed (the sweep has not run): the person, through
	 * customer service, keeps it six months from the date */
	clock_set_fixed(at("2026-06-24T00:00:00Z"));
	assert_int_equal(
	    retention_keep(v, s, "user.content.transcript", f, NULL, &support, &due, &why), VOW_OK);
	assert_int_equal(due, at("2027-01-01T00:00:00Z"));
	assert_int_equal(vault_due_get(v, s, "user.content.transcript", f, &d), VOW_OK);
	assert_string_equal(d.postponed_by, "support:sam");
	assert_int_equal(d.postponed_at, at("2026-06-24T00:00:00Z"));
	/* asking again (anyone, any number of times) adds nothing */
	for (int i = 0; i < 3; i++) {
		clock_set_fixed(at("2026-06-24T00:00:00Z") + 3600 * i);
		assert_int_equal(
		    retention_keep(v, s, "user.content.transcript", f, NULL, &service, &due, &why),
		    VOW_ERR_DENIED);
		assert_string_equal(why, "already_postponed");
	}
	assert_int_equal(vault_due_get(v, s, "user.content.transcript", f, &d), VOW_OK);
	assert_int_equal(d.due_at, at("2027-01-01T00:00:00Z"));
	/* the next notice allows it once more, through its link */
	struct retention_report r;
	sweep(v, at("2026-12-25T00:00:00Z"), &r);
	assert_int_equal(r.noticed, 1);
	assert_int_equal(vault_due_get(v, s, "user.content.transcript", f, &d), VOW_OK);
	char token[65];
	assert_int_equal(retention_token(v, &d, token), VOW_OK);
	assert_int_equal(
	    retention_keep(v, s, "user.content.transcript", f, token, &by_link, &due, &why),
	    VOW_OK);
	assert_int_equal(due, at("2027-07-01T00:00:00Z"));
	assert_int_equal(
	    retention_keep(v, s, "user.content.transcript", f, NULL, &support, &due, &why),
	    VOW_ERR_DENIED);
	assert_string_equal(why, "already_postponed");
	/* the audit log names who asked each time */
	struct postpones seen = {0};
	assert_int_equal(audit_subject(v, s, postpone_entry, &seen), VOW_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.actors[0], "support/sam");
	assert_string_equal(seen.actors[1], "subject/link");
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* A notice the sweep could not give on time (the server was down) still
 * gives the person a full week. */
static void test_late_notice_gives_a_week(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1];
	person(v, "cees@example.nl", s);
	put_file(v, s, "user.content.audio", "essential.service", f);
	struct retention_report r;
	assert_int_equal(sweep(v, at("2026-07-10T00:00:00Z"), &r), 0); /* nine days late */
	assert_int_equal(r.noticed, 1);
	assert_true(file_exists(v, f));
	/* recomputing under the same policy (as vow serve does after a reload)
	 * moves nothing: the week the late notice gave stays, and no second
	 * notice is owed */
	struct vault_due before, after;
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &before), VOW_OK);
	assert_int_equal(vault_due_recompute(v, NULL, NULL, NULL), VOW_OK);
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &after), VOW_OK);
	assert_int_equal(after.due_at, before.due_at);
	assert_int_equal(after.due_at, at("2026-07-17T00:00:00Z"));
	assert_int_equal(after.noticed_at, before.noticed_at);
	assert_int_equal(sweep(v, at("2026-07-12T00:00:00Z"), &r), 0);
	assert_int_equal(r.noticed, 0);
	assert_int_equal(sweep(v, at("2026-07-16T23:00:00Z"), &r), 0);
	assert_int_equal(sweep(v, at("2026-07-17T00:00:00Z"), &r), 1);
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

static vow_err has_category(void *ctx, const char *category, int64_t version, int64_t updated_at,
                            bool held)
{
	(void)version;
	(void)updated_at;
	(void)held;
	struct {
		const char *want;
		bool found;
	} *c = ctx;
	if (strcmp(category, c->want) == 0)
		c->found = true;
	return VOW_OK;
}

static bool holds(struct vault *v, const char *subject, const char *category)
{
	struct {
		const char *want;
		bool found;
	} c = {category, false};
	assert_int_equal(vault_record_categories(v, subject, has_category, &c), VOW_OK);
	return c.found;
}

/* AmberScript: deleting the account deletes everything at once, but the
 * invoices the tax law holds; they go when the hold ends, not before. */
static void test_amberscript_close_and_hold(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-03-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1];
	person(v, "dirk@example.nl", s);
	put_file(v, s, "user.content.audio", "essential.service", f);
	put_record(v, s, "user.name", "essential.service");
	put_record(v, s, "user.financial.invoice", "essential.legal_obligation.tax");
	struct vault_due d;
	assert_int_equal(vault_due_get(v, s, "user.name", "", &d), VOW_OK);
	assert_int_equal(d.due_at, 0); /* needed while the account is open */
	clock_set_fixed(at("2026-04-01T00:00:00Z"));
	size_t deleted = 0;
	assert_int_equal(retention_close_account(v, s, &deleted), VOW_OK);
	assert_int_equal(deleted, 3); /* the audio, the name, the e-mail address */
	assert_false(file_exists(v, f));
	assert_false(holds(v, s, "user.name"));
	assert_true(holds(v, s, "user.financial.invoice"));
	/* the profile follows the closure rule too: the address and its blind
	 * index are gone, so a lookup finds nobody */
	char found[VOW_ID_LEN + 1];
	assert_int_equal(vault_subject_find(v, VAULT_BY_EMAIL, "dirk@example.nl", found),
	                 VOW_ERR_NOT_FOUND);
	struct vault_subject prof;
	assert_int_equal(vault_subject_get(v, s, &prof), VOW_OK);
	assert_null(prof.email);
	vault_subject_clear(&prof);
	/* what the hold keeps after closure ends with the hold: seven years from
	 * the invoice's creation, then the sweep deletes it */
	assert_int_equal(vault_due_get(v, s, "user.financial.invoice", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2033-03-01T00:00:00Z"));
	assert_true(d.held);
	/* erasure keeps the invoice under its hold: seven years from creation */
	char *receipt = NULL;
	assert_int_equal(vault_subject_erase(v, s, &receipt), VOW_OK);
	free(receipt);
	assert_int_equal(vault_due_get(v, s, "user.financial.invoice", "", &d), VOW_OK);
	assert_true(d.held);
	assert_int_equal(d.due_at, at("2033-03-01T00:00:00Z"));
	struct retention_report r;
	assert_int_equal(sweep(v, at("2033-02-28T23:59:59Z"), &r), 0);
	assert_true(holds(v, s, "user.financial.invoice"));
	assert_int_equal(sweep(v, at("2033-03-01T00:00:00Z"), &r), 1);
	assert_false(holds(v, s, "user.financial.invoice"));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* A legal hold's end counts from its anchor when the account is only
 * closed, not erased: the invoice goes when the hold ends (it was kept
 * forever), and not a second before. */
static void test_closed_hold_ends(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-03-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1];
	person(v, "hold@example.nl", s);
	put_record(v, s, "user.financial.invoice", "essential.legal_obligation.tax");
	clock_set_fixed(at("2027-06-01T00:00:00Z"));
	assert_int_equal(retention_close_account(v, s, NULL), VOW_OK);
	struct vault_due d;
	assert_int_equal(vault_due_get(v, s, "user.financial.invoice", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2033-03-01T00:00:00Z"));
	struct retention_report r;
	assert_int_equal(sweep(v, at("2033-02-28T23:59:59Z"), &r), 0);
	assert_true(holds(v, s, "user.financial.invoice"));
	assert_int_equal(sweep(v, at("2033-03-01T00:00:00Z"), &r), 1);
	assert_false(holds(v, s, "user.financial.invoice"));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* Ambsonic: a lead's details go 12 months after the last contact, a
 * customer's 12 months after the contract ends, logs after 90 days. */
static void test_ambsonic_rules(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-15T00:00:00Z"));
	struct vault *v = open_with("examples/policies/ambsonic.yaml", &p);
	char lead[VOW_ID_LEN + 1], cust[VOW_ID_LEN + 1];
	person(v, "lead@example.ee", lead);
	person(v, "customer@example.ee", cust);
	put_record(v, lead, "user.job_title", "sales");
	put_record(v, cust, "user.name", "essential.service");
	put_record(v, cust, "user.device.ip_address", "essential.service.security");
	struct vault_due d;
	assert_int_equal(vault_due_get(v, lead, "user.job_title", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2027-01-15T00:00:00Z"));
	/* a new contact in June restarts the twelve months */
	assert_int_equal(vault_subject_touch(v, lead, at("2026-06-10T00:00:00Z")), VOW_OK);
	assert_int_equal(vault_due_get(v, lead, "user.job_title", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2027-06-10T00:00:00Z"));
	assert_int_equal(vault_due_get(v, cust, "user.name", "", &d), VOW_OK);
	assert_int_equal(d.due_at, 0); /* while the subscription runs */
	assert_int_equal(vault_due_get(v, cust, "user.device.ip_address", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2026-04-15T00:00:00Z"));
	struct retention_report r;
	assert_int_equal(sweep(v, at("2026-04-14T00:00:00Z"), &r), 0);
	assert_int_equal(sweep(v, at("2026-04-15T00:00:00Z"), &r), 1);
	assert_false(holds(v, cust, "user.device.ip_address"));
	assert_true(holds(v, cust, "user.name"));
	assert_int_equal(vault_subject_contract_end(v, cust, at("2026-09-30T00:00:00Z")), VOW_OK);
	assert_int_equal(vault_due_get(v, cust, "user.name", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2027-09-30T00:00:00Z"));
	assert_int_equal(sweep(v, at("2027-06-09T00:00:00Z"), &r), 0);
	assert_int_equal(sweep(v, at("2027-06-10T00:00:00Z"), &r), 1); /* the lead */
	assert_int_equal(sweep(v, at("2027-09-30T00:00:00Z"), &r), 1); /* the customer */
	assert_false(holds(v, cust, "user.name"));
	assert_int_equal(notices(v), 0); /* Ambsonic promises no notice */
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* Amper: account data two years after closure; device data after 13
 * months; invoices under the tax hold for seven years even when closed. */
static void test_amper_rules(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-02-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amper.yaml", &p);
	char s[VOW_ID_LEN + 1];
	person(v, "composer@example.com", s);
	put_record(v, s, "user.name", "essential.service");
	put_record(v, s, "user.device.ip_address", "functional.service.improve");
	struct vault_due d;
	assert_int_equal(vault_due_get(v, s, "user.device.ip_address", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2027-03-01T00:00:00Z"));
	clock_set_fixed(at("2026-05-01T00:00:00Z"));
	size_t deleted = 9;
	assert_int_equal(retention_close_account(v, s, &deleted), VOW_OK);
	assert_int_equal(deleted, 0); /* Amper keeps account data after closure */
	assert_int_equal(vault_due_get(v, s, "user.name", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2028-05-01T00:00:00Z"));
	struct retention_report r;
	assert_int_equal(sweep(v, at("2027-03-01T00:00:00Z"), &r), 1);
	assert_int_equal(sweep(v, at("2028-04-30T00:00:00Z"), &r), 0);
	assert_true(holds(v, s, "user.name"));
	assert_int_equal(sweep(v, at("2028-05-01T00:00:00Z"), &r), 1);
	assert_false(holds(v, s, "user.name"));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* A dry run changes nothing; the plan lists what is due by a date. */
static void count_cb(void *ctx, enum retention_action action, const struct vault_due *d)
{
	(void)d;
	((size_t *)ctx)[action == RETENTION_NOTICE ? 0 : 1]++;
}

static void test_dry_run_and_plan(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1], f1[VOW_ID_LEN + 1], f2[VOW_ID_LEN + 1];
	person(v, "eva@example.nl", s);
	put_file(v, s, "user.content.audio", "essential.service", f1);
	clock_set_fixed(at("2026-02-01T00:00:00Z"));
	put_file(v, s, "user.content.audio", "essential.service", f2);
	size_t plan[2] = {0, 0};
	assert_int_equal(retention_plan(v, at("2026-07-15T00:00:00Z"), count_cb, plan), VOW_OK);
	assert_int_equal(plan[1], 1);
	size_t seen[2] = {0, 0};
	struct retention_report r;
	clock_set_fixed(at("2026-08-02T00:00:00Z"));
	assert_int_equal(retention_sweep(v, at("2026-08-02T00:00:00Z"), true, count_cb, seen, &r),
	                 VOW_OK);
	assert_int_equal(seen[0], 2); /* both notices owed */
	assert_int_equal(r.waiting, 2);
	assert_int_equal(notices(v), 0); /* nothing was sent */
	assert_true(file_exists(v, f1));
	assert_true(file_exists(v, f2));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* Kills a sweep in a child process after `after` callbacks, then sweeps
 * again in this process: everything due is deleted once, each notice was
 * queued once. */
static int kill_after;
static void die_cb(void *ctx, enum retention_action action, const struct vault_due *d)
{
	(void)ctx;
	(void)action;
	(void)d;
	if (--kill_after == 0)
		raise(SIGKILL);
}

static void test_crash_resumes(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-01T00:00:00Z"));
	char dir[256];
	new_data_dir(dir);
	p = load_valid_policy("examples/policies/amberscript.yaml");
	struct vault *v = NULL;
	assert_int_equal(vault_open(dir, p, &v), VOW_OK);
	assert_int_equal(notify_public_url_set(v, "https://privacy.example.test"), VOW_OK);
	enum { N = 600 }; /* more than two pages of a sweep */
	static char files[N][VOW_ID_LEN + 1];
	char s[VOW_ID_LEN + 1];
	for (int i = 0; i < N; i++) {
		char email[64];
		snprintf(email, sizeof(email), "p%d@example.nl", i);
		if (i % 3 == 0)
			person(v, email, s);
		put_file(v, s, "user.content.audio", "essential.service", files[i]);
	}
	vault_close(&v);
	int64_t steps[2] = {at("2026-06-25T00:00:00Z"), at("2026-07-02T00:00:00Z")};
	for (int step = 0; step < 2; step++) {
		clock_set_fixed(steps[step]);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct vault *cv = NULL;
			if (vault_open(dir, p, &cv) != VOW_OK)
				_exit(3);
			kill_after = N / 2 + 17;
			struct retention_report r;
			vow_err err = retention_sweep(cv, steps[step], false, die_cb, NULL, &r);
			_exit(err == VOW_OK ? 0 : 4);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		assert_int_equal(vault_open(dir, p, &v), VOW_OK);
		struct retention_report r;
		assert_int_equal(retention_sweep(v, steps[step], false, NULL, NULL, &r), VOW_OK);
		if (step == 0) {
			assert_int_equal(r.noticed, N - (N / 2 + 17)); /* the rest, once */
			assert_int_equal(notices(v), N);
		} else {
			assert_int_equal(r.deleted, N - (N / 2 + 17));
			for (int i = 0; i < N; i++)
				assert_false(file_exists(v, files[i]));
			assert_int_equal(notices(v), N);
		}
		vault_close(&v);
	}
	policy_free(&p);
	clock_set_real();
}

/* ---- a rule's minimum; the deletion primitive asked directly ---- */

/* A rule's minimum binds when the period, from its anchor, ends sooner: a
 * file kept six months from the end of a contract that ended before the
 * file was made is still kept six months from its creation. */
static void test_minimum_binds(void **state)
{
	(void)state;
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	const char *from = "    period: 6 months\n    from: created\n    minimum: 6 months\n";
	char *at_rule = strstr(text, from);
	assert_non_null(at_rule);
	size_t head = (size_t)(at_rule - text), len = strlen(text);
	char *edited = malloc(len + 16);
	assert_non_null(edited);
	snprintf(edited, len + 16, "%.*s    period: 6 months\n    from: contract_end\n%s",
	         (int)head, text, at_rule + strlen("    period: 6 months\n    from: created\n"));
	free(text);
	struct policy_diags d = {0};
	struct policy *p = NULL;
	assert_int_equal(policy_load_buffer(edited, strlen(edited), &p, &d), VOW_OK);
	policy_diags_free(&d);
	free(edited);
	char dir[256];
	new_data_dir(dir);
	struct vault *v = NULL;
	clock_set_fixed(at("2026-03-01T00:00:00Z"));
	assert_int_equal(vault_open(dir, p, &v), VOW_OK);
	assert_int_equal(notify_public_url_set(v, "https://privacy.example.test"), VOW_OK);
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1];
	person(v, "minimum@example.nl", s);
	assert_int_equal(vault_subject_contract_end(v, s, at("2026-01-01T00:00:00Z")), VOW_OK);
	put_file(v, s, "user.content.audio", "essential.service", f);
	struct vault_due due;
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &due), VOW_OK);
	/* the period alone would end on 1 July; the minimum holds it to 1 September */
	assert_int_equal(due.due_at, at("2026-09-01T00:00:00Z"));
	struct retention_report r;
	sweep(v, at("2026-08-25T00:00:00Z"), &r);
	assert_int_equal(r.noticed, 1);
	assert_int_equal(sweep(v, at("2026-08-31T23:59:59Z"), &r), 0);
	assert_true(file_exists(v, f));
	assert_int_equal(sweep(v, at("2026-09-01T00:00:00Z"), &r), 1);
	assert_false(file_exists(v, f));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* The store's deletion primitive checks again whatever it is handed: not
 * before the date (to the second), not while a notice is owed, not for a
 * date that has moved since (a stale plan). */
static void test_delete_primitive_refuses(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-01T00:00:00Z"));
	struct vault *v = open_with("examples/policies/amberscript.yaml", &p);
	char s[VOW_ID_LEN + 1], f[VOW_ID_LEN + 1], g[VOW_ID_LEN + 1];
	person(v, "primitive@example.nl", s);
	put_file(v, s, "user.content.audio", "essential.service", f);
	put_file(v, s, "user.content.audio", "essential.service", g);
	struct vault_due d, e;
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &d), VOW_OK);
	assert_int_equal(d.due_at, at("2026-07-01T00:00:00Z"));
	/* due, but the notice was never given */
	clock_set_fixed(d.due_at);
	assert_int_equal(vault_due_delete_item(v, &d, "test"), VOW_ERR_DENIED);
	assert_true(file_exists(v, f));
	/* the notices given (a week before), the date stays */
	struct retention_report r;
	sweep(v, at("2026-06-24T00:00:00Z"), &r);
	assert_int_equal(r.noticed, 2);
	assert_int_equal(vault_due_get(v, s, "user.content.audio", f, &d), VOW_OK);
	assert_int_equal(d.due_at, at("2026-07-01T00:00:00Z"));
	/* one second early, and a day early: refused */
	clock_set_fixed(d.due_at - 86400);
	assert_int_equal(vault_due_delete_item(v, &d, "test"), VOW_ERR_DENIED);
	clock_set_fixed(d.due_at - 1);
	assert_int_equal(vault_due_delete_item(v, &d, "test"), VOW_ERR_DENIED);
	assert_true(file_exists(v, f));
	/* at the second: deleted */
	clock_set_fixed(d.due_at);
	assert_int_equal(vault_due_delete_item(v, &d, "test"), VOW_OK);
	assert_false(file_exists(v, f));
	/* a plan made before the person kept the other file */
	assert_int_equal(vault_due_get(v, s, "user.content.audio", g, &e), VOW_OK);
	clock_set_fixed(at("2026-06-25T00:00:00Z"));
	int64_t kept = 0;
	const struct vault_keeper keeper = {"subject", "link"};
	assert_int_equal(retention_keep(v, s, "user.content.audio", g, NULL, &keeper, &kept, NULL),
	                 VOW_OK);
	assert_int_equal(kept, at("2027-01-01T00:00:00Z"));
	sweep(v, at("2026-12-25T00:00:00Z"), &r); /* the new date's notice */
	assert_int_equal(r.noticed, 1);
	clock_set_fixed(kept);
	assert_int_equal(vault_due_delete_item(v, &e, "stale plan"), VOW_ERR_DENIED);
	assert_true(file_exists(v, g));
	assert_int_equal(vault_due_get(v, s, "user.content.audio", g, &e), VOW_OK);
	assert_int_equal(vault_due_delete_item(v, &e, "test"), VOW_OK);
	assert_false(file_exists(v, g));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* Postponing is for rules that allow it: Ambsonic's 90 days of logs do not. */
static void test_postpone_where_allowed(void **state)
{
	(void)state;
	struct policy *p = NULL;
	clock_set_fixed(at("2026-01-15T00:00:00Z"));
	struct vault *v = open_with("examples/policies/ambsonic.yaml", &p);
	char s[VOW_ID_LEN + 1];
	person(v, "logs@example.ee", s);
	put_record(v, s, "user.device.ip_address", "essential.service.security");
	struct vault_due d;
	assert_int_equal(vault_due_get(v, s, "user.device.ip_address", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2026-04-15T00:00:00Z"));
	int64_t due = 0;
	const struct vault_keeper keeper = {"subject", "link"};
	const char *why = NULL;
	assert_int_equal(
	    retention_keep(v, s, "user.device.ip_address", NULL, NULL, &keeper, &due, &why),
	    VOW_ERR_DENIED);
	assert_string_equal(why, "not_postponable"); /* the rule, not the missing notice */
	assert_int_equal(vault_due_get(v, s, "user.device.ip_address", "", &d), VOW_OK);
	assert_int_equal(d.due_at, at("2026-04-15T00:00:00Z"));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

/* A legal hold outlasts a retention rule that covers the same category:
 * an invoice a rule would drop after a year is kept the hold's seven. */
static void test_hold_outlasts_rule(void **state)
{
	(void)state;
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	const char *mark = "retention:\n";
	char *at_rule = strstr(text, mark);
	assert_non_null(at_rule);
	at_rule += strlen(mark);
	const char *rule = "  - categories: [user.financial.invoice]\n    period: 1 year\n"
	                   "    from: created\n";
	size_t head = (size_t)(at_rule - text), len = strlen(text);
	char *edited = malloc(len + strlen(rule) + 1);
	assert_non_null(edited);
	memcpy(edited, text, head);
	strcpy(edited + head, rule);
	strcat(edited, at_rule);
	free(text);
	struct policy_diags d = {0};
	struct policy *p = NULL;
	assert_int_equal(policy_load_buffer(edited, strlen(edited), &p, &d), VOW_OK);
	policy_diags_free(&d);
	free(edited);
	char dir[256];
	new_data_dir(dir);
	struct vault *v = NULL;
	clock_set_fixed(at("2026-03-01T00:00:00Z"));
	assert_int_equal(vault_open(dir, p, &v), VOW_OK);
	char s[VOW_ID_LEN + 1];
	person(v, "invoice@example.nl", s);
	put_record(v, s, "user.financial.invoice", "essential.legal_obligation.tax");
	struct vault_due due;
	assert_int_equal(vault_due_get(v, s, "user.financial.invoice", "", &due), VOW_OK);
	assert_int_equal(due.due_at, at("2033-03-01T00:00:00Z"));
	assert_true(due.held);
	struct retention_report r;
	assert_int_equal(sweep(v, at("2027-03-01T00:00:00Z"), &r), 0);
	assert_true(holds(v, s, "user.financial.invoice"));
	vault_close(&v);
	policy_free(&p);
	clock_set_real();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_amberscript_six_months),
	    cmocka_unit_test(test_amberscript_postpone),
	    cmocka_unit_test(test_postpone_once_per_notice),
	    cmocka_unit_test(test_no_public_url_no_notice),
	    cmocka_unit_test(test_late_notice_gives_a_week),
	    cmocka_unit_test(test_release_deletes_now),
	    cmocka_unit_test(test_amberscript_close_and_hold),
	    cmocka_unit_test(test_closed_hold_ends),
	    cmocka_unit_test(test_ambsonic_rules),
	    cmocka_unit_test(test_amper_rules),
	    cmocka_unit_test(test_dry_run_and_plan),
	    cmocka_unit_test(test_crash_resumes),
	    cmocka_unit_test(test_minimum_binds),
	    cmocka_unit_test(test_delete_primitive_refuses),
	    cmocka_unit_test(test_postpone_where_allowed),
	    cmocka_unit_test(test_hold_outlasts_rule),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
