/* notify/template.c — the message templates, one per kind and language,
 * and their rendering. A template names its variables as {{name}}; a
 * missing variable is an error, never an empty hole in a message. */
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"

#define NOTIFY_MAX_TEXT (64u * 1024u)

struct template
{
	const char *name, *lang, *subject, *text;
};

static const struct template templates[] = {
    {"retention.notice", "en", "{{what}} will be deleted on {{due_date}}",
     "Hello,\n\nUnder our privacy policy we keep {{what}} for {{period}}. On {{due_date}} "
     "we will delete it.\n\nIf you want us to keep it until {{keep_until}}, follow this link "
     "before then:\n{{keep_link}}\n\nIf you do nothing, it will be deleted on {{due_date}}.\n\n"
     "{{controller}}\n"},
    {"retention.notice", "nl", "{{what}} wordt verwijderd op {{due_date}}",
     "Hallo,\n\nVolgens ons privacybeleid bewaren wij {{what}} {{period}}. Op {{due_date}} "
     "verwijderen wij het.\n\nWilt u dat wij het bewaren tot {{keep_until}}? Volg dan voor die "
     "datum deze link:\n{{keep_link}}\n\nDoet u niets, dan wordt het verwijderd op "
     "{{due_date}}.\n\n{{controller}}\n"},
    {"request.received", "en", "We received your {{right}} request",
     "Hello,\n\nWe received your {{right}} request on {{received}} (reference {{request}}). "
     "We will answer by {{due_date}}.\n\n{{controller}}\n"},
    {"request.received", "nl", "Wij hebben uw verzoek ({{right}}) ontvangen",
     "Hallo,\n\nWij hebben uw verzoek ({{right}}) ontvangen op {{received}} (kenmerk "
     "{{request}}). U krijgt uiterlijk {{due_date}} antwoord.\n\n{{controller}}\n"},
    {"request.verify", "en", "Your verification code",
     "Hello,\n\nTo confirm your {{right}} request (reference {{request}}), enter this code: "
     "{{code}}\n\nIt is valid until {{expires}}. If you did not make this request, ignore this "
     "message.\n\n{{controller}}\n"},
    {"request.verify", "nl", "Uw verificatiecode",
     "Hallo,\n\nOm uw verzoek ({{right}}, kenmerk {{request}}) te bevestigen, voert u deze code "
     "in: {{code}}\n\nDe code is geldig tot {{expires}}. Heeft u dit verzoek niet gedaan, "
     "negeer dan dit bericht.\n\n{{controller}}\n"},
    {"request.lockout", "en", "Someone is trying to confirm requests in your name",
     "Hello,\n\nSomeone entered {{limit}} wrong verification codes within a day for requests "
     "in your name, the last one for a {{right}} request (reference {{request}}). To protect "
     "you, we accept no codes in your name until {{until}}.\n\nNothing is done with your "
     "data before a request is confirmed. If this was not you, you need not do anything, "
     "but you may want to let us know.\n\n{{controller}}\n"},
    {"request.lockout", "nl", "Iemand probeert verzoeken op uw naam te bevestigen",
     "Hallo,\n\nIemand heeft binnen een dag {{limit}} verkeerde verificatiecodes ingevoerd "
     "voor verzoeken op uw naam, de laatste voor een verzoek ({{right}}, kenmerk "
     "{{request}}). Om u te beschermen accepteren wij tot {{until}} geen codes op uw "
     "naam.\n\nEr gebeurt niets met uw gegevens voordat een verzoek is bevestigd. Was u "
     "dit niet, dan hoeft u niets te doen, maar laat het ons gerust weten.\n\n"
     "{{controller}}\n"},
    {"request.extended", "en", "We need more time for your {{right}} request",
     "Hello,\n\nYour {{right}} request (reference {{request}}) needs more time: {{reason}}. "
     "We will answer by {{due_date}}.\n\n{{controller}}\n"},
    {"request.extended", "nl", "Wij hebben meer tijd nodig voor uw verzoek ({{right}})",
     "Hallo,\n\nUw verzoek ({{right}}, kenmerk {{request}}) vraagt meer tijd: {{reason}}. "
     "U krijgt uiterlijk {{due_date}} antwoord.\n\n{{controller}}\n"},
    {"request.completed", "en", "Your {{right}} request is done",
     "Hello,\n\nYour {{right}} request (reference {{request}}) was completed on "
     "{{completed}}.\n{{result}}\n\n{{controller}}\n"},
    {"request.completed", "nl", "Uw verzoek ({{right}}) is uitgevoerd",
     "Hallo,\n\nUw verzoek ({{right}}, kenmerk {{request}}) is uitgevoerd op "
     "{{completed}}.\n{{result}}\n\n{{controller}}\n"},
    {"request.denied", "en", "We cannot carry out your {{right}} request",
     "Hello,\n\nWe cannot carry out your {{right}} request (reference {{request}}): "
     "{{reason}} ({{ground}}).\n\nYou may complain to {{authority}}.\n\n{{controller}}\n"},
    {"request.denied", "nl", "Wij kunnen uw verzoek ({{right}}) niet uitvoeren",
     "Hallo,\n\nWij kunnen uw verzoek ({{right}}, kenmerk {{request}}) niet uitvoeren: "
     "{{reason}} ({{ground}}).\n\nU kunt een klacht indienen bij {{authority}}.\n\n"
     "{{controller}}\n"},
    {"restriction.lifting", "en", "The restriction on your data will be lifted",
     "Hello,\n\nThe restriction of processing of {{what}} that you asked for will be lifted on "
     "{{lift_date}}: {{reason}}.\n\n{{controller}}\n"},
    {"restriction.lifting", "nl", "De beperking van uw gegevens wordt opgeheven",
     "Hallo,\n\nDe beperking van de verwerking van {{what}} die u vroeg, wordt opgeheven op "
     "{{lift_date}}: {{reason}}.\n\n{{controller}}\n"},
};

