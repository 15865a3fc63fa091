/* tests/unit/test_policy.c — loading, validation and compilation of policies:
 * the example policies, the invalid corpus (exact message and position for
 * each case), hostile inputs, and the compiled form. */
#include <dirent.h>
#include <jansson.h>

#include "policy/policy.h"
#include "test_support.h"

static struct policy *load_ok(const char *path)
{
	struct policy_diags d = {0};
	struct policy *p = NULL;
	vow_err err = policy_load_file(path, &p, &d);
	for (size_t i = 0; i < d.len; i++)
		print_message("%s:%u:%u: %s\n", path, d.items[i].line, d.items[i].col,
		              d.items[i].message);
	assert_int_equal(err, VOW_OK);
	assert_int_equal(d.len, 0);
	policy_diags_free(&d);
	return p;
}

static size_t load_bad(const char *buf, size_t len, struct policy_diags *d)
{
	struct policy *p = NULL;
	vow_err err = policy_load_buffer(buf, len, &p, d);
	assert_int_equal(err, VOW_ERR_POLICY);
	assert_null(p);
	assert_true(d->len > 0);
	return d->len;
}

static bool has_diag(const struct policy_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->len; i++)
		if (strstr(d->items[i].message, needle) != NULL)
			return true;
	return false;
}

/* ---- the example policies ---- */

static void test_examples_valid(void **state)
{
	(void)state;
	static const char *const files[] = {"examples/policies/amberscript.yaml",
	                                    "examples/policies/ambsonic.yaml",
	                                    "examples/policies/amper.yaml"};
	for (size_t i = 0; i < 3; i++) {
		struct policy *p = load_ok(files[i]);
		assert_true(p->n_purposes > 0 && p->n_categories > 0);
		policy_free(&p);
		assert_null(p);
	}
}

static void test_amberscript_compiled(void **state)
{
	(void)state;
	struct policy *p = load_ok("examples/policies/amberscript.yaml");
	/* the transcriber reads only assigned content, for human transcription */
	uint32_t r = policy_role_find(p, "transcriber");
	assert_int_not_equal(r, POLICY_NONE);
	assert_true(p->roles[r].assigned_only);
	assert_int_equal(p->roles[r].kind, ROLE_STAFF);
	assert_int_equal(p->roles[r].purposes.n, 1);
	assert_string_equal(p->purposes[p->roles[r].purposes.v[0]].key,
	                    "essential.service.human_transcription");
	/* files: six months minimum, a week's notice, may postpone */
	const struct policy_retention *ret = &p->retention[0];
	assert_int_equal(ret->period.n, 6);
	assert_int_equal(ret->period.unit, UNIT_MONTH);
	assert_int_equal(ret->notice.n, 1);
	assert_int_equal(ret->notice.unit, UNIT_WEEK);
	assert_true(ret->postpone.n > 0);
	assert_true(ret->delete_on_close);
	/* tax records survive erasure under a legal obligation */
	assert_int_equal(p->n_holds, 1);
	assert_int_equal(p->purposes[p->holds[0].purpose].basis, BASIS_LEGAL_OBLIGATION);
	/* Dutch content stays in the EEA */
	bool nl = false;
	for (uint32_t i = 0; i < p->n_residency; i++)
		if (p->residency[i].when_value != NULL &&
		    strcmp(p->residency[i].when_value, "nl") == 0 && p->residency[i].send.n == 1 &&
		    strcmp(p->residency[i].send.v[0], "EEA") == 0)
			nl = true;
	assert_true(nl);
	/* a parent key expands to the declared keys under it */
	uint32_t sup = policy_purpose_find(p, "essential.service.operations.support");
	assert_int_not_equal(sup, POLICY_NONE);
	bool phone = false;
	for (uint32_t i = 0; i < p->purposes[sup].categories.n; i++)
		if (strcmp(p->categories[p->purposes[sup].categories.v[i]].key,
		           "user.contact.phone_number") == 0)
			phone = true;
	assert_true(phone);
	/* payment cards are never stored */
	assert_false(p->categories[policy_category_find(p, "user.financial.credit_card")].stored);
	policy_free(&p);
}

