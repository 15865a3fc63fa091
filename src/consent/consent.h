/* consent/consent.h — the consent ledger, objections and restrictions,
 * browser signals, and signed consent receipts.
 *
 * Every change is an appended ledger row (the schema refuses updates)
 * keeping the policy version, a hash of the exact purpose text the person
 * was shown, the method, the time and minimal evidence (a truncated IP
 * address, a keyed hash of the user agent). Each change yields a receipt
 * with the ISO/IEC TS 27560 fields (as the W3C DPV guide maps them), signed
 * with the instance's Ed25519 key. Withdrawing is the same call as giving
 * and takes effect at once: decide() reads the ledger on every access. */
#ifndef VOW_CONSENT_H
#define VOW_CONSENT_H

#include <stdbool.h>
#include <stddef.h>

#include "vault/vault.h"

#define CONSENT_RECEIPT_SCHEMA "vow-consent-receipt/1 (ISO/IEC TS 27560:2023 via W3C DPV)"

/* What the request carried: all optional. */
struct consent_evidence {
	const char *ip;         /* truncated to /24 (IPv4) or /48 (IPv6) before storing */
	const char *user_agent; /* stored only as a keyed hash */
	bool gpc;               /* the browser sent Sec-GPC: 1 */
};

struct consent_event {
	char id[VOW_ID_LEN + 1];
	char purpose[129];
	enum decide_consent state;
	char policy_version[64];
	char text_hash[65];
	char method[VOW_MAX_CONSENT_METHOD + 1];
	int64_t at;
	char ip_prefix[48];
	char ua_hash[65];
	bool against_gpc;
	/* given under the purpose's current terms (or before terms were kept);
	 * false once a material policy change altered them: a "given" that no
	 * longer counts until the person consents again */
	bool terms_current;
};

/* Records the subject's consent state (given, refused or withdrawn) for a
 * purpose declared in the policy, by method ("form", "banner", "api",
 * "import", "email", "settings", "unsubscribe_link", "privacy_center").
 * Withdrawing or refusing a direct-marketing purpose also puts the person's
 * e-mail on the suppression list; a later "import" that gives consent for
 * direct marketing to a suppressed address is VOW_ERR_DENIED. *receipt
 * (caller frees) is the signed receipt as JSON. VOW_ERR_INVALID for an
 * unknown purpose, state or method; VOW_ERR_NOT_FOUND for an unknown
 * subject. */
VOW_MUST_CHECK vow_err consent_record(struct vault *v, const char *subject, const char *purpose,
                                      enum decide_consent state, const char *method,
                                      const struct consent_evidence *ev, char **receipt);

/* Calls cb for each ledger entry of the subject, oldest first. */
typedef vow_err (*consent_fn)(void *ctx, const struct consent_event *e);
VOW_MUST_CHECK vow_err consent_history(struct vault *v, const char *subject, consent_fn cb,
                                       void *ctx);

/* Records (on) or lifts an objection to a purpose (a parent key covers the
 * purposes below it). Objecting to direct marketing suppresses the e-mail. */
VOW_MUST_CHECK vow_err consent_object(struct vault *v, const char *subject, const char *purpose,
                                      bool on);

/* Restricts (on) or lifts the restriction of processing of one category
 * ("*": the whole subject). While restricted, decide() allows only
 * storage, legal obligations and legal claims. */
VOW_MUST_CHECK vow_err consent_restrict(struct vault *v, const char *subject, const char *category,
                                        bool on, const char *reason);

/* Records that a parent or guardian consented for a subject under the
 * policy's minimum age (on), or withdrew that consent. */
VOW_MUST_CHECK vow_err consent_parental(struct vault *v, const char *subject, bool on);

/* True when the e-mail address is on the suppression list. */
bool consent_suppressed(struct vault *v, const char *email);

/* Reads Sec-GPC request header values as the GPC spec says: true when at
 * least one value is exactly "1" (several headers count as one). */
bool consent_gpc_header(const char *const *values, size_t n);

/* The /.well-known/gpc.json document for the policy: {"gpc": true|false,
 * "lastUpdate": "YYYY-MM-DD"}. Caller frees. */
char *consent_gpc_document(const struct policy *p);


#endif
