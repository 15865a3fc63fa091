/* policy/policy.h — the policy file: load, validate, compile, taxonomy.
 *
 * A policy is loaded from YAML (language v1, docs/policy-language.md) into
 * an immutable compiled snapshot. Every cross-reference is resolved to an
 * index at load time, so consumers (decide, render, retention) never look
 * keys up by string on a hot path. A snapshot is never modified after
 * policy_load_* returns; reloading builds a new one. */
#ifndef VOW_POLICY_H
#define VOW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/err.h"
#include "util/strmap.h"

/* ---- limits (each one exists to bound what a hostile file can cost) ---- */
#define POLICY_MAX_FILE_BYTES (8u * 1024u * 1024u)   /* whole file */
#define POLICY_MAX_DEPTH      32u                    /* nesting of maps/lists */
#define POLICY_MAX_NODES      2000000u               /* YAML nodes in one file */
#define POLICY_MAX_SCALAR     65536u                 /* bytes in one value */
#define POLICY_MAX_DIAGS      1000u                  /* problems reported */
#define POLICY_MAX_ARENA      (256u * 1024u * 1024u) /* compiled snapshot */
#define POLICY_NONE           UINT32_MAX             /* "no index" */

/* ---- diagnostics ---- */
struct policy_diag {
	uint32_t line, col; /* 1-based position in the file */
	char *message;      /* what is wrong */
	char *hint;         /* how to fix it (may be NULL) */
};

struct policy_diags {
	struct policy_diag *items;
	size_t len, cap;
	size_t dropped; /* problems past POLICY_MAX_DIAGS, counted only */
};

/* Frees every diagnostic and empties d. */
void policy_diags_free(struct policy_diags *d);

/* ---- enumerations ---- */
enum policy_basis {
	BASIS_CONSENT,
	BASIS_CONTRACT,
	BASIS_LEGAL_OBLIGATION,
	BASIS_LEGITIMATE_INTEREST,
	BASIS_VITAL_INTEREST,
	BASIS_PUBLIC_TASK,
	BASIS__COUNT
};

enum policy_intake { INTAKE_KEEP, INTAKE_TRUNCATE_IP, INTAKE_HASH, INTAKE_DROP, INTAKE__COUNT };
enum policy_source { SOURCE_SUBJECT, SOURCE_OBSERVED, SOURCE_THIRD_PARTY, SOURCE__COUNT };
enum policy_role_kind { ROLE_SERVICE, ROLE_STAFF, ROLE_ADMIN, ROLE_SUBJECT, ROLE__COUNT };
enum policy_recipient_kind {
	RECIPIENT_PROCESSOR,
	RECIPIENT_CONTROLLER,
	RECIPIENT_JOINT_CONTROLLER,
	RECIPIENT_AUTHORITY,
	RECIPIENT_THIRD_PARTY,
	RECIPIENT__COUNT
};
enum policy_transfer {
	TRANSFER_NONE,       /* no mechanism: only inside the EEA or to an adequate country */
	TRANSFER_ADEQUACY,   /* Art. 45 adequacy decision */
	TRANSFER_DPF,        /* EU-US Data Privacy Framework (adequacy for certified US bodies) */
	TRANSFER_SCC,        /* Art. 46(2)(c) standard contractual clauses */
	TRANSFER_BCR,        /* Art. 47 binding corporate rules */
	TRANSFER_DEROGATION, /* Art. 49 derogation (e.g. explicit consent, contract) */
	TRANSFER__COUNT
};
enum policy_anchor {
	ANCHOR_CREATED,
	ANCHOR_LAST_ACTIVITY,
	ANCHOR_ACCOUNT_CLOSED,
	ANCHOR_CONTRACT_END,
	ANCHOR__COUNT
};
enum policy_unit { UNIT_DAY, UNIT_WEEK, UNIT_MONTH, UNIT_YEAR };
/* what an access does to the data (decided separately) */
enum policy_op { OP_READ, OP_WRITE, OP_DELETE, OP__COUNT };
enum policy_signal_mode { SIGNAL_IGNORE, SIGNAL_HONOR };
enum policy_cookie_kind {
	COOKIE_FUNCTIONAL,
	COOKIE_ANALYTICAL,
	COOKIE_SOCIAL,
	COOKIE_ADVERTISING,
	COOKIE__COUNT
};

