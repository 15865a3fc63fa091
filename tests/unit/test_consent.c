/* tests/unit/test_consent.c — the consent ledger, receipts, browser signals,
 * objections, restrictions, age and assignments, each seen through the
 * vault's decided access (a deny names its rule), against the GPC cases and
 * the ISO/IEC TS 27560 field list in shared/reference. */
#include <jansson.h>
#include <sqlite3.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "consent/consent.h"
#include "crypto/crypto.h"
#include "util/clock.h"
#include "util/ip.h"
#include "test_support.h"

static struct vault *fresh(char dir[256])
{
	new_data_dir(dir);
	struct vault *v = NULL;
	assert_int_equal(vault_open(dir, policy, &v), VOW_OK);
	return v;
}

static void subject(struct vault *v, const char *email, const char *birth, char id[VOW_ID_LEN + 1])
{
	struct vault_subject_new in = {.email = email, .region = "NL", .birth_date = birth};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
}

static const struct vault_access SERVICE = {"service", NULL, "essential.service", false, false,
                                            false,     false};

static vow_err get_as(struct vault *v, const char *role, const char *actor, const char *purpose,
                      const char *id, const char *category)
{
	struct vault_access a = {role, actor, purpose, false, false, false, false};
	char *val = NULL;
	size_t len = 0;
	vow_err err = vault_record_get(v, &a, id, category, &val, &len);
	vault_value_free(val, len);
	return err;
}

#define DENIED_BECAUSE(v, call, why)                                                               \
	do {                                                                                       \
		assert_int_equal((call), VOW_ERR_DENIED);                                          \
		assert_string_equal(vault_last_denial(v), (why));                                  \
	} while (0)

static const char *NEWS = "marketing.communications.email.newsletter";

/* ---- the ledger through decided access ---- */

static void test_give_and_withdraw(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "reader@example.nl", NULL, id);
	const char *email = "\"reader@example.nl\"";
	assert_int_equal(
	    vault_record_put(v, &SERVICE, id, "user.contact.email", email, strlen(email)), VOW_OK);
	/* "newsletters when ... you have signed up": not before */
	DENIED_BECAUSE(v, get_as(v, "service", NULL, NEWS, id, "user.contact.email"), "no_consent");
	struct consent_evidence ev = {"203.0.113.77",
	                              "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0", false};
	char *receipt = NULL;
	assert_int_equal(consent_record(v, id, NEWS, CONSENT_GIVEN, "form", &ev, &receipt), VOW_OK);
	assert_non_null(receipt);
	free(receipt);
	assert_int_equal(get_as(v, "service", NULL, NEWS, id, "user.contact.email"), VOW_OK);
	/* withdrawing is the same call, and takes effect at once */
	assert_int_equal(
	    consent_record(v, id, NEWS, CONSENT_WITHDRAWN, "unsubscribe_link", NULL, &receipt),
	    VOW_OK);
	free(receipt);
	DENIED_BECAUSE(v, get_as(v, "service", NULL, NEWS, id, "user.contact.email"),
	               "consent_withdrawn");
	/* the service purpose is untouched */
	assert_int_equal(get_as(v, "service", NULL, "essential.service", id, "user.contact.email"),
	                 VOW_OK);
	/* bad input */
	assert_int_equal(
	    consent_record(v, id, "nonsense.purpose", CONSENT_GIVEN, "form", NULL, NULL),
	    VOW_ERR_INVALID);
	assert_int_equal(consent_record(v, id, NEWS, CONSENT_GIVEN, "telepathy", NULL, NULL),
	                 VOW_ERR_INVALID);
	assert_int_equal(consent_record(v, id, NEWS, (enum decide_consent)9, "form", NULL, NULL),
	                 VOW_ERR_INVALID);
	struct consent_evidence bad = {"not-an-ip", NULL, false};
	assert_int_equal(consent_record(v, id, NEWS, CONSENT_GIVEN, "form", &bad, NULL),
	                 VOW_ERR_INVALID);
	assert_int_equal(consent_record(v, "0123456789abcdef0123456789abcdef", NEWS, CONSENT_GIVEN,
	                                "form", NULL, NULL),
	                 VOW_ERR_NOT_FOUND);
	vault_close(&v);
}

