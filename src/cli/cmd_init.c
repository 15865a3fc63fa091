/* cli/cmd_init.c — `vow init DIR`: a new data directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/file.h"
#include "vault/vault.h"
#include "vow.h"

static const char usage[] =
    "usage: vow init DIR [--policy FILE]\n"
    "\n"
    "Creates DIR (mode 0700) holding a new random master key (master.key, mode\n"
    "0600) and the policy (policy.yaml): FILE, or the AmberScript example.\n"
    "DIR must not exist or be empty. Keep master.key secret and backed up apart\n"
    "from the data: without it nothing vow stores can be read.\n";

static int fail(const char *what, const char *path, vow_err err)
{
	fprintf(stderr, "vow init: %s '%s': %s\n", what, path, vow_err_message(err));
	return CLI_FAILURE;
}

int cli_init(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	const char *dir = NULL, *policy_file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
			policy_file = argv[++i];
		else if (argv[i][0] != '-' && dir == NULL)
			dir = argv[i];
		else {
			fputs(usage, stderr);
			return CLI_USAGE;
		}
	}
	if (dir == NULL) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	/* the policy must be valid before anything is created */
	char *text = NULL;
	size_t len = 0;
	if (policy_file != NULL) {
		vow_err err = file_read_all(policy_file, POLICY_MAX_FILE_BYTES, &text, &len);
		if (err != VOW_OK)
			return fail("cannot read policy", policy_file, err);
	} else {
		const char *ex = policy_example_text(&len);
		text = malloc(len + 1);
		if (text == NULL)
			return fail("cannot copy policy", "example", VOW_ERR_NOMEM);
		memcpy(text, ex, len + 1);
	}
	struct policy_diags d = {0};
	struct policy *p = NULL;
	vow_err err = policy_load_buffer(text, len, &p, &d);
	if (err != VOW_OK) {
		fprintf(
		    stderr,
		    "vow init: the policy is invalid (%zu problems); run 'vow policy check %s'\n",
		    d.len + d.dropped, policy_file != NULL ? policy_file : "(example)");
		policy_diags_free(&d);
		free(text);
		return CLI_INVALID;
	}
	int rc = CLI_FAILURE;
	char path[4096];
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "vow init: cannot create '%s': %s\n", dir, strerror(errno));
		goto out;
	}
	(void)snprintf(path, sizeof(path), "%s/master.key", dir);
	err = crypto_master_key_create(path);
	if (err != VOW_OK) {
		fail(err == VOW_ERR_EXISTS ? "refusing to overwrite" : "cannot create", path, err);
		goto out;
	}
	(void)snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	err = file_create(path, 0644, text, len);
	if (err != VOW_OK) {
		fail("cannot write", path, err);
		goto out;
	}
	struct vault *v = NULL;
	err = vault_open(dir, p, &v);
	char api_key[VAULT_APIKEY_LEN + 1] = "";
	if (err == VOW_OK)
		err = vault_apikey_create(v, "admin", NULL, NULL, 0, api_key);
	vault_close(&v);
	if (err != VOW_OK) {
		fail("cannot create the stores in", dir, err);
		goto out;
	}
	struct crypto_key *key = NULL;
	(void)snprintf(path, sizeof(path), "%s/master.key", dir);
	err = crypto_master_key_load(path, &key);
	if (err != VOW_OK) {
		fail("cannot read back", path, err);
		goto out;
	}
	char fp[17];
	crypto_key_fingerprint(key, fp);
	crypto_key_free(&key);
	printf("initialised %s\n  master key  %s/master.key (fingerprint %s)\n"
	       "  policy      %s/policy.yaml (%s, version %s)\n"
	       "  key store   %s/keys.db\n  data store  %s/data.db, %s/files/\n"
	       "  admin API key (shown only now; keep it secret):\n%s\n",
	       dir, dir, fp, dir, p->controller.name, p->version, dir, dir, dir, api_key);
	crypto_wipe(api_key, sizeof(api_key));
	rc = CLI_OK;
out:
	policy_free(&p);
	free(text);
	return rc;
}
