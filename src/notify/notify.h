/* notify/notify.h — telling people and recipients: messages rendered from
 * a template per kind (in the person's language where vow has one), queued
 * in the vault's outbox with the change that causes them, and delivered by
 * a sender: e-mail over SMTP and signed webhooks over HTTP, both through
 * libcurl, with retries, backoff and a dead-letter state. */
#ifndef VOW_NOTIFY_H
#define VOW_NOTIFY_H

#include <jansson.h>
#include <stdint.h>

#include "vault/vault.h"

#define NOTIFY_MAX_ATTEMPTS 8 /* then a message is dead (about 2 hours of retries) */

/* Where and how the sender delivers. */
struct notify_config {
	const char *smtp_url;  /* smtp://host:port (NULL: e-mails wait in the outbox) */
	const char *mail_from; /* the envelope and From: address */
	int max_attempts;      /* default NOTIFY_MAX_ATTEMPTS */
	long timeout_ms;       /* per delivery, default 10,000 */
};

/* Where the links in messages point: public_url is the base the people
 * reach vow at (e.g. "https://privacy.example.com"); NULL or "" leaves the
 * path relative. */
struct notify_links {
	const char *public_url;
};

/* Renders template_name (retention.notice, request.received, ...) in the
 * best language for locale ("nl-NL": Dutch if vow has it, else English),
 * replacing each {{name}} with the string member name of vars. *subject and
 * *text are the caller's (free). VOW_ERR_NOT_FOUND for an unknown template;
 * VOW_ERR_INVALID for a {{name}} vars lacks. */
VOW_MUST_CHECK vow_err notify_render(const char *template_name, const char *locale,
                                     const json_t *vars, char **subject, char **text);

/* Queues an e-mail to the subject's address on file, rendered from
 * template_name with vars (borrowed) in their locale, under idempotency key
 * idem (a second call with the same key queues nothing); held, it waits for
 * vault_outbox_release. Inside the caller's batch, if open.
 * VOW_ERR_NOT_FOUND if the subject has no e-mail address. */
VOW_MUST_CHECK vow_err notify_email(struct vault *v, const char *subject, const char *template_name,
                                    const json_t *vars, const char *idem, bool held);

/* Queues a webhook: POST url with {"id": idem, "event", "subject", "at",
 * "data"} (data borrowed, may be NULL). */
VOW_MUST_CHECK vow_err notify_webhook(struct vault *v, const char *url, const char *subject,
                                      const char *event, const json_t *data, const char *idem);

/* Queues a webhook whose body (JSON text, borrowed) is sent as it is. */
VOW_MUST_CHECK vow_err notify_post(struct vault *v, const char *url, const char *subject,
                                   const char *event, const char *body, const char *idem);

/* Delivers the messages due at now (up to 64). E-mail carries a Message-ID
 * derived from the idempotency key; a webhook carries Idempotency-Key,
 * Vow-Event, Vow-Timestamp and Vow-Signature (Ed25519 by the instance key
 * over "TIMESTAMP.BODY", hex). stats (may be NULL) are added to. */
VOW_MUST_CHECK vow_err notify_deliver(struct vault *v, const struct notify_config *cfg, int64_t now,
                                      struct vault_outbox_stats *stats);

#endif
