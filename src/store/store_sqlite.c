/* store/store_sqlite.c — the SQLite backend of the storage interface.
 * WAL journal, synchronous=FULL (a commit that returned survives kill -9 and
 * power loss), foreign keys and secure_delete on, versioned migrations, and
 * one cached prepared statement per query. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_sqlite_int.h"

enum q {
	Q_SUBJ_INS,
	Q_SUBJ_GET,
	Q_SUBJ_ANCHORS,
	Q_SUBJ_UPD,
	Q_SUBJ_LIST,
	Q_SUBJ_STATUS,
	Q_SUBJ_SET_STATE,
	Q_REC_HEAD,
	Q_IDX_PUT,
	Q_IDX_FIND,
	Q_IDX_DEL,
	Q_REC_TO_HIST,
	Q_REC_PUT,
	Q_REC_GET,
	Q_REC_UPD,
	Q_REC_LIST,
	Q_REC_HIST,
	Q_REC_DEL,
	Q_HIST_DEL,
	Q_FILE_INS,
	Q_FILE_GET,
	Q_FILE_UPD,
	Q_FILE_LIST,
	Q_FILE_DEL,
	Q_GRANT_INS,
	Q_GRANT_REV,
	Q_GRANT_LIST,
	Q_GRANT_DEL,
	Q_DISC_INS,
	Q_DISC_LIST,
	Q_KEY_PUT,
	Q_KEY_GET,
	Q_KEY_DEL,
	Q_KEY_LIST,
	Q_META_GET,
	Q_META_SET,
	Q_CONS_INS,
	Q_CONS_LIST,
	Q_FLAG_INS,
	Q_FLAG_LIFT,
	Q_FLAG_LIST,
	Q_DENY_INS,
	Q_DENY_LIST,
	Q_AUDIT_INS,
	Q_AUDIT_HEAD,
	Q_AUDIT_SCAN,
	Q_AUDIT_SUBJ,
	Q_CKPT_INS,
	Q_CKPT_LIST,
	Q_AUDIT_PRUNE,
	Q_CKPT_PRUNE,
	Q_IDX_DEL_KIND,
	Q_REC_MARK_DEL,
	Q_BEGIN,
	Q_BEGIN_READ,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_SAVEPOINT,
	Q_RELEASE,
	Q_ROLLBACK_TO,
	Q__COUNT
};

static const char *const sql[Q__COUNT] = {
    [Q_SUBJ_INS] = "INSERT INTO subjects(id,status,region,created_at,closed_at,erased_at,profile,"
                   "last_activity,contract_end) VALUES(?,?,?,?,?,?,?,?,?)",
    [Q_SUBJ_GET] =
        "SELECT id,status,region,created_at,closed_at,erased_at,profile,last_activity,contract_end "
        "FROM subjects WHERE id=?",
    [Q_SUBJ_ANCHORS] = "SELECT id,status,region,created_at,closed_at,erased_at,NULL,last_activity,"
                       "contract_end FROM subjects WHERE id=?",
    [Q_SUBJ_UPD] = "UPDATE subjects SET status=?2,region=?3,closed_at=?5,erased_at=?6,profile=?7,"
                   "last_activity=?8,contract_end=?9 WHERE id=?1",
    [Q_SUBJ_LIST] = "SELECT id,status,region,created_at,closed_at,erased_at,NULL,last_activity,"
                    "contract_end FROM subjects "
                    "WHERE id>? ORDER BY id LIMIT ?",
    [Q_SUBJ_STATUS] = "SELECT status,region,state FROM subjects WHERE id=?",
    [Q_SUBJ_SET_STATE] = "UPDATE subjects SET state=?2 WHERE id=?1",
    [Q_REC_HEAD] =
        "SELECT subject,category,id,version,updated_at,key_kind,held_until,NULL,deleted_at "
        "FROM records WHERE subject=? AND category=?",
    [Q_IDX_PUT] = "INSERT INTO blind_index(kind,hash,subject) VALUES(?,?,?)",
    [Q_IDX_FIND] = "SELECT subject FROM blind_index WHERE kind=? AND hash=?",
    [Q_IDX_DEL] = "DELETE FROM blind_index WHERE subject=?",
    [Q_IDX_DEL_KIND] = "DELETE FROM blind_index WHERE subject=? AND kind=?",
    [Q_REC_TO_HIST] = "INSERT INTO record_history(subject,category,id,version,updated_at,sealed) "
                      "SELECT subject,category,id,version,updated_at,sealed FROM records WHERE "
                      "subject=? AND category=?",
    [Q_REC_PUT] = "INSERT OR REPLACE INTO "
                  "records(subject,category,id,version,updated_at,key_kind,held_until,sealed) "
                  "VALUES(?,?,?,?,?,?,?,?)",
    [Q_REC_GET] = "SELECT subject,category,id,version,updated_at,key_kind,held_until,sealed,"
                  "deleted_at FROM records WHERE subject=? AND category=?",
    [Q_REC_UPD] =
        "UPDATE records SET id=?3,version=?4,updated_at=?5,key_kind=?6,held_until=?7,sealed=?8 "
        "WHERE subject=?1 AND category=?2",
    [Q_REC_LIST] = "SELECT subject,category,id,version,updated_at,key_kind,held_until,NULL,"
                   "deleted_at FROM records WHERE subject=? ORDER BY category",
    [Q_REC_HIST] = "SELECT subject,category,id,version,updated_at,0,NULL,sealed,0 FROM "
                   "record_history WHERE subject=? AND category=? ORDER BY version",
    [Q_REC_MARK_DEL] = "UPDATE records SET deleted_at=?3 WHERE subject=?1 AND category=?2 AND "
                       "deleted_at=0",
    [Q_REC_DEL] = "DELETE FROM records WHERE subject=? AND category=?",
    [Q_HIST_DEL] = "DELETE FROM record_history WHERE subject=? AND category=?",
    [Q_FILE_INS] =
        "INSERT INTO files(id,subject,category,created_at,held_until,key_kind,file_key,meta) "
        "VALUES(?,?,?,?,?,?,?,?)",
    [Q_FILE_GET] = "SELECT id,subject,category,created_at,held_until,key_kind,file_key,meta FROM "
                   "files WHERE id=?",
    [Q_FILE_UPD] = "UPDATE files SET held_until=?5,key_kind=?6,file_key=?7,meta=?8 WHERE id=?1",
    [Q_FILE_LIST] = "SELECT id,subject,category,created_at,held_until,key_kind,NULL,NULL FROM "
                    "files WHERE subject=? ORDER BY created_at,rowid",
    [Q_FILE_DEL] = "DELETE FROM files WHERE id=?",
    [Q_GRANT_INS] =
        "INSERT INTO grants(id,subject,actor,category,file,purpose,created_at,until,revoked_at) "
        "VALUES(?,?,?,?,?,?,?,?,0)",
    [Q_GRANT_REV] = "UPDATE grants SET revoked_at=? WHERE id=? AND revoked_at=0",
    [Q_GRANT_LIST] = "SELECT id,subject,actor,category,file,purpose,created_at,until,revoked_at "
                     "FROM grants WHERE subject=? ORDER BY created_at,rowid",
    [Q_GRANT_DEL] = "DELETE FROM grants WHERE subject=?",
    [Q_DISC_INS] =
        "INSERT INTO disclosures(id,subject,recipient,category,purpose,basis,transfer,country,at) "
        "VALUES(?,?,?,?,?,?,?,?,?)",
    [Q_DISC_LIST] = "SELECT id,subject,recipient,category,purpose,basis,transfer,country,at FROM "
                    "disclosures WHERE subject=? ORDER BY at,rowid",
    [Q_KEY_PUT] = "INSERT OR REPLACE INTO keys(owner,kind,wrapped) VALUES(?,?,?)",
    [Q_KEY_GET] = "SELECT owner,kind,wrapped FROM keys WHERE owner=? AND kind=?",
    [Q_KEY_DEL] = "DELETE FROM keys WHERE owner=? AND kind=?",
    [Q_KEY_LIST] = "SELECT owner,kind,wrapped FROM keys ORDER BY owner,kind",
    [Q_META_GET] = "SELECT value FROM meta WHERE name=?",
    [Q_META_SET] = "INSERT OR REPLACE INTO meta(name,value) VALUES(?,?)",
    [Q_CONS_INS] = "INSERT INTO "
                   "consents(id,subject,purpose,state,policy_version,text_hash,method,at,ip_prefix,"
                   "ua_hash,against_gpc,terms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [Q_CONS_LIST] =
        "SELECT id,subject,purpose,state,policy_version,text_hash,method,at,ip_prefix,ua_hash,"
        "against_gpc,terms FROM consents WHERE subject=? ORDER BY at,rowid",
    [Q_FLAG_INS] = "INSERT INTO subject_flags(id,subject,kind,target,set_at,lifted_at,reason) "
                   "VALUES(?,?,?,?,?,0,?)",
    [Q_FLAG_LIFT] = "UPDATE subject_flags SET lifted_at=? WHERE subject=? AND kind=? AND target=? "
                    "AND lifted_at=0",
    [Q_FLAG_LIST] =
        "SELECT id,subject,kind,target,set_at,lifted_at,reason FROM subject_flags WHERE subject=? "
        "ORDER BY set_at,rowid",
    [Q_DENY_INS] = "INSERT INTO denials(subject,role,actor,purpose,category,recipient,reason,at) "
                   "VALUES(?,?,?,?,?,?,?,?)",
    [Q_DENY_LIST] = "SELECT subject,role,actor,purpose,category,recipient,reason,at FROM denials "
                    "WHERE subject=? "
                    "ORDER BY at,rowid",
    [Q_AUDIT_INS] =
        "INSERT INTO audit(seq,at,actor,action,subject,category,purpose,result,reason,prev,hash) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?)",
    [Q_AUDIT_HEAD] = "SELECT seq,hash FROM audit ORDER BY seq DESC LIMIT 1",
    [Q_AUDIT_SCAN] =
        "SELECT seq,at,actor,action,subject,category,purpose,result,reason,prev,hash FROM audit "
        "WHERE seq>=? ORDER BY seq",
    [Q_AUDIT_SUBJ] =
        "SELECT seq,at,actor,action,subject,category,purpose,result,reason,prev,hash FROM audit "
        "WHERE subject=? ORDER BY seq",
    [Q_CKPT_INS] =
        "INSERT OR REPLACE INTO audit_checkpoints(seq,at,head,signature) VALUES(?,?,?,?)",
    [Q_CKPT_LIST] = "SELECT seq,at,head,signature FROM audit_checkpoints ORDER BY seq",
    [Q_AUDIT_PRUNE] = "DELETE FROM audit WHERE seq<=?",
    [Q_CKPT_PRUNE] = "DELETE FROM audit_checkpoints WHERE seq<?",
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_BEGIN_READ] = "BEGIN DEFERRED",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT nested",
    [Q_RELEASE] = "RELEASE nested",
    [Q_ROLLBACK_TO] = "ROLLBACK TO nested",
};

/* Migrations, applied in order inside one transaction each; the schema
 * version is PRAGMA user_version. Never edit a released step: add one. */
