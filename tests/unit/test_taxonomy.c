/* tests/unit/test_taxonomy.c — vow's taxonomy and region tables checked
 * against data written outside the project: the fideslang taxonomy and the
 * W3C DPV list of EU adequacy decisions (shared/reference). */
#include <yaml.h>

#include "policy/policy.h"
#include "test_support.h"

/* Collects the fides_key and parent_key of every entry of a fideslang YAML
 * file with libyaml's event parser. */
struct fides_entry {
	char key[160], parent[160];
	bool deprecated;
};

static size_t read_fideslang(const char *path, struct fides_entry *out, size_t cap)
{
	size_t len;
	char *text = slurp(path, &len);
	yaml_parser_t parser;
	assert_true(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	size_t n = 0;
	int depth = 0;
	char last_key[64] = "";
	bool expect_value = false;
	for (;;) {
		yaml_event_t ev;
		assert_true(yaml_parser_parse(&parser, &ev));
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_MAPPING_START_EVENT) {
			depth++;
			expect_value = false;
			if (depth == 2) {
				assert_true(n < cap);
				memset(&out[n++], 0, sizeof(out[0]));
			}
		} else if (ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		} else if (ev.type == YAML_SCALAR_EVENT && depth == 2) {
			const char *v = (const char *)ev.data.scalar.value;
			if (!expect_value) {
				snprintf(last_key, sizeof(last_key), "%s", v);
				expect_value = true;
			} else {
				if (strcmp(last_key, "fides_key") == 0)
					snprintf(out[n - 1].key, sizeof(out[0].key), "%s", v);
				else if (strcmp(last_key, "parent_key") == 0 &&
				         strcmp(v, "null") != 0 && v[0])
					snprintf(out[n - 1].parent, sizeof(out[0].parent), "%s", v);
				else if (strcmp(last_key, "version_deprecated") == 0 &&
				         strcmp(v, "null") != 0 && v[0])
					out[n - 1].deprecated = true;
				expect_value = false;
			}
		} else if (depth == 2 && (ev.type == YAML_SEQUENCE_START_EVENT)) {
			expect_value = false; /* nested list value (tags) */
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	free(text);
	return n;
}

static struct fides_entry entries[400];

static void check_file(const char *file, enum taxonomy_kind kind, size_t min_count)
{
	size_t n = read_fideslang(shared_path(file), entries, 400);
	assert_true(n >= min_count);
	for (size_t i = 0; i < n; i++) {
		const char *key = entries[i].key;
		assert_true(key[0] != '\0');
		/* every fideslang key is accepted as a key */
		if (!taxonomy_key_valid(key))
			fail_msg("%s: '%s' is not accepted as a key", file, key);
		const struct taxonomy_entry *e = taxonomy_find(kind, key);
		if (entries[i].deprecated) {
			continue; /* replaced upstream; vow lists the replacement */
		}
		/* vow lists it, of the same kind */
		if (e == NULL)
			fail_msg("%s: '%s' is missing from vow's taxonomy", file, key);
		/* and means the same: the same place in the hierarchy */
		const char *dot = strrchr(key, '.');
		char parent[160] = "";
		if (dot != NULL)
			snprintf(parent, sizeof(parent), "%.*s", (int)(dot - key), key);
		assert_string_equal(parent, entries[i].parent);
	}
}

static void test_fideslang_categories(void **state)
{
	(void)state;
	check_file("reference/fideslang/data_categories.yml", TAXONOMY_CATEGORY, 80);
}

static void test_fideslang_uses(void **state)
{
	(void)state;
	check_file("reference/fideslang/data_uses.yml", TAXONOMY_PURPOSE, 50);
	check_file("reference/fideslang/data_uses.supplement_from_python_defaults.yml",
	           TAXONOMY_PURPOSE, 2);
}

static void test_fideslang_subjects(void **state)
{
	(void)state;
	check_file("reference/fideslang/data_subjects.yml", TAXONOMY_SUBJECT, 15);
}

static void test_fideslang_qualifiers_are_keys(void **state)
{
	(void)state;
	size_t n = read_fideslang(
	    shared_path("reference/fideslang/data_qualifiers.v1_historical.yml"), entries, 400);
	assert_true(n >= 5);
	for (size_t i = 0; i < n; i++)
		assert_true(taxonomy_key_valid(entries[i].key));
}

static void test_vow_keys_consistent(void **state)
{
	(void)state;
	size_t n;
	const struct taxonomy_entry *all = taxonomy_all(&n);
	assert_true(n > 150);
	for (size_t i = 0; i < n; i++) {
		assert_true(taxonomy_key_valid(all[i].key));
		assert_non_null(all[i].name);
		assert_non_null(all[i].description);
		/* every key's parent is listed, of the same kind */
		const char *dot = strrchr(all[i].key, '.');
		if (dot != NULL) {
			char parent[160];
			snprintf(parent, sizeof(parent), "%.*s", (int)(dot - all[i].key),
			         all[i].key);
			if (taxonomy_find(all[i].kind, parent) == NULL)
				fail_msg("'%s' has no parent '%s' in vow's taxonomy", all[i].key,
				         parent);
		}
		/* no key twice */
		for (size_t j = i + 1; j < n; j++)
			assert_false(all[i].kind == all[j].kind &&
			             strcmp(all[i].key, all[j].key) == 0);
	}
}

static void test_key_syntax_and_covers(void **state)
{
	(void)state;
	assert_true(taxonomy_key_valid("user.content.audio"));
	assert_true(taxonomy_key_valid("train_ai_system"));
	assert_false(taxonomy_key_valid(""));
	assert_false(taxonomy_key_valid("user..content"));
	assert_false(taxonomy_key_valid(".user"));
	assert_false(taxonomy_key_valid("user."));
	assert_false(taxonomy_key_valid("User.content"));
	assert_false(taxonomy_key_valid("user.1content"));
	assert_false(taxonomy_key_valid("user content"));
	assert_false(taxonomy_key_valid("a.b.c.d.e.f.g.h.i"));
	assert_true(taxonomy_key_covers("user.content", "user.content.audio"));
	assert_true(taxonomy_key_covers("user.content", "user.content"));
	assert_true(taxonomy_key_covers("user", "user.contact.email"));
	assert_false(taxonomy_key_covers("user.content", "user.contents"));
	assert_false(taxonomy_key_covers("user.content.audio", "user.content"));
	assert_false(taxonomy_key_covers("user.contact", "user.content.audio"));
}

static void test_adequacy_matches_dpv(void **state)
{
	(void)state;
	size_t len;
	char *csv = slurp(shared_path("reference/dpv/dpv2.3_legal_eu_eu.csv"), &len);
	size_t found = 0;
	for (char *p = csv; (p = strstr(p, "\"Adequacy-EU-")) != NULL; p++) {
		char cc[3] = {p[13], p[14], 0};
		if (p[15] != '"')
			continue;
		if (!region_adequate(cc))
			fail_msg("DPV lists an adequacy decision for %s that vow lacks", cc);
		assert_true(region_contains("ADEQUATE", cc));
		assert_false(region_contains("EEA", cc));
		found++;
	}
	assert_true(found >= 10);
	free(csv);
	assert_false(region_adequate("US")); /* only certified bodies: transfer dpf */
	assert_false(region_adequate("CN"));
}

static void test_regions(void **state)
{
	(void)state;
	static const char *const eu[] = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES",
	                                 "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
	                                 "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"};
	for (size_t i = 0; i < 27; i++) {
		assert_true(region_contains("EU", eu[i]));
		assert_true(region_contains("EEA", eu[i]));
	}
	assert_false(region_contains("EU", "NO"));
	assert_true(region_contains("EEA", "NO"));
	assert_true(region_contains("EEA", "IS"));
	assert_true(region_contains("EEA", "LI"));
	assert_false(region_contains("EEA", "GB"));
	assert_false(region_contains("EEA", "CH"));
	assert_true(region_contains("NL", "NL"));
	assert_false(region_contains("NL", "BE"));
	assert_true(region_contains("ANY", "US"));
	assert_false(region_contains("ANY", "XX"));
	assert_false(region_country_valid("UK")); /* ISO uses GB */
	assert_false(region_country_valid("nl"));
	assert_false(region_country_valid("NLD"));
	assert_true(region_name_valid("ADEQUATE"));
	assert_false(region_name_valid("EUROPE"));
	/* every code of the GDPR Art. 8 table is a country vow knows */
	size_t len;
	char *json = slurp(shared_path("reference/gdpr/gdpr_art8_member_state_ages.json"), &len);
	for (size_t i = 0; i < 27; i++)
		assert_non_null(strstr(json, eu[i]));
	free(json);
}

/* every key vow adds beyond fideslang is documented in docs/taxonomy.md */
static void test_additions_documented(void **state)
{
	(void)state;
	size_t n, len, added = 0;
	const struct taxonomy_entry *all = taxonomy_all(&n);
	char *doc = slurp("docs/taxonomy.md", &len);
	for (size_t i = 0; i < n; i++) {
		if (strstr(all[i].description, "(vow)") == NULL)
			continue;
		char want[200];
		snprintf(want, sizeof(want), "| `%s` |", all[i].key);
		if (strstr(doc, want) == NULL)
			fail_msg("docs/taxonomy.md does not list '%s'", all[i].key);
		added++;
	}
	assert_true(added >= 10);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fideslang_categories),
	    cmocka_unit_test(test_fideslang_uses),
	    cmocka_unit_test(test_fideslang_subjects),
	    cmocka_unit_test(test_fideslang_qualifiers_are_keys),
	    cmocka_unit_test(test_vow_keys_consistent),
	    cmocka_unit_test(test_key_syntax_and_covers),
	    cmocka_unit_test(test_adequacy_matches_dpv),
	    cmocka_unit_test(test_regions),
	    cmocka_unit_test(test_additions_documented),
	};
	return cmocka_run_group_tests_name("taxonomy", tests, NULL, NULL);
}
