/* store/store_sqlite_work.c — the SQLite backend's tables for background
 * work: the outbox of e-mails and webhooks, and retention due dates. */
#include <stdlib.h>

#include "store/store_sqlite_int.h"

enum w {
	W_MSG_INS = SQ_WORK_BASE,
	W_MSG_DUE,
	W_MSG_UPD,
	W_MSG_LIST,
	W_MSG_GET,
	W_DUE_PUT,
	W_DUE_GET,
	W_DUE_DEL,
	W_DUE_WALK,
	W_DUE_NOTICES,
	W_DUE_SUBJ,
	W_DUE_ALL,
	W_MSG_CLAIM,
	W_MSG_FINISH,
	W_MSG_RECENT,
	W_MSG_HOLD,
	W__END
};
_Static_assert(W__END <= SQ_WORK_BASE + 24, "statement slots overlap the requests'");

#define MSG_COLS                                                                                   \
	"id,idem,kind,subject,template,status,attempts,created_at,next_at,sent_at,last_error,"     \
	"payload"
#define DUE_COLS                                                                                   \
	"subject,category,item,purpose,created_at,due_at,notice_at,noticed_at,postponed_to,held,"  \
	"postponed_at,postponed_by"

static const char *const sql[W__END - SQ_WORK_BASE] = {
    [W_MSG_INS - SQ_WORK_BASE] = "INSERT INTO outbox(" MSG_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [W_MSG_DUE - SQ_WORK_BASE] = "SELECT " MSG_COLS " FROM outbox WHERE status=0 AND next_at<=?1 "
                                 "AND lease_until<=?2 ORDER BY next_at,rowid LIMIT ?3",
    [W_MSG_UPD - SQ_WORK_BASE] = "UPDATE outbox SET status=?6,attempts=?7,next_at=?9,sent_at=?10,"
                                 "last_error=?11,payload=?12 WHERE id=?1",
    [W_MSG_LIST - SQ_WORK_BASE] =
        "SELECT " MSG_COLS " FROM outbox WHERE ?1='' OR subject=?1 ORDER BY created_at,rowid",
    [W_MSG_GET - SQ_WORK_BASE] = "SELECT " MSG_COLS " FROM outbox WHERE id=?",
    [W_DUE_PUT - SQ_WORK_BASE] =
        "INSERT OR REPLACE INTO due(" DUE_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [W_DUE_GET - SQ_WORK_BASE] =
        "SELECT " DUE_COLS " FROM due WHERE subject=? AND category=? AND item=?",
    [W_DUE_DEL - SQ_WORK_BASE] = "DELETE FROM due WHERE subject=? AND category=? AND item=?",
    [W_DUE_WALK - SQ_WORK_BASE] =
        "SELECT " DUE_COLS " FROM due WHERE due_at>0 AND due_at<=?1 AND "
        "(due_at,subject,category,item)>(?3,?4,?5,?6) ORDER BY due_at,subject,category,item "
        "LIMIT ?2",
    [W_DUE_NOTICES - SQ_WORK_BASE] =
        "SELECT " DUE_COLS " FROM due WHERE notice_at>0 AND noticed_at=0 AND notice_at<=?1 AND "
        "(notice_at,subject,category,item)>(?3,?4,?5,?6) ORDER BY "
        "notice_at,subject,category,item LIMIT ?2",
    [W_DUE_SUBJ - SQ_WORK_BASE] =
        "SELECT " DUE_COLS " FROM due WHERE subject=? ORDER BY category,item",
    [W_DUE_ALL - SQ_WORK_BASE] =
        "SELECT " DUE_COLS " FROM due WHERE (subject,category,item)>(?,?,?) "
        "ORDER BY subject,category,item LIMIT ?",
    [W_MSG_CLAIM - SQ_WORK_BASE] =
        "UPDATE outbox SET lease_until=?5, lease_token=?2 WHERE id=?1 AND status=0 AND "
        "next_at<=?3 AND lease_until<=?4",
    [W_MSG_FINISH - SQ_WORK_BASE] =
        "UPDATE outbox SET status=?3, attempts=?4, next_at=?5, sent_at=?6, last_error=?7, "
        "lease_until=0, lease_token='', payload=CASE WHEN ?3=1 THEN NULL ELSE payload END "
        "WHERE id=?1 AND lease_token=?2 AND lease_token<>'' AND (?3=1 OR status=0)",
    [W_MSG_RECENT - SQ_WORK_BASE] =
        "SELECT (SELECT count(*) FROM outbox WHERE subject=?1 AND status=1 AND kind=1 AND "
        "sent_at>?2), (SELECT min(sent_at) FROM outbox WHERE subject=?1 AND status=1 AND "
        "kind=1 AND sent_at>?2), (SELECT count(*) FROM outbox WHERE subject=?1 AND "
        "lease_until>0 AND lease_until>?3 AND status=0 AND kind=1)",
    [W_MSG_HOLD - SQ_WORK_BASE] =
        "UPDATE outbox SET next_at=?4, last_error=?5 WHERE subject=?1 AND status=0 AND kind=1 "
        "AND next_at<=?2 AND lease_until<=?3",
};