/* step 2: the consent ledger (append-only: updates are refused by the
 * schema itself) and subject flags (restriction, objection) */
#define DATA_MIGRATION_2                                                                           \
	"CREATE TABLE consents(id TEXT PRIMARY KEY, subject TEXT NOT NULL, purpose TEXT NOT NULL," \
	" state INTEGER NOT NULL, policy_version TEXT NOT NULL, text_hash TEXT NOT NULL, method "  \
	"TEXT NOT NULL,"                                                                           \
	" at INTEGER NOT NULL, ip_prefix TEXT NOT NULL, ua_hash TEXT NOT NULL, against_gpc "       \
	"INTEGER NOT NULL);"                                                                       \
	"CREATE INDEX consents_subject ON consents(subject);"                                      \
	"CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents"                            \
	" BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;"                    \
	"CREATE TABLE subject_flags(id TEXT PRIMARY KEY, subject TEXT NOT NULL, kind INTEGER NOT " \
	"NULL,"                                                                                    \
	" target TEXT NOT NULL, set_at INTEGER NOT NULL, lifted_at INTEGER NOT NULL, reason TEXT " \
	"NOT NULL);"                                                                               \
	"CREATE INDEX subject_flags_subject ON subject_flags(subject);"

/* step 3: denied accesses (no personal values: ids, keys and the rule) */
#define DATA_MIGRATION_3                                                                           \
	"CREATE TABLE denials(subject TEXT NOT NULL, role TEXT NOT NULL, actor TEXT NOT NULL,"     \
	" purpose TEXT NOT NULL, category TEXT NOT NULL, recipient TEXT NOT NULL, reason TEXT "    \
	"NOT NULL,"                                                                                \
	" at INTEGER NOT NULL);"                                                                   \
	"CREATE INDEX denials_subject ON denials(subject);"

/* step 4: API keys (a keyed hash of the secret, never the secret) */
#define DATA_MIGRATION_4                                                                           \
	"CREATE TABLE api_keys(id TEXT PRIMARY KEY, hash BLOB NOT NULL, role TEXT NOT NULL, "      \
	"staff TEXT NOT NULL,"                                                                     \
	" subject TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL);"

/* step 5: the subject's decision state, materialised (consents in force,
 * objections, restrictions) so that deciding an access is one lookup; the
 * ledger and the flags stay the record. '' = not materialised yet. */
#define DATA_MIGRATION_5 "ALTER TABLE subjects ADD COLUMN state TEXT NOT NULL DEFAULT '';"

/* step 6: the audit log, a hash chain, and signed checkpoints of its head */
#define DATA_MIGRATION_6                                                                           \
	"CREATE TABLE audit(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"    \
	" action TEXT NOT NULL, subject TEXT NOT NULL, category TEXT NOT NULL, purpose TEXT NOT "  \
	"NULL,"                                                                                    \
	" result TEXT NOT NULL, reason TEXT NOT NULL, prev BLOB NOT NULL, hash BLOB NOT NULL);"    \
	"CREATE INDEX audit_subject ON audit(subject) WHERE subject <> '';"                        \
	"CREATE TABLE audit_checkpoints(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, head BLOB "  \
	"NOT NULL,"                                                                                \
	" signature BLOB NOT NULL);"

/* step 7: the terms (basis, categories, recipients) a consent was given
 * under, so that a material policy change stops it from counting */
#define DATA_MIGRATION_7 "ALTER TABLE consents ADD COLUMN terms TEXT NOT NULL DEFAULT '';"

/* step 8: no index on the audit subject. Pseudonyms are random, so each
 * audited access dirtied a random index page: the index was most of the
 * audit's cost (vault get 23.6k/s with it, 48.7k/s without). A person's
 * history is now found by one scan of the log, which retention bounds. */
#define DATA_MIGRATION_8 "DROP INDEX IF EXISTS audit_subject;"

/* step 9: the outbox (e-mails and webhooks written in the transaction of
 * the change that causes them; one row per idempotency key) */
#define DATA_MIGRATION_9                                                                           \
	"CREATE TABLE outbox(id TEXT PRIMARY KEY, idem TEXT NOT NULL UNIQUE, kind INTEGER NOT "    \
	"NULL, subject TEXT NOT NULL, template TEXT NOT NULL, status INTEGER NOT NULL, attempts "  \
	"INTEGER NOT NULL, created_at INTEGER NOT NULL, next_at INTEGER NOT NULL, sent_at "        \
	"INTEGER "                                                                                 \
	"NOT NULL, last_error TEXT NOT NULL, payload BLOB);"                                       \
	"CREATE INDEX outbox_pending ON outbox(next_at) WHERE status=0;"                           \
	"CREATE INDEX outbox_subject ON outbox(subject);"

