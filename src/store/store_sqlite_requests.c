/* store/store_sqlite_requests.c — the SQLite backend's tables for rights
 * requests and their transitions. */
#include <stdlib.h>

#include "store/store_sqlite_int.h"

enum r {
	R_INS = SQ_WORK_BASE + 24,
	R_GET,
	R_UPD,
	R_LIST,
	R_LIST_OPEN,
	R_BY_EXPORT,
	R_EV_INS,
	R_EV_LIST,
	R_FAIL_INS,
	R_FAIL_FORGET,
	R_FAIL_NTH,
	R__END
};
_Static_assert(R__END <= SQ_WORK_BASE + 40, "statement slots overlap the agents'");

#define REQ_COLS                                                                                   \
	"id,subject,type,status,channel,received_at,verified_at,updated_at,closed_at,due_at,"      \
	"extended,ground,note,code_hash,code_expires,code_attempts,export_id,export_token,"        \
	"export_expires,detail"

static const char *const sql[R__END - R_INS] = {
    [R_INS - R_INS] =
        "INSERT INTO requests(" REQ_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [R_GET - R_INS] = "SELECT " REQ_COLS " FROM requests WHERE id=?",
    [R_UPD - R_INS] =
        "UPDATE requests SET status=?4,verified_at=?7,updated_at=?8,closed_at=?9,due_at=?10,"
        "extended=?11,ground=?12,note=?13,code_hash=?14,code_expires=?15,code_attempts=?16,"
        "export_id=?17,export_token=?18,export_expires=?19,detail=?20 WHERE id=?1",
    [R_LIST - R_INS] = "SELECT " REQ_COLS " FROM requests WHERE ?1='' OR subject=?1 "
                       "ORDER BY received_at,rowid",
    [R_LIST_OPEN - R_INS] = "SELECT " REQ_COLS " FROM requests WHERE (?1='' OR subject=?1) AND "
                            "closed_at=0 ORDER BY due_at,rowid",
    [R_BY_EXPORT - R_INS] = "SELECT " REQ_COLS " FROM requests WHERE export_token=?",
    [R_EV_INS - R_INS] = "INSERT INTO request_events(request,at,status,note) VALUES(?,?,?,?)",
    [R_EV_LIST - R_INS] =
        "SELECT request,at,status,note FROM request_events WHERE request=? ORDER BY rowid",
    [R_FAIL_INS - R_INS] = "INSERT INTO code_failures(subject,at) VALUES(?,?)",
    [R_FAIL_FORGET - R_INS] = "DELETE FROM code_failures WHERE at<?",
    [R_FAIL_NTH - R_INS] = "SELECT at FROM code_failures WHERE subject=?1 AND at>?2 "
                           "ORDER BY at DESC LIMIT 1 OFFSET ?3",
};

static sqlite3_stmt *stmt(struct store *s, enum r r)
{
	return sq_stmt(s, (int)r, sql[r - R_INS]);
}

static void bind_fixed(sqlite3_stmt *q, int i, const unsigned char *p, size_t n)
{
	bool zero = true;
	for (size_t k = 0; k < n; k++)
		zero &= p[k] == 0;
	if (zero)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_blob(q, i, p, (int)n, SQLITE_STATIC);
}

static void col_fixed(sqlite3_stmt *q, int i, unsigned char *out, size_t n)
{
	memset(out, 0, n);
	if (sqlite3_column_type(q, i) == SQLITE_BLOB && (size_t)sqlite3_column_bytes(q, i) == n)
		memcpy(out, sqlite3_column_blob(q, i), n);
}

static void bind_request(sqlite3_stmt *q, const struct store_request *r)
{
	sq_bind_text(q, 1, r->id);
	sq_bind_text(q, 2, r->subject);
	sq_bind_text(q, 3, r->type);
	sq_bind_text(q, 4, r->status);
	sq_bind_text(q, 5, r->channel);
	sqlite3_bind_int64(q, 6, r->received_at);
	sqlite3_bind_int64(q, 7, r->verified_at);
	sqlite3_bind_int64(q, 8, r->updated_at);
	sqlite3_bind_int64(q, 9, r->closed_at);
	sqlite3_bind_int64(q, 10, r->due_at);
	sqlite3_bind_int(q, 11, r->extended);
	sq_bind_text(q, 12, r->ground);
	sq_bind_text(q, 13, r->note);
	bind_fixed(q, 14, r->code_hash, sizeof(r->code_hash));
	sqlite3_bind_int64(q, 15, r->code_expires);
	sqlite3_bind_int(q, 16, r->code_attempts);
	sq_bind_text(q, 17, r->export_id);
	bind_fixed(q, 18, r->export_token, sizeof(r->export_token));
	sqlite3_bind_int64(q, 19, r->export_expires);
	sq_bind_blob(q, 20, &r->detail);
}

