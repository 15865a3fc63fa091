/* policy/load_util.c — typed field readers over the YAML tree. Each reader
 * reports what is wrong at the node where it is wrong, and never stops the
 * load: one run of `vow policy check` lists every problem. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

void lerr(struct loader *L, const struct ynode *n, const char *hint, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_add(L->d, n != NULL ? n->line : 1, n != NULL ? n->col : 1, hint, "%s", buf);
}

void *lalloc(struct loader *L, size_t n)
{
	void *p = arena_alloc(L->p->arena, n);
	if (p == NULL && !L->oom) {
		L->oom = true;
		diag_add(L->d, 1, 1, NULL, "out of memory while compiling the policy");
	}
	return p;
}

struct policy_loc lloc(const struct ynode *n)
{
	return (struct policy_loc){n->line, n->col};
}

bool lmap(struct loader *L, const struct ynode *n, const char *what)
{
	if (n->kind == YNODE_MAP)
		return true;
	lerr(L, n, "write it as 'field: value' lines", "%s must be a mapping", what);
	return false;
}

bool lseq(struct loader *L, const struct ynode *n, const char *what)
{
	if (n->kind == YNODE_SEQ)
		return true;
	lerr(L, n, "write it as a list: [a, b] or lines starting with '- '", "%s must be a list",
	     what);
	return false;
}

/* Levenshtein distance, capped: used only to suggest a field name. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t row[41];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

void lfields(struct loader *L, const struct ynode *map, const char *what,
             const char *const *allowed)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->items[2 * i];
		const char *best = NULL;
		size_t best_d = 3;
		bool known = false;
		for (const char *const *a = allowed; *a != NULL; a++) {
			if (strcmp(*a, k->str) == 0) {
				known = true;
				break;
			}
			size_t dist = edit_distance(*a, k->str);
			if (dist < best_d) {
				best_d = dist;
				best = *a;
			}
		}
		if (known)
			continue;
		char hint[160];
		if (best != NULL)
			(void)snprintf(hint, sizeof(hint), "did you mean '%s'?", best);
		else
			(void)snprintf(hint, sizeof(hint),
			               "see docs/policy-language.md for the fields of %s", what);
		lerr(L, k, hint, "unknown field '%.64s' in %s", k->str, what);
	}
}

static const struct ynode *lscalar(struct loader *L, const struct ynode *map, const char *field,
                                   const char *what, bool required)
{
	const struct ynode *v = ytree_get(map, field);
	if (v == NULL) {
		if (required) {
			char hint[96];
			(void)snprintf(hint, sizeof(hint), "add '%s: ...'", field);
			lerr(L, map, hint, "%s is missing the required field '%s'", what, field);
		}
		return NULL;
	}
	if (v->kind != YNODE_SCALAR) {
		lerr(L, v, "write a single value on the same line as the field",
		     "'%s' must be a single value", field);
		return NULL;
	}
	return v;
}

const char *ltext(struct loader *L, const struct ynode *map, const char *field, const char *what,
                  bool required)
{
	const struct ynode *v = lscalar(L, map, field, what, required);
	if (v == NULL)
		return NULL;
	if (v->len == 0 && !v->quoted) {
		if (required)
			lerr(L, v, "write a value, or remove the field", "'%s' must not be empty",
			     field);
		return NULL;
	}
	char *s = arena_strndup(L->p->arena, v->str, v->len);
	if (s == NULL)
		(void)lalloc(L, SIZE_MAX); /* records the out-of-memory */
	return s;
}

bool lbool(struct loader *L, const struct ynode *map, const char *field, bool def)
{
	const struct ynode *v = lscalar(L, map, field, "", false);
	if (v == NULL)
		return def;
	if (!v->quoted && strcmp(v->str, "true") == 0)
		return true;
	if (!v->quoted && strcmp(v->str, "false") == 0)
		return false;
	lerr(L, v, "write true or false", "'%s' must be true or false, not '%.64s'", field, v->str);
	return def;
}

