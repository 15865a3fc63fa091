/* decide/decide.h — the policy decision point.
 *
 * decide() maps (compiled policy, actor, subject state, category, purpose,
 * optional recipient) to allow or deny with a stable reason naming the rule.
 * It is pure: no I/O, no allocation, no global state; everything it needs
 * is in its arguments and in the bitsets the policy precomputed at load.
 * Facts that need I/O (is there an active grant? what has the person
 * consented to?) are looked up by the caller and passed in. */
#ifndef VOW_DECIDE_H
#define VOW_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"

/* Reasons, in the order the rules are checked (the first that denies
 * wins). The string codes are stable API. */
enum decide_reason {
	DECIDE_ALLOWED = 0,
	DECIDE_UNKNOWN_PURPOSE,         /* the purpose is not declared */
	DECIDE_UNKNOWN_CATEGORY,        /* the category is not declared */
	DECIDE_UNKNOWN_ROLE,            /* the actor's role is not declared */
	DECIDE_SUBJECT_ERASED,          /* the person was erased */
	DECIDE_CATEGORY_NOT_IN_PURPOSE, /* the purpose does not use this category */
	DECIDE_ROLE_NOT_ALLOWED,        /* the role may not act for this purpose or category */
	DECIDE_OPERATION_NOT_ALLOWED,   /* the role may see the data but not write or delete it */
	DECIDE_NO_ASSIGNMENT,           /* staff limited to assigned content, and not assigned */
	DECIDE_LEGAL_HOLD,              /* the data is kept only for a legal obligation */
	DECIDE_ACCOUNT_CLOSED,          /* the account is closed: only legal obligations remain */
	DECIDE_RESTRICTED,        /* processing is restricted: storage and legal claims only */
	DECIDE_UNDER_MINIMUM_AGE, /* under the policy's minimum age without parental consent */
	DECIDE_NO_CONSENT,        /* consent is needed and was never given (or was refused) */
	DECIDE_CONSENT_WITHDRAWN, /* consent was withdrawn */
	DECIDE_OBJECTION,         /* the person objected to this purpose */
	DECIDE_GPC_OPT_OUT,       /* a Global Privacy Control (or honoured DNT) signal opts out */
	DECIDE_RECIPIENT_NOT_ALLOWED, /* the recipient is unknown or not declared for this purpose
	                                 and category */
	DECIDE_REGION_NOT_ALLOWED, /* residency or transfer rules forbid the recipient's country */
	DECIDE__COUNT
};

enum decide_consent {
	CONSENT_NONE = 0,
	CONSENT_GIVEN = 1,
	CONSENT_REFUSED = 2,
	CONSENT_WITHDRAWN = 3
};
enum decide_status { SUBJECT_STATE_ACTIVE = 0, SUBJECT_STATE_CLOSED = 1, SUBJECT_STATE_ERASED = 2 };

/* Who is asking. role is a policy role index; assigned says whether an
 * active grant covers this subject, category (and file) for this purpose. */
struct decide_actor {
	uint32_t role;
	bool assigned;
};

/* What is known about the person. The bitsets are indexed by policy
 * category / purpose index (bit i of word i/64); NULL means all clear.
 * consent holds one enum decide_consent per purpose (NULL: none given). */
struct decide_subject {
	enum decide_status status;
	char region[3];  /* ISO 3166-1 alpha-2, "" when unknown */
	bool restricted; /* the whole subject is restricted */
	const uint64_t *restricted_categories;
	const uint64_t *objections; /* per purpose */
	const uint8_t *consent;     /* per purpose */
	bool minor;                 /* under the policy's minimum age */
	bool parental_consent;
	bool gpc; /* the person's browser sent Sec-GPC: 1 */
	bool dnt; /* ... DNT: 1 */
};

/* What is to be done. recipient is POLICY_NONE unless data is disclosed;
 * attr is the data's residency attribute value (e.g. its language, "nl" or
 * "nl-BE": matched by its primary subtag, case-insensitively), NULL when
 * unknown (a rule for one value then binds it); held marks data kept under
 * a legal hold. */
struct decide_request {
	uint32_t purpose, category, recipient;
	const char *attr;
	bool held;
	enum policy_op op; /* read (the default), write or delete */
};

struct decide_result {
	bool allow;
	enum decide_reason reason;
	uint32_t rule; /* index of the residency rule or hold that decided, else POLICY_NONE */
};

/* Decides. Never fails, never allocates. */
struct decide_result decide(const struct policy *p, const struct decide_actor *actor,
                            const struct decide_subject *subject, const struct decide_request *req);

/* Stable code ("allowed", "no_consent", ...) and a plain-language message. */
const char *decide_reason_code(enum decide_reason r);
const char *decide_reason_message(enum decide_reason r);

/* Bitset helpers for building subject states: words needed for n bits, and
 * setting / testing bit i. */
static inline uint32_t decide_words(uint32_t n)
{
	return (n + 63) / 64;
}
static inline void decide_bit_set(uint64_t *set, uint32_t i)
{
	set[i / 64] |= 1ull << (i % 64);
}
static inline bool decide_bit(const uint64_t *set, uint32_t i)
{
	return set != NULL && (set[i / 64] >> (i % 64)) & 1u;
}

#endif
