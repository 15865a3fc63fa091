/* policy/render.c — the published policy, from the same compiled policy
 * vow enforces: Markdown or HTML with a stable anchor per section, covering
 * what GDPR Art. 13 and 14 require, and the record of processing
 * activities (Art. 30(1)) as CSV or JSON. Every text is escaped. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

struct out {
	char *p;
	size_t len, cap;
	bool failed, html;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 16384;
		while (ncap < o->len + n + 1)
			ncap *= 2;
		char *np = realloc(o->p, ncap);
		if (np == NULL) {
			o->failed = true;
			return;
		}
		o->p = np;
		o->cap = ncap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void raw(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Text, escaped for the format. */
static void text(struct out *o, const char *s)
{
	for (; s != NULL && *s; s++) {
		const char *e = NULL;
		if (o->html)
			e = *s == '<'   ? "&lt;"
			    : *s == '>' ? "&gt;"
			    : *s == '&' ? "&amp;"
			    : *s == '"' ? "&quot;"
			                : NULL;
		else
			e = *s == '*'   ? "\\*"
			    : *s == '_' ? "\\_"
			    : *s == '`' ? "\\`"
			    : *s == '<' ? "&lt;"
			                : NULL;
		if (e != NULL)
			raw(o, e);
		else
			put(o, s, 1);
	}
}

