/* vault/vault.h — where personal data lives and how it dies.
 *
 * A vault is a data directory (made by `vow init`):
 *   master.key   the instance master key (or VOW_MASTER_KEY)
 *   keys.db      the key store: per-subject data keys wrapped by the master key
 *   data.db      the data store: sealed records, sealed file metadata, blind
 *                index, grants, disclosures
 *   files/       sealed file contents, named by random id
 * A copy of data.db and files/ alone cannot be decrypted; erasing a subject
 * destroys their key first, so every copy of their data, backups included,
 * becomes unreadable at once.
 *
 * Every record is sealed with the subject's key (XChaCha20-Poly1305; the
 * associated data binds subject, category, record id and version); every
 * file with its own random key (secretstream), itself wrapped by the
 * subject's key. Plaintext leaves the vault only in buffers the caller
 * releases with vault_value_free, which wipes them.
 *
 * A vault handle is not thread-safe: use one per thread. */
#ifndef VOW_VAULT_H
#define VOW_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide/decide.h"
#include "policy/policy.h"
#include "util/err.h"
#include "util/id.h"
#include "util/limits.h"

#define VAULT_MAX_VALUE         ((size_t)VOW_MAX_VALUE) /* one record's JSON value */
#define VAULT_MAX_PROFILE_FIELD (VOW_MAX_PROFILE_FIELD + 1u) /* e-mail, phone, locale, ... with NUL */

struct vault;

/* Opens the vault in dir under policy (borrowed: it must outlive the vault or
 * be replaced with vault_set_policy). Creates the stores on first use.
 * VOW_ERR_KEY if the master key is missing, unsafe or not the one the key
 * store was made with; VOW_ERR_IO on storage errors. */
VOW_MUST_CHECK vow_err vault_open(const char *dir, const struct policy *policy, struct vault **out);

/* Closes the vault, wiping every cached key. NULL-safe; sets *v to NULL. */
void vault_close(struct vault **v);

/* Replaces the policy the vault checks categories against (borrowed). */
void vault_set_policy(struct vault *v, const struct policy *policy);

/* The policy the vault works under (borrowed). */
const struct policy *vault_policy(const struct vault *v);

/* Groups the data-store writes that follow into one durable commit (each
 * operation still succeeds or fails alone). Batches nest. */
VOW_MUST_CHECK vow_err vault_batch_begin(struct vault *v);
VOW_MUST_CHECK vow_err vault_batch_commit(struct vault *v);

/* ---- access: every read, write, file access and disclosure is decided ---- */

/* Who acts, for what. role is a policy role key; actor identifies a staff
 * member (checked against grants for assigned_only roles); purpose is a
 * policy purpose key; gpc/dnt are the request's browser signals. */
struct vault_access {
	const char *role;
	const char *actor;
	const char *purpose;
	bool gpc, dnt;
	/* deciding what a listing may show: a deny is audited like any
	 * decision but not recorded as a denied access (nothing was opened) */
	bool listing;
	/* carrying out the person's own rights request (access, portability,
	 * rectification: GDPR Arts. 15, 16, 20): not decided against the
	 * processing purposes, audited as "rights". Set only by rights/. */
	bool rights;
};

/* The category under which an access or portability export is kept as
 * one of the subject's files (sealed like any file, erased with the
 * subject, never listed as their data). */
#define VAULT_EXPORT_CATEGORY "vow.export"

/* A subject's state as decide() needs it, built from the subject row, the
 * consent ledger and the flags. Owns its arrays: vault_state_free. */
struct vault_state {
	struct decide_subject s;
	uint8_t *consent;
	uint64_t *objections, *restricted;
};

/* Builds the state of subject under the vault's policy. VOW_ERR_NOT_FOUND
 * for an unknown subject. */
VOW_MUST_CHECK vow_err vault_state_load(struct vault *v, const char *subject,
                                        struct vault_state *out);
void vault_state_free(struct vault_state *st);

/* Decides access a to the subject's category (file: a file id or NULL;
 * recipient: a recipient key or NULL; attr: the data's residency attribute
 * or NULL; held: the data is under a legal hold). Always fills *result
 * when given; returns VOW_ERR_DENIED on a deny, VOW_ERR_INVALID for a
 * missing access. */
VOW_MUST_CHECK vow_err vault_check(struct vault *v, const struct vault_access *a,
                                   const char *subject, const char *category, const char *file,
                                   const char *recipient, const char *attr, bool held,
                                   struct decide_result *result);

/* As vault_check for an operation other than reading (write, delete): the
 * policy decides what each role may do (`operations:`; staff read only by
 * default). vault_check is vault_check_op with OP_READ. */
VOW_MUST_CHECK vow_err vault_check_op(struct vault *v, const struct vault_access *a,
                                      enum policy_op op, const char *subject,
                                      const char *category, const char *file,
                                      const char *recipient, const char *attr, bool held,
                                      struct decide_result *result);

/* Lists the denied accesses recorded for subject, oldest first. */
typedef vow_err (*vault_denial_fn)(void *ctx, const char *role, const char *purpose,
                                   const char *category, const char *reason, int64_t at);
VOW_MUST_CHECK vow_err vault_denial_list(struct vault *v, const char *subject, vault_denial_fn cb,
                                         void *ctx);