static vow_err collect(void *ctx, const struct consent_event *e)
{
	json_array_append_new(ctx, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:b}", "purpose",
	                                     e->purpose, "state", e->state, "method", e->method,
	                                     "ip", e->ip_prefix, "ua", e->ua_hash, "hash",
	                                     e->text_hash, "gpc", e->against_gpc));
	return VOW_OK;
}

static void test_ledger_is_append_only_with_evidence(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "ledger@example.nl", NULL, id);
	struct consent_evidence v4 = {"198.51.100.23", "UA-MARKER-123", false};
	struct consent_evidence v6 = {"2001:db8:abcd:12:34::1", NULL, false};
	assert_int_equal(
	    consent_record(v, id, "analytics.reporting", CONSENT_GIVEN, "banner", &v4, NULL),
	    VOW_OK);
	assert_int_equal(consent_record(v, id, "analytics.reporting", CONSENT_WITHDRAWN,
	                                "privacy_center", &v6, NULL),
	                 VOW_OK);
	assert_int_equal(
	    consent_record(v, id, "analytics.reporting", CONSENT_GIVEN, "api", NULL, NULL), VOW_OK);
	json_t *h = json_array();
	assert_int_equal(consent_history(v, id, collect, h), VOW_OK);
	assert_int_equal(json_array_size(h), 3);
	json_t *e0 = json_array_get(h, 0), *e1 = json_array_get(h, 1);
	assert_string_equal(json_string_value(json_object_get(e0, "ip")), "198.51.100.0");
	assert_string_equal(json_string_value(json_object_get(e1, "ip")), "2001:db8:abcd::");
	assert_int_equal(strlen(json_string_value(json_object_get(e0, "ua"))), 64);
	assert_int_equal(json_integer_value(json_object_get(e1, "state")), CONSENT_WITHDRAWN);
	assert_int_equal(strlen(json_string_value(json_object_get(e0, "hash"))), 64);
	json_decref(h);
	vault_close(&v);
	/* the user agent and full address are nowhere on disk */
	char path[300];
	snprintf(path, sizeof(path), "%s/data.db", dir);
	size_t len;
	char *db = slurp(path, &len);
	for (size_t i = 0; i + 13 <= len; i++) {
		assert_false(memcmp(db + i, "UA-MARKER-123", 13) == 0);
		assert_false(memcmp(db + i, "198.51.100.23", 13) == 0);
	}
	free(db);
	/* the schema refuses to rewrite history */
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	char *msg = NULL;
	assert_int_not_equal(sqlite3_exec(raw, "UPDATE consents SET state=1", NULL, NULL, &msg),
	                     SQLITE_OK);
	assert_non_null(strstr(msg, "append-only"));
	sqlite3_free(msg);
	sqlite3_close(raw);
}

/* ---- receipts ---- */

static void snake(const char *field, char *out, size_t cap)
{
	size_t n = 0;
	bool sep = false;
	for (const char *p = field; *p && n + 2 < cap; p++) {
		char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (sep && n > 0)
				out[n++] = '_';
			out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
			sep = false;
		} else {
			sep = true;
		}
	}
	out[n] = '\0';
}

