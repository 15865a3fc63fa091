/* vow.h — the public face of libvow, the privacy engine.
 *
 * A program links libvow.a and includes this header. Each module's header
 * documents its functions' contracts (ownership, errors, what is wiped):
 *   util/err.h       the one error type (vow_err) and its table
 *   policy/policy.h  load, validate and query a policy; taxonomy; regions
 *   crypto/crypto.h  keys, sealing, streams, signatures (the only module holding key material)
 *   decide/decide.h  the policy decision point
 *   vault/vault.h    subjects, records, files, grants, disclosures, erasure, rotation
 *   consent/consent.h the consent ledger, objections, restrictions, receipts, GPC
 */
#ifndef VOW_H
#define VOW_H

#define VOW_VERSION "0.1.0"

#include "consent/consent.h"
#include "crypto/crypto.h"
#include "decide/decide.h"
#include "policy/policy.h"
#include "util/err.h"
#include "vault/vault.h"

#endif