uint32_t luint(struct loader *L, const struct ynode *map, const char *field, uint32_t lo,
               uint32_t hi, uint32_t def)
{
	const struct ynode *v = lscalar(L, map, field, "", false);
	if (v == NULL)
		return def;
	unsigned long long x = 0;
	bool ok = !v->quoted && v->len > 0 && v->len <= 9;
	for (size_t i = 0; ok && i < v->len; i++) {
		if (!isdigit((unsigned char)v->str[i]))
			ok = false;
		else
			x = x * 10 + (unsigned)(v->str[i] - '0');
	}
	if (!ok) {
		lerr(L, v, "write digits only, e.g. 16", "'%s' must be a whole number, not '%.64s'",
		     field, v->str);
		return def;
	}
	if (x < lo || x > hi) {
		char hint[64];
		(void)snprintf(hint, sizeof(hint), "use a number from %u to %u", lo, hi);
		lerr(L, v, hint, "'%s' must be between %u and %u", field, lo, hi);
		return def;
	}
	return (uint32_t)x;
}

static void names_hint(char *hint, size_t size, const char *const *names, int count)
{
	size_t off = (size_t)snprintf(hint, size, "one of:");
	for (int i = 0; i < count && off < size; i++)
		off += (size_t)snprintf(hint + off, size - off, "%s %s", i ? "," : "", names[i]);
}

int lenum(struct loader *L, const struct ynode *map, const char *field, const char *what,
          const char *const *names, int count, int def)
{
	const struct ynode *v = lscalar(L, map, field, what, def < 0);
	if (v == NULL)
		return def;
	for (int i = 0; i < count; i++)
		if (strcmp(names[i], v->str) == 0)
			return i;
	char hint[512];
	names_hint(hint, sizeof(hint), names, count);
	lerr(L, v, hint, "'%.64s' is not a valid %s", v->str, field);
	return def;
}

uint32_t lflags(struct loader *L, const struct ynode *map, const char *field,
                const char *const *names, int count)
{
	const struct ynode *v = ytree_get(map, field);
	if (v == NULL || !lseq(L, v, field))
		return 0;
	uint32_t mask = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];
		int found = -1;
		for (int j = 0; it->kind == YNODE_SCALAR && j < count; j++)
			if (strcmp(names[j], it->str) == 0)
				found = j;
		if (found < 0) {
			char hint[512];
			names_hint(hint, sizeof(hint), names, count);
			lerr(L, it, hint, "'%.64s' is not a valid entry of %s",
			     it->kind == YNODE_SCALAR ? it->str : "(list)", field);
			continue;
		}
		mask |= 1u << found;
	}
	return mask;
}

bool policy_duration_parse(const char *s, struct policy_duration *d)
{
	unsigned long n = 0;
	size_t digits = 0;
	enum policy_unit unit;
	if (s[0] == 'P') { /* ISO 8601 with one component: P6M, P1W, P7Y, P30D */
		s++;
		while (isdigit((unsigned char)*s) && digits < 6)
			n = n * 10 + (unsigned long)(*s++ - '0'), digits++;
		if (digits == 0 || s[0] == '\0' || s[1] != '\0')
			return false;
		switch (s[0]) {
		case 'D':
			unit = UNIT_DAY;
			break;
		case 'W':
			unit = UNIT_WEEK;
			break;
		case 'M':
			unit = UNIT_MONTH;
			break;
		case 'Y':
			unit = UNIT_YEAR;
			break;
		default:
			return false;
		}
	} else {
		while (isdigit((unsigned char)*s) && digits < 6)
			n = n * 10 + (unsigned long)(*s++ - '0'), digits++;
		if (digits == 0 || *s++ != ' ')
			return false;
		static const struct {
			const char *w;
			enum policy_unit u;
		} words[] = {
		    {"day", UNIT_DAY},    {"days", UNIT_DAY},    {"week", UNIT_WEEK},
		    {"weeks", UNIT_WEEK}, {"month", UNIT_MONTH}, {"months", UNIT_MONTH},
		    {"year", UNIT_YEAR},  {"years", UNIT_YEAR},
		};
		size_t i;
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcmp(words[i].w, s) == 0)
				break;
		if (i == sizeof(words) / sizeof(words[0]))
			return false;
		unit = words[i].u;
	}
	if (n == 0 || n > 100000)
		return false;
	if (policy_duration_max_days((struct policy_duration){(uint32_t)n, unit}) > 200u * 366u)
		return false;
	d->n = (uint32_t)n;
	d->unit = unit;
	return true;
}

