/* util/strmap.h — string → index map (open addressing).
 *
 * Keys are borrowed: the caller keeps them alive (usually in an arena) for
 * the life of the map. Used for O(1) key lookups in the compiled policy so
 * that checking a policy stays linear in its size. */
#ifndef VOW_UTIL_STRMAP_H
#define VOW_UTIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct strmap {
	const char **keys;
	uint32_t *vals;
	size_t cap, len;
};

/* Empties *m and frees its tables (not the keys). */
void strmap_free(struct strmap *m);

/* Maps key → val. VOW_ERR_EXISTS (and no change) if key is present;
 * VOW_ERR_NOMEM if the table cannot grow. */
VOW_MUST_CHECK vow_err strmap_put(struct strmap *m, const char *key, uint32_t val);

/* True and *val set when key is present; false otherwise (val untouched). */
bool strmap_get(const struct strmap *m, const char *key, uint32_t *val);

#endif
