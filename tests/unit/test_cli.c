/* tests/unit/test_cli.c — the `vow` program through its command line:
 * exit codes, the FILE:LINE:COL output of `policy check`, `policy show
 * --json`, and `vow init`. The binary under test is $VOW_BIN. */
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"
#include "test_support.h"

extern char **environ;

struct run {
	int status;
	char *out; /* stdout and stderr together */
};

static struct run run_vow(const char *const *args)
{
	const char *bin = getenv("VOW_BIN");
	assert_non_null(bin);
	char outfile[] = "/tmp/vow-cli-XXXXXX";
	int fd = mkstemp(outfile);
	assert_true(fd >= 0);
	const char *argv[16] = {bin};
	size_t n = 1;
	for (; args[n - 1] != NULL && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	close(fd);
	struct run r = {.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)};
	r.out = slurp(outfile, NULL);
	unlink(outfile);
	return r;
}

static void test_check_examples(void **state)
{
	(void)state;
	static const char *const files[] = {"examples/policies/amberscript.yaml",
	                                    "examples/policies/ambsonic.yaml",
	                                    "examples/policies/amper.yaml"};
	for (size_t i = 0; i < 3; i++) {
		struct run r = run_vow((const char *[]){"policy", "check", files[i], NULL});
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, ": ok"));
		free(r.out);
	}
}

static void test_check_invalid_format(void **state)
{
	(void)state;
	const char *f = "tests/policies/invalid/notice_longer_than_period.yaml";
	struct run r = run_vow((const char *[]){"policy", "check", f, NULL});
	assert_int_equal(r.status, 1);
	char want[256];
	snprintf(want, sizeof(want),
	         "%s:53:13: error: advance notice is longer than the retention period\n", f);
	assert_non_null(strstr(r.out, want));
	snprintf(want, sizeof(want), "%s:53:13: hint: ", f);
	assert_non_null(strstr(r.out, want));
	free(r.out);
}

static void test_check_unreadable(void **state)
{
	(void)state;
	struct run r =
	    run_vow((const char *[]){"policy", "check", "/nonexistent/policy.yaml", NULL});
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "cannot read policy"));
	free(r.out);
	r = run_vow((const char *[]){"policy", "check", "/tmp", NULL});
	assert_int_equal(r.status, 2);
	free(r.out);
	r = run_vow((const char *[]){"policy", "frobnicate", "x", NULL});
	assert_int_equal(r.status, 2);
	free(r.out);
	r = run_vow((const char *[]){"nonsense", NULL});
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "unknown command"));
	free(r.out);
}

static void test_check_hostile_files(void **state)
{
	(void)state;
	char path[] = "/tmp/vow-hostile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* 10 MB of binary */
	unsigned char buf[65536];
	uint32_t x = 7;
	for (int i = 0; i < 160; i++) {
		for (size_t j = 0; j < sizeof(buf); j++) {
			x = x * 1664525u + 1013904223u;
			buf[j] = (unsigned char)(x >> 24);
		}
		assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	}
	close(fd);
	struct run r = run_vow((const char *[]){"policy", "check", path, NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "error: the policy file is too large"));
	free(r.out);
	unlink(path);
}

static void test_help_everywhere(void **state)
{
	(void)state;
	static const char *const cmds[][3] = {
	    {"--help", NULL, NULL},        {"policy", "--help", NULL}, {"init", "--help", NULL},
	    {"retention", "--help", NULL}, {"outbox", "--help", NULL}, {"request", "--help", NULL},
	    {"agent", "--help", NULL},     {"serve", "--help", NULL},  {"key", "--help", NULL},
	    {"key", "list", "--help"},     {"config", "--help", NULL}};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct run r = run_vow(cmds[i]);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "usage: vow"));
		free(r.out);
	}
}

static void test_show_json(void **state)
{
	(void)state;
	struct run r = run_vow(
	    (const char *[]){"policy", "show", "examples/policies/ambsonic.yaml", "--json", NULL});
	assert_int_equal(r.status, 0);
	json_error_t err;
	json_t *j = json_loads(r.out, 0, &err);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "controller"), "country")), "EE");
	/* billing records are never used for marketing */
	json_t *purposes = json_object_get(j, "purposes"), *u;
	size_t i;
	bool seen = false;
	json_array_foreach(purposes, i, u)
	{
		if (strcmp(json_string_value(json_object_get(u, "key")),
		           "marketing.communications.email") != 0)
			continue;
		seen = true;
		json_t *c;
		size_t k;
		json_array_foreach(json_object_get(u, "categories"), k, c)
		    assert_null(strstr(json_string_value(c), "user.financial"));
	}
	assert_true(seen);
	json_decref(j);
	free(r.out);
}

