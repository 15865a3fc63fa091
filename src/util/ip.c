/* util/ip.c — shortening IP addresses (/24 and /48). */
#include <arpa/inet.h>
#include <string.h>

#include "util/ip.h"

vow_err ip_truncate(const char *ip, char out[IP_TEXT_MAX])
{
	unsigned char b[16];
	char text[IP_TEXT_MAX];
	if (ip == NULL)
		return VOW_ERR_INVALID;
	if (inet_pton(AF_INET, ip, b) == 1) {
		b[3] = 0;
		if (inet_ntop(AF_INET, b, text, sizeof(text)) == NULL)
			return VOW_ERR_INVALID;
	} else if (inet_pton(AF_INET6, ip, b) == 1) {
		memset(b + 6, 0, 10);
		if (inet_ntop(AF_INET6, b, text, sizeof(text)) == NULL)
			return VOW_ERR_INVALID;
	} else {
		return VOW_ERR_INVALID;
	}
	memcpy(out, text, sizeof(text));
	return VOW_OK;
}
