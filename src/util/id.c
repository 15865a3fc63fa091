/* util/id.c — ids from the system CSPRNG. */
#include "util/id.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

void id_new(char out[VOW_ID_LEN + 1])
{
	unsigned char b[VOW_ID_LEN / 2];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
		if (r > 0)
			got += (size_t)r;
	}
	hex_encode(b, sizeof(b), out);
}

void hex_encode(const void *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = b;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

bool id_valid(const char *s)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < VOW_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[VOW_ID_LEN] == '\0';
}
