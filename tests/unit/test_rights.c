/* tests/unit/test_rights.c — rights requests through the library, with the
 * injectable clock: vow's legal-basis/rights table against the W3C DPV
 * mapping (shared/reference), deadline and extension arithmetic (month
 * ends, leap years), the verification-code round trip, each right carried
 * out (an export that holds exactly what was stored, read back from its
 * sealed archive), each denial ground, erasure notices that reach every
 * recipient that received data and no other, a restriction lifted only
 * after the person was told. */
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "consent/consent.h"
#include "notify/notify.h"
#include "rights/rights.h"
#include "util/clock.h"
#include "vault/vault.h"
#include "test_support.h"

/* a delivery round as the sender does it, without the hourly cap */
static const struct vault_deliver_opts deliver_opts = {
    .limit = 64, .max_attempts = 8, .lease = 60, .per_hour = 0};

static int64_t at(const char *when)
{
	int64_t t = 0;
	assert_true(time_parse(when, &t));
	return t;
}

/* ---- the DPV mapping ---- */

static void test_basis_rights_follow_dpv(void **state)
{
	(void)state;
	char *csv = slurp(
	    shared_path("reference/dpv/dpv2.3_legal_eu_gdpr_legal_basis_rights_mapping.csv"), NULL);
	static const struct {
		const char *iri;
		enum policy_basis b;
	} bases[] = {{"A6-1-a", BASIS_CONSENT},          {"A6-1-b", BASIS_CONTRACT},
	             {"A6-1-c", BASIS_LEGAL_OBLIGATION}, {"A6-1-d", BASIS_VITAL_INTEREST},
	             {"A6-1-e", BASIS_PUBLIC_TASK},      {"A6-1-f", BASIS_LEGITIMATE_INTEREST}};
	static const enum rights_type types[] = {
	    RIGHT_ACCESS,      RIGHT_RECTIFICATION, RIGHT_ERASURE,   RIGHT_RESTRICTION,
	    RIGHT_PORTABILITY, RIGHT_OBJECTION,     RIGHT_WITHDRAWAL};
	size_t checked = 0;
	for (size_t b = 0; b < sizeof(bases) / sizeof(*bases); b++) {
		for (size_t t = 0; t < sizeof(types) / sizeof(*types); t++) {
			char line[200];
			snprintf(line, sizeof(line),
			         "\"https://w3id.org/dpv/legal/eu/gdpr#%s\",\"https://w3id.org/dpv/"
			         "legal/eu/"
			         "gdpr#%s\"",
			         bases[b].iri, rights_type_article(types[t]));
			bool in_dpv = strstr(csv, line) != NULL;
			if (in_dpv != rights_applies(types[t], bases[b].b, false))
				fail_msg("%s on %s: DPV says %d, vow says %d",
				         rights_type_name(types[t]), bases[b].iri, in_dpv, !in_dpv);
			checked++;
		}
	}
	assert_int_equal(checked, 42);
	/* the objection to direct marketing is absolute, whatever the basis */
	assert_true(rights_applies(RIGHT_OBJECTION, BASIS_CONSENT, true));
	free(csv);
}

/* ---- deadlines ---- */

static void test_deadlines(void **state)
{
	(void)state;
	assert_int_equal(rights_deadline(at("2026-01-31T10:00:00Z"), 0),
	                 at("2026-02-28T10:00:00Z"));
	assert_int_equal(rights_deadline(at("2028-01-31T10:00:00Z"), 0),
	                 at("2028-02-29T10:00:00Z"));
	assert_int_equal(rights_deadline(at("2026-03-31T00:00:00Z"), 0),
	                 at("2026-04-30T00:00:00Z"));
	assert_int_equal(rights_deadline(at("2026-12-15T08:30:00Z"), 0),
	                 at("2027-01-15T08:30:00Z"));
	assert_int_equal(rights_deadline(at("2026-01-31T10:00:00Z"), 2),
	                 at("2026-04-30T10:00:00Z"));
	assert_int_equal(rights_deadline(at("2026-11-30T00:00:00Z"), 2),
	                 at("2027-02-28T00:00:00Z"));
	assert_true(rights_ground_valid(RIGHT_ERASURE, "art17_3_b"));
	assert_true(rights_ground_valid(RIGHT_ERASURE, "art17_3_e"));
	assert_false(rights_ground_valid(RIGHT_ERASURE, "art17_3_f"));
	assert_false(rights_ground_valid(RIGHT_ACCESS, "art17_3_b"));
	assert_true(rights_ground_valid(RIGHT_ACCESS, "manifestly_unfounded"));
}

/* ---- the fixture: AmberScript with notify URLs for three recipients ---- */

static struct policy *hooked;

static struct policy *hooked_policy(void)
{
	if (hooked != NULL)
		return hooked;
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	static const char *const keys[] = {"stripe", "research_agencies", "google_analytics"};
	size_t cap = strlen(text) + 1024;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		strcat(out, line);
		strcat(out, "\n");
		for (size_t k = 0; k < 3; k++) {
			char want[64];
			snprintf(want, sizeof(want), "  - key: %s", keys[k]);
			if (strcmp(line, want) == 0) {
				char add[128];
				snprintf(add, sizeof(add),
				         "    notify_url: http://127.0.0.1:9/%s\n", keys[k]);
				strcat(out, add);
			}
		}
	}
	struct policy_diags d = {0};
	assert_int_equal(policy_load_buffer(out, strlen(out), &hooked, &d), VOW_OK);
	policy_diags_free(&d);
	free(out);
	free(text);
	return hooked;
}

