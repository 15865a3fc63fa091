/* tests/unit/test_support.h — helpers shared by the unit tests (header-only,
 * each test program is one translation unit). */
#ifndef VOW_TEST_SUPPORT_H
#define VOW_TEST_SUPPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* VOW_TEST_FILTER=PATTERN runs only the tests whose name matches (cmocka's
 * wildcards * and ?): the mutation gate (scripts/mutate.sh) runs just the
 * tests a mutant names. Set before main, so no program has to ask. */
__attribute__((constructor)) static void test_filter_from_env(void)
{
	const char *f = getenv("VOW_TEST_FILTER");
	if (f != NULL && f[0] != '\0')
		cmocka_set_test_filter(f);
}

/* Path of a file in shared/reference (VOW_SHARED, default ../shared). */
static inline const char *shared_path(const char *rel)
{
	static char buf[4096];
	const char *root = getenv("VOW_SHARED");
	(void)snprintf(buf, sizeof(buf), "%s/%s", root != NULL ? root : "../shared", rel);
	return buf;
}

/* Reads a whole file; fails the test if it cannot. Caller frees. */
static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* Removes a directory tree the test made; fails the test if it cannot. */
static inline int remove_tree(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#if defined(sodium_H) && defined(JANSSON_H)
/* base64(Ed25519 signature || compact JSON of doc) under sk, as a Data
 * Rights Protocol agent signs (libsodium's combined mode); doc is taken.
 * Caller frees. */
static inline char *drp_sign(const unsigned char sk[64], json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	assert_non_null(text);
	size_t n = strlen(text);
	unsigned char *sm = malloc(n + 64);
	assert_non_null(sm);
	unsigned long long smlen = 0;
	crypto_sign(sm, &smlen, (unsigned char *)text, n, sk);
	size_t b64 = sodium_base64_encoded_len(smlen, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(b64);
	assert_non_null(out);
	sodium_bin2base64(out, b64, sm, smlen, sodium_base64_VARIANT_ORIGINAL);
	free(sm);
	free(text);
	return out;
}
#endif

#ifdef VOW_POLICY_H
/* Loads a policy file that must be valid (NULL if it is not). */
static inline struct policy *load_valid_policy(const char *path)
{
	struct policy_diags d = {0};
	struct policy *p = NULL;
	vow_err err = policy_load_file(path, &p, &d);
	policy_diags_free(&d);
	return err == VOW_OK ? p : NULL;
}
#endif

#ifdef VOW_VAULT_H
#include <sys/stat.h>

#include "crypto/crypto.h"

/* The fixture of the vault-level tests (one per test program): the
 * AmberScript example policy and a temporary root for data directories. */
static struct policy *policy;
static char root[] = "/tmp/vow-test-XXXXXX";
static int root_dirs;

static int setup(void **state)
{
	(void)state;
	if (crypto_init() != VOW_OK || mkdtemp(root) == NULL)
		return -1;
	policy = load_valid_policy("examples/policies/amberscript.yaml");
	return policy != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	policy_free(&policy);
	return remove_tree(root);
}

/* Makes a new data directory under root with a fresh master key; its path
 * goes to dir. Fails the test if it cannot. */
static inline void new_data_dir(char dir[256])
{
	snprintf(dir, 256, "%s/d%d", root, ++root_dirs);
	assert_int_equal(mkdir(dir, 0700), 0);
	char key[300];
	snprintf(key, sizeof(key), "%s/master.key", dir);
	assert_int_equal(crypto_master_key_create(key), VOW_OK);
}
#endif

#endif
