/* policy/yaml_tree.c — YAML text to a small, capped node tree (libyaml
 * event API). Building our own tree, rather than using libyaml's document
 * loader, lets us refuse aliases (no "billion laughs"), cap depth, node count
 * and scalar size, and detect duplicate keys, all with line/column marks. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "policy/policy_int.h"

struct frame {
	struct ynode *node;
	struct ynode **kids;
	size_t n, cap;
};

struct builder {
	struct arena *arena;
	struct policy_diags *diags;
	struct frame stack[POLICY_MAX_DEPTH + 1];
	size_t depth;
	size_t nodes;
	size_t docs;
	struct ynode *root;
	bool failed;
};

static uint32_t mark_line(yaml_mark_t m)
{
	return (uint32_t)m.line + 1;
}
static uint32_t mark_col(yaml_mark_t m)
{
	return (uint32_t)m.column + 1;
}

static void fail(struct builder *b, yaml_mark_t m, const char *hint, const char *msg)
{
	diag_add(b->diags, mark_line(m), mark_col(m), hint, "%s", msg);
	b->failed = true;
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, yaml_mark_t m)
{
	if (++b->nodes > POLICY_MAX_NODES) {
		fail(b, m, "split the policy or remove repeated content",
		     "the file has too many YAML nodes");
		return NULL;
	}
	struct ynode *n = arena_alloc(b->arena, sizeof(*n));
	if (n == NULL) {
		fail(b, m, NULL, "out of memory while reading the policy");
		return NULL;
	}
	n->kind = kind;
	n->line = mark_line(m);
	n->col = mark_col(m);
	return n;
}

static bool attach(struct builder *b, struct ynode *n, yaml_mark_t m)
{
	if (b->depth == 0) {
		b->root = n;
		return true;
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (f->n == f->cap) {
		size_t ncap = f->cap == 0 ? 8 : f->cap * 2;
		struct ynode **k = realloc(f->kids, ncap * sizeof(*k));
		if (k == NULL) {
			fail(b, m, NULL, "out of memory while reading the policy");
			return false;
		}
		f->kids = k;
		f->cap = ncap;
	}
	f->kids[f->n++] = n;
	return true;
}

static bool no_anchor_or_tag(struct builder *b, yaml_mark_t m, const yaml_char_t *anchor,
                             const yaml_char_t *tag, int implicit)
{
	if (anchor != NULL) {
		fail(b, m, "write the value out in full where it is used",
		     "YAML anchors (&name) are not allowed in a policy file");
		return false;
	}
	if (tag != NULL && !implicit) {
		fail(b, m, "remove the tag; values are typed by the field they belong to",
		     "YAML tags (!tag) are not allowed in a policy file");
		return false;
	}
	return true;
}

static bool push(struct builder *b, enum ynode_kind kind, yaml_mark_t m)
{
	if (b->depth >= POLICY_MAX_DEPTH) {
		fail(b, m, "a policy never needs more than a few levels of nesting",
		     "the YAML is nested too deeply");
		return false;
	}
	struct ynode *n = node_new(b, kind, m);
	if (n == NULL)
		return false;
	b->stack[b->depth++] = (struct frame){.node = n};
	return true;
}

static bool map_check_keys(struct builder *b, struct ynode *n)
{
	struct strmap seen = {0};
	bool ok = true;
	for (size_t i = 0; ok && i < n->n; i++) {
		const struct ynode *k = n->items[2 * i];
		if (k->kind != YNODE_SCALAR) {
			diag_add(b->diags, k->line, k->col, "use a plain word as the key",
			         "a mapping key must be a scalar");
			ok = false;
			break;
		}
		uint32_t first;
		if (strmap_get(&seen, k->str, &first)) {
			const struct ynode *fk = n->items[2 * first];
			char hint[96];
			(void)snprintf(hint, sizeof(hint),
			               "the first one is at line %u; keep one of them", fk->line);
			diag_add(b->diags, k->line, k->col, hint, "duplicate key '%s'", k->str);
			ok = false;
			break;
		}
		if (strmap_put(&seen, k->str, (uint32_t)i) != VOW_OK) {
			diag_add(b->diags, k->line, k->col, NULL,
			         "out of memory while reading the policy");
			ok = false;
		}
	}
	strmap_free(&seen);
	if (!ok)
		b->failed = true;
	return ok;
}

static bool pop(struct builder *b, yaml_mark_t m)
{
	struct frame *f = &b->stack[b->depth - 1];
	struct ynode *n = f->node;
	bool ok = true;
	if (f->n > 0) {
		n->items = arena_alloc(b->arena, f->n * sizeof(*n->items));
		if (n->items == NULL) {
			fail(b, m, NULL, "out of memory while reading the policy");
			ok = false;
		} else {
			memcpy(n->items, f->kids, f->n * sizeof(*n->items));
		}
	}
	n->n = n->kind == YNODE_MAP ? f->n / 2 : f->n;
	free(f->kids);
	f->kids = NULL;
	b->depth--;
	if (ok && n->kind == YNODE_MAP)
		ok = map_check_keys(b, n);
	return ok && attach(b, n, m);
}

static bool on_event(struct builder *b, const yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1) {
			fail(b, m, "keep one policy per file",
			     "the file holds more than one YAML document");
			return false;
		}
		return true;
	case YAML_ALIAS_EVENT:
		fail(b, m, "write the value out in full where it is used",
		     "YAML aliases (*name) are not allowed in a policy file");
		return false;
	case YAML_SCALAR_EVENT: {
		const yaml_char_t *a = ev->data.scalar.anchor, *t = ev->data.scalar.tag;
		int implicit = ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit;
		if (!no_anchor_or_tag(b, m, a, t, implicit))
			return false;
		if (ev->data.scalar.length > POLICY_MAX_SCALAR) {
			fail(b, m, "shorten the text", "a value is longer than 65536 bytes");
			return false;
		}
		struct ynode *n = node_new(b, YNODE_SCALAR, m);
		if (n == NULL)
			return false;
		n->str = arena_strndup(b->arena, (const char *)ev->data.scalar.value,
		                       ev->data.scalar.length);
		if (n->str == NULL) {
			fail(b, m, NULL, "out of memory while reading the policy");
			return false;
		}
		n->len = ev->data.scalar.length;
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		return attach(b, n, m);
	}
	case YAML_SEQUENCE_START_EVENT:
		if (!no_anchor_or_tag(b, m, ev->data.sequence_start.anchor,
		                      ev->data.sequence_start.tag,
		                      ev->data.sequence_start.implicit))
			return false;
		return push(b, YNODE_SEQ, m);
	case YAML_MAPPING_START_EVENT:
		if (!no_anchor_or_tag(b, m, ev->data.mapping_start.anchor,
		                      ev->data.mapping_start.tag, ev->data.mapping_start.implicit))
			return false;
		return push(b, YNODE_MAP, m);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return pop(b, m);
	default:
		return true;
	}
}

static void syntax_error(struct builder *b, const yaml_parser_t *p)
{
	yaml_mark_t m = p->problem_mark;
	if (p->error == YAML_READER_ERROR) {
		/* the reader reports a byte offset, not a line */
		m = p->mark;
	}
	const char *problem = p->problem != NULL ? p->problem : "malformed YAML";
	if (p->context != NULL)
		diag_add(b->diags, mark_line(m), mark_col(m),
		         "check indentation, quotes and colons near this point",
		         "YAML syntax error: %s (%s)", problem, p->context);
	else
		diag_add(b->diags, mark_line(m), mark_col(m),
		         "the file must be UTF-8 text in YAML syntax", "YAML syntax error: %s",
		         problem);
	b->failed = true;
}

struct ynode *ytree_parse(struct arena *arena, const char *buf, size_t len,
                          struct policy_diags *diags)
{
	struct builder b = {.arena = arena, .diags = diags};
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		diag_add(diags, 1, 1, NULL, "out of memory while reading the policy");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(&b, &parser);
			break;
		}
		bool ok = on_event(&b, &ev);
		bool end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (!ok || end)
			break;
	}
	yaml_parser_delete(&parser);
	while (b.depth > 0)
		free(b.stack[--b.depth].kids);
	if (b.failed)
		return NULL;
	if (b.root == NULL ||
	    (b.root->kind == YNODE_SCALAR && b.root->len == 0 && !b.root->quoted)) {
		diag_add(diags, 1, 1, "start from examples/policies/amberscript.yaml",
		         "the policy file is empty");
		return NULL;
	}
	return b.root;
}

const struct ynode *ytree_get(const struct ynode *map, const char *key)
{
	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->items[2 * i]->str, key) == 0)
			return map->items[2 * i + 1];
	return NULL;
}