static void test_receipt_fields_and_signature(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "receipt@example.nl", NULL, id);
	char *receipt = NULL;
	assert_int_equal(
	    consent_record(v, id, "analytics.reporting", CONSENT_GIVEN, "banner", NULL, &receipt),
	    VOW_OK);
	json_error_t jerr;
	json_t *r = json_loads(receipt, 0, &jerr);
	assert_non_null(r);
	json_t *rec = json_object_get(r, "record");
	assert_non_null(rec);
	/* every mandatory field of ISO/IEC TS 27560 as DPV maps it */
	json_t *ref = json_load_file(
	    shared_path("reference/dpv/dpv_iso27560_consent_record_fields.json"), 0, &jerr);
	assert_non_null(ref);
	const char *section;
	json_t *fields;
	size_t checked = 0;
	json_object_foreach(json_object_get(ref, "sections"), section, fields)
	{
		json_t *where = rec;
		if (strncmp(section, "8.4", 3) == 0)
			where = json_object_get(rec, "data_controller");
		else if (strncmp(section, "8.5", 3) == 0)
			where = json_object_get(rec, "consent_event");
		else if (strncmp(section, "9.1", 3) == 0)
			where = r;
		size_t i;
		json_t *f;
		json_array_foreach(fields, i, f)
		{
			const char *card = json_string_value(json_object_get(f, "cardinality"));
			if (card == NULL || card[0] != '1')
				continue; /* optional */
			char key[96];
			snake(json_string_value(json_object_get(f, "field")), key, sizeof(key));
			if (json_object_get(where, key) == NULL)
				fail_msg("receipt lacks mandatory field %s (%s)", key, section);
			checked++;
		}
	}
	assert_true(checked >= 20);
	json_decref(ref);
	assert_string_equal(json_string_value(json_object_get(json_object_get(rec, "consent_event"),
	                                                      "consent_state")),
	                    "given");
	assert_string_equal(json_string_value(json_object_get(rec, "data_subject")), id);
	assert_null(strstr(receipt, "receipt@example.nl")); /* a pseudonym, never the e-mail */
	/* the signature verifies with the instance key, and only the exact text */
	char pk[65];
	assert_int_equal(vault_public_key(v, pk), VOW_OK);
	assert_int_equal(vault_signed_verify(receipt, strlen(receipt), pk), VOW_OK);
	char *forged = strdup(receipt);
	char *given = strstr(forged, "\"given\"");
	assert_non_null(given);
	memcpy(given, "\"GIVEN\"", 7);
	assert_int_equal(vault_signed_verify(forged, strlen(forged), pk), VOW_ERR_INTEGRITY);
	free(forged);
	char other[65];
	memcpy(other, pk, 65);
	other[0] = other[0] == 'a' ? 'b' : 'a';
	assert_int_not_equal(vault_signed_verify(receipt, strlen(receipt), other), VOW_OK);
	assert_int_equal(vault_signed_verify("{", 1, pk), VOW_ERR_INVALID);
	assert_int_equal(vault_signed_verify("{}", 2, pk), VOW_ERR_INVALID);
	assert_int_equal(vault_signed_verify(receipt, strlen(receipt), "zz"), VOW_ERR_INVALID);
	json_decref(r);
	free(receipt);
	vault_close(&v);
}

/* ---- browser signals ---- */

static void test_gpc_cases(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *cases = json_load_file(shared_path("reference/gpc/gpc_cases.json"), 0, &jerr);
	assert_non_null(cases);
	size_t i, n = 0;
	json_t *c;
	json_array_foreach(json_object_get(cases, "header_cases"), i, c)
	{
		const char *values[8];
		size_t k, nv = 0;
		json_t *h;
		json_array_foreach(json_object_get(c, "headers"), k, h)
		{
			if (strcasecmp(json_string_value(json_array_get(h, 0)), "Sec-GPC") == 0 &&
			    nv < 8)
				values[nv++] = json_string_value(json_array_get(h, 1));
		}
		bool want = json_is_true(json_object_get(c, "expect_gpc"));
		if (consent_gpc_header(values, nv) != want)
			fail_msg("GPC case %zu (%s)", i,
			         json_string_value(json_object_get(c, "rule")));
		n++;
	}
	assert_true(n >= 8);
	json_decref(cases);
	/* the support resource: a JSON object with a boolean and an RFC 3339 date */
	char *doc = consent_gpc_document(policy);
	json_t *d = json_loads(doc, 0, &jerr);
	assert_true(json_is_object(d));
	assert_true(json_is_true(json_object_get(d, "gpc")));
	const char *last = json_string_value(json_object_get(d, "lastUpdate"));
	assert_non_null(last);
	assert_true(date_parse(last, NULL));
	json_decref(d);
	free(doc);
}

static void test_gpc_opt_out_and_opt_in(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "gpc@example.nl", NULL, id);
	const char *dev = "{\"browser\":\"x\"}";
	struct vault_access ads = {"service", NULL,  "marketing.advertising.third_party.targeted",
	                           true,      false, false,
	                           false};
	/* collecting the device data is itself decided; store it for the service */
	struct vault_access stats = {"service", NULL, "analytics.reporting", false, false,
	                             false,     false};
	assert_int_equal(
	    consent_record(v, id, "analytics.reporting", CONSENT_GIVEN, "banner", NULL, NULL),
	    VOW_OK);
	assert_int_equal(vault_record_put(v, &stats, id, "user.device", dev, strlen(dev)), VOW_OK);
	char *val;
	size_t len;
	DENIED_BECAUSE(v, vault_record_get(v, &ads, id, "user.device", &val, &len), "no_consent");
	/* opting in against one's own GPC signal is recorded as such, and counts */
	struct consent_evidence ev = {NULL, NULL, true};
	char *receipt = NULL;
	assert_int_equal(consent_record(v, id, "marketing.advertising.third_party.targeted",
	                                CONSENT_GIVEN, "banner", &ev, &receipt),
	                 VOW_OK);
	assert_non_null(strstr(receipt, "\"against_gpc_signal\": true"));
	free(receipt);
	assert_int_equal(vault_record_get(v, &ads, id, "user.device", &val, &len), VOW_OK);
	vault_value_free(val, len);
	json_t *h = json_array();
	assert_int_equal(consent_history(v, id, collect, h), VOW_OK);
	assert_true(json_is_true(json_object_get(json_array_get(h, 1), "gpc")));
	json_decref(h);
	vault_close(&v);
}

