/* rights/rights.h — data-subject-rights requests: access, portability,
 * rectification, erasure, restriction (and lifting it), objection,
 * withdrawal of consent.
 *
 * Lifecycle: received -> verified (a one-time code e-mailed to the address
 * on file, or an authenticated subject session) -> in_progress ->
 * completed, or denied with a ground. Every transition is timestamped in
 * the request's history and audited. The deadline is one month from
 * receipt (GDPR Art. 12(3)), extendable once, inside that month, by up to
 * two further months with a notice to the person. Messages to the person
 * and to recipients go through the outbox in the transaction of the change. */
#ifndef VOW_RIGHTS_H
#define VOW_RIGHTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "notify/notify.h"
#include "vault/vault.h"

#define RIGHTS_CODE_TTL            (30 * 60)          /* a verification code lasts 30 minutes */
#define RIGHTS_CODE_ATTEMPTS       5                  /* wrong codes before a new one is needed */
#define RIGHTS_SUBJECT_WRONG_CODES 10                 /* per person across requests, per window: */
#define RIGHTS_LOCKOUT_WINDOW      (24 * 60 * 60)     /* then no code is accepted in their name */
#define RIGHTS_EXPORT_TTL          (7 * 24 * 60 * 60) /* a download link lasts a week */
#define RIGHTS_MAX_EXTENSION       2                  /* months, Art. 12(3) */

enum rights_type {
	RIGHT_ACCESS,           /* Art. 15 */
	RIGHT_PORTABILITY,      /* Art. 20 */
	RIGHT_RECTIFICATION,    /* Art. 16 */
	RIGHT_ERASURE,          /* Art. 17 */
	RIGHT_RESTRICTION,      /* Art. 18 */
	RIGHT_RESTRICTION_LIFT, /* Art. 18(3): the person is told first */
	RIGHT_OBJECTION,        /* Art. 21 */
	RIGHT_WITHDRAWAL,       /* Art. 7(3) */
	RIGHT__COUNT
};

/* The type's name ("access", ...) and its GDPR article ("A15", "A7-3", the
 * DPV notation); parse gives false for an unknown name. */
const char *rights_type_name(enum rights_type t);
const char *rights_type_article(enum rights_type t);
bool rights_type_parse(const char *name, enum rights_type *out);

/* Whether the right applies to data held on legal basis b, as the W3C DPV
 * GDPR legal-basis/rights mapping has it (portability only for consent and
 * contract, objection only for public task and legitimate interest,
 * withdrawal only for consent, no erasure for a legal obligation or a
 * public task, ...). Objection to direct marketing (Art. 21(2)) applies on
 * any basis. */
bool rights_applies(enum rights_type t, enum policy_basis b, bool direct_marketing);

/* The deadline of a request received at `received` with `extension`
 * months added: one calendar month later (a request of 31 January is due
 * on the last day of February), plus the extension. */
int64_t rights_deadline(int64_t received, int extension);

/* True when ground may deny a request of type t: for erasure one of
 * art17_3_a .. art17_3_e (GDPR Art. 17(3)(a)-(e)); for any request
 * identity_not_verified, manifestly_unfounded, excessive (Art. 12(5)),
 * right_not_applicable (the legal basis gives no such right). */
bool rights_ground_valid(enum rights_type t, const char *ground);

/* A request being filed. detail is the type's JSON object (borrowed; NULL
 * for {}): rectification {"category", "value"}; restriction and its lift
 * {"category"} ("*": all processing); objection and withdrawal
 * {"purpose"}; access and portability, erasure: {}. channel is who filed
 * it ("subject", "staff", "admin", "agent:ID"). An authenticated subject
 * session files it verified; otherwise a one-time code is e-mailed to the
 * address on file. */
struct rights_filing {
	const char *subject, *type, *channel, *detail;
	bool verified;
};

/* Files a request at clock_now(): checks the type and detail, stores it,
 * queues the acknowledgement (and the code) e-mail; id receives its id.
 * At most one request of a type is open per subject: VOW_ERR_EXISTS when
 * one is (id receives that request's id; nothing is filed or sent).
 * VOW_ERR_INVALID for an unknown type or a bad detail (an undeclared
 * category or purpose, a value that is not JSON); VOW_ERR_NOT_FOUND for an
 * unknown or erased subject. Who may file for whom is the caller's check
 * (the HTTP layer: the policy's acts_for_subjects). */
VOW_MUST_CHECK vow_err rights_file(struct vault *v, const struct rights_filing *f,
                                   char id[VOW_ID_LEN + 1]);

/* Checks the person's code: verified on the right one. VOW_ERR_DENIED for
 * a wrong code, VOW_ERR_INVALID when none is valid any more (resend),
 * VOW_ERR_EXISTS when the request is past verification. Wrong codes are
 * also counted per person across their requests: once
 * RIGHTS_SUBJECT_WRONG_CODES fall within RIGHTS_LOCKOUT_WINDOW, every
 * verification for that person is VOW_ERR_LOCKED (the code not looked at)
 * until the oldest of them is that old, and the wrong code that reached the
 * limit queues one notice to the person (template request.lockout).
 * *locked_until (may be NULL) receives when a lockout in force after the
 * call ends, 0 if none. */
VOW_MUST_CHECK vow_err rights_verify(struct vault *v, const char *id, const char *code,
                                     int64_t *locked_until);

/* Sends a new code (the old one stops working). */
VOW_MUST_CHECK vow_err rights_resend_code(struct vault *v, const char *id);