static void test_show_json(void **state)
{
	(void)state;
	struct policy *p = load_ok("examples/policies/amper.yaml");
	char *text = policy_to_json(p);
	assert_non_null(text);
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "purposes")), p->n_purposes);
	assert_int_equal(json_array_size(json_object_get(j, "recipients")), p->n_recipients);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "controller"), "country")), "US");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "children"), "minimum_age")), 13);
	json_decref(j);
	free(text);
	policy_free(&p);
}

static void test_embedded_example(void **state)
{
	(void)state;
	size_t len = 0;
	const char *text = policy_example_text(&len);
	size_t flen = 0;
	char *file = slurp("examples/policies/amberscript.yaml", &flen);
	assert_int_equal(len, flen);
	assert_memory_equal(text, file, len);
	assert_int_equal(text[len], '\0');
	free(file);
}

/* ---- the invalid corpus: one test per file ---- */

static void run_invalid_case(void **state)
{
	const char *path = *state;
	size_t len = 0;
	char *text = slurp(path, &len);
	unsigned line = 0, col = 0;
	char msg[512];
	int n = sscanf(text, "# expect: %u:%u: %511[^\n]", &line, &col, msg);
	assert_int_equal(n, 3);
	struct policy_diags d = {0};
	load_bad(text, len, &d);
	bool found = false;
	for (size_t i = 0; i < d.len; i++)
		if (d.items[i].line == line && d.items[i].col == col &&
		    strcmp(d.items[i].message, msg) == 0) {
			found = true;
			assert_non_null(d.items[i].hint);
		}
	if (!found) {
		for (size_t i = 0; i < d.len; i++)
			print_message("got %u:%u: %s\n", d.items[i].line, d.items[i].col,
			              d.items[i].message);
		fail_msg("%s: expected %u:%u: %s", path, line, col, msg);
	}
	policy_diags_free(&d);
	free(text);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_invalid_corpus(void)
{
	const char *dir = "tests/policies/invalid";
	DIR *dp = opendir(dir);
	if (dp == NULL) {
		fprintf(stderr, "cannot open %s\n", dir);
		return 1;
	}
	char **paths = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dp)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0)
			continue;
		paths = realloc(paths, (n + 1) * sizeof(*paths));
		char *path = malloc(strlen(dir) + l + 2);
		if (paths == NULL || path == NULL)
			abort();
		sprintf(path, "%s/%s", dir, e->d_name);
		paths[n++] = path;
	}
	closedir(dp);
	qsort(paths, n, sizeof(*paths), cmp_str);
	struct CMUnitTest *tests = calloc(n ? n : 1, sizeof(*tests));
	if (tests == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){
		    .name = paths[i], .test_func = run_invalid_case, .initial_state = paths[i]};
	int failed = n >= 40 ? 0 : 1;
	if (failed)
		fprintf(stderr, "the invalid corpus has only %zu cases (at least 40 required)\n",
		        n);
	failed += _cmocka_run_group_tests("invalid_policies", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(tests);
	return failed;
}

/* ---- hostile inputs: never a crash, always a diagnostic ---- */

static void test_hostile_empty_and_binary(void **state)
{
	(void)state;
	struct policy_diags d = {0};
	load_bad("", 0, &d);
	assert_true(has_diag(&d, "empty"));
	policy_diags_free(&d);
	load_bad("   \n# only a comment\n", 20, &d);
	assert_true(has_diag(&d, "empty"));
	policy_diags_free(&d);
	unsigned char bin[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(bin); i++) {
		x = x * 1103515245u + 12345u;
		bin[i] = (unsigned char)(x >> 16);
	}
	load_bad((const char *)bin, sizeof(bin), &d);
	assert_true(has_diag(&d, "YAML syntax error"));
	policy_diags_free(&d);
	static const char nul[] = {'a', ':', ' ', '"', 'x', '\0', 'y', '"', '\n'};
	load_bad(nul, sizeof(nul), &d); /* a NUL byte in the text */
	assert_true(has_diag(&d, "YAML syntax error"));
	policy_diags_free(&d);
	load_bad("just a scalar", 13, &d);
	assert_true(has_diag(&d, "must be a mapping"));
	policy_diags_free(&d);
}