/* ---- suppression: never added back by an import ---- */

static void test_suppression(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1], again[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "optout@example.nl", NULL, id);
	assert_int_equal(consent_record(v, id, NEWS, CONSENT_GIVEN, "form", NULL, NULL), VOW_OK);
	assert_false(consent_suppressed(v, "optout@example.nl"));
	assert_int_equal(
	    consent_record(v, id, NEWS, CONSENT_WITHDRAWN, "unsubscribe_link", NULL, NULL), VOW_OK);
	assert_true(consent_suppressed(v, "OptOut@Example.nl"));
	char *receipt = NULL;
	assert_int_equal(vault_subject_erase(v, id, &receipt), VOW_OK);
	free(receipt);
	/* only the blind-index entry remains: the person is gone, the opt-out is not */
	assert_true(consent_suppressed(v, "optout@example.nl"));
	subject(v, "optout@example.nl", NULL, again);
	assert_int_equal(consent_record(v, again, NEWS, CONSENT_GIVEN, "import", NULL, NULL),
	                 VOW_ERR_DENIED);
	/* the person may still sign up again themselves */
	assert_int_equal(consent_record(v, again, NEWS, CONSENT_GIVEN, "form", NULL, NULL), VOW_OK);
	/* objecting to direct marketing suppresses too */
	char other[VOW_ID_LEN + 1];
	subject(v, "objector@example.nl", NULL, other);
	assert_int_equal(consent_object(v, other, "marketing.communications.email", true), VOW_OK);
	assert_true(consent_suppressed(v, "objector@example.nl"));
	vault_close(&v);
}

/* ---- objection, restriction, age, assignment ---- */