static vow_err read_request(sqlite3_stmt *q, struct store_request *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	sq_col_text(q, 1, r->subject, sizeof(r->subject));
	sq_col_text(q, 2, r->type, sizeof(r->type));
	sq_col_text(q, 3, r->status, sizeof(r->status));
	sq_col_text(q, 4, r->channel, sizeof(r->channel));
	r->received_at = sqlite3_column_int64(q, 5);
	r->verified_at = sqlite3_column_int64(q, 6);
	r->updated_at = sqlite3_column_int64(q, 7);
	r->closed_at = sqlite3_column_int64(q, 8);
	r->due_at = sqlite3_column_int64(q, 9);
	r->extended = sqlite3_column_int(q, 10);
	sq_col_text(q, 11, r->ground, sizeof(r->ground));
	sq_col_text(q, 12, r->note, sizeof(r->note));
	col_fixed(q, 13, r->code_hash, sizeof(r->code_hash));
	r->code_expires = sqlite3_column_int64(q, 14);
	r->code_attempts = sqlite3_column_int(q, 15);
	sq_col_text(q, 16, r->export_id, sizeof(r->export_id));
	col_fixed(q, 17, r->export_token, sizeof(r->export_token));
	r->export_expires = sqlite3_column_int64(q, 18);
	return sq_col_blob(q, 19, &r->detail);
}

typedef struct store_request request_t;
static void row_free_request_t(request_t *r)
{
	store_blob_free(&r->detail);
}

vow_err sq_request_insert(struct store *s, const struct store_request *r)
{
	sqlite3_stmt *q = stmt(s, R_INS);
	if (q != NULL)
		bind_request(q, r);
	return sq_run(s, q);
}

static vow_err get_one(struct store *s, sqlite3_stmt *q, struct store_request *out)
{
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		memset(out, 0, sizeof(*out));
		err = read_request(q, out);
		sqlite3_reset(q);
	}
	return err;
}

vow_err sq_request_get(struct store *s, const char *id, struct store_request *out)
{
	sqlite3_stmt *q = stmt(s, R_GET);
	if (q != NULL)
		sq_bind_text(q, 1, id);
	return get_one(s, q, out);
}

vow_err sq_request_by_export(struct store *s, const unsigned char token[32],
                             struct store_request *out)
{
	sqlite3_stmt *q = stmt(s, R_BY_EXPORT);
	if (q != NULL)
		sqlite3_bind_blob(q, 1, token, 32, SQLITE_STATIC);
	return get_one(s, q, out);
}

vow_err sq_request_update(struct store *s, const struct store_request *r)
{
	sqlite3_stmt *q = stmt(s, R_UPD);
	if (q != NULL)
		bind_request(q, r);
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

vow_err sq_request_list(struct store *s, const char *subject, bool open_only, store_each_fn cb,
                        void *ctx)
{
	sqlite3_stmt *q = stmt(s, open_only ? R_LIST_OPEN : R_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject != NULL ? subject : "");
	WALK(s, q, request_t, read_request, cb, ctx);
}

vow_err sq_request_event_append(struct store *s, const struct store_request_event *r)
{
	sqlite3_stmt *q = stmt(s, R_EV_INS);
	if (q != NULL) {
		sq_bind_text(q, 1, r->request);
		sqlite3_bind_int64(q, 2, r->at);
		sq_bind_text(q, 3, r->status);
		sq_bind_text(q, 4, r->note);
	}
	return sq_run(s, q);
}

static vow_err read_event(sqlite3_stmt *q, struct store_request_event *r)
{
	sq_col_text(q, 0, r->request, sizeof(r->request));
	r->at = sqlite3_column_int64(q, 1);
	sq_col_text(q, 2, r->status, sizeof(r->status));
	sq_col_text(q, 3, r->note, sizeof(r->note));
	return VOW_OK;
}

typedef struct store_request_event event_t;
static void row_free_event_t(event_t *r)
{
	(void)r;
}

vow_err sq_request_events(struct store *s, const char *request, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, R_EV_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, request);
	WALK(s, q, event_t, read_event, cb, ctx);
}

vow_err sq_code_failure_add(struct store *s, const char *subject, int64_t at, int64_t forget_before)
{
	sqlite3_stmt *q = stmt(s, R_FAIL_FORGET);
	if (q != NULL)
		sqlite3_bind_int64(q, 1, forget_before);
	vow_err err = sq_run(s, q);
	if (err != VOW_OK)
		return err;
	q = stmt(s, R_FAIL_INS);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sqlite3_bind_int64(q, 2, at);
	}
	return sq_run(s, q);
}

vow_err sq_code_failure_nth(struct store *s, const char *subject, int64_t since, unsigned n,
                            int64_t *at)
{
	if (n == 0)
		return VOW_ERR_INVALID;
	sqlite3_stmt *q = stmt(s, R_FAIL_NTH);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sqlite3_bind_int64(q, 2, since);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)n - 1);
	}
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		*at = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	return err;
}
