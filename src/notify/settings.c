/* notify/settings.c — the settings every path that makes a link or sends a
 * message reads: the public URL (one setting, so the server, the sweep and
 * the command line make the same links) and the hourly cap of e-mails to
 * one person. Both live in the key store's metadata (vault_setting_*). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "notify/notify.h"

bool notify_url_ok(const char *u)
{
	size_t len = strlen(u), scheme = strncmp(u, "https://", 8) == 0  ? 8
	                                 : strncmp(u, "http://", 7) == 0 ? 7
	                                                                 : 0;
	if (scheme == 0 || len >= NOTIFY_URL_MAX || len == scheme)
		return false;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"'<>\\`{}|^?#@", *p) != NULL)
			return false;
	const char *host = u + scheme;
	size_t hlen = strcspn(host, ":/");
	if (hlen == 0)
		return false;
	for (size_t i = 0; i < hlen; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]",
		           host[i]) == NULL)
			return false;
	if (host[hlen] == ':') {
		const char *port = host + hlen + 1;
		size_t plen = strspn(port, "0123456789");
		if (plen == 0 || plen > 5 || (port[plen] != '\0' && port[plen] != '/') ||
		    atoi(port) < 1 || atoi(port) > 65535)
			return false;
	}
	return true;
}

static vow_err audit_setting(struct vault *v, const char *name)
{
	struct audit_event ev = {.role = "admin", .action = "config.set", .result = "ok", .reason = name};
	return audit_change(v, &ev);
}

vow_err notify_public_url(struct vault *v, char out[NOTIFY_URL_MAX])
{
	char url[NOTIFY_URL_MAX];
	vow_err err = vault_setting_get(v, "public_url", "", url, sizeof(url));
	if (err != VOW_OK)
		return err;
	if (!notify_url_ok(url))
		return VOW_ERR_CONFIG; /* unset (or not usable in a link) */
	memcpy(out, url, sizeof(url));
	return VOW_OK;
}

vow_err notify_public_url_set(struct vault *v, const char *url)
{
	if (url == NULL || !notify_url_ok(url))
		return VOW_ERR_INVALID;
	char clean[NOTIFY_URL_MAX];
	snprintf(clean, sizeof(clean), "%s", url);
	size_t n = strlen(clean);
	while (n > 0 && clean[n - 1] == '/' && clean[n - 2] != '/')
		clean[--n] = '\0';
	vow_err err = vault_setting_set(v, "public_url", clean);
	if (err == VOW_OK)
		err = audit_setting(v, "public_url");
	return err;
}

vow_err notify_link(struct vault *v, const char *path, char *out, size_t cap)
{
	char base[NOTIFY_URL_MAX];
	vow_err err = notify_public_url(v, base);
	if (err != VOW_OK)
		return err;
	int n = snprintf(out, cap, "%s%s", base, path);
	return n < 0 || (size_t)n >= cap ? VOW_ERR_TOO_LARGE : VOW_OK;
}

vow_err notify_mail_per_hour(struct vault *v, unsigned *out)
{
	char text[16];
	vow_err err = vault_setting_get(v, "mail_per_hour", "", text, sizeof(text));
	if (err != VOW_OK)
		return err;
	if (text[0] == '\0') {
		*out = NOTIFY_MAIL_PER_HOUR;
		return VOW_OK;
	}
	char *end = NULL;
	unsigned long n = strtoul(text, &end, 10);
	if (end == text || *end != '\0' || n > NOTIFY_MAIL_PER_HOUR_MAX)
		return VOW_ERR_INTEGRITY; /* only the setter writes it */
	*out = (unsigned)n;
	return VOW_OK;
}

vow_err notify_mail_per_hour_set(struct vault *v, unsigned n)
{
	if (n > NOTIFY_MAIL_PER_HOUR_MAX)
		return VOW_ERR_INVALID;
	char text[16];
	snprintf(text, sizeof(text), "%u", n);
	vow_err err = vault_setting_set(v, "mail_per_hour", text);
	if (err == VOW_OK)
		err = audit_setting(v, "mail_per_hour");
	return err;
}
