/* store/store.h — the storage interface: one const table of functions per
 * backend (OpenSMTPD's queue_backend style). The vault talks only to this
 * table, so a PostgreSQL backend can be added without touching the vault.
 *
 * A store instance plays one role: the DATA store (subjects, sealed records
 * and file metadata, blind index, grants, disclosures) or the KEYS store
 * (wrapped keys and metadata), kept in separate files so that a copy of one
 * alone is useless. Stores hold only sealed values, hashes and ids: nothing
 * here ever sees a key or a plaintext value.
 *
 * Rows returned by *_get are written into caller-provided structs whose blob
 * pointers are malloc'd: release them with store_row_free. Listing functions
 * call cb once per row; a non-VOW_OK return from cb stops the walk and is
 * returned. */
#ifndef VOW_STORE_H
#define VOW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/id.h"
#include "util/limits.h"

#define STORE_KEY_MAX (VOW_MAX_KEY + 1) /* a taxonomy key and its NUL */

enum store_role { STORE_DATA, STORE_KEYS };
enum store_subject_status { SUBJECT_ACTIVE = 0, SUBJECT_CLOSED = 1, SUBJECT_ERASED = 2 };
enum store_key_kind {
	KEY_SUBJECT = 0,
	KEY_HOLD = 1,
	KEY_INSTANCE_INDEX = 2,
	KEY_INSTANCE_SIGN = 3,
	KEY_INSTANCE_OUTBOX = 4
};
enum store_flag_kind { FLAG_RESTRICTION = 1, FLAG_OBJECTION = 2, FLAG_PARENTAL_CONSENT = 3 };

struct store_blob {
	unsigned char *p;
	size_t len;
};

struct store_subject {
	char id[VOW_ID_LEN + 1];
	int status;
	char region[3];
	int64_t created_at, closed_at, erased_at;
	int64_t last_activity, contract_end; /* retention anchors, 0: none */
	struct store_blob profile;           /* sealed */
};

struct store_record {
	char subject[VOW_ID_LEN + 1];
	char category[STORE_KEY_MAX];
	char id[VOW_ID_LEN + 1];
	int64_t version, updated_at, held_until;
	int64_t deleted_at; /* deleted by a key then, kept with its history until retention or erasure */
	int key_kind;
	struct store_blob sealed;
};

struct store_file {
	char id[VOW_ID_LEN + 1];
	char subject[VOW_ID_LEN + 1];
	char category[STORE_KEY_MAX];
	int64_t created_at, held_until;
	int key_kind;
	struct store_blob file_key; /* wrapped */
	struct store_blob meta;     /* sealed */
};

struct store_grant {
	char id[VOW_ID_LEN + 1];
	char subject[VOW_ID_LEN + 1];
	char actor[STORE_KEY_MAX];
	char category[STORE_KEY_MAX];
	char file[VOW_ID_LEN + 1]; /* "" = any content of the category */
	char purpose[STORE_KEY_MAX];
	int64_t created_at, until, revoked_at;
};

struct store_disclosure {
	char id[VOW_ID_LEN + 1];
	char subject[VOW_ID_LEN + 1];
	char recipient[STORE_KEY_MAX];
	char category[STORE_KEY_MAX];
	char purpose[STORE_KEY_MAX];
	char basis[32], transfer[32], country[3];
	int64_t at;
};

/* One consent event; the ledger is append-only (the schema refuses updates). */
struct store_consent {
	char id[VOW_ID_LEN + 1];
	char subject[VOW_ID_LEN + 1];
	char purpose[STORE_KEY_MAX];
	int state; /* enum decide_consent */
	char policy_version[64];
	char text_hash[65]; /* BLAKE2b-256 of the purpose text shown, hex */
	char method[VOW_MAX_CONSENT_METHOD + 1]; /* form, banner, api, import, ... */
	int64_t at;
	char ip_prefix[48]; /* truncated address */
	char ua_hash[65];   /* keyed hash of the user agent, hex */
	int against_gpc;    /* given while the person's browser sent Sec-GPC: 1 */
	char terms[33];     /* the purpose's terms fingerprint when given ('' before v7) */
};