/* step 10: retention due dates, indexed so a sweep reads only what is due */
#define DATA_MIGRATION_10                                                                          \
	"CREATE TABLE due(subject TEXT NOT NULL, category TEXT NOT NULL, item TEXT NOT NULL,"      \
	" purpose TEXT NOT NULL, created_at INTEGER NOT NULL, due_at INTEGER NOT NULL, notice_at " \
	"INTEGER NOT NULL, noticed_at INTEGER NOT NULL, postponed_to INTEGER NOT NULL, held "      \
	"INTEGER NOT NULL, PRIMARY KEY(subject, category, item));"                                 \
	"CREATE INDEX due_at ON due(due_at, subject, category, item) WHERE due_at>0;"              \
	"CREATE INDEX due_notice ON due(notice_at, subject, category, item) WHERE notice_at>0 "    \
	"AND "                                                                                     \
	"noticed_at=0;"

/* step 11: the retention anchors of a subject */
#define DATA_MIGRATION_11                                                                          \
	"ALTER TABLE subjects ADD COLUMN last_activity INTEGER NOT NULL DEFAULT 0;"                \
	"ALTER TABLE subjects ADD COLUMN contract_end INTEGER NOT NULL DEFAULT 0;"

/* step 12: data-subject-rights requests and their transitions */
#define DATA_MIGRATION_12                                                                          \
	"CREATE TABLE requests(id TEXT PRIMARY KEY, subject TEXT NOT NULL, type TEXT NOT NULL,"    \
	" status TEXT NOT NULL, channel TEXT NOT NULL, received_at INTEGER NOT NULL, verified_at " \
	"INTEGER NOT NULL, updated_at INTEGER NOT NULL, closed_at INTEGER NOT NULL, due_at "       \
	"INTEGER NOT NULL, extended INTEGER NOT NULL, ground TEXT NOT NULL, note TEXT NOT NULL,"   \
	" code_hash BLOB, code_expires INTEGER NOT NULL, code_attempts INTEGER NOT NULL,"          \
	" export_id TEXT NOT NULL, export_token BLOB, export_expires INTEGER NOT NULL, detail "    \
	"BLOB);"                                                                                   \
	"CREATE INDEX requests_subject ON requests(subject);"                                      \
	"CREATE INDEX requests_open ON requests(due_at) WHERE closed_at=0;"                        \
	"CREATE UNIQUE INDEX requests_export ON requests(export_token) WHERE export_token IS NOT " \
	"NULL;"                                                                                    \
	"CREATE TABLE request_events(request TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT " \
	"NULL, note TEXT NOT NULL);"                                                               \
	"CREATE INDEX request_events_request ON request_events(request);"                          \
	"CREATE TRIGGER request_events_append_only BEFORE UPDATE ON request_events"                \
	" BEGIN SELECT RAISE(ABORT, 'request history is append-only'); END;"

/* step 13: Data Rights Protocol agents, pair-wise tokens and requests */
#define DATA_MIGRATION_13                                                                          \
	"CREATE TABLE agents(id TEXT PRIMARY KEY, name TEXT NOT NULL, verify_key BLOB NOT NULL,"   \
	" created_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL);"                              \
	"CREATE TABLE agent_tokens(hash BLOB PRIMARY KEY, agent TEXT NOT NULL, created_at "        \
	"INTEGER "                                                                                 \
	"NOT NULL);"                                                                               \
	"CREATE TABLE drp_requests(id TEXT PRIMARY KEY, agent TEXT NOT NULL, agent_request_id "    \
	"TEXT NOT NULL, requests TEXT NOT NULL, exercise TEXT NOT NULL, regime TEXT NOT NULL,"     \
	" status TEXT NOT NULL, reason TEXT NOT NULL, callback TEXT NOT NULL, details TEXT NOT "   \
	"NULL, received_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, updated_at INTEGER NOT " \
	"NULL);"

/* step 14: wrong verification codes per subject (the lockout's window) */
#define DATA_MIGRATION_14                                                                          \
	"CREATE TABLE code_failures(subject TEXT NOT NULL, at INTEGER NOT NULL);"                  \
	"CREATE INDEX code_failures_subject ON code_failures(subject, at);"                        \
	"CREATE INDEX code_failures_at ON code_failures(at);"

/* step 15: who kept a due item longer, and when (once per notice) */
#define DATA_MIGRATION_15                                                                          \
	"ALTER TABLE due ADD COLUMN postponed_at INTEGER NOT NULL DEFAULT 0;"                      \
	"ALTER TABLE due ADD COLUMN postponed_by TEXT NOT NULL DEFAULT '';"

/* step 16: API keys that expire, found by subject (erasure revokes a
 * subject's keys); keys of subjects erased before this step are revoked now */
#define DATA_MIGRATION_16                                                                          \
	"ALTER TABLE api_keys ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;"                   \
	"CREATE INDEX api_keys_subject ON api_keys(subject) WHERE subject<>'';"                    \
	"UPDATE api_keys SET revoked_at=CAST(strftime('%s','now') AS INTEGER) WHERE revoked_at=0 " \
	"AND subject IN (SELECT id FROM subjects WHERE status=2);"

/* step 17: outbox leases (a sender claims a message before sending it, so
 * concurrent senders never send one twice) and the per-person count of
 * recent e-mails */
#define DATA_MIGRATION_17                                                                          \
	"ALTER TABLE outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;"                    \
	"ALTER TABLE outbox ADD COLUMN lease_token TEXT NOT NULL DEFAULT '';"                      \
	"CREATE INDEX outbox_sent ON outbox(subject, sent_at) WHERE status=1 AND kind=1;"          \
	"CREATE INDEX outbox_leased ON outbox(subject) WHERE lease_until>0;"

/* step 18: a record deleted by a key stays, hidden, with its history, until
 * retention or erasure removes them (the history is not a key's to delete) */
#define DATA_MIGRATION_18 "ALTER TABLE records ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;"

static const char *const data_migrations[] = {
    "CREATE TABLE subjects(id TEXT PRIMARY KEY, status INTEGER NOT NULL, region TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, closed_at INTEGER NOT NULL, erased_at INTEGER NOT NULL, profile "
    "BLOB);"
    "CREATE TABLE blind_index(kind INTEGER NOT NULL, hash BLOB NOT NULL, subject TEXT NOT NULL,"
    " PRIMARY KEY(kind, hash));"
    "CREATE INDEX blind_index_subject ON blind_index(subject);"
    "CREATE TABLE records(subject TEXT NOT NULL, category TEXT NOT NULL, id TEXT NOT NULL,"
    " version INTEGER NOT NULL, updated_at INTEGER NOT NULL, key_kind INTEGER NOT NULL,"
    " held_until INTEGER NOT NULL, sealed BLOB NOT NULL, PRIMARY KEY(subject, category));"
    "CREATE TABLE record_history(subject TEXT NOT NULL, category TEXT NOT NULL, id TEXT NOT NULL,"
    " version INTEGER NOT NULL, updated_at INTEGER NOT NULL, sealed BLOB NOT NULL,"
    " PRIMARY KEY(subject, category, version));"
    "CREATE TABLE files(id TEXT PRIMARY KEY, subject TEXT NOT NULL, category TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, held_until INTEGER NOT NULL, key_kind INTEGER NOT NULL,"
    " file_key BLOB NOT NULL, meta BLOB NOT NULL);"
    "CREATE INDEX files_subject ON files(subject);"
    "CREATE TABLE grants(id TEXT PRIMARY KEY, subject TEXT NOT NULL, actor TEXT NOT NULL,"
    " category TEXT NOT NULL, file TEXT NOT NULL, purpose TEXT NOT NULL, created_at INTEGER NOT "
    "NULL,"
    " until INTEGER NOT NULL, revoked_at INTEGER NOT NULL);"
    "CREATE INDEX grants_subject ON grants(subject);"
    "CREATE INDEX grants_actor ON grants(actor, subject);"
    "CREATE TABLE disclosures(id TEXT PRIMARY KEY, subject TEXT NOT NULL, recipient TEXT NOT NULL,"
    " category TEXT NOT NULL, purpose TEXT NOT NULL, basis TEXT NOT NULL, transfer TEXT NOT NULL,"
    " country TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX disclosures_subject ON disclosures(subject);",
    DATA_MIGRATION_2,
    DATA_MIGRATION_3,
    DATA_MIGRATION_4,
    DATA_MIGRATION_5,
    DATA_MIGRATION_6,
    DATA_MIGRATION_7,
    DATA_MIGRATION_8,
    DATA_MIGRATION_9,
    DATA_MIGRATION_10,
    DATA_MIGRATION_11,
    DATA_MIGRATION_12,
    DATA_MIGRATION_13,
    DATA_MIGRATION_14,
    DATA_MIGRATION_15,
    DATA_MIGRATION_16,
    DATA_MIGRATION_17,
    DATA_MIGRATION_18,
};