/* withdrawal / objection channels (bit mask) */
enum policy_channel {
	CHANNEL_PRIVACY_CENTER = 1u << 0,
	CHANNEL_UNSUBSCRIBE_LINK = 1u << 1,
	CHANNEL_EMAIL = 1u << 2,
	CHANNEL_SETTINGS = 1u << 3,
	CHANNEL_API = 1u << 4,
	CHANNEL_BANNER = 1u << 5,
};
/* what a purpose is, for browser opt-out signals (bit mask) */
enum policy_optout {
	OPTOUT_SALE = 1u << 0,
	OPTOUT_SHARING = 1u << 1,
	OPTOUT_TARGETED_ADVERTISING = 1u << 2,
};
/* regulations the controller declares itself under (bit mask) */
enum policy_regulation {
	REG_GDPR = 1u << 0,
	REG_UK_GDPR = 1u << 1,
	REG_CCPA = 1u << 2,
	REG_COPPA = 1u << 3,
	REG_EPRIVACY = 1u << 4,
};

/* ---- the compiled policy ---- */
struct policy_loc {
	uint32_t line, col;
};

struct policy_duration {
	uint32_t n; /* 0 = not set */
	enum policy_unit unit;
};

struct policy_idx_list {
	const uint32_t *v;
	uint32_t n;
};

struct policy_region_list {
	const char *const *v;
	uint32_t n;
};

struct policy_party {
	const char *name, *address, *country, *email, *url, *phone;
	bool present;
};

struct policy_term { /* a taxonomy key declared by the policy itself */
	const char *key, *name, *description;
	struct policy_loc loc;
};

struct policy_subject {
	const char *key, *description;
	struct policy_loc loc;
};

struct policy_category {
	const char *key, *name, *description;
	bool stored;               /* false: vow never stores it (e.g. card numbers) */
	enum policy_intake intake; /* minimisation applied at intake */
	enum policy_source source;
	bool special; /* GDPR Art. 9 special category */
	struct policy_loc loc;
};

struct policy_purpose {
	const char *key, *name, *description;
	enum policy_basis basis;
	const char *legitimate_interest; /* required for legitimate_interest */
	struct policy_region_list
	    consent_in; /* regions where consent is needed whatever the basis */
	struct policy_idx_list categories, roles, subjects;
	bool objection;         /* the person may object (Art. 21) */
	uint32_t objection_via; /* channels to object, enum policy_channel */
	uint32_t withdraw_via;  /* channels to withdraw consent */
	bool direct_marketing;  /* objection is absolute (Art. 21(3)) */
	uint32_t optout;        /* enum policy_optout: what GPC opts out of */
	bool required;          /* data needed to enter the contract */
	const char *required_reason;
	bool automated_decision;
	const char *automated_logic;
	char terms[33]; /* policy_terms_compute, set at load */
	struct policy_loc loc;
};

struct policy_role {
	const char *key, *description;
	enum policy_role_kind kind;
	bool assigned_only;    /* may act only on content assigned by a grant */
	bool acts_for_subjects; /* service/staff: may file rights requests and keep
	                           data on a person's behalf (admins always may) */
	const char *agreement; /* e.g. "NDA" */
	struct policy_idx_list purposes, categories;
	/* what the role may do: ops (bit 1 << op) on every category it sees,
	 * or, per operation, only the categories listed; declared with
	 * `operations:`, by default read only for staff and everything for the
	 * others */
	uint32_t ops;
	struct policy_idx_list op_categories[OP__COUNT];
	struct policy_loc loc;
};

