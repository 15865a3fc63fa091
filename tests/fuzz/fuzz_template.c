/* tests/fuzz/fuzz_template.c — libFuzzer target: the message template
 * renderer (src/notify/template.c).
 *
 * The renderer's templates are compiled in, so the target includes
 * template.c itself to reach its expander with fuzzed templates (the
 * library's copy of template.o is then not linked: this file defines
 * notify_render). The input is "TEMPLATE\0VARIABLES": the template is
 * expanded with the variables (a JSON object; when the part after the NUL
 * is missing or not an object, every variable the built-in templates use is
 * set), as a subject line and as a body; then every built-in template is
 * rendered with the same variables in English and Dutch. A subject line
 * never gains a line break its template did not have, and nothing rendered
 * exceeds NOTIFY_MAX_TEXT. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/template.c"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *all_vars; /* every {{name}} of the built-in templates */

static void names_of(const char *tpl)
{
	for (const char *p = strstr(tpl, "{{"); p != NULL; p = strstr(p + 2, "{{")) {
		const char *end = strstr(p + 2, "}}");
		if (end == NULL)
			abort();
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 2), p + 2);
		char value[80];
		snprintf(value, sizeof(value), "<%s>\nline two", name);
		if (json_object_set_new(all_vars, name, json_string(value)) != 0)
			abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	all_vars = json_object();
	if (all_vars == NULL)
		abort();
	for (size_t i = 0; i < sizeof(templates) / sizeof(*templates); i++) {
		names_of(templates[i].subject);
		names_of(templates[i].text);
	}
	return 0;
}

static void check_out(const char *tpl, const char *out, bool one_line)
{
	if (strlen(out) >= NOTIFY_MAX_TEXT) {
		fprintf(stderr, "fuzz_template: a rendering over NOTIFY_MAX_TEXT\n");
		abort();
	}
	if (one_line && strpbrk(tpl, "\r\n") == NULL && strpbrk(out, "\r\n") != NULL) {
		fprintf(stderr, "fuzz_template: a subject line gained a line break\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * NOTIFY_MAX_TEXT)
		return 0;
	size_t tlen = strnlen((const char *)data, size);
	char *tpl = malloc(tlen + 1); /* exact size: ASan sees any read past it */
	if (tpl == NULL)
		return 0;
	memcpy(tpl, data, tlen);
	tpl[tlen] = '\0';
	json_t *vars = NULL;
	if (tlen < size) {
		vars = json_loadb((const char *)data + tlen + 1, size - tlen - 1, 0, NULL);
		if (!json_is_object(vars)) {
			json_decref(vars);
			vars = NULL;
		}
	}
	const json_t *use = vars != NULL ? vars : all_vars;
	for (int one_line = 0; one_line < 2; one_line++) {
		char *out = NULL;
		if (expand(tpl, use, one_line, &out) == VOW_OK) {
			check_out(tpl, out, one_line);
			free(out);
		}
	}
	static const char *const locales[] = {"en", "nl-NL"};
	for (size_t i = 0; i < sizeof(templates) / sizeof(*templates); i += 2)
		for (size_t l = 0; l < 2; l++) {
			char *subject = NULL, *text = NULL;
			if (notify_render(templates[i].name, locales[l], use, &subject, &text) !=
			    VOW_OK)
				continue;
			check_out(templates[i].subject, subject, true);
			check_out(templates[i].text, text, false);
			free(subject);
			free(text);
		}
	free(tpl);
	json_decref(vars);
	return 0;
}
