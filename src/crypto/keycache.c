/* crypto/keycache.c — unwrapped keys in one locked region, direct-mapped. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_int.h"

#define OWNER_MAX 33

struct slot {
	char owner[OWNER_MAX];
	int kind;
	bool used;
	struct crypto_key view; /* points into the region */
};

struct crypto_keycache {
	unsigned char *region; /* slots * CRYPTO_KEY_BYTES, sodium_malloc'd */
	struct slot *slots;
	size_t n;
};

vow_err crypto_keycache_new(size_t slots, struct crypto_keycache **out)
{
	struct crypto_keycache *c = calloc(1, sizeof(*c));
	if (c == NULL || slots == 0 || slots > (1u << 20))
		goto fail;
	c->n = slots;
	c->slots = calloc(slots, sizeof(*c->slots));
	c->region = sodium_malloc(slots * CRYPTO_KEY_BYTES);
	if (c->slots == NULL || c->region == NULL)
		goto fail;
	sodium_memzero(c->region, slots * CRYPTO_KEY_BYTES);
	for (size_t i = 0; i < slots; i++)
		c->slots[i].view =
		    (struct crypto_key){c->region + i * CRYPTO_KEY_BYTES, CRYPTO_KEY_BYTES};
	*out = c;
	return VOW_OK;
fail:
	if (c != NULL) {
		free(c->slots);
		if (c->region != NULL)
			sodium_free(c->region);
		free(c);
	}
	return VOW_ERR_NOMEM;
}

void crypto_keycache_free(struct crypto_keycache **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	struct crypto_keycache *c = *cp;
	sodium_free(c->region); /* wipes */
	free(c->slots);
	free(c);
	*cp = NULL;
}

static struct slot *slot_for(struct crypto_keycache *c, const char *owner, int kind)
{
	uint32_t h = 2166136261u;
	for (const char *p = owner; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ (uint32_t)kind) * 16777619u;
	return &c->slots[h % c->n];
}

const struct crypto_key *crypto_keycache_get(struct crypto_keycache *c, const char *owner, int kind)
{
	struct slot *s = slot_for(c, owner, kind);
	if (s->used && s->kind == kind && strcmp(s->owner, owner) == 0)
		return &s->view;
	return NULL;
}

static void slot_clear(struct slot *s)
{
	sodium_memzero(s->view.bytes, CRYPTO_KEY_BYTES);
	s->used = false;
	s->owner[0] = '\0';
}

vow_err crypto_keycache_unwrap(struct crypto_keycache *c, const struct crypto_key *wrapping,
                               const unsigned char *wrapped, const void *ad, size_t adlen,
                               const char *owner, int kind, const struct crypto_key **out)
{
	if (strlen(owner) >= OWNER_MAX)
		return VOW_ERR_INVALID;
	struct slot *s = slot_for(c, owner, kind);
	slot_clear(s);
	vow_err err =
	    crypto_open(wrapping, wrapped, CRYPTO_WRAPPED_BYTES, ad, adlen, s->view.bytes);
	if (err != VOW_OK) {
		slot_clear(s);
		return err;
	}
	snprintf(s->owner, sizeof(s->owner), "%s", owner);
	s->kind = kind;
	s->used = true;
	*out = &s->view;
	return VOW_OK;
}

void crypto_keycache_clear(struct crypto_keycache *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->slots[i].used)
			slot_clear(&c->slots[i]);
}

void crypto_keycache_evict(struct crypto_keycache *c, const char *owner)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->slots[i].used && strcmp(c->slots[i].owner, owner) == 0)
			slot_clear(&c->slots[i]);
}
