/* store/store_sqlite_agents.c — the SQLite backend's tables for Data Rights
 * Protocol agents, their pair-wise tokens and their requests. */
#include "store/store_sqlite_int.h"

enum a {
	A_PUT = SQ_WORK_BASE + 40,
	A_GET,
	A_TOK_PUT,
	A_TOK_FIND,
	A_DRP_PUT,
	A_DRP_GET,
	A_DRP_BY_REQ,
	A__END
};
_Static_assert(A__END <= SQ_SLOTS, "too many statements");

#define DRP_COLS                                                                                   \
	"id,agent,agent_request_id,requests,exercise,regime,status,reason,callback,details,"       \
	"received_at,expires_at,updated_at"

static const char *const sql[A__END - A_PUT] = {
    [A_PUT - A_PUT] = "INSERT OR REPLACE INTO agents(id,name,verify_key,created_at,revoked_at) "
                      "VALUES(?,?,?,?,?)",
    [A_GET - A_PUT] = "SELECT id,name,verify_key,created_at,revoked_at FROM agents WHERE id=?",
    [A_TOK_PUT - A_PUT] = "INSERT INTO agent_tokens(hash,agent,created_at) VALUES(?,?,?)",
    [A_TOK_FIND - A_PUT] = "SELECT agent FROM agent_tokens WHERE hash=?",
    [A_DRP_PUT - A_PUT] =
        "INSERT OR REPLACE INTO drp_requests(" DRP_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [A_DRP_GET - A_PUT] = "SELECT " DRP_COLS " FROM drp_requests WHERE id=?",
    [A_DRP_BY_REQ - A_PUT] = "SELECT " DRP_COLS " FROM drp_requests WHERE requests<>'' AND "
                             "instr(','||requests||',', ','||?||',')>0",
};

static sqlite3_stmt *stmt(struct store *s, enum a a)
{
	return sq_stmt(s, (int)a, sql[a - A_PUT]);
}

vow_err sq_agent_put(struct store *s, const struct store_agent *r)
{
	sqlite3_stmt *q = stmt(s, A_PUT);
	if (q != NULL) {
		sq_bind_text(q, 1, r->id);
		sq_bind_text(q, 2, r->name);
		sqlite3_bind_blob(q, 3, r->verify_key, 32, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, r->created_at);
		sqlite3_bind_int64(q, 5, r->revoked_at);
	}
	return sq_run(s, q);
}

vow_err sq_agent_get(struct store *s, const char *id, struct store_agent *out)
{
	sqlite3_stmt *q = stmt(s, A_GET);
	if (q != NULL)
		sq_bind_text(q, 1, id);
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		sq_col_text(q, 0, out->id, sizeof(out->id));
		sq_col_text(q, 1, out->name, sizeof(out->name));
		memset(out->verify_key, 0, 32);
		if (sqlite3_column_bytes(q, 2) == 32)
			memcpy(out->verify_key, sqlite3_column_blob(q, 2), 32);
		else
			err = VOW_ERR_INTEGRITY;
		out->created_at = sqlite3_column_int64(q, 3);
		out->revoked_at = sqlite3_column_int64(q, 4);
		sqlite3_reset(q);
	}
	return err;
}

vow_err sq_agent_token_put(struct store *s, const unsigned char hash[32], const char *agent,
                           int64_t at)
{
	sqlite3_stmt *q = stmt(s, A_TOK_PUT);
	if (q != NULL) {
		sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
		sq_bind_text(q, 2, agent);
		sqlite3_bind_int64(q, 3, at);
	}
	return sq_run(s, q);
}

vow_err sq_agent_token_find(struct store *s, const unsigned char hash[32], char agent[64])
{
	sqlite3_stmt *q = stmt(s, A_TOK_FIND);
	if (q != NULL)
		sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
	vow_err err = sq_one(s, q);
	if (err == VOW_OK) {
		sq_col_text(q, 0, agent, 64);
		sqlite3_reset(q);
	}
	return err;
}

vow_err sq_drp_put(struct store *s, const struct store_drp *r)
{
	sqlite3_stmt *q = stmt(s, A_DRP_PUT);
	if (q != NULL) {
		sq_bind_text(q, 1, r->id);
		sq_bind_text(q, 2, r->agent);
		sq_bind_text(q, 3, r->agent_request_id);
		sq_bind_text(q, 4, r->requests);
		sq_bind_text(q, 5, r->exercise);
		sq_bind_text(q, 6, r->regime);
		sq_bind_text(q, 7, r->status);
		sq_bind_text(q, 8, r->reason);
		sq_bind_text(q, 9, r->callback);
		sq_bind_text(q, 10, r->details);
		sqlite3_bind_int64(q, 11, r->received_at);
		sqlite3_bind_int64(q, 12, r->expires_at);
		sqlite3_bind_int64(q, 13, r->updated_at);
	}
	return sq_run(s, q);
}

static vow_err read_drp(struct store *s, sqlite3_stmt *q, struct store_drp *r)
{
	vow_err err = sq_one(s, q);
	if (err != VOW_OK)
		return err;
	sq_col_text(q, 0, r->id, sizeof(r->id));
	sq_col_text(q, 1, r->agent, sizeof(r->agent));
	sq_col_text(q, 2, r->agent_request_id, sizeof(r->agent_request_id));
	sq_col_text(q, 3, r->requests, sizeof(r->requests));
	sq_col_text(q, 4, r->exercise, sizeof(r->exercise));
	sq_col_text(q, 5, r->regime, sizeof(r->regime));
	sq_col_text(q, 6, r->status, sizeof(r->status));
	sq_col_text(q, 7, r->reason, sizeof(r->reason));
	sq_col_text(q, 8, r->callback, sizeof(r->callback));
	sq_col_text(q, 9, r->details, sizeof(r->details));
	r->received_at = sqlite3_column_int64(q, 10);
	r->expires_at = sqlite3_column_int64(q, 11);
	r->updated_at = sqlite3_column_int64(q, 12);
	sqlite3_reset(q);
	return VOW_OK;
}

vow_err sq_drp_get(struct store *s, const char *id, struct store_drp *out)
{
	sqlite3_stmt *q = stmt(s, A_DRP_GET);
	if (q != NULL)
		sq_bind_text(q, 1, id);
	return read_drp(s, q, out);
}

vow_err sq_drp_by_request(struct store *s, const char *request, struct store_drp *out)
{
	sqlite3_stmt *q = stmt(s, A_DRP_BY_REQ);
	if (q != NULL)
		sq_bind_text(q, 1, request);
	return read_drp(s, q, out);
}
