/* cli/cmd_consent.c — `vow consent`: the ledger, receipts, objections and
 * restrictions from the command line. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "consent/consent.h"
#include "util/clock.h"
#include "util/file.h"
#include "vow.h"

static const char usage[] =
    "usage: vow consent give|refuse|withdraw SUBJECT PURPOSE [--method M] [--ip IP] [--gpc]\n"
    "       vow consent history SUBJECT\n"
    "       vow consent verify RECEIPT-FILE [--public-key HEX]\n"
    "       vow consent public-key\n"
    "       vow consent object SUBJECT PURPOSE [--lift]\n"
    "       vow consent restrict SUBJECT CATEGORY|'*' [--lift] [--reason TEXT]\n"
    "\n"
    "Every command takes --data DIR (default $VOW_DATA, else ./vow-data).\n"
    "give/refuse/withdraw append to the ledger and print the signed receipt;\n"
    "verify exits 0 when the signature of a receipt (consent or erasure) is\n"
    "the instance's (or the given key's) over exactly this receipt, 1\n"
    "otherwise. --method is one of\n"
    "form, banner, api, import, email, settings, unsubscribe_link,\n"
    "privacy_center (default api).\n";

static vow_err print_event(void *ctx, const struct consent_event *e)
{
	(void)ctx;
	static const char *const st[] = {"none", "given", "refused", "withdrawn"};
	char at[21];
	clock_format(e->at, at);
	json_t *j =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "at", at, "purpose", e->purpose,
	              "state", st[e->state & 3], "method", e->method, "policy_version",
	              e->policy_version, "purpose_text_hash", e->text_hash, "against_gpc",
	              e->against_gpc, "terms_current", e->terms_current);
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text == NULL)
		return VOW_ERR_NOMEM;
	puts(text);
	free(text);
	return VOW_OK;
}

static int verify(const char *file, const char *key, struct vault *v)
{
	char *text = NULL;
	size_t len = 0;
	vow_err err = file_read_all(file, 1u << 20, &text, &len);
	if (err != VOW_OK) {
		fprintf(stderr, "vow consent: cannot read '%s': %s\n", file, vow_err_message(err));
		return CLI_USAGE;
	}
	char own[65];
	if (key == NULL) {
		err = vault_public_key(v, own);
		key = own;
	}
	if (err == VOW_OK)
		err = vault_signed_verify(text, len, key);
	free(text);
	if (err == VOW_OK) {
		printf("%s: valid receipt, signed by %s\n", file, key);
		return CLI_OK;
	}
	printf("%s: NOT valid: %s\n", file,
	       err == VOW_ERR_INTEGRITY ? "the signature does not match this receipt and key"
	                                : vow_err_message(err));
	return CLI_INVALID;
}

int cli_consent(int argc, char **argv)
{
	int rc = CLI_OK;
	if (cli_help_or_usage(argc, argv, usage, &rc))
		return rc;
	const char *data = getenv("VOW_DATA") != NULL ? getenv("VOW_DATA") : "vow-data";
	const char *method = "api", *ip = NULL, *key = NULL, *reason = NULL, *pos[3] = {0};
	bool gpc = false, lift = false;
	int npos = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			data = argv[++i];
		else if (strcmp(argv[i], "--method") == 0 && i + 1 < argc)
			method = argv[++i];
		else if (strcmp(argv[i], "--ip") == 0 && i + 1 < argc)
			ip = argv[++i];
		else if (strcmp(argv[i], "--public-key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
			reason = argv[++i];
		else if (strcmp(argv[i], "--gpc") == 0)
			gpc = true;
		else if (strcmp(argv[i], "--lift") == 0)
			lift = true;
		else if (argv[i][0] != '-' && npos < 3)
			pos[npos++] = argv[i];
		else {
			fputs(usage, stderr);
			return CLI_USAGE;
		}
	}
	const char *sub = argv[1];
	struct policy *p = NULL;
	struct vault *v = NULL;
	if (strcmp(sub, "verify") == 0 && npos == 1 && key != NULL)
		return verify(pos[0], key, NULL);
	rc = cli_open_vault(data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	vow_err err = VOW_OK;
	enum decide_consent state = strcmp(sub, "give") == 0       ? CONSENT_GIVEN
	                            : strcmp(sub, "refuse") == 0   ? CONSENT_REFUSED
	                            : strcmp(sub, "withdraw") == 0 ? CONSENT_WITHDRAWN
	                                                           : CONSENT_NONE;
	rc = CLI_USAGE;
	if (state != CONSENT_NONE && npos == 2) {
		struct consent_evidence ev = {ip, NULL, gpc};
		char *receipt = NULL;
		err = consent_record(v, pos[0], pos[1], state, method, &ev, &receipt);
		if (err == VOW_OK) {
			puts(receipt);
			free(receipt);
		}
		rc = CLI_OK;
	} else if (strcmp(sub, "history") == 0 && npos == 1) {
		err = consent_history(v, pos[0], print_event, NULL);
		rc = CLI_OK;
	} else if (strcmp(sub, "verify") == 0 && npos == 1) {
		rc = verify(pos[0], NULL, v);
	} else if (strcmp(sub, "public-key") == 0 && npos == 0) {
		char hex[65];
		err = vault_public_key(v, hex);
		if (err == VOW_OK)
			puts(hex);
		rc = CLI_OK;
	} else if (strcmp(sub, "object") == 0 && npos == 2) {
		err = consent_object(v, pos[0], pos[1], !lift);
		rc = CLI_OK;
	} else if (strcmp(sub, "restrict") == 0 && npos == 2) {
		err = consent_restrict(v, pos[0], pos[1], !lift, reason);
		rc = CLI_OK;
	}
	if (rc == CLI_USAGE)
		fputs(usage, stderr);
	if (err != VOW_OK) {
		fprintf(stderr, "vow consent %s: %s (%s)\n", sub, vow_err_message(err),
		        vow_err_code(err));
		rc = err == VOW_ERR_INVALID || err == VOW_ERR_NOT_FOUND || err == VOW_ERR_DENIED
		         ? CLI_INVALID
		         : CLI_FAILURE;
	}
	vault_close(&v);
	policy_free(&p);
	return rc;
}
