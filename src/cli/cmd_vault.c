/* cli/cmd_vault.c — operator commands over the vault: `vow subject`,
 * `vow record`, `vow file`, `vow key rotate`. Each opens the data directory
 * (--data DIR, else $VOW_DATA, else ./vow-data) under its policy.yaml. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/crypto.h"
#include "retention/retention.h"
#include "rights/rights.h"
#include "util/file.h"
#include "vault/vault.h"
#include "vow.h"

static const char usage[] =
    "usage: vow subject create [--email E] [--phone P] [--region CC] [--birth-date YYYY-MM-DD] "
    "[--locale L]\n"
    "       vow subject show ID | list | close ID | erase ID | find --email E | find --phone P\n"
    "       vow record put SUBJECT CATEGORY JSON   (JSON '-' reads standard input)\n"
    "       vow record get SUBJECT CATEGORY | list SUBJECT | delete SUBJECT CATEGORY\n"
    "       vow record verify SUBJECT CATEGORY SECRET   (a category kept as a hash; exit 0 on a match)\n"
    "       vow file put SUBJECT CATEGORY PATH [--type MEDIA-TYPE] [--language TAG]\n"
    "       vow file get FILE-ID | list SUBJECT\n"
    "       vow key rotate\n"
    "\n"
    "Every command takes --data DIR (default $VOW_DATA, else ./vow-data).\n"
    "`subject erase` destroys the subject's key first (crypto-shredding) and\n"
    "prints the proof-of-erasure receipt as JSON. `key rotate` re-wraps every\n"
    "key under a new master key and retires the old one.\n";

#define O__COUNT_MAX 10

struct args {
	const char *data;
	const char *opt[O__COUNT_MAX]; /* see opt_names */
	const char *pos[4];
	int npos;
};

static const char *const opt_names[] = {"--email",      "--phone",   "--region",
                                        "--birth-date", "--locale",  "--type",
                                        "--role",       "--purpose", "--actor",
                                        "--language"};
enum {
	O_EMAIL,
	O_PHONE,
	O_REGION,
	O_BIRTH,
	O_LOCALE,
	O_TYPE,
	O_ROLE,
	O_PURPOSE,
	O_ACTOR,
	O_LANGUAGE,
	O__COUNT
};

static int parse(int argc, char **argv, int from, struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->data = getenv("VOW_DATA") != NULL ? getenv("VOW_DATA") : "vow-data";
	for (int i = from; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			a->data = argv[++i];
			continue;
		}
		int o;
		for (o = 0; o < O__COUNT; o++)
			if (strcmp(argv[i], opt_names[o]) == 0)
				break;
		if (o < O__COUNT && i + 1 < argc) {
			a->opt[o] = argv[++i];
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "vow: unknown option '%s'\n", argv[i]);
			return -1;
		}
		if (a->npos == 4)
			return -1;
		a->pos[a->npos++] = argv[i];
	}
	return 0;
}

/* The access a data command acts with: --role (default service), --actor,
 * --purpose (required). */
static bool access_of(const struct args *a, struct vault_access *acc)
{
	*acc = (struct vault_access){a->opt[O_ROLE] != NULL ? a->opt[O_ROLE] : "service",
	                             a->opt[O_ACTOR],
	                             a->opt[O_PURPOSE],
	                             false,
	                             false,
	                             false,
	                             false};
	if (acc->purpose == NULL) {
		fputs("vow: this command needs --purpose PURPOSE (a purpose key from the policy)\n",
		      stderr);
		return false;
	}
	return true;
}

static int fail(const char *what, vow_err err)
{
	fprintf(stderr, "vow: %s: %s (%s)\n", what, vow_err_message(err), vow_err_code(err));
	return err == VOW_ERR_NOT_FOUND || err == VOW_ERR_INVALID || err == VOW_ERR_EXISTS ||
	               err == VOW_ERR_DENIED || err == VOW_ERR_TOO_LARGE
	           ? CLI_INVALID
	           : CLI_FAILURE;
}

/* Loads DIR/policy.yaml and opens the vault. */
int cli_open_vault(const char *dir, struct policy **p, struct vault **v)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	struct policy_diags d = {0};
	vow_err err = policy_load_file(path, p, &d);
	policy_diags_free(&d);
	if (err != VOW_OK) {
		fprintf(stderr, "vow: cannot load %s: %s; run 'vow policy check %s'\n", path,
		        vow_err_message(err), path);
		return CLI_FAILURE;
	}
	err = vault_open(dir, *p, v);
	if (err != VOW_OK) {
		policy_free(p);
		return fail("cannot open the data directory", err);
	}
	return CLI_OK;
}