struct policy_recipient {
	const char *key, *name, *description;
	enum policy_recipient_kind kind;
	const char *country; /* ISO 3166-1 alpha-2 */
	enum policy_transfer transfer;
	struct policy_idx_list purposes, categories;
	const char *notify_url; /* where correction/erasure notices go */
	struct policy_loc loc;
};

struct policy_retention {
	struct policy_idx_list categories;
	uint32_t purpose;              /* POLICY_NONE: any purpose */
	struct policy_duration period; /* n == 0 with criteria: "as long as needed" */
	enum policy_anchor from;
	struct policy_duration minimum, notice, postpone;
	bool delete_on_close; /* account closure deletes at once */
	const char *criteria;
	struct policy_loc loc;
};

struct policy_hold {
	struct policy_idx_list categories;
	uint32_t purpose;
	struct policy_duration period;
	enum policy_anchor from;
	const char *reason;
	struct policy_loc loc;
};

struct policy_residency {
	struct policy_idx_list categories;
	const char *when_attr, *when_value; /* NULL: always */
	struct policy_region_list store, send;
	const char *description;
	struct policy_loc loc;
};

struct policy_cookie {
	enum policy_cookie_kind kind;
	enum policy_basis basis;
	const char *description;
	struct policy_idx_list purposes, recipients;
	struct policy_loc loc;
};

struct policy {
	struct arena *arena;
	uint32_t lang_version;
	const char *version, *date, *language;
	struct policy_party controller, representative, dpo, authority;
	uint32_t regulations;
	const char *rights_contact; /* how to exercise rights */
	bool rights_identification; /* identity may be checked */
	const char *changes;        /* how changes are announced */
	const char *security;       /* security measures statement */

	struct policy_term *ext_categories, *ext_purposes, *ext_subjects;
	uint32_t n_ext_categories, n_ext_purposes, n_ext_subjects;

	struct policy_subject *subjects;
	uint32_t n_subjects;
	struct policy_category *categories;
	uint32_t n_categories;
	struct policy_purpose *purposes;
	uint32_t n_purposes;
	struct policy_role *roles;
	uint32_t n_roles;
	struct policy_recipient *recipients;
	uint32_t n_recipients;
	struct policy_retention *retention;
	uint32_t n_retention;
	struct policy_hold *holds;
	uint32_t n_holds;
	struct policy_residency *residency;
	uint32_t n_residency;
	struct policy_cookie *cookies;
	uint32_t n_cookies;

	uint32_t minimum_age;  /* 0: not declared */
	bool parental_consent; /* under-age allowed with a parent's consent */
	bool directed_at_children;
	enum policy_signal_mode gpc, dnt;
	struct policy_duration audit_retention; /* n == 0: keep the audit log forever */

	struct strmap subject_idx, category_idx, purpose_idx, role_idx, recipient_idx;

	/* Bitsets precomputed for decide (bit i of word i/64), row-major:
	 * row r of a table with w words per row starts at table + r * w. */
	uint32_t cat_words, pur_words, role_words;
	uint64_t *purpose_categories;   /* per purpose: the categories it uses */
	uint64_t *purpose_roles;        /* per purpose: the roles that may act */
	uint64_t *role_categories;      /* per role: categories it may see (all when it names none) */
	uint64_t *role_ops; /* per operation, then per role: the categories it may act on so */
	uint64_t *recipient_purposes;   /* per recipient */
	uint64_t *recipient_categories; /* per recipient */
	uint64_t *residency_categories; /* per residency rule */
	uint64_t *legal_purposes;       /* purposes that survive closure and restriction:
	                                   legal obligations and legal claims */
};

/* ---- loading ---- */

/* Loads and validates the policy file at path. On success *out is a new
 * snapshot (free with policy_free) and diags is empty. On VOW_ERR_POLICY
 * every problem found is in diags (the caller frees them); *out is untouched.
 * Other errors: VOW_ERR_NOT_FOUND, VOW_ERR_IO, VOW_ERR_NOMEM. A file over
 * POLICY_MAX_FILE_BYTES is reported as a diagnostic (VOW_ERR_POLICY). */
