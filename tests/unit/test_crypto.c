/* tests/unit/test_crypto.c — the master key: creation, loading, refusal of
 * unsafe files and malformed keys, the environment override. */
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "test_support.h"

static char dir[] = "/tmp/vow-crypto-XXXXXX";

static int setup(void **state)
{
	(void)state;
	if (crypto_init() != VOW_OK || mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_create_load(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path), "%s/a.key", dir);
	assert_int_equal(crypto_master_key_create(path), VOW_OK);
	assert_int_equal(crypto_master_key_create(path), VOW_ERR_EXISTS);
	struct crypto_key *k = NULL, *k2 = NULL;
	assert_int_equal(crypto_master_key_load(path, &k), VOW_OK);
	assert_int_equal(crypto_master_key_load(path, &k2), VOW_OK);
	char fp[17], fp2[17];
	crypto_key_fingerprint(k, fp);
	crypto_key_fingerprint(k2, fp2);
	assert_string_equal(fp, fp2);
	assert_int_equal(strlen(fp), 16);
	crypto_key_free(&k);
	crypto_key_free(&k2);
	assert_null(k);
	crypto_key_free(&k); /* NULL-safe */
	/* another key, another fingerprint */
	snprintf(path, sizeof(path), "%s/b.key", dir);
	assert_int_equal(crypto_master_key_create(path), VOW_OK);
	assert_int_equal(crypto_master_key_load(path, &k), VOW_OK);
	crypto_key_fingerprint(k, fp2);
	assert_string_not_equal(fp, fp2);
	crypto_key_free(&k);
}

static void test_refuse_unsafe(void **state)
{
	(void)state;
	char path[256];
	struct crypto_key *k = NULL;
	snprintf(path, sizeof(path), "%s/c.key", dir);
	assert_int_equal(crypto_master_key_create(path), VOW_OK);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(crypto_master_key_load(path, &k), VOW_ERR_KEY);
	assert_null(k);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(crypto_master_key_load(path, &k), VOW_OK);
	crypto_key_free(&k);
	/* truncated and garbled files */
	snprintf(path, sizeof(path), "%s/d.key", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("vow-master-key-v1 00112233\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(crypto_master_key_load(path, &k), VOW_ERR_KEY);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "vow-master-key-v1 %064d\n", 0);
	fclose(f);
	path[strlen(path) - 5] = 'e';
	assert_int_equal(crypto_master_key_load(path, &k), VOW_ERR_NOT_FOUND);
	path[strlen(path) - 5] = 'd';
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "vow-master-key-v1 %s\n",
	        "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	fclose(f);
	assert_int_equal(crypto_master_key_load(path, &k), VOW_ERR_KEY);
	assert_null(k);
}

static void test_env_override(void **state)
{
	(void)state;
	struct crypto_key *k = NULL;
	assert_int_equal(setenv("VOW_MASTER_KEY",
	                        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	                        1),
	                 0);
	assert_int_equal(crypto_master_key_load("/nonexistent", &k), VOW_OK);
	char fp[17], fp2[17];
	crypto_key_fingerprint(k, fp);
	crypto_key_free(&k);
	/* taken out of the environment, and still the key of this process */
	assert_null(getenv("VOW_MASTER_KEY"));
	assert_true(crypto_master_key_from_env());
	assert_int_equal(crypto_master_key_load("/nonexistent", &k), VOW_OK);
	crypto_key_fingerprint(k, fp2);
	crypto_key_free(&k);
	assert_string_equal(fp, fp2);
	assert_int_equal(setenv("VOW_MASTER_KEY", "short", 1), 0);
	assert_int_equal(crypto_master_key_load("/nonexistent", &k), VOW_ERR_KEY);
	assert_null(k);
	/* forgotten: the key file is used again */
	crypto_master_key_env_clear();
	assert_false(crypto_master_key_from_env());
	assert_int_equal(crypto_master_key_load("/nonexistent", &k), VOW_ERR_NOT_FOUND);
}

/* the digest fed in pieces equals the digest of the whole, and any change
 * in any piece changes it */
static void test_digest_pieces(void **state)
{
	(void)state;
	static char big[100000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	unsigned char whole[32], pieces[32];
	crypto_digest("vow test v1", big, sizeof(big), whole);
	struct crypto_digest_state st;
	crypto_digest_begin(&st, "vow test v1");
	for (size_t at = 0; at < sizeof(big); at += 777)
		crypto_digest_add(&st, big + at, sizeof(big) - at < 777 ? sizeof(big) - at : 777);
	crypto_digest_end(&st, pieces);
	assert_memory_equal(whole, pieces, 32);
	big[sizeof(big) - 1] ^= 1;
	crypto_digest("vow test v1", big, sizeof(big), pieces);
	assert_memory_not_equal(whole, pieces, 32);
	crypto_digest("vow test v2", big, sizeof(big) - 1, pieces);
	assert_memory_not_equal(whole, pieces, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_load),
	    cmocka_unit_test(test_refuse_unsafe),
	    cmocka_unit_test(test_env_override),
	    cmocka_unit_test(test_digest_pieces),
	};
	return cmocka_run_group_tests_name("crypto", tests, setup, teardown);
}