/* Why the last refused operation on this handle was refused: a reason code
 * from the documented list (decide's codes, and vault_reason_known's
 * others: "no_consent", "not_stored", "legal_hold", ...), and a message
 * naming the field or rule (static text, never personal data). Each is
 * NULL when nothing set it since vault_refusal_clear. Every VOW_ERR_DENIED
 * a vault function returns sets the reason. */
const char *vault_last_denial(const struct vault *v);
const char *vault_last_why(const struct vault *v);

/* Forgets the last refusal (call before each request a handle serves, so
 * nothing survives from one request to the next). */
void vault_refusal_clear(struct vault *v);

/* Records the refusal of the operation under way (reason and why: static
 * strings or NULL; see vault_last_denial) and returns err, for callers
 * that refuse on the vault's behalf (consent, rights, retention). */
vow_err vault_refuse(struct vault *v, vow_err err, const char *reason, const char *why);

/* True for a reason code of the documented list (docs/decisions.md). */
bool vault_reason_known(const char *reason);

/* ---- subjects ---- */

enum vault_subject_status { VAULT_ACTIVE = 0, VAULT_CLOSED = 1, VAULT_ERASED = 2 };

struct vault_subject_new {
	const char *email;      /* optional */
	const char *phone;      /* optional */
	const char *region;     /* optional ISO 3166-1 alpha-2 */
	const char *birth_date; /* optional YYYY-MM-DD */
	int age;                /* optional (0 = unknown), used when no birth date */
	const char *locale;     /* optional, e.g. "nl-NL" */
	/* a parent's consent, attested by whoever creates the subject (the
	 * sign-up form the parent completed): needed, and recorded, for a
	 * person under the policy's minimum age when the policy allows it */
	bool parental_consent;
};

/* A subject's state. The profile strings are decrypted copies owned by the
 * struct: release with vault_subject_clear (wipes). */
struct vault_subject {
	char id[VOW_ID_LEN + 1];
	enum vault_subject_status status;
	char region[3];
	int64_t created_at, closed_at, erased_at;
	char *email, *phone, *birth_date, *locale;
	int age;
};

/* Creates a subject; writes its id to id. VOW_ERR_INVALID for a malformed
 * e-mail, phone, region or date; VOW_ERR_EXISTS when the e-mail or phone is
 * already held by another subject. A person whose birth date or age puts
 * them under the policy's minimum age is refused (VOW_ERR_DENIED, reason
 * under_age, nothing stored) unless the policy allows a parent's consent
 * and in->parental_consent attests it: then it is recorded with the
 * subject (the flag decide() reads), in the same transaction. */
VOW_MUST_CHECK vow_err vault_subject_create(struct vault *v, const struct vault_subject_new *in,
                                            char id[VOW_ID_LEN + 1]);

/* Reads a subject. VOW_ERR_NOT_FOUND for an unknown id (also a malformed
 * one). An erased subject is returned with status VAULT_ERASED and no profile. */
VOW_MUST_CHECK vow_err vault_subject_get(struct vault *v, const char *id,
                                         struct vault_subject *out);

/* Wipes and frees the profile strings of s. */
void vault_subject_clear(struct vault_subject *s);

/* Lists subjects in id order after `after` (NULL: from the start), at most
 * limit, without decrypting profiles. */
typedef vow_err (*vault_subject_fn)(void *ctx, const char *id, enum vault_subject_status status,
                                    int64_t created_at);
VOW_MUST_CHECK vow_err vault_subject_list(struct vault *v, const char *after, size_t limit,
                                          vault_subject_fn cb, void *ctx);

/* Marks the account closed (retention rules that run from account closure
 * start now). VOW_ERR_NOT_FOUND, or VOW_ERR_INVALID if already erased. */
VOW_MUST_CHECK vow_err vault_subject_close(struct vault *v, const char *id);

enum vault_lookup { VAULT_BY_EMAIL = 1, VAULT_BY_PHONE = 2 };

/* Finds the subject holding an e-mail address or phone number through the
 * keyed blind index over its normalised form (see vault_normalize).
 * VOW_ERR_NOT_FOUND if none. */
VOW_MUST_CHECK vow_err vault_subject_find(struct vault *v, enum vault_lookup by, const char *value,
                                          char id[VOW_ID_LEN + 1]);

/* Normalises an e-mail (trimmed, lower-cased, one '@', no spaces) or a phone
 * number (digits only, a leading '+' kept, "00" prefix read as '+', spaces,
 * dots, dashes, slashes and parentheses dropped; 6 to 15 digits) into out.
 * VOW_ERR_INVALID if the value cannot be one. */
VOW_MUST_CHECK vow_err vault_normalize(enum vault_lookup by, const char *value, char *out,
                                       size_t cap);

/* ---- records: one JSON value per subject and category ----
 *
 * Every function here, and the file and disclosure functions below, first
 * decides the access a (vault_check): a deny returns VOW_ERR_DENIED and
 * vault_last_denial() names the rule. */

/* What a write kept, after the category's intake rule (minimisation). */
struct vault_put_result {
	bool stored;                  /* false: the policy drops this category at intake */
	enum policy_intake intake;    /* the rule applied */
	char network[48];             /* truncate_ip: the network kept ("203.0.113.0") */
};