void lduration(struct loader *L, const struct ynode *map, const char *field,
               struct policy_duration *d)
{
	d->n = 0;
	const struct ynode *v = lscalar(L, map, field, "", false);
	if (v == NULL)
		return;
	if (!policy_duration_parse(v->str, d))
		lerr(L, v,
		     "write a number and a unit, e.g. '6 months', '1 week', '7 years' or 'P30D' "
		     "(at most 200 years)",
		     "'%.64s' is not a valid duration for '%s'", v->str, field);
}

static void refs_push(struct loader *L, uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t x)
{
	for (uint32_t i = 0; i < *n; i++)
		if ((*v)[i] == x)
			return;
	if (*n == *cap) {
		uint32_t ncap = *cap == 0 ? 8 : *cap * 2;
		uint32_t *nv = lalloc(L, ncap * sizeof(*nv));
		if (nv == NULL)
			return;
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
}

void lrefs(struct loader *L, const struct ynode *map, const char *field, const char *owner,
           const char *verb, const char *kind, const struct strmap *idx, const char *const *keys,
           uint32_t nkeys, struct policy_idx_list *out, bool required)
{
	out->v = NULL;
	out->n = 0;
	const struct ynode *v = ytree_get(map, field);
	if (v == NULL) {
		if (required)
			lerr(L, map, "list at least one", "%s has no '%s'", owner, field);
		return;
	}
	if (!lseq(L, v, field))
		return;
	if (v->n == 0 && required) {
		lerr(L, v, "list at least one", "%s has no '%s'", owner, field);
		return;
	}
	uint32_t *list = NULL, n = 0, cap = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *it = v->items[i];
		if (it->kind != YNODE_SCALAR) {
			lerr(L, it, "write one dotted key per entry",
			     "each entry of '%s' must be a key", field);
			continue;
		}
		uint32_t x;
		if (strmap_get(idx, it->str, &x)) {
			refs_push(L, &list, &n, &cap, x);
			continue;
		}
		bool any = false; /* a parent key covers every declared key below it */
		for (uint32_t k = 0; keys != NULL && k < nkeys; k++) {
			if (keys[k] != NULL && taxonomy_key_covers(it->str, keys[k])) {
				refs_push(L, &list, &n, &cap, k);
				any = true;
			}
		}
		if (!any) {
			char hint[160];
			(void)snprintf(hint, sizeof(hint),
			               "declare it under '%ss:' or fix the spelling", kind);
			lerr(L, it, hint, "%s %s undeclared %s '%.128s'", owner, verb, kind,
			     it->str);
		}
	}
	out->v = list;
	out->n = n;
}

uint32_t lref(struct loader *L, const struct ynode *map, const char *field, const char *owner,
              const char *kind, const struct strmap *idx)
{
	const struct ynode *v = lscalar(L, map, field, owner, false);
	if (v == NULL)
		return POLICY_NONE;
	uint32_t x;
	if (strmap_get(idx, v->str, &x))
		return x;
	char hint[160];
	(void)snprintf(hint, sizeof(hint), "declare it under '%ss:' or fix the spelling", kind);
	lerr(L, v, hint, "%s names undeclared %s '%.128s'", owner, kind, v->str);
	return POLICY_NONE;
}
