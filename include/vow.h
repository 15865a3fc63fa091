/* vow.h — the public face of libvow, the privacy engine.
 *
 * A program links libvow.a and includes this header. Each module's header
 * documents its functions' contracts (ownership, errors, what is wiped):
 *   util/err.h       the one error type (vow_err) and its table
 *   policy/policy.h  load, validate and query a policy; taxonomy; regions
 *   crypto/crypto.h  the master key (the only module holding key material)
 */
#ifndef VOW_H
#define VOW_H

#define VOW_VERSION "0.1.0"

#include "crypto/crypto.h"
#include "policy/policy.h"
#include "util/err.h"

#endif
