/* util/grow.c — arrays that grow by doubling. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"

vow_err grow(void *itemsp, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return VOW_OK;
	size_t ncap = *cap != 0 ? *cap * 2 : 16;
	if (elem == 0 || ncap < *cap || ncap > SIZE_MAX / elem)
		return VOW_ERR_NOMEM;
	void *items;
	memcpy(&items, itemsp, sizeof(items)); /* the caller's typed pointer */
	void *nv = realloc(items, ncap * elem);
	if (nv == NULL)
		return VOW_ERR_NOMEM;
	memcpy(itemsp, &nv, sizeof(nv));
	*cap = ncap;
	return VOW_OK;
}