static void test_states(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1], kid[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "states@example.nl", NULL, id);
	const char *audio = "{\"uri\":\"x\"}";
	assert_int_equal(
	    vault_record_put(v, &SERVICE, id, "user.content.audio", audio, strlen(audio)), VOW_OK);
	/* "audio is not used for training after the person objects" */
	assert_int_equal(get_as(v, "service", NULL, "train_ai_system", id, "user.content.audio"),
	                 VOW_OK);
	assert_int_equal(consent_object(v, id, "train_ai_system", true), VOW_OK);
	DENIED_BECAUSE(v, get_as(v, "service", NULL, "train_ai_system", id, "user.content.audio"),
	               "objection");
	assert_int_equal(get_as(v, "service", NULL, "essential.service", id, "user.content.audio"),
	                 VOW_OK);
	assert_int_equal(consent_object(v, id, "train_ai_system", false), VOW_OK);
	assert_int_equal(get_as(v, "service", NULL, "train_ai_system", id, "user.content.audio"),
	                 VOW_OK);
	assert_int_equal(consent_object(v, id, "train_ai_system", false), VOW_ERR_NOT_FOUND);
	assert_int_equal(consent_object(v, id, "no.such", true), VOW_ERR_INVALID);
	/* restriction: storage and legal claims only */
	const char *inv = "{\"n\":1}";
	struct vault_access tax = {"service", NULL, "essential.legal_obligation.tax", false, false,
	                           false,     false};
	assert_int_equal(vault_record_put(v, &tax, id, "user.financial.invoice", inv, strlen(inv)),
	                 VOW_OK);
	assert_int_equal(consent_restrict(v, id, "*", true, "accuracy contested"), VOW_OK);
	DENIED_BECAUSE(v, get_as(v, "service", NULL, "essential.service", id, "user.content.audio"),
	               "restricted");
	assert_int_equal(get_as(v, "service", NULL, "essential.legal_obligation.tax", id,
	                        "user.financial.invoice"),
	                 VOW_OK);
	assert_int_equal(consent_restrict(v, id, "*", false, NULL), VOW_OK);
	assert_int_equal(consent_restrict(v, id, "user.content", true, NULL), VOW_OK);
	DENIED_BECAUSE(v, get_as(v, "service", NULL, "essential.service", id, "user.content.audio"),
	               "restricted");
	assert_int_equal(consent_restrict(v, id, "user.nothing", true, NULL), VOW_ERR_INVALID);
	/* age: under 16 in the Netherlands needs a parent */
	char born[11];
	time_t ten_years_ago = time(NULL) - (time_t)10 * 366 * 86400;
	strftime(born, sizeof(born), "%Y-%m-%d", gmtime(&ten_years_ago));
	/* a sign-up under the minimum age needs the parent's consent at once
	 * (the policy's parental path); without it nothing is stored */
	struct vault_subject_new minor = {.email = "kid@example.nl", .region = "NL", .birth_date = born};
	assert_int_equal(vault_subject_create(v, &minor, kid), VOW_ERR_DENIED);
	assert_string_equal(vault_last_denial(v), "under_age");
	assert_int_equal(vault_subject_find(v, VAULT_BY_EMAIL, "kid@example.nl", kid),
	                 VOW_ERR_NOT_FOUND);
	minor.parental_consent = true;
	assert_int_equal(vault_subject_create(v, &minor, kid), VOW_OK);
	assert_int_equal(
	    vault_record_put(v, &SERVICE, kid, "user.content.audio", audio, strlen(audio)), VOW_OK);
	/* the parent withdraws: the child's data is not processed any more */
	assert_int_equal(consent_parental(v, kid, false), VOW_OK);
	DENIED_BECAUSE(
	    v, vault_record_put(v, &SERVICE, kid, "user.content.audio", audio, strlen(audio)),
	    "under_minimum_age");
	assert_int_equal(consent_parental(v, kid, true), VOW_OK);
	assert_int_equal(
	    vault_record_put(v, &SERVICE, kid, "user.content.audio", audio, strlen(audio)), VOW_OK);
	/* assignment: "only accessible to transcribers working on that particular transcription" */
	const char *tr = "{\"text\":\"...\"}";
	assert_int_equal(consent_restrict(v, id, "user.content", false, NULL), VOW_OK);
	assert_int_equal(
	    vault_record_put(v, &SERVICE, id, "user.content.transcript", tr, strlen(tr)), VOW_OK);
	const char *ht = "essential.service.human_transcription";
	DENIED_BECAUSE(v, get_as(v, "transcriber", "t-17", ht, id, "user.content.transcript"),
	               "no_assignment");
	char g[VOW_ID_LEN + 1];
	assert_int_equal(vault_grant_add(v, id, "t-17", "user.content.transcript", NULL, ht,
	                                 clock_now() + 600, g),
	                 VOW_OK);
	assert_int_equal(get_as(v, "transcriber", "t-17", ht, id, "user.content.transcript"),
	                 VOW_OK);
	DENIED_BECAUSE(v, get_as(v, "transcriber", "t-18", ht, id, "user.content.transcript"),
	               "no_assignment");
	struct vault_access t17 = {"transcriber", "t-17", ht, false, false, false, false};
	struct decide_result why;
	DENIED_BECAUSE(
	    v, vault_check(v, &t17, id, "user.contact.email", NULL, NULL, NULL, false, &why),
	    "category_not_in_purpose");
	assert_false(why.allow);
	DENIED_BECAUSE(v, get_as(v, "support", "s-1", ht, id, "user.content.transcript"),
	               "role_not_allowed");
	assert_int_equal(vault_grant_revoke(v, g), VOW_OK);
	DENIED_BECAUSE(v, get_as(v, "transcriber", "t-17", ht, id, "user.content.transcript"),
	               "no_assignment");
	/* an access without a purpose is refused outright */
	struct vault_access none = {"service", NULL, NULL, false, false, false, false};
	char *val;
	size_t len;
	assert_int_equal(vault_record_get(v, &none, id, "user.content.audio", &val, &len),
	                 VOW_ERR_INVALID);
	vault_close(&v);
}

static vow_err count_denial(void *ctx, const char *role, const char *purpose, const char *category,
                            const char *reason, int64_t at)
{
	(void)role;
	(void)category;
	(void)at;
	json_array_append_new(ctx, json_pack("{s:s, s:s}", "purpose", purpose, "reason", reason));
	return VOW_OK;
}