/* A restriction, objection or parental consent, with when it was lifted. */
struct store_flag {
	char id[VOW_ID_LEN + 1];
	char subject[VOW_ID_LEN + 1];
	int kind;                   /* enum store_flag_kind */
	char target[STORE_KEY_MAX]; /* a category or purpose key, or "*" */
	int64_t set_at, lifted_at;  /* lifted_at 0: in force */
	char reason[128];
};

/* A denied access: who asked for what, and the rule that said no. */
struct store_denial {
	char subject[VOW_ID_LEN + 1];
	char role[STORE_KEY_MAX], actor[STORE_KEY_MAX], purpose[STORE_KEY_MAX],
	    category[STORE_KEY_MAX];
	char recipient[STORE_KEY_MAX];
	char reason[40];
	int64_t at;
};

/* An API key: only a keyed hash of its secret is stored. */
struct store_apikey {
	char id[17];
	unsigned char hash[32];
	char role[STORE_KEY_MAX]; /* "admin" or a policy role key */
	char staff[STORE_KEY_MAX];
	char subject[VOW_ID_LEN + 1];
	int64_t created_at, revoked_at; /* revoked_at 0: not revoked */
	int64_t expires_at;             /* 0: never */
};

/* One audit entry: ids, keys and outcomes, never personal values. */
struct store_audit {
	int64_t seq, at;
	char actor[STORE_KEY_MAX]; /* role, and staff id after a '/' */
	char action[32];           /* decide, record.put, consent.given, ... */
	char subject[65];          /* keyed pseudonym (hex), "" for none */
	char category[STORE_KEY_MAX];
	char purpose[STORE_KEY_MAX];
	char result[16]; /* allow, deny, ok, error */
	char reason[40];
	unsigned char prev[32], hash[32];
	int malformed; /* read back: a field did not fit its size (so it was altered) */
};

struct store_checkpoint {
	int64_t seq, at;
	unsigned char head[32];
	unsigned char signature[64];
};

/* One message of the outbox: an e-mail or a webhook, written in the same
 * transaction as the change that causes it. payload (recipient address or
 * URL, and the message) is sealed; it is emptied once the message is sent. */
enum store_message_kind { MESSAGE_EMAIL = 1, MESSAGE_WEBHOOK = 2 };
enum store_message_status { MESSAGE_PENDING = 0, MESSAGE_SENT = 1, MESSAGE_DEAD = 2 };
struct store_message {
	char id[VOW_ID_LEN + 1];
	char idem[97];                /* idempotency key: one message per key */
	int kind;                     /* enum store_message_kind */
	char subject[VOW_ID_LEN + 1]; /* the person it concerns, "" for none */
	char template_name[32];       /* request.received, retention.notice, ... */
	int status;                   /* enum store_message_status */
	int attempts;
	int64_t created_at, next_at, sent_at;
	char last_error[160];
	struct store_blob payload; /* sealed */
};

/* The retention due date of one stored item (a record: item ""; a file: its
 * id). due_at 0: no date (kept until a rule's anchor is reached). */
struct store_due {
	char subject[VOW_ID_LEN + 1];
	char category[STORE_KEY_MAX];
	char item[VOW_ID_LEN + 1];
	char purpose[STORE_KEY_MAX]; /* what it was last written for */
	int64_t created_at;          /* first written */
	int64_t due_at, notice_at;   /* notice_at 0: no notice owed */
	int64_t noticed_at;          /* when the notice went, 0: not yet */
	int64_t postponed_to;        /* the person asked to keep it until then */
	int held;                    /* a legal hold pushed due_at out */
	int64_t postponed_at;        /* when it was last kept longer, 0: never */
	char postponed_by[260];      /* who asked then: "ROLE" or "ROLE:ACTOR" */
};

