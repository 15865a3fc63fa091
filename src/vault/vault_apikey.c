/* vault/vault_apikey.c — API keys: "vow_<16 hex id>_<64 hex secret>". The
 * secret is 32 random bytes; only its keyed BLAKE2b hash (instance index
 * key) is stored, and it is compared in constant time. */
#include <string.h>

#include "util/clock.h"
#include "audit/audit.h"
#include "vault/vault_int.h"

static void secret_hash(struct vault *v, const char *secret_hex, unsigned char out[32])
{
	crypto_keyed_hash(v->index_key, "vow api key v1", secret_hex, strlen(secret_hex), out);
}

vow_err vault_apikey_create(struct vault *v, const char *role, const char *staff,
                            const char *subject, char key[VAULT_APIKEY_LEN + 1])
{
	const struct policy *p = v->policy;
	if (p == NULL || role == NULL)
		return VOW_ERR_INVALID;
	struct store_apikey row = {.created_at = clock_now()};
	if (strcmp(role, "admin") != 0) {
		uint32_t r = policy_role_find(p, role);
		if (r == POLICY_NONE)
			return VOW_ERR_INVALID;
		enum policy_role_kind k = p->roles[r].kind;
		if (k == ROLE_STAFF && (staff == NULL || staff[0] == '\0' || strlen(staff) > 128))
			return VOW_ERR_INVALID;
		if (k == ROLE_SUBJECT && !id_valid(subject))
			return VOW_ERR_INVALID;
	}
	unsigned char idb[8], secret[32];
	crypto_random(idb, sizeof(idb));
	crypto_random(secret, sizeof(secret));
	char secret_hex[65];
	hex_encode(idb, sizeof(idb), row.id);
	hex_encode(secret, sizeof(secret), secret_hex);
	crypto_wipe(secret, sizeof(secret));
	secret_hash(v, secret_hex, row.hash);
	snprintf(row.role, sizeof(row.role), "%s", role);
	snprintf(row.staff, sizeof(row.staff), "%s", staff != NULL ? staff : "");
	snprintf(row.subject, sizeof(row.subject), "%s", subject != NULL ? subject : "");
	vow_err err = v->ops->begin(v->data);
	if (err == VOW_OK) {
		err = v->ops->apikey_insert(v->data, &row);
		if (err == VOW_OK) {
			struct audit_event ev = {
			    .role = "admin", .action = "apikey.create", .result = "ok", .reason = role};
			err = audit_change(v, &ev);
		}
		err = vault_commit(v, err);
	}
	if (err == VOW_OK)
		snprintf(key, VAULT_APIKEY_LEN + 1, "vow_%s_%s", row.id, secret_hex);
	crypto_wipe(secret_hex, sizeof(secret_hex));
	return err;
}

vow_err vault_apikey_verify(struct vault *v, const char *presented, struct vault_apikey *out)
{
	if (presented == NULL || strlen(presented) != VAULT_APIKEY_LEN ||
	    strncmp(presented, "vow_", 4) != 0 || presented[20] != '_')
		return VOW_ERR_DENIED;
	char id[17];
	memcpy(id, presented + 4, 16);
	id[16] = '\0';
	struct store_apikey row;
	memset(&row, 0, sizeof(row));
	if (v->ops->apikey_get(v->data, id, &row) != VOW_OK || row.revoked_at != 0)
		return VOW_ERR_DENIED;
	unsigned char h[32];
	secret_hash(v, presented + 21, h);
	if (!crypto_equal(h, row.hash, sizeof(h)))
		return VOW_ERR_DENIED;
	memset(out, 0, sizeof(*out));
	memcpy(out->id, row.id, sizeof(out->id));
	snprintf(out->staff, sizeof(out->staff), "%s", row.staff);
	snprintf(out->subject, sizeof(out->subject), "%s", row.subject);
	const struct policy *p = v->policy;
	if (strcmp(row.role, "admin") == 0) {
		/* an admin acts for the application: the policy's first service
		 * role (the HTTP layer lets it name another with Vow-Role) */
		out->kind = API_ADMIN;
		out->role[0] = '\0';
		for (int pass = 0; pass < 2 && out->role[0] == '\0'; pass++)
			for (uint32_t i = 0; p != NULL && i < p->n_roles; i++)
				if (p->roles[i].kind == (pass == 0 ? ROLE_SERVICE : ROLE_ADMIN) &&
				    p->roles[i].key != NULL) {
					snprintf(out->role, sizeof(out->role), "%s",
					         p->roles[i].key);
					break;
				}
		return VOW_OK;
	}
	uint32_t r = p != NULL ? policy_role_find(p, row.role) : POLICY_NONE;
	if (r == POLICY_NONE)
		return VOW_ERR_DENIED; /* the role left the policy */
	snprintf(out->role, sizeof(out->role), "%s", row.role);
	switch (p->roles[r].kind) {
	case ROLE_ADMIN:
		out->kind = API_ADMIN;
		break;
	case ROLE_STAFF:
		out->kind = API_STAFF;
		break;
	case ROLE_SUBJECT:
		out->kind = API_SUBJECT;
		break;
	default:
		out->kind = API_SERVICE;
		break;
	}
	return VOW_OK;
}