VOW_MUST_CHECK vow_err policy_load_file(const char *path, struct policy **out,
                                        struct policy_diags *diags);

/* As policy_load_file, from len bytes at buf (need not be NUL-terminated). */
VOW_MUST_CHECK vow_err policy_load_buffer(const char *buf, size_t len, struct policy **out,
                                          struct policy_diags *diags);

/* Frees the snapshot and sets *p to NULL. NULL-safe. */
void policy_free(struct policy **p);

/* Index of a declared category/purpose/role/recipient by key, or POLICY_NONE. */
uint32_t policy_category_find(const struct policy *p, const char *key);
uint32_t policy_purpose_find(const struct policy *p, const char *key);
uint32_t policy_role_find(const struct policy *p, const char *key);
uint32_t policy_recipient_find(const struct policy *p, const char *key);

/* The compiled policy as JSON text (the format of `vow policy show --json`).
 * The caller frees the returned string with free(); NULL on ENOMEM. */
char *policy_to_json(const struct policy *p);

/* The human-readable policy (GDPR Art. 13/14 sections, each with a stable
 * anchor: controller, data, purposes, staff, recipients, transfers,
 * residency, retention, rights, cookies, signals, children, security,
 * changes) as Markdown or an HTML page. Caller frees; NULL on ENOMEM. */
char *policy_render(const struct policy *p, bool html);
char *policy_render_html(const struct policy *p);

/* The record of processing activities, one record per purpose with every
 * field of GDPR Art. 30(1), as CSV (RFC 4180) or JSON. Caller frees. */
char *policy_ropa(const struct policy *p, bool csv);

/* ---- changes between two versions ---- */

struct policy_change {
	bool material;  /* needs fresh consent or a notice */
	char *text;     /* in words a privacy officer can act on */
	char *purpose;  /* the purpose it concerns, or NULL */
};

struct policy_changes {
	struct policy_change *items;
	size_t len, cap, material;
};

/* Every change from old to new, each classed material or not (material: a
 * new purpose, a new recipient, country or disclosed category, a longer
 * retention, a changed legal basis, a new category for an existing purpose,
 * a purpose that stops allowing objection, staff no longer limited to
 * assigned content, a lower minimum age, a new controller). Free with
 * policy_changes_free. VOW_ERR_NOMEM only. */
VOW_MUST_CHECK vow_err policy_diff(const struct policy *old, const struct policy *new_policy,
				   struct policy_changes *out);
void policy_changes_free(struct policy_changes *c);

/* Sets each purpose's terms: a fingerprint (32 hex digits) of what a person
 * consents to for it: its basis, whether they may object, its categories
 * (with how long each is kept at most) and recipients (with countries), not
 * its wording or the order of its lists. A consent given under other terms
 * does not count. Linear in the size of the policy. VOW_ERR_NOMEM only. */
VOW_MUST_CHECK vow_err policy_terms_compute(struct policy *p);

/* ---- retention due dates ---- */

/* What an item's due date depends on (times in Unix seconds, 0: not yet). */
struct retention_facts {
	int64_t created_at;    /* the item was first written */
	int64_t last_activity; /* the subject's last activity */
	int64_t closed_at;     /* the account was closed */
	int64_t contract_end;  /* the contract ended (closure counts when 0) */
	int64_t postponed_to;  /* the person asked to keep it until then */
	uint32_t purpose;      /* the purpose it was written for, or POLICY_NONE */
};

struct retention_due {
	int64_t due_at;    /* 0: no date (no rule, or an anchor not reached yet) */
	int64_t notice_at; /* when the person must be warned, 0: no notice */
	bool held;         /* a legal hold keeps it past its rules */
	bool on_close;     /* due because the account was closed (no notice) */
	uint32_t rule;     /* the deciding retention rule, or POLICY_NONE */
};

