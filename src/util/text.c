/* util/text.c — copying and checking caller text. */
#include <string.h>

#include "util/text.h"

vow_err text_copy(char *dst, size_t cap, const char *src)
{
	if (src == NULL)
		src = "";
	size_t n = strnlen(src, cap);
	if (n >= cap)
		return VOW_ERR_TOO_LARGE;
	memcpy(dst, src, n + 1);
	return VOW_OK;
}

/* The length of the UTF-8 sequence starting at s (at most len bytes), or 0
 * when it is not a well-formed one. */
static size_t utf8_one(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned min;
	unsigned cp;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80, cp = c & 0x1fu;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800, cp = c & 0x0fu;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000, cp = c & 0x07u;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] < 0x20 && p[i] != '\t')
			return false;
		if (p[i] == 0x7f)
			return false;
		size_t n = utf8_one(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}
