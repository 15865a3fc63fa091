/* cli/cmd_key.c — `vow key create|list|revoke`: API keys. (`vow key
 * rotate`, the master key, is in cmd_vault.c.) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/clock.h"
#include "vow.h"

static const char usage[] =
    "usage: vow key create --role ROLE [--staff ID] [--subject ID] [--expires WHEN] [--data DIR]\n"
    "       vow key list [--json] [--data DIR]\n"
    "       vow key revoke ID [--data DIR]\n"
    "       vow key rotate [--data DIR]   (re-wraps every key under a new master key)\n"
    "\n"
    "create prints a new API key, alone on standard output, shown only this once.\n"
    "ROLE is admin or a role of the policy (service, a staff role with --staff,\n"
    "a subject role with --subject). WHEN is a duration from now (90d, 12h, 2w)\n"
    "or a UTC date or time (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ); by default a key\n"
    "does not expire.\n"
    "list shows every key (id, role, staff or subject, created, expires,\n"
    "active, expired or revoked), never a secret.\n"
    "revoke stops key ID at once, also in a running vow serve; the last admin\n"
    "key that is neither revoked nor expired cannot be revoked (create another\n"
    "first). Erasing a subject revokes its keys.\n";

struct opts {
	const char *data, *role, *staff, *subject, *expires, *pos;
	bool json;
	char last[17]; /* list: the last id printed, the next page's cursor */
};

static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->data = getenv("VOW_DATA") != NULL ? getenv("VOW_DATA") : "vow-data";
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool val = i + 1 < argc;
		if (strcmp(a, "--data") == 0 && val)
			o->data = argv[++i];
		else if (strcmp(a, "--role") == 0 && val)
			o->role = argv[++i];
		else if (strcmp(a, "--staff") == 0 && val)
			o->staff = argv[++i];
		else if (strcmp(a, "--subject") == 0 && val)
			o->subject = argv[++i];
		else if (strcmp(a, "--expires") == 0 && val)
			o->expires = argv[++i];
		else if (strcmp(a, "--json") == 0)
			o->json = true;
		else if (a[0] != '-' && o->pos == NULL)
			o->pos = a;
		else
			return CLI_USAGE;
	}
	return CLI_OK;
}

/* WHEN as a time: "N" and a unit (h, d, w) from now, or a UTC date/time.
 * False unless it is one, in the future and within 100 years. */
static bool expiry_parse(const char *s, int64_t now, int64_t *out)
{
	int64_t t = 0;
	char *end = NULL;
	long n = strtol(s, &end, 10);
	if (end != s && s[0] >= '0' && s[0] <= '9' && end[0] != '\0' && end[1] == '\0' && n > 0 &&
	    n <= 36500L * 24) {
		int64_t unit = end[0] == 'h'   ? 3600
		               : end[0] == 'd' ? 86400
		               : end[0] == 'w' ? 604800
		                               : 0;
		t = now + n * unit;
		if (unit == 0)
			return false;
	} else if (!time_parse(s, &t)) {
		return false;
	}
	if (t <= now || t > now + 36525LL * 86400)
		return false;
	*out = t;
	return true;
}

static int create(struct vault *v, const struct opts *o)
{
	int64_t expires = 0;
	if (o->expires != NULL && !expiry_parse(o->expires, clock_now(), &expires)) {
		fprintf(stderr,
		        "vow key create: --expires takes a duration (90d, 12h, 2w) or a future UTC "
		        "date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ), not '%s'\n",
		        o->expires);
		return CLI_USAGE;
	}
	char key[VAULT_APIKEY_LEN + 1];
	vow_err err = vault_apikey_create(v, o->role, o->staff, o->subject, expires, key);
	if (err == VOW_OK) {
		puts(key);
		crypto_wipe(key, sizeof(key));
		return CLI_OK;
	}
	if (err == VOW_ERR_NOT_FOUND)
		fprintf(stderr, "vow key create: no subject %s (or it was erased)\n", o->subject);
	else
		fprintf(
		    stderr,
		    "vow key create: %s (%s): ROLE must be admin or a role of the policy; staff "
		    "roles need --staff, subject roles --subject\n",
		    vow_err_message(err), vow_err_code(err));
	return err == VOW_ERR_INVALID || err == VOW_ERR_NOT_FOUND ? CLI_INVALID : CLI_FAILURE;
}