static const char *const keys_migrations[] = {
    "CREATE TABLE keys(owner TEXT NOT NULL, kind INTEGER NOT NULL, wrapped BLOB NOT NULL,"
    " PRIMARY KEY(owner, kind));"
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);",
};

_Static_assert(Q__COUNT <= SQ_WORK_BASE, "statement slots overlap");

vow_err sq_map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return VOW_OK;
	case SQLITE_CONSTRAINT:
		return VOW_ERR_EXISTS;
	case SQLITE_NOMEM:
		return VOW_ERR_NOMEM;
	case SQLITE_TOOBIG:
		return VOW_ERR_TOO_LARGE;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return VOW_ERR_INTEGRITY;
	default:
		return VOW_ERR_IO;
	}
}

static vow_err exec(struct store *s, const char *q)
{
	return sq_map_rc(sqlite3_exec(s->db, q, NULL, NULL, NULL));
}

/* The cached statement for q, reset and with bindings cleared. */
sqlite3_stmt *sq_stmt(struct store *s, int slot, const char *text)
{
	if (s->st[slot] == NULL) {
		if (sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT, &s->st[slot],
		                       NULL) != SQLITE_OK)
			return NULL;
	} else {
		sqlite3_reset(s->st[slot]);
		sqlite3_clear_bindings(s->st[slot]);
	}
	return s->st[slot];
}

static sqlite3_stmt *stmt(struct store *s, enum q q)
{
	return sq_stmt(s, (int)q, sql[q]);
}

void sq_bind_text(sqlite3_stmt *q, int i, const char *v)
{
	sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}
void sq_bind_blob(sqlite3_stmt *q, int i, const struct store_blob *b)
{
	if (b->p == NULL)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_blob(q, i, b->p, (int)b->len, SQLITE_STATIC);
}

/* Runs a statement that returns no rows. */
vow_err sq_run(struct store *s, sqlite3_stmt *q)
{
	if (q == NULL)
		return sq_map_rc(sqlite3_errcode(s->db));
	int rc = sqlite3_step(q);
	vow_err err = rc == SQLITE_DONE ? VOW_OK : sq_map_rc(rc);
	sqlite3_reset(q);
	return err;
}

void sq_col_text(sqlite3_stmt *q, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	size_t n = t != NULL ? (size_t)sqlite3_column_bytes(q, i) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(out, t, n);
	out[n] = '\0';
}

vow_err sq_col_blob(sqlite3_stmt *q, int i, struct store_blob *b)
{
	b->p = NULL;
	b->len = 0;
	if (sqlite3_column_type(q, i) == SQLITE_NULL)
		return VOW_OK;
	const void *p = sqlite3_column_blob(q, i);
	size_t n = (size_t)sqlite3_column_bytes(q, i);
	b->p = malloc(n ? n : 1);
	if (b->p == NULL)
		return VOW_ERR_NOMEM;
	if (n > 0)
		memcpy(b->p, p, n);
	b->len = n;
	return VOW_OK;
}

void store_blob_free(struct store_blob *b)
{
	if (b == NULL || b->p == NULL)
		return;
	memset(b->p, 0, b->len); /* sealed bytes, but no reason to leave them */
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

static vow_err migrate(struct store *s)
{
	const char *const *steps = s->role == STORE_DATA ? data_migrations : keys_migrations;
	int n = s->role == STORE_DATA ? (int)(sizeof(data_migrations) / sizeof(*steps))
	                              : (int)(sizeof(keys_migrations) / sizeof(*steps));
	for (;;) {
		vow_err err = exec(s, "BEGIN IMMEDIATE");
		if (err != VOW_OK)
			return err;
		sqlite3_stmt *q = NULL;
		int v = -1;
		if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		if (v < 0 || v > n) {
			(void)exec(s, "ROLLBACK");
			return v > n ? VOW_ERR_INVALID : VOW_ERR_IO; /* newer than this vow */
		}
		if (v == n)
			return exec(s, "COMMIT");
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v + 1);
		err = exec(s, steps[v]);
		if (err == VOW_OK)
			err = exec(s, pragma);
		if (err == VOW_OK)
			err = exec(s, "COMMIT");
		if (err != VOW_OK) {
			(void)exec(s, "ROLLBACK");
			return err;
		}
	}
}

static void sq_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < SQ_SLOTS; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

static vow_err sq_open(const char *location, enum store_role role, struct store **out)
{
	struct store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return VOW_ERR_NOMEM;
	s->role = role;
	int rc =
	    sqlite3_open_v2(location, &s->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	vow_err err = sq_map_rc(rc);
	if (err == VOW_OK)
		sqlite3_busy_timeout(s->db, 5000);
	if (err == VOW_OK)
		err = exec(
		    s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
		       " PRAGMA secure_delete=ON; PRAGMA cache_size=-16384;");
	if (err == VOW_OK)
		err = migrate(s);
	if (err != VOW_OK) {
		sq_close(s);
		return err;
	}
	*out = s;
	return VOW_OK;
}

static vow_err sq_checkpoint(struct store *s)
{
	return sq_map_rc(
	    sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL));
}

/* Transactions nest: the outermost is BEGIN IMMEDIATE ... COMMIT, inner ones
 * are savepoints, so a caller can batch many vault operations in one commit
 * while each operation still rolls back alone on failure. */
static vow_err sq_begin(struct store *s)
{
	vow_err err = sq_run(s, stmt(s, s->depth == 0 ? Q_BEGIN : Q_SAVEPOINT));
	if (err == VOW_OK)
		s->depth++;
	return err;
}

static vow_err sq_begin_read(struct store *s)
{
	vow_err err = sq_run(s, stmt(s, s->depth == 0 ? Q_BEGIN_READ : Q_SAVEPOINT));
	if (err == VOW_OK)
		s->depth++;
	return err;
}

static vow_err sq_commit(struct store *s)
{
	if (s->depth == 0)
		return VOW_ERR_INTERNAL;
	vow_err err = sq_run(s, stmt(s, s->depth == 1 ? Q_COMMIT : Q_RELEASE));
	if (err == VOW_OK)
		s->depth--;
	return err;
}

static void sq_rollback(struct store *s)
{
	if (s->depth == 0)
		return;
	if (s->depth == 1) {
		(void)sq_run(s, stmt(s, Q_ROLLBACK));
	} else {
		(void)sq_run(s, stmt(s, Q_ROLLBACK_TO));
		(void)sq_run(s, stmt(s, Q_RELEASE));
	}
	s->depth--;
}