/* Stores value (len bytes of JSON, at most VAULT_MAX_VALUE) for the subject
 * and a category the policy declares as stored, after its intake rule:
 * keep stores the value as given; truncate_ip takes a JSON string holding
 * an IPv4 or IPv6 address and keeps its /24 or /48 network; hash takes a
 * JSON string (at most VOW_MAX_SECRET bytes) and keeps only its Argon2id
 * password hash (never returned: see vault_record_verify); drop keeps
 * nothing (the access is still decided and audited). A replaced value
 * moves to the rectification history. res (may be NULL) says what was kept.
 * VOW_ERR_DENIED with reason unknown_category or not_stored for a category
 * the policy does not let vow store, legal_hold for a held record, or the
 * decision's reason; VOW_ERR_INVALID for invalid JSON or a value the intake
 * rule cannot take; VOW_ERR_TOO_LARGE over the cap; VOW_ERR_NOT_FOUND for
 * an unknown or erased subject. */
VOW_MUST_CHECK vow_err vault_record_put_result(struct vault *v, const struct vault_access *a,
                                               const char *subject, const char *category,
                                               const char *value, size_t len,
                                               struct vault_put_result *res);

/* vault_record_put_result without the result. */
VOW_MUST_CHECK vow_err vault_record_put(struct vault *v, const struct vault_access *a,
                                        const char *subject, const char *category,
                                        const char *value, size_t len);

/* Checks candidate (len bytes, the secret itself, not JSON) against the
 * hash kept for a category whose intake is hash, decided and audited like
 * a read: *match says whether it matches. VOW_ERR_INVALID for a category
 * that keeps no hash; VOW_ERR_NOT_FOUND when nothing is stored. */
VOW_MUST_CHECK vow_err vault_record_verify(struct vault *v, const struct vault_access *a,
                                           const char *subject, const char *category,
                                           const char *candidate, size_t len, bool *match);

/* Reads the current value: *value (NUL-terminated, *len bytes) is the
 * caller's, released with vault_value_free. The access is decided first,
 * so a caller it denies learns nothing of whether the value exists.
 * VOW_ERR_NOT_FOUND if none; VOW_ERR_DENIED (reason hash_only) for a
 * category kept only as a hash; VOW_ERR_INTEGRITY if the stored bytes were
 * altered or moved. */
VOW_MUST_CHECK vow_err vault_record_get(struct vault *v, const struct vault_access *a,
                                        const char *subject, const char *category, char **value,
                                        size_t *len);

/* Wipes and frees a value returned by the vault. NULL-safe. */
void vault_value_free(char *value, size_t len);

/* Calls cb for each category the subject holds a record in. */
typedef vow_err (*vault_category_fn)(void *ctx, const char *category, int64_t version,
                                     int64_t updated_at, bool held);
VOW_MUST_CHECK vow_err vault_record_categories(struct vault *v, const char *subject,
                                               vault_category_fn cb, void *ctx);

/* As vault_record_categories, also with the categories whose record a key
 * deleted: what is still held (with its history) until retention or
 * erasure removes it, for the person's access export. */
VOW_MUST_CHECK vow_err vault_record_categories_held(struct vault *v, const char *subject,
                                                    vault_category_fn cb, void *ctx);

/* Calls cb with each earlier value (oldest first), then the current one:
 * the history of rectifications. The value is wiped after cb returns.
 * Decided first, like vault_record_get; VOW_ERR_DENIED (hash_only) for a
 * category kept only as a hash. */
typedef vow_err (*vault_version_fn)(void *ctx, int64_t version, int64_t updated_at,
                                    const char *value, size_t len);
VOW_MUST_CHECK vow_err vault_record_history(struct vault *v, const struct vault_access *a,
                                            const char *subject, const char *category,
                                            vault_version_fn cb, void *ctx);

/* Deletes the record (decided as a delete: staff may not by default): it
 * is no longer read or listed, but its value and history are kept, hidden,
 * until retention or erasure removes them (history is never a key's to
 * rewrite); a later put brings the category back with a new version.
 * VOW_ERR_NOT_FOUND if none (or deleted already). */
VOW_MUST_CHECK vow_err vault_record_delete(struct vault *v, const struct vault_access *a,
                                           const char *subject, const char *category);

/* ---- files, streamed in chunks with flat memory ---- */

struct vault_file_writer;
struct vault_file_reader;

struct vault_file_info {
	char id[VOW_ID_LEN + 1];
	char subject[VOW_ID_LEN + 1];
	char category[129];
	char name[256];
	char media_type[128];
	char language[VOW_MAX_LANGUAGE + 1]; /* the content's BCP 47 tag, "" unknown */
	uint64_t size;
	int64_t created_at;
};

/* Starts a new file for the subject in category (declared and stored).
 * name and media_type are sealed with the content. */
VOW_MUST_CHECK vow_err vault_file_create(struct vault *v, const struct vault_access *a,
                                         const char *subject, const char *category,
                                         const char *name, const char *media_type,
                                         struct vault_file_writer **out);

/* Records the language of the file's content (a BCP 47 tag such as "nl"
 * or "nl-BE"), sealed with it: residency rules that depend on the language
 * (e.g. Dutch content stays in Europe) read it from the file at every
 * disclosure. VOW_ERR_INVALID for a malformed tag. */
VOW_MUST_CHECK vow_err vault_file_set_language(struct vault_file_writer *w, const char *tag);

/* True for a well-formed BCP 47 language tag of at most VOW_MAX_LANGUAGE
 * bytes: a primary subtag of 2 to 8 letters, then subtags of 1 to 8
 * letters or digits, separated by '-'. */
bool vault_language_valid(const char *tag);

/* Appends len bytes. */
VOW_MUST_CHECK vow_err vault_file_write(struct vault_file_writer *w, const void *buf, size_t len);