static const char *status_of(const struct vault_apikey_info *k, int64_t now)
{
	return k->revoked_at != 0                           ? "revoked"
	       : k->expires_at != 0 && k->expires_at <= now ? "expired"
	                                                    : "active";
}

static vow_err print_cb(void *ctx, const struct vault_apikey_info *k)
{
	struct opts *o = ctx;
	int64_t now = clock_now();
	memcpy(o->last, k->id, sizeof(o->last));
	if (o->json) {
		json_t *j =
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "id", k->id, "role",
		              k->role, "staff", k->staff, "subject", k->subject, "created_at",
		              (json_int_t)k->created_at, "expires_at", (json_int_t)k->expires_at,
		              "revoked_at", (json_int_t)k->revoked_at, "status", status_of(k, now));
		char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (s == NULL)
			return VOW_ERR_NOMEM;
		puts(s);
		free(s);
		return VOW_OK;
	}
	char created[21], expires[21] = "never", revoked[21] = "";
	clock_format(k->created_at, created);
	if (k->expires_at != 0)
		clock_format(k->expires_at, expires);
	if (k->revoked_at != 0)
		clock_format(k->revoked_at, revoked);
	char who[160] = "-";
	if (k->staff[0] != '\0')
		snprintf(who, sizeof(who), "staff=%s", k->staff);
	else if (k->subject[0] != '\0')
		snprintf(who, sizeof(who), "subject=%s", k->subject);
	printf("%s %-12s %-42s created %s expires %-20s %s%s%s\n", k->id, k->role, who, created,
	       expires, status_of(k, now), revoked[0] ? " " : "", revoked);
	return VOW_OK;
}

static int list(struct vault *v, struct opts *o)
{
	char after[17] = "";
	vow_err err = VOW_OK;
	for (;;) {
		o->last[0] = '\0';
		err = vault_apikey_list(v, after, 256, print_cb, o);
		if (err != VOW_OK || o->last[0] == '\0')
			break;
		memcpy(after, o->last, sizeof(after));
	}
	if (err != VOW_OK)
		fprintf(stderr, "vow key list: %s\n", vow_err_message(err));
	return err == VOW_OK ? CLI_OK : CLI_FAILURE;
}

static int revoke(struct vault *v, const char *id)
{
	vow_err err = vault_apikey_revoke(v, id, NULL);
	if (err == VOW_OK) {
		printf("revoked %s\n", id);
		return CLI_OK;
	}
	const char *why = err == VOW_ERR_NOT_FOUND ? "no such key (see vow key list)"
	                  : err == VOW_ERR_EXISTS  ? "it is revoked already"
	                  : err == VOW_ERR_DENIED
	                      ? "it is the last admin key in force; create another first "
	                        "(vow key create --role admin), then revoke this one"
	                      : vow_err_message(err);
	fprintf(stderr, "vow key revoke: %s\n", why);
	return err == VOW_ERR_IO || err == VOW_ERR_NOMEM ? CLI_FAILURE : CLI_INVALID;
}

int cli_key(int argc, char **argv)
{
	int rc = CLI_OK;
	if (cli_help_or_usage(argc, argv, usage, &rc))
		return rc;
	struct opts o;
	const char *sub = argv[1];
	bool is_create = strcmp(sub, "create") == 0, is_list = strcmp(sub, "list") == 0,
	     is_revoke = strcmp(sub, "revoke") == 0;
	if (parse(argc, argv, &o) != CLI_OK || !(is_create || is_list || is_revoke) ||
	    (is_create && (o.role == NULL || o.pos != NULL)) || (is_revoke && o.pos == NULL) ||
	    (is_list && o.pos != NULL)) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	struct policy *p = NULL;
	struct vault *v = NULL;
	rc = cli_open_vault(o.data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	rc = is_create ? create(v, &o) : is_list ? list(v, &o) : revoke(v, o.pos);
	vault_close(&v);
	policy_free(&p);
	return rc;
}
