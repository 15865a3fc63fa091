/* vault/vault_int.h — private to the vault: the handle, key access and
 * associated-data builders shared by its files. */
#ifndef VOW_VAULT_INT_H
#define VOW_VAULT_INT_H

#include <limits.h>
#include <stdio.h>

#include <jansson.h>

#include "crypto/crypto.h"
#include "store/store.h"
#include "vault/vault.h"

#ifndef VAULT_KEY_CACHE /* the fuzz tree sets a small one: it opens a vault per input */
#define VAULT_KEY_CACHE 65536 /* unwrapped subject keys kept in one locked region (2 MiB) */
#endif
#define VAULT_AD_MAX    512
#define VAULT_DIR_MAX   3072 /* leaves room for file names under PATH_MAX */

/* Birth dates (as epoch) or stated ages, per subject, so deciding an access
 * does not decrypt the profile every time. A birth date does not change
 * (rectification of the profile evicts it); erasure evicts it. */
#define VAULT_AGE_CACHE 16384
struct age_slot {
	char subject[VOW_ID_LEN + 1];
	int64_t born; /* INT64_MIN: unknown */
	int age;      /* stated age when there is no birth date, -1 unknown */
};

struct vault {
	char dir[VAULT_DIR_MAX];
	const struct policy *policy;
	const struct store_ops *ops;
	struct store *data, *keys;
	struct crypto_key *master;
	struct crypto_key *index_key;
	struct crypto_keycache *cache;
	const char *reason, *why;  /* the last refusal (vault_refuse) */
	struct age_slot *ages;       /* VAULT_AGE_CACHE slots */
	struct audit_buffer *audit;  /* entries not yet written (audit/) */
	unsigned long erasures_seen; /* the process's erasure count this cache has caught up with */
};

/* Tells every vault handle of this process that subject was erased, so
 * each drops the subject's key from its own cache before its next use. */
void vault_erased_everywhere(const char *subject);

/* The unwrapped key of owner/kind, borrowed from the cache: valid until the
 * next vault_key call. VOW_ERR_NOT_FOUND if the key store has none (e.g.
 * after erasure). */
VOW_MUST_CHECK vow_err vault_key(struct vault *v, const char *owner, int kind,
                                 const struct crypto_key **out);

/* As vault_key, but the caller owns *out (crypto_key_free) and the cache is
 * not touched: for holding two keys at once. */
VOW_MUST_CHECK vow_err vault_key_load(struct vault *v, const char *owner, int kind,
                                      struct crypto_key **out);

/* Creates, wraps and stores a new key for owner/kind; *out as vault_key. */
VOW_MUST_CHECK vow_err vault_key_new(struct vault *v, const char *owner, int kind,
                                     const struct crypto_key **out);

/* An instance-wide key of kind (signing, outbox), created and stored on
 * first use; the caller owns *out (crypto_key_free). */
VOW_MUST_CHECK vow_err vault_instance_key(struct vault *v, int kind, struct crypto_key **out);

/* The instance's Ed25519 signing key (caller frees with crypto_key_free),
 * created and stored on first use. */
VOW_MUST_CHECK vow_err vault_signing_key(struct vault *v, struct crypto_key **out);

/* Signs doc in place: sets its "signature" member ({algorithm, public_key,
 * value}) over the canonical JSON of the rest. VOW_ERR_NOMEM, key errors. */
VOW_MUST_CHECK vow_err vault_sign_json(struct vault *v, json_t *doc);

/* VOW_OK when owner's subject key exists (cached or stored), else
 * VOW_ERR_KEY. */
VOW_MUST_CHECK vow_err vault_key_present(struct vault *v, const char *owner);

/* Rewrites the subject's materialised decision state from the consent
 * ledger and the flags (call inside the transaction that changed them). */
VOW_MUST_CHECK vow_err vault_state_refresh(struct vault *v, const char *subject);

/* Whole years between born and now (a birthday on 29 February falls on
 * 1 March in other years). */
int vault_age_years(int64_t born, int64_t now);

/* Forgets the cached age of subject. */
void vault_age_evict(struct vault *v, const char *subject);

/* Drops owner's keys from the cache (wiping them). */
void vault_key_evict(struct vault *v, const char *owner);

/* Associated data "label\0part\0part..." for sealing; returns its length. */
size_t vault_ad(unsigned char out[VAULT_AD_MAX], const char *label, const char *a, const char *b,
                const char *c, int64_t n);