static sqlite3_stmt *stmt(struct store *s, enum w w)
{
	return sq_stmt(s, (int)w, sql[w - SQ_WORK_BASE]);
}

/* ---- outbox ---- */

static void bind_message(sqlite3_stmt *q, const struct store_message *r)
{
	sq_bind_text(q, 1, r->id);
	sq_bind_text(q, 2, r->idem);
	sqlite3_bind_int(q, 3, r->kind);
	sq_bind_text(q, 4, r->subject);
	sq_bind_text(q, 5, r->template_name);
	sqlite3_bind_int(q, 6, r->status);
	sqlite3_bind_int(q, 7, r->attempts);
	sqlite3_bind_int64(q, 8, r->created_at);
	sqlite3_bind_int64(q, 9, r->next_at);
	sqlite3_bind_int64(q, 10, r->sent_at);
	sq_bind_text(q, 11, r->last_error);
	sq_bind_blob(q, 12, &r->payload);
}

static vow_err read_message(sqlite3_stmt *q, struct store_message *r)
{
	sq_col_text(q, 0, r->id, sizeof(r->id));
	sq_col_text(q, 1, r->idem, sizeof(r->idem));
	r->kind = sqlite3_column_int(q, 2);
	sq_col_text(q, 3, r->subject, sizeof(r->subject));
	sq_col_text(q, 4, r->template_name, sizeof(r->template_name));
	r->status = sqlite3_column_int(q, 5);
	r->attempts = sqlite3_column_int(q, 6);
	r->created_at = sqlite3_column_int64(q, 7);
	r->next_at = sqlite3_column_int64(q, 8);
	r->sent_at = sqlite3_column_int64(q, 9);
	sq_col_text(q, 10, r->last_error, sizeof(r->last_error));
	return sq_col_blob(q, 11, &r->payload);
}

typedef struct store_message message_t;
static void row_free_message_t(message_t *r)
{
	store_blob_free(&r->payload);
}

vow_err sq_message_insert(struct store *s, const struct store_message *r)
{
	sqlite3_stmt *q = stmt(s, W_MSG_INS);
	if (q != NULL)
		bind_message(q, r);
	return sq_run(s, q);
}

vow_err sq_message_due(struct store *s, int64_t now, int64_t lease_now, size_t limit,
                       store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, W_MSG_DUE);
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_int64(q, 2, lease_now);
		sqlite3_bind_int64(q, 3, (sqlite3_int64)limit);
	}
	WALK(s, q, message_t, read_message, cb, ctx);
}