/* Seals the last chunk, makes the file durable and records it; writes the
 * new file's id. The writer is freed whatever the result. */
VOW_MUST_CHECK vow_err vault_file_finish(struct vault_file_writer **w, char id[VOW_ID_LEN + 1]);

/* Abandons a file being written (nothing is kept). NULL-safe. */
void vault_file_abort(struct vault_file_writer **w);

/* Opens a stored file; *info receives its metadata. */
VOW_MUST_CHECK vow_err vault_file_open(struct vault *v, const struct vault_access *a,
                                       const char *id, struct vault_file_reader **out,
                                       struct vault_file_info *info);

/* Reads up to cap bytes; *n = 0 at the end. VOW_ERR_INTEGRITY if any chunk
 * was altered, reordered, or the file was truncated. */
VOW_MUST_CHECK vow_err vault_file_read(struct vault_file_reader *r, void *buf, size_t cap,
                                       size_t *n);

/* Closes a reader, wiping its buffers. NULL-safe. */
void vault_file_close(struct vault_file_reader **r);

/* Lists a subject's files (metadata decrypted). */
typedef vow_err (*vault_file_fn)(void *ctx, const struct vault_file_info *info);
VOW_MUST_CHECK vow_err vault_file_list(struct vault *v, const char *subject, vault_file_fn cb,
                                       void *ctx);

/* Deletes a file (row, then content). */
VOW_MUST_CHECK vow_err vault_file_delete(struct vault *v, const struct vault_access *a,
                                         const char *id);

/* ---- grants: staff assigned to content ---- */

struct vault_grant {
	char id[VOW_ID_LEN + 1];
	char subject[VOW_ID_LEN + 1];
	char actor[129];
	char category[129];
	char file[VOW_ID_LEN + 1]; /* "" = the whole category */
	char purpose[129];
	int64_t created_at, until, revoked_at;
};

/* Assigns actor (a staff id) to the subject's content of category (or one
 * file of it) for purpose until the given time. VOW_ERR_INVALID for an
 * undeclared category or purpose, a file of another subject or category, or
 * an end in the past. */
VOW_MUST_CHECK vow_err vault_grant_add(struct vault *v, const char *subject, const char *actor,
                                       const char *category, const char *file, const char *purpose,
                                       int64_t until, char id[VOW_ID_LEN + 1]);

/* Revokes a grant from now on. VOW_ERR_NOT_FOUND if unknown or revoked. */
VOW_MUST_CHECK vow_err vault_grant_revoke(struct vault *v, const char *id);

/* Lists the subject's grants, active or not. */
typedef vow_err (*vault_grant_fn)(void *ctx, const struct vault_grant *g);
VOW_MUST_CHECK vow_err vault_grant_list(struct vault *v, const char *subject, vault_grant_fn cb,
                                        void *ctx);

/* True when an unrevoked, unexpired grant lets actor act on the subject's
 * category (and file, when given) for purpose at time now. */
bool vault_grant_active(struct vault *v, const char *actor, const char *subject,
                        const char *category, const char *file, const char *purpose, int64_t now);

/* ---- disclosures ---- */

struct vault_disclosure {
	char id[VOW_ID_LEN + 1];
	char recipient[129], category[129], purpose[129];
	char basis[32], transfer[32], country[3];
	int64_t at;
};

/* Decides, then records, that data of category (with residency attribute
 * attr, or NULL) goes to recipient for a->purpose now; the basis, transfer
 * mechanism and country come from the policy. A deny is VOW_ERR_DENIED.
 * VOW_ERR_INVALID for an undeclared recipient, category or purpose. */
VOW_MUST_CHECK vow_err vault_disclosure_record(struct vault *v, const struct vault_access *a,
                                               const char *subject, const char *recipient,
                                               const char *category, const char *attr,
                                               char id[VOW_ID_LEN + 1]);

/* Decides, then records, that subject's stored file goes to recipient for
 * a->purpose now: its category and content language come from the file (a
 * file whose language was never given counts as any language, so a rule for
 * one language keeps it in). VOW_ERR_NOT_FOUND for an unknown file or one
 * of another subject; VOW_ERR_INVALID when category (may be NULL) is not
 * the file's; otherwise as vault_disclosure_record. */
VOW_MUST_CHECK vow_err vault_disclosure_record_file(struct vault *v, const struct vault_access *a,
                                                    const char *subject, const char *recipient,
                                                    const char *file, const char *category,
                                                    char id[VOW_ID_LEN + 1]);

typedef vow_err (*vault_disclosure_fn)(void *ctx, const struct vault_disclosure *d);
VOW_MUST_CHECK vow_err vault_disclosure_list(struct vault *v, const char *subject,
                                             vault_disclosure_fn cb, void *ctx);

/* ---- erasure ---- */

/* Erases the subject. Records and files in categories the policy keeps under
 * a legal hold are first re-sealed under a separate hold key and stay,
 * restricted, until the hold ends; then the subject's key is destroyed
 * (from this moment nothing else of theirs can be decrypted, in any copy),
 * then their records, history, files, blind-index entries and grants are
 * removed. *receipt (JSON, caller frees with free()) lists what was
 * destroyed and what was kept and why, as categories and counts, never
 * values, and how long the key step and the purge took. Only the held
 * categories are visited before the key is destroyed, so the time until
 * the data is unreadable does not grow with the amount of data. The
 * receipt is signed with the instance key (vault_signed_verify checks it).
 * Erasing an erased subject is VOW_ERR_NOT_FOUND. */