static struct vault *open_vault(void)
{
	char dir[256];
	new_data_dir(dir);
	struct vault *v = NULL;
	assert_int_equal(vault_open(dir, hooked_policy(), &v), VOW_OK);
	assert_int_equal(notify_public_url_set(v, "https://privacy.example.test"), VOW_OK);
	return v;
}

static const struct vault_access svc = {"service", NULL, "essential.service", false, false,
                                        false,     false};

static void person(struct vault *v, char id[VOW_ID_LEN + 1])
{
	struct vault_subject_new in = {
	    .email = "anna@example.nl", .region = "NL", .age = 30, .locale = "en"};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
}

/* The outbox, delivered into memory. */
struct sent {
	char kind[8], to[128], tmpl[32];
	char body[8192];
};
static struct sent outbox[64];
static size_t n_sent;

static vow_err capture(void *ctx, const struct vault_outbox_item *m, char *why, size_t cap)
{
	(void)ctx;
	(void)why;
	(void)cap;
	if (n_sent == 64)
		return VOW_ERR_NOMEM;
	struct sent *s = &outbox[n_sent++];
	snprintf(s->kind, sizeof(s->kind), "%s", m->kind == VAULT_WEBHOOK ? "hook" : "mail");
	snprintf(s->to, sizeof(s->to), "%s", m->to);
	snprintf(s->tmpl, sizeof(s->tmpl), "%s", m->template_name);
	snprintf(s->body, sizeof(s->body), "%s", m->body);
	return VOW_OK;
}

static void deliver(struct vault *v)
{
	n_sent = 0;
	assert_int_equal(
	    vault_outbox_deliver(v, clock_real_now(), &deliver_opts, capture, NULL, NULL), VOW_OK);
}

static const struct sent *sent_with(const char *tmpl)
{
	for (size_t i = 0; i < n_sent; i++)
		if (strcmp(outbox[i].tmpl, tmpl) == 0)
			return &outbox[i];
	return NULL;
}

static void status_is(struct vault *v, const char *id, const char *want)
{
	struct vault_request r;
	assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
	assert_string_equal(r.status, want);
}

/* ---- the code round trip, extension, denial, overdue ---- */

static vow_err count_req(void *ctx, const struct vault_request *r)
{
	(void)r;
	(*(int *)ctx)++;
	return VOW_OK;
}

static void test_lifecycle(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-01-31T10:00:00Z"));
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1];
	person(v, s);
	struct rights_filing f = {s, "access", "staff", NULL, false};
	assert_int_equal(rights_file(v, &f, id), VOW_OK);
	status_is(v, id, "received");
	struct vault_request r;
	assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
	assert_int_equal(r.due_at, at("2026-02-28T10:00:00Z"));
	deliver(v);
	const struct sent *m = sent_with("request.verify");
	assert_non_null(m);
	assert_string_equal(m->to, "anna@example.nl");
	assert_non_null(sent_with("request.received"));
	const char *p = strstr(m->body, "enter this code: ");
	assert_non_null(p);
	char code[7];
	memcpy(code, p + 17, 6);
	code[6] = '\0';
	/* not processed before verification */
	char *res = NULL;
	assert_int_equal(rights_process(v, id, &res), VOW_ERR_DENIED);
	char wrong[16];
	snprintf(wrong, sizeof(wrong), "%06u", (unsigned)(atoi(code) + 1) % 1000000u);
	assert_int_equal(rights_verify(v, id, wrong, NULL), VOW_ERR_DENIED);
	assert_int_equal(rights_verify(v, id, code, NULL), VOW_OK);
	status_is(v, id, "verified");
	assert_int_equal(rights_verify(v, id, code, NULL), VOW_ERR_EXISTS);
	/* extension: inside the first month, two months at most, the person told */
	clock_set_fixed(at("2026-02-20T00:00:00Z"));
	assert_int_equal(rights_extend(v, id, 1, "the request covers ten years of files"), VOW_OK);
	assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
	assert_int_equal(r.due_at, at("2026-03-31T10:00:00Z"));
	assert_int_equal(rights_extend(v, id, 2, "more"), VOW_ERR_DENIED);
	assert_int_equal(rights_extend(v, id, 1, "still more"), VOW_OK);
	assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
	assert_int_equal(r.due_at, at("2026-04-30T10:00:00Z"));
	deliver(v);
	assert_non_null(sent_with("request.extended"));
	/* overdue after the extended deadline, not before */
	int n = 0;
	assert_int_equal(rights_overdue(v, at("2026-04-30T09:59:59Z"), count_req, &n), VOW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(rights_overdue(v, at("2026-04-30T10:00:01Z"), count_req, &n), VOW_OK);
	assert_int_equal(n, 1);
	/* a second request, past its first month: no extension any more */
	char id2[VOW_ID_LEN + 1];
	struct rights_filing f2 = {s, "erasure", "subject", NULL, true};
	assert_int_equal(rights_file(v, &f2, id2), VOW_OK);
	status_is(v, id2, "verified");
	clock_set_fixed(at("2026-03-21T00:00:00Z"));
	assert_int_equal(rights_extend(v, id2, 1, "late"), VOW_ERR_DENIED);
	/* denial grounds: only those that fit the right */
	assert_int_equal(rights_deny(v, id, "art17_3_b", "x"), VOW_ERR_INVALID);
	assert_int_equal(rights_deny(v, id2, "art17_3_z", "x"), VOW_ERR_INVALID);
	assert_int_equal(rights_deny(v, id2, "art17_3_e", "needed to defend a pending claim"),
	                 VOW_OK);
	status_is(v, id2, "denied");
	assert_int_equal(rights_process(v, id2, &res), VOW_ERR_EXISTS);
	deliver(v);
	const struct sent *d = sent_with("request.denied");
	assert_non_null(d);
	assert_non_null(strstr(d->body, "art17_3_e"));
	assert_non_null(strstr(d->body, "Autoriteit Persoonsgegevens"));
	/* filing checks what it is given */
	struct rights_filing bad = {s, "rectification", "staff", "{\"category\":\"user.nope\"}",
	                            true};
	assert_int_equal(rights_file(v, &bad, id2), VOW_ERR_INVALID);
	struct rights_filing bad2 = {s, "teleportation", "staff", NULL, true};
	assert_int_equal(rights_file(v, &bad2, id2), VOW_ERR_INVALID);
	vault_close(&v);
	clock_set_real();
}

