/* store/store_sqlite_apikeys.c — the SQLite backend's API keys: a keyed
 * hash of each secret (never the secret), its role, expiry and revocation. */
#include "store/store_sqlite_int.h"

enum k { K_INS = SQ_WORK_BASE + 48, K_GET, K_LIST, K_REVOKE, K_SUBJECT, K_COUNT, K__END };
_Static_assert(K__END <= SQ_SLOTS, "too many statements");

#define KEY_COLS "id,hash,role,staff,subject,created_at,revoked_at,expires_at"

static const char *const sql[K__END - K_INS] = {
    [K_INS - K_INS] = "INSERT INTO api_keys(" KEY_COLS ") VALUES(?,?,?,?,?,?,0,?)",
    [K_GET - K_INS] = "SELECT " KEY_COLS " FROM api_keys WHERE id=?",
    [K_LIST - K_INS] = "SELECT " KEY_COLS " FROM api_keys WHERE id>? ORDER BY id LIMIT ?",
    [K_REVOKE - K_INS] = "UPDATE api_keys SET revoked_at=?2 WHERE id=?1 AND revoked_at=0",
    [K_SUBJECT - K_INS] = "SELECT " KEY_COLS " FROM api_keys WHERE subject=? AND subject<>'' "
                          "AND revoked_at=0 ORDER BY id",
    [K_COUNT - K_INS] = "SELECT count(*) FROM api_keys WHERE role=?1 AND revoked_at=0 AND "
                        "(expires_at=0 OR expires_at>?2)",
};

static sqlite3_stmt *stmt(struct store *s, enum k k)
{
	return sq_stmt(s, (int)k, sql[k - K_INS]);
}

static vow_err read_key(sqlite3_stmt *q, struct store_apikey *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	if (sqlite3_column_bytes(q, 1) != 32)
		return VOW_ERR_INTEGRITY;
	memcpy(r->hash, sqlite3_column_blob(q, 1), 32);
	sq_col_text(q, 2, r->role, sizeof(r->role));
	sq_col_text(q, 3, r->staff, sizeof(r->staff));
	sq_col_text(q, 4, r->subject, sizeof(r->subject));
	r->created_at = sqlite3_column_int64(q, 5);
	r->revoked_at = sqlite3_column_int64(q, 6);
	r->expires_at = sqlite3_column_int64(q, 7);
	return VOW_OK;
}

typedef struct store_apikey apikey_t;
static void row_free_apikey_t(apikey_t *r)
{
	(void)r; /* nothing allocated */
}

vow_err sq_apikey_insert(struct store *s, const struct store_apikey *r)
{
	sqlite3_stmt *q = stmt(s, K_INS);
	if (q != NULL) {
		sq_bind_text(q, 1, r->id);
		sqlite3_bind_blob(q, 2, r->hash, 32, SQLITE_STATIC);
		sq_bind_text(q, 3, r->role);
		sq_bind_text(q, 4, r->staff);
		sq_bind_text(q, 5, r->subject);
		sqlite3_bind_int64(q, 6, r->created_at);
		sqlite3_bind_int64(q, 7, r->expires_at);
	}
	return sq_run(s, q);
}

vow_err sq_apikey_get(struct store *s, const char *id, struct store_apikey *out)
{
	sqlite3_stmt *q = stmt(s, K_GET);
	if (q != NULL)
		sq_bind_text(q, 1, id);
	vow_err err = sq_one(s, q);
	if (err != VOW_OK)
		return err;
	err = read_key(q, out);
	sqlite3_reset(q);
	return err;
}

vow_err sq_apikey_list(struct store *s, const char *after, size_t limit, store_each_fn cb,
                       void *ctx)
{
	sqlite3_stmt *q = stmt(s, K_LIST);
	if (q != NULL) {
		sq_bind_text(q, 1, after != NULL ? after : "");
		sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
	}
	WALK(s, q, apikey_t, read_key, cb, ctx);
}

vow_err sq_apikey_revoke(struct store *s, const char *id, int64_t at)
{
	sqlite3_stmt *q = stmt(s, K_REVOKE);
	if (q != NULL) {
		sq_bind_text(q, 1, id);
		sqlite3_bind_int64(q, 2, at);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0) {
		struct store_apikey row;
		err = sq_apikey_get(s, id, &row);
		if (err == VOW_OK) /* there, so revoked already */
			err = VOW_ERR_EXISTS;
	}
	return err;
}

vow_err sq_apikey_subject(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, K_SUBJECT);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, apikey_t, read_key, cb, ctx);
}

vow_err sq_apikey_count(struct store *s, const char *role, int64_t now, size_t *count)
{
	sqlite3_stmt *q = stmt(s, K_COUNT);
	if (q != NULL) {
		sq_bind_text(q, 1, role);
		sqlite3_bind_int64(q, 2, now);
	}
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		*count = (size_t)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	return err;
}
