#!/usr/bin/env python3
"""Writes tests/policies/invalid/*.yaml: base.yaml with one defect each.

Each case names the text to replace, its replacement, the text that marks
where the error must be reported (the first occurrence at or after the
replacement), and the exact message vow must print. The first line of each
file is '# expect: LINE:COL: MESSAGE', read by tests/unit/test_policy.c.
Re-run after changing base.yaml: python3 tests/policies/make_invalid.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = open(os.path.join(HERE, "base.yaml")).read()

# (name, old, new, marker, message): the error is reported where marker
# first stands at or after the replaced text ('^marker': anywhere in the file)
CASES = [
    ("undeclared_category", "categories: [user.contact.email, user.content.audio]",
     "categories: [user.contact.email, user.contact.phone_number]", "user.contact.phone_number",
     "purpose 'essential.service' uses undeclared category 'user.contact.phone_number'"),
    ("undeclared_purpose", "    purposes: [marketing.communications.email]\n",
     "    purposes: [analytics.reporting]\n", "analytics.reporting",
     "recipient 'mailer' names undeclared purpose 'analytics.reporting'"),
    ("undeclared_role", "roles: [service, transcriber]", "roles: [service, support]", "support]",
     "purpose 'essential.service' names undeclared role 'support'"),
    ("undeclared_recipient", "children:",
     "cookies:\n  - kind: functional\n    basis: legitimate_interest\n    description: x\n    recipients: [google]\nchildren:",
     "google", "a cookie kind names undeclared recipient 'google'"),
    ("consent_no_withdrawal", "    withdraw_via: [unsubscribe_link]\n", "", "^marketing.communications.email\n",
     "consent purpose 'marketing.communications.email' has no way to withdraw consent"),
    ("legitimate_interest_no_objection", "recipients:",
     "  - key: analytics.reporting\n    name: Stats\n    basis: legitimate_interest\n    legitimate_interest: Knowing our traffic.\n    categories: [user.contact.email]\n    roles: [service]\n    objection: false\nrecipients:",
     "false\nrecipients", "legitimate-interest purpose 'analytics.reporting' does not let the person object"),
    ("legitimate_interest_unnamed", "recipients:",
     "  - key: analytics.reporting\n    name: Stats\n    basis: legitimate_interest\n    categories: [user.contact.email]\n    roles: [service]\nrecipients:",
     "analytics.reporting\n", "legitimate-interest purpose 'analytics.reporting' does not name the interest"),
    ("transfer_missing", "    transfer: scc\n", "", "^US\n",
     "recipient 'mailer' is outside the EEA (US) and has no transfer mechanism"),
    ("notice_longer_than_period", "notice: 1 week", "notice: 7 months", "7 months",
     "advance notice is longer than the retention period"),
    ("hold_not_legal_obligation", "    purpose: essential.legal_obligation.tax\n", "    purpose: essential.service\n",
     "essential.service\n    period: 7", "legal hold names purpose 'essential.service', whose basis is contract, not legal_obligation"),
    ("minimum_age_low", "minimum_age: 16", "minimum_age: 12", "12",
     "minimum age 12 is outside 13-16 for a controller under gdpr"),
    ("minimum_age_high", "minimum_age: 16", "minimum_age: 18", "18",
     "minimum age 18 is outside 13-16 for a controller under gdpr"),
    ("staff_role_no_purpose", "    assigned_only: true\n    purposes: [essential.service]\n", "    assigned_only: true\n",
     "^transcriber\n", "staff role 'transcriber' has no purpose"),
    ("unknown_top_field", "children:", "colour: blue\nchildren:", "colour", "unknown field 'colour' in the policy"),
    ("unknown_purpose_field", "    basis: contract\n", "    basis: contract\n    legal_basis: contract\n", "legal_basis",
     "unknown field 'legal_basis' in a purpose"),
    ("bool_wrong_type", "    description: Uploaded audio.\n", "    description: Uploaded audio.\n    stored: maybe\n", "maybe",
     "'stored' must be true or false, not 'maybe'"),
    ("list_wrong_type", "    categories: [user.financial.invoice]\n    roles: [service]\n",
     "    categories: user.financial.invoice\n    roles: [service]\n", "user.financial.invoice\n    roles",
     "categories must be a list"),
    ("duplicate_yaml_key", 'date: 2024-05-01\n', 'date: 2024-05-01\nversion: "2"\n', 'version: "2"',
     "duplicate key 'version'"),
    ("duplicate_category", "  - key: user.financial.invoice\n", "  - key: user.contact.email\n    description: again\n  - key: user.financial.invoice\n",
     "user.contact.email\n    description: again", "category 'user.contact.email' is declared twice"),
    ("key_syntax", "  - key: user.financial.invoice\n    description: Invoices.\n",
     "  - key: user.financial.invoice\n    description: Invoices.\n  - key: User.Email\n    description: x\n", "User.Email",
     "'User.Email' is not a valid category key"),
    ("key_not_in_taxonomy", "  - key: user.financial.invoice\n    description: Invoices.\n",
     "  - key: user.financial.invoice\n    description: Invoices.\n  - key: user.contact.pager\n    description: x\n", "user.contact.pager",
     "category 'user.contact.pager' is not in the taxonomy"),
    ("extension_without_parent", "categories:\n", "taxonomy:\n  categories:\n    - key: user.nothing.here\ncategories:\n", "user.nothing.here",
     "the parent 'user.nothing' of 'user.nothing.here' is not in the taxonomy"),
    ("extension_of_builtin", "categories:\n", "taxonomy:\n  categories:\n    - key: user.contact.email\ncategories:\n", "user.contact.email",
     "'user.contact.email' is already in vow's taxonomy"),
    ("basis_unknown", "    basis: contract\n", "    basis: agreement\n", "agreement", "'agreement' is not a valid basis"),
    ("country_unknown", "  country: NL\n", "  country: XX\n", "XX", "'XX' is not a country code"),
    ("duration_malformed", "period: 6 months", "period: six months", "six months",
     "'six months' is not a valid duration for 'period'"),
    ("date_impossible", "date: 2024-05-01", "date: 2024-02-30", "2024-02-30", "'2024-02-30' is not a valid date"),
    ("controller_unnamed", "  name: Example B.V.\n", "", "address: Main", "the controller is missing the required field 'name'"),
    ("minimum_longer_than_period", "    notice: 1 week\n", "    notice: 1 week\n    minimum: 1 year\n", "1 year",
     "minimum keep time is longer than the retention period"),
    ("postpone_without_notice", "    notice: 1 week\n", "    postpone: 1 month\n", "1 month",
     "postponement is allowed but no advance notice is given"),
    ("yaml_anchor", 'version: "1"', 'version: &v "1"', "&v", "YAML anchors (&name) are not allowed in a policy file"),
    ("yaml_tag", 'version: "1"', 'version: !!str 1', "!!str", "YAML tags (!tag) are not allowed in a policy file"),
    ("language_version", "vow_policy: 1", "vow_policy: 2", "2\n", "policy language version '2' is not supported"),
    ("region_unknown", "children:", "residency:\n  - categories: [user.content.audio]\n    store: [MARS]\nchildren:", "MARS",
     "'MARS' is not a region"),
    ("cookie_without_consent", "regulations: [gdpr]", "regulations: [gdpr, eprivacy]", None, None),
    ("adequacy_claimed", "    transfer: scc\n", "    transfer: adequacy\n", "adequacy",
     "recipient 'mailer' claims an adequacy decision, but US has none"),
    ("recipient_category_unused", "    categories: [user.contact.email]\nretention:", "    categories: [user.contact.email, user.content.audio]\nretention:",
     "[user.contact.email, user.content.audio]\nretention", "recipient 'mailer' receives category 'user.content.audio', which none of its purposes uses"),
    ("representative_missing", "  country: NL\n", "  country: US\n", "US\n  email",
     "the controller is outside the EEA (US) under gdpr but names no EU representative (Art. 27)"),
    ("assigned_only_not_staff", "    kind: service\n", "    kind: service\n    assigned_only: true\n", "true\n  - key: transcriber",
     "role 'service' is assigned_only but not of kind staff"),
    ("acts_for_subjects_on_subject", "roles:\n", "roles:\n  - key: subject\n    kind: subject\n    acts_for_subjects: true\n", "true\n  - key: service",
     "role 'subject' of kind subject cannot take acts_for_subjects"),
    ("role_purpose_not_listed", "    purposes: [essential.service]\n", "    purposes: [essential.service, marketing.communications.email]\n",
     "[essential.service, marketing", "role 'transcriber' acts for purpose 'marketing.communications.email', which does not list the role"),
    ("retention_of_unstored", "    description: Uploaded audio.\n", "    description: Uploaded audio.\n    stored: false\n",
     "[user.content.audio]\n    period", "a retention rule names category 'user.content.audio', which is never stored"),
    ("retention_without_period", "    period: 6 months\n    notice: 1 week\n", "    from: created\n", "^categories: [user.content.audio]\n    from",
     "retention rule has neither a period nor criteria"),
    ("automated_unexplained", "    basis: contract\n", "    basis: contract\n    automated_decision: true\n", "true\n    categories: [user.contact.email, user.content",
     "purpose 'essential.service' makes automated decisions but does not explain them"),
    ("several_documents", "children:\n  minimum_age: 16\n", "children:\n  minimum_age: 16\n---\nmore: 1\n", "---", "the file holds more than one YAML document"),
    ("no_purposes", None, None, None, None),
    ("dpf_outside_us", "  - key: mailer\n    name: Mailer Inc.\n    kind: processor\n    country: US\n    transfer: scc\n",
     "  - key: mailer\n    name: Mailer Inc.\n    kind: processor\n    country: CA\n    transfer: dpf\n", "dpf",
     "recipient 'mailer' uses dpf outside the US (CA)"),
    ("residency_without_limit", "children:", "residency:\n  - categories: [user.content.audio]\nchildren:", "categories: [user.content.audio]\nchildren",
     "residency rule limits neither storage nor sending"),
    ("opt_out_unknown", "    withdraw_via: [unsubscribe_link]\n", "    withdraw_via: [unsubscribe_link]\n    opt_out: [selling]\n", "selling",
     "'selling' is not a valid entry of opt_out"),
    ("flow_list_unclosed", "    roles: [service]\n    withdraw_via", "    roles: [service\n    withdraw_via", None, None),
    ("top_level_list", None, None, None, None),
    ("direct_marketing_no_objection", "recipients:",
     "  - key: marketing.communications.sms\n    name: Texts\n    basis: contract\n    direct_marketing: true\n    categories: [user.contact.email]\n    roles: [service]\nrecipients:",
     "marketing.communications.sms", None),
]


def pos(text, index):
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def write(name, body, line, col, message):
    header = "# expect: %d:%d: %s\n" % (line + 1, col, message)
    with open(os.path.join(HERE, "invalid", name + ".yaml"), "w") as f:
        f.write(header + body)


def main():
    os.makedirs(os.path.join(HERE, "invalid"), exist_ok=True)
    for name, old, new, marker, message in CASES:
        if name == "cookie_without_consent":
            body = BASE.replace(old, new).replace("children:", "cookies:\n  - kind: analytical\n    basis: legitimate_interest\n    description: Statistics.\nchildren:")
            i = body.index("legitimate_interest\n    description: Statistics")
            write(name, body, *pos(body, i), "analytical cookies need consent, not legitimate_interest")
            continue
        if name == "no_purposes":
            start = BASE.index("purposes:\n  - key: essential.service")
            end = BASE.index("recipients:")
            body = BASE[:start] + BASE[end:]
            write(name, body, 1, 1, "the policy declares no purposes")
            continue
        if name == "flow_list_unclosed":
            body = BASE.replace(old, new)
            # libyaml notices the missing ']' at the ':' of the next line
            i = body.index(": [unsubscribe", body.index("roles: [service\n"))
            write(name, body, *pos(body, i),
                  "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)")
            continue
        if name == "top_level_list":
            write(name, "- vow_policy: 1\n- version: 1\n", 1, 1, "the policy file must be a mapping")
            continue
        if name == "direct_marketing_no_objection":
            body = BASE.replace(old, new)
            # objection defaults to false for contract: reported at the purpose's key
            i = body.index("marketing.communications.sms")
            write(name, body, *pos(body, i),
                  "direct-marketing purpose 'marketing.communications.sms' does not let the person object")
            continue
        assert old in BASE, name
        body = BASE.replace(old, new, 1)
        start = BASE.index(old)
        if marker and marker.startswith("^"):
            i = body.index(marker[1:])
        else:
            i = body.index(marker, start) if marker else 0
        write(name, body, *pos(body, i), message)
    print("wrote %d cases" % len(CASES))


main()