/* The code in the newest request.verify message just delivered. */
static void sent_code(struct vault *v, char code[7], char wrong[7])
{
	deliver(v);
	const struct sent *m = NULL;
	for (size_t i = 0; i < n_sent; i++)
		if (strcmp(outbox[i].tmpl, "request.verify") == 0)
			m = &outbox[i];
	assert_non_null(m);
	memcpy(code, strstr(m->body, "enter this code: ") + 17, 6);
	code[6] = '\0';
	snprintf(wrong, 7, "%06u", (unsigned)(atoi(code) + 1) % 1000000u);
}

/* Ten wrong codes per person in any 24 hours, across their requests: the
 * tenth locks verification in their name (the right code too, no more
 * counting) until the oldest of the ten is a day old; one notice. */
static void test_wrong_codes_lock_out_the_person(void **state)
{
	(void)state;
	int64_t t0 = at("2026-05-04T08:00:00Z");
	clock_set_fixed(t0);
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1], a[VOW_ID_LEN + 1], e[VOW_ID_LEN + 1];
	char ca[7], wa[7], ce[7], we[7];
	person(v, s);
	struct rights_filing fa = {s, "access", "staff:sam", NULL, false};
	assert_int_equal(rights_file(v, &fa, a), VOW_OK);
	sent_code(v, ca, wa);
	assert_int_equal(rights_resend_code(v, a), VOW_OK); /* in the same second: sent too */
	sent_code(v, ca, wa);
	struct rights_filing fe = {s, "erasure", "staff:sam", NULL, false};
	assert_int_equal(rights_file(v, &fe, e), VOW_OK);
	sent_code(v, ce, we);
	int64_t until = -1;
	for (int i = 0; i < 5; i++)
		assert_int_equal(rights_verify(v, a, wa, &until), VOW_ERR_DENIED);
	assert_int_equal(until, 0);
	assert_int_equal(rights_verify(v, a, ca, &until), VOW_ERR_INVALID); /* used up */
	clock_set_fixed(t0 + 600);
	for (int i = 0; i < 3; i++)
		assert_int_equal(rights_verify(v, e, we, &until), VOW_ERR_DENIED);
	assert_int_equal(rights_verify(v, e, "12x456", &until), VOW_ERR_DENIED); /* counts */
	assert_int_equal(until, 0);
	/* nine: the right code still works */
	assert_int_equal(rights_resend_code(v, a), VOW_OK);
	sent_code(v, ca, wa);
	assert_int_equal(rights_verify(v, a, ca, &until), VOW_OK);
	assert_int_equal(until, 0);
	deliver(v);
	assert_null(sent_with("request.lockout"));
	/* the tenth */
	clock_set_fixed(t0 + 1200);
	assert_int_equal(rights_verify(v, e, we, &until), VOW_ERR_DENIED);
	assert_int_equal(until, t0 + RIGHTS_LOCKOUT_WINDOW); /* the first of the ten, a day on */
	deliver(v);
	const struct sent *m = sent_with("request.lockout");
	assert_non_null(m);
	assert_string_equal(m->to, "anna@example.nl");
	assert_non_null(strstr(m->body, "until 2026-05-05T08:00:00Z"));
	assert_int_equal(rights_verify(v, e, ce, &until), VOW_ERR_LOCKED);
	assert_int_equal(rights_verify(v, e, we, &until), VOW_ERR_LOCKED); /* not counted */
	status_is(v, e, "received");
	/* a new request changes nothing; the lockout ends with the window */
	clock_set_fixed(t0 + RIGHTS_LOCKOUT_WINDOW - 1);
	assert_int_equal(rights_resend_code(v, e), VOW_OK);
	sent_code(v, ce, we);
	assert_int_equal(rights_verify(v, e, ce, &until), VOW_ERR_LOCKED);
	assert_int_equal(until, t0 + RIGHTS_LOCKOUT_WINDOW);
	deliver(v);
	assert_null(sent_with("request.lockout")); /* told once */
	clock_set_fixed(t0 + RIGHTS_LOCKOUT_WINDOW);
	assert_int_equal(rights_verify(v, e, ce, &until), VOW_OK);
	assert_int_equal(until, 0);
	status_is(v, e, "verified");
	vault_close(&v);
	clock_set_real();
}

/* ---- the export ---- */

struct tar_entry {
	char path[300];
	char *data;
	size_t len;
};

