/* consent/receipt.c — consent receipts: the ISO/IEC TS 27560 fields as the
 * W3C DPV guide maps them (names in snake_case), signed with the instance's
 * Ed25519 key over the receipt's canonical JSON (keys sorted, compact,
 * without the "signature" member). */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "consent/consent_int.h"
#include "util/clock.h"
#include "vault/vault_int.h"

static const char *const state_names[] = {"none", "given", "refused", "withdrawn"};

static json_t *keys_of(const struct policy *p, struct policy_idx_list l, bool categories)
{
	json_t *a = json_array();
	for (uint32_t i = 0; a != NULL && i < l.n; i++)
		json_array_append_new(a, json_string(categories ? p->categories[l.v[i]].key
		                                                : p->purposes[l.v[i]].key));
	return a;
}

static json_t *entity(const struct policy_party *c)
{
	json_t *e = json_pack("{s:s?, s:s?, s:s, s:s?, s:s?}", "name", c->name, "identifier",
	                      c->name, "role", "data controller", "postal_address", c->address,
	                      "country", c->country);
	if (e == NULL)
		return NULL;
	const char *contact = c->email != NULL ? c->email : c->url != NULL ? c->url : c->phone;
	json_object_set_new(e, "contact", contact != NULL ? json_string(contact) : json_null());
	if (c->email != NULL)
		json_object_set_new(e, "email", json_string(c->email));
	if (c->phone != NULL)
		json_object_set_new(e, "phone", json_string(c->phone));
	if (c->url != NULL)
		json_object_set_new(e, "url", json_string(c->url));
	if (json_object_get(e, "postal_address") == NULL)
		json_object_set_new(e, "postal_address",
		                    json_string(c->country != NULL ? c->country : ""));
	return e;
}

static json_t *record_json(struct vault *v, const struct store_consent *row)
{
	const struct policy *p = v->policy;
	uint32_t u = policy_purpose_find(p, row->purpose);
	const struct policy_purpose *pu = &p->purposes[u];
	char at[21];
	clock_format(row->at, at);
	json_t *recipients = json_array(), *storage = json_array(), *jur = json_array(),
	       *channels = json_array();
	for (uint32_t r = 0; r < p->n_recipients; r++)
		for (uint32_t k = 0; k < p->recipients[r].purposes.n; k++)
			if (p->recipients[r].purposes.v[k] == u)
				json_array_append_new(
				    recipients,
				    json_pack("{s:s, s:s?, s:s?, s:s}", "key", p->recipients[r].key,
				              "name", p->recipients[r].name, "country",
				              p->recipients[r].country, "transfer",
				              policy_transfer_name(p->recipients[r].transfer)));
	for (uint32_t r = 0; r < p->n_retention; r++) {
		const struct policy_retention *rt = &p->retention[r];
		bool overlap = false;
		for (uint32_t i = 0; i < rt->categories.n && !overlap; i++)
			for (uint32_t k = 0; k < pu->categories.n; k++)
				overlap |= rt->categories.v[i] == pu->categories.v[k];
		if (!overlap)
			continue;
		char period[48] = "";
		if (rt->period.n > 0)
			snprintf(period, sizeof(period), "%u %s%s", rt->period.n,
			         policy_unit_name(rt->period.unit), rt->period.n > 1 ? "s" : "");
		json_array_append_new(storage, json_pack("{s:s, s:s, s:s?}", "duration",
		                                         period[0] ? period : "criteria", "from",
		                                         policy_anchor_name(rt->from), "criteria",
		                                         rt->criteria));
	}
	if (json_array_size(storage) == 0)
		json_array_append_new(storage,
		                      json_pack("{s:s}", "duration", "until consent is withdrawn"));
	static const char *const regs[] = {"GDPR", "UK GDPR", "CCPA", "COPPA", "ePrivacy"};
	for (int i = 0; i < 5; i++)
		if (p->regulations & (1u << i))
			json_array_append_new(jur, json_string(regs[i]));
	static const char *const ch[] = {
	    "privacy_center", "unsubscribe_link", "email", "settings", "api", "banner"};
	for (int i = 0; i < 6; i++)
		if (pu->withdraw_via & (1u << i))
			json_array_append_new(channels, json_string(ch[i]));
	if (json_array_size(channels) == 0)
		json_array_append_new(channels, json_string("privacy_center"));
	json_t *special = json_array();
	for (uint32_t k = 0; k < pu->categories.n; k++)
		if (p->categories[pu->categories.v[k]].special)
			json_array_append_new(special,
			                      json_string(p->categories[pu->categories.v[k]].key));
	json_t *rec = json_pack(
	    "{s:s, s:s, s:s, s:{s:s?, s:s?, s:s}, s:[s?], s:[s], s:[{s:s, s:s?, s:s?}], s:o, s:o, "
	    "s:o, s:o, "
	    "s:o, s:s, s:o, s:o, s:o, s:[s,s,s,s,s,s,s], s:{s:s, s:s, s:s, s:s, s:s, s:s, s:b, "
	    "s:s, s:s?, s:s?}}",
	    "schema_version", CONSENT_RECEIPT_SCHEMA, "record_identifier", row->id, "data_subject",
	    row->subject, "notice", "policy_version", p->version, "policy_date", p->date,
	    "purpose_text_hash", row->text_hash, "notice_language", p->language, "process",
	    row->purpose, "purpose", "key", pu->key, "name", pu->name, "description",
	    pu->description, "personal_data", keys_of(p, pu->categories, true),
	    "personal_data_type", keys_of(p, pu->categories, true), "sensitive_special_category",
	    special, "storage_condition", storage, "data_controller", entity(&p->controller),
	    "legal_basis", policy_basis_name(pu->basis), "recipients", recipients,
	    "consent_change_withdrawal", channels, "jurisdiction", jur, "rights", "access",
	    "rectification", "erasure", "restriction", "portability", "withdraw_consent",
	    "lodge_complaint", "consent_event", "consent_type", "expressed", "consent_state",
	    state_names[row->state], "event_time", at, "event_duration", "until withdrawn",
	    "expression_by_entity", "data subject", "expression_method", row->method,
	    "against_gpc_signal", row->against_gpc != 0, "policy_version", row->policy_version,
	    "ip_prefix", row->ip_prefix[0] ? row->ip_prefix : NULL, "user_agent_hash",
	    row->ua_hash[0] ? row->ua_hash : NULL);
	return rec;
}

vow_err consent_receipt_make(struct vault *v, const struct store_consent *row, char **out)
{
	json_t *rec = record_json(v, row);
	json_t *r = rec != NULL
	                ? json_pack("{s:s, s:s, s:o}", "schema_version", CONSENT_RECEIPT_SCHEMA,
	                            "receipt_identifier", row->id, "record", rec)
	                : NULL;
	if (r == NULL)
		return VOW_ERR_NOMEM;
	vow_err err = vault_sign_json(v, r);
	if (err == VOW_OK) {
		*out = json_dumps(r, JSON_SORT_KEYS | JSON_INDENT(2));
		if (*out == NULL)
			err = VOW_ERR_NOMEM;
	}
	json_decref(r);
	return err;
}

char *consent_gpc_document(const struct policy *p)
{
	json_t *j = json_pack("{s:b, s:s?}", "gpc", p->gpc == SIGNAL_HONOR, "lastUpdate", p->date);
	char *out = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return out;
}