VOW_MUST_CHECK vow_err vault_subject_erase(struct vault *v, const char *subject, char **receipt);

/* The instance's signing public key (receipts, audit checkpoints), as 64
 * hex digits and a NUL; the key is created on first use. */
VOW_MUST_CHECK vow_err vault_public_key(struct vault *v, char hex[65]);

/* Signs len bytes of msg with the instance key (Ed25519); hex receives the
 * signature as 128 hex digits and a NUL (webhook bodies). */
VOW_MUST_CHECK vow_err vault_sign_detached(struct vault *v, const void *msg, size_t len,
                                           char hex[129]);

/* Wipes the string member key of doc in place, before doc is freed (for
 * JSON that held an address, a message or a code). NULL-safe. */
struct json_t;
void vault_json_wipe(struct json_t *doc, const char *key);

/* Verifies a signed vow document (a consent or erasure receipt, JSON text)
 * against a public key (64 hex digits): VOW_OK if the signature covers
 * exactly this document; VOW_ERR_INTEGRITY if it was altered or signed by
 * another key; VOW_ERR_INVALID if malformed. */
VOW_MUST_CHECK vow_err vault_signed_verify(const char *json, size_t len,
                                           const char *public_key_hex);

/* ---- retention due dates ----
 *
 * Every stored record and file has a row saying when it is due for
 * deletion under the policy (policy_retention_due), written with the item
 * and recomputed when its anchors move. */

struct vault_due {
	char subject[VOW_ID_LEN + 1];
	char category[129];
	char item[VOW_ID_LEN + 1]; /* a file id, "" for the subject's record */
	char purpose[129];         /* what it was last written for */
	int64_t created_at, due_at, notice_at, noticed_at, postponed_to;
	bool held;
	int64_t postponed_at;   /* when it was last kept longer, 0: never */
	char postponed_by[260]; /* who asked then: "ROLE" or "ROLE:ACTOR" */
};
typedef vow_err (*vault_due_fn)(void *ctx, const struct vault_due *d);

/* The item of a profile field's due row (e-mail, phone, birth date, age,
 * locale: each kept under its category's rules, like a record). */
#define VAULT_DUE_PROFILE_ITEM "profile"

/* Records the subject's last activity at `at` (retention periods that run
 * from last activity restart) / the end of their contract; recomputes the
 * subject's due dates. VOW_ERR_NOT_FOUND, VOW_ERR_INVALID if erased. */
VOW_MUST_CHECK vow_err vault_subject_touch(struct vault *v, const char *id, int64_t at);
VOW_MUST_CHECK vow_err vault_subject_contract_end(struct vault *v, const char *id, int64_t at);

/* Walks, in due order after `after` (NULL: from the start; pass the last
 * row seen to page), at most limit items with 0 < due_at <= now, or
 * (notices) those whose notice is owed by now and not yet given. Reads only
 * those rows (an index), whatever the number stored. */
VOW_MUST_CHECK vow_err vault_due_walk(struct vault *v, int64_t now, bool notices,
                                      const struct vault_due *after, size_t limit, vault_due_fn cb,
                                      void *ctx);

/* The due dates of one subject's items; of one item (VOW_ERR_NOT_FOUND). */
VOW_MUST_CHECK vow_err vault_due_subject(struct vault *v, const char *subject, vault_due_fn cb,
                                         void *ctx);
VOW_MUST_CHECK vow_err vault_due_get(struct vault *v, const char *subject, const char *category,
                                     const char *item, struct vault_due *out);

/* Marks d's notice given at `at` (inside the caller's batch, with the
 * notice's outbox message); when keep_until is later than the due date the
 * date moves there, so a late notice still gives the person the full
 * notice period. */
VOW_MUST_CHECK vow_err vault_due_noticed(struct vault *v, const struct vault_due *d, int64_t at,
                                         int64_t keep_until);

/* Who asks to keep an item longer: the audit's role and actor (actor may
 * be NULL), e.g. "subject"/"link" for the notice's link, a key's role and
 * staff id, "admin". */
struct vault_keeper {
	const char *role, *actor;
};

/* Keeps the item longer at the person's word, once per notice: its due
 * date moves by the deciding rule's postpone period from the date the
 * notice named (a new notice will be owed before the new date), and the
 * row and the audit entry (retention.postpone) record who asked. *due_at
 * (may be NULL) receives the new date. VOW_ERR_DENIED with *why (may be
 * NULL) "not_postponable" when the policy does not let it be kept longer
 * (no date, no postpone period, deleted on closure, a legal hold),
 * "no_notice_yet" before its notice is owed, "already_postponed" when it
 * was kept longer since its notice; VOW_ERR_NOT_FOUND. */
VOW_MUST_CHECK vow_err vault_due_postpone(struct vault *v, const char *subject,
                                          const char *category, const char *item,
                                          const struct vault_keeper *by, int64_t *due_at,
                                          const char **why);

/* Deletes the item d names (a record with its history, or a file's row
 * and content) if, checked again in the store, it is due now with the same
 * date and any notice owed was given; audited as retention.delete with why.
 * VOW_ERR_DENIED if it is not due (so a stale plan never deletes early). */
VOW_MUST_CHECK vow_err vault_due_delete_item(struct vault *v, const struct vault_due *d,
                                             const char *why);

