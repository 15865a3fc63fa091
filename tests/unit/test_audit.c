/* tests/unit/test_audit.c — the audit log: every kind of event lands in a
 * hash chain with signed checkpoints; altering any field of an entry,
 * deleting one, swapping two, cutting the tail or forging a checkpoint is
 * named at the right position; after erasure the chain still verifies and
 * nothing in it leads to the person. */
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "consent/consent.h"
#include "crypto/crypto.h"
#include "util/clock.h"
#include "test_support.h"

static const struct vault_access SVC = {"service", NULL, "essential.service", false, false,
                                        false,     false};

/* A vault with some history: returns the subject id in id. */
static struct vault *with_history(char dir[256], char id[VOW_ID_LEN + 1], int puts)
{
	new_data_dir(dir);
	struct vault *v = NULL;
	assert_int_equal(vault_open(dir, policy, &v), VOW_OK);
	struct vault_subject_new in = {.email = "audited@example.nl", .region = "NL"};
	assert_int_equal(vault_subject_create(v, &in, id), VOW_OK);
	for (int i = 0; i < puts; i++) {
		char json[64];
		int n = snprintf(json, sizeof(json), "{\"first\":\"Name%d\"}", i);
		assert_int_equal(vault_record_put(v, &SVC, id, "user.name", json, (size_t)n),
		                 VOW_OK);
	}
	struct vault_access train = {"service", NULL, "train_ai_system", false, false,
	                             false,     false};
	char *val;
	size_t len;
	assert_int_equal(vault_record_get(v, &train, id, "user.name", &val, &len), VOW_ERR_DENIED);
	assert_int_equal(
	    consent_record(v, id, "analytics.reporting", CONSENT_GIVEN, "banner", NULL, NULL),
	    VOW_OK);
	return v;
}

static sqlite3 *db_of(const char *dir)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/data.db", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	return db;
}

static void sql(sqlite3 *db, const char *q)
{
	char *msg = NULL;
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
}

static struct audit_report verify(struct vault *v, vow_err want)
{
	struct audit_report r;
	assert_int_equal(audit_verify(v, &r), want);
	return r;
}

static vow_err count_entry(void *ctx, int64_t seq, int64_t at, const char *actor,
                           const char *action, const char *category, const char *purpose,
                           const char *result, const char *reason)
{
	(void)seq;
	(void)at;
	(void)actor;
	(void)category;
	(void)purpose;
	(void)result;
	(void)reason;
	json_t *a = ctx;
	json_array_append_new(a, json_string(action));
	return VOW_OK;
}

static bool has(json_t *a, const char *what)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) if (strcmp(json_string_value(e), what) == 0) return true;
	return false;
}

static void test_events_and_intact_chain(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = with_history(dir, id, 3);
	struct audit_report r = verify(v, VOW_OK);
	assert_true(r.entries >= 9);
	assert_int_equal(r.first_bad, 0);
	/* for one subject: who accessed what, for which purpose */
	json_t *a = json_array();
	assert_int_equal(audit_subject(v, id, count_entry, a), VOW_OK);
	assert_true(has(a, "subject.create"));
	assert_true(has(a, "decide"));
	assert_true(has(a, "record.put"));
	assert_true(has(a, "record.rectify"));
	assert_true(has(a, "consent.given"));
	json_decref(a);
	vault_close(&v); /* signs a checkpoint */
	assert_int_equal(vault_open(dir, policy, &v), VOW_OK);
	r = verify(v, VOW_OK);
	assert_true(r.checkpoints >= 1);
	/* no personal value anywhere in the log */
	sqlite3 *db = db_of(dir);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT count(*) FROM audit WHERE "
	                                    "actor||action||subject||category||purpose||result||"
	                                    "reason LIKE '%audited%' OR subject LIKE ?",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	vault_close(&v);
}