static void test_hostile_large(void **state)
{
	(void)state;
	/* 10 MB: over the cap, refused before parsing */
	size_t big = 10u * 1000u * 1000u;
	char *buf = malloc(big);
	assert_non_null(buf);
	memset(buf, 'a', big);
	struct policy_diags d = {0};
	load_bad(buf, big, &d);
	assert_true(has_diag(&d, "too large"));
	policy_diags_free(&d);
	/* 7 MB of one scalar: under the file cap, over the value cap */
	size_t mid = 7u * 1000u * 1000u;
	memcpy(buf, "k: ", 3);
	load_bad(buf, mid, &d);
	assert_true(has_diag(&d, "longer than 65536 bytes"));
	policy_diags_free(&d);
	free(buf);
}

static void test_hostile_nesting(void **state)
{
	(void)state;
	size_t depth = 10000;
	char *buf = malloc(2 * depth + 8);
	assert_non_null(buf);
	memcpy(buf, "a: ", 3);
	memset(buf + 3, '[', depth);
	memset(buf + 3 + depth, ']', depth);
	struct policy_diags d = {0};
	load_bad(buf, 3 + 2 * depth, &d);
	assert_true(has_diag(&d, "nested too deeply"));
	policy_diags_free(&d);
	free(buf);
	/* block-style nesting, 100 levels of indented maps */
	buf = malloc(100 * 100 * 2 + 100);
	assert_non_null(buf);
	size_t n = 0;
	for (size_t i = 0; i < 100; i++) {
		memset(buf + n, ' ', 2 * i);
		n += 2 * i;
		n += (size_t)sprintf(buf + n, "k:\n");
	}
	load_bad(buf, n, &d);
	assert_true(has_diag(&d, "nested too deeply"));
	policy_diags_free(&d);
	free(buf);
}

static void test_hostile_alias_bomb(void **state)
{
	(void)state;
	const char *bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n"
	                   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	                   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	                   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	                   "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
	struct policy_diags d = {0};
	load_bad(bomb, strlen(bomb), &d);
	assert_true(has_diag(&d, "anchors"));
	policy_diags_free(&d);
	const char *alias = "a: *nothing\n";
	load_bad(alias, strlen(alias), &d);
	assert_true(has_diag(&d, "aliases") || has_diag(&d, "YAML syntax error"));
	policy_diags_free(&d);
}

static void test_hostile_many_errors_capped(void **state)
{
	(void)state;
	/* 5,000 unknown fields: diagnostics stop at the cap, the rest is counted */
	size_t cap = 5000 * 16 + 64;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t n = 0;
	for (int i = 0; i < 5000; i++)
		n += (size_t)sprintf(buf + n, "junk%d: 1\n", i);
	struct policy_diags d = {0};
	load_bad(buf, n, &d);
	assert_int_equal(d.len, POLICY_MAX_DIAGS);
	assert_true(d.dropped > 0);
	policy_diags_free(&d);
	free(buf);
}

static void test_every_check_reports_all(void **state)
{
	(void)state;
	/* several independent problems in one file are all reported */
	size_t len;
	char *base = slurp("tests/policies/base.yaml", &len);
	char *bad = malloc(len + 200);
	assert_non_null(bad);
	strcpy(bad, base);
	char *p = strstr(bad, "minimum_age: 16");
	memcpy(p, "minimum_age: 11", 15);
	p = strstr(bad, "basis: contract");
	memcpy(p, "basis: contrac ", 15);
	struct policy_diags d = {0};
	load_bad(bad, strlen(bad), &d);
	assert_true(has_diag(&d, "minimum age 11"));
	assert_true(has_diag(&d, "'contrac' is not a valid basis"));
	policy_diags_free(&d);
	free(bad);
	free(base);
}

/* ---- small pieces ---- */

static void test_durations(void **state)
{
	(void)state;
	struct policy_duration d;
	assert_true(policy_duration_parse("6 months", &d));
	assert_int_equal(d.n, 6);
	assert_int_equal(d.unit, UNIT_MONTH);
	assert_true(policy_duration_parse("1 week", &d));
	assert_int_equal(policy_duration_min_days(d), 7);
	assert_true(policy_duration_parse("P7Y", &d));
	assert_int_equal(d.unit, UNIT_YEAR);
	assert_int_equal(policy_duration_max_days(d), 7 * 366);
	assert_true(policy_duration_parse("P30D", &d));
	assert_int_equal(policy_duration_min_days(d), 30);
	assert_false(policy_duration_parse("six months", &d));
	assert_false(policy_duration_parse("0 days", &d));
	assert_false(policy_duration_parse("6months", &d));
	assert_false(policy_duration_parse("P", &d));
	assert_false(policy_duration_parse("P6", &d));
	assert_false(policy_duration_parse("P6MX", &d));
	assert_false(policy_duration_parse("999999999 years", &d));
	assert_false(policy_duration_parse("300 years", &d));
	assert_false(policy_duration_parse("", &d));
}