/* The index of the retention rule deciding d's date (POLICY_NONE: none),
 * computed from the subject's anchors as the date itself is: for the
 * notice's and the postponement's periods. */
VOW_MUST_CHECK vow_err vault_due_rule(struct vault *v, const struct vault_due *d, uint32_t *rule);

/* The keep-link token of d: a keyed hash (instance key) over the item and
 * its due date, 64 hex digits and a NUL. */
VOW_MUST_CHECK vow_err vault_due_token(struct vault *v, const struct vault_due *d, char out[65]);

/* The person lets the item go: it is deleted now (audited, reason
 * "released"). VOW_ERR_DENIED for an item without a due date. */
VOW_MUST_CHECK vow_err vault_due_release(struct vault *v, const char *subject, const char *category,
                                         const char *item);

/* Recomputes every due date under the vault's current policy (after a
 * policy change), in batches of 1,024, each read and rewritten in one
 * transaction; between (may be NULL) is called between batches, with no
 * transaction open. *changed (may be NULL) counts the rows whose dates
 * moved. */
VOW_MUST_CHECK vow_err vault_due_recompute(struct vault *v, size_t *changed,
                                           void (*between)(void *ctx), void *ctx);

/* ---- outbox: e-mails and webhooks, queued with the change that causes them ---- */

enum vault_message_kind { VAULT_EMAIL = 1, VAULT_WEBHOOK = 2 };

/* A message to queue. to is an e-mail address or an http(s) URL; body is
 * the whole message (an RFC 5322 message for e-mail, JSON for a webhook).
 * idem is its idempotency key (at most 96 bytes): one message per key. */
struct vault_message {
	enum vault_message_kind kind;
	const char *idem;
	const char *subject; /* the person it concerns, or NULL */
	const char *template_name;
	const char *to, *body;
	bool held; /* not sent until vault_outbox_release */
};

/* Queues m in the data store (inside the caller's batch, if one is open, so
 * it commits or rolls back with the change that causes it), its address and
 * body sealed under the instance's outbox key. *queued (may be NULL) is
 * false when a message with the same key was queued already (VOW_OK: not an
 * error). VOW_ERR_INVALID for a missing field, VOW_ERR_TOO_LARGE over 256 KiB. */
VOW_MUST_CHECK vow_err vault_outbox_add(struct vault *v, const struct vault_message *m,
                                        bool *queued);

/* Lets a held message of subject go (due now). VOW_ERR_NOT_FOUND if no
 * pending message has that key. */
VOW_MUST_CHECK vow_err vault_outbox_release(struct vault *v, const char *subject, const char *idem);

/* *status receives the state of subject's message under idem ("pending",
 * "sent", "dead"), or NULL when there is none. */
VOW_MUST_CHECK vow_err vault_outbox_status(struct vault *v, const char *subject, const char *idem,
                                           const char **status);

/* Sends a dead message again from scratch (attempts reset, due now), after
 * the cause was fixed. VOW_ERR_INVALID unless it is dead and still holds
 * its content (an erased person's messages do not). */
VOW_MUST_CHECK vow_err vault_outbox_retry(struct vault *v, const char *id);

/* A message being delivered: strings borrowed for the call only (to and
 * body are wiped after it). */
struct vault_outbox_item {
	const char *id, *idem, *subject, *template_name;
	enum vault_message_kind kind;
	int attempt; /* 1 for the first */
	int64_t created_at;
	const char *to, *body;
};

/* Delivers one message: VOW_OK once the receiver accepted it; otherwise an
 * error, with why (cap bytes) saying what went wrong. */
typedef vow_err (*vault_send_fn)(void *ctx, const struct vault_outbox_item *m, char *why,
                                 size_t cap);

struct vault_outbox_stats {
	size_t sent, retried, dead;
	size_t held; /* held back by the hourly cap per person (delivered later) */
};

/* How a delivery round works. */
struct vault_deliver_opts {
	size_t limit;      /* messages taken in this round, at most */
	int max_attempts;  /* failed attempts before a message is dead */
	int64_t lease;     /* seconds a sender holds a message it claimed: longer than one
	                      delivery (the sender's timeout) and the write of its outcome */
	unsigned per_hour; /* e-mails to one person in any hour (0: no cap) */
};

/* Takes up to o->limit pending messages due at now and hands each to send.
 * Before sending, a sender claims the message with a lease (an atomic
 * update in its own short transaction, on the real clock), so concurrent
 * senders (a server and `vow outbox send`, or several) never send it
 * twice: a message is sent at most once, except when a sender dies (or
 * cannot write the outcome) after the receiver accepted it; its lease then
 * runs out and another sender delivers it again, with the same
 * idempotency key. An e-mail to a person who was sent o->per_hour
 * e-mails in the hour before now (counting those being sent) is held back
 * with every later one to them, in order, until the hour allows it: none
 * is dropped. A delivered message is marked sent (at now) and its sealed
 * payload dropped; a failed one is retried after a backoff (30 s
 * doubling, at most an hour) until max_attempts, then marked dead with
 * its last error. Each outcome commits alone. stats (may be NULL) are
 * added to. */
VOW_MUST_CHECK vow_err vault_outbox_deliver(struct vault *v, int64_t now,
                                            const struct vault_deliver_opts *o, vault_send_fn send,
                                            void *ctx, struct vault_outbox_stats *stats);