static int sq_schema_version(struct store *s)
{
	sqlite3_stmt *q = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* ---- subjects ---- */

static void bind_subject(sqlite3_stmt *q, const struct store_subject *r)
{
	sq_bind_text(q, 1, r->id);
	sqlite3_bind_int(q, 2, r->status);
	sq_bind_text(q, 3, r->region);
	sqlite3_bind_int64(q, 4, r->created_at);
	sqlite3_bind_int64(q, 5, r->closed_at);
	sqlite3_bind_int64(q, 6, r->erased_at);
	sq_bind_blob(q, 7, &r->profile);
	sqlite3_bind_int64(q, 8, r->last_activity);
	sqlite3_bind_int64(q, 9, r->contract_end);
}

static vow_err read_subject(sqlite3_stmt *q, struct store_subject *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	r->status = sqlite3_column_int(q, 1);
	sq_col_text(q, 2, r->region, sizeof(r->region));
	r->created_at = sqlite3_column_int64(q, 3);
	r->closed_at = sqlite3_column_int64(q, 4);
	r->erased_at = sqlite3_column_int64(q, 5);
	r->last_activity = sqlite3_column_int64(q, 7);
	r->contract_end = sqlite3_column_int64(q, 8);
	return sq_col_blob(q, 6, &r->profile);
}

static vow_err sq_subject_insert(struct store *s, const struct store_subject *r)
{
	sqlite3_stmt *q = stmt(s, Q_SUBJ_INS);
	if (q != NULL)
		bind_subject(q, r);
	return sq_run(s, q);
}

static vow_err sq_subject_update(struct store *s, const struct store_subject *r)
{
	sqlite3_stmt *q = stmt(s, Q_SUBJ_UPD);
	if (q != NULL)
		bind_subject(q, r);
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

/* Steps a one-row query: VOW_OK with the row, VOW_ERR_NOT_FOUND without. */
vow_err sq_one(struct store *s, sqlite3_stmt *q)
{
	if (q == NULL)
		return sq_map_rc(sqlite3_errcode(s->db));
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		return VOW_OK;
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? VOW_ERR_NOT_FOUND : sq_map_rc(rc);
}

static vow_err subject_one(struct store *s, enum q which, const char *id, struct store_subject *out)
{
	sqlite3_stmt *q = stmt(s, which);
	if (q != NULL)
		sq_bind_text(q, 1, id);
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		err = read_subject(q, out);
		sqlite3_reset(q);
	}
	return err;
}

static vow_err sq_subject_get(struct store *s, const char *id, struct store_subject *out)
{
	return subject_one(s, Q_SUBJ_GET, id, out);
}

static vow_err sq_subject_anchors(struct store *s, const char *id, struct store_subject *out)
{
	return subject_one(s, Q_SUBJ_ANCHORS, id, out);
}

typedef struct store_subject subject_t;
typedef struct store_record record_t;
typedef struct store_file file_t;
typedef struct store_grant grant_t;
typedef struct store_disclosure disclosure_t;
typedef struct store_key key_t_;
static void row_free_subject_t(subject_t *r)
{
	store_blob_free(&r->profile);
}
static void row_free_record_t(record_t *r)
{
	store_blob_free(&r->sealed);
}
static void row_free_file_t(file_t *r)
{
	store_blob_free(&r->file_key);
	store_blob_free(&r->meta);
}
static void row_free_grant_t(grant_t *r)
{
	(void)r;
}
static void row_free_disclosure_t(disclosure_t *r)
{
	(void)r;
}
static void row_free_key_t_(key_t_ *r)
{
	store_blob_free(&r->wrapped);
}

static vow_err sq_subject_list(struct store *s, const char *after, size_t limit, store_each_fn cb,
                               void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_SUBJ_LIST);
	if (q != NULL) {
		sq_bind_text(q, 1, after != NULL ? after : "");
		sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
	}
	WALK(s, q, subject_t, read_subject, cb, ctx);
}

/* ---- blind index ---- */

static vow_err sq_index_put(struct store *s, int kind, const unsigned char hash[32],
                            const char *subject)
{
	sqlite3_stmt *q = stmt(s, Q_IDX_PUT);
	if (q != NULL) {
		sqlite3_bind_int(q, 1, kind);
		sqlite3_bind_blob(q, 2, hash, 32, SQLITE_STATIC);
		sq_bind_text(q, 3, subject);
	}
	return sq_run(s, q);
}

static vow_err sq_index_find(struct store *s, int kind, const unsigned char hash[32],
                             char subject[VOW_ID_LEN + 1])
{
	sqlite3_stmt *q = stmt(s, Q_IDX_FIND);
	if (q != NULL) {
		sqlite3_bind_int(q, 1, kind);
		sqlite3_bind_blob(q, 2, hash, 32, SQLITE_STATIC);
	}
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		sq_col_text(q, 0, subject, VOW_ID_LEN + 1);
		sqlite3_reset(q);
	}
	return err;
}

static vow_err delete_by_subject(struct store *s, enum q which, const char *subject, size_t *count)
{
	sqlite3_stmt *q = stmt(s, which);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && count != NULL)
		*count = (size_t)sqlite3_changes(s->db);
	return err;
}

static vow_err sq_index_delete_subject(struct store *s, const char *subject, size_t *count)
{
	return delete_by_subject(s, Q_IDX_DEL, subject, count);
}

static vow_err sq_index_delete_kind(struct store *s, const char *subject, int kind)
{
	sqlite3_stmt *q = stmt(s, Q_IDX_DEL_KIND);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sqlite3_bind_int(q, 2, kind);
	}
	return sq_run(s, q);
}

/* ---- records ---- */

static void bind_record(sqlite3_stmt *q, const struct store_record *r)
{
	sq_bind_text(q, 1, r->subject);
	sq_bind_text(q, 2, r->category);
	sq_bind_text(q, 3, r->id);
	sqlite3_bind_int64(q, 4, r->version);
	sqlite3_bind_int64(q, 5, r->updated_at);
	sqlite3_bind_int(q, 6, r->key_kind);
	sqlite3_bind_int64(q, 7, r->held_until);
	sq_bind_blob(q, 8, &r->sealed);
}

static vow_err read_record(sqlite3_stmt *q, struct store_record *r)
{
	sq_col_text(q, 0, r->subject, sizeof(r->subject));
	sq_col_text(q, 1, r->category, sizeof(r->category));
	sq_col_text(q, 2, r->id, sizeof(r->id));
	r->version = sqlite3_column_int64(q, 3);
	r->updated_at = sqlite3_column_int64(q, 4);
	r->key_kind = sqlite3_column_int(q, 5);
	r->held_until = sqlite3_column_int64(q, 6);
	r->deleted_at = sqlite3_column_int64(q, 8);
	return sq_col_blob(q, 7, &r->sealed);
}

static vow_err sq_record_mark_deleted(struct store *s, const char *subject, const char *category,
                                      int64_t at)
{
	sqlite3_stmt *q = stmt(s, Q_REC_MARK_DEL);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sq_bind_text(q, 2, category);
		sqlite3_bind_int64(q, 3, at);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

static vow_err sq_record_put(struct store *s, const struct store_record *r, int keep_previous)
{
	if (keep_previous) {
		sqlite3_stmt *h = stmt(s, Q_REC_TO_HIST);
		if (h != NULL) {
			sq_bind_text(h, 1, r->subject);
			sq_bind_text(h, 2, r->category);
		}
		vow_err err = sq_run(s, h);
		if (err != VOW_OK)
			return err;
	}
	sqlite3_stmt *q = stmt(s, Q_REC_PUT);
	if (q != NULL)
		bind_record(q, r);
	return sq_run(s, q);
}

static vow_err sq_record_head(struct store *s, const char *subject, const char *category,
                              struct store_record *out)
{
	sqlite3_stmt *q = stmt(s, Q_REC_HEAD);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sq_bind_text(q, 2, category);
	}
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		err = read_record(q, out);
		sqlite3_reset(q);
	}
	return err;
}

static vow_err sq_subject_state(struct store *s, const char *id, int *status, char region[3],
                                char **state)
{
	sqlite3_stmt *q = stmt(s, Q_SUBJ_STATUS);
	if (q != NULL)
		sq_bind_text(q, 1, id);
	vow_err err = sq_one(s, q);
	if (err != VOW_OK)
		return err;
	*status = sqlite3_column_int(q, 0);
	sq_col_text(q, 1, region, 3);
	if (state != NULL) {
		const unsigned char *t = sqlite3_column_text(q, 2);
		size_t n = t != NULL ? (size_t)sqlite3_column_bytes(q, 2) : 0;
		*state = malloc(n + 1);
		if (*state == NULL)
			err = VOW_ERR_NOMEM;
		else {
			if (n > 0)
				memcpy(*state, t, n);
			(*state)[n] = '\0';
		}
	}
	sqlite3_reset(q);
	return err;
}

static vow_err sq_subject_set_state(struct store *s, const char *id, const char *state)
{
	sqlite3_stmt *q = stmt(s, Q_SUBJ_SET_STATE);
	if (q != NULL) {
		sq_bind_text(q, 1, id);
		sq_bind_text(q, 2, state);
	}
	return sq_run(s, q);
}