static void fmt(struct out *o, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt(struct out *o, const char *f, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	text(o, buf);
}

static void section(struct out *o, const char *id, const char *title)
{
	if (o->html) {
		raw(o, "<h2 id=\"");
		raw(o, id);
		raw(o, "\">");
		text(o, title);
		raw(o, "</h2>\n");
	} else {
		raw(o, "\n## ");
		text(o, title);
		raw(o, " {#");
		raw(o, id);
		raw(o, "}\n\n");
	}
}

static void para_open(struct out *o)
{
	raw(o, o->html ? "<p>" : "");
}
static void para_close(struct out *o)
{
	raw(o, o->html ? "</p>\n" : "\n\n");
}
static void list_open(struct out *o)
{
	raw(o, o->html ? "<ul>\n" : "");
}
static void list_close(struct out *o)
{
	raw(o, o->html ? "</ul>\n" : "\n");
}
static void item_open(struct out *o)
{
	raw(o, o->html ? "<li>" : "- ");
}
static void item_close(struct out *o)
{
	raw(o, o->html ? "</li>\n" : "\n");
}

static void strong(struct out *o, const char *s)
{
	raw(o, o->html ? "<strong>" : "**");
	text(o, s);
	raw(o, o->html ? "</strong>" : "**");
}

static void duration(struct out *o, struct policy_duration d)
{
	fmt(o, "%u %s%s", d.n, policy_unit_name(d.unit), d.n == 1 ? "" : "s");
}

static const char *anchor_words(enum policy_anchor a)
{
	static const char *const w[] = {"from when it was collected", "from your last activity",
	                                "from when you close your account",
	                                "from the end of your contract"};
	return a < ANCHOR__COUNT ? w[a] : "";
}

static const char *basis_words(enum policy_basis b)
{
	static const char *const w[] = {"your consent",         "the contract with you",
	                                "a legal obligation",   "our legitimate interest",
	                                "your vital interests", "a task in the public interest"};
	return b < BASIS__COUNT ? w[b] : "";
}

/* A category's name for people: the policy's, else the taxonomy's, else its key. */
static const char *category_name(const struct policy_category *c)
{
	if (c->name != NULL)
		return c->name;
	const struct taxonomy_entry *t = taxonomy_find(TAXONOMY_CATEGORY, c->key);
	return t != NULL && t->name != NULL ? t->name : c->key;
}

static void keys_of(struct out *o, const struct policy *p, struct policy_idx_list l)
{
	for (uint32_t i = 0; i < l.n; i++) {
		const struct policy_category *c = &p->categories[l.v[i]];
		if (i > 0)
			raw(o, ", ");
		text(o, category_name(c));
	}
}

static void channels(struct out *o, uint32_t mask)
{
	static const char *const w[] = {"the privacy center",
	                                "the unsubscribe link in each message",
	                                "e-mail",
	                                "your settings",
	                                "the API",
	                                "the cookie banner"};
	bool first = true;
	for (int i = 0; i < 6; i++)
		if (mask & (1u << i)) {
			if (!first)
				raw(o, ", ");
			text(o, w[i]);
			first = false;
		}
}

static void party(struct out *o, const struct policy_party *x)
{
	text(o, x->name);
	if (x->address != NULL) {
		raw(o, ", ");
		text(o, x->address);
	}
	if (x->country != NULL) {
		raw(o, " (");
		text(o, x->country);
		raw(o, ")");
	}
	const char *contact = x->email != NULL ? x->email : x->url != NULL ? x->url : x->phone;
	if (contact != NULL) {
		raw(o, ", ");
		text(o, contact);
	}
}

/* Who may file a rights request in the person's name (the roles that
 * act_for_subjects), and that nobody else's request is carried out before
 * the person confirms it. */
static void acting_for_you(struct out *o, const struct policy *p)
{
	para_open(o);
	text(o, "Besides you, our privacy officer");
	uint32_t n = 0, seen = 0;
	for (uint32_t i = 0; i < p->n_roles; i++)
		n += p->roles[i].acts_for_subjects;
	for (uint32_t i = 0; i < p->n_roles; i++) {
		const struct policy_role *r = &p->roles[i];
		if (!r->acts_for_subjects)
			continue;
		text(o, ++seen == n ? " and " : ", ");
		if (r->kind == ROLE_SERVICE) {
			text(o, "our application (when you use it)");
			continue;
		}
		/* "Customer service staff." -> "customer service staff" */
		const char *d =
		    r->description != NULL && r->description[0] ? r->description : r->key;
		size_t len = strlen(d);
		while (len > 1 && d[len - 1] == '.')
			len--;
		char first = d[0] >= 'A' && d[0] <= 'Z' ? (char)(d[0] - 'A' + 'a') : d[0];
		fmt(o, "%c%.*s (when you ask them)", first, (int)(len - 1), d + 1);
	}
	text(o, n == 0 ? " alone can" : " can");
	text(o, " file a request in your name. Unless you file it yourself while signed in, we do "
	        "nothing until you confirm it with a code we e-mail to you, or our privacy "
	        "officer has checked your identity. Only one request of each kind can be open at "
	        "a time; after repeated wrong codes we stop accepting codes in your name for a "
	        "while and tell you.");
	para_close(o);
}

static void render_body(struct out *o, const struct policy *p)
{
	section(o, "controller", "Who is responsible for your data");
	para_open(o);
	party(o, &p->controller);
	raw(o, " is the controller of your personal data.");
	if (p->representative.present) {
		raw(o, " Our representative in the EU: ");
		party(o, &p->representative);
		raw(o, ".");
	}
	if (p->dpo.present) {
		raw(o, " Our data protection officer: ");
		party(o, &p->dpo);
		raw(o, ".");
	}
	para_close(o);

	section(o, "data", "What data we hold");
	if (p->n_subjects > 0) {
		para_open(o);
		text(o, "This policy covers the data of these people:");
		para_close(o);
		list_open(o);
		for (uint32_t i = 0; i < p->n_subjects; i++) {
			item_open(o);
			text(o, p->subjects[i].description != NULL ? p->subjects[i].description
			                                           : p->subjects[i].key);
			item_close(o);
		}
		list_close(o);
		para_open(o);
		text(o, "What we hold about them:");
		para_close(o);
	}
	list_open(o);
	for (uint32_t i = 0; i < p->n_categories; i++) {
		const struct policy_category *c = &p->categories[i];
		item_open(o);
		strong(o, category_name(c));
		raw(o, ": ");
		text(o, c->description);
		if (!c->stored)
			text(o, " We never store this ourselves.");
		if (c->intake == INTAKE_TRUNCATE_IP)
			text(o, " We shorten it before storing it.");
		if (c->intake == INTAKE_HASH)
			text(o, " We keep only a one-way hash of it.");
		if (c->source == SOURCE_OBSERVED)
			text(o, " (Collected automatically when you use our services.)");
		if (c->source == SOURCE_THIRD_PARTY)
			text(o, " (Received from others.)");
		item_close(o);
	}
	list_close(o);

	section(o, "purposes", "Why we use it, and on what legal basis");
	list_open(o);
	for (uint32_t i = 0; i < p->n_purposes; i++) {
		const struct policy_purpose *u = &p->purposes[i];
		item_open(o);
		strong(o, u->name);
		raw(o, ": ");
		text(o, u->description);
		fmt(o, " Legal basis: %s.", basis_words(u->basis));
		if (u->consent_in.n > 0)
			text(o, " Where the law requires it, only with your consent.");
		if (u->legitimate_interest != NULL) {
			text(o, " Our legitimate interest: ");
			text(o, u->legitimate_interest);
		}
		text(o, " Data used: ");
		keys_of(o, p, u->categories);
		raw(o, ".");
		if (u->required && u->required_reason != NULL) {
			text(o, " This data is required: ");
			text(o, u->required_reason);
		}
		text(o, u->automated_decision ? " We make automated decisions here: " : "");
		if (u->automated_decision && u->automated_logic != NULL)
			text(o, u->automated_logic);
		item_close(o);
	}
	list_close(o);
	para_open(o);
	text(o, "We do not make decisions about you based solely on automated processing unless "
	        "stated above.");
	para_close(o);

	section(o, "staff", "Who at our company can see it");
	list_open(o);
	for (uint32_t i = 0; i < p->n_roles; i++) {
		const struct policy_role *r = &p->roles[i];
		if (r->kind != ROLE_STAFF)
			continue;
		item_open(o);
		strong(o, r->description != NULL ? r->description : r->key);
		if (r->assigned_only)
			text(o, " Only the content they are assigned to, for the task assigned, "
			        "until it ends.");
		/* what they may do: see only, unless the policy lets them change */
		if ((r->ops & ((1u << OP_WRITE) | (1u << OP_DELETE))) == 0 &&
		    r->op_categories[OP_WRITE].n == 0 && r->op_categories[OP_DELETE].n == 0) {
			text(o, " They can see it, not change or delete it.");
		} else {
			if (r->ops & (1u << OP_WRITE))
				text(o, " They can change what they see.");
			else if (r->op_categories[OP_WRITE].n > 0) {
				text(o, " They can change only: ");
				keys_of(o, p, r->op_categories[OP_WRITE]);
				raw(o, ".");
			}
			if (r->ops & (1u << OP_DELETE))
				text(o, " They can delete what they see.");
			else if (r->op_categories[OP_DELETE].n > 0) {
				text(o, " They can delete only: ");
				keys_of(o, p, r->op_categories[OP_DELETE]);
				raw(o, ".");
			}
		}
		if (r->agreement != NULL) {
			text(o, " Bound by: ");
			text(o, r->agreement);
			raw(o, ".");
		}
		item_close(o);
	}
	list_close(o);

	section(o, "recipients", "Who receives it");
	list_open(o);
	for (uint32_t i = 0; i < p->n_recipients; i++) {
		const struct policy_recipient *r = &p->recipients[i];
		item_open(o);
		strong(o, r->name);
		fmt(o, " (%s, %s): ", policy_recipient_kind_name(r->kind), r->country);
		keys_of(o, p, r->categories);
		raw(o, ".");
		item_close(o);
	}
	list_close(o);
	para_open(o);
	text(o, "We do not sell or rent your personal data, and give it to no one not listed here");
	bool first = true;
	for (uint32_t i = 0; i < p->n_purposes; i++)
		if ((p->purposes[i].optout & (OPTOUT_SALE | OPTOUT_SHARING)) != 0) {
			text(o, first ? ", except that \"" : "\", \"");
			text(o, p->purposes[i].name);
			first = false;
		}
	text(o, first ? "."
	              : "\" may count as selling or sharing it under some laws; you can opt "
	                "out of that.");
	para_close(o);

	section(o, "transfers", "Transfers outside the European Economic Area");
	list_open(o);
	static const char *const mech[] = {"",
	                                   "an adequacy decision of the European Commission",
	                                   "the EU-US Data Privacy Framework",
	                                   "standard contractual clauses",
	                                   "binding corporate rules",
	                                   "a derogation of GDPR Art. 49"};
	for (uint32_t i = 0; i < p->n_recipients; i++) {
		const struct policy_recipient *r = &p->recipients[i];
		if (r->country == NULL || region_contains("EEA", r->country))
			continue;
		item_open(o);
		text(o, r->name);
		fmt(o, " in %s, under %s.", r->country,
		    r->transfer == TRANSFER_NONE ? "an adequacy decision" : mech[r->transfer]);
		item_close(o);
	}
	list_close(o);

	section(o, "residency", "Where it is kept");
	list_open(o);
	if (p->n_residency == 0) {
		item_open(o);
		text(o, "We keep your data where we are established");
		if (p->controller.country != NULL) {
			text(o, " (");
			text(o, p->controller.country);
			text(o, ")");
		}
		text(o, " and with the recipients listed above, in their countries.");
		item_close(o);
	}
	for (uint32_t i = 0; i < p->n_residency; i++) {
		item_open(o);
		text(o, p->residency[i].description != NULL ? p->residency[i].description : "");
		item_close(o);
	}
	list_close(o);

	section(o, "retention", "How long we keep it");
	list_open(o);
	for (uint32_t i = 0; i < p->n_retention; i++) {
		const struct policy_retention *r = &p->retention[i];
		item_open(o);
		keys_of(o, p, r->categories);
		raw(o, ":");
		if (r->period.n > 0) {
			raw(o, " ");
			duration(o, r->period);
			raw(o, " ");
			text(o, anchor_words(r->from));
			raw(o, ".");
		}
		if (r->minimum.n > 0) {
			text(o, " We keep it at least ");
			duration(o, r->minimum);
			raw(o, ".");
		}
		if (r->notice.n > 0) {
			text(o, " We e-mail you ");
			duration(o, r->notice);
			text(o, " before we delete it");
			if (r->postpone.n > 0) {
				text(o, ", and you can tell us to keep it ");
				duration(o, r->postpone);
				text(o, " longer");
			}
			text(o, "; if you do not answer, it is deleted.");
		}
		if (r->delete_on_close)
			text(o, " When you delete your account it is deleted at once.");
		if (r->criteria != NULL) {
			raw(o, " ");
			text(o, r->criteria);
		}
		item_close(o);
	}
	for (uint32_t i = 0; i < p->n_holds; i++) {
		const struct policy_hold *h = &p->holds[i];
		item_open(o);
		keys_of(o, p, h->categories);
		text(o, ": kept ");
		duration(o, h->period);
		text(o, " even if you ask us to delete your data, because the law requires it. ");
		text(o, h->reason);
		item_close(o);
	}
	list_close(o);

	section(o, "rights", "Your rights");
	list_open(o);
	static const char *const rights[] = {
	    "Access: ask what data we hold about you and get a copy.",
	    "Rectification: have inaccurate or incomplete data corrected.",
	    "Erasure: have your data deleted, unless the law requires us to keep it.",
	    "Restriction: have us only store your data while a dispute is settled.",
	    "Portability: receive the data you gave us, or that we hold under our contract, in a "
	    "machine-readable format.",
	    "Complaint: lodge a complaint with a supervisory authority."};
	for (size_t i = 0; i < sizeof(rights) / sizeof(rights[0]); i++) {
		item_open(o);
		text(o, rights[i]);
		if (i == 5 && p->authority.present) {
			raw(o, " ");
			party(o, &p->authority);
			raw(o, ".");
		}
		item_close(o);
	}
	for (uint32_t i = 0; i < p->n_purposes; i++) {
		const struct policy_purpose *u = &p->purposes[i];
		if (u->objection) {
			item_open(o);
			fmt(o, "Objection: you can object to \"%s\"", u->name);
			if (u->objection_via != 0) {
				text(o, " through ");
				channels(o, u->objection_via);
			}
			raw(o, ".");
			item_close(o);
		}
		if (u->basis == BASIS_CONSENT || u->consent_in.n > 0) {
			item_open(o);
			fmt(o, "Withdrawing consent to \"%s\" is as easy as giving it", u->name);
			if (u->withdraw_via != 0) {
				text(o, ": through ");
				channels(o, u->withdraw_via);
			}
			text(o, ". Withdrawing does not affect what was done before.");
			item_close(o);
		}
	}
	list_close(o);
	para_open(o);
	if (p->rights_contact != NULL) {
		size_t n = strlen(p->rights_contact);
		text(o, p->rights_contact);
		if (n > 0 && strchr(".!?", p->rights_contact[n - 1]) == NULL)
			raw(o, ".");
	}
	if (p->rights_identification)
		text(o, " We may ask you to prove your identity. We answer within one month.");
	para_close(o);
	acting_for_you(o, p);

	section(o, "cookies", "Cookies");
	list_open(o);
	for (uint32_t i = 0; i < p->n_cookies; i++) {
		item_open(o);
		strong(o, policy_cookie_kind_name(p->cookies[i].kind));
		fmt(o, " (%s): ", basis_words(p->cookies[i].basis));
		text(o, p->cookies[i].description);
		item_close(o);
	}
	list_close(o);

	section(o, "signals", "Browser privacy signals");
	para_open(o);
	text(o,
	     p->gpc == SIGNAL_HONOR
	         ? "We honour the Global Privacy Control signal as an opt-out of sale, sharing and "
	           "targeted advertising. "
	         : "We do not act on the Global Privacy Control signal. ");
	text(o, p->dnt == SIGNAL_HONOR ? "We honour Do Not Track."
	                               : "We do not respond to Do Not Track signals.");
	para_close(o);

	section(o, "children", "Children");
	para_open(o);
	if (p->minimum_age > 0)
		fmt(o, "Our services are not for people under %u%s.", p->minimum_age,
		    p->parental_consent ? " without the consent of a parent or guardian" : "");
	else
		text(o, "We do not set a minimum age.");
	para_close(o);

	section(o, "security", "Security");
	para_open(o);
	text(o, p->security != NULL
	            ? p->security
	            : "We protect your data with technical and organisational measures.");
	para_close(o);

	section(o, "changes", "Changes to this policy");
	para_open(o);
	text(o, p->changes != NULL ? p->changes : "We announce changes on this page.");
	fmt(o, " This is version %s of %s.", p->version, p->date);
	para_close(o);
}

char *policy_render(const struct policy *p, bool html)
{
	if (p == NULL)
		return NULL;
	struct out o = {.html = html};
	if (html) {
		raw(&o, "<!DOCTYPE html>\n<html lang=\"");
		text(&o, p->language);
		raw(&o, "\">\n<head>\n<meta charset=\"utf-8\">\n<title>Privacy policy of ");
		text(&o, p->controller.name);
		raw(&o, "</title>\n</head>\n<body>\n<h1>Privacy policy of ");
		text(&o, p->controller.name);
		raw(&o, "</h1>\n");
	} else {
		raw(&o, "# Privacy policy of ");
		text(&o, p->controller.name);
		raw(&o, "\n");
	}
	render_body(&o, p);
	if (html)
		raw(&o, "</body>\n</html>\n");
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	return o.p;
}

char *policy_render_html(const struct policy *p)
{
	return policy_render(p, true);
}

/* ---- the record of processing activities, GDPR Art. 30(1) ---- */

static json_t *party_json(const struct policy_party *x)
{
	if (!x->present)
		return json_null();
	return json_pack("{s:s?, s:s?, s:s?, s:s?}", "name", x->name, "address", x->address,
	                 "country", x->country, "contact", x->email != NULL ? x->email : x->url);
}

static json_t *ropa_json(const struct policy *p)
{
	json_t *rows = json_array();
	for (uint32_t i = 0; rows != NULL && i < p->n_purposes; i++) {
		const struct policy_purpose *u = &p->purposes[i];
		json_t *subjects = json_array(), *cats = json_array(), *recips = json_array(),
		       *transfers = json_array(), *limits = json_array();
		for (uint32_t k = 0; k < u->subjects.n; k++)
			json_array_append_new(subjects,
			                      json_string(p->subjects[u->subjects.v[k]].key));
		if (u->subjects.n == 0)
			for (uint32_t k = 0; k < p->n_subjects; k++)
				json_array_append_new(subjects, json_string(p->subjects[k].key));
		for (uint32_t k = 0; k < u->categories.n; k++)
			json_array_append_new(cats,
			                      json_string(p->categories[u->categories.v[k]].key));
		for (uint32_t r = 0; r < p->n_recipients; r++) {
			const struct policy_recipient *rc = &p->recipients[r];
			bool serves = false;
			for (uint32_t k = 0; k < rc->purposes.n; k++)
				serves |= rc->purposes.v[k] == i;
			if (!serves)
				continue;
			json_array_append_new(recips,
			                      json_pack("{s:s, s:s, s:s}", "name", rc->name, "kind",
			                                policy_recipient_kind_name(rc->kind),
			                                "country", rc->country));
			if (!region_contains("EEA", rc->country))
				json_array_append_new(
				    transfers, json_pack("{s:s, s:s, s:s}", "recipient", rc->name,
				                         "country", rc->country, "safeguard",
				                         policy_transfer_name(rc->transfer)));
		}
		for (uint32_t r = 0; r < p->n_retention; r++) {
			const struct policy_retention *rt = &p->retention[r];
			bool overlap = false;
			for (uint32_t a = 0; a < rt->categories.n && !overlap; a++)
				for (uint32_t b = 0; b < u->categories.n; b++)
					overlap |= rt->categories.v[a] == u->categories.v[b];
			if (!overlap)
				continue;
			char period[64] = "";
			if (rt->period.n > 0)
				snprintf(period, sizeof(period), "%u %s(s) from %s", rt->period.n,
				         policy_unit_name(rt->period.unit),
				         policy_anchor_name(rt->from));
			json_array_append_new(limits, json_string(period[0]      ? period
			                                          : rt->criteria ? rt->criteria
			                                                         : ""));
		}
		json_array_append_new(
		    rows,
		    json_pack("{s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s}",
		              "controller", party_json(&p->controller), "representative",
		              party_json(&p->representative), "dpo", party_json(&p->dpo), "purpose",
		              u->key, "purpose_name", u->name != NULL ? u->name : "", "legal_basis",
		              policy_basis_name(u->basis), "data_subject_categories", subjects,
		              "personal_data_categories", cats, "recipient_categories", recips,
		              "third_country_transfers", transfers, "erasure_time_limits", limits,
		              "security_measures", p->security != NULL ? p->security : ""));
	}
	return rows;
}

static void csv_field(struct out *o, const char *s)
{
	raw(o, "\"");
	for (; s != NULL && *s; s++) {
		if (*s == '"')
			raw(o, "\"\"");
		else if (*s == '\n' || *s == '\r')
			raw(o, " ");
		else
			put(o, s, 1);
	}
	raw(o, "\"");
}

/* A JSON value flattened for one CSV cell. */
static void csv_json(struct out *o, json_t *v)
{
	if (json_is_string(v)) {
		csv_field(o, json_string_value(v));
		return;
	}
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	csv_field(o, t != NULL ? t : "");
	free(t);
}

char *policy_ropa(const struct policy *p, bool csv)
{
	json_t *rows = ropa_json(p);
	if (rows == NULL)
		return NULL;
	if (!csv) {
		json_t *doc = json_pack("{s:s, s:s, s:o}", "version", p->version, "date", p->date,
		                        "records", rows);
		char *t =
		    doc != NULL ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(doc);
		return t;
	}
	static const char *const cols[] = {"controller",
	                                   "representative",
	                                   "dpo",
	                                   "purpose",
	                                   "purpose_name",
	                                   "legal_basis",
	                                   "data_subject_categories",
	                                   "personal_data_categories",
	                                   "recipient_categories",
	                                   "third_country_transfers",
	                                   "erasure_time_limits",
	                                   "security_measures"};
	struct out o = {0};
	for (size_t c = 0; c < 12; c++) {
		if (c > 0)
			raw(&o, ",");
		csv_field(&o, cols[c]);
	}
	raw(&o, "\r\n");
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		for (size_t c = 0; c < 12; c++) {
			if (c > 0)
				raw(&o, ",");
			csv_json(&o, json_object_get(row, cols[c]));
		}
		raw(&o, "\r\n");
	}
	json_decref(rows);
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	return o.p;
}
