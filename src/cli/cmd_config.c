/* cli/cmd_config.c — `vow config show|set`: the data directory's settings
 * that every vow process working on it reads (the public URL links are
 * made from, the hourly cap of e-mails to one person). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "notify/notify.h"
#include "vow.h"

static const char usage[] =
    "usage: vow config show [--data DIR]\n"
    "       vow config set NAME VALUE [--data DIR]\n"
    "\n"
    "Settings of the data directory, read by vow serve and every command:\n"
    "  public-url      where people reach vow: http(s)://HOST[:PORT][/PATH]. Every\n"
    "                  link in an e-mail (retention notices, download links) is\n"
    "                  made from it; a command that would send one refuses\n"
    "                  without it. vow serve --public-url URL sets it too.\n"
    "  mail-per-hour   e-mails to one person in any hour (default 20; 0: no cap);\n"
    "                  the rest wait in the outbox and go later, in order.\n"
    "A change holds at once, also for a running vow serve.\n";

int cli_need_public_url(struct vault *v, const char *cmd)
{
	char url[NOTIFY_URL_MAX];
	vow_err err = notify_public_url(v, url);
	if (err == VOW_OK)
		return CLI_OK;
	if (err == VOW_ERR_CONFIG)
		fprintf(stderr,
		        "%s: no public URL to make the e-mail's link from: set where people "
		        "reach vow first (vow config set public-url https://HOST, or vow serve "
		        "--public-url URL)\n",
		        cmd);
	else
		fprintf(stderr, "%s: cannot read the public URL: %s\n", cmd, vow_err_message(err));
	return err == VOW_ERR_CONFIG ? CLI_INVALID : CLI_FAILURE;
}

static int show(struct vault *v)
{
	char url[NOTIFY_URL_MAX];
	unsigned cap = 0;
	vow_err err = notify_public_url(v, url);
	if (err == VOW_ERR_CONFIG) {
		snprintf(url, sizeof(url), "(not set)");
		err = VOW_OK;
	}
	if (err == VOW_OK)
		err = notify_mail_per_hour(v, &cap);
	if (err != VOW_OK) {
		fprintf(stderr, "vow config: %s\n", vow_err_message(err));
		return CLI_FAILURE;
	}
	printf("public-url %s\nmail-per-hour %u\n", url, cap);
	return CLI_OK;
}

static int set(struct vault *v, const char *name, const char *value)
{
	vow_err err = VOW_ERR_INVALID;
	const char *want = NULL;
	if (strcmp(name, "public-url") == 0) {
		err = notify_public_url_set(v, value);
		want = "an absolute http:// or https:// URL of a host, with an optional port "
		       "and path (no query, fragment or credentials)";
	} else if (strcmp(name, "mail-per-hour") == 0) {
		char *end = NULL;
		unsigned long n = strtoul(value, &end, 10);
		if (end != value && *end == '\0' && value[0] != '-' &&
		    n <= NOTIFY_MAIL_PER_HOUR_MAX)
			err = notify_mail_per_hour_set(v, (unsigned)n);
		want = "a number from 0 (no cap) to 10000";
	} else {
		fprintf(stderr, "vow config: no setting '%s' (public-url, mail-per-hour)\n", name);
		return CLI_USAGE;
	}
	if (err == VOW_OK) {
		printf("%s %s\n", name, value);
		return CLI_OK;
	}
	if (err == VOW_ERR_INVALID)
		fprintf(stderr, "vow config: %s takes %s, not '%s'\n", name, want, value);
	else
		fprintf(stderr, "vow config: %s\n", vow_err_message(err));
	return err == VOW_ERR_INVALID ? CLI_INVALID : CLI_FAILURE;
}

int cli_config(int argc, char **argv)
{
	int rc = CLI_OK;
	if (cli_help_or_usage(argc, argv, usage, &rc))
		return rc;
	const char *data = getenv("VOW_DATA") != NULL ? getenv("VOW_DATA") : "vow-data";
	const char *pos[3] = {NULL, NULL, NULL};
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			data = argv[++i];
		else if (argv[i][0] != '-' && npos < 3)
			pos[npos++] = argv[i];
		else {
			fputs(usage, stderr);
			return CLI_USAGE;
		}
	}
	bool is_show = npos == 1 && strcmp(pos[0], "show") == 0,
	     is_set = npos == 3 && strcmp(pos[0], "set") == 0;
	if (!is_show && !is_set) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	struct policy *p = NULL;
	struct vault *v = NULL;
	rc = cli_open_vault(data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	rc = is_show ? show(v) : set(v, pos[1], pos[2]);
	vault_close(&v);
	policy_free(&p);
	return rc;
}