static size_t read_tar(const unsigned char *buf, size_t len, struct tar_entry *out, size_t max)
{
	struct archive *a = archive_read_new();
	assert_non_null(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, buf, len), ARCHIVE_OK);
	struct archive_entry *e;
	size_t n = 0;
	while (n < max && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		snprintf(out[n].path, sizeof(out[n].path), "%s", archive_entry_pathname(e));
		size_t sz = (size_t)archive_entry_size(e);
		out[n].data = malloc(sz + 1);
		assert_int_equal(archive_read_data(a, out[n].data, sz), (la_ssize_t)sz);
		out[n].data[sz] = '\0';
		out[n].len = sz;
		n++;
	}
	archive_read_free(a);
	return n;
}

static bool has(const struct tar_entry *e, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(e[i].path, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* The entry whose path starts with prefix; fails the test if none. */
static const struct tar_entry *find(const struct tar_entry *e, size_t n, const char *prefix)
{
	static const struct tar_entry none = {"", (char *)"", 0};
	for (size_t i = 0; i < n; i++)
		if (strncmp(e[i].path, prefix, strlen(prefix)) == 0)
			return &e[i];
	fail_msg("the export has no %s", prefix);
	return &none;
}

/* Carries an access or portability request out and reads its archive. */
static size_t export_of(struct vault *v, const char *s, const char *type, struct tar_entry *e,
                        size_t max)
{
	char id[VOW_ID_LEN + 1];
	struct rights_filing f = {s, type, "subject", NULL, true};
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
	assert_int_equal(rights_export_open(v, token, &r, &info), VOW_OK);
	unsigned char *buf = malloc(info.size + 1);
	size_t got = 0, n = 0;
	do {
		assert_int_equal(vault_file_read(r, buf + got, info.size + 1 - got, &n), VOW_OK);
		got += n;
	} while (n > 0);
	vault_file_close(&r);
	assert_int_equal(got, info.size);
	size_t count = read_tar(buf, got, e, max);
	free(buf);
	/* an unknown token opens nothing; an expired one neither */
	char other[65];
	memset(other, 'a', 64);
	other[64] = '\0';
	assert_int_equal(rights_export_open(v, other, &r, &info), VOW_ERR_NOT_FOUND);
	clock_set_fixed(clock_now() + RIGHTS_EXPORT_TTL + 1);
	assert_int_equal(rights_export_open(v, token, &r, &info), VOW_ERR_DENIED);
	clock_set_fixed(clock_now() - RIGHTS_EXPORT_TTL - 1);
	json_decref(j);
	status_is(v, id, "completed");
	return count;
}

static void test_access_export(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-05-01T00:00:00Z"));
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1], fid[VOW_ID_LEN + 1], did[VOW_ID_LEN + 1];
	person(v, s);
	assert_int_equal(vault_record_put(v, &svc, s, "user.name", "{\"first\":\"Ana\"}", 15),
	                 VOW_OK);
	assert_int_equal(vault_record_put(v, &svc, s, "user.name", "{\"first\":\"Anna\"}", 16),
	                 VOW_OK);
	struct vault_file_writer *w = NULL;
	assert_int_equal(
	    vault_file_create(v, &svc, s, "user.content.audio", "talk.wav", "audio/wav", &w),
	    VOW_OK);
	unsigned char *audio = malloc(300000);
	for (size_t i = 0; i < 300000; i++)
		audio[i] = (unsigned char)(i * 7 + 3);
	assert_int_equal(vault_file_write(w, audio, 300000), VOW_OK);
	assert_int_equal(vault_file_finish(&w, fid), VOW_OK);
	char *receipt = NULL;
	assert_int_equal(consent_record(v, s, "marketing.communications.email.newsletter",
	                                CONSENT_GIVEN, "form", NULL, &receipt),
	                 VOW_OK);
	free(receipt);
	struct vault_access fraud = {"service", NULL, "essential.fraud_detection", false, false,
	                             false,     false};
	assert_int_equal(
	    vault_disclosure_record(v, &fraud, s, "stripe", "user.contact.email", NULL, did),
	    VOW_OK);
	struct tar_entry e[32];
	size_t n = export_of(v, s, "access", e, 32);
	const struct tar_entry *name = find(e, n, "data/user.name.json");
	json_t *j = json_loads(name->data, 0, NULL);
	json_t *versions = json_object_get(j, "versions");
	assert_int_equal(json_array_size(versions), 2); /* the rectification history */
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(json_array_get(versions, 1), "value"), "first")),
	                    "Anna");
	assert_string_equal(json_string_value(json_object_get(j, "basis")), "contract");
	json_decref(j);
	const struct tar_entry *file = find(e, n, "files/");
	assert_int_equal(file->len, 300000);
	assert_memory_equal(file->data, audio, 300000); /* exactly what was stored */
	assert_non_null(strstr(find(e, n, "profile.json")->data, "anna@example.nl"));
	assert_non_null(strstr(find(e, n, "consents.json")->data, "newsletter"));
	const char *rec = find(e, n, "recipients.json")->data;
	assert_non_null(strstr(rec, "stripe"));
	assert_non_null(strstr(rec, "\"transfer\": \"dpf\""));
	assert_non_null(strstr(find(e, n, "purposes.json")->data, "essential.service"));
	assert_non_null(strstr(find(e, n, "retention.json")->data, "user.content.audio"));
	assert_true(has(e, n, "manifest.json"));
	assert_true(has(e, n, "files.json"));
	for (size_t i = 0; i < n; i++)
		free(e[i].data);
	vault_close(&v);
	/* nothing of it lies in the clear in the data directory: not the export,
	 * not the queued messages, not the request */
	char cmd[600];
	snprintf(cmd, sizeof(cmd),
	         "grep -rqa -e 'anna@example.nl' -e '\"first\":\"Anna\"' '%s/d%d'", root,
	         root_dirs);
	assert_int_not_equal(system(cmd), 0);
	free(audio);
	clock_set_real();
}