/* When the item of category (an index) is due under p's retention rules:
 * each rule that covers the category (and the purpose, when the rule names
 * one) gives the end of its period from its anchor, at least its minimum
 * after creation, or the closure itself for delete_on_close; the item is
 * kept until the latest of them, or the person's postponement, or the end
 * of a legal hold that covers it, whichever is later. An item no rule
 * covers has no date while the account is open; once it is closed, it is
 * due when the legal holds covering it end (none: no date). One a rule
 * keeps until an anchor not yet reached has no date.
 * Pure; never fails. */
void policy_retention_due(const struct policy *p, uint32_t category,
                          const struct retention_facts *f, struct retention_due *out);

/* The end of the longest legal hold covering category (0: none; INT64_MAX
 * while its anchor is not reached). */
int64_t policy_hold_end(const struct policy *p, uint32_t category, const struct retention_facts *f);

/* The AmberScript example policy compiled into the library (NUL-terminated). */
const char *policy_example_text(size_t *len);

/* The field names a section of the policy file accepts, NULL-terminated, or
 * NULL for an unknown section. Sections: policy (the top level), party,
 * taxonomy, taxonomy_entry, subject, category, purpose, role, recipient,
 * retention, legal_hold, residency, children, cookie, signals, rights, audit. */
const char *const *policy_section_fields(const char *section);

/* The i-th section name (for iterating), or NULL past the last. */
const char *policy_section_name(size_t i);

/* ---- names of enumerations (for output and documentation) ---- */
const char *policy_basis_name(enum policy_basis b);
const char *policy_anchor_name(enum policy_anchor a);
const char *policy_transfer_name(enum policy_transfer t);
const char *policy_role_kind_name(enum policy_role_kind k);
const char *policy_recipient_kind_name(enum policy_recipient_kind k);
const char *policy_intake_name(enum policy_intake i);
const char *policy_cookie_kind_name(enum policy_cookie_kind k);
const char *policy_unit_name(enum policy_unit u);
const char *policy_op_name(enum policy_op o);

/* Parses "N day(s)|week(s)|month(s)|year(s)" or ISO 8601 "PnD|PnW|PnM|PnY"
 * (N from 1, at most 200 years). False, and *d untouched, if malformed. */
bool policy_duration_parse(const char *s, struct policy_duration *d);

/* Shortest and longest length of d in days (a month is 28..31 days). */
uint32_t policy_duration_min_days(struct policy_duration d);
uint32_t policy_duration_max_days(struct policy_duration d);

/* ---- taxonomy ---- */
enum taxonomy_kind { TAXONOMY_CATEGORY, TAXONOMY_PURPOSE, TAXONOMY_SUBJECT };

struct taxonomy_entry {
	const char *key;
	enum taxonomy_kind kind;
	const char *name;
	const char *description;
};

/* True when key is a well-formed dotted key: lowercase segments of
 * [a-z0-9_], each starting with a letter, separated by single dots,
 * at most 128 bytes and 8 segments. */
bool taxonomy_key_valid(const char *key);

/* True when rule covers key: equal, or key lies below rule in the
 * hierarchy ("user.content" covers "user.content.audio", not "user.contents"). */
bool taxonomy_key_covers(const char *rule, const char *key);

/* vow's built-in taxonomy entry for key of the given kind, or NULL. */
const struct taxonomy_entry *taxonomy_find(enum taxonomy_kind kind, const char *key);

/* All built-in entries; *n receives the count. */
const struct taxonomy_entry *taxonomy_all(size_t *n);

/* ---- regions ---- */

/* True for an ISO 3166-1 alpha-2 code (upper case) that vow knows. */
bool region_country_valid(const char *cc);

/* True for a region name usable in residency rules: a country code, or one of
 * the groups EU, EEA, ADEQUATE (EEA plus adequacy countries), ANY. */
bool region_name_valid(const char *name);

/* True when country cc lies in region (a country code or a group). */
bool region_contains(const char *region, const char *cc);

/* True when cc has an EU adequacy decision (Art. 45) in vow's table. */
bool region_adequate(const char *cc);

#endif