static vow_err sq_record_get(struct store *s, const char *subject, const char *category,
                             struct store_record *out)
{
	sqlite3_stmt *q = stmt(s, Q_REC_GET);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sq_bind_text(q, 2, category);
	}
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		err = read_record(q, out);
		sqlite3_reset(q);
	}
	return err;
}

static vow_err sq_record_update(struct store *s, const struct store_record *r)
{
	sqlite3_stmt *q = stmt(s, Q_REC_UPD);
	if (q != NULL)
		bind_record(q, r);
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

static vow_err sq_record_list(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_REC_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, record_t, read_record, cb, ctx);
}

static vow_err sq_record_history(struct store *s, const char *subject, const char *category,
                                 store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_REC_HIST);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sq_bind_text(q, 2, category);
	}
	WALK(s, q, record_t, read_record, cb, ctx);
}

static vow_err sq_record_delete(struct store *s, const char *subject, const char *category,
                                size_t *versions)
{
	size_t n = 0, h = 0;
	sqlite3_stmt *q = stmt(s, Q_REC_DEL);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sq_bind_text(q, 2, category);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK) {
		n = (size_t)sqlite3_changes(s->db);
		q = stmt(s, Q_HIST_DEL);
		if (q != NULL) {
			sq_bind_text(q, 1, subject);
			sq_bind_text(q, 2, category);
		}
		err = sq_run(s, q);
		h = (size_t)sqlite3_changes(s->db);
	}
	if (err == VOW_OK && versions != NULL)
		*versions = n + h;
	if (err == VOW_OK && n == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

static vow_err sq_history_delete(struct store *s, const char *subject, const char *category,
                                 size_t *versions)
{
	sqlite3_stmt *q = stmt(s, Q_HIST_DEL);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sq_bind_text(q, 2, category);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && versions != NULL)
		*versions = (size_t)sqlite3_changes(s->db);
	return err;
}

/* ---- files ---- */

static void bind_file(sqlite3_stmt *q, const struct store_file *r)
{
	sq_bind_text(q, 1, r->id);
	sq_bind_text(q, 2, r->subject);
	sq_bind_text(q, 3, r->category);
	sqlite3_bind_int64(q, 4, r->created_at);
	sqlite3_bind_int64(q, 5, r->held_until);
	sqlite3_bind_int(q, 6, r->key_kind);
	sq_bind_blob(q, 7, &r->file_key);
	sq_bind_blob(q, 8, &r->meta);
}

static vow_err read_file(sqlite3_stmt *q, struct store_file *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	sq_col_text(q, 1, r->subject, sizeof(r->subject));
	sq_col_text(q, 2, r->category, sizeof(r->category));
	r->created_at = sqlite3_column_int64(q, 3);
	r->held_until = sqlite3_column_int64(q, 4);
	r->key_kind = sqlite3_column_int(q, 5);
	vow_err err = sq_col_blob(q, 6, &r->file_key);
	if (err == VOW_OK)
		err = sq_col_blob(q, 7, &r->meta);
	return err;
}

static vow_err sq_file_insert(struct store *s, const struct store_file *r)
{
	sqlite3_stmt *q = stmt(s, Q_FILE_INS);
	if (q != NULL)
		bind_file(q, r);
	return sq_run(s, q);
}

static vow_err sq_file_get(struct store *s, const char *id, struct store_file *out)
{
	sqlite3_stmt *q = stmt(s, Q_FILE_GET);
	if (q != NULL)
		sq_bind_text(q, 1, id);
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		err = read_file(q, out);
		sqlite3_reset(q);
	}
	return err;
}

static vow_err sq_file_update(struct store *s, const struct store_file *r)
{
	sqlite3_stmt *q = stmt(s, Q_FILE_UPD);
	if (q != NULL)
		bind_file(q, r);
	return sq_run(s, q);
}

static vow_err sq_file_list(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_FILE_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, file_t, read_file, cb, ctx);
}

static vow_err sq_file_delete(struct store *s, const char *id)
{
	return delete_by_subject(s, Q_FILE_DEL, id, NULL);
}

/* ---- grants ---- */

static vow_err read_grant(sqlite3_stmt *q, struct store_grant *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	sq_col_text(q, 1, r->subject, sizeof(r->subject));
	sq_col_text(q, 2, r->actor, sizeof(r->actor));
	sq_col_text(q, 3, r->category, sizeof(r->category));
	sq_col_text(q, 4, r->file, sizeof(r->file));
	sq_col_text(q, 5, r->purpose, sizeof(r->purpose));
	r->created_at = sqlite3_column_int64(q, 6);
	r->until = sqlite3_column_int64(q, 7);
	r->revoked_at = sqlite3_column_int64(q, 8);
	return VOW_OK;
}

static vow_err sq_grant_insert(struct store *s, const struct store_grant *r)
{
	sqlite3_stmt *q = stmt(s, Q_GRANT_INS);
	if (q != NULL) {
		sq_bind_text(q, 1, r->id);
		sq_bind_text(q, 2, r->subject);
		sq_bind_text(q, 3, r->actor);
		sq_bind_text(q, 4, r->category);
		sq_bind_text(q, 5, r->file);
		sq_bind_text(q, 6, r->purpose);
		sqlite3_bind_int64(q, 7, r->created_at);
		sqlite3_bind_int64(q, 8, r->until);
	}
	return sq_run(s, q);
}

static vow_err sq_grant_revoke(struct store *s, const char *id, int64_t at)
{
	sqlite3_stmt *q = stmt(s, Q_GRANT_REV);
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, at);
		sq_bind_text(q, 2, id);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

static vow_err sq_grant_list(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_GRANT_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, grant_t, read_grant, cb, ctx);
}

static vow_err sq_grant_delete_subject(struct store *s, const char *subject, size_t *count)
{
	return delete_by_subject(s, Q_GRANT_DEL, subject, count);
}

/* ---- disclosures ---- */

static vow_err read_disclosure(sqlite3_stmt *q, struct store_disclosure *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	sq_col_text(q, 1, r->subject, sizeof(r->subject));
	sq_col_text(q, 2, r->recipient, sizeof(r->recipient));
	sq_col_text(q, 3, r->category, sizeof(r->category));
	sq_col_text(q, 4, r->purpose, sizeof(r->purpose));
	sq_col_text(q, 5, r->basis, sizeof(r->basis));
	sq_col_text(q, 6, r->transfer, sizeof(r->transfer));
	sq_col_text(q, 7, r->country, sizeof(r->country));
	r->at = sqlite3_column_int64(q, 8);
	return VOW_OK;
}

static vow_err sq_disclosure_insert(struct store *s, const struct store_disclosure *r)
{
	sqlite3_stmt *q = stmt(s, Q_DISC_INS);
	if (q != NULL) {
		sq_bind_text(q, 1, r->id);
		sq_bind_text(q, 2, r->subject);
		sq_bind_text(q, 3, r->recipient);
		sq_bind_text(q, 4, r->category);
		sq_bind_text(q, 5, r->purpose);
		sq_bind_text(q, 6, r->basis);
		sq_bind_text(q, 7, r->transfer);
		sq_bind_text(q, 8, r->country);
		sqlite3_bind_int64(q, 9, r->at);
	}
	return sq_run(s, q);
}

static vow_err sq_disclosure_list(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_DISC_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, disclosure_t, read_disclosure, cb, ctx);
}

/* ---- consent ledger and flags ---- */

static vow_err read_consent(sqlite3_stmt *q, struct store_consent *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	sq_col_text(q, 1, r->subject, sizeof(r->subject));
	sq_col_text(q, 2, r->purpose, sizeof(r->purpose));
	r->state = sqlite3_column_int(q, 3);
	sq_col_text(q, 4, r->policy_version, sizeof(r->policy_version));
	sq_col_text(q, 5, r->text_hash, sizeof(r->text_hash));
	sq_col_text(q, 6, r->method, sizeof(r->method));
	r->at = sqlite3_column_int64(q, 7);
	sq_col_text(q, 8, r->ip_prefix, sizeof(r->ip_prefix));
	sq_col_text(q, 9, r->ua_hash, sizeof(r->ua_hash));
	r->against_gpc = sqlite3_column_int(q, 10);
	sq_col_text(q, 11, r->terms, sizeof(r->terms));
	return VOW_OK;
}

