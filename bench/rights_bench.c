/* bench/rights_bench.c — an access export and an erasure of one subject with
 * 10,000 record versions and SIZE bytes of files (default 1 GiB), against
 * the vault reading every file and writing as many bytes sealed, measured
 * in the same run: the export should be bound by disk and crypto speed,
 * with flat memory (peak RSS of each, in a child).
 *
 * usage: rights_bench DIR [FILE_MIB]   (DIR: an empty scratch directory) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "rights/rights.h"
#include "vault/vault.h"
#include "bench_util.h"

#define FILES 16
#define VERSIONS 5000 /* per category, two categories */
#define CHUNK (1u << 20)

struct job {
	const char *dir;
	const struct policy *p;
	const char *subject;
	char (*files)[VOW_ID_LEN + 1];
	size_t file_mib;
};

static struct vault *open_vault(const struct job *j)
{
	struct vault *v = NULL;
	vow_err err = vault_open(j->dir, j->p, &v);
	if (err != VOW_OK)
		die("vault_open", err);
	audit_disable(v);
	return v;
}

static const struct vault_access svc = {"service", NULL, "essential.service", false, false,
                                        false, false};

/* The baseline: read every file through the vault and write as many bytes
 * into a new sealed file. */
static void baseline(void *arg)
{
	const struct job *j = arg;
	struct vault *v = open_vault(j);
	unsigned char *buf = malloc(CHUNK);
	struct vault_file_writer *w = NULL;
	if (buf == NULL || vault_file_create(v, &svc, j->subject, "user.content.audio", "copy",
	                                     "application/octet-stream", &w) != VOW_OK)
		die("baseline create", 0);
	for (int i = 0; i < FILES; i++) {
		struct vault_file_reader *r = NULL;
		struct vault_file_info info;
		if (vault_file_open(v, &svc, j->files[i], &r, &info) != VOW_OK)
			die("baseline open", i);
		size_t n = 0;
		do {
			if (vault_file_read(r, buf, CHUNK, &n) != VOW_OK ||
			    (n > 0 && vault_file_write(w, buf, n) != VOW_OK))
				die("baseline copy", i);
		} while (n > 0);
		vault_file_close(&r);
	}
	char id[VOW_ID_LEN + 1];
	if (vault_file_finish(&w, id) != VOW_OK)
		die("baseline finish", 0);
	free(buf);
	vault_close(&v);
}

static void export(void *arg)
{
	const struct job *j = arg;
	struct vault *v = open_vault(j);
	char id[VOW_ID_LEN + 1];
	vow_err err = rights_export_write(v, j->subject, "00000000000000000000000000000bee", false, id);
	if (err != VOW_OK)
		die("export", err);
	vault_close(&v);
}

int main(int argc, char **argv)
{
	bench_name = "rights_bench";
	if (argc < 2 || crypto_init() != VOW_OK)
		die("usage: rights_bench DIR [FILE_MIB]", 0);
	size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 1024;
	if (mib < FILES)
		mib = FILES;
	char key[600];
	snprintf(key, sizeof(key), "%s/master.key", argv[1]);
	struct policy_diags d = {0};
	struct policy *p = NULL;
	if (crypto_master_key_create(key) != VOW_OK ||
	    policy_load_file("examples/policies/amberscript.yaml", &p, &d) != VOW_OK)
		die("setup", 0);
	static char files[FILES][VOW_ID_LEN + 1];
	char subject[VOW_ID_LEN + 1];
	struct job j = {argv[1], p, subject, files, mib};
	struct vault *v = open_vault(&j);
	struct vault_subject_new in = {.email = "bench@example.nl", .region = "NL", .age = 30};
	if (vault_subject_create(v, &in, subject) != VOW_OK)
		die("subject", 0);
	struct vault_access acct = {"service", NULL, "essential.service.account", false, false,
	                            false, false};
	double t0 = now_s();
	if (vault_batch_begin(v) != VOW_OK)
		die("batch", 0);
	char value[256];
	for (int i = 0; i < VERSIONS; i++) {
		int n = snprintf(value, sizeof(value), "{\"first\":\"Anna\",\"version\":%d}", i);
		if (vault_record_put(v, &svc, subject, "user.name", value, (size_t)n) != VOW_OK ||
		    vault_record_put(v, &acct, subject, "user.workplace", value, (size_t)n) != VOW_OK)
			die("record_put", i);
		if (i % 500 == 499 && (vault_batch_commit(v) != VOW_OK || vault_batch_begin(v) != VOW_OK))
			die("batch", i);
	}
	if (vault_batch_commit(v) != VOW_OK)
		die("batch", 0);
	unsigned char *buf = malloc(CHUNK);
	if (buf == NULL)
		die("malloc", 0);
	crypto_random(buf, CHUNK);
	for (int i = 0; i < FILES; i++) {
		struct vault_file_writer *w = NULL;
		if (vault_file_create(v, &svc, subject, "user.content.audio", "talk.wav", "audio/wav",
		                      &w) != VOW_OK)
			die("file_create", i);
		for (size_t m = 0; m < mib / FILES; m++)
			if (vault_file_write(w, buf, CHUNK) != VOW_OK)
				die("file_write", i);
		if (vault_file_finish(&w, files[i]) != VOW_OK)
			die("file_finish", i);
	}
	free(buf);
	vault_close(&v);
	fprintf(stderr, "  filled: %d record versions, %zu MiB of files in %.1f s\n", 2 * VERSIONS,
	        mib, now_s() - t0);
	long base_rss = 0, exp_rss = 0;
	/* the export first: the baseline's copy would otherwise be exported too */
	double exp = in_child(export, &j, &exp_rss);
	double base = in_child(baseline, &j, &base_rss);
	double mb = (double)mib * 1.048576;
	printf("export of a subject with %d record versions and %zu MiB of files: %.2f s (%.0f MB/s), "
	       "peak RSS %ld KiB\n",
	       2 * VERSIONS, mib, exp, mb / exp, exp_rss);
	printf("baseline (vault read of every file + sealed write of as many bytes): %.2f s (%.0f "
	       "MB/s), peak RSS %ld KiB\n",
	       base, mb / base, base_rss);
	printf("ratio export / baseline: %.2f (1.0: bound by disk and crypto)\n", exp / base);
	/* erasure of the same subject */
	v = open_vault(&j);
	char *receipt = NULL;
	t0 = now_s();
	vow_err err = vault_subject_erase(v, subject, &receipt);
	double er = now_s() - t0;
	if (err != VOW_OK)
		die("erase", err);
	json_t *r = json_loads(receipt, 0, NULL);
	json_t *timing = json_object_get(r, "timing");
	printf("erasure of the same subject: unreadable after %.2f ms, fully purged after %.0f ms "
	       "(%.2f s in all)\n",
	       json_real_value(json_object_get(timing, "unreadable_after_ms")),
	       json_real_value(json_object_get(timing, "purged_after_ms")), er);
	json_decref(r);
	free(receipt);
	vault_close(&v);
	policy_free(&p);
	return 0;
}
