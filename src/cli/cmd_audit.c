/* cli/cmd_audit.c — `vow audit verify` and `vow audit subject ID`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "util/clock.h"
#include "vow.h"

static const char usage[] =
    "usage: vow audit verify [--data DIR]\n"
    "       vow audit subject ID [--data DIR]\n"
    "       vow audit prune [--now YYYY-MM-DD] [--data DIR]\n"
    "\n"
    "verify walks the whole log, recomputing every hash and checking every\n"
    "signed checkpoint; it names the first entry that was altered, removed,\n"
    "inserted or reordered and exits 1, or exits 0 when the log is intact.\n"
    "subject lists who acted on a person's data, for what, with what result.\n"
    "prune drops entries older than the policy's audit retention, up to a signed\n"
    "checkpoint that then anchors the rest.\n";

static vow_err print_entry(void *ctx, int64_t seq, int64_t at, const char *actor,
                           const char *action, const char *category, const char *purpose,
                           const char *result, const char *reason)
{
	(void)ctx;
	char t[21];
	clock_format(at, t);
	printf("%lld %s %s %s %s %s %s %s\n", (long long)seq, t, actor, action,
	       category[0] ? category : "-", purpose[0] ? purpose : "-", result,
	       reason[0] ? reason : "-");
	return VOW_OK;
}

int cli_audit(int argc, char **argv)
{
	int rc = CLI_OK;
	if (cli_help_or_usage(argc, argv, usage, &rc))
		return rc;
	const char *data = getenv("VOW_DATA") != NULL ? getenv("VOW_DATA") : "vow-data", *id = NULL;
	int64_t now = clock_now();
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			data = argv[++i];
		else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
			if (!date_parse(argv[++i], &now)) {
				fputs("vow audit: --now takes a date, YYYY-MM-DD\n", stderr);
				return CLI_USAGE;
			}
		} else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else {
			fputs(usage, stderr);
			return CLI_USAGE;
		}
	}
	bool verify = strcmp(argv[1], "verify") == 0, prune = strcmp(argv[1], "prune") == 0;
	if (((verify || prune) && id != NULL) ||
	    (!verify && !prune && (strcmp(argv[1], "subject") != 0 || id == NULL))) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	struct policy *p = NULL;
	struct vault *v = NULL;
	rc = cli_open_vault(data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	if (prune) {
		size_t n = 0;
		vow_err err = audit_prune(v, now, &n);
		if (err == VOW_OK)
			printf("pruned %zu entries\n", n);
		else {
			fprintf(stderr, "vow audit prune: %s\n", vow_err_message(err));
			rc = CLI_FAILURE;
		}
	} else if (verify) {
		struct audit_report r;
		vow_err err = audit_verify(v, &r);
		if (err == VOW_OK) {
			printf("audit log intact: %lld entries, %lld signed checkpoints\n",
			       (long long)r.entries, (long long)r.checkpoints);
		} else if (err == VOW_ERR_INTEGRITY) {
			printf("audit log NOT intact: entry %lld: %s (%lld entries, %lld "
			       "checkpoints read)\n",
			       (long long)r.first_bad, r.problem, (long long)r.entries,
			       (long long)r.checkpoints);
			rc = CLI_INVALID;
		} else {
			fprintf(stderr, "vow audit verify: %s\n", vow_err_message(err));
			rc = CLI_FAILURE;
		}
	} else {
		vow_err err = audit_subject(v, id, print_entry, NULL);
		if (err != VOW_OK) {
			fprintf(stderr, "vow audit subject: %s\n", vow_err_message(err));
			rc = CLI_FAILURE;
		}
	}
	vault_close(&v);
	policy_free(&p);
	return rc;
}