/* A closed account's person can still get what is kept of them. */
static void test_export_after_closure(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-05-01T00:00:00Z"));
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1];
	person(v, s);
	struct vault_access tax = {"service", NULL, "essential.legal_obligation.tax", false, false,
	                           false,     false};
	assert_int_equal(
	    vault_record_put(v, &tax, s, "user.financial.invoice", "{\"total\":42}", 12), VOW_OK);
	assert_int_equal(vault_subject_close(v, s), VOW_OK);
	struct tar_entry e[32];
	size_t n = export_of(v, s, "access", e, 32);
	assert_true(has(e, n, "data/user.financial.invoice.json"));
	for (size_t i = 0; i < n; i++)
		free(e[i].data);
	vault_close(&v);
	clock_set_real();
}

static void test_portability_takes_consent_and_contract(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-05-01T00:00:00Z"));
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1];
	person(v, s);
	assert_int_equal(vault_record_put(v, &svc, s, "user.name", "{\"n\":1}", 7), VOW_OK);
	struct vault_access imp = {
	    "service", NULL, "essential.service.operations.improve", false, false, false, false};
	assert_int_equal(
	    vault_record_put(v, &imp, s, "user.content.communications", "{\"c\":2}", 7), VOW_OK);
	struct tar_entry e[32];
	size_t n = export_of(v, s, "portability", e, 32);
	assert_true(has(e, n, "data/user.name.json"));
	assert_false(has(e, n, "data/user.content.communications.json")); /* legitimate interest */
	assert_false(has(e, n, "profile.json"));
	for (size_t i = 0; i < n; i++)
		free(e[i].data);
	/* a person with only legitimate-interest data: denied, with the ground */
	char s2[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1];
	struct vault_subject_new in = {.email = "bo@example.nl", .region = "NL", .age = 40};
	assert_int_equal(vault_subject_create(v, &in, s2), VOW_OK);
	assert_int_equal(vault_record_put(v, &imp, s2, "user.content.communications", "{}", 2),
	                 VOW_OK);
	struct rights_filing f = {s2, "portability", "subject", NULL, true};
	assert_int_equal(rights_file(v, &f, id), VOW_OK);
	char *res = NULL;
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	assert_non_null(strstr(res, "right_not_applicable"));
	free(res);
	struct vault_request r;
	assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
	assert_string_equal(r.status, "denied");
	assert_string_equal(r.ground, "right_not_applicable");
	vault_close(&v);
	clock_set_real();
}

/* ---- erasure and rectification: the recipients that received data ---- */

static size_t hooks_to(const char *suffix)
{
	size_t n = 0;
	for (size_t i = 0; i < n_sent; i++)
		if (strcmp(outbox[i].kind, "hook") == 0 && strlen(outbox[i].to) >= strlen(suffix) &&
		    strcmp(outbox[i].to + strlen(outbox[i].to) - strlen(suffix), suffix) == 0)
			n++;
	return n;
}

static size_t hooks(void)
{
	size_t n = 0;
	for (size_t i = 0; i < n_sent; i++)
		n += strcmp(outbox[i].kind, "hook") == 0;
	return n;
}

static void test_erasure_tells_recipients(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-05-01T00:00:00Z"));
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1], did[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1];
	person(v, s);
	assert_int_equal(vault_record_put(v, &svc, s, "user.name", "{\"n\":\"Anna\"}", 12), VOW_OK);
	struct vault_access fraud = {"service", NULL, "essential.fraud_detection", false, false,
	                             false,     false};
	struct vault_access survey = {"service", NULL, "research.surveys", false, false,
	                              false,     false};
	assert_int_equal(
	    vault_disclosure_record(v, &fraud, s, "stripe", "user.contact.email", NULL, did),
	    VOW_OK);
	assert_int_equal(
	    vault_disclosure_record(v, &survey, s, "research_agencies", "user.name", NULL, did),
	    VOW_OK);
	/* rectification of the name: only the agency that received the name */
	struct rights_filing rf = {s, "rectification", "subject",
	                           "{\"category\":\"user.name\",\"value\":{\"n\":\"Anne\"}}", true};
	assert_int_equal(rights_file(v, &rf, id), VOW_OK);
	char *res = NULL;
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	free(res);
	deliver(v);
	assert_int_equal(hooks(), 1);
	assert_int_equal(hooks_to("/research_agencies"), 1);
	char *val = NULL;
	size_t len = 0;
	assert_int_equal(vault_record_get(v, &svc, s, "user.name", &val, &len), VOW_OK);
	assert_non_null(strstr(val, "Anne"));
	vault_value_free(val, len);
	/* erasure: both recipients that received data, not the one that did not */
	struct rights_filing ef = {s, "erasure", "subject", NULL, true};
	assert_int_equal(rights_file(v, &ef, id), VOW_OK);
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	json_t *j = json_loads(res, 0, NULL);
	free(res);
	json_t *receipt = json_object_get(j, "receipt");
	assert_non_null(json_object_get(receipt, "signature"));
	assert_non_null(json_object_get(receipt, "key_destroyed_at"));
	assert_int_equal(json_array_size(json_object_get(j, "recipients")), 2);
	json_decref(j);
	deliver(v);
	assert_int_equal(hooks(), 2);
	assert_int_equal(hooks_to("/stripe"), 1);
	assert_int_equal(hooks_to("/research_agencies"), 1);
	assert_int_equal(hooks_to("/google_analytics"), 0);
	/* the person's answer went out after the erasure, to the address on file then */
	const struct sent *done = sent_with("request.completed");
	assert_non_null(done);
	assert_string_equal(done->to, "anna@example.nl");
	assert_int_equal(vault_record_get(v, &svc, s, "user.name", &val, &len), VOW_ERR_NOT_FOUND);
	struct vault_request r;
	char *detail = NULL;
	assert_int_equal(vault_request_get(v, id, &r, &detail), VOW_OK);
	assert_string_equal(r.status, "completed");
	assert_non_null(detail); /* the answer stays readable: no personal data in it */
	assert_non_null(strstr(detail, "receipt"));
	assert_null(strstr(detail, "anna@example.nl"));
	free(detail);
	/* the rectified value is gone with the key */
	assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
	vault_close(&v);
	clock_set_real();
}