static int subject_cmd(struct vault *v, const struct args *a)
{
	const char *sub = a->pos[0];
	char id[VOW_ID_LEN + 1];
	vow_err err;
	if (strcmp(sub, "create") == 0) {
		struct vault_subject_new in = {.email = a->opt[O_EMAIL],
		                               .phone = a->opt[O_PHONE],
		                               .region = a->opt[O_REGION],
		                               .birth_date = a->opt[O_BIRTH],
		                               .locale = a->opt[O_LOCALE]};
		err = vault_subject_create(v, &in, id);
		if (err != VOW_OK)
			return fail("cannot create the subject", err);
		puts(id);
		return CLI_OK;
	}
	if (strcmp(sub, "find") == 0) {
		enum vault_lookup by = a->opt[O_EMAIL] != NULL ? VAULT_BY_EMAIL : VAULT_BY_PHONE;
		const char *val = a->opt[O_EMAIL] != NULL ? a->opt[O_EMAIL] : a->opt[O_PHONE];
		if (val == NULL)
			return CLI_USAGE;
		err = vault_subject_find(v, by, val, id);
		if (err != VOW_OK)
			return fail("no such subject", err);
		puts(id);
		return CLI_OK;
	}
	if (a->npos < 2)
		return CLI_USAGE;
	if (strcmp(sub, "show") == 0) {
		struct vault_subject s;
		err = vault_subject_get(v, a->pos[1], &s);
		if (err != VOW_OK)
			return fail("cannot read the subject", err);
		static const char *const st[] = {"active", "closed", "erased"};
		json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:s?, s:s?, s:s?, s:s?}", "id", s.id,
		                      "status", st[s.status], "region", s.region, "created_at",
		                      (json_int_t)s.created_at, "email", s.email, "phone", s.phone,
		                      "birth_date", s.birth_date, "locale", s.locale);
		char *text = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;
		json_decref(j);
		vault_subject_clear(&s);
		if (text == NULL)
			return fail("cannot print", VOW_ERR_NOMEM);
		puts(text);
		free(text);
		return CLI_OK;
	}
	if (strcmp(sub, "close") == 0) {
		size_t deleted = 0;
		err = retention_close_account(v, a->pos[1], &deleted);
		if (err == VOW_OK)
			printf("closed; %zu items deleted at once\n", deleted);
		return err == VOW_OK ? CLI_OK : fail("cannot close the account", err);
	}
	if (strcmp(sub, "erase") == 0) {
		char *receipt = NULL;
		err = rights_erase(v, a->pos[1], NULL, &receipt);
		if (err != VOW_OK)
			return fail("cannot erase the subject", err);
		puts(receipt);
		free(receipt);
		return CLI_OK;
	}
	return CLI_USAGE;
}

static vow_err print_subject(void *ctx, const char *id, enum vault_subject_status st, int64_t at)
{
	(void)ctx;
	static const char *const names[] = {"active", "closed", "erased"};
	printf("%s %s %lld\n", id, names[st], (long long)at);
	return VOW_OK;
}

static vow_err print_category(void *ctx, const char *category, int64_t version, int64_t at,
                              bool held)
{
	(void)ctx;
	printf("%s v%lld %lld%s\n", category, (long long)version, (long long)at,
	       held ? " held" : "");
	return VOW_OK;
}

static vow_err print_file(void *ctx, const struct vault_file_info *f)
{
	(void)ctx;
	printf("%s %s %llu %s %s\n", f->id, f->category, (unsigned long long)f->size, f->media_type,
	       f->name);
	return VOW_OK;
}

static int deny_or_fail(struct vault *v, const char *what, vow_err err)
{
	if (err == VOW_ERR_DENIED && vault_last_denial(v) != NULL) {
		fprintf(stderr, "vow: %s: denied by the policy (%s)%s%s\n", what,
		        vault_last_denial(v), vault_last_why(v) != NULL ? ": " : "",
		        vault_last_why(v) != NULL ? vault_last_why(v) : "");
		return CLI_INVALID;
	}
	if (vault_last_why(v) != NULL && (err == VOW_ERR_INVALID || err == VOW_ERR_TOO_LARGE)) {
		fprintf(stderr, "vow: %s: %s: %s\n", what, vow_err_code(err), vault_last_why(v));
		return CLI_INVALID;
	}
	return fail(what, err);
}