static void test_denials_recorded(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "denied@example.nl", NULL, id);
	const char *e = "\"denied@example.nl\"";
	assert_int_equal(vault_record_put(v, &SERVICE, id, "user.contact.email", e, strlen(e)),
	                 VOW_OK);
	DENIED_BECAUSE(v, get_as(v, "service", NULL, NEWS, id, "user.contact.email"), "no_consent");
	DENIED_BECAUSE(v, get_as(v, "support", NULL, "essential.service", id, "user.contact.email"),
	               "role_not_allowed");
	json_t *arr = json_array();
	assert_int_equal(vault_denial_list(v, id, count_denial, arr), VOW_OK);
	assert_int_equal(json_array_size(arr), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "reason")),
	                    "no_consent");
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "reason")),
	                    "role_not_allowed");
	json_decref(arr);
	/* deciding what a listing shows is decided the same way, but opens
	 * nothing: no denied access is recorded for it */
	struct vault_access list = {"support", NULL, "essential.service", false, false,
	                            true,      false};
	struct decide_result res;
	assert_int_equal(
	    vault_check(v, &list, id, "user.contact.email", NULL, NULL, NULL, false, &res),
	    VOW_ERR_DENIED);
	assert_false(res.allow);
	arr = json_array();
	assert_int_equal(vault_denial_list(v, id, count_denial, arr), VOW_OK);
	assert_int_equal(json_array_size(arr), 2);
	json_decref(arr);
	vault_close(&v);
}

/* the materialised state and the ledger agree; a row without one falls
 * back to the ledger itself */
static void test_state_fallback(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "fallback@example.nl", NULL, id);
	const char *e = "\"fallback@example.nl\"";
	assert_int_equal(vault_record_put(v, &SERVICE, id, "user.contact.email", e, strlen(e)),
	                 VOW_OK);
	assert_int_equal(consent_record(v, id, NEWS, CONSENT_GIVEN, "form", NULL, NULL), VOW_OK);
	assert_int_equal(consent_object(v, id, "train_ai_system", true), VOW_OK);
	assert_int_equal(get_as(v, "service", NULL, NEWS, id, "user.contact.email"), VOW_OK);
	char path[300];
	snprintf(path, sizeof(path), "%s/data.db", dir);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	sqlite3_busy_timeout(raw, 2000);
	assert_int_equal(sqlite3_exec(raw, "UPDATE subjects SET state=''", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(get_as(v, "service", NULL, NEWS, id, "user.contact.email"), VOW_OK);
	struct vault_access train = {"service", NULL, "train_ai_system", false, false,
	                             false,     false};
	struct decide_result why;
	DENIED_BECAUSE(
	    v, vault_check(v, &train, id, "user.content.audio", NULL, NULL, NULL, false, &why),
	    "objection");
	/* the next change materialises it again */
	assert_int_equal(consent_record(v, id, NEWS, CONSENT_WITHDRAWN, "form", NULL, NULL),
	                 VOW_OK);
	DENIED_BECAUSE(v, get_as(v, "service", NULL, NEWS, id, "user.contact.email"),
	               "consent_withdrawn");
	DENIED_BECAUSE(
	    v, vault_check(v, &train, id, "user.content.audio", NULL, NULL, NULL, false, &why),
	    "objection");
	vault_close(&v);
}

static void test_ip_truncation(void **state)
{
	(void)state;
	char out[48];
	assert_int_equal(ip_truncate("192.0.2.200", out), VOW_OK);
	assert_string_equal(out, "192.0.2.0");
	assert_int_equal(ip_truncate("2001:db8:1:2:3:4:5:6", out), VOW_OK);
	assert_string_equal(out, "2001:db8:1::");
	assert_int_equal(ip_truncate("256.1.1.1", out), VOW_ERR_INVALID);
	assert_int_equal(ip_truncate("", out), VOW_ERR_INVALID);
}

/* Loads the example policy with one edit applied (find must occur). */
static struct policy *example_edited(const char *find, const char *replace)
{
	char *text = slurp("examples/policies/amberscript.yaml", NULL);
	char *at = strstr(text, find);
	assert_non_null(at);
	size_t n = strlen(text) + strlen(replace) + 1;
	char *out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, replace, at + strlen(find));
	struct policy_diags d = {0};
	struct policy *p = NULL;
	assert_int_equal(policy_load_buffer(out, strlen(out), &p, &d), VOW_OK);
	policy_diags_free(&d);
	free(out);
	free(text);
	return p;
}

