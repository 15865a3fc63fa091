/* store/store_sqlite_int.h — private to the SQLite backend: the handle and
 * the statement and column helpers its files share. */
#ifndef VOW_STORE_SQLITE_INT_H
#define VOW_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <string.h>

#include "store/store.h"

/* Statement slots: store_sqlite.c uses those below SQ_WORK_BASE, the
 * background-work tables (outbox, due dates, requests) those above. */
#define SQ_WORK_BASE 64
#define SQ_SLOTS     128

struct store {
	sqlite3 *db;
	enum store_role role;
	int depth; /* open transactions: 1 = BEGIN, more = nested SAVEPOINTs */
	sqlite3_stmt *st[SQ_SLOTS];
};

/* The vow_err for an SQLite result code. */
vow_err sq_map_rc(int rc);

/* The statement cached in slot (prepared from text on first use), reset
 * and with its bindings cleared; NULL if it cannot be prepared. */
sqlite3_stmt *sq_stmt(struct store *s, int slot, const char *text);

/* Binds a text (borrowed until the statement runs) or a blob (NULL: SQL NULL). */
void sq_bind_text(sqlite3_stmt *q, int i, const char *v);
void sq_bind_blob(sqlite3_stmt *q, int i, const struct store_blob *b);

/* Runs a statement that returns no rows. */
vow_err sq_run(struct store *s, sqlite3_stmt *q);

/* Steps a one-row query: VOW_OK with the row (reset it after reading),
 * VOW_ERR_NOT_FOUND without. */
vow_err sq_one(struct store *s, sqlite3_stmt *q);

/* Copies a text column into out (cut to cap - 1 bytes). */
void sq_col_text(sqlite3_stmt *q, int i, char *out, size_t cap);

/* Copies a blob column into a malloc'd blob (store_blob_free). */
vow_err sq_col_blob(sqlite3_stmt *q, int i, struct store_blob *b);

/* Walks every row of q through read, calling cb with a row on the stack. */
#define WALK(s, q, T, read, cb, ctx)                                                               \
	do {                                                                                       \
		if ((q) == NULL)                                                                   \
			return sq_map_rc(sqlite3_errcode((s)->db));                                \
		vow_err err_ = VOW_OK;                                                             \
		int rc_;                                                                           \
		while (err_ == VOW_OK && (rc_ = sqlite3_step(q)) == SQLITE_ROW) {                  \
			T row_;                                                                    \
			memset(&row_, 0, sizeof(row_));                                            \
			err_ = read((q), &row_);                                                   \
			if (err_ == VOW_OK)                                                        \
				err_ = (cb)((ctx), &row_);                                         \
			row_free_##T(&row_);                                                       \
		}                                                                                  \
		if (err_ == VOW_OK && rc_ != SQLITE_DONE)                                          \
			err_ = sq_map_rc(rc_);                                                     \
		sqlite3_reset(q);                                                                  \
		return err_;                                                                       \
	} while (0)

/* The outbox and due-date operations (store_sqlite_work.c); contracts in
 * store.h. */
vow_err sq_message_insert(struct store *s, const struct store_message *r);
vow_err sq_message_due(struct store *s, int64_t now, int64_t lease_now, size_t limit,
                       store_each_fn cb, void *ctx);
vow_err sq_message_update(struct store *s, const struct store_message *r);
vow_err sq_message_claim(struct store *s, const char *id, const char *token, int64_t now,
                         int64_t lease_now, int64_t until);
vow_err sq_message_finish(struct store *s, const struct store_message *r, const char *token);
vow_err sq_message_recent(struct store *s, const char *subject, int64_t since, int64_t lease_now,
                          size_t *sent, int64_t *oldest, size_t *in_flight);
vow_err sq_message_hold(struct store *s, const char *subject, int64_t now, int64_t lease_now,
                        int64_t until, const char *why, size_t *count);
vow_err sq_message_list(struct store *s, const char *subject, store_each_fn cb, void *ctx);
vow_err sq_message_get(struct store *s, const char *id, struct store_message *out);
vow_err sq_due_put(struct store *s, const struct store_due *r);
vow_err sq_due_get(struct store *s, const char *subject, const char *category, const char *item,
                   struct store_due *out);
vow_err sq_due_delete(struct store *s, const char *subject, const char *category, const char *item);
vow_err sq_due_walk(struct store *s, int64_t now, bool notices, const struct store_due *after,
                    size_t limit, store_each_fn cb, void *ctx);
vow_err sq_due_subject(struct store *s, const char *subject, store_each_fn cb, void *ctx);
vow_err sq_due_all(struct store *s, const struct store_due *after, size_t limit, store_each_fn cb,
                   void *ctx);

/* Rights requests (store_sqlite_requests.c). */
vow_err sq_request_insert(struct store *s, const struct store_request *r);
vow_err sq_request_get(struct store *s, const char *id, struct store_request *out);
vow_err sq_request_update(struct store *s, const struct store_request *r);
vow_err sq_request_list(struct store *s, const char *subject, bool open_only, store_each_fn cb,
                        void *ctx);
vow_err sq_request_by_export(struct store *s, const unsigned char token[32],
                             struct store_request *out);
vow_err sq_request_event_append(struct store *s, const struct store_request_event *r);
vow_err sq_request_events(struct store *s, const char *request, store_each_fn cb, void *ctx);
vow_err sq_code_failure_add(struct store *s, const char *subject, int64_t at,
                            int64_t forget_before);
vow_err sq_code_failure_nth(struct store *s, const char *subject, int64_t since, unsigned n,
                            int64_t *at);

/* API keys (store_sqlite_apikeys.c). */
vow_err sq_apikey_insert(struct store *s, const struct store_apikey *r);
vow_err sq_apikey_get(struct store *s, const char *id, struct store_apikey *out);
vow_err sq_apikey_list(struct store *s, const char *after, size_t limit, store_each_fn cb,
                       void *ctx);
vow_err sq_apikey_revoke(struct store *s, const char *id, int64_t at);
vow_err sq_apikey_subject(struct store *s, const char *subject, store_each_fn cb, void *ctx);
vow_err sq_apikey_count(struct store *s, const char *role, int64_t now, size_t *count);

/* DRP agents and requests (store_sqlite_agents.c). */
vow_err sq_agent_put(struct store *s, const struct store_agent *r);
vow_err sq_agent_get(struct store *s, const char *id, struct store_agent *out);
vow_err sq_agent_token_put(struct store *s, const unsigned char hash[32], const char *agent,
                           int64_t at);
vow_err sq_agent_token_find(struct store *s, const unsigned char hash[32], char agent[64]);
vow_err sq_drp_put(struct store *s, const struct store_drp *r);
vow_err sq_drp_get(struct store *s, const char *id, struct store_drp *out);
vow_err sq_drp_by_request(struct store *s, const char *request, struct store_drp *out);

#endif