/* A data-subject-rights request and each of its transitions. Only ids,
 * kinds, times and the controller's notes are plain: what the person asked
 * (a corrected value, the categories concerned) and what was answered are
 * sealed under the subject's key, so erasure unlinks them too. */
struct store_request {
	char id[VOW_ID_LEN + 1], subject[VOW_ID_LEN + 1];
	char type[24];    /* access, portability, rectification, erasure, ... */
	char status[16];  /* received, verified, in_progress, completed, denied */
	char channel[64]; /* subject, staff, admin, agent:ID */
	int64_t received_at, verified_at, updated_at, closed_at, due_at;
	int extended;    /* months added to the deadline (0..2) */
	char ground[32]; /* the ground of a denial or extension */
	char note[256];  /* the controller's words for it */
	unsigned char code_hash[32];
	int64_t code_expires;
	int code_attempts;
	char export_id[VOW_ID_LEN + 1];
	unsigned char export_token[32]; /* keyed hash of the download link's token */
	int64_t export_expires;
	struct store_blob detail; /* sealed JSON */
};

struct store_request_event {
	char request[VOW_ID_LEN + 1];
	int64_t at;
	char status[16];
	char note[256];
};

/* An authorized agent of the Data Rights Protocol, registered by an admin,
 * and the requests it filed. */
struct store_agent {
	char id[64];
	char name[128];
	unsigned char verify_key[32]; /* Ed25519 */
	int64_t created_at, revoked_at;
};

struct store_drp {
	char id[40]; /* the DRP request_id (a UUID) */
	char agent[64];
	char agent_request_id[128];
	char requests[140]; /* the vow requests it maps onto, comma-separated */
	char exercise[64], regime[16];
	char status[24], reason[32]; /* for requests vow holds no request for */
	char callback[512];
	char details[256];
	int64_t received_at, expires_at, updated_at;
};

struct store_key {
	char owner[VOW_ID_LEN + 1];
	int kind;
	struct store_blob wrapped;
};

typedef vow_err (*store_each_fn)(void *ctx, const void *row);

struct store;

struct store_ops {
	const char *name;
	/* lifecycle: open creates or migrates the schema of the role */
	vow_err (*open)(const char *location, enum store_role role, struct store **out);
	void (*close)(struct store *s);
	vow_err (*begin)(struct store *s);
	/* a read transaction: several reads share one snapshot and one lock */
	vow_err (*begin_read)(struct store *s);
	vow_err (*commit)(struct store *s);
	void (*rollback)(struct store *s);
	int (*schema_version)(struct store *s);
	/* moves committed pages into the main file and truncates the journal, so
	 * deleted rows (secure_delete) leave no copy behind */
	vow_err (*checkpoint)(struct store *s);

	/* DATA: subjects */
	vow_err (*subject_insert)(struct store *s, const struct store_subject *row);
	vow_err (*subject_get)(struct store *s, const char *id, struct store_subject *out);
	/* as subject_get without the profile: the status and the retention anchors */
	vow_err (*subject_anchors)(struct store *s, const char *id, struct store_subject *out);
	/* status, region and the materialised decision state (a text the vault
	 * writes; caller frees *state) in one lookup */
	vow_err (*subject_state)(struct store *s, const char *id, int *status, char region[3],
	                         char **state);
	vow_err (*subject_set_state)(struct store *s, const char *id, const char *state);
	vow_err (*subject_update)(struct store *s, const struct store_subject *row);
	vow_err (*subject_list)(struct store *s, const char *after, size_t limit, store_each_fn cb,
	                        void *ctx);