static void test_each_field_altered(void **state)
{
	(void)state;
	static const char *const columns[] = {"at",       "actor",   "action", "subject",
	                                      "category", "purpose", "result", "reason"};
	for (size_t c = 0; c < sizeof(columns) / sizeof(columns[0]); c++) {
		char dir[256], id[VOW_ID_LEN + 1], q[256];
		struct vault *v = with_history(dir, id, 2);
		assert_int_equal(audit_flush(v, true), VOW_OK);
		sqlite3 *db = db_of(dir);
		if (strcmp(columns[c], "at") == 0)
			snprintf(q, sizeof(q), "UPDATE audit SET at=at+1 WHERE seq=3");
		else
			snprintf(q, sizeof(q), "UPDATE audit SET %s=%s||'x' WHERE seq=3",
			         columns[c], columns[c]);
		sql(db, q);
		sqlite3_close(db);
		struct audit_report r;
		vow_err got = audit_verify(v, &r);
		if (got != VOW_ERR_INTEGRITY)
			fail_msg("altering %s was not detected", columns[c]);
		if (r.first_bad != 3)
			fail_msg("altering %s: reported at %lld (%s), not 3", columns[c],
			         (long long)r.first_bad, r.problem);
		assert_non_null(strstr(r.problem, "altered"));
		vault_close(&v);
	}
}

static void test_delete_swap_cut_forge(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	/* deleted */
	struct vault *v = with_history(dir, id, 4);
	assert_int_equal(audit_flush(v, true), VOW_OK);
	sqlite3 *db = db_of(dir);
	sql(db, "DELETE FROM audit WHERE seq=4");
	sqlite3_close(db);
	struct audit_report r = verify(v, VOW_ERR_INTEGRITY);
	assert_int_equal(r.first_bad, 4);
	assert_non_null(strstr(r.problem, "missing"));
	vault_close(&v);
	/* two swapped (contents exchanged between positions 3 and 5) */
	v = with_history(dir, id, 4);
	assert_int_equal(audit_flush(v, true), VOW_OK);
	db = db_of(dir);
	sql(db, "UPDATE audit SET seq=-3 WHERE seq=3; UPDATE audit SET seq=3 WHERE seq=5; UPDATE "
	        "audit SET seq=5 WHERE seq=-3");
	sqlite3_close(db);
	r = verify(v, VOW_ERR_INTEGRITY);
	assert_int_equal(r.first_bad, 3);
	vault_close(&v);
	/* an entry inserted (a forged one, hash recomputed by nobody) */
	v = with_history(dir, id, 4);
	assert_int_equal(audit_flush(v, true), VOW_OK);
	db = db_of(dir);
	sql(db, "UPDATE audit SET seq=seq+100000 WHERE seq>=4; UPDATE audit SET seq=seq-99999 "
	        "WHERE seq>100000; "
	        "INSERT INTO audit SELECT "
	        "4,at,actor,'record.delete',subject,category,purpose,result,reason,prev,hash FROM "
	        "audit WHERE seq=3");
	sqlite3_close(db);
	r = verify(v, VOW_ERR_INTEGRITY);
	assert_int_equal(r.first_bad, 4);
	vault_close(&v);
	/* the tail cut after a signed checkpoint */
	v = with_history(dir, id, 4);
	assert_int_equal(audit_flush(v, true), VOW_OK);
	db = db_of(dir);
	sql(db, "DELETE FROM audit WHERE seq >= (SELECT max(seq) FROM audit) - 1");
	sqlite3_close(db);
	r = verify(v, VOW_ERR_INTEGRITY);
	assert_non_null(strstr(r.problem, "tail was cut"));
	vault_close(&v);
	/* a forged checkpoint */
	v = with_history(dir, id, 4);
	assert_int_equal(audit_flush(v, true), VOW_OK);
	db = db_of(dir);
	sql(db, "UPDATE audit_checkpoints SET signature = zeroblob(64)");
	sqlite3_close(db);
	r = verify(v, VOW_ERR_INTEGRITY);
	assert_non_null(strstr(r.problem, "signature"));
	vault_close(&v);
	/* a whole log rewritten consistently (hashes recomputed) still fails its checkpoint:
	 * here simulated by changing the head the checkpoint signed */
	v = with_history(dir, id, 4);
	assert_int_equal(audit_flush(v, true), VOW_OK);
	db = db_of(dir);
	sql(db, "UPDATE audit_checkpoints SET head = zeroblob(32)");
	sqlite3_close(db);
	r = verify(v, VOW_ERR_INTEGRITY);
	assert_true(r.first_bad > 0);
	vault_close(&v);
}

static void test_erasure_unlinks(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = with_history(dir, id, 3);
	json_t *before = json_array();
	assert_int_equal(audit_subject(v, id, count_entry, before), VOW_OK);
	assert_true(json_array_size(before) >= 5);
	json_decref(before);
	char *receipt = NULL;
	assert_int_equal(vault_subject_erase(v, id, &receipt), VOW_OK);
	free(receipt);
	/* the chain still verifies */
	struct audit_report r = verify(v, VOW_OK);
	assert_true(r.entries >= 6);
	/* and nothing resolves to the person any more */
	json_t *after = json_array();
	assert_int_equal(audit_subject(v, id, count_entry, after), VOW_OK);
	assert_int_equal(json_array_size(after), 0);
	json_decref(after);
	vault_close(&v);
}