typedef struct store_consent consent_t;
typedef struct store_flag flag_t;
static void row_free_consent_t(consent_t *r)
{
	(void)r;
}
static void row_free_flag_t(flag_t *r)
{
	(void)r;
}

static vow_err sq_consent_append(struct store *s, const struct store_consent *r)
{
	sqlite3_stmt *q = stmt(s, Q_CONS_INS);
	if (q != NULL) {
		sq_bind_text(q, 1, r->id);
		sq_bind_text(q, 2, r->subject);
		sq_bind_text(q, 3, r->purpose);
		sqlite3_bind_int(q, 4, r->state);
		sq_bind_text(q, 5, r->policy_version);
		sq_bind_text(q, 6, r->text_hash);
		sq_bind_text(q, 7, r->method);
		sqlite3_bind_int64(q, 8, r->at);
		sq_bind_text(q, 9, r->ip_prefix);
		sq_bind_text(q, 10, r->ua_hash);
		sqlite3_bind_int(q, 11, r->against_gpc);
		sq_bind_text(q, 12, r->terms);
	}
	return sq_run(s, q);
}

static vow_err sq_consent_list(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_CONS_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, consent_t, read_consent, cb, ctx);
}

static vow_err read_flag(sqlite3_stmt *q, struct store_flag *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	sq_col_text(q, 1, r->subject, sizeof(r->subject));
	r->kind = sqlite3_column_int(q, 2);
	sq_col_text(q, 3, r->target, sizeof(r->target));
	r->set_at = sqlite3_column_int64(q, 4);
	r->lifted_at = sqlite3_column_int64(q, 5);
	sq_col_text(q, 6, r->reason, sizeof(r->reason));
	return VOW_OK;
}

static vow_err sq_flag_set(struct store *s, const struct store_flag *r)
{
	sqlite3_stmt *q = stmt(s, Q_FLAG_INS);
	if (q != NULL) {
		sq_bind_text(q, 1, r->id);
		sq_bind_text(q, 2, r->subject);
		sqlite3_bind_int(q, 3, r->kind);
		sq_bind_text(q, 4, r->target);
		sqlite3_bind_int64(q, 5, r->set_at);
		sq_bind_text(q, 6, r->reason);
	}
	return sq_run(s, q);
}

static vow_err sq_flag_lift(struct store *s, const char *subject, int kind, const char *target,
                            int64_t at, size_t *count)
{
	sqlite3_stmt *q = stmt(s, Q_FLAG_LIFT);
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, at);
		sq_bind_text(q, 2, subject);
		sqlite3_bind_int(q, 3, kind);
		sq_bind_text(q, 4, target);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && count != NULL)
		*count = (size_t)sqlite3_changes(s->db);
	return err;
}

static vow_err sq_flag_list(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_FLAG_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, flag_t, read_flag, cb, ctx);
}

/* ---- denials ---- */

typedef struct store_denial denial_t;
static void row_free_denial_t(denial_t *r)
{
	(void)r;
}

static vow_err read_denial(sqlite3_stmt *q, struct store_denial *r)
{
	sq_col_text(q, 0, r->subject, sizeof(r->subject));
	sq_col_text(q, 1, r->role, sizeof(r->role));
	sq_col_text(q, 2, r->actor, sizeof(r->actor));
	sq_col_text(q, 3, r->purpose, sizeof(r->purpose));
	sq_col_text(q, 4, r->category, sizeof(r->category));
	sq_col_text(q, 5, r->recipient, sizeof(r->recipient));
	sq_col_text(q, 6, r->reason, sizeof(r->reason));
	r->at = sqlite3_column_int64(q, 7);
	return VOW_OK;
}

static vow_err sq_denial_append(struct store *s, const struct store_denial *r)
{
	sqlite3_stmt *q = stmt(s, Q_DENY_INS);
	if (q != NULL) {
		sq_bind_text(q, 1, r->subject);
		sq_bind_text(q, 2, r->role);
		sq_bind_text(q, 3, r->actor);
		sq_bind_text(q, 4, r->purpose);
		sq_bind_text(q, 5, r->category);
		sq_bind_text(q, 6, r->recipient);
		sq_bind_text(q, 7, r->reason);
		sqlite3_bind_int64(q, 8, r->at);
	}
	return sq_run(s, q);
}

static vow_err sq_denial_list(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_DENY_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, denial_t, read_denial, cb, ctx);
}

/* ---- audit ---- */

typedef struct store_audit audit_t;
typedef struct store_checkpoint ckpt_t;
static void row_free_audit_t(audit_t *r)
{
	(void)r;
}
static void row_free_ckpt_t(ckpt_t *r)
{
	(void)r;
}

static void col_fixed(sqlite3_stmt *q, int i, unsigned char *out, size_t n)
{
	memset(out, 0, n);
	if ((size_t)sqlite3_column_bytes(q, i) == n)
		memcpy(out, sqlite3_column_blob(q, i), n);
}

/* True when column i holds more text than cap - 1 bytes. */
static bool too_long(sqlite3_stmt *q, int i, size_t cap)
{
	return (size_t)sqlite3_column_bytes(q, i) >= cap;
}

static vow_err read_audit(sqlite3_stmt *q, struct store_audit *r)
{
	r->malformed = too_long(q, 2, sizeof(r->actor)) || too_long(q, 3, sizeof(r->action)) ||
	               too_long(q, 4, sizeof(r->subject)) || too_long(q, 5, sizeof(r->category)) ||
	               too_long(q, 6, sizeof(r->purpose)) || too_long(q, 7, sizeof(r->result)) ||
	               too_long(q, 8, sizeof(r->reason)) || sqlite3_column_bytes(q, 9) != 32 ||
	               sqlite3_column_bytes(q, 10) != 32;
	r->seq = sqlite3_column_int64(q, 0);
	r->at = sqlite3_column_int64(q, 1);
	sq_col_text(q, 2, r->actor, sizeof(r->actor));
	sq_col_text(q, 3, r->action, sizeof(r->action));
	sq_col_text(q, 4, r->subject, sizeof(r->subject));
	sq_col_text(q, 5, r->category, sizeof(r->category));
	sq_col_text(q, 6, r->purpose, sizeof(r->purpose));
	sq_col_text(q, 7, r->result, sizeof(r->result));
	sq_col_text(q, 8, r->reason, sizeof(r->reason));
	col_fixed(q, 9, r->prev, 32);
	col_fixed(q, 10, r->hash, 32);
	return VOW_OK;
}

static vow_err sq_audit_append(struct store *s, const struct store_audit *r)
{
	sqlite3_stmt *q = stmt(s, Q_AUDIT_INS);
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, r->seq);
		sqlite3_bind_int64(q, 2, r->at);
		sq_bind_text(q, 3, r->actor);
		sq_bind_text(q, 4, r->action);
		sq_bind_text(q, 5, r->subject);
		sq_bind_text(q, 6, r->category);
		sq_bind_text(q, 7, r->purpose);
		sq_bind_text(q, 8, r->result);
		sq_bind_text(q, 9, r->reason);
		sqlite3_bind_blob(q, 10, r->prev, 32, SQLITE_STATIC);
		sqlite3_bind_blob(q, 11, r->hash, 32, SQLITE_STATIC);
	}
	return sq_run(s, q);
}

static vow_err sq_audit_head(struct store *s, int64_t *seq, unsigned char hash[32])
{
	sqlite3_stmt *q = stmt(s, Q_AUDIT_HEAD);
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		*seq = sqlite3_column_int64(q, 0);
		col_fixed(q, 1, hash, 32);
		sqlite3_reset(q);
	}
	return err;
}