vow_err sq_message_update(struct store *s, const struct store_message *r)
{
	sqlite3_stmt *q = stmt(s, W_MSG_UPD);
	if (q != NULL)
		bind_message(q, r);
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

vow_err sq_message_claim(struct store *s, const char *id, const char *token, int64_t now,
                         int64_t lease_now, int64_t until)
{
	sqlite3_stmt *q = stmt(s, W_MSG_CLAIM);
	if (q != NULL) {
		sq_bind_text(q, 1, id);
		sq_bind_text(q, 2, token);
		sqlite3_bind_int64(q, 3, now);
		sqlite3_bind_int64(q, 4, lease_now);
		sqlite3_bind_int64(q, 5, until);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

vow_err sq_message_finish(struct store *s, const struct store_message *r, const char *token)
{
	sqlite3_stmt *q = stmt(s, W_MSG_FINISH);
	if (q != NULL) {
		sq_bind_text(q, 1, r->id);
		sq_bind_text(q, 2, token);
		sqlite3_bind_int(q, 3, r->status);
		sqlite3_bind_int(q, 4, r->attempts);
		sqlite3_bind_int64(q, 5, r->next_at);
		sqlite3_bind_int64(q, 6, r->sent_at);
		sq_bind_text(q, 7, r->last_error);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && sqlite3_changes(s->db) == 0)
		err = VOW_ERR_NOT_FOUND;
	return err;
}

vow_err sq_message_recent(struct store *s, const char *subject, int64_t since, int64_t lease_now,
                          size_t *sent, int64_t *oldest, size_t *in_flight)
{
	sqlite3_stmt *q = stmt(s, W_MSG_RECENT);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sqlite3_bind_int64(q, 2, since);
		sqlite3_bind_int64(q, 3, lease_now);
	}
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		*sent = (size_t)sqlite3_column_int64(q, 0);
		*oldest = sqlite3_column_int64(q, 1); /* NULL (none) reads as 0 */
		*in_flight = (size_t)sqlite3_column_int64(q, 2);
		sqlite3_reset(q);
	}
	return err;
}

vow_err sq_message_hold(struct store *s, const char *subject, int64_t now, int64_t lease_now,
                        int64_t until, const char *why, size_t *count)
{
	sqlite3_stmt *q = stmt(s, W_MSG_HOLD);
	if (q != NULL) {
		sq_bind_text(q, 1, subject);
		sqlite3_bind_int64(q, 2, now);
		sqlite3_bind_int64(q, 3, lease_now);
		sqlite3_bind_int64(q, 4, until);
		sq_bind_text(q, 5, why);
	}
	vow_err err = sq_run(s, q);
	if (err == VOW_OK && count != NULL)
		*count = (size_t)sqlite3_changes(s->db);
	return err;
}

vow_err sq_message_list(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, W_MSG_LIST);
	if (q != NULL)
		sq_bind_text(q, 1, subject != NULL ? subject : "");
	WALK(s, q, message_t, read_message, cb, ctx);
}

vow_err sq_message_get(struct store *s, const char *id, struct store_message *out)
{
	sqlite3_stmt *q = stmt(s, W_MSG_GET);
	if (q != NULL)
		sq_bind_text(q, 1, id);
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		memset(out, 0, sizeof(*out));
		err = read_message(q, out);
		sqlite3_reset(q);
	}
	return err;
}

/* ---- retention due dates ---- */

static void bind_due(sqlite3_stmt *q, const struct store_due *r)
{
	sq_bind_text(q, 1, r->subject);
	sq_bind_text(q, 2, r->category);
	sq_bind_text(q, 3, r->item);
	sq_bind_text(q, 4, r->purpose);
	sqlite3_bind_int64(q, 5, r->created_at);
	sqlite3_bind_int64(q, 6, r->due_at);
	sqlite3_bind_int64(q, 7, r->notice_at);
	sqlite3_bind_int64(q, 8, r->noticed_at);
	sqlite3_bind_int64(q, 9, r->postponed_to);
	sqlite3_bind_int(q, 10, r->held);
	sqlite3_bind_int64(q, 11, r->postponed_at);
	sq_bind_text(q, 12, r->postponed_by);
}