/* Counts the subject's "given" events that are, and are not, under current terms. */
struct terms_count {
	int current, stale;
};

static vow_err count_terms(void *ctx, const struct consent_event *e)
{
	struct terms_count *t = ctx;
	if (e->state == CONSENT_GIVEN) {
		t->current += e->terms_current;
		t->stale += !e->terms_current;
	}
	return VOW_OK;
}

/* a material change to a consent purpose stops old consents from counting
 * until the person consents again; a change of wording does not */
static void test_material_change_needs_fresh_consent(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = fresh(dir);
	subject(v, "renew@example.nl", NULL, id);
	const char *email = "\"renew@example.nl\"";
	assert_int_equal(
	    vault_record_put(v, &SERVICE, id, "user.contact.email", email, strlen(email)), VOW_OK);
	assert_int_equal(consent_record(v, id, NEWS, CONSENT_GIVEN, "form", NULL, NULL), VOW_OK);
	assert_int_equal(get_as(v, "service", NULL, NEWS, id, "user.contact.email"), VOW_OK);

	const char *old_cats = "categories: [user.contact.email]\n    subjects: [prospect]";
	struct policy *reworded =
	    example_edited("name: Newsletter you subscribed to", "name: Our monthly newsletter");
	struct policy *wider = example_edited(
	    old_cats, "categories: [user.contact.email, user.name]\n    subjects: [prospect]");
	/* the classification agrees with what enforcement does */
	struct policy_changes ch;
	assert_int_equal(policy_diff(policy, reworded, &ch), VOW_OK);
	assert_int_equal(ch.material, 0);
	policy_changes_free(&ch);
	assert_int_equal(policy_diff(policy, wider, &ch), VOW_OK);
	assert_true(ch.material > 0);
	policy_changes_free(&ch);

	/* wording only: the consent still counts */
	vault_set_policy(v, reworded);
	assert_int_equal(get_as(v, "service", NULL, NEWS, id, "user.contact.email"), VOW_OK);
	/* a new category for the purpose: it no longer does, for this purpose only */
	vault_set_policy(v, wider);
	DENIED_BECAUSE(v, get_as(v, "service", NULL, NEWS, id, "user.contact.email"), "no_consent");
	/* the person's history says so too */
	struct terms_count tc = {0, 0};
	assert_int_equal(consent_history(v, id, count_terms, &tc), VOW_OK);
	assert_int_equal(tc.current, 0);
	assert_int_equal(tc.stale, 1);
	assert_int_equal(get_as(v, "service", NULL, "essential.service", id, "user.contact.email"),
	                 VOW_OK);
	/* and not after a restart either */
	vault_close(&v);
	assert_int_equal(vault_open(dir, wider, &v), VOW_OK);
	DENIED_BECAUSE(v, get_as(v, "service", NULL, NEWS, id, "user.contact.email"), "no_consent");
	/* consenting again under the new terms counts */
	assert_int_equal(consent_record(v, id, NEWS, CONSENT_GIVEN, "form", NULL, NULL), VOW_OK);
	assert_int_equal(get_as(v, "service", NULL, NEWS, id, "user.contact.email"), VOW_OK);
	tc = (struct terms_count){0, 0};
	assert_int_equal(consent_history(v, id, count_terms, &tc), VOW_OK);
	assert_int_equal(tc.current, 1);
	assert_int_equal(tc.stale, 1);
	vault_close(&v);
	policy_free(&reworded);
	policy_free(&wider);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_give_and_withdraw),
	    cmocka_unit_test(test_ledger_is_append_only_with_evidence),
	    cmocka_unit_test(test_receipt_fields_and_signature),
	    cmocka_unit_test(test_gpc_cases),
	    cmocka_unit_test(test_gpc_opt_out_and_opt_in),
	    cmocka_unit_test(test_suppression),
	    cmocka_unit_test(test_states),
	    cmocka_unit_test(test_ip_truncation),
	    cmocka_unit_test(test_denials_recorded),
	    cmocka_unit_test(test_state_fallback),
	    cmocka_unit_test(test_material_change_needs_fresh_consent),
	};
	return cmocka_run_group_tests_name("consent", tests, setup, teardown);
}
