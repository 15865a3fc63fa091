/* http/http.h — `vow serve`: the JSON API over libvow (libmicrohttpd). */
#ifndef VOW_HTTP_H
#define VOW_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Every limit the server enforces, with its default. */
struct http_config {
	const char *data_dir;      /* the data directory (policy.yaml inside) */
	const char *address;       /* listen address, default 127.0.0.1 */
	uint16_t port;             /* default 8080; 0 picks a free port */
	size_t max_body;           /* bytes of a JSON body, default 1 MiB */
	unsigned max_json_depth;   /* default 32 */
	unsigned max_json_members; /* values in one body, default 10,000 */
	size_t max_header;         /* per-connection memory for headers, default 32 KiB */
	unsigned max_connections;  /* default 256 */
	unsigned rate_per_key;     /* requests per second per API key, default 1,000; 0: none */
	unsigned timeout;          /* seconds an idle or slow connection may last, default 30 */
	unsigned threads;          /* worker threads, default 2 */
	const char *port_file;     /* when set, the bound port is written there */
	int audit;                 /* 1 (default): every decision is audited; 0: off (benchmarks) */
	const char *smtp_url;      /* smtp://host:port for e-mail (NULL: e-mails wait queued) */
	const char *mail_from;     /* From: of vow's e-mails, default privacy@localhost */
	const char *public_url;    /* base of links in e-mails: stored as the public_url setting */
	unsigned sweep_interval;   /* seconds between retention sweeps, default 3600; 0: none */
	unsigned send_interval;    /* seconds between outbox deliveries, default 1; 0: none */
	unsigned send_timeout; /* seconds one delivery may take, default 10 (its lease: 10 more) */
};

/* Fills cfg with the defaults. */
void http_config_defaults(struct http_config *cfg);

/* Serves until SIGTERM or SIGINT (in-flight requests finish); SIGHUP
 * reloads the policy atomically (a bad policy keeps the old one and is
 * logged). Returns a process exit code. */
int http_serve(const struct http_config *cfg);

/* The routes the server answers, as "METHOD /path/{param}" strings, for
 * checking the OpenAPI document against. *n receives the count. */
const char *const *http_routes(size_t *n);

#endif