/* A queued message as listed (no address, no content). */
struct vault_message_info {
	char id[VOW_ID_LEN + 1], idem[97], subject[VOW_ID_LEN + 1], template_name[32];
	enum vault_message_kind kind;
	const char *status; /* "pending", "sent", "dead" */
	int attempts;
	int64_t created_at, next_at, sent_at;
	char last_error[160];
};

/* Lists the outbox (subject NULL: every message), oldest first. */
typedef vow_err (*vault_message_fn)(void *ctx, const struct vault_message_info *m);
VOW_MUST_CHECK vow_err vault_outbox_list(struct vault *v, const char *subject, vault_message_fn cb,
                                         void *ctx);

/* ---- rights requests as stored (the lifecycle is rights/) ---- */

struct vault_request {
	char id[VOW_ID_LEN + 1], subject[VOW_ID_LEN + 1];
	char type[24], status[16], channel[64];
	int64_t received_at, verified_at, updated_at, closed_at, due_at;
	int extended;
	char ground[32], note[256];
	char export_id[VOW_ID_LEN + 1];
	int64_t export_expires, code_expires;
	int code_attempts;
};

/* Stores a new request r (its id is written back) with detail (JSON text,
 * sealed under the subject's key; NULL: "{}"), and its first transitions.
 * VOW_ERR_NOT_FOUND for an unknown subject, VOW_ERR_KEY for an erased one. */
VOW_MUST_CHECK vow_err vault_request_create(struct vault *v, struct vault_request *r,
                                            const char *detail);

/* Reads a request; *detail (may be NULL to skip; caller frees) receives its
 * opened detail, or NULL when the subject's key is gone. */
VOW_MUST_CHECK vow_err vault_request_get(struct vault *v, const char *id, struct vault_request *out,
                                         char **detail);

/* Writes r's status, times, ground, note and export back, with detail when
 * not NULL; a new status (or a note) is appended to the request's history
 * at r->updated_at. */
VOW_MUST_CHECK vow_err vault_request_save(struct vault *v, const struct vault_request *r,
                                          const char *detail, const char *note);

/* Sets the request's one-time verification code (only its keyed hash is
 * kept) valid until expires (its count of wrong tries back to 0). */
VOW_MUST_CHECK vow_err vault_request_code_set(struct vault *v, const char *id, const char *code,
                                              int64_t expires);

/* The limits a code check applies, and what it found. */
struct vault_code_check {
	int max_attempts;     /* wrong codes per code, then VOW_ERR_INVALID */
	unsigned per_subject; /* wrong codes per subject (across its requests) per window */
	int64_t window;       /* seconds */
	int64_t locked_until; /* out: the subject's lockout ends then (0: not locked) */
	bool lockout_started; /* out: this wrong code reached per_subject */
};

/* Checks a code, in one transaction with the subject's count of wrong
 * codes: VOW_ERR_LOCKED, without looking at the code, while per_subject
 * wrong codes of the subject fall in the last window (the lockout ends
 * when the oldest of them is window old); VOW_OK once (the code is then
 * spent); VOW_ERR_DENIED for a wrong one, counted for the request and for
 * the subject (counts older than the window are forgotten);
 * VOW_ERR_INVALID when there is none, it expired or max_attempts were
 * used (not counted). VOW_ERR_INVALID for c without limits. */
VOW_MUST_CHECK vow_err vault_request_code_check(struct vault *v, const char *id, const char *code,
                                                struct vault_code_check *c);

/* Binds a download token (keyed hash kept) to the request's export until
 * expires; finds the request a token was given for (VOW_ERR_NOT_FOUND). */
VOW_MUST_CHECK vow_err vault_request_export_token(struct vault *v, const char *id,
                                                  const char *token, int64_t expires);
VOW_MUST_CHECK vow_err vault_request_by_export(struct vault *v, const char *token,
                                               struct vault_request *out);

typedef vow_err (*vault_request_fn)(void *ctx, const struct vault_request *r);
/* Lists requests (subject NULL: all; open_only: not yet completed or
 * denied, by deadline). */
VOW_MUST_CHECK vow_err vault_request_list(struct vault *v, const char *subject, bool open_only,
                                          vault_request_fn cb, void *ctx);

typedef vow_err (*vault_request_event_fn)(void *ctx, const char *status, int64_t at,
                                          const char *note);
/* The request's transitions, oldest first. */
VOW_MUST_CHECK vow_err vault_request_events(struct vault *v, const char *id,
                                            vault_request_event_fn cb, void *ctx);

/* ---- instance settings (kept in the key store's metadata) ---- */

/* The setting name (e.g. "public_url", "drp.business_id") into out, or
 * fallback when unset. */
VOW_MUST_CHECK vow_err vault_setting_get(struct vault *v, const char *name, const char *fallback,
                                         char *out, size_t cap);
VOW_MUST_CHECK vow_err vault_setting_set(struct vault *v, const char *name, const char *value);

/* ---- Data Rights Protocol agents ---- */

/* Registers (or replaces) an authorized agent: id [A-Z_]+ (under 64),
 * name, and its Ed25519 verify key in base64. VOW_ERR_INVALID otherwise. */
VOW_MUST_CHECK vow_err vault_agent_add(struct vault *v, const char *id, const char *name,
                                       const char *verify_key_b64);

/* This business's id in the Data Rights Protocol network (default "VOW");
 * setting it: [A-Z_]+, under 64, else VOW_ERR_INVALID. */
