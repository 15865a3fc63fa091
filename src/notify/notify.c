/* notify/notify.c — queueing messages and delivering them with libcurl. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "notify/notify.h"
#include "util/clock.h"

vow_err notify_email(struct vault *v, const char *subject, const char *template_name,
                     const json_t *vars, const char *idem, bool held)
{
	struct vault_subject s;
	vow_err err = vault_subject_get(v, subject, &s);
	if (err != VOW_OK)
		return err;
	char *subj = NULL, *text = NULL;
	const char *locale = s.locale;
	if (locale == NULL && vault_policy(v) != NULL)
		locale = vault_policy(v)->language;
	if (s.email == NULL)
		err = VOW_ERR_NOT_FOUND;
	if (err == VOW_OK)
		err = notify_render(template_name, locale, vars, &subj, &text);
	char *body = NULL;
	if (err == VOW_OK) {
		json_t *b = json_pack("{s:s, s:s}", "subject", subj, "text", text);
		body = b != NULL ? json_dumps(b, JSON_COMPACT) : NULL;
		vault_json_wipe(b, "text");
		json_decref(b);
		err = body == NULL ? VOW_ERR_NOMEM : VOW_OK;
	}
	if (err == VOW_OK) {
		struct vault_message m = {VAULT_EMAIL, idem, subject, template_name,
		                          s.email,     body, held};
		err = vault_outbox_add(v, &m, NULL);
	}
	if (body != NULL)
		crypto_wipe(body, strlen(body));
	if (text != NULL)
		crypto_wipe(text, strlen(text));
	free(body);
	free(subj);
	free(text);
	vault_subject_clear(&s);
	return err;
}

vow_err notify_post(struct vault *v, const char *url, const char *subject, const char *event,
                    const char *body, const char *idem)
{
	if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return VOW_ERR_INVALID;
	struct vault_message m = {VAULT_WEBHOOK, idem, subject, event, url, body, false};
	return vault_outbox_add(v, &m, NULL);
}

vow_err notify_webhook(struct vault *v, const char *url, const char *subject, const char *event,
                       const json_t *data, const char *idem)
{
	if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return VOW_ERR_INVALID;
	char at[21];
	clock_format(clock_now(), at);
	json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:O}", "id", idem, "event", event, "subject",
	                      subject != NULL ? subject : "", "at", at, "data",
	                      data != NULL ? (json_t *)data : json_null());
	char *body = b != NULL ? json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(b);
	if (body == NULL)
		return VOW_ERR_NOMEM;
	vow_err err = notify_post(v, url, subject, event, body, idem);
	free(body);
	return err;
}

/* ---- delivery ---- */

/* Sets a libcurl option unless an earlier one failed (rc holds the first
 * failure, reported like a failed transfer). */
#define OPT(c, opt, val)                                                                           \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt((c), (opt), (val));                                  \
	} while (0)

