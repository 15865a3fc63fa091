/* audit/audit.h — the tamper-evident log.
 *
 * Every decision (allow and deny), data change, disclosure, consent change,
 * erasure, key operation and admin action appends an entry: time, actor,
 * action, the subject as a keyed pseudonym, category, purpose, result,
 * reason — never a personal value. Entries form a hash chain
 * (BLAKE2b-256 over the previous hash and the entry); every 1,000 entries,
 * and when a vault closes, the instance signs a checkpoint of the head
 * (Ed25519). The pseudonym is keyed with the subject's own data key, so
 * after erasure no entry leads back to the person while the chain still
 * verifies.
 *
 * Appends are batched per vault handle (up to AUDIT_BATCH entries or one
 * second) and written in one transaction; a crash loses at most one batch
 * of entries not yet written. */
#ifndef VOW_AUDIT_H
#define VOW_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

#define AUDIT_BATCH            256
#define AUDIT_CHECKPOINT_EVERY 1000

struct vault;

struct audit_event {
	const char *role, *actor; /* who acted (staff id optional) */
	const char *action;       /* "decide", "record.put", "consent.given", ... */
	const char *subject;      /* a subject id (pseudonymised here) or NULL */
	const char *category, *purpose;
	const char *result; /* "allow", "deny", "ok" */
	const char *reason; /* a decide reason code, or NULL */
};

/* Buffers an entry; flushes when the batch is full or a second old. */
VOW_MUST_CHECK vow_err audit_record(struct vault *v, const struct audit_event *e);

/* Writes the buffered entries (one transaction); with checkpoint, also
 * signs a checkpoint of the head. */
VOW_MUST_CHECK vow_err audit_flush(struct vault *v, bool checkpoint);

/* Turns auditing off for this handle (benchmarks only). */
void audit_disable(struct vault *v);

/* A batch of entries recorded but not yet chained and written. */
struct audit_batch;

/* Hands this handle's full or due batches to sink (which owns them) instead
 * of writing them inline: a server writes them from one background thread,
 * so no request waits for the log's disk sync. */
typedef void (*audit_sink_fn)(void *ctx, struct audit_batch *batch);
void audit_set_sink(struct vault *v, audit_sink_fn sink, void *ctx);

/* Chains and writes a batch through v (one transaction), then frees it. */
VOW_MUST_CHECK vow_err audit_batch_write(struct vault *v, struct audit_batch *batch);

/* Frees a batch without writing it. NULL-safe. */
void audit_batch_free(struct audit_batch *batch);

struct audit_report {
	int64_t entries, checkpoints;
	int64_t first_bad; /* 0: none */
	char problem[160]; /* what is wrong at first_bad */
};

/* Walks the whole log: recomputes every hash, checks the sequence has no
 * gap and each entry links to the one before, and checks every checkpoint's
 * signature and that the log still holds the head it signed. VOW_OK with
 * first_bad 0 when intact; VOW_ERR_INTEGRITY with first_bad set otherwise. */
VOW_MUST_CHECK vow_err audit_verify(struct vault *v, struct audit_report *out);

/* Prunes entries older than the policy's audit retention at time now, up
 * to the newest signed checkpoint older than that: the checkpoint stays and
 * anchors the rest, which still verifies. *pruned receives the count (0
 * without a retention or such a checkpoint). */
VOW_MUST_CHECK vow_err audit_prune(struct vault *v, int64_t now, size_t *pruned);

/* Calls cb with each entry about subject (found through its pseudonym,
 * which needs the subject's key: after erasure, none). */
typedef vow_err (*audit_fn)(void *ctx, int64_t seq, int64_t at, const char *actor,
                            const char *action, const char *category, const char *purpose,
                            const char *result, const char *reason);
VOW_MUST_CHECK vow_err audit_subject(struct vault *v, const char *subject, audit_fn cb, void *ctx);

#endif
