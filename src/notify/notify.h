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

/* One delivery's libcurl timeout (the whole transfer), default and most. */
#define NOTIFY_TIMEOUT_MS     10000
#define NOTIFY_TIMEOUT_MS_MAX 60000
/* Seconds a sender's claim on a message lasts beyond its timeout: opening
 * the payload and writing the outcome, which may wait up to SQLite's 5 s
 * busy timeout. A crashed sender's messages go to another after that. */
#define NOTIFY_LEASE_MARGIN 10
/* E-mails to one person in any hour, unless the mail_per_hour setting
 * says otherwise (0: no cap), and the setting's most. */
#define NOTIFY_MAIL_PER_HOUR     20
#define NOTIFY_MAIL_PER_HOUR_MAX 10000
/* The public URL's length, with its NUL. */
#define NOTIFY_URL_MAX 256

/* Where and how the sender delivers. */
struct notify_config {
	const char *smtp_url;  /* smtp://host:port (NULL: e-mails wait in the outbox) */
	const char *mail_from; /* the envelope and From: address */
	int max_attempts;      /* default NOTIFY_MAX_ATTEMPTS */
	long timeout_ms;       /* per delivery (0: NOTIFY_TIMEOUT_MS; over _MAX: VOW_ERR_INVALID) */
};

/* ---- settings every sender and link-maker reads (the key store's metadata) ---- */

/* The base people reach vow at (the `public_url` setting, e.g.
 * "https://privacy.example.com"), from which every link in a message is
 * made: out receives it. VOW_ERR_CONFIG when it is not set. */
VOW_MUST_CHECK vow_err notify_public_url(struct vault *v, char out[NOTIFY_URL_MAX]);

/* Sets the public URL: http:// or https://, a host, an optional port and
 * path, no query, fragment, credentials, spaces or control characters, under
 * NOTIFY_URL_MAX bytes (a trailing '/' is dropped). Audited as config.set.
 * VOW_ERR_INVALID otherwise. */
VOW_MUST_CHECK vow_err notify_public_url_set(struct vault *v, const char *url);

/* True for a URL notify_public_url_set takes. */
bool notify_url_ok(const char *url);

/* Writes base + path (path starts with '/') into out (cap bytes).
 * VOW_ERR_CONFIG without a public URL; VOW_ERR_TOO_LARGE when it does not
 * fit. */
VOW_MUST_CHECK vow_err notify_link(struct vault *v, const char *path, char *out, size_t cap);

/* The cap of e-mails to one person in any hour (the `mail_per_hour`
 * setting; NOTIFY_MAIL_PER_HOUR when unset; 0: none); setting it (0 to
 * NOTIFY_MAIL_PER_HOUR_MAX, else VOW_ERR_INVALID) is audited. */
VOW_MUST_CHECK vow_err notify_mail_per_hour(struct vault *v, unsigned *out);
VOW_MUST_CHECK vow_err notify_mail_per_hour_set(struct vault *v, unsigned n);

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

/* Delivers the messages due at now (up to 64), as vault_outbox_deliver
 * does: each claimed with a lease of the timeout plus NOTIFY_LEASE_MARGIN,
 * e-mails to one person capped by notify_mail_per_hour. E-mail carries a
 * Message-ID derived from the idempotency key; a webhook carries
 * Idempotency-Key, Vow-Event, Vow-Timestamp and Vow-Signature (Ed25519 by
 * the instance key over "TIMESTAMP.BODY", hex). stats (may be NULL) are
 * added to. */
VOW_MUST_CHECK vow_err notify_deliver(struct vault *v, const struct notify_config *cfg, int64_t now,
                                      struct vault_outbox_stats *stats);

#endif
