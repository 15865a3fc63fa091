/* policy/render.c — the published policy as HTML, from the same compiled
 * policy vow enforces (served at /privacy). Every text is HTML-escaped. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

struct out {
	char *p;
	size_t len, cap;
	bool failed;
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

static void text(struct out *o, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<':
			raw(o, "&lt;");
			break;
		case '>':
			raw(o, "&gt;");
			break;
		case '&':
			raw(o, "&amp;");
			break;
		case '"':
			raw(o, "&quot;");
			break;
		case '\'':
			raw(o, "&#39;");
			break;
		default:
			put(o, s, 1);
		}
	}
}

static void fmt(struct out *o, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt(struct out *o, const char *f, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	text(o, buf);
}

char *policy_render_html(const struct policy *p)
{
	if (p == NULL)
		return NULL;
	struct out o = {0};
	raw(&o, "<!DOCTYPE html>\n<html lang=\"");
	text(&o, p->language);
	raw(&o, "\">\n<head><meta charset=\"utf-8\"><title>Privacy policy of ");
	text(&o, p->controller.name);
	raw(&o, "</title></head>\n<body>\n<h1>Privacy policy</h1>\n<p>Version ");
	text(&o, p->version);
	raw(&o, ", in force since ");
	text(&o, p->date);
	raw(&o, ".</p>\n<h2 id=\"controller\">Who is responsible</h2>\n<p>");
	text(&o, p->controller.name);
	if (p->controller.address != NULL) {
		raw(&o, ", ");
		text(&o, p->controller.address);
	}
	raw(&o, " (");
	text(&o, p->controller.country);
	raw(&o, ")");
	if (p->controller.email != NULL) {
		raw(&o, ", ");
		text(&o, p->controller.email);
	}
	raw(&o, ".</p>\n<h2 id=\"purposes\">What we use your data for</h2>\n<ul>\n");
	for (uint32_t i = 0; i < p->n_purposes; i++) {
		const struct policy_purpose *u = &p->purposes[i];
		raw(&o, "<li><strong>");
		text(&o, u->name);
		raw(&o, "</strong>: ");
		text(&o, u->description);
		fmt(&o, " Legal basis: %s.", policy_basis_name(u->basis));
		if (u->legitimate_interest != NULL) {
			raw(&o, " Our interest: ");
			text(&o, u->legitimate_interest);
		}
		raw(&o, "</li>\n");
	}
	raw(&o, "</ul>\n<h2 id=\"recipients\">Who receives it</h2>\n<ul>\n");
	for (uint32_t i = 0; i < p->n_recipients; i++) {
		const struct policy_recipient *r = &p->recipients[i];
		raw(&o, "<li>");
		text(&o, r->name);
		fmt(&o, " (%s, %s; transfer: %s)", policy_recipient_kind_name(r->kind), r->country,
		    policy_transfer_name(r->transfer));
		raw(&o, "</li>\n");
	}
	raw(&o, "</ul>\n<h2 id=\"retention\">How long we keep it</h2>\n<ul>\n");
	for (uint32_t i = 0; i < p->n_retention; i++) {
		const struct policy_retention *r = &p->retention[i];
		raw(&o, "<li>");
		if (r->period.n > 0)
			fmt(&o, "%u %s(s) from %s", r->period.n, policy_unit_name(r->period.unit),
			    policy_anchor_name(r->from));
		if (r->notice.n > 0)
			fmt(&o, "; we warn you %u %s(s) before deleting", r->notice.n,
			    policy_unit_name(r->notice.unit));
		if (r->criteria != NULL) {
			raw(&o, " ");
			text(&o, r->criteria);
		}
		raw(&o, "</li>\n");
	}
	raw(&o, "</ul>\n<h2 id=\"rights\">Your rights</h2>\n<p>Access, rectification, erasure, "
	        "restriction, "
	        "objection, portability, withdrawing consent, and complaining to a supervisory "
	        "authority.");
	if (p->rights_contact != NULL) {
		raw(&o, " ");
		text(&o, p->rights_contact);
	}
	raw(&o, "</p>\n</body>\n</html>\n");
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	return o.p;
}