VOW_MUST_CHECK vow_err vault_business_id(struct vault *v, char out[64]);
VOW_MUST_CHECK vow_err vault_business_id_set(struct vault *v, const char *id);

/* An agent's verify key; VOW_ERR_NOT_FOUND for an unknown or revoked one. */
VOW_MUST_CHECK vow_err vault_agent_key(struct vault *v, const char *id,
                                       unsigned char verify_key[32]);

/* A new pair-wise token for agent (64 hex digits and a NUL; only its keyed
 * hash is kept); the agent a presented token belongs to. */
VOW_MUST_CHECK vow_err vault_agent_token_new(struct vault *v, const char *agent, char token[65]);
VOW_MUST_CHECK vow_err vault_agent_token_find(struct vault *v, const char *token, char agent[64]);

/* The protocol's view of a request an agent filed. */
struct vault_drp {
	char id[40], agent[64], agent_request_id[128];
	char requests[140]; /* the vow requests it maps onto, comma-separated ("" none) */
	char exercise[64], regime[16];
	char status[24], reason[32]; /* when no vow request decides it */
	char callback[512], details[256];
	int64_t received_at, expires_at, updated_at;
};
VOW_MUST_CHECK vow_err vault_drp_put(struct vault *v, const struct vault_drp *d);
VOW_MUST_CHECK vow_err vault_drp_get(struct vault *v, const char *id, struct vault_drp *out);
VOW_MUST_CHECK vow_err vault_drp_by_request(struct vault *v, const char *request,
                                            struct vault_drp *out);

/* ---- API keys ---- */

enum vault_api_kind { API_ADMIN, API_SERVICE, API_STAFF, API_SUBJECT };

struct vault_apikey {
	char id[17];
	enum vault_api_kind kind;
	char role[129];               /* the policy role the key acts as for decisions */
	char staff[129];              /* staff keys: the staff member's id (assignments) */
	char subject[VOW_ID_LEN + 1]; /* subject keys: the one subject it may act for */
};

#define VAULT_APIKEY_LEN (4 + 16 + 1 + 64) /* "vow_" id "_" secret */

/* Creates an API key for role: "admin" (acting for decisions as the
 * policy's first service role, or another role it names per request) or a
 * role key of the policy; staff keys need staff (an id), subject keys a
 * subject id. expires_at: when it stops working (0: never; otherwise
 * later than now). Writes the key (shown once; only a keyed hash is
 * stored) to key; audited as apikey.create. VOW_ERR_INVALID for an unknown
 * role, a missing staff/subject or an expiry not in the future;
 * VOW_ERR_NOT_FOUND for a subject key of an unknown or erased subject. */
VOW_MUST_CHECK vow_err vault_apikey_create(struct vault *v, const char *role, const char *staff,
                                           const char *subject, int64_t expires_at,
                                           char key[VAULT_APIKEY_LEN + 1]);

/* Checks a presented key (constant-time comparison of hashes) against the
 * store on every call (nothing is cached, so a revocation holds at once
 * for every handle and thread); *out describes it. VOW_ERR_DENIED for
 * anything but a key that exists, is not revoked and has not expired. */
VOW_MUST_CHECK vow_err vault_apikey_verify(struct vault *v, const char *presented,
                                           struct vault_apikey *out);

/* An API key as listed: never its secret or its hash. */
struct vault_apikey_info {
	char id[17];
	char role[129], staff[129], subject[VOW_ID_LEN + 1];
	int64_t created_at, expires_at, revoked_at; /* 0: never / not revoked */
};

/* Lists API keys in id order after `after` (NULL: from the start), at
 * most limit (pass the last id seen to page). */
typedef vow_err (*vault_apikey_fn)(void *ctx, const struct vault_apikey_info *k);
VOW_MUST_CHECK vow_err vault_apikey_list(struct vault *v, const char *after, size_t limit,
                                         vault_apikey_fn cb, void *ctx);

/* Revokes key id at once (audited as apikey.revoke; by: the id of the
 * admin key acting, or NULL from the command line). VOW_ERR_NOT_FOUND for
 * no such key, VOW_ERR_EXISTS when it is revoked already, VOW_ERR_DENIED
 * when it is the last admin key neither revoked nor expired (create
 * another first: nobody could then manage keys over HTTP). */
VOW_MUST_CHECK vow_err vault_apikey_revoke(struct vault *v, const char *id, const char *by);

/* ---- keys ---- */

/* Re-wraps every key in the key store of dir under a new master key and
 * retires the old one (overwritten, then replaced), without touching the
 * data. Crash-safe: an interrupted rotation completes or rolls back on the
 * next vault_open. *fingerprint_out (17 bytes) receives the new key's
 * fingerprint. */
VOW_MUST_CHECK vow_err vault_key_rotate(const char *dir, char fingerprint_out[17]);

/* Takes the data directory's exclusive lock (DIR/serve.lock, flock): held
 * by `vow serve` for its whole life, and by commands that must not run
 * beside it (key rotation). *fd receives the lock (vault_dir_unlock).
 * VOW_ERR_EXISTS when another process holds it; *holder (may be NULL)
 * then receives its pid (0 when unknown). */
VOW_MUST_CHECK vow_err vault_dir_lock(const char *dir, int *fd, long *holder);

/* Releases a lock vault_dir_lock took (-1: none). */
void vault_dir_unlock(int *fd);

/* Creates the stores of a new data directory (after its master key). */
VOW_MUST_CHECK vow_err vault_create(const char *dir);

#endif
