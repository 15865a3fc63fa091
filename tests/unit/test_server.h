/* tests/unit/test_server.h — helpers for tests that drive a real `vow serve`
 * (header-only; one per test program): running the vow binary, starting
 * and stopping the server on a free loopback port, and HTTP requests with
 * libcurl. The program defines dir (a mkdtemp template) and fills data,
 * port_file and log_file in its setup. */
#ifndef VOW_TEST_SERVER_H
#define VOW_TEST_SERVER_H

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_support.h"

extern char **environ;

static char data[300], port_file[320], log_file[320];
static pid_t server;
static unsigned port;
static char admin[128], service[128];

static char *run_capture(const char *const *args)
{
	char out[] = "/tmp/vow-http-out-XXXXXX";
	int fd = mkstemp(out);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	pid_t pid;
	const char *bin = getenv("VOW_BIN");
	const char *argv[16] = {bin};
	for (size_t i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = args[i];
	if (posix_spawn(&pid, bin, &fa, NULL, (char *const *)argv, environ) != 0)
		return NULL;
	posix_spawn_file_actions_destroy(&fa);
	int st;
	waitpid(pid, &st, 0);
	close(fd);
	char *text = slurp(out, NULL);
	unlink(out);
	char *nl = strchr(text, '\n');
	if (nl != NULL)
		*nl = '\0';
	return text;
}

/* Sets data, port_file and log_file under the test's directory root. */
static inline void server_paths(const char *root_dir)
{
	snprintf(data, sizeof(data), "%s/data", root_dir);
	snprintf(port_file, sizeof(port_file), "%s/port", root_dir);
	snprintf(log_file, sizeof(log_file), "%s/server.log", root_dir);
}

/* Waits (10 s at most) until a server has written its port to path. */
static bool wait_port_file(const char *path, unsigned *out)
{
	for (int i = 0; i < 400; i++) {
		FILE *f = fopen(path, "r");
		if (f != NULL) {
			int ok = fscanf(f, "%u", out);
			fclose(f);
			if (ok == 1 && *out > 0)
				return true;
		}
		usleep(25000);
	}
	return false;
}

/* Starts a test peer (tests/tools/SCRIPT, with Debian's Python) that
 * writes its port to port_file and its log into out_dir; fails the test if
 * it does not come up. */
static inline void start_peer(const char *script, const char *port_file_path, const char *out_dir,
                              pid_t *pid, unsigned *peer_port)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/tools/%s", script);
	const char *argv[] = {"/usr/bin/python3", path, port_file_path, out_dir, NULL};
	assert_int_equal(posix_spawn(pid, argv[0], NULL, NULL, (char *const *)argv, environ), 0);
	if (!wait_port_file(port_file_path, peer_port))
		fail_msg("%s did not start", script);
}

/* Stops a test peer. */
static inline void stop_peer(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

/* Creates an API key with `vow key create --role ROLE [--staff STAFF]`
 * into out; false unless it looks like a key. */
static bool make_key(const char *role, const char *staff_id, char out[128])
{
	char *k = run_capture(
	    staff_id != NULL
	        ? (const char *[]){"key", "create", "--data", data, "--role", role, "--staff",
	                           staff_id, NULL}
	        : (const char *[]){"key", "create", "--data", data, "--role", role, NULL});
	snprintf(out, 128, "%s", k != NULL ? k : "");
	free(k);
	return strncmp(out, "vow_", 4) == 0;
}

/* A test program that ends early (a failed assertion in a setup, a
 * sanitizer abort) must not leave its server running: it would hold the
 * runner's output pipe open and hang the whole test command. */
static void kill_server_at_exit(void)
{
	if (server > 0)
		kill(server, SIGKILL);
}

static void start_server(const char *const *extra)
{
	static bool registered;
	if (!registered)
		registered = atexit(kill_server_at_exit) == 0;
	if (server > 0) { /* left running by a test that failed part-way */
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
		server = 0;
	}
	unlink(port_file);
	const char *bin = getenv("VOW_BIN");
	const char *argv[24] = {bin,        "serve",       "--data",      data,
	                        "--listen", "127.0.0.1:0", "--port-file", port_file};
	size_t n = 8;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
		argv[n++] = extra[i];
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, log_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_int_equal(posix_spawn(&server, bin, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	if (wait_port_file(port_file, &port))
		return;
	fail_msg("the server did not start (see %s)", log_file);
}

static int stop_server(void)
{
	kill(server, SIGTERM);
	int st = 0;
	waitpid(server, &st, 0);
	server = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct buf {
	char *p;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	char *np = realloc(b->p, b->len + size * n + 1);
	if (np == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, ptr, size * n);
	b->len += size * n;
	b->p[b->len] = '\0';
	return size * n;
}

/* One request. key NULL: none. Returns the status; *out the body (caller frees). */
static long req(const char *method, const char *path, const char *key, const char *purpose,
                const char *body, size_t body_len, const char *const *headers, char **out)
{
	CURL *c = curl_easy_init();
	assert_non_null(c);
	char url[512], h[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	struct curl_slist *hl = NULL;
	if (key != NULL) {
		snprintf(h, sizeof(h), "Authorization: Bearer %s", key);
		hl = curl_slist_append(hl, h);
	}
	if (purpose != NULL) {
		snprintf(h, sizeof(h), "Vow-Purpose: %s", purpose);
		hl = curl_slist_append(hl, h);
	}
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	struct buf b = {0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
	}
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	if (out != NULL)
		*out = b.p != NULL ? b.p : strdup("");
	else
		free(b.p);
	return status;
}

static long jreq(const char *method, const char *path, const char *key, const char *purpose,
                 const char *body, json_t **out)
{
	char *text = NULL;
	long st = req(method, path, key, purpose, body, body != NULL ? strlen(body) : 0,
	              (const char *[]){"Content-Type: application/json", NULL}, &text);
	json_error_t e;
	*out = json_loads(text, JSON_DECODE_ANY, &e);
	free(text);
	return st;
}

#endif
