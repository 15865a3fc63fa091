/* policy/load_fields.c — the fields each section of a policy file accepts:
 * one table, used by the loader to reject unknown fields and by the tests to
 * check that docs/policy.schema.json describes exactly these. */
#include <string.h>

#include "policy/policy.h"

static const char *const f_policy[] = {"vow_policy",  "version",
                                       "date",        "language",
                                       "controller",  "representative",
                                       "dpo",         "supervisory_authority",
                                       "regulations", "rights",
                                       "changes",     "security",
                                       "taxonomy",    "subjects",
                                       "categories",  "purposes",
                                       "roles",       "recipients",
                                       "retention",   "legal_holds",
                                       "residency",   "children",
                                       "cookies",     "signals",
                                       "audit",       NULL};
static const char *const f_party[] = {"name", "address", "country", "email", "url", "phone", NULL};
static const char *const f_taxonomy_entry[] = {"key", "name", "description", NULL};
static const char *const f_taxonomy[] = {"categories", "purposes", "subjects", NULL};
static const char *const f_subject[] = {"key", "description", NULL};
static const char *const f_category[] = {"key",    "name",   "description", "stored",
                                         "intake", "source", "special",     NULL};
static const char *const f_children[] = {"minimum_age", "parental_consent", "directed_at_children",
                                         NULL};
static const char *const f_signals[] = {"gpc", "dnt", NULL};
static const char *const f_rights[] = {"contact", "identification", NULL};
static const char *const f_purpose[] = {"key",
                                        "name",
                                        "description",
                                        "basis",
                                        "legitimate_interest",
                                        "consent_in",
                                        "categories",
                                        "subjects",
                                        "roles",
                                        "objection",
                                        "objection_via",
                                        "withdraw_via",
                                        "direct_marketing",
                                        "opt_out",
                                        "required",
                                        "required_reason",
                                        "automated_decision",
                                        "automated_logic",
                                        NULL};
static const char *const f_role[] = {
    "key",      "kind",       "description", "assigned_only", "acts_for_subjects", "agreement",
    "purposes", "categories", "operations",  NULL};
static const char *const f_recipient[] = {"key",        "name",     "description", "kind",
                                          "country",    "transfer", "purposes",    "categories",
                                          "notify_url", NULL};
static const char *const f_retention[] = {"categories", "purpose", "period",   "from",
                                          "minimum",    "notice",  "postpone", "delete_on_close",
                                          "criteria",   NULL};
static const char *const f_legal_hold[] = {"categories", "purpose", "period",
                                           "from",       "reason",  NULL};
static const char *const f_residency[] = {"categories", "when",        "store",
                                          "send",       "description", NULL};
static const char *const f_audit[] = {"retention", NULL};
static const char *const f_cookie[] = {"kind",     "basis",      "description",
                                       "purposes", "recipients", NULL};

static const struct {
	const char *section;
	const char *const *fields;
} sections[] = {
    {"policy", f_policy},
    {"party", f_party},
    {"taxonomy_entry", f_taxonomy_entry},
    {"taxonomy", f_taxonomy},
    {"subject", f_subject},
    {"category", f_category},
    {"children", f_children},
    {"signals", f_signals},
    {"rights", f_rights},
    {"purpose", f_purpose},
    {"role", f_role},
    {"recipient", f_recipient},
    {"retention", f_retention},
    {"legal_hold", f_legal_hold},
    {"residency", f_residency},
    {"cookie", f_cookie},
    {"audit", f_audit},
};

const char *const *policy_section_fields(const char *section)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(sections[i].section, section) == 0)
			return sections[i].fields;
	return NULL;
}

const char *policy_section_name(size_t i)
{
	return i < sizeof(sections) / sizeof(sections[0]) ? sections[i].section : NULL;
}
