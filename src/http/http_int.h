/* http/http_int.h — private to http/: the request, the route table and the
 * helpers handlers use. */
#ifndef VOW_HTTP_INT_H
#define VOW_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <time.h>

#include "http/http.h"
#include "vault/vault.h"

#define HTTP_MAX_PARAMS 3

struct request;
typedef enum MHD_Result (*route_fn)(struct MHD_Connection *c, struct request *r);

enum route_flags {
	ROUTE_PUBLIC = 1u << 0, /* no API key */
	ROUTE_BODY = 1u << 1,   /* takes a JSON body */
	ROUTE_UPLOAD = 1u << 2, /* streams its body into a file */
	ROUTE_ADMIN = 1u << 3,  /* admin keys only */
	ROUTE_WRITES = 1u << 4, /* writes: serialised in-process, so SQLite never busy-waits */
};

struct route {
	const char *method, *pattern;
	route_fn fn;
	unsigned flags;
};

struct request {
	const struct route *route;
	int route_index;
	char params[HTTP_MAX_PARAMS][160];
	struct vault_apikey key;
	struct vault *v; /* this thread's vault */
	char *body;
	size_t len, cap;
	bool too_large, answered;
	struct vault_file_writer *writer;
	vow_err upload_err;
	struct timespec t0;
	unsigned status;
};

extern const struct route http_route_table[];
extern const size_t http_route_count;
extern const struct http_config *http_cfg;

/* Responses. Each returns what MHD_queue_response returned. */
/* Answers 200 with text (taken, freed) as the given media type; 500 if
 * text is NULL (it could not be made). */
enum MHD_Result http_text(struct MHD_Connection *c, struct request *r, const char *type,
                          char *text);

enum MHD_Result http_json(struct MHD_Connection *c, struct request *r, unsigned status,
                          json_t *body);
/* Answers status with no body. */
enum MHD_Result http_empty(struct MHD_Connection *c, struct request *r, unsigned status);
enum MHD_Result http_error(struct MHD_Connection *c, struct request *r, unsigned status,
                           const char *code, const char *message, const char *reason);
/* The error for a vow_err (status and code from the error table; a deny
 * carries the vault's reason). */
enum MHD_Result http_fail(struct MHD_Connection *c, struct request *r, vow_err err);

/* The parsed JSON body (NULL after answering 400/413/422 itself). */
json_t *http_body_json(struct MHD_Connection *c, struct request *r);

/* The access a request acts with: the key's policy role, its staff id, the
 * Vow-Purpose header and the Sec-GPC / DNT headers. purpose may be NULL. */
void http_access(struct MHD_Connection *c, struct request *r, struct vault_access *a);

/* True when the key may act for subject (admins, services and staff: any;
 * subject keys: their own). Answers 403 itself when not. */
bool http_subject_allowed(struct MHD_Connection *c, struct request *r, const char *subject);

/* Streams a stored file as the answer (the reader is taken: closed when
 * the answer is done), each chunk verified before it is sent; with
 * download_name, as an attachment of that name. */
enum MHD_Result http_stream_file(struct MHD_Connection *c, struct request *r,
                                 struct vault_file_reader *rd, const struct vault_file_info *info,
                                 const char *download_name);

/* True when the key may act in subject's name (file a rights request, ask
 * for a new code, keep an item after a notice): admin keys; a subject key
 * for its own person; service and staff keys whose policy role has
 * acts_for_subjects. Answers 403 itself when not. (routes_rights.c) */
bool http_may_act_for(struct MHD_Connection *c, struct request *r, const char *subject);

/* Rights-request handlers (routes_rights.c). */
enum MHD_Result http_request_file(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_request_list(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_request_get(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_request_verify(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_request_resend(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_request_process(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_request_deny(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_request_extend(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_export_get(struct MHD_Connection *c, struct request *r);

/* Data Rights Protocol handlers (routes_drp.c). */
enum MHD_Result http_drp_pair(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_drp_agent(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_drp_exercise(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_drp_status(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_drp_revoke(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_agent_add(struct MHD_Connection *c, struct request *r); /* admin */

/* Retention and outbox handlers (routes_retention.c). */
enum MHD_Result http_retention_page(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_retention_keep(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_retention_release(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_subject_retention(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_subject_keep(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_subject_activity(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_subject_contract_end(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_outbox_list(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_outbox_retry(struct MHD_Connection *c, struct request *r);

/* API keys (routes_keys.c, admin). */
enum MHD_Result http_key_list(struct MHD_Connection *c, struct request *r);
enum MHD_Result http_key_revoke(struct MHD_Connection *c, struct request *r);

/* Metrics. */
void http_metrics_decision(bool allow, const char *reason);
char *http_metrics_text(void);
void http_metrics_request(int route, unsigned status, double ms);

#endif