	/* DATA: blind index (kind: 1 e-mail, 2 phone) */
	vow_err (*index_put)(struct store *s, int kind, const unsigned char hash[32],
	                     const char *subject);
	vow_err (*index_find)(struct store *s, int kind, const unsigned char hash[32],
	                      char subject[VOW_ID_LEN + 1]);
	vow_err (*index_delete_subject)(struct store *s, const char *subject, size_t *count);
	/* only the entries of one kind */
	vow_err (*index_delete_kind)(struct store *s, const char *subject, int kind);

	/* DATA: records; put replaces the current version, first moving it to
	 * the history when keep_previous is set */
	vow_err (*record_put)(struct store *s, const struct store_record *row, int keep_previous);
	/* the current version's id, number and key kind, without its value */
	vow_err (*record_head)(struct store *s, const char *subject, const char *category,
	                       struct store_record *out);
	vow_err (*record_get)(struct store *s, const char *subject, const char *category,
	                      struct store_record *out);
	vow_err (*record_update)(struct store *s,
	                         const struct store_record *row); /* same version: reseal */
	vow_err (*record_list)(struct store *s, const char *subject, store_each_fn cb, void *ctx);
	vow_err (*record_history)(struct store *s, const char *subject, const char *category,
	                          store_each_fn cb, void *ctx);
	vow_err (*record_delete)(struct store *s, const char *subject, const char *category,
	                         size_t *versions);
	vow_err (*history_delete)(struct store *s, const char *subject, const char *category,
	                          size_t *versions);
	/* hides the current version as deleted at `at` (VOW_ERR_NOT_FOUND: none,
	 * or deleted already); record_put of a new value brings the category back */
	vow_err (*record_mark_deleted)(struct store *s, const char *subject, const char *category,
	                               int64_t at);

	/* DATA: files (metadata; content lives in the file directory) */
	vow_err (*file_insert)(struct store *s, const struct store_file *row);
	vow_err (*file_get)(struct store *s, const char *id, struct store_file *out);
	vow_err (*file_update)(struct store *s, const struct store_file *row);
	vow_err (*file_list)(struct store *s, const char *subject, store_each_fn cb, void *ctx);
	vow_err (*file_delete)(struct store *s, const char *id);

	/* DATA: grants */
	vow_err (*grant_insert)(struct store *s, const struct store_grant *row);
	vow_err (*grant_revoke)(struct store *s, const char *id, int64_t at);
	vow_err (*grant_list)(struct store *s, const char *subject, store_each_fn cb, void *ctx);
	vow_err (*grant_delete_subject)(struct store *s, const char *subject, size_t *count);

	/* DATA: disclosures */
	vow_err (*disclosure_insert)(struct store *s, const struct store_disclosure *row);
	vow_err (*disclosure_list)(struct store *s, const char *subject, store_each_fn cb,
	                           void *ctx);

	/* DATA: consent ledger (append-only) and subject flags */
	vow_err (*consent_append)(struct store *s, const struct store_consent *row);
	vow_err (*consent_list)(struct store *s, const char *subject, store_each_fn cb, void *ctx);
	vow_err (*flag_set)(struct store *s, const struct store_flag *row);
	vow_err (*flag_lift)(struct store *s, const char *subject, int kind, const char *target,
	                     int64_t at, size_t *count);
	vow_err (*flag_list)(struct store *s, const char *subject, store_each_fn cb, void *ctx);

	/* DATA: denied accesses */
	vow_err (*denial_append)(struct store *s, const struct store_denial *row);
	vow_err (*denial_list)(struct store *s, const char *subject, store_each_fn cb, void *ctx);

	/* DATA: audit log (hash chain) and its signed checkpoints */
	vow_err (*audit_append)(struct store *s, const struct store_audit *row);
	vow_err (*audit_head)(struct store *s, int64_t *seq, unsigned char hash[32]);
	vow_err (*audit_scan)(struct store *s, int64_t from, store_each_fn cb, void *ctx);
	vow_err (*audit_by_subject)(struct store *s, const char *pseudonym, store_each_fn cb,
	                            void *ctx);
	vow_err (*checkpoint_put)(struct store *s, const struct store_checkpoint *row);
	vow_err (*checkpoint_list)(struct store *s, store_each_fn cb, void *ctx);
	/* deletes entries up to and including seq, and older checkpoints (the one
	 * at seq stays as the anchor of what remains) */
	vow_err (*audit_prune)(struct store *s, int64_t seq, size_t *count);

