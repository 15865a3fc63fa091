/* policy/policy_int.h — private to the policy module: the YAML tree the
 * loader walks, and the diagnostic helpers. */
#ifndef VOW_POLICY_INT_H
#define VOW_POLICY_INT_H

#include <stdarg.h>

#include "policy/policy.h"

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

/* One YAML node. A map holds n key/value pairs in items as
 * [k0, v0, k1, v1, ...]; a sequence holds n items. Keys are scalars. */
struct ynode {
	enum ynode_kind kind;
	bool quoted;        /* scalar written in quotes (always a string) */
	uint32_t line, col; /* 1-based */
	const char *str;    /* scalar text, NUL-terminated */
	size_t len;
	struct ynode **items;
	size_t n;
};

/* Parses len bytes of YAML into a tree allocated in arena. Rejects what a
 * policy never needs and an attacker could abuse: aliases, tags, several
 * documents, duplicate keys, non-scalar keys, nesting past POLICY_MAX_DEPTH,
 * more than POLICY_MAX_NODES nodes, scalars over POLICY_MAX_SCALAR bytes.
 * Each problem goes to diags. Returns the root, or NULL after reporting. */
struct ynode *ytree_parse(struct arena *arena, const char *buf, size_t len,
                          struct policy_diags *diags);

/* Map lookup: the value node for key, or NULL. */
const struct ynode *ytree_get(const struct ynode *map, const char *key);

/* Appends a diagnostic (message from fmt, optional hint). If it cannot allocate,
 * past POLICY_MAX_DIAGS it counts the problem in diags->dropped. */
void diag_add(struct policy_diags *d, uint32_t line, uint32_t col, const char *hint,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif

/* ---- loader helpers (load_util.c) ---- */

struct loader {
	struct policy *p;
	struct policy_diags *d;
	bool oom;
	/* declared keys by index, filled by the key pass */
	const char **subj_keys, **cat_keys, **pur_keys, **role_keys, **rcp_keys;
	/* keys the policy adds to the taxonomy */
	struct strmap ext[3];
};

/* Sections of the policy (load_sections.c), run after the key pass. */
void load_purposes(struct loader *L, const struct ynode *list);
void load_roles(struct loader *L, const struct ynode *list);
void load_recipients(struct loader *L, const struct ynode *list);
void load_retention(struct loader *L, const struct ynode *list);
void load_holds(struct loader *L, const struct ynode *list);
void load_residency(struct loader *L, const struct ynode *list);
void load_cookies(struct loader *L, const struct ynode *list);

/* Builds the bitsets decide() reads (policy_index.c). */
void policy_index_build(struct loader *L);

/* Names of enumeration values as written in the policy file. */
extern const char *const policy_basis_names[BASIS__COUNT];
extern const char *const policy_channel_names[6];
extern const char *const policy_optout_names[3];
extern const char *const policy_regulation_names[5];

/* Reports a problem at node n. */
void lerr(struct loader *L, const struct ynode *n, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* True when n is a map; reports "<what> must be a mapping" otherwise. */
bool lmap(struct loader *L, const struct ynode *n, const char *what);

/* True when n is a sequence; reports otherwise. */
bool lseq(struct loader *L, const struct ynode *n, const char *what);

/* Reports every key of map not in the NULL-terminated allowed list. */
void lfields(struct loader *L, const struct ynode *map, const char *what,
             const char *const *allowed);

/* Text of field (copied into the arena), or NULL if absent (reported when
 * required) or not a scalar (reported). */
const char *ltext(struct loader *L, const struct ynode *map, const char *field, const char *what,
                  bool required);

/* true/false field; def when absent. */
bool lbool(struct loader *L, const struct ynode *map, const char *field, bool def);

/* Whole number field in [lo, hi]; def when absent. */
uint32_t luint(struct loader *L, const struct ynode *map, const char *field, uint32_t lo,
               uint32_t hi, uint32_t def);

/* One of names[0..count) (by index); def when absent (reported when def < 0). */
int lenum(struct loader *L, const struct ynode *map, const char *field, const char *what,
          const char *const *names, int count, int def);

/* A set of names from a list field as a bit mask (bit i = names[i]). */
uint32_t lflags(struct loader *L, const struct ynode *map, const char *field,
                const char *const *names, int count);

/* A duration ("6 months", "1 week", "P7Y"); d->n == 0 when absent. */
void lduration(struct loader *L, const struct ynode *map, const char *field,
               struct policy_duration *d);

/* A list of references to declared keys (resolved through idx, expanding a
 * parent key to every declared key below it). Each unknown key is reported
 * as "<owner> <verb> undeclared <kind> 'key'". */
void lrefs(struct loader *L, const struct ynode *map, const char *field, const char *owner,
           const char *verb, const char *kind, const struct strmap *idx, const char *const *keys,
           uint32_t nkeys, struct policy_idx_list *out, bool required);

/* One reference, or POLICY_NONE (absent, or reported). */
uint32_t lref(struct loader *L, const struct ynode *map, const char *field, const char *owner,
              const char *kind, const struct strmap *idx);

/* Arena allocation that records out-of-memory. */
void *lalloc(struct loader *L, size_t n);

/* Location of a node as a policy_loc. */
struct policy_loc lloc(const struct ynode *n);