static void test_base_valid(void **state)
{
	(void)state;
	struct policy *p = load_ok("tests/policies/base.yaml");
	policy_free(&p);
}

/* docs/policy.schema.json describes exactly the fields the loader accepts */
static void test_schema_agrees(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *schema = json_load_file("docs/policy.schema.json", JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(schema);
	json_t *defs = json_object_get(schema, "$defs");
	assert_non_null(defs);
	size_t sections = 0;
	for (size_t i = 0; policy_section_name(i) != NULL; i++, sections++) {
		const char *name = policy_section_name(i);
		json_t *obj = strcmp(name, "policy") == 0 ? schema : json_object_get(defs, name);
		if (obj == NULL)
			fail_msg("schema has no $defs/%s", name);
		assert_true(json_is_false(json_object_get(obj, "additionalProperties")));
		json_t *props = json_object_get(obj, "properties");
		const char *const *fields = policy_section_fields(name);
		size_t n = 0;
		for (; fields[n] != NULL; n++)
			if (json_object_get(props, fields[n]) == NULL)
				fail_msg("schema section %s lacks field %s", name, fields[n]);
		if (json_object_size(props) != n)
			fail_msg("schema section %s has %zu fields, the loader %zu", name,
			         json_object_size(props), n);
	}
	assert_true(sections >= 16);
	assert_null(policy_section_fields("nonsense"));
	json_decref(schema);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* the published policy is rendered from the file, with every Art. 13/14 section */
static void test_render(void **state)
{
	(void)state;
	static const char *const files[] = {"examples/policies/amberscript.yaml",
	                                    "examples/policies/ambsonic.yaml",
	                                    "examples/policies/amper.yaml"};
	static const char *const anchors[] = {
	    "controller", "data",   "purposes", "staff",   "recipients", "transfers", "residency",
	    "retention",  "rights", "cookies",  "signals", "children",   "security",  "changes"};
	for (size_t f = 0; f < 3; f++) {
		struct policy *p = load_ok(files[f]);
		char *html = policy_render(p, true), *md = policy_render(p, false);
		assert_non_null(html);
		assert_non_null(md);
		for (size_t a = 0; a < sizeof(anchors) / sizeof(anchors[0]); a++) {
			char want[64];
			snprintf(want, sizeof(want), "<h2 id=\"%s\">", anchors[a]);
			if (strstr(html, want) == NULL)
				fail_msg("%s: HTML lacks section %s", files[f], anchors[a]);
			snprintf(want, sizeof(want), "{#%s}", anchors[a]);
			if (strstr(md, want) == NULL)
				fail_msg("%s: Markdown lacks section %s", files[f], anchors[a]);
		}
		/* every purpose, its basis, every recipient, named */
		for (uint32_t i = 0; i < p->n_purposes; i++)
			assert_non_null(strstr(md, p->purposes[i].name));
		for (uint32_t i = 0; i < p->n_recipients; i++)
			assert_non_null(strstr(md, p->recipients[i].name));
		/* balanced markup, escaped text */
		assert_int_equal(count(html, "<li>"), count(html, "</li>"));
		assert_int_equal(count(html, "<ul>"), count(html, "</ul>"));
		assert_int_equal(count(html, "<p>"), count(html, "</p>"));
		assert_int_equal(count(html, "<h2 "), count(html, "</h2>"));
		if (f == 0) {
			/* AmberScript's own promises beyond Art. 13 */
			assert_non_null(strstr(md, "We e-mail you 1 week before we delete it"));
			assert_non_null(strstr(md, "Only the content they are assigned to"));
			assert_non_null(strstr(md, "NDA with AmberScript"));
			assert_non_null(strstr(md, "Dutch-language audio and transcripts"));
			assert_non_null(strstr(md, "Autoriteit Persoonsgegevens"));
			/* who may ask in the person's name: support, not marketing */
			assert_non_null(strstr(md, "customer service staff (when you ask them) can "
			                           "file a request in your name"));
			assert_null(strstr(md, "newsletters and research (when you ask them)"));
		}
		if (f == 2) /* Amper: its privacy team (an admin role) and the app */
			assert_non_null(strstr(md, "Besides you, our privacy officer and our "
			                           "application (when you use it) can file"));
		if (f == 2) {
			assert_non_null(strstr(md, "Our representative in the EU"));
			assert_non_null(strstr(md, "under 13"));
			assert_non_null(strstr(md, "We do not respond to Do Not Track signals."));
		}
		free(html);
		free(md);
		policy_free(&p);
	}
}

/* the record of processing activities has every Art. 30(1) field, per purpose */
static void test_ropa(void **state)
{
	(void)state;
	static const char *const fields[] = {"controller",
	                                     "representative",
	                                     "dpo",
	                                     "purpose",
	                                     "data_subject_categories",
	                                     "personal_data_categories",
	                                     "recipient_categories",
	                                     "third_country_transfers",
	                                     "erasure_time_limits",
	                                     "security_measures"};
	struct policy *p = load_ok("examples/policies/amper.yaml");
	char *text = policy_ropa(p, false);
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	assert_non_null(j);
	json_t *rows = json_object_get(j, "records");
	assert_int_equal(json_array_size(rows), p->n_purposes);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			if (json_object_get(row, fields[k]) == NULL)
				fail_msg("RoPA record %zu lacks %s", i, fields[k]);
		assert_true(json_array_size(json_object_get(row, "personal_data_categories")) > 0);
	}
	/* Amper sends data to the US: each such recipient's safeguard is listed */
	json_t *first = json_array_get(rows, 0);
	assert_true(json_array_size(json_object_get(first, "third_country_transfers")) > 0);
	json_decref(j);
	free(text);
	char *csv = policy_ropa(p, true);
	assert_int_equal(count(csv, "\r\n"), p->n_purposes + 1);
	assert_non_null(strstr(csv, "\"erasure_time_limits\""));
	free(csv);
	policy_free(&p);
}

/* ---- policy diff: a corpus of paired changes to tests/policies/base.yaml ---- */

enum { NONE, MINOR, MATERIAL };
struct diff_case {
	const char *what, *find, *replace;
	int expect;
	const char *needle; /* a word the change must be described with */
};

static const struct diff_case diff_cases[] = {
    {"version and date only", "version: \"1\"\ndate: 2024-05-01",
     "version: \"2\"\ndate: 2025-01-01", NONE, NULL},
    {"reformatted list", "categories: [user.contact.email, user.content.audio]",
     "categories:\n      - user.contact.email\n      - user.content.audio", NONE, NULL},
    {"new consent purpose", "recipients:\n",
     "  - key: analytics.reporting\n    name: Statistics\n    basis: consent\n"
     "    categories: [user.contact.email]\n    roles: [service]\n    withdraw_via: [settings]\n"
     "recipients:\n",
     MATERIAL, "new purpose 'analytics.reporting'"},
    {"legal basis changed", "    name: Newsletter\n    basis: consent",
     "    name: Newsletter\n    basis: legitimate_interest\n    legitimate_interest: Telling "
     "customers "
     "about our products.",
     MATERIAL, "legal basis changed from consent to legitimate_interest"},
    {"new category for an existing purpose",
     "    categories: [user.contact.email]\n    roles: [service]\n    withdraw_via",
     "    categories: [user.contact.email, user.content.audio]\n    roles: [service]\n    "
     "withdraw_via",
     MATERIAL, "now also uses category 'user.content.audio'"},
    {"purpose uses fewer categories",
     "categories: [user.contact.email, user.content.audio]\n    roles: [service, transcriber]",
     "categories: [user.contact.email]\n    roles: [service, transcriber]", MINOR,
     "no longer uses"},
    {"purpose renamed", "name: Newsletter", "name: Monthly newsletter", MINOR, "wording"},
    {"new recipient", "retention:\n",
     "  - key: crm\n    name: CRM Ltd.\n    kind: processor\n    country: NL\n"
     "    purposes: [marketing.communications.email]\n    categories: [user.contact.email]\n"
     "retention:\n",
     MATERIAL, "new recipient 'crm'"},
    {"recipient moved country", "country: US\n    transfer: scc", "country: IN\n    transfer: scc",
     MATERIAL, "moved from US to IN"},
    {"recipient moved into the EEA", "country: US\n    transfer: scc", "country: DE", MINOR,
     "moved from US to DE"},
    {"recipient gets a new purpose",
     "    purposes: [marketing.communications.email]\n    categories: "
     "[user.contact.email]\nretention",
     "    purposes: [marketing.communications.email, essential.service]\n    categories: "
     "[user.contact.email]\nretention",
     MATERIAL, "now receives data for purpose 'essential.service'"},
    {"recipient dropped",
     "recipients:\n  - key: mailer\n    name: Mailer Inc.\n    kind: processor\n    country: US\n"
     "    transfer: scc\n    purposes: [marketing.communications.email]\n    categories: "
     "[user.contact.email]\n",
     "", MINOR, "recipient 'mailer' was dropped"},
    {"recipient renamed", "name: Mailer Inc.", "name: Mailer Incorporated", MINOR,
     "'recipients' section"},
    {"longer retention", "period: 6 months\n    notice", "period: 1 year\n    notice", MATERIAL,
     "kept longer (up to 366 days instead of 186)"},
    {"shorter retention", "period: 6 months\n    notice", "period: 3 months\n    notice", MINOR,
     "kept shorter"},
    {"longer deletion notice", "notice: 1 week", "notice: 2 weeks", MINOR, "'retention' section"},
    {"new unused category", "roles:\n",
     "  - key: user.contact.phone_number\n    description: Phone number.\nroles:\n", MINOR,
     "new category 'user.contact.phone_number'"},
    {"controller changed", "name: Example B.V.", "name: Other B.V.", MATERIAL,
     "controller changed from Example B.V."},
    {"controller e-mail changed", "email: privacy@example.com", "email: dpo@example.com", MINOR,
     "'controller' section"},
    {"minimum age lowered", "minimum_age: 16", "minimum_age: 14", MATERIAL,
     "the minimum age drops from 16 to 14"},
    {"legal hold longer", "period: 7 years", "period: 10 years", MINOR, "'legal_holds' section"},
    {"transcriber no longer assigned-only", "assigned_only: true", "assigned_only: false", MATERIAL,
     "role 'transcriber' is no longer limited"},
    {"staff may now act for people", "    assigned_only: true\n",
     "    assigned_only: true\n    acts_for_subjects: true\n", MATERIAL,
     "role 'transcriber' may now file rights requests in a person's name"},
    {"staff agreement named", "    assigned_only: true\n",
     "    assigned_only: true\n    agreement: NDA\n", MINOR, "'roles' section"},
};

/* Applies one edit to base.yaml's text; NULL if find does not occur. */
static char *edit(const char *base, const char *find, const char *replace)
{
	const char *at = strstr(base, find);
	if (at == NULL)
		return NULL;
	size_t n = strlen(base) - strlen(find) + strlen(replace) + 1;
	char *out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - base), base, replace, at + strlen(find));
	return out;
}