/* Extends the deadline by months (1..2 in all) with reason, which the
 * person is told. VOW_ERR_DENIED after the first month or beyond two
 * months in all; VOW_ERR_EXISTS for a closed request. */
VOW_MUST_CHECK vow_err rights_extend(struct vault *v, const char *id, int months,
                                     const char *reason);

/* Denies the request on ground (rights_ground_valid) with reason, which
 * the person is told. VOW_ERR_INVALID for a ground that does not fit. */
VOW_MUST_CHECK vow_err rights_deny(struct vault *v, const char *id, const char *ground,
                                   const char *reason);

/* Carries a verified request out and completes it (or, where the right
 * does not apply to the data's legal basis, denies it on
 * right_not_applicable). *result (may be NULL; caller frees) receives the
 * answer: the export's download link, the erasure receipt, the recipients
 * told, ... A restriction lift first tells the person and completes on a
 * later call, once the outbox says that notice was delivered (the answer
 * then says "waiting"). VOW_ERR_DENIED for a request not yet verified;
 * VOW_ERR_EXISTS for a closed one. A crash part-way is completed by
 * calling it again. An access or portability export's link is made from
 * the public URL setting: VOW_ERR_CONFIG without one (the request stays in
 * progress; process it again once it is set). */
VOW_MUST_CHECK vow_err rights_process(struct vault *v, const char *id, char **result);

/* Erases subject (vault_subject_erase: *receipt as it says) and then
 * closes every request of theirs still open but except (may be NULL: the
 * erasure request being carried out): completed with a note that the
 * person's data was erased, audited, and their agents' status callbacks
 * queued (request ids and states only: no personal data), but no e-mail.
 * VOW_ERR_NOT_FOUND for an unknown or already erased subject. */
VOW_MUST_CHECK vow_err rights_erase(struct vault *v, const char *subject, const char *except,
                                    char **receipt);

/* The closing half of rights_erase (for an erasure done otherwise):
 * *closed (may be NULL) counts the requests closed. */
VOW_MUST_CHECK vow_err rights_close_erased(struct vault *v, const char *subject, const char *except,
                                           size_t *closed);

/* Lists the open requests whose deadline is before now, by deadline. */
VOW_MUST_CHECK vow_err rights_overdue(struct vault *v, int64_t now, vault_request_fn cb, void *ctx);

/* Opens the export a download token was given for: VOW_ERR_NOT_FOUND for
 * an unknown token, VOW_ERR_DENIED once it expired. */
VOW_MUST_CHECK vow_err rights_export_open(struct vault *v, const char *token,
                                          struct vault_file_reader **out,
                                          struct vault_file_info *info);

/* Deletes exports whose links expired by now; *count (may be NULL). */
VOW_MUST_CHECK vow_err rights_exports_expire(struct vault *v, int64_t now, size_t *count);

/* Writes the export of subject's data (access: everything; portability:
 * what is held on consent or contract) as a tar archive into a sealed file
 * of the subject, streaming (flat memory for any size); file_id receives
 * it. Internal to rights, public for the benchmark. */
VOW_MUST_CHECK vow_err rights_export_write(struct vault *v, const char *subject,
                                           const char *request, bool portability,
                                           char file_id[VOW_ID_LEN + 1]);

/* ---- the Data Rights Protocol 1.0 (authorized agents) ---- */

/* What a DRP endpoint answers: an HTTP status and a JSON body (NULL: none;
 * the caller owns it). */
struct drp_answer {
	int http;
	json_t *body;
};

/* POST /v1/agent/{agent}: pair-wise key setup from a signed body; 403 with
 * no body when anything fails to verify. */
VOW_MUST_CHECK vow_err drp_pair(struct vault *v, const char *agent, const char *body, size_t len,
                                struct drp_answer *out);

/* GET /v1/agent/{agent}: {} when token is that agent's, else 403. */
VOW_MUST_CHECK vow_err drp_agent_info(struct vault *v, const char *token, const char *agent,
                                      struct drp_answer *out);

/* POST /v1/data-rights-request: a signed exercise, mapped onto vow requests
 * (access, access:categories, access:specific -> access; deletion ->
 * erasure; sale:opt-out -> objection or withdrawal for every purpose the
 * policy counts as sale or sharing). Denied at once, with the protocol's
 * reason, for an unsupported regime (outside_jurisdiction) or right
 * (claim_not_covered), nobody matching the identity (no_match), or the same
 * right already open (too_many_requests). The Exercise Status object. */
VOW_MUST_CHECK vow_err drp_exercise(struct vault *v, const char *token, const char *body,
                                    size_t len, struct drp_answer *out);

/* GET /v1/data-rights-request/{id}: its status (403 for another agent's). */
VOW_MUST_CHECK vow_err drp_status(struct vault *v, const char *token, const char *id,
                                  struct drp_answer *out);

/* DELETE /v1/data-rights-request/{id}: a signed {"reason"}; the request and
 * its vow requests are revoked (409 once final). */
VOW_MUST_CHECK vow_err drp_revoke(struct vault *v, const char *token, const char *id,
                                  const char *body, size_t len, struct drp_answer *out);

/* Pushes the status of the DRP request r belongs to (if any) to its
 * agent's status_callback (through the outbox). */
void drp_request_changed(struct vault *v, const struct vault_request *r);

/* Revokes an open request at the person's word (through their agent):
 * closed, with reason. VOW_ERR_EXISTS if it was closed. */
VOW_MUST_CHECK vow_err rights_revoke(struct vault *v, const char *id, const char *reason);

#endif