/* ---- restriction, lifting it, objection, withdrawal ---- */

static bool allowed(struct vault *v, const char *s, const char *category, const char *purpose)
{
	struct vault_access a = {"service", NULL, purpose, false, false, false, false};
	struct decide_result r;
	vow_err err = vault_check(v, &a, s, category, NULL, NULL, NULL, false, &r);
	return err == VOW_OK && r.allow;
}

static void test_restrict_object_withdraw(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-05-01T00:00:00Z"));
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1];
	person(v, s);
	assert_true(allowed(v, s, "user.name", "essential.service"));
	struct rights_filing rf = {s, "restriction", "subject", "{\"category\":\"user.name\"}",
	                           true};
	assert_int_equal(rights_file(v, &rf, id), VOW_OK);
	char *res = NULL;
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	free(res);
	assert_false(allowed(v, s, "user.name", "essential.service"));
	assert_int_equal(vault_last_denial(v) != NULL, true);
	assert_string_equal(vault_last_denial(v), "restricted");
	/* lifting: the person is told first; only once that went out is it lifted */
	struct rights_filing lf = {
	    s, "restriction_lift", "staff",
	    "{\"category\":\"user.name\",\"reason\":\"the accuracy was verified\"}", true};
	assert_int_equal(rights_file(v, &lf, id), VOW_OK);
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	assert_non_null(strstr(res, "waiting"));
	free(res);
	assert_false(allowed(v, s, "user.name", "essential.service")); /* still restricted */
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	assert_non_null(strstr(res, "waiting")); /* not delivered yet */
	free(res);
	deliver(v);
	const struct sent *told = sent_with("restriction.lifting");
	assert_non_null(told);
	assert_non_null(strstr(told->body, "the accuracy was verified"));
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	assert_null(strstr(res, "waiting"));
	free(res);
	status_is(v, id, "completed");
	assert_true(allowed(v, s, "user.name", "essential.service"));
	/* objection: legitimate interest yes; a contract gives no such right */
	struct rights_filing of = {s, "objection", "subject", "{\"purpose\":\"train_ai_system\"}",
	                           true};
	assert_int_equal(rights_file(v, &of, id), VOW_OK);
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	free(res);
	status_is(v, id, "completed");
	assert_false(allowed(v, s, "user.content.audio", "train_ai_system"));
	assert_string_equal(vault_last_denial(v), "objection");
	struct rights_filing oc = {s, "objection", "subject", "{\"purpose\":\"essential.service\"}",
	                           true};
	assert_int_equal(rights_file(v, &oc, id), VOW_OK);
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	free(res);
	status_is(v, id, "denied");
	/* withdrawal of the newsletter consent */
	char *receipt = NULL;
	assert_int_equal(consent_record(v, s, "marketing.communications.email.newsletter",
	                                CONSENT_GIVEN, "form", NULL, &receipt),
	                 VOW_OK);
	free(receipt);
	assert_true(
	    allowed(v, s, "user.contact.email", "marketing.communications.email.newsletter"));
	struct rights_filing wf = {s, "withdrawal", "subject",
	                           "{\"purpose\":\"marketing.communications.email.newsletter\"}",
	                           true};
	assert_int_equal(rights_file(v, &wf, id), VOW_OK);
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	free(res);
	assert_false(
	    allowed(v, s, "user.contact.email", "marketing.communications.email.newsletter"));
	struct rights_filing wc = {s, "withdrawal", "subject",
	                           "{\"purpose\":\"essential.service\"}", true};
	assert_int_equal(rights_file(v, &wc, id), VOW_OK);
	assert_int_equal(rights_process(v, id, &res), VOW_OK);
	free(res);
	status_is(v, id, "denied");
	vault_close(&v);
	clock_set_real();
}