static const struct template *find(const char *name, const char *locale)
{
	const struct template *en = NULL;
	for (size_t i = 0; i < sizeof(templates) / sizeof(*templates); i++) {
		const struct template *t = &templates[i];
		if (strcmp(t->name, name) != 0)
			continue;
		if (locale != NULL && strncmp(locale, t->lang, 2) == 0 &&
		    (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_'))
			return t;
		if (strcmp(t->lang, "en") == 0)
			en = t;
	}
	return en;
}

/* Expands {{name}} in tpl from vars into a new string. */
static vow_err expand(const char *tpl, const json_t *vars, bool one_line, char **out)
{
	size_t cap = 1024, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		return VOW_ERR_NOMEM;
	vow_err err = VOW_OK;
	for (const char *p = tpl; *p != '\0' && err == VOW_OK;) {
		const char *piece = p;
		size_t n = 1;
		if (p[0] == '{' && p[1] == '{') {
			const char *end = strstr(p + 2, "}}");
			char name[64];
			size_t nl = end != NULL ? (size_t)(end - p - 2) : sizeof(name);
			if (nl >= sizeof(name)) {
				err = VOW_ERR_INTERNAL;
				break;
			}
			memcpy(name, p + 2, nl);
			name[nl] = '\0';
			piece = json_string_value(json_object_get(vars, name));
			if (piece == NULL) {
				err = VOW_ERR_INVALID;
				break;
			}
			n = strlen(piece);
			p = end + 2;
		} else {
			p++;
		}
		if (len + n + 1 > NOTIFY_MAX_TEXT) {
			err = VOW_ERR_TOO_LARGE;
			break;
		}
		while (len + n + 1 > cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				err = VOW_ERR_NOMEM;
				break;
			}
			buf = nb;
		}
		if (err != VOW_OK)
			break;
		for (size_t i = 0; i < n; i++) /* a subject line never breaks */
			buf[len + i] =
			    one_line && (piece[i] == '\r' || piece[i] == '\n') ? ' ' : piece[i];
		len += n;
	}
	if (err != VOW_OK) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	return VOW_OK;
}

vow_err notify_render(const char *template_name, const char *locale, const json_t *vars,
                      char **subject, char **text)
{
	const struct template *t = template_name != NULL ? find(template_name, locale) : NULL;
	if (t == NULL)
		return VOW_ERR_NOT_FOUND;
	char *s = NULL, *x = NULL;
	vow_err err = expand(t->subject, vars, true, &s);
	if (err == VOW_OK)
		err = expand(t->text, vars, false, &x);
	if (err != VOW_OK) {
		free(s);
		return err;
	}
	*subject = s;
	*text = x;
	return VOW_OK;
}
