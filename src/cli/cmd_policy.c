/* cli/cmd_policy.c — `vow policy check|show|render|ropa|diff`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "vow.h"

static const char usage[] =
    "usage: vow policy check FILE\n"
    "       vow policy show FILE [--json]\n"
    "       vow policy render FILE [--format md|html]\n"
    "       vow policy ropa FILE [--format csv|json]\n"
    "       vow policy diff OLD NEW [--json]\n"
    "\n"
    "check  validate FILE; print each problem as FILE:LINE:COL: error: MESSAGE\n"
    "       with a hint line; exit 0 if valid, 1 if not, 2 if FILE cannot be read\n"
    "show   print a summary of the compiled policy, or with --json all of it\n"
    "render print the human-readable privacy policy (GDPR Art. 13/14)\n"
    "ropa   print the record of processing activities (GDPR Art. 30(1))\n"
    "diff   print every change from OLD to NEW, each marked material (needs\n"
    "       fresh consent or a notice) or minor; exit 0 if none is material,\n"
    "       4 if any is\n";

static void print_diags(const char *file, const struct policy_diags *d)
{
	for (size_t i = 0; i < d->len; i++) {
		const struct policy_diag *g = &d->items[i];
		printf("%s:%u:%u: error: %s\n", file, g->line, g->col, g->message);
		if (g->hint != NULL)
			printf("%s:%u:%u: hint: %s\n", file, g->line, g->col, g->hint);
	}
	if (d->dropped > 0)
		printf("%s: %zu more problems not shown\n", file, d->dropped);
}

/* Loads file, printing problems. Returns a CLI exit code; *out on success. */
static int load(const char *file, struct policy **out)
{
	struct policy_diags d = {0};
	vow_err err = policy_load_file(file, out, &d);
	if (err == VOW_ERR_POLICY) {
		print_diags(file, &d);
		printf("%s: %zu problem%s\n", file, d.len + d.dropped,
		       d.len + d.dropped == 1 ? "" : "s");
		policy_diags_free(&d);
		return CLI_INVALID;
	}
	policy_diags_free(&d);
	if (err != VOW_OK) {
		fprintf(stderr, "vow: cannot read policy '%s': %s\n", file, vow_err_message(err));
		return CLI_USAGE;
	}
	return CLI_OK;
}

static void print_summary(const char *file, const struct policy *p)
{
	printf("%s: ok — policy %s of %s (%s), language v%u\n", file, p->version, p->date,
	       p->controller.name, p->lang_version);
	printf("  %u categories, %u purposes, %u roles, %u recipients, %u retention rules, "
	       "%u legal holds, %u residency rules, %u cookie kinds\n",
	       p->n_categories, p->n_purposes, p->n_roles, p->n_recipients, p->n_retention,
	       p->n_holds, p->n_residency, p->n_cookies);
}

/* `vow policy diff OLD NEW`. */
/* Prints the changes as one JSON object: {"changes":[{"material","purpose",
 * "text"}...], "material": N}. */
static int diff_json(const struct policy_changes *c)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < c->len; i++)
		json_array_append_new(
		    arr, json_pack("{s:b, s:s?, s:s}", "material", c->items[i].material, "purpose",
		                   c->items[i].purpose, "text", c->items[i].text));
	json_t *j = arr != NULL ? json_pack("{s:o, s:I}", "changes", arr, "material",
	                                    (json_int_t)c->material)
	                        : NULL;
	char *text = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;
	json_decref(j);
	if (text == NULL) {
		fputs("vow: out of memory\n", stderr);
		return CLI_FAILURE;
	}
	puts(text);
	free(text);
	return CLI_OK;
}

static int diff(const char *old_file, const char *new_file, bool json)
{
	struct policy *a = NULL, *b = NULL;
	int rc = load(old_file, &a);
	if (rc != CLI_OK)
		return rc;
	rc = load(new_file, &b);
	if (rc != CLI_OK) {
		policy_free(&a);
		return rc;
	}
	struct policy_changes c;
	vow_err err = policy_diff(a, b, &c);
	policy_free(&a);
	policy_free(&b);
	if (err != VOW_OK) {
		fprintf(stderr, "vow: %s\n", vow_err_message(err));
		return CLI_FAILURE;
	}
	if (json) {
		rc = diff_json(&c);
	} else {
		for (size_t i = 0; i < c.len; i++)
			printf("%-8s %s\n", c.items[i].material ? "material" : "minor",
			       c.items[i].text);
		printf("%zu change%s, %zu material%s\n", c.len, c.len == 1 ? "" : "s", c.material,
		       c.material > 0
		           ? ": tell the people concerned before it takes effect; consents "
		             "to the purposes whose terms changed count again only once "
		             "given again"
		           : "");
	}
	if (rc == CLI_OK && c.material > 0)
		rc = CLI_DIFF_MATERIAL;
	policy_changes_free(&c);
	return rc;
}

int cli_policy(int argc, char **argv)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "diff") == 0) {
		bool as_json = argc == 5 && strcmp(argv[4], "--json") == 0;
		if ((argc != 4 && !as_json) || argv[2][0] == '-' || argv[3][0] == '-') {
			fputs(usage, stderr);
			return CLI_USAGE;
		}
		return diff(argv[2], argv[3], as_json);
	}
	bool json = false;
	const char *file = NULL, *format = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && strcmp(sub, "show") == 0)
			json = true;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (argv[i][0] == '-' || file != NULL) {
			fprintf(stderr, "vow policy: unexpected argument '%s'\n%s", argv[i], usage);
			return CLI_USAGE;
		} else
			file = argv[i];
	}
	bool render = strcmp(sub, "render") == 0, ropa = strcmp(sub, "ropa") == 0;
	if (file == NULL ||
	    (strcmp(sub, "check") != 0 && strcmp(sub, "show") != 0 && !render && !ropa) ||
	    (format != NULL &&
	     !((render && (strcmp(format, "md") == 0 || strcmp(format, "html") == 0)) ||
	       (ropa && (strcmp(format, "csv") == 0 || strcmp(format, "json") == 0))))) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	struct policy *p = NULL;
	int rc = load(file, &p);
	if (rc != CLI_OK)
		return rc;
	if (render || ropa) {
		char *text = render
		                 ? policy_render(p, format != NULL && strcmp(format, "html") == 0)
		                 : policy_ropa(p, format == NULL || strcmp(format, "csv") == 0);
		policy_free(&p);
		if (text == NULL) {
			fputs("vow: out of memory\n", stderr);
			return CLI_FAILURE;
		}
		fputs(text, stdout);
		free(text);
		return CLI_OK;
	}
	if (json) {
		char *text = policy_to_json(p);
		if (text == NULL) {
			policy_free(&p);
			fputs("vow: out of memory\n", stderr);
			return CLI_FAILURE;
		}
		puts(text);
		free(text);
	} else {
		print_summary(file, p);
	}
	policy_free(&p);
	return CLI_OK;
}