/* Every denial ground: stored with the request, told to the person. */
static void test_each_denial_ground(void **state)
{
	(void)state;
	clock_set_fixed(at("2026-06-01T00:00:00Z"));
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1];
	person(v, s);
	static const char *const grounds[] = {"art17_3_a",
	                                      "art17_3_b",
	                                      "art17_3_c",
	                                      "art17_3_d",
	                                      "art17_3_e",
	                                      "identity_not_verified",
	                                      "manifestly_unfounded",
	                                      "excessive",
	                                      "right_not_applicable"};
	for (size_t i = 0; i < sizeof(grounds) / sizeof(*grounds); i++) {
		struct rights_filing f = {s, "erasure", "subject", NULL, true};
		assert_int_equal(rights_file(v, &f, id), VOW_OK);
		assert_int_equal(rights_deny(v, id, grounds[i], "the reason in our words"), VOW_OK);
		struct vault_request r;
		assert_int_equal(vault_request_get(v, id, &r, NULL), VOW_OK);
		assert_string_equal(r.status, "denied");
		assert_string_equal(r.ground, grounds[i]);
		assert_string_equal(r.note, "the reason in our words");
		assert_true(r.closed_at > 0);
		deliver(v);
		const struct sent *m = sent_with("request.denied");
		assert_non_null(m);
		assert_non_null(strstr(m->body, grounds[i]));
	}
	/* the Art. 17(3) grounds deny erasure only */
	struct rights_filing f = {s, "access", "subject", NULL, true};
	assert_int_equal(rights_file(v, &f, id), VOW_OK);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(rights_deny(v, id, grounds[i], "x"), VOW_ERR_INVALID);
	vault_close(&v);
	clock_set_real();
}

/* The outbox retries a failing receiver with backoff, then marks the
 * message dead with the receiver's last error; a real webhook to a closed
 * port fails through libcurl. */
static int fails;
static vow_err failing(void *ctx, const struct vault_outbox_item *m, char *why, size_t cap)
{
	(void)ctx;
	(void)m;
	fails++;
	snprintf(why, cap, "receiver said 503");
	return VOW_ERR_IO;
}

struct last {
	char id[VOW_ID_LEN + 1], status[16], error[160];
	int attempts;
	int64_t next_at;
};

static vow_err last_cb(void *ctx, const struct vault_message_info *m)
{
	struct last *l = ctx;
	snprintf(l->id, sizeof(l->id), "%s", m->id);
	snprintf(l->status, sizeof(l->status), "%s", m->status);
	snprintf(l->error, sizeof(l->error), "%s", m->last_error);
	l->attempts = m->attempts;
	l->next_at = m->next_at;
	return VOW_OK;
}

static void test_outbox_retries_then_dead_letter(void **state)
{
	(void)state;
	struct vault *v = open_vault();
	struct vault_message m = {VAULT_WEBHOOK,          "test:retry:1", NULL, "test.event",
	                          "http://127.0.0.1:9/x", "{\"a\":1}",    false};
	bool queued = false;
	assert_int_equal(vault_outbox_add(v, &m, &queued), VOW_OK);
	assert_true(queued);
	assert_int_equal(vault_outbox_add(v, &m, &queued), VOW_OK); /* the same key: once */
	assert_false(queued);
	int64_t now = clock_real_now();
	struct last l;
	int64_t gaps[8];
	for (int i = 0; i < 8; i++) {
		struct vault_outbox_stats st = {0};
		assert_int_equal(vault_outbox_deliver(v, now, &deliver_opts, failing, NULL, &st),
		                 VOW_OK);
		assert_int_equal(vault_outbox_list(v, NULL, last_cb, &l), VOW_OK);
		gaps[i] = l.next_at - now;
		now = l.next_at; /* the next attempt is due then, not before */
		struct vault_outbox_stats early = {0};
		assert_int_equal(
		    vault_outbox_deliver(v, now - 1, &deliver_opts, failing, NULL, &early), VOW_OK);
		assert_int_equal(early.retried + early.dead + early.sent, 0);
	}
	assert_int_equal(fails, 8);
	assert_int_equal(gaps[0], 30); /* 30 s, doubling, at most an hour */
	assert_int_equal(gaps[1], 60);
	assert_int_equal(gaps[2], 120);
	assert_int_equal(gaps[6], 1920);
	assert_string_equal(l.status, "dead");
	assert_string_equal(l.error, "receiver said 503");
	assert_int_equal(l.attempts, 8);
	/* the dead letter, sent again once the receiver is back */
	char dead[VOW_ID_LEN + 1];
	snprintf(dead, sizeof(dead), "%s", l.id);
	assert_int_equal(vault_outbox_retry(v, dead), VOW_OK);
	assert_int_equal(vault_outbox_retry(v, dead), VOW_ERR_INVALID); /* pending now */
	assert_int_equal(vault_outbox_list(v, NULL, last_cb, &l), VOW_OK);
	assert_string_equal(l.status, "pending");
	assert_int_equal(l.attempts, 0);
	n_sent = 0;
	assert_int_equal(
	    vault_outbox_deliver(v, clock_real_now(), &deliver_opts, capture, NULL, NULL), VOW_OK);
	assert_int_equal(n_sent, 1);
	assert_int_equal(vault_outbox_list(v, NULL, last_cb, &l), VOW_OK);
	assert_string_equal(l.status, "sent");
	assert_int_equal(vault_outbox_retry(v, dead), VOW_ERR_INVALID); /* sent: nothing to send */
	/* through libcurl: nothing listens on port 9 */
	struct vault_message real = {VAULT_WEBHOOK,          "test:retry:2", NULL, "test.event",
	                             "http://127.0.0.1:9/x", "{}",           false};
	assert_int_equal(vault_outbox_add(v, &real, NULL), VOW_OK);
	struct notify_config cfg = {.timeout_ms = 2000};
	struct vault_outbox_stats st = {0};
	assert_int_equal(notify_deliver(v, &cfg, clock_real_now(), &st), VOW_OK);
	assert_int_equal(st.retried, 1);
	assert_int_equal(vault_outbox_list(v, NULL, last_cb, &l), VOW_OK);
	assert_string_equal(l.status, "pending");
	assert_non_null(strstr(l.error, "webhook:"));
	vault_close(&v);
}

