/* vault/vault_agent.c — Data Rights Protocol agents (verify keys registered
 * by an admin), their pair-wise tokens (only keyed hashes stored) and the
 * protocol's view of the requests they file. */
#include <sodium.h>
#include <string.h>

#include "util/clock.h"
#include "vault/vault_int.h"

static bool agent_id_ok(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;
	return n > 0 && n < 64 && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == n;
}

vow_err vault_agent_add(struct vault *v, const char *id, const char *name,
                        const char *verify_key_b64)
{
	struct store_agent a = {.created_at = clock_now()};
	size_t len = 0;
	if (!agent_id_ok(id) || name == NULL || strlen(name) >= sizeof(a.name) ||
	    verify_key_b64 == NULL ||
	    sodium_base642bin(a.verify_key, sizeof(a.verify_key), verify_key_b64,
	                      strlen(verify_key_b64), NULL, &len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(a.verify_key))
		return VOW_ERR_INVALID;
	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.name, sizeof(a.name), "%s", name);
	vow_err err = v->ops->begin(v->data);
	if (err == VOW_OK)
		err = vault_commit(v, v->ops->agent_put(v->data, &a));
	return err;
}

vow_err vault_business_id(struct vault *v, char out[64])
{
	return vault_setting_get(v, "drp.business_id", "VOW", out, 64);
}

vow_err vault_business_id_set(struct vault *v, const char *id)
{
	return agent_id_ok(id) ? vault_setting_set(v, "drp.business_id", id) : VOW_ERR_INVALID;
}

vow_err vault_agent_key(struct vault *v, const char *id, unsigned char verify_key[32])
{
	if (!agent_id_ok(id))
		return VOW_ERR_NOT_FOUND;
	struct store_agent a = {0};
	vow_err err = v->ops->agent_get(v->data, id, &a);
	if (err == VOW_OK && a.revoked_at != 0)
		err = VOW_ERR_NOT_FOUND;
	if (err == VOW_OK)
		memcpy(verify_key, a.verify_key, 32);
	return err;
}

static void token_hash(struct vault *v, const char *token, unsigned char out[32])
{
	crypto_keyed_hash(v->index_key, "vow agent token v1", token, strlen(token), out);
}

vow_err vault_agent_token_new(struct vault *v, const char *agent, char token[65])
{
	unsigned char b[32], h[32];
	crypto_random(b, sizeof(b));
	hex_encode(b, sizeof(b), token);
	crypto_wipe(b, sizeof(b));
	token_hash(v, token, h);
	vow_err err = v->ops->begin(v->data);
	if (err == VOW_OK)
		err = vault_commit(v, v->ops->agent_token_put(v->data, h, agent, clock_now()));
	if (err != VOW_OK)
		crypto_wipe(token, 65);
	return err;
}

vow_err vault_agent_token_find(struct vault *v, const char *token, char agent[64])
{
	if (token == NULL || strlen(token) != 64)
		return VOW_ERR_NOT_FOUND;
	unsigned char h[32];
	token_hash(v, token, h);
	char found[64];
	vow_err err = v->ops->agent_token_find(v->data, h, found);
	unsigned char key[32];
	if (err == VOW_OK)
		err = vault_agent_key(v, found, key); /* a revoked agent's tokens stop working */
	if (err == VOW_OK)
		memcpy(agent, found, 64);
	return err;
}

#define DRP_FIELDS(X)                                                                              \
	X(id)                                                                                      \
	X(agent)                                                                                   \
	X(agent_request_id)                                                                        \
	X(requests) X(exercise) X(regime) X(status) X(reason) X(callback) X(details)

static void to_store(const struct vault_drp *in, struct store_drp *out)
{
	memset(out, 0, sizeof(*out));
#define COPY(f) snprintf(out->f, sizeof(out->f), "%s", in->f);
	DRP_FIELDS(COPY)
#undef COPY
	out->received_at = in->received_at;
	out->expires_at = in->expires_at;
	out->updated_at = in->updated_at;
}

static void from_store(const struct store_drp *in, struct vault_drp *out)
{
	memset(out, 0, sizeof(*out));
#define COPY(f) snprintf(out->f, sizeof(out->f), "%s", in->f);
	DRP_FIELDS(COPY)
#undef COPY
	out->received_at = in->received_at;
	out->expires_at = in->expires_at;
	out->updated_at = in->updated_at;
}

vow_err vault_drp_put(struct vault *v, const struct vault_drp *d)
{
	struct store_drp row;
	to_store(d, &row);
	vow_err err = v->ops->begin(v->data);
	if (err == VOW_OK)
		err = vault_commit(v, v->ops->drp_put(v->data, &row));
	return err;
}

vow_err vault_drp_get(struct vault *v, const char *id, struct vault_drp *out)
{
	struct store_drp row = {0};
	vow_err err = v->ops->drp_get(v->data, id, &row);
	if (err == VOW_OK)
		from_store(&row, out);
	return err;
}

vow_err vault_drp_by_request(struct vault *v, const char *request, struct vault_drp *out)
{
	struct store_drp row = {0};
	vow_err err =
	    id_valid(request) ? v->ops->drp_by_request(v->data, request, &row) : VOW_ERR_NOT_FOUND;
	if (err == VOW_OK)
		from_store(&row, out);
	return err;
}