static struct policy *load_text(const char *what, const char *text)
{
	struct policy_diags d = {0};
	struct policy *p = NULL;
	vow_err err = policy_load_buffer(text, strlen(text), &p, &d);
	for (size_t i = 0; i < d.len; i++)
		print_message("%s: %u:%u: %s\n", what, d.items[i].line, d.items[i].col,
		              d.items[i].message);
	policy_diags_free(&d);
	if (err != VOW_OK)
		fail_msg("case '%s' does not load", what);
	return p;
}

static void test_diff_corpus(void **state)
{
	(void)state;
	char *base = slurp("tests/policies/base.yaml", NULL);
	struct policy *a = load_text("base", base);
	size_t n = sizeof(diff_cases) / sizeof(diff_cases[0]), material = 0, minor = 0;
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		const struct diff_case *c = &diff_cases[i];
		char *text = edit(base, c->find, c->replace);
		if (text == NULL)
			fail_msg("case '%s': its edit does not apply", c->what);
		struct policy *b = load_text(c->what, text);
		struct policy_changes ch;
		assert_int_equal(policy_diff(a, b, &ch), VOW_OK);
		bool found = c->needle == NULL;
		for (size_t k = 0; k < ch.len; k++) {
			print_message("  %s: %s %s\n", c->what,
			              ch.items[k].material ? "material" : "minor",
			              ch.items[k].text);
			found |= c->needle != NULL && strstr(ch.items[k].text, c->needle) != NULL &&
			         ch.items[k].material == (c->expect == MATERIAL);
		}
		int got = ch.len == 0 ? NONE : ch.material > 0 ? MATERIAL : MINOR;
		if (got != c->expect || !found)
			fail_msg("case '%s': expected %d with '%s', got %d", c->what, c->expect,
			         c->needle != NULL ? c->needle : "", got);
		material += got == MATERIAL;
		minor += got == MINOR;
		/* the reverse of a change is a change too */
		policy_changes_free(&ch);
		assert_int_equal(policy_diff(b, a, &ch), VOW_OK);
		assert_int_equal(ch.len == 0, c->expect == NONE);
		policy_changes_free(&ch);
		policy_free(&b);
		free(text);
	}
	assert_true(material >= 7 && minor >= 7);
	policy_free(&a);
	free(base);
}