static vow_err read_due(sqlite3_stmt *q, struct store_due *r)
{
	sq_col_text(q, 0, r->subject, sizeof(r->subject));
	sq_col_text(q, 1, r->category, sizeof(r->category));
	sq_col_text(q, 2, r->item, sizeof(r->item));
	sq_col_text(q, 3, r->purpose, sizeof(r->purpose));
	r->created_at = sqlite3_column_int64(q, 4);
	r->due_at = sqlite3_column_int64(q, 5);
	r->notice_at = sqlite3_column_int64(q, 6);
	r->noticed_at = sqlite3_column_int64(q, 7);
	r->postponed_to = sqlite3_column_int64(q, 8);
	r->held = sqlite3_column_int(q, 9);
	r->postponed_at = sqlite3_column_int64(q, 10);
	sq_col_text(q, 11, r->postponed_by, sizeof(r->postponed_by));
	return VOW_OK;
}

typedef struct store_due due_t;
static void row_free_due_t(due_t *r)
{
	(void)r;
}

static void bind_key3(sqlite3_stmt *q, const char *subject, const char *category, const char *item)
{
	sq_bind_text(q, 1, subject);
	sq_bind_text(q, 2, category);
	sq_bind_text(q, 3, item);
}

vow_err sq_due_put(struct store *s, const struct store_due *r)
{
	sqlite3_stmt *q = stmt(s, W_DUE_PUT);
	if (q != NULL)
		bind_due(q, r);
	return sq_run(s, q);
}

vow_err sq_due_get(struct store *s, const char *subject, const char *category, const char *item,
                   struct store_due *out)
{
	sqlite3_stmt *q = stmt(s, W_DUE_GET);
	if (q != NULL)
		bind_key3(q, subject, category, item);
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		err = read_due(q, out);
		sqlite3_reset(q);
	}
	return err;
}

vow_err sq_due_delete(struct store *s, const char *subject, const char *category, const char *item)
{
	sqlite3_stmt *q = stmt(s, W_DUE_DEL);
	if (q != NULL)
		bind_key3(q, subject, category, item);
	return sq_run(s, q);
}

vow_err sq_due_walk(struct store *s, int64_t now, bool notices, const struct store_due *after,
                    size_t limit, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, notices ? W_DUE_NOTICES : W_DUE_WALK);
	if (q != NULL) {
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
		sqlite3_bind_int64(q, 3,
		                   after == NULL ? 0
		                   : notices     ? after->notice_at
		                                 : after->due_at);
		sq_bind_text(q, 4, after != NULL ? after->subject : "");
		sq_bind_text(q, 5, after != NULL ? after->category : "");
		sq_bind_text(q, 6, after != NULL ? after->item : "");
	}
	WALK(s, q, due_t, read_due, cb, ctx);
}

vow_err sq_due_subject(struct store *s, const char *subject, store_each_fn cb, void *ctx)
{
	sqlite3_stmt *q = stmt(s, W_DUE_SUBJ);
	if (q != NULL)
		sq_bind_text(q, 1, subject);
	WALK(s, q, due_t, read_due, cb, ctx);
}

vow_err sq_due_all(struct store *s, const struct store_due *after, size_t limit, store_each_fn cb,
                   void *ctx)
{
	sqlite3_stmt *q = stmt(s, W_DUE_ALL);
	if (q != NULL) {
		bind_key3(q, after != NULL ? after->subject : "",
		          after != NULL ? after->category : "", after != NULL ? after->item : "");
		sqlite3_bind_int64(q, 4, (sqlite3_int64)limit);
	}
	WALK(s, q, due_t, read_due, cb, ctx);
}
