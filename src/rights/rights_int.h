/* rights/rights_int.h — private to rights/: helpers its files share. */
#ifndef VOW_RIGHTS_INT_H
#define VOW_RIGHTS_INT_H

#include <jansson.h>

#include "rights/rights.h"

/* How rights/ reads and writes the person's data for their own request:
 * not decided against processing purposes, audited as "rights". */
extern const struct vault_access rights_access;

/* True for a completed or denied request. */
bool rights_closed(const struct vault_request *r);

/* The variables every request message has (right, request, received,
 * due_date, controller, authority); caller owns the object. */
json_t *rights_vars(struct vault *v, const struct vault_request *r);

/* Queues template_name to the person (vars taken), keyed by the request
 * and r->updated_at; held, it waits for vault_outbox_release. No address on
 * file is not an error. */
VOW_MUST_CHECK vow_err rights_tell(struct vault *v, const struct vault_request *r,
                                   const char *template_name, json_t *vars, bool held);

/* Saves r (with detail when not NULL, and note in its history) and, with
 * template_name, tells the person with the request's variables plus extra
 * (an object, taken; may be NULL), in one transaction. */
VOW_MUST_CHECK vow_err rights_transition(struct vault *v, const struct vault_request *r,
                                         const char *detail, const char *note,
                                         const char *template_name, json_t *extra, bool held);

/* Audits r's current status (action request.STATUS). */
VOW_MUST_CHECK vow_err rights_audit(struct vault *v, const struct vault_request *r,
                                    const char *reason);

#endif
