/* policy/diag.c — collecting problems found in a policy. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"
#include "util/grow.h"

void policy_diags_free(struct policy_diags *d)
{
	for (size_t i = 0; i < d->len; i++) {
		free(d->items[i].message);
		free(d->items[i].hint);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}

void diag_add(struct policy_diags *d, uint32_t line, uint32_t col, const char *hint,
              const char *fmt, ...)
{
	if (d->len >= POLICY_MAX_DIAGS) {
		d->dropped++;
		return;
	}
	if (grow(&d->items, d->len, &d->cap, sizeof(*d->items)) != VOW_OK) {
		d->dropped++;
		return;
	}
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int r = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *msg = r < 0 ? NULL : malloc((size_t)r + 1);
	if (msg != NULL)
		(void)vsnprintf(msg, (size_t)r + 1, fmt, ap2);
	va_end(ap2);
	if (msg == NULL) {
		d->dropped++;
		return;
	}
	char *h = hint != NULL ? strdup(hint) : NULL;
	if (hint != NULL && h == NULL) {
		free(msg);
		d->dropped++;
		return;
	}
	d->items[d->len++] = (struct policy_diag){line, col, msg, h};
}
