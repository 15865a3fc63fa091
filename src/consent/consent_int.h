/* consent/consent_int.h — private to consent/: receipts. */
#ifndef VOW_CONSENT_INT_H
#define VOW_CONSENT_INT_H

#include "consent/consent.h"
#include "store/store.h"

/* The BLAKE2b-256 (hex) of the purpose text as published: policy version,
 * key, name and description. */
void consent_purpose_text_hash(const struct policy *p, const struct policy_purpose *u,
                               char out[65]);

/* Builds and signs the receipt of one ledger entry. */
VOW_MUST_CHECK vow_err consent_receipt_make(struct vault *v, const struct store_consent *row,
                                            char **out);

#endif
