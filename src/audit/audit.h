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
 * A change is written with its entry in one transaction (audit_change), so
 * no change is ever committed without it. Reads and decisions are batched
 * (per handle, or in a server's shared queue) and reach the log within a
 * second; an unclean stop is recorded at the next start (audit_session_open),
 * so a gap of such entries is visible. */
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

/* Records a read or a decision: buffered on the handle (flushed when the
 * batch is full or a second old, in one transaction), or, on a handle
 * given a queue (audit_queue_use), handed to that queue at once.
 * VOW_ERR_IO when the queue cannot take it (the log cannot be written):
 * an access that cannot be audited is not answered. */
VOW_MUST_CHECK vow_err audit_record(struct vault *v, const struct audit_event *e);

/* Records a change (data, consent, disclosure, grant, erasure, key...)
 * straight into the chain, inside the caller's open data-store
 * transaction: the change and its entry commit together or not at all. */
VOW_MUST_CHECK vow_err audit_change(struct vault *v, const struct audit_event *e);

/* Writes the buffered entries (one transaction); with checkpoint, also
 * signs a checkpoint of the head. */
VOW_MUST_CHECK vow_err audit_flush(struct vault *v, bool checkpoint);

/* Turns auditing off for this handle (benchmarks only). */
void audit_disable(struct vault *v);

/* ---- a queue shared by the handles of a server ----
 *
 * The request threads of `vow serve` hand each entry to one queue; one
 * writer thread drains it through its own handle (audit_queue_write) at
 * least every AUDIT_QUEUE_WAIT_MS, so an entry reaches the disk within
 * a second with no further traffic. A batch that cannot be written (a full
 * disk, an I/O error) stays at the head of the queue and is written again
 * on the next call; meanwhile the queue refuses new entries, so accesses
 * are refused until the log can be written again. */

#define AUDIT_QUEUE_WAIT_MS 200
#define AUDIT_QUEUE_MAX     65536 /* entries waiting before accesses are refused */

struct audit_queue;

/* A new, empty queue (caller frees with audit_queue_free). */
VOW_MUST_CHECK vow_err audit_queue_new(struct audit_queue **out);

/* Frees the queue and what it still holds (write it first). NULL-safe. */
void audit_queue_free(struct audit_queue **q);

/* Sends the entries of handle v to q (borrowed: it outlives v). */
void audit_queue_use(struct vault *v, struct audit_queue *q);

/* Chains and writes every entry q holds through v in one transaction. On
 * failure the entries stay queued, first, and q refuses new ones until a
 * write succeeds. *written (may be NULL) receives the count written. */
VOW_MUST_CHECK vow_err audit_queue_write(struct audit_queue *q, struct vault *v, size_t *written);

/* Waits up to wait_ms until q holds a batch's worth of entries (or any, once
 * the time is up, or audit_queue_wake); returns how many it holds. */
size_t audit_queue_wait(struct audit_queue *q, int wait_ms);

/* Entries waiting in q. */
size_t audit_queue_pending(struct audit_queue *q);

/* Wakes a writer waiting in audit_queue_write (to stop). */
void audit_queue_wake(struct audit_queue *q);

/* ---- sessions: telling an unclean stop from a clean one ---- */

/* Marks the log open for a long-running process. If the last session did
 * not end with audit_session_close (a crash, kill -9, power loss), first
 * appends a signed entry "audit.unclean_stop" recording the last sequence
 * number known durable, so `vow audit verify` shows where entries of reads
 * answered just before the stop may be missing. *unclean (may be NULL)
 * says whether it did. */
VOW_MUST_CHECK vow_err audit_session_open(struct vault *v, bool *unclean);

/* Marks the session closed, after its last entries were written and a
 * checkpoint signed. */
VOW_MUST_CHECK vow_err audit_session_close(struct vault *v);

#define AUDIT_REPORT_UNCLEAN 16 /* unclean stops listed in a report (all are counted) */

struct audit_report {
	int64_t entries, checkpoints;
	int64_t unclean;                            /* unclean stops recorded in the log */
	int64_t unclean_seq[AUDIT_REPORT_UNCLEAN]; /* the first ones' sequence numbers */
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