/* ---- the code's attempt limit and lifetime, at their boundaries ---- */

/* Files an access request at the clock's time; *code receives the code the
 * person was e-mailed. */
static void file_with_code(struct vault *v, const char *s, char id[VOW_ID_LEN + 1], char code[7])
{
	struct rights_filing f = {s, "access", "staff", NULL, false};
	assert_int_equal(rights_file(v, &f, id), VOW_OK);
	deliver(v);
	const struct sent *m = sent_with("request.verify");
	assert_non_null(m);
	const char *p = strstr(m->body, "enter this code: ");
	assert_non_null(p);
	memcpy(code, p + 17, 6);
	code[6] = '\0';
}

/* The k-th wrong code (k >= 1) for code. */
static const char *wrong_code(const char *code, int k)
{
	static char out[8];
	snprintf(out, sizeof(out), "%06u", (unsigned)(atoi(code) + k) % 1000000u);
	return out;
}

/* A new person with an address of their own (each may have one open
 * request of a type). */
static void another_person(struct vault *v, char id[VOW_ID_LEN + 1])
{
	static int n;
	char email[64];
	snprintf(email, sizeof(email), "code%d@example.nl", ++n);
	struct vault_subject_new in = {.email = email, .region = "NL", .age = 30, .locale = "en"};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
}

static void test_code_attempts_and_expiry(void **state)
{
	(void)state;
	int64_t t0 = at("2026-03-02T09:00:00Z");
	clock_set_fixed(t0);
	struct vault *v = open_vault();
	char s[VOW_ID_LEN + 1], id[VOW_ID_LEN + 1], code[7];
	/* four wrong codes, then the right one: verified */
	another_person(v, s); /* one open request per person and type */
	file_with_code(v, s, id, code);
	for (int k = 1; k <= RIGHTS_CODE_ATTEMPTS - 1; k++)
		assert_int_equal(rights_verify(v, id, wrong_code(code, k), NULL), VOW_ERR_DENIED);
	assert_int_equal(rights_verify(v, id, code, NULL), VOW_OK);
	status_is(v, id, "verified");
	/* five wrong codes: even the right one is refused (a new code is needed) */
	another_person(v, s); /* one open request per person and type */
	file_with_code(v, s, id, code);
	for (int k = 1; k <= RIGHTS_CODE_ATTEMPTS; k++)
		assert_int_equal(rights_verify(v, id, wrong_code(code, k), NULL), VOW_ERR_DENIED);
	assert_int_equal(rights_verify(v, id, code, NULL), VOW_ERR_INVALID);
	assert_int_equal(rights_verify(v, id, wrong_code(code, 6), NULL), VOW_ERR_INVALID);
	status_is(v, id, "received");
	/* a new code starts a new count */
	assert_int_equal(rights_resend_code(v, id), VOW_OK);
	deliver(v);
	const struct sent *m = sent_with("request.verify");
	assert_non_null(m);
	char fresh[7];
	memcpy(fresh, strstr(m->body, "enter this code: ") + 17, 6);
	fresh[6] = '\0';
	assert_int_equal(rights_verify(v, id, code, NULL), strcmp(code, fresh) == 0 ? VOW_OK
	                                                                     : VOW_ERR_DENIED);
	if (strcmp(code, fresh) != 0)
		assert_int_equal(rights_verify(v, id, fresh, NULL), VOW_OK);
	/* the code lasts 30 minutes: to the second */
	clock_set_fixed(t0);
	another_person(v, s); /* one open request per person and type */
	file_with_code(v, s, id, code);
	clock_set_fixed(t0 + RIGHTS_CODE_TTL);
	assert_int_equal(rights_verify(v, id, code, NULL), VOW_OK);
	clock_set_fixed(t0);
	another_person(v, s); /* one open request per person and type */
	file_with_code(v, s, id, code);
	clock_set_fixed(t0 + RIGHTS_CODE_TTL + 1);
	assert_int_equal(rights_verify(v, id, code, NULL), VOW_ERR_INVALID);
	assert_int_equal(RIGHTS_CODE_TTL, 30 * 60);
	/* a code works once, also asked of the vault directly */
	assert_int_equal(vault_request_code_set(v, id, "123456", t0 + 3600), VOW_OK);
	struct vault_code_check limits = {.max_attempts = 5, .per_subject = 10, .window = 86400};
	assert_int_equal(vault_request_code_check(v, id, "123456", &limits), VOW_OK);
	assert_int_equal(vault_request_code_check(v, id, "123456", &limits), VOW_ERR_INVALID);
	vault_close(&v);
	clock_set_real();
}

static int cleanup(void **state)
{
	policy_free(&hooked);
	return teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basis_rights_follow_dpv),
	    cmocka_unit_test(test_deadlines),
	    cmocka_unit_test(test_lifecycle),
	    cmocka_unit_test(test_wrong_codes_lock_out_the_person),
	    cmocka_unit_test(test_access_export),
	    cmocka_unit_test(test_portability_takes_consent_and_contract),
	    cmocka_unit_test(test_export_after_closure),
	    cmocka_unit_test(test_erasure_tells_recipients),
	    cmocka_unit_test(test_restrict_object_withdraw),
	    cmocka_unit_test(test_each_denial_ground),
	    cmocka_unit_test(test_outbox_retries_then_dead_letter),
	    cmocka_unit_test(test_code_attempts_and_expiry),
	};
	return cmocka_run_group_tests(tests, setup, cleanup);
}