	/* DATA: API keys. list walks them in id order after `after` (NULL:
	 * from the start), at most limit; revoke sets revoked_at on a key not
	 * yet revoked (VOW_ERR_NOT_FOUND: no such key, VOW_ERR_EXISTS: revoked
	 * already); subject walks a subject's keys not yet revoked; count
	 * counts the keys of role neither revoked nor expired at now. */
	vow_err (*apikey_insert)(struct store *s, const struct store_apikey *row);
	vow_err (*apikey_get)(struct store *s, const char *id, struct store_apikey *out);
	vow_err (*apikey_list)(struct store *s, const char *after, size_t limit, store_each_fn cb,
	                       void *ctx);
	vow_err (*apikey_revoke)(struct store *s, const char *id, int64_t at);
	vow_err (*apikey_subject)(struct store *s, const char *subject, store_each_fn cb,
	                          void *ctx);
	vow_err (*apikey_count)(struct store *s, const char *role, int64_t now, size_t *count);

	/* DATA: the outbox. insert is VOW_ERR_EXISTS for a known idempotency
	 * key (the message is already queued). due lists pending messages whose
	 * next_at <= now and whose lease (if any) ended by lease_now, oldest
	 * first, at most limit. update writes status, attempts, next_at,
	 * sent_at, last_error and payload.
	 *
	 * Leases (lease_now is the real clock, shared by every sender): claim
	 * takes message id for one delivery, atomically, when it is pending,
	 * due at now and not leased at lease_now, setting its lease to (token,
	 * until); VOW_ERR_NOT_FOUND when it is not there to take. finish writes
	 * the delivery's outcome (status, attempts, next_at, sent_at,
	 * last_error; a sent message's payload dropped, another's left as
	 * stored) and ends the lease, only while token holds it and, for an
	 * outcome other than sent, the message is still pending;
	 * VOW_ERR_NOT_FOUND otherwise. recent counts subject's e-mails sent
	 * after since (*oldest: the earliest of their times, 0 for none) and
	 * those leased at lease_now. hold moves subject's pending e-mails that
	 * are due at now and not leased to until, with why as last_error. */
	vow_err (*message_insert)(struct store *s, const struct store_message *row);
	vow_err (*message_due)(struct store *s, int64_t now, int64_t lease_now, size_t limit,
	                       store_each_fn cb, void *ctx);
	vow_err (*message_update)(struct store *s, const struct store_message *row);
	vow_err (*message_claim)(struct store *s, const char *id, const char *token, int64_t now,
	                         int64_t lease_now, int64_t until);
	vow_err (*message_finish)(struct store *s, const struct store_message *row,
	                          const char *token);
	vow_err (*message_recent)(struct store *s, const char *subject, int64_t since,
	                          int64_t lease_now, size_t *sent, int64_t *oldest,
	                          size_t *in_flight);
	vow_err (*message_hold)(struct store *s, const char *subject, int64_t now,
	                        int64_t lease_now, int64_t until, const char *why, size_t *count);
	vow_err (*message_list)(struct store *s, const char *subject, store_each_fn cb, void *ctx);
	vow_err (*message_get)(struct store *s, const char *id, struct store_message *out);