struct upload {
	const char *p;
	size_t len, off;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
	struct upload *u = ud;
	size_t want = size * n, left = u->len - u->off;
	if (want > left)
		want = left;
	memcpy(buf, u->p + u->off, want);
	u->off += want;
	return want;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* An RFC 2047 encoded-word for a header value that is not plain ASCII. */
static char *header_word(const char *s)
{
	bool ascii = true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		ascii &= *p >= 0x20 && *p < 0x7f;
	if (ascii)
		return strdup(s);
	size_t len = strlen(s),
	       b64 = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *out = malloc(b64 + 16);
	if (out == NULL)
		return NULL;
	memcpy(out, "=?UTF-8?B?", 10);
	sodium_bin2base64(out + 10, b64, (const unsigned char *)s, len,
	                  sodium_base64_VARIANT_ORIGINAL);
	strcat(out, "?=");
	return out;
}

/* The whole RFC 5322 message for an e-mail item (caller frees). */
static char *mail_text(const struct notify_config *cfg, const struct vault_outbox_item *m)
{
	json_t *b = json_loads(m->body, 0, NULL);
	const char *subj = json_string_value(json_object_get(b, "subject"));
	const char *text = json_string_value(json_object_get(b, "text"));
	char *word = subj != NULL ? header_word(subj) : NULL;
	char *out = NULL;
	if (word != NULL && text != NULL) {
		unsigned char h[32];
		crypto_digest("vow message-id v1", m->idem, strlen(m->idem), h);
		char mid[33];
		sodium_bin2hex(mid, sizeof(mid), h, 16);
		char date[64];
		time_t t = (time_t)clock_now();
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
		size_t cap = strlen(text) * 2 + strlen(word) + 1024;
		out = malloc(cap);
		if (out != NULL) {
			size_t n = (size_t)snprintf(
			    out, cap,
			    "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: "
			    "<%s@vow>\r\nVow-Idempotency-Key: %s\r\nMIME-Version: 1.0\r\n"
			    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
			    "8bit\r\n\r\n",
			    cfg->mail_from, m->to, word, date, mid, m->idem);
			for (const char *p = text; *p && n + 3 < cap; p++) { /* bare LF -> CRLF */
				if (*p == '\n')
					out[n++] = '\r';
				out[n++] = *p;
			}
			out[n] = '\0';
		}
	}
	free(word);
	json_decref(b);
	return out;
}

static bool header_safe(const char *s)
{
	return strpbrk(s, "\r\n<>") == NULL;
}

static vow_err send_mail(const struct notify_config *cfg, const struct vault_outbox_item *m,
                         char *why, size_t cap)
{
	if (cfg->smtp_url == NULL) {
		snprintf(why, cap, "no SMTP server configured");
		return VOW_ERR_IO;
	}
	if (!header_safe(m->to) || !header_safe(cfg->mail_from)) {
		snprintf(why, cap, "address not usable in a header");
		return VOW_ERR_INVALID;
	}
	char *msg = mail_text(cfg, m);
	CURL *c = msg != NULL ? curl_easy_init() : NULL;
	if (c == NULL) {
		if (msg != NULL)
			crypto_wipe(msg, strlen(msg));
		free(msg);
		return VOW_ERR_NOMEM;
	}
	char from[400], rcpt[400];
	snprintf(from, sizeof(from), "<%s>", cfg->mail_from);
	snprintf(rcpt, sizeof(rcpt), "<%s>", m->to);
	struct curl_slist *to = curl_slist_append(NULL, rcpt);
	struct upload u = {msg, strlen(msg), 0};
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc = CURLE_OK;
	OPT(c, CURLOPT_URL, cfg->smtp_url);
	OPT(c, CURLOPT_MAIL_FROM, from);
	OPT(c, CURLOPT_MAIL_RCPT, to);
	OPT(c, CURLOPT_READFUNCTION, read_cb);
	OPT(c, CURLOPT_READDATA, &u);
	OPT(c, CURLOPT_UPLOAD, 1L);
	OPT(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
	OPT(c, CURLOPT_NOSIGNAL, 1L);
	OPT(c, CURLOPT_ERRORBUFFER, errbuf);
	if (rc == CURLE_OK)
		rc = to != NULL ? curl_easy_perform(c) : CURLE_OUT_OF_MEMORY;
	if (rc != CURLE_OK)
		snprintf(why, cap, "smtp: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(to);
	curl_easy_cleanup(c);
	crypto_wipe(msg, u.len);
	free(msg);
	return rc == CURLE_OK ? VOW_OK : VOW_ERR_IO;
}

static vow_err send_hook(struct vault *v, const struct notify_config *cfg,
                         const struct vault_outbox_item *m, char *why, size_t cap)
{
	if (!header_safe(m->idem) || !header_safe(m->template_name)) {
		snprintf(why, cap, "key not usable in a header");
		return VOW_ERR_INVALID;
	}
	char ts[24];
	snprintf(ts, sizeof(ts), "%lld", (long long)clock_now());
	size_t blen = strlen(m->body), slen = strlen(ts) + 1 + blen;
	char *signed_part = malloc(slen + 1);
	if (signed_part == NULL)
		return VOW_ERR_NOMEM;
	snprintf(signed_part, slen + 1, "%s.%s", ts, m->body);
	char sig[129];
	vow_err err = vault_sign_detached(v, signed_part, slen, sig);
	free(signed_part);
	if (err != VOW_OK)
		return err;
	CURL *c = curl_easy_init();
	if (c == NULL)
		return VOW_ERR_NOMEM;
	struct curl_slist *h = NULL;
	char lines[5][256];
	snprintf(lines[0], sizeof(lines[0]), "Content-Type: application/json");
	snprintf(lines[1], sizeof(lines[1]), "Idempotency-Key: %s", m->idem);
	snprintf(lines[2], sizeof(lines[2]), "Vow-Event: %s", m->template_name);
	snprintf(lines[3], sizeof(lines[3]), "Vow-Timestamp: %s", ts);
	snprintf(lines[4], sizeof(lines[4]), "Vow-Signature: ed25519=%s", sig);
	CURLcode rc = CURLE_OK;
	for (size_t i = 0; i < 5 && rc == CURLE_OK; i++) {
		struct curl_slist *more = curl_slist_append(h, lines[i]);
		if (more == NULL)
			rc = CURLE_OUT_OF_MEMORY; /* h stays as it was, freed below */
		else
			h = more;
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	OPT(c, CURLOPT_URL, m->to);
	OPT(c, CURLOPT_PROTOCOLS_STR, "http,https");
	OPT(c, CURLOPT_POSTFIELDS, m->body);
	OPT(c, CURLOPT_POSTFIELDSIZE, (long)blen);
	OPT(c, CURLOPT_HTTPHEADER, h);
	OPT(c, CURLOPT_WRITEFUNCTION, discard);
	OPT(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
	OPT(c, CURLOPT_NOSIGNAL, 1L);
	OPT(c, CURLOPT_ERRORBUFFER, errbuf);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		snprintf(why, cap, "webhook: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		return VOW_ERR_IO;
	}
	if (status < 200 || status > 299) {
		snprintf(why, cap, "webhook: HTTP %ld", status);
		return VOW_ERR_IO;
	}
	return VOW_OK;
}

struct send_ctx {
	struct vault *v;
	const struct notify_config *cfg;
};

static vow_err send_one(void *ctx, const struct vault_outbox_item *m, char *why, size_t cap)
{
	const struct send_ctx *sc = ctx;
	return m->kind == VAULT_WEBHOOK ? send_hook(sc->v, sc->cfg, m, why, cap)
	                                : send_mail(sc->cfg, m, why, cap);
}

vow_err notify_deliver(struct vault *v, const struct notify_config *cfg, int64_t now,
                       struct vault_outbox_stats *stats)
{
	struct notify_config c = *cfg;
	if (c.max_attempts <= 0)
		c.max_attempts = NOTIFY_MAX_ATTEMPTS;
	if (c.timeout_ms <= 0)
		c.timeout_ms = NOTIFY_TIMEOUT_MS;
	if (c.timeout_ms > NOTIFY_TIMEOUT_MS_MAX)
		return VOW_ERR_INVALID;
	struct vault_deliver_opts o = {.limit = 64,
	                               .max_attempts = c.max_attempts,
	                               .lease = (c.timeout_ms + 999) / 1000 + NOTIFY_LEASE_MARGIN};
	vow_err err = notify_mail_per_hour(v, &o.per_hour);
	struct send_ctx sc = {v, &c};
	if (err == VOW_OK)
		err = vault_outbox_deliver(v, now, &o, send_one, &sc, stats);
	return err;
}