/* pruning keeps what remains verifiable: a signed checkpoint anchors it */
static void test_prune(void **state)
{
	(void)state;
	size_t len;
	char *text = slurp("examples/policies/amberscript.yaml", &len);
	char *with = malloc(len + 64);
	snprintf(with, len + 64, "%s\naudit:\n  retention: 30 days\n", text);
	struct policy_diags d = {0};
	struct policy *p30 = NULL;
	assert_int_equal(policy_load_buffer(with, strlen(with), &p30, &d), VOW_OK);
	policy_diags_free(&d);
	free(text);
	free(with);
	assert_int_equal(p30->audit_retention.n, 30);
	char dir[256], id[VOW_ID_LEN + 1];
	clock_set_fixed(1700000000);
	struct vault *v = with_history(dir, id, 3);
	vault_set_policy(v, p30);
	assert_int_equal(audit_flush(v, true), VOW_OK); /* checkpoint at day 0 */
	clock_set_fixed(1700000000 + 40 * 86400);
	assert_int_equal(vault_record_put(v, &SVC, id, "user.name", "{\"late\":1}", 10), VOW_OK);
	assert_int_equal(audit_flush(v, true), VOW_OK);
	struct audit_report before = verify(v, VOW_OK);
	size_t pruned = 0;
	assert_int_equal(audit_prune(v, clock_now(), &pruned), VOW_OK);
	assert_true(pruned > 0);
	struct audit_report after = verify(v, VOW_OK);
	assert_true(after.entries < before.entries);
	/* nothing is pruned that is younger than the retention */
	assert_int_equal(audit_prune(v, clock_now(), &pruned), VOW_OK);
	assert_int_equal(pruned, 0);
	/* the anchor is what makes the rest verifiable */
	sqlite3 *db = db_of(dir);
	sql(db, "UPDATE audit_checkpoints SET head = zeroblob(32) WHERE seq = (SELECT min(seq) "
	        "FROM audit_checkpoints)");
	sqlite3_close(db);
	struct audit_report r = verify(v, VOW_ERR_INTEGRITY);
	assert_true(r.first_bad > 0);
	vault_set_policy(v, policy);
	vault_close(&v);
	clock_set_real();
	policy_free(&p30);
}

/* ---- the pseudonym is keyed; a rewrite is caught even with every hash
 * recomputed ---- */