/* Reads a value from the command line, or standard input for "-" (at most
 * cap bytes); *buf is the caller's (wipe and free it). */
static vow_err value_arg(const char *arg, size_t cap, char **buf, size_t *len)
{
	if (strcmp(arg, "-") != 0) {
		*len = strlen(arg);
		*buf = strdup(arg);
		return *buf != NULL ? VOW_OK : VOW_ERR_NOMEM;
	}
	vow_err err = file_read_all("/dev/stdin", cap, buf, len);
	if (err == VOW_ERR_INVALID) { /* a pipe is not a regular file */
		*buf = malloc(cap + 1);
		*len = *buf != NULL ? fread(*buf, 1, cap + 1, stdin) : 0;
		err = *buf == NULL ? VOW_ERR_NOMEM : *len > cap ? VOW_ERR_TOO_LARGE : VOW_OK;
		if (err != VOW_OK) {
			free(*buf);
			*buf = NULL;
		}
	}
	return err;
}

static int record_cmd(struct vault *v, const struct args *a)
{
	const char *sub = a->pos[0];
	vow_err err;
	struct vault_access acc;
	if (strcmp(sub, "list") == 0 && a->npos == 2) {
		err = vault_record_categories(v, a->pos[1], print_category, NULL);
		return err == VOW_OK ? CLI_OK : fail("cannot list records", err);
	}
	if (a->npos < 3)
		return CLI_USAGE;
	if (!access_of(a, &acc))
		return CLI_USAGE;
	if ((strcmp(sub, "put") == 0 || strcmp(sub, "verify") == 0) && a->npos == 4) {
		bool put = strcmp(sub, "put") == 0;
		char *buf = NULL;
		size_t len = 0;
		err = value_arg(a->pos[3], put ? VAULT_MAX_VALUE : VOW_MAX_SECRET, &buf, &len);
		if (err != VOW_OK)
			return fail("cannot read the value", err);
		struct vault_put_result res;
		bool match = false;
		err = put ? vault_record_put_result(v, &acc, a->pos[1], a->pos[2], buf, len, &res)
		          : vault_record_verify(v, &acc, a->pos[1], a->pos[2], buf, len, &match);
		crypto_wipe(buf, len);
		free(buf);
		if (err != VOW_OK)
			return deny_or_fail(v, put ? "cannot store the record" : "cannot verify", err);
		if (!put) {
			printf("%s\n", match ? "match" : "no match");
			return match ? CLI_OK : CLI_INVALID;
		}
		if (res.intake == INTAKE_DROP)
			fprintf(stderr, "vow: not stored: the policy drops this category at intake\n");
		else if (res.intake == INTAKE_HASH)
			fprintf(stderr, "vow: stored as a one-way hash only\n");
		else if (res.intake == INTAKE_TRUNCATE_IP)
			fprintf(stderr, "vow: stored shortened to %s\n", res.network);
		return CLI_OK;
	}
	if (strcmp(sub, "get") == 0) {
		char *val = NULL;
		size_t len = 0;
		err = vault_record_get(v, &acc, a->pos[1], a->pos[2], &val, &len);
		if (err != VOW_OK)
			return deny_or_fail(v, "cannot read the record", err);
		fwrite(val, 1, len, stdout);
		putchar('\n');
		vault_value_free(val, len);
		return CLI_OK;
	}
	if (strcmp(sub, "delete") == 0) {
		err = vault_record_delete(v, &acc, a->pos[1], a->pos[2]);
		return err == VOW_OK ? CLI_OK : deny_or_fail(v, "cannot delete the record", err);
	}
	return CLI_USAGE;
}