	/* DATA: retention due dates. put inserts or replaces; walk lists rows
	 * with 0 < due_at <= now (or, with notices, 0 < notice_at <= now and
	 * noticed_at = 0) in (date, subject, category, item) order after the
	 * row `after` (NULL: from the start), at most limit, through an index,
	 * so its cost follows the number due, not the number stored. */
	vow_err (*due_put)(struct store *s, const struct store_due *row);
	vow_err (*due_get)(struct store *s, const char *subject, const char *category,
	                   const char *item, struct store_due *out);
	vow_err (*due_delete)(struct store *s, const char *subject, const char *category,
	                      const char *item);
	vow_err (*due_walk)(struct store *s, int64_t now, bool notices,
	                    const struct store_due *after, size_t limit, store_each_fn cb,
	                    void *ctx);
	vow_err (*due_subject)(struct store *s, const char *subject, store_each_fn cb, void *ctx);
	/* every row in (subject, category, item) order after the given key
	 * (NULL: from the start), at most limit: for recomputing all */
	vow_err (*due_all)(struct store *s, const struct store_due *after, size_t limit,
	                   store_each_fn cb, void *ctx);

	/* DATA: rights requests. list: subject NULL for all, open_only for
	 * those neither completed nor denied, oldest first. by_export finds
	 * the request whose download token hashes to token. */
	vow_err (*request_insert)(struct store *s, const struct store_request *row);
	vow_err (*request_get)(struct store *s, const char *id, struct store_request *out);
	vow_err (*request_update)(struct store *s, const struct store_request *row);
	vow_err (*request_list)(struct store *s, const char *subject, bool open_only,
	                        store_each_fn cb, void *ctx);
	vow_err (*request_by_export)(struct store *s, const unsigned char token[32],
	                             struct store_request *out);
	vow_err (*request_event_append)(struct store *s, const struct store_request_event *row);
	vow_err (*request_events)(struct store *s, const char *request, store_each_fn cb,
	                          void *ctx);
	/* DATA: wrong verification codes, per subject across requests. add
	 * records one at `at` and forgets every one (of anyone) before
	 * forget_before; nth gives the time of the subject's n-th most recent
	 * (1-based) after since, VOW_ERR_NOT_FOUND when there are fewer. */
	vow_err (*code_failure_add)(struct store *s, const char *subject, int64_t at,
	                            int64_t forget_before);
	vow_err (*code_failure_nth)(struct store *s, const char *subject, int64_t since, unsigned n,
	                            int64_t *at);

	/* DATA: DRP agents, their pair-wise tokens (keyed hashes) and requests */
	vow_err (*agent_put)(struct store *s, const struct store_agent *row);
	vow_err (*agent_get)(struct store *s, const char *id, struct store_agent *out);
	vow_err (*agent_token_put)(struct store *s, const unsigned char hash[32], const char *agent,
	                           int64_t at);
	vow_err (*agent_token_find)(struct store *s, const unsigned char hash[32], char agent[64]);
	vow_err (*drp_put)(struct store *s, const struct store_drp *row); /* insert or replace */
	vow_err (*drp_get)(struct store *s, const char *id, struct store_drp *out);
	/* the DRP request that maps onto vow request `request` */
	vow_err (*drp_by_request)(struct store *s, const char *request, struct store_drp *out);

	/* KEYS */
	vow_err (*key_put)(struct store *s, const struct store_key *row); /* insert or replace */
	vow_err (*key_get)(struct store *s, const char *owner, int kind, struct store_key *out);
	vow_err (*key_delete)(struct store *s, const char *owner, int kind);
	vow_err (*key_list)(struct store *s, store_each_fn cb, void *ctx);
	vow_err (*meta_get)(struct store *s, const char *name, char *out, size_t cap);
	vow_err (*meta_set)(struct store *s, const char *name, const char *value);
};

/* The SQLite backend (WAL, synchronous=FULL: a returned commit survives a
 * crash). location is the database file path. */
extern const struct store_ops store_sqlite_ops;

/* The backend registered under name ("sqlite"), or NULL. */
const struct store_ops *store_backend(const char *name);

/* Frees the blobs of a row returned by a *_get or a listing (NULL-safe;
 * wipes them first). */
void store_blob_free(struct store_blob *b);

#endif