/* Path of a stored file's content: DIR/files/ab/<id>. */
void vault_file_path(const struct vault *v, const char *id, char out[PATH_MAX]);

/* The policy category index of key when it is declared and stored, else
 * POLICY_NONE. */
uint32_t vault_stored_category(const struct vault *v, const char *key);

/* Loads a subject row and checks it is present (and, when active_only,
 * active). VOW_ERR_NOT_FOUND / VOW_ERR_DENIED. */
VOW_MUST_CHECK vow_err vault_subject_row(struct vault *v, const char *id, bool active_only,
                                         struct store_subject *out);

/* The keyed blind-index hash of a normalised e-mail or phone number. */
void vault_blind_hash(struct vault *v, enum vault_lookup by, const char *norm,
                      unsigned char out[32]);

/* The blind-index kind of the marketing suppression list (e-mail hashes
 * that are not linked to any subject and outlive erasure). */
#define VAULT_INDEX_SUPPRESSED 3

/* The owner id of instance-wide keys (blind index, signing). */
#define VAULT_INSTANCE_OWNER "00000000000000000000000000000000"

/* Writes (or rewrites) the due-date row of an item being stored: a record
 * (item NULL) or a file, for purpose, first written now if new (is_new:
 * the caller knows there is no row yet, so none is read). Call inside the
 * transaction that stores it. */
VOW_MUST_CHECK vow_err vault_due_item(struct vault *v, const char *subject, const char *category,
                                      const char *item, const char *purpose, int64_t now,
                                      bool is_new);

/* The due-date item of a subject's profile fields (beside "" for a record
 * and a file id for a file): each field has a row under its category. */
#define VAULT_DUE_PROFILE VAULT_DUE_PROFILE_ITEM

/* Opens a subject row's sealed profile into *out (caller decrefs; wipe the
 * strings first). VOW_ERR_KEY when the subject's key is gone. */
VOW_MUST_CHECK vow_err vault_profile_open(struct vault *v, const struct store_subject *row,
                                          json_t **out);

/* Seals prof under subject id's key into *out (caller frees with
 * store_blob_free). */
VOW_MUST_CHECK vow_err vault_profile_seal(struct vault *v, const char *id, json_t *prof,
                                          struct store_blob *out);

/* Writes a due-date row for each profile field of row that the subject
 * holds and the policy declares a category for, unless it has one (inside
 * the caller's transaction). */
VOW_MUST_CHECK vow_err vault_profile_due(struct vault *v, const struct store_subject *row);

/* Removes the subject's profile field(s) of category, with their
 * blind-index entries (a due profile item; inside the caller's
 * transaction). */
VOW_MUST_CHECK vow_err vault_profile_forget(struct vault *v, const char *subject,
                                            const char *category);

/* Removes the profile fields whose category the policy does not declare,
 * rewriting row (account closure: nothing in the policy keeps them). */
VOW_MUST_CHECK vow_err vault_profile_forget_undeclared(struct vault *v, struct store_subject *row);

/* A stored file's metadata (opened with its subject's key), not decided:
 * for operations that decide on their own (a disclosure of the file). */
VOW_MUST_CHECK vow_err vault_file_meta(struct vault *v, const char *id,
                                       struct vault_file_info *info);

/* Removes the due-date rows of the subject's profile fields (erasure). */
VOW_MUST_CHECK vow_err vault_profile_due_forget(struct vault *v, const char *subject);

/* Removes an item's due-date row (the item is deleted). */
VOW_MUST_CHECK vow_err vault_due_forget(struct vault *v, const char *subject, const char *category,
                                        const char *item);

/* Recomputes a subject's due dates (its anchors moved). */
VOW_MUST_CHECK vow_err vault_due_refresh_subject(struct vault *v, const char *subject);

/* Drops what the outbox holds for an erased subject: pending messages turn
 * dead and every payload is wiped, except the answer to the person's own
 * request (template request.completed). *dropped (may be NULL) counts them. */
VOW_MUST_CHECK vow_err vault_outbox_forget(struct vault *v, const char *subject, size_t *dropped);

/* Revokes every API key of subject (its erasure: a person who is gone
 * has no session), each audited as apikey.revoke with reason "erasure";
 * call inside the erasure's transaction. *count (may be NULL) counts them. */
VOW_MUST_CHECK vow_err vault_apikey_revoke_subject(struct vault *v, const char *subject,
                                                   size_t *count);

/* Runs the data store's commit, rolling back on failure. */
VOW_MUST_CHECK vow_err vault_commit(struct vault *v, vow_err err);

#endif
