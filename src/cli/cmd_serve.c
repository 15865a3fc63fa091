/* cli/cmd_serve.c — `vow serve`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "http/http.h"
#include "notify/notify.h"
#include "vow.h"

static const char serve_usage[] =
    "usage: vow serve [--data DIR] [--listen ADDRESS:PORT] [--port-file FILE]\n"
    "                 [--max-body BYTES] [--max-connections N] [--rate N] [--timeout SECONDS]\n"
    "                 [--threads N] [--smtp smtp://HOST:PORT] [--mail-from ADDRESS]\n"
    "                 [--public-url URL] [--sweep-interval SECONDS] [--send-interval SECONDS]\n"
    "                 [--send-timeout SECONDS] [--config FILE]\n"
    "\n"
    "Serves the HTTP/JSON API (docs/api.md, docs/openapi.json) on ADDRESS:PORT\n"
    "(default 127.0.0.1:8080; port 0 picks a free one, written to --port-file).\n"
    "SIGHUP reloads DIR/policy.yaml (a bad policy keeps the old one);\n"
    "SIGTERM finishes the requests in flight and exits.\n"
    "In the background it delivers the outbox (e-mail over --smtp, webhooks over\n"
    "HTTP) every --send-interval seconds (default 1; each delivery may take\n"
    "--send-timeout seconds, default 10, at most 60) and runs a retention sweep\n"
    "every --sweep-interval seconds (default 3600; 0 turns either off).\n"
    "--public-url (http(s)://HOST[:PORT][/PATH], where people reach vow) is\n"
    "stored as the public-url setting (vow config) that every link in an e-mail\n"
    "is made from; without one, notices and download links wait.\n";

static bool number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* One setting, from a flag ("--name") or a config line ("name"); val must
 * outlive the server (argv, or the config file's static copies). */
static int apply(const char *opt, const char *val, struct http_config *cfg, char *address,
                 size_t cap)
{
	unsigned long long n = 0;
	if (opt[0] == '-' && opt[1] == '-')
		opt += 2;
	if (strcmp(opt, "data") == 0)
		cfg->data_dir = val;
	else if (strcmp(opt, "port-file") == 0)
		cfg->port_file = val;
	else if (strcmp(opt, "listen") == 0) {
		const char *colon = strrchr(val, ':');
		if (colon == NULL || (size_t)(colon - val) >= cap || !number(colon + 1, 65535, &n))
			return -1;
		snprintf(address, cap, "%.*s", (int)(colon - val), val);
		cfg->address = address;
		cfg->port = (uint16_t)n;
	} else if (strcmp(opt, "max-body") == 0 && number(val, 1ull << 30, &n) && n > 0)
		cfg->max_body = (size_t)n;
	else if (strcmp(opt, "max-connections") == 0 && number(val, 100000, &n) && n > 0)
		cfg->max_connections = (unsigned)n;
	else if (strcmp(opt, "rate") == 0 && number(val, 10000000, &n))
		cfg->rate_per_key = (unsigned)n;
	else if (strcmp(opt, "timeout") == 0 && number(val, 3600, &n) && n > 0)
		cfg->timeout = (unsigned)n;
	else if (strcmp(opt, "threads") == 0 && number(val, 64, &n) && n > 0)
		cfg->threads = (unsigned)n;
	else if (strcmp(opt, "audit") == 0 && (strcmp(val, "on") == 0 || strcmp(val, "off") == 0))
		cfg->audit = strcmp(val, "on") == 0;
	else if (strcmp(opt, "smtp") == 0 && strncmp(val, "smtp://", 7) == 0)
		cfg->smtp_url = val;
	else if (strcmp(opt, "mail-from") == 0 && strchr(val, '@') != NULL &&
	         strpbrk(val, "\r\n<> ") == NULL)
		cfg->mail_from = val;
	else if (strcmp(opt, "public-url") == 0 && notify_url_ok(val))
		cfg->public_url = val;
	else if (strcmp(opt, "sweep-interval") == 0 && number(val, 86400 * 7, &n))
		cfg->sweep_interval = (unsigned)n;
	else if (strcmp(opt, "send-interval") == 0 && number(val, 3600, &n))
		cfg->send_interval = (unsigned)n;
	else if (strcmp(opt, "send-timeout") == 0 &&
	         number(val, NOTIFY_TIMEOUT_MS_MAX / 1000, &n) && n > 0)
		cfg->send_timeout = (unsigned)n;
	else
		return -1;
	return 0;
}

/* Reads 'name = value' lines; reports the first bad line. */
static int read_config(const char *path, struct http_config *cfg, char *address, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "vow serve: cannot read config '%s'\n", path);
		return -1;
	}
	char line[1024];
	int no = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		no++;
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		static char values[16][900];
		static int used;
		char name[64];
		if (used == 16) {
			rc = -1;
			break;
		}
		char *value = values[used];
		if (sscanf(line, " %63[a-z_-] = %899s", name, value) != 2) {
			if (strspn(line, " \t\r\n") != strlen(line))
				rc = -1;
			continue;
		}
		for (char *p = name; *p; p++)
			if (*p == '_')
				*p = '-';
		rc = apply(name, value, cfg, address, cap);
		used++;
	}
	fclose(f);
	if (rc != 0)
		fprintf(stderr,
		        "vow serve: %s:%d: not a setting (name = value; see vow serve --help)\n",
		        path, no);
	return rc;
}

int cli_serve(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(serve_usage, stdout);
		return CLI_OK;
	}
	struct http_config cfg;
	http_config_defaults(&cfg);
	if (getenv("VOW_DATA") != NULL)
		cfg.data_dir = getenv("VOW_DATA");
	static char address[64];
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (val == NULL)
			goto usage;
		i++;
		if (strcmp(opt, "--config") == 0) {
			if (read_config(val, &cfg, address, sizeof(address)) != 0)
				return CLI_USAGE;
			continue;
		}
		if (apply(opt, val, &cfg, address, sizeof(address)) != 0)
			goto usage;
	}
	/* one server per data directory, and nothing that must not run beside
	 * one (key rotation) while it runs */
	int lock = -1;
	long holder = 0;
	vow_err err = vault_dir_lock(cfg.data_dir, &lock, &holder);
	if (err == VOW_ERR_EXISTS) {
		fprintf(stderr, "vow serve: another process (pid %ld) holds %s: one server per data "
		                "directory\n",
		        holder, cfg.data_dir);
		return CLI_FAILURE;
	}
	if (err != VOW_OK) {
		fprintf(stderr, "vow serve: cannot lock %s: %s\n", cfg.data_dir, vow_err_message(err));
		return CLI_FAILURE;
	}
	int rc = http_serve(&cfg);
	vault_dir_unlock(&lock);
	return rc;
usage:
	fputs(serve_usage, stderr);
	return CLI_USAGE;
}
