/* util/text.h — copying and checking caller text without ever cutting it. */
#ifndef VOW_UTIL_TEXT_H
#define VOW_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Copies src (NULL: "") with its NUL into dst of cap bytes. When it does
 * not fit, dst is left as it was and VOW_ERR_TOO_LARGE is returned: text is
 * refused, never truncated (curl's Curl_creds_create style). */
VOW_MUST_CHECK vow_err text_copy(char *dst, size_t cap, const char *src);

/* True when the len bytes at s are well-formed UTF-8 (no overlong forms,
 * no surrogates, nothing above U+10FFFF) with no NUL and no control
 * character other than tab. */
bool text_utf8_valid(const char *s, size_t len);

#endif