static int file_cmd(struct vault *v, const struct args *a)
{
	const char *sub = a->pos[0];
	vow_err err;
	if (strcmp(sub, "list") == 0 && a->npos == 2) {
		err = vault_file_list(v, a->pos[1], print_file, NULL);
		return err == VOW_OK ? CLI_OK : fail("cannot list files", err);
	}
	struct vault_access acc;
	if ((strcmp(sub, "get") == 0 || strcmp(sub, "put") == 0) && !access_of(a, &acc))
		return CLI_USAGE;
	if (strcmp(sub, "get") == 0 && a->npos == 2) {
		struct vault_file_reader *r = NULL;
		struct vault_file_info info;
		err = vault_file_open(v, &acc, a->pos[1], &r, &info);
		if (err != VOW_OK)
			return deny_or_fail(v, "cannot open the file", err);
		unsigned char buf[65536];
		size_t n;
		while ((err = vault_file_read(r, buf, sizeof(buf), &n)) == VOW_OK && n > 0)
			if (fwrite(buf, 1, n, stdout) != n) {
				err = VOW_ERR_IO;
				break;
			}
		crypto_wipe(buf, sizeof(buf));
		vault_file_close(&r);
		return err == VOW_OK ? CLI_OK : fail("cannot read the file", err);
	}
	if (strcmp(sub, "put") == 0 && a->npos == 4) {
		int fd = open(a->pos[3], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "vow: cannot open '%s': %s\n", a->pos[3], strerror(errno));
			return CLI_INVALID;
		}
		const char *name =
		    strrchr(a->pos[3], '/') != NULL ? strrchr(a->pos[3], '/') + 1 : a->pos[3];
		struct vault_file_writer *w = NULL;
		err = vault_file_create(v, &acc, a->pos[1], a->pos[2], name, a->opt[O_TYPE], &w);
		if (err == VOW_OK && a->opt[O_LANGUAGE] != NULL)
			err = vault_file_set_language(w, a->opt[O_LANGUAGE]);
		unsigned char buf[65536];
		ssize_t n;
		while (err == VOW_OK && (n = read(fd, buf, sizeof(buf))) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				err = VOW_ERR_IO;
				break;
			}
			err = vault_file_write(w, buf, (size_t)n);
		}
		close(fd);
		char id[VOW_ID_LEN + 1];
		if (err == VOW_OK)
			err = vault_file_finish(&w, id);
		vault_file_abort(&w);
		if (err != VOW_OK)
			return deny_or_fail(v, "cannot store the file", err);
		puts(id);
		return CLI_OK;
	}
	return CLI_USAGE;
}

int cli_vault(int argc, char **argv)
{
	struct args a;
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (parse(argc, argv, 1, &a) != 0 || a.npos < 1) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	const char *cmd = argv[0];
	if (strcmp(cmd, "key") == 0) {
		if (strcmp(a.pos[0], "rotate") != 0) {
			fputs(usage, stderr);
			return CLI_USAGE;
		}
		/* never beside a server: it holds the old key in memory and would
		 * wrap new keys under it, unreadable after the swap */
		int lock = -1;
		long holder = 0;
		vow_err err = vault_dir_lock(a.data, &lock, &holder);
		if (err == VOW_ERR_EXISTS) {
			fprintf(stderr,
			        "vow key rotate: a vow serve (pid %ld) is running on %s: stop it "
			        "first, or rotate through it (POST /v1/master-key/rotate with an "
			        "admin key)\n",
			        holder, a.data);
			return CLI_INVALID;
		}
		if (err != VOW_OK)
			return fail("cannot lock the data directory", err);
		char fp[17];
		err = vault_key_rotate(a.data, fp);
		vault_dir_unlock(&lock);
		if (err != VOW_OK)
			return fail("cannot rotate the master key", err);
		printf("rotated: new master key fingerprint %s\n", fp);
		return CLI_OK;
	}
	struct policy *p = NULL;
	struct vault *v = NULL;
	int rc = cli_open_vault(a.data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	if (strcmp(cmd, "subject") == 0 && strcmp(a.pos[0], "list") == 0)
		rc = vault_subject_list(v, NULL, SIZE_MAX, print_subject, NULL) == VOW_OK
		         ? CLI_OK
		         : CLI_FAILURE;
	else if (strcmp(cmd, "subject") == 0)
		rc = subject_cmd(v, &a);
	else if (strcmp(cmd, "record") == 0)
		rc = record_cmd(v, &a);
	else if (strcmp(cmd, "file") == 0)
		rc = file_cmd(v, &a);
	else
		rc = CLI_USAGE;
	if (rc == CLI_USAGE)
		fputs(usage, stderr);
	vault_close(&v);
	policy_free(&p);
	return rc;
}
