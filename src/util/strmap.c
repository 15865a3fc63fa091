/* util/strmap.c — linear-probing hash table over borrowed C strings. */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t strmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

void strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t strmap_slot(const struct strmap *m, const char *key)
{
	size_t i = (size_t)strmap_hash(key) & (m->cap - 1);
	while (m->keys[i] != NULL && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static vow_err strmap_grow(struct strmap *m)
{
	size_t ncap = m->cap == 0 ? 16 : m->cap * 2;
	if (ncap > (SIZE_MAX / 2) / sizeof(char *))
		return VOW_ERR_NOMEM;
	struct strmap n = {.cap = ncap};
	n.keys = calloc(ncap, sizeof(*n.keys));
	n.vals = calloc(ncap, sizeof(*n.vals));
	if (n.keys == NULL || n.vals == NULL) {
		strmap_free(&n);
		return VOW_ERR_NOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] == NULL)
			continue;
		size_t s = strmap_slot(&n, m->keys[i]);
		n.keys[s] = m->keys[i];
		n.vals[s] = m->vals[i];
		n.len++;
	}
	strmap_free(m);
	*m = n;
	return VOW_OK;
}

vow_err strmap_put(struct strmap *m, const char *key, uint32_t val)
{
	if ((m->len + 1) * 4 > m->cap * 3) {
		vow_err err = strmap_grow(m);
		if (err != VOW_OK)
			return err;
	}
	size_t s = strmap_slot(m, key);
	if (m->keys[s] != NULL)
		return VOW_ERR_EXISTS;
	m->keys[s] = key;
	m->vals[s] = val;
	m->len++;
	return VOW_OK;
}

bool strmap_get(const struct strmap *m, const char *key, uint32_t *val)
{
	if (m->cap == 0)
		return false;
	size_t s = strmap_slot(m, key);
	if (m->keys[s] == NULL)
		return false;
	*val = m->vals[s];
	return true;
}