/* every promise docs/seed-coverage.md lists is in the published policy: the
 * words its last column quotes between « and » appear in the rendered text */
static void test_render_keeps_seed_promises(void **state)
{
	(void)state;
	char *doc = slurp("docs/seed-coverage.md", NULL);
	struct policy *p = NULL;
	char *md = NULL;
	size_t rows = 0, phrases = 0, seeds = 0;
	for (char *line = strtok(doc, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		const char *ex = strstr(line, "(`examples/policies/");
		if (strncmp(line, "## ", 3) == 0) {
			free(md);
			md = NULL;
			policy_free(&p);
			if (ex != NULL) {
				char path[256];
				snprintf(path, sizeof(path), "%.*s", (int)strcspn(ex + 2, "`"),
				         ex + 2);
				p = load_ok(path);
				md = policy_render(p, false);
				assert_non_null(md);
				seeds++;
			}
			continue;
		}
		if (md == NULL || strncmp(line, "| ", 2) != 0 || strncmp(line, "| promise", 9) == 0)
			continue;
		rows++;
		char *end = strrchr(line, '|');
		assert_non_null(end);
		*end = '\0';
		const char *cell = strrchr(line, '|');
		assert_non_null(cell);
		if (strstr(cell, "\xe2\x80\x94") != NULL && strstr(cell, "\xc2\xab") == NULL) {
			/* no published words: only for what is out of scope */
			if (strstr(line, "(out of scope)") == NULL)
				fail_msg("seed-coverage row without published words: %s", line);
			continue;
		}
		size_t found = 0;
		for (const char *q = strstr(cell, "\xc2\xab"); q != NULL;
		     q = strstr(q, "\xc2\xab")) {
			q += 2;
			const char *close = strstr(q, "\xc2\xbb");
			assert_non_null(close);
			char want[512];
			snprintf(want, sizeof(want), "%.*s", (int)(close - q), q);
			if (strstr(md, want) == NULL)
				fail_msg("the rendered policy lacks \"%s\" (%s)", want, line);
			found++;
			q = close;
		}
		if (found == 0)
			fail_msg("seed-coverage row quotes nothing: %s", line);
		phrases += found;
	}
	free(md);
	policy_free(&p);
	free(doc);
	print_message("  %zu seeds, %zu promises, %zu phrases found in the rendered policies\n",
	              seeds, rows, phrases);
	assert_int_equal(seeds, 3);
	assert_true(rows >= 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_examples_valid),
	    cmocka_unit_test(test_amberscript_compiled),
	    cmocka_unit_test(test_show_json),
	    cmocka_unit_test(test_embedded_example),
	    cmocka_unit_test(test_base_valid),
	    cmocka_unit_test(test_hostile_empty_and_binary),
	    cmocka_unit_test(test_hostile_large),
	    cmocka_unit_test(test_hostile_nesting),
	    cmocka_unit_test(test_hostile_alias_bomb),
	    cmocka_unit_test(test_hostile_many_errors_capped),
	    cmocka_unit_test(test_every_check_reports_all),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_schema_agrees),
	    cmocka_unit_test(test_render),
	    cmocka_unit_test(test_render_keeps_seed_promises),
	    cmocka_unit_test(test_ropa),
	    cmocka_unit_test(test_diff_corpus),
	};
	int failed = cmocka_run_group_tests_name("policy", tests, NULL, NULL);
	failed += run_invalid_corpus();
	return failed != 0;
}