static vow_err sq_audit_scan(struct store *s, int64_t from, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_AUDIT_SCAN);
	if (q != NULL)
		sqlite3_bind_int64(q, 1, from);
	WALK(s, q, audit_t, read_audit, cb, ctx);
}

static vow_err sq_audit_by_subject(struct store *s, const char *pseudonym, store_each_fn cb,
                                   void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_AUDIT_SUBJ);
	if (q != NULL)
		sq_bind_text(q, 1, pseudonym);
	WALK(s, q, audit_t, read_audit, cb, ctx);
}

static vow_err read_ckpt(sqlite3_stmt *q, struct store_checkpoint *r)
{
	r->seq = sqlite3_column_int64(q, 0);
	r->at = sqlite3_column_int64(q, 1);
	col_fixed(q, 2, r->head, 32);
	col_fixed(q, 3, r->signature, 64);
	return VOW_OK;
}

static vow_err sq_checkpoint_put(struct store *s, const struct store_checkpoint *r)
{
	sqlite3_stmt *q = stmt(s, Q_CKPT_INS);
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, r->seq);
		sqlite3_bind_int64(q, 2, r->at);
		sqlite3_bind_blob(q, 3, r->head, 32, SQLITE_STATIC);
		sqlite3_bind_blob(q, 4, r->signature, 64, SQLITE_STATIC);
	}
	return sq_run(s, q);
}

static vow_err sq_checkpoint_list(struct store *s, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_CKPT_LIST);
	WALK(s, q, ckpt_t, read_ckpt, cb, ctx);
}

static vow_err sq_audit_prune(struct store *s, int64_t seq, size_t *count)
{
	sqlite3_stmt *q = stmt(s, Q_AUDIT_PRUNE);
	if (q != NULL)
		sqlite3_bind_int64(q, 1, seq);
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && count != NULL)
		*count = (size_t)sqlite3_changes(s->db);
	if (err == VOW_OK) {
		q = stmt(s, Q_CKPT_PRUNE);
		if (q != NULL)
			sqlite3_bind_int64(q, 1, seq);
		err = sq_run(s, q);
	}
	return err;
}

/* ---- keys ---- */

static vow_err read_key(sqlite3_stmt *q, struct store_key *r)
{
	sq_col_text(q, 0, r->owner, sizeof(r->owner));
	r->kind = sqlite3_column_int(q, 1);
	return sq_col_blob(q, 2, &r->wrapped);
}

static vow_err sq_key_put(struct store *s, const struct store_key *r)
{
	sqlite3_stmt *q = stmt(s, Q_KEY_PUT);
	if (q != NULL) {
		sq_bind_text(q, 1, r->owner);
		sqlite3_bind_int(q, 2, r->kind);
		sq_bind_blob(q, 3, &r->wrapped);
	}
	return sq_run(s, q);
}

static vow_err sq_key_get(struct store *s, const char *owner, int kind, struct store_key *out)
{
	sqlite3_stmt *q = stmt(s, Q_KEY_GET);
	if (q != NULL) {
		sq_bind_text(q, 1, owner);
		sqlite3_bind_int(q, 2, kind);
	}
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		err = read_key(q, out);
		sqlite3_reset(q);
	}
	return err;
}

static vow_err sq_key_delete(struct store *s, const char *owner, int kind)
{
	sqlite3_stmt *q = stmt(s, Q_KEY_DEL);
	if (q != NULL) {
		sq_bind_text(q, 1, owner);
		sqlite3_bind_int(q, 2, kind);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

static vow_err sq_key_list(struct store *s, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, Q_KEY_LIST);
	WALK(s, q, key_t_, read_key, cb, ctx);
}

static vow_err sq_meta_get(struct store *s, const char *name, char *out, size_t cap)
{
	sqlite3_stmt *q = stmt(s, Q_META_GET);
	if (q != NULL)
		sq_bind_text(q, 1, name);
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		sq_col_text(q, 0, out, cap);
		sqlite3_reset(q);
	}
	return err;
}

static vow_err sq_meta_set(struct store *s, const char *name, const char *value)
{
	sqlite3_stmt *q = stmt(s, Q_META_SET);
	if (q != NULL) {
		sq_bind_text(q, 1, name);
		sq_bind_text(q, 2, value);
	}
	return sq_run(s, q);
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .begin_read = sq_begin_read,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .schema_version = sq_schema_version,
    .checkpoint = sq_checkpoint,
    .subject_insert = sq_subject_insert,
    .subject_get = sq_subject_get,
    .subject_anchors = sq_subject_anchors,
    .subject_state = sq_subject_state,
    .subject_set_state = sq_subject_set_state,
    .subject_update = sq_subject_update,
    .subject_list = sq_subject_list,
    .index_put = sq_index_put,
    .index_find = sq_index_find,
    .index_delete_subject = sq_index_delete_subject,
    .index_delete_kind = sq_index_delete_kind,
    .record_mark_deleted = sq_record_mark_deleted,
    .record_put = sq_record_put,
    .record_get = sq_record_get,
    .record_head = sq_record_head,
    .record_update = sq_record_update,
    .record_list = sq_record_list,
    .record_history = sq_record_history,
    .record_delete = sq_record_delete,
    .history_delete = sq_history_delete,
    .file_insert = sq_file_insert,
    .file_get = sq_file_get,
    .file_update = sq_file_update,
    .file_list = sq_file_list,
    .file_delete = sq_file_delete,
    .grant_insert = sq_grant_insert,
    .grant_revoke = sq_grant_revoke,
    .grant_list = sq_grant_list,
    .grant_delete_subject = sq_grant_delete_subject,
    .disclosure_insert = sq_disclosure_insert,
    .disclosure_list = sq_disclosure_list,
    .consent_append = sq_consent_append,
    .consent_list = sq_consent_list,
    .flag_set = sq_flag_set,
    .flag_lift = sq_flag_lift,
    .flag_list = sq_flag_list,
    .denial_append = sq_denial_append,
    .denial_list = sq_denial_list,
    .audit_append = sq_audit_append,
    .audit_head = sq_audit_head,
    .audit_scan = sq_audit_scan,
    .audit_by_subject = sq_audit_by_subject,
    .checkpoint_put = sq_checkpoint_put,
    .checkpoint_list = sq_checkpoint_list,
    .audit_prune = sq_audit_prune,
    .apikey_insert = sq_apikey_insert,
    .apikey_get = sq_apikey_get,
    .apikey_list = sq_apikey_list,
    .apikey_revoke = sq_apikey_revoke,
    .apikey_subject = sq_apikey_subject,
    .apikey_count = sq_apikey_count,
    .key_put = sq_key_put,
    .key_get = sq_key_get,
    .key_delete = sq_key_delete,
    .key_list = sq_key_list,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .message_insert = sq_message_insert,
    .message_due = sq_message_due,
    .message_update = sq_message_update,
    .message_claim = sq_message_claim,
    .message_finish = sq_message_finish,
    .message_recent = sq_message_recent,
    .message_hold = sq_message_hold,
    .message_list = sq_message_list,
    .message_get = sq_message_get,
    .due_put = sq_due_put,
    .due_get = sq_due_get,
    .due_delete = sq_due_delete,
    .due_walk = sq_due_walk,
    .due_subject = sq_due_subject,
    .due_all = sq_due_all,
    .request_insert = sq_request_insert,
    .request_get = sq_request_get,
    .request_update = sq_request_update,
    .request_list = sq_request_list,
    .request_by_export = sq_request_by_export,
    .request_event_append = sq_request_event_append,
    .request_events = sq_request_events,
    .code_failure_add = sq_code_failure_add,
    .code_failure_nth = sq_code_failure_nth,
    .agent_put = sq_agent_put,
    .agent_get = sq_agent_get,
    .agent_token_put = sq_agent_token_put,
    .agent_token_find = sq_agent_token_find,
    .drp_put = sq_drp_put,
    .drp_get = sq_drp_get,
    .drp_by_request = sq_drp_by_request,
};

const struct store_ops *store_backend(const char *name)
{
	if (strcmp(name, "sqlite") == 0)
		return &store_sqlite_ops;
	return NULL;
}