static void hex32(const unsigned char h[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The audit log names the subject by a pseudonym that the subject id alone
 * does not give: no unkeyed hash of the id (vow's own digest with the
 * pseudonym's label, plain BLAKE2b, SHA-256) is it. */
static void test_pseudonym_keyed(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = with_history(dir, id, 2);
	assert_int_equal(audit_flush(v, false), VOW_OK);
	char unkeyed[4][65];
	unsigned char h[32];
	crypto_digest("vow audit pseudonym v1", id, strlen(id), h);
	hex32(h, unkeyed[0]);
	crypto_digest("", id, strlen(id), h);
	hex32(h, unkeyed[1]);
	crypto_generichash(h, 32, (const unsigned char *)id, strlen(id), NULL, 0);
	hex32(h, unkeyed[2]);
	crypto_hash_sha256(h, (const unsigned char *)id, strlen(id));
	hex32(h, unkeyed[3]);
	sqlite3 *db = db_of(dir);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT DISTINCT subject FROM audit WHERE subject <> ''",
	                                    -1, &q, NULL),
	                 SQLITE_OK);
	int n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(q, 0);
		assert_int_equal(strlen(p), 64);
		for (int i = 0; i < 4; i++)
			if (strcmp(p, unkeyed[i]) == 0)
				fail_msg("the pseudonym is an unkeyed hash of the subject id (%d)", i);
		n++;
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_int_equal(n, 1); /* one person, one pseudonym */
	vault_close(&v);
}

/* Appends six entries "test.1".."test.6" (one batch) at the fixed clock. */
static void six_entries(struct vault *v, const char *third)
{
	for (int i = 1; i <= 6; i++) {
		char action[24];
		snprintf(action, sizeof(action), "test.%d", i);
		struct audit_event ev = {"admin", NULL, i == 3 && third != NULL ? third : action,
		                         NULL,    NULL, NULL,
		                         "ok",    NULL};
		assert_int_equal(audit_record(v, &ev), VOW_OK);
	}
}

static int64_t max_seq(const char *dir)
{
	sqlite3 *db = db_of(dir);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT max(seq) FROM audit", -1, &q, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/* Someone who can write data.db but lacks the signing key rewrites entry
 * "test.3" and has the chain recomputed after it (vow itself appends the
 * forged entry and, identical to the originals, every later one, each
 * hashed from the one before): the chain is consistent again, but the
 * signed checkpoint over the old head no longer matches, and verification
 * fails there (the first point a rewrite can be seen once every hash is
 * recomputed). Rewriting it and recomputing only its own hash breaks the
 * link to the next entry, named at that entry. */
static void test_rewrite_recomputed(void **state)
{
	(void)state;
	for (int whole = 1; whole >= 0; whole--) {
		char dir[256];
		new_data_dir(dir);
		clock_set_fixed(1750000000);
		struct vault *v = NULL;
		assert_int_equal(vault_open(dir, policy, &v), VOW_OK);
		assert_int_equal(audit_flush(v, false), VOW_OK);
		int64_t base = max_seq(dir); /* what opening the vault logged */
		six_entries(v, NULL);
		assert_int_equal(audit_flush(v, true), VOW_OK); /* signs the head */
		int64_t head = max_seq(dir), third = base + 3;
		assert_int_equal(head, base + 6);
		struct audit_report r = verify(v, VOW_OK);
		assert_true(r.checkpoints >= 1);
		/* the rewrite: entries from the third on are replaced */
		sqlite3 *db = db_of(dir);
		char q[200];
		snprintf(q, sizeof(q),
		         "CREATE TABLE saved AS SELECT * FROM audit WHERE seq > %lld;"
		         "DELETE FROM audit WHERE seq >= %lld",
		         (long long)third, (long long)third);
		sql(db, q);
		sqlite3_close(db);
		struct audit_event forged = {"admin", NULL, "test.3-forged", NULL,
		                             NULL,    NULL, "ok",            NULL};
		assert_int_equal(audit_record(v, &forged), VOW_OK);
		if (whole) {
			for (int i = 4; i <= 6; i++) {
				char action[24];
				snprintf(action, sizeof(action), "test.%d", i);
				struct audit_event ev = {"admin", NULL, action, NULL,
				                         NULL,    NULL, "ok",   NULL};
				assert_int_equal(audit_record(v, &ev), VOW_OK);
			}
			assert_int_equal(audit_flush(v, false), VOW_OK);
		} else {
			assert_int_equal(audit_flush(v, false), VOW_OK);
			db = db_of(dir);
			sql(db, "INSERT INTO audit SELECT * FROM saved");
			sqlite3_close(db);
		}
		assert_int_equal(max_seq(dir), head);
		r = verify(v, VOW_ERR_INTEGRITY);
		if (whole) {
			assert_int_equal(r.first_bad, head);
			assert_non_null(strstr(r.problem, "rewritten"));
		} else {
			assert_int_equal(r.first_bad, third + 1);
			assert_non_null(strstr(r.problem, "does not link"));
		}
		vault_close(&v);
		clock_set_real();
	}
}

/* Entries removed from the start of the log, with no signed checkpoint
 * anchoring the rest, are named at the start. */
static void test_head_removed(void **state)
{
	(void)state;
	char dir[256], id[VOW_ID_LEN + 1];
	struct vault *v = with_history(dir, id, 2);
	assert_int_equal(audit_flush(v, false), VOW_OK);
	sqlite3 *db = db_of(dir);
	sql(db, "DELETE FROM audit WHERE seq <= 2");
	sqlite3_close(db);
	struct audit_report r = verify(v, VOW_ERR_INTEGRITY);
	assert_int_equal(r.first_bad, 1);
	assert_non_null(strstr(r.problem, "missing at the start"));
	vault_close(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_events_and_intact_chain),
	    cmocka_unit_test(test_each_field_altered),
	    cmocka_unit_test(test_delete_swap_cut_forge),
	    cmocka_unit_test(test_erasure_unlinks),
	    cmocka_unit_test(test_prune),
	    cmocka_unit_test(test_pseudonym_keyed),
	    cmocka_unit_test(test_rewrite_recomputed),
	    cmocka_unit_test(test_head_removed),
	};
	return cmocka_run_group_tests_name("audit", tests, setup, teardown);
}