static void test_init(void **state)
{
	(void)state;
	char dir[] = "/tmp/vow-init-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char data[300];
	snprintf(data, sizeof(data), "%s/data", dir);
	struct run r = run_vow((const char *[]){"init", data, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "fingerprint"));
	free(r.out);
	char path[400];
	struct stat st;
	snprintf(path, sizeof(path), "%s/master.key", data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	size_t klen;
	char *key = slurp(path, &klen);
	assert_int_equal(klen, 18 + 64 + 1);
	assert_memory_equal(key, "vow-master-key-v1 ", 18);
	snprintf(path, sizeof(path), "%s", data);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* the policy is the example, and checks */
	snprintf(path, sizeof(path), "%s/policy.yaml", data);
	r = run_vow((const char *[]){"policy", "check", path, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Amberscript"));
	free(r.out);
	/* a second init never overwrites the key */
	r = run_vow((const char *[]){"init", data, NULL});
	assert_int_equal(r.status, 3);
	assert_non_null(strstr(r.out, "refusing to overwrite"));
	free(r.out);
	size_t klen2;
	char *key2 = slurp(
	    data[0] ? (snprintf(path, sizeof(path), "%s/master.key", data), path) : path, &klen2);
	assert_int_equal(klen, klen2);
	assert_memory_equal(key, key2, klen);
	/* two inits make different keys */
	char data2[300];
	snprintf(data2, sizeof(data2), "%s/data2", dir);
	r = run_vow(
	    (const char *[]){"init", data2, "--policy", "examples/policies/amper.yaml", NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	snprintf(path, sizeof(path), "%s/master.key", data2);
	char *key3 = slurp(path, NULL);
	assert_memory_not_equal(key, key3, klen);
	/* an invalid policy creates nothing */
	char data3[300];
	snprintf(data3, sizeof(data3), "%s/data3", dir);
	r = run_vow((const char *[]){"init", data3, "--policy",
	                             "tests/policies/invalid/basis_unknown.yaml", NULL});
	assert_int_equal(r.status, 1);
	free(r.out);
	assert_int_not_equal(stat(data3, &st), 0);
	free(key);
	free(key2);
	free(key3);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* the vault through the CLI: init creates the stores; data round-trips;
 * rotation keeps it readable; erase prints a receipt; bad input exits 1 */
static void test_vault_commands(void **state)
{
	(void)state;
	char dir[] = "/tmp/vow-cli-vault-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char data[300];
	snprintf(data, sizeof(data), "%s/data", dir);
	struct run r = run_vow((const char *[]){"init", data, NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	char path[400];
	struct stat st;
	snprintf(path, sizeof(path), "%s/keys.db", data);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/data.db", data);
	assert_int_equal(stat(path, &st), 0);

	r = run_vow((const char *[]){"subject", "create", "--data", data, "--email",
	                             "cli@example.com", "--region", "NL", NULL});
	assert_int_equal(r.status, 0);
	char id[40] = "";
	assert_int_equal(sscanf(r.out, "%39s", id), 1);
	assert_int_equal(strlen(id), 32);
	free(r.out);
	r = run_vow((const char *[]){"subject", "find", "--data", data, "--email",
	                             "CLI@example.com", NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, id));
	free(r.out);
	r = run_vow((const char *[]){"record", "put", "--data", data, id, "user.name",
	                             "{\"first\":\"Cli\"}", "--purpose", "essential.service",
	                             NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	r = run_vow((const char *[]){"record", "put", "--data", data, id, "user.name", "{broken",
	                             "--purpose", "essential.service", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "invalid_input"));
	free(r.out);
	/* decided: training does not use names; no purpose at all is a usage error */
	r = run_vow((const char *[]){"record", "get", "--data", data, id, "user.name", "--purpose",
	                             "train_ai_system", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "denied by the policy (category_not_in_purpose)"));
	free(r.out);
	r = run_vow((const char *[]){"record", "get", "--data", data, id, "user.name", NULL});
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "--purpose"));
	free(r.out);
	r = run_vow((const char *[]){"record", "get", "--data", data,
	                             "0123456789abcdef0123456789abcdef", "user.name", "--purpose",
	                             "essential.service", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "not_found"));
	free(r.out);
	/* a file through the CLI, byte for byte */
	snprintf(path, sizeof(path), "%s/in.bin", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 200000; i++)
		fputc((i * 31) & 0xff, f);
	fclose(f);
	r = run_vow((const char *[]){"file", "put", "--data", data, id, "user.content.audio", path,
	                             "--type", "audio/wav", "--purpose", "essential.service",
	                             NULL});
	assert_int_equal(r.status, 0);
	char fid[40] = "";
	assert_int_equal(sscanf(r.out, "%39s", fid), 1);
	free(r.out);

	r = run_vow((const char *[]){"key", "rotate", "--data", data, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "rotated"));
	free(r.out);
	r = run_vow((const char *[]){"record", "get", "--data", data, id, "user.name", "--purpose",
	                             "essential.service", NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "{\"first\":\"Cli\"}"));
	free(r.out);
	r = run_vow((const char *[]){"file", "get", "--data", data, fid, "--purpose",
	                             "essential.service", NULL});
	assert_int_equal(r.status, 0);
	size_t inlen;
	char *in = slurp(path, &inlen);
	assert_memory_equal(r.out, in, inlen);
	free(in);
	free(r.out);

	r = run_vow((const char *[]){"subject", "erase", "--data", data, id, NULL});
	assert_int_equal(r.status, 0);
	json_error_t jerr;
	json_t *j = json_loads(r.out, 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "subject")), id);
	assert_int_equal(json_array_size(json_object_get(j, "destroyed")), 2);
	json_decref(j);
	free(r.out);
	r = run_vow((const char *[]){"record", "get", "--data", data, id, "user.name", "--purpose",
	                             "essential.service", NULL});
	assert_int_equal(r.status, 1);
	free(r.out);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* `vow consent verify RECEIPT` checks a receipt the CLI itself produced */
static void test_consent_commands(void **state)
{
	(void)state;
	char dir[] = "/tmp/vow-cli-consent-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char data[300], receipt[320];
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(receipt, sizeof(receipt), "%s/receipt.json", dir);
	struct run r = run_vow((const char *[]){"init", data, NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	r = run_vow((const char *[]){"subject", "create", "--data", data, "--email",
	                             "c@example.com", NULL});
	char id[40] = "";
	assert_int_equal(sscanf(r.out, "%39s", id), 1);
	free(r.out);
	r = run_vow((const char *[]){"consent", "give", "--data", data, id, "analytics.reporting",
	                             "--method", "banner", "--ip", "192.0.2.9", NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"signature\""));
	FILE *f = fopen(receipt, "w");
	assert_non_null(f);
	fputs(r.out, f);
	fclose(f);
	free(r.out);
	r = run_vow((const char *[]){"consent", "verify", "--data", data, receipt, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "valid receipt"));
	free(r.out);
	r = run_vow((const char *[]){"consent", "public-key", "--data", data, NULL});
	char pk[80] = "";
	assert_int_equal(sscanf(r.out, "%79s", pk), 1);
	assert_int_equal(strlen(pk), 64);
	free(r.out);
	/* with the public key alone, no data directory needed */
	r = run_vow((const char *[]){"consent", "verify", receipt, "--public-key", pk, NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	/* one changed character and it fails */
	size_t len;
	char *text = slurp(receipt, &len);
	char *at = strstr(text, "192.0.2.0");
	assert_non_null(at);
	at[8] = '1';
	f = fopen(receipt, "w");
	fwrite(text, 1, len, f);
	fclose(f);
	free(text);
	r = run_vow((const char *[]){"consent", "verify", receipt, "--public-key", pk, NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "NOT valid"));
	free(r.out);
	r = run_vow((const char *[]){"consent", "withdraw", "--data", data, id,
	                             "analytics.reporting", NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	r = run_vow((const char *[]){"audit", "verify", "--data", data, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "audit log intact"));
	free(r.out);
	r = run_vow((const char *[]){"audit", "subject", "--data", data, id, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "consent.given"));
	assert_non_null(strstr(r.out, "consent.withdrawn"));
	free(r.out);
	r = run_vow((const char *[]){"consent", "history", "--data", data, id, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"state\":\"given\""));
	assert_non_null(strstr(r.out, "\"state\":\"withdrawn\""));
	free(r.out);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* vow key: created (optionally expiring), listed without secrets, revoked;
 * the last admin key in force stays. */
static void test_key_commands(void **state)
{
	(void)state;
	char dir[] = "/tmp/vow-cli-key-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char data[300], key[128], id[17];
	snprintf(data, sizeof(data), "%s/data", dir);
	struct run r = run_vow((const char *[]){"init", data, NULL});
	assert_int_equal(r.status, 0);
	const char *init_key = strstr(r.out, "vow_");
	assert_non_null(init_key);
	char admin_id[17];
	memcpy(admin_id, init_key + 4, 16);
	admin_id[16] = '\0';
	free(r.out);
	r = run_vow((const char *[]){"key", "create", "--role", "service", "--expires", "90d",
	                             "--data", data, NULL});
	assert_int_equal(r.status, 0);
	assert_int_equal(sscanf(r.out, "%127s", key), 1);
	assert_int_equal(strlen(key), 85);
	memcpy(id, key + 4, 16);
	id[16] = '\0';
	free(r.out);
	r = run_vow((const char *[]){"key", "list", "--data", data, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, id));
	assert_non_null(strstr(r.out, admin_id));
	assert_null(strstr(r.out, key + 21)); /* never the secret */
	assert_null(strstr(r.out, "vow_"));   /* nor a whole key */
	assert_non_null(strstr(r.out, "active"));
	free(r.out);
	r = run_vow((const char *[]){"key", "list", "--json", "--data", data, NULL});
	assert_int_equal(r.status, 0);
	json_t *mine = NULL;
	for (char *line = strtok(r.out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);
		assert_non_null(j);
		assert_null(json_object_get(j, "hash"));
		if (strcmp(json_string_value(json_object_get(j, "id")), id) == 0)
			mine = json_incref(j);
		json_decref(j);
	}
	assert_non_null(mine);
	assert_string_equal(json_string_value(json_object_get(mine, "role")), "service");
	long long expires = json_integer_value(json_object_get(mine, "expires_at")),
	          created = json_integer_value(json_object_get(mine, "created_at"));
	assert_true(expires - created >= 90LL * 86400 - 5 && expires - created <= 90LL * 86400 + 5);
	json_decref(mine);
	free(r.out);
	/* expiries in the past, or nonsense, are refused */
	static const char *const bad[] = {"2001-01-01", "0d", "-3d", "12x", "soon"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		r = run_vow((const char *[]){"key", "create", "--role", "service", "--expires",
		                             bad[i], "--data", data, NULL});
		assert_int_equal(r.status, 2);
		free(r.out);
	}
	r = run_vow((const char *[]){"key", "revoke", id, "--data", data, NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	r = run_vow((const char *[]){"key", "revoke", id, "--data", data, NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "revoked already"));
	free(r.out);
	r = run_vow((const char *[]){"key", "revoke", "0123456789abcdef", "--data", data, NULL});
	assert_int_equal(r.status, 1);
	free(r.out);
	r = run_vow((const char *[]){"key", "list", "--data", data, NULL});
	assert_non_null(strstr(strstr(r.out, id), "revoked"));
	free(r.out);
	r = run_vow((const char *[]){"key", "revoke", admin_id, "--data", data, NULL});
	assert_int_equal(r.status, 1); /* the last admin key */
	assert_non_null(strstr(r.out, "vow key create --role admin"));
	free(r.out);
	assert_int_equal(remove_tree(dir), 0);
}

/* `policy diff` names each change and exits 4 when any is material */
/* vow request: file, list, verify by staff, carry out, show, deny, extend. */
static void test_request_commands(void **state)
{
	(void)state;
	char dir[] = "/tmp/vow-cli-request-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char data[300];
	snprintf(data, sizeof(data), "%s/data", dir);
	struct run r = run_vow((const char *[]){"init", data, NULL});
	free(r.out);
	r = run_vow((const char *[]){"subject", "create", "--data", data, "--email",
	                             "r@example.com", NULL});
	char s[40] = "", id[40] = "", id2[40] = "";
	assert_int_equal(sscanf(r.out, "%39s", s), 1);
	free(r.out);
	r = run_vow((const char *[]){"request", "file", s, "access", "--data", data, NULL});
	assert_int_equal(r.status, 0);
	assert_int_equal(sscanf(r.out, "%39s", id), 1);
	free(r.out);
	r = run_vow((const char *[]){"request", "process", id, "--data", data, NULL});
	assert_int_equal(r.status, 1); /* not verified: the person has the code */
	assert_non_null(strstr(r.out, "not verified yet"));
	free(r.out);
	r = run_vow((const char *[]){"request", "list", "--open", "--data", data, NULL});
	assert_non_null(strstr(r.out, id));
	assert_non_null(strstr(r.out, "received"));
	free(r.out);
	r = run_vow(
	    (const char *[]){"request", "extend", id, "3", "too much", "--data", data, NULL});
	assert_int_equal(r.status, 1);
	free(r.out);
	r = run_vow((const char *[]){"request", "extend", id, "2", "a large archive", "--data",
	                             data, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "due "));
	free(r.out);
	r = run_vow(
	    (const char *[]){"request", "deny", id, "art17_3_b", "x", "--data", data, NULL});
	assert_int_equal(r.status, 1); /* an erasure ground for an access request */
	free(r.out);
	r = run_vow((const char *[]){"request", "deny", id, "identity_not_verified",
	                             "no answer to the code", "--data", data, NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	r = run_vow((const char *[]){
	    "request", "file", s, "rectification", "--verified", "--detail",
	    "{\"category\":\"user.name\",\"value\":{\"first\":\"Ria\"}}", "--data", data, NULL});
	assert_int_equal(r.status, 0);
	assert_int_equal(sscanf(r.out, "%39s", id2), 1);
	free(r.out);
	r = run_vow((const char *[]){"request", "process", id2, "--data", data, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"rectified\":\"user.name\""));
	free(r.out);
	r = run_vow((const char *[]){"request", "show", id2, "--data", data, NULL});
	assert_non_null(strstr(r.out, "completed"));
	assert_non_null(strstr(r.out, "verified"));
	free(r.out);
	r = run_vow((const char *[]){"record", "get", s, "user.name", "--purpose",
	                             "essential.service", "--data", data, NULL});
	assert_non_null(strstr(r.out, "Ria"));
	free(r.out);
	r = run_vow((const char *[]){"request", "file", s, "teleport", "--data", data, NULL});
	assert_int_equal(r.status, 1);
	free(r.out);
	/* this business's id in the Data Rights Protocol network */
	r = run_vow((const char *[]){"agent", "business-id", "--data", data, NULL});
	assert_string_equal(r.out, "VOW\n");
	free(r.out);
	r = run_vow((const char *[]){"agent", "business-id", "AMBERSCRIPT", "--data", data, NULL});
	assert_int_equal(r.status, 0);
	free(r.out);
	r = run_vow((const char *[]){"agent", "business-id", "not valid", "--data", data, NULL});
	assert_int_equal(r.status, 1);
	free(r.out);
	r = run_vow((const char *[]){"agent", "business-id", "--data", data, NULL});
	assert_string_equal(r.out, "AMBERSCRIPT\n");
	free(r.out);
	assert_int_equal(remove_tree(dir), 0);
}

static void test_policy_diff(void **state)
{
	(void)state;
	const char *as = "examples/policies/amberscript.yaml";
	struct run r = run_vow((const char *[]){"policy", "diff", as, as, NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "0 changes, 0 material"));
	free(r.out);
	r = run_vow((const char *[]){"policy", "diff", as, "examples/policies/amper.yaml", NULL});
	assert_int_equal(r.status, 4);
	assert_non_null(strstr(r.out, "material the controller changed from"));
	assert_non_null(strstr(r.out, "material new purpose"));
	free(r.out);
	/* the same as JSON, for release scripts */
	r = run_vow(
	    (const char *[]){"policy", "diff", as, "examples/policies/amper.yaml", "--json", NULL});
	assert_int_equal(r.status, 4);
	json_error_t jerr;
	json_t *j = json_loads(r.out, 0, &jerr);
	assert_non_null(j);
	json_t *changes = json_object_get(j, "changes"), *ch;
	size_t i, material = 0;
	json_array_foreach(changes, i, ch)
	{
		assert_non_null(json_string_value(json_object_get(ch, "text")));
		material += json_is_true(json_object_get(ch, "material"));
	}
	assert_true(material > 0);
	assert_int_equal(json_integer_value(json_object_get(j, "material")), (json_int_t)material);
	json_decref(j);
	free(r.out);
	r = run_vow((const char *[]){"policy", "diff", as, NULL});
	assert_int_equal(r.status, 2);
	free(r.out);
	r = run_vow(
	    (const char *[]){"policy", "diff", as, "tests/policies/invalid/yaml_tag.yaml", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "yaml_tag.yaml:"));
	free(r.out);
}

/* ---- retention at its boundaries, through `vow retention` ---- */

static char *run_out(const char *const *args)
{
	struct run r = run_vow(args);
	if (r.status != 0)
		fail_msg("vow exited %d: %s", r.status, r.out);
	return r.out;
}

/* `vow retention plan` and `run --dry-run` list an item from its due
 * second (or its notice's), not a second, let alone a day, earlier. */
static void test_retention_boundaries(void **state)
{
	(void)state;
	char dir[] = "/tmp/vow-cli-retention-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char data[300];
	snprintf(data, sizeof(data), "%s/data", dir);
	free(run_out((const char *[]){"init", data, NULL}));
	free(run_out((const char *[]){"config", "set", "public-url", "https://privacy.example.test",
	                              "--data", data, NULL}));
	char *subject = run_out((const char *[]){"subject", "create", "--data", data, "--email",
	                                         "edge@example.nl", NULL});
	subject[strcspn(subject, "\n")] = '\0';
	free(run_out((const char *[]){"file", "put", "--data", data, subject,
	                              "user.content.transcript", "README.md", "--purpose",
	                              "essential.service", NULL}));
	/* the plan prints the due time: six months on, the notice a week before */
	char *plan = run_out(
	    (const char *[]){"retention", "plan", "--data", data, "--days", "400", NULL});
	assert_non_null(strstr(plan, subject));
	char due_s[21];
	assert_int_equal(sscanf(plan, "%20s", due_s), 1);
	free(plan);
	int64_t due = 0;
	assert_true(time_parse(due_s, &due));
	char before[21], notice[21], notice_before[21];
	clock_format(due - 1, before);
	clock_format(due - 7 * 86400, notice);
	clock_format(due - 7 * 86400 - 1, notice_before);
	/* the plan */
	char *out = run_out((const char *[]){"retention", "plan", "--data", data, "--days", "0",
	                                     "--now", before, NULL});
	assert_null(strstr(out, subject));
	free(out);
	out = run_out((const char *[]){"retention", "plan", "--data", data, "--days", "0", "--now",
	                               due_s, NULL});
	assert_non_null(strstr(out, subject));
	free(out);
	out = run_out((const char *[]){"retention", "plan", "--data", data, "--days", "1", "--now",
	                               notice, NULL});
	assert_null(strstr(out, subject)); /* seven days ahead, not within one */
	free(out);
	/* the dry run: the notice from its second */
	out = run_out((const char *[]){"retention", "run", "--data", data, "--dry-run", "--now",
	                               notice_before, NULL});
	assert_null(strstr(out, "would notice"));
	free(out);
	out = run_out((const char *[]){"retention", "run", "--data", data, "--dry-run", "--now",
	                               notice, NULL});
	assert_non_null(strstr(out, "would notice 1 user.content.transcript"));
	free(out);
	/* the notice given, the deletion from its second */
	out = run_out((const char *[]){"retention", "run", "--data", data, "--now", notice, NULL});
	assert_non_null(strstr(out, "1 notices"));
	free(out);
	out = run_out((const char *[]){"retention", "run", "--data", data, "--dry-run", "--now",
	                               before, NULL});
	assert_null(strstr(out, "would delete"));
	free(out);
	out = run_out((const char *[]){"retention", "run", "--data", data, "--dry-run", "--now",
	                               due_s, NULL});
	assert_non_null(strstr(out, "would delete 1 user.content.transcript"));
	free(out);
	free(subject);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_examples),
	    cmocka_unit_test(test_check_invalid_format),
	    cmocka_unit_test(test_check_unreadable),
	    cmocka_unit_test(test_check_hostile_files),
	    cmocka_unit_test(test_help_everywhere),
	    cmocka_unit_test(test_key_commands),
	    cmocka_unit_test(test_show_json),
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_vault_commands),
	    cmocka_unit_test(test_consent_commands),
	    cmocka_unit_test(test_policy_diff),
	    cmocka_unit_test(test_request_commands),
	    cmocka_unit_test(test_retention_boundaries),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
