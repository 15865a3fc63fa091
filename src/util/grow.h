/* util/grow.h — arrays that grow by doubling. */
#ifndef VOW_UTIL_GROW_H
#define VOW_UTIL_GROW_H

#include <stddef.h>

#include "util/err.h"

/* Makes room for element n in the array whose pointer is at itemsp (for
 * example &list->v, where list->v points to elements of elem bytes) and
 * whose allocated length is *cap: when n == *cap it doubles the array
 * (16 elements first) with realloc and updates both. VOW_ERR_NOMEM if it
 * cannot, leaving the array and *cap as they were. */
VOW_MUST_CHECK vow_err grow(void *itemsp, size_t n, size_t *cap, size_t elem);

#endif
