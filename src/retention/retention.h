/* retention/retention.h — deleting on schedule: advance notices, the
 * person's choice to keep or let go, sweeps, the plan, account closure.
 *
 * Due dates live with the items (vault_due_*); a sweep first gives every
 * notice that is owed (an e-mail through the outbox, marked given in the
 * same transaction, so a crash never sends a second one), then deletes what
 * is due, one item per transaction with the vault's deletion primitive,
 * which checks the date again: a sweep that crashes resumes where it was,
 * and nothing is deleted early or while a notice is owed or a hold runs. */
#ifndef VOW_RETENTION_H
#define VOW_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "notify/notify.h"
#include "vault/vault.h"

#define RETENTION_BATCH 256 /* items read per page of a sweep */

enum retention_action { RETENTION_NOTICE, RETENTION_DELETE };

/* Called for each item a sweep warns about or deletes (or, on a dry run,
 * would); d is borrowed for the call. */
typedef void (*retention_fn)(void *ctx, enum retention_action action, const struct vault_due *d);

struct retention_report {
	size_t noticed, deleted, waiting; /* waiting: due, but a notice is owed first */
	size_t unlinked;                  /* notices owed but not given: no public URL to link to */
};

/* Runs one sweep at time now: every owed notice is queued (e-mail to the
 * person, template retention.notice, with a link to keep the data made
 * from the public URL setting), then every due item is deleted. Without a
 * public URL no notice is given (counted as unlinked: they stay owed, and
 * their items wait), the rest goes on. With dry_run nothing changes and cb
 * hears what would happen. *out (may be NULL) receives the counts. */
VOW_MUST_CHECK vow_err retention_sweep(struct vault *v, int64_t now, bool dry_run, retention_fn cb,
                                       void *ctx, struct retention_report *out);

/* Calls cb (action RETENTION_DELETE) for every item due by `until`, in due
 * order, without changing anything. */
VOW_MUST_CHECK vow_err retention_plan(struct vault *v, int64_t until, retention_fn cb, void *ctx);

/* The token of d's keep link (a keyed hash over the item and its due date,
 * so it stops working once the date moves): 64 hex digits and a NUL. */
VOW_MUST_CHECK vow_err retention_token(struct vault *v, const struct vault_due *d, char out[65]);

/* The person keeps the item: with token (from the notice's link, checked in
 * constant time) or, when token is NULL, as an authenticated caller who
 * may act in their name (the caller's check). by names who asked (the
 * audit entry's and the due row's; the link: "subject"/"link"). Once per
 * notice, by the rule's postpone period from the date the notice named
 * (vault_due_postpone); *due_at receives the new date. VOW_ERR_DENIED with
 * *why (may be NULL): "invalid_link" for a wrong or stale token, else
 * vault_due_postpone's; VOW_ERR_NOT_FOUND for an unknown item. */
VOW_MUST_CHECK vow_err retention_keep(struct vault *v, const char *subject, const char *category,
                                      const char *item, const char *token,
                                      const struct vault_keeper *by, int64_t *due_at,
                                      const char **why);

/* The person lets it go: the item is deleted now (token as for keep). */
VOW_MUST_CHECK vow_err retention_release(struct vault *v, const char *subject, const char *category,
                                         const char *item, const char *token);

/* Closes the account and, where the policy deletes on closure, deletes at
 * once everything but legal holds. *deleted (may be NULL) counts items. */
VOW_MUST_CHECK vow_err retention_close_account(struct vault *v, const char *subject,
                                               size_t *deleted);

#endif
