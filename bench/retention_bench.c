/* bench/retention_bench.c — a retention sweep's cost follows the number of
 * items due, not the number stored.
 *
 * Under the Ambsonic policy (logs kept 90 days from creation; the username
 * while the account runs) it stores STORED records (5 per subject), of
 * which DUE log records were written 60 days before the rest, and times in
 * the same run:
 *   - a sweep when none is due (the day before the first date),
 *   - the sweep that deletes the DUE items,
 * then the same DUE items among a tenth as many stored records, so the two
 * sweeps with equal work but ten times different stores can be compared.
 *
 * usage: retention_bench DIR [STORED [DUE]]   (default 1,000,000 and 10,000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/audit.h"
#include "crypto/crypto.h"
#include "retention/retention.h"
#include "util/clock.h"
#include "vault/vault.h"
#include "bench_util.h"


static const char *const cats[] = {"user.device.ip_address", "user.device", "system.operations",
                                   "user.telemetry", "user.account.username"};

/* A data directory with `stored` records, `due` of them written at t_old. */
static struct vault *fill(const char *root, const char *name, struct policy *p, long stored,
                          long due, int64_t t_old, int64_t t_new)
{
	char dir[512], key[600];
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	if (mkdir(dir, 0700) != 0)
		die("mkdir", 0);
	snprintf(key, sizeof(key), "%s/master.key", dir);
	vow_err err = crypto_master_key_create(key);
	struct vault *v = NULL;
	if (err == VOW_OK)
		err = vault_open(dir, p, &v);
	if (err != VOW_OK)
		die("vault_open", err);
	audit_disable(v); /* the sweep is measured, not the audit of the fill */
	struct vault_access a = {"service", NULL,  "essential.service.security",
	                         false,     false, false, false};
	char id[VOW_ID_LEN + 1];
	long n = 0, old = 0;
	double t0 = now_s();
	if (vault_batch_begin(v) != VOW_OK)
		die("batch", 0);
	for (long s = 0; n < stored; s++) {
		clock_set_fixed(old < due ? t_old : t_new);
		struct vault_subject_new in = {.region = "EE"};
		if ((err = vault_subject_create(v, &in, id)) != VOW_OK)
			die("subject_create", err);
		for (int c = 0; c < 5 && n < stored; c++) {
			/* the username is never due; the first `due` log records are */
			bool log = c < 4;
			clock_set_fixed(log && old < due ? t_old : t_new);
			if (log && old < due)
				old++;
			n++;
			err = vault_record_put(v, &a, id, cats[c], "{\"ip\":\"192.0.2.0\"}", 18);
			if (err != VOW_OK) {
				fprintf(stderr, "%s: %s\n", cats[c], vault_last_denial(v));
				die("record_put", err);
			}
		}
		if (s % 200 == 199 &&
		    (vault_batch_commit(v) != VOW_OK || vault_batch_begin(v) != VOW_OK))
			die("batch", 0);
	}
	if (vault_batch_commit(v) != VOW_OK)
		die("batch", 0);
	fprintf(stderr, "  filled %s: %ld records in %.1f s\n", name, stored, now_s() - t0);
	return v;
}

static double sweep(struct vault *v, int64_t at, size_t *deleted)
{
	clock_set_fixed(at);
	struct retention_report r;
	double t0 = now_s();
	vow_err err = retention_sweep(v, at, false, NULL, NULL, &r);
	double t = now_s() - t0;
	if (err != VOW_OK)
		die("sweep", err);
	*deleted = r.deleted;
	return t;
}

int main(int argc, char **argv)
{
	bench_name = "retention_bench";
	if (argc < 2)
		die("usage: retention_bench DIR [STORED [DUE]]", 0);
	long stored = argc > 2 ? atol(argv[2]) : 1000000, due = argc > 3 ? atol(argv[3]) : 10000;
	if (crypto_init() != VOW_OK || stored < 10 || due < 1 || due * 10 > stored)
		die("setup", 0);
	struct policy_diags d = {0};
	struct policy *p = NULL;
	if (policy_load_file("examples/policies/ambsonic.yaml", &p, &d) != VOW_OK)
		die("policy", 0);
	int64_t t_old = 1767225600, t_new = t_old + 60 * 86400; /* 2026-01-01, +60 days */
	int64_t first_due = t_old + 90 * 86400;
	struct vault *big = fill(argv[1], "big", p, stored, due, t_old, t_new);
	size_t n0 = 0, n1 = 0, n2 = 0;
	double none = sweep(big, first_due - 86400, &n0);
	double full = sweep(big, first_due, &n1);
	vault_close(&big);
	struct vault *small = fill(argv[1], "small", p, stored / 10, due, t_old, t_new);
	double small_full = sweep(small, first_due, &n2);
	vault_close(&small);
	printf("retention sweep, %ld stored, none due: %.2f ms (%zu deleted)\n", stored, none * 1e3,
	       n0);
	printf("retention sweep, %ld stored, %ld due: %.1f ms (%zu deleted, %.0f items/s)\n",
	       stored, due, full * 1e3, n1, (double)n1 / full);
	printf("retention sweep, %ld stored, %ld due: %.1f ms (%zu deleted)\n", stored / 10, due,
	       small_full * 1e3, n2);
	printf("ratio: sweep of %ld due among %ldx more stored = %.2f (1.0: the cost follows the "
	       "number due); none due / %ld due = %.5f\n",
	       due, 10L, full / small_full, due, none / full);
	policy_free(&p);
	return n0 == 0 && n1 == (size_t)due && n2 == (size_t)due ? 0 : 1;
}
