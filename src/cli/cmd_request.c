/* cli/cmd_request.c — `vow request`: rights requests for staff. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "rights/rights.h"
#include "util/clock.h"
#include "vow.h"

static const char usage[] =
    "usage: vow request file SUBJECT TYPE [--detail JSON] [--verified] [--data DIR]\n"
    "       vow request list [--open | --overdue] [--subject ID] [--json] [--data DIR]\n"
    "       vow request show ID [--data DIR]\n"
    "       vow request verify ID CODE [--data DIR]\n"
    "       vow request process ID [--data DIR]\n"
    "       vow request deny ID GROUND REASON [--data DIR]\n"
    "       vow request extend ID MONTHS REASON [--data DIR]\n"
    "\n"
    "TYPE: access, portability, rectification, erasure, restriction,\n"
    "restriction_lift, objection, withdrawal. --detail: rectification\n"
    "'{\"category\":C,\"value\":V}', restriction '{\"category\":C}' (\"*\": all),\n"
    "objection and withdrawal '{\"purpose\":P}'. A request filed here is\n"
    "verified by a code e-mailed to the person, unless --verified says staff\n"
    "checked their identity. One request of each TYPE can be open per person.\n"
    "Deadlines: one month from receipt, extendable once by up to two months\n"
    "within the first. GROUND for deny: art17_3_a .. art17_3_e (erasure),\n"
    "identity_not_verified, manifestly_unfounded, excessive,\n"
    "right_not_applicable. Times are UTC. process of an access or\n"
    "portability request e-mails a download link made from the public-url\n"
    "setting, and refuses without one (see vow config).\n";

struct opts {
	const char *data, *pos[4], *detail, *subject;
	size_t npos;
	bool verified, open, overdue, json;
};

static int parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->data = getenv("VOW_DATA") != NULL ? getenv("VOW_DATA") : "vow-data";
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool val = i + 1 < argc;
		if (strcmp(a, "--data") == 0 && val)
			o->data = argv[++i];
		else if (strcmp(a, "--detail") == 0 && val)
			o->detail = argv[++i];
		else if (strcmp(a, "--subject") == 0 && val)
			o->subject = argv[++i];
		else if (strcmp(a, "--verified") == 0)
			o->verified = true;
		else if (strcmp(a, "--open") == 0)
			o->open = true;
		else if (strcmp(a, "--overdue") == 0)
			o->overdue = true;
		else if (strcmp(a, "--json") == 0)
			o->json = true;
		else if (a[0] != '-' && o->npos < 4)
			o->pos[o->npos++] = a;
		else
			return CLI_USAGE;
	}
	return CLI_OK;
}

static int fail(const char *what, vow_err err)
{
	const char *why = vow_err_message(err);
	if (err == VOW_ERR_EXISTS)
		why = "the request is past this step (verified, completed or denied)";
	else if (err == VOW_ERR_DENIED)
		why =
		    "not allowed now (a wrong code, the identity not verified yet, or outside the "
		    "deadline rules)";
	fprintf(stderr, "vow: %s: %s\n", what, why);
	return err == VOW_ERR_IO || err == VOW_ERR_NOMEM || err == VOW_ERR_INTERNAL ? CLI_FAILURE
	                                                                            : CLI_INVALID;
}

static vow_err print_cb(void *ctx, const struct vault_request *r)
{
	const struct opts *o = ctx;
	char received[21], due[21];
	clock_format(r->received_at, received);
	clock_format(r->due_at, due);
	if (o->json) {
		json_t *j =
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "id", r->id, "subject",
		              r->subject, "type", r->type, "status", r->status, "received_at",
		              received, "due_at", due, "extended_months", r->extended);
		char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (s == NULL)
			return VOW_ERR_NOMEM;
		puts(s);
		free(s);
	} else {
		printf("%s %-16s %-11s received %s due %s subject %s\n", r->id, r->type, r->status,
		       received, due, r->subject);
	}
	return VOW_OK;
}

static vow_err event_cb(void *ctx, const char *status, int64_t at, const char *note)
{
	(void)ctx;
	char t[21];
	clock_format(at, t);
	printf("  %s %s%s%s\n", t, status, note[0] ? ": " : "", note);
	return VOW_OK;
}

static int run(struct vault *v, const char *sub, const struct opts *o)
{
	vow_err err = VOW_OK;
	char id[VOW_ID_LEN + 1];
	if (strcmp(sub, "file") == 0 && o->npos == 2) {
		struct rights_filing f = {o->pos[0], o->pos[1], "staff", o->detail, o->verified};
		err = rights_file(v, &f, id);
		if (err == VOW_OK)
			puts(id);
		if (err == VOW_ERR_EXISTS) {
			fprintf(stderr,
			        "vow: cannot file the request: a request of this type is already "
			        "open for this person: %s\n",
			        id);
			return CLI_INVALID;
		}
		return err == VOW_OK ? CLI_OK : fail("cannot file the request", err);
	}
	if (strcmp(sub, "list") == 0 && o->npos == 0) {
		err = o->overdue ? rights_overdue(v, clock_now(), print_cb, (void *)o)
		                 : vault_request_list(v, o->subject, o->open, print_cb, (void *)o);
		return err == VOW_OK ? CLI_OK : fail("cannot list", err);
	}
	if (strcmp(sub, "show") == 0 && o->npos == 1) {
		struct vault_request r;
		char *detail = NULL;
		err = vault_request_get(v, o->pos[0], &r, &detail);
		if (err == VOW_OK) {
			struct opts plain = *o;
			plain.json = false;
			err = print_cb(&plain, &r);
			if (r.ground[0] != '\0')
				printf("  ground: %s (%s)\n", r.ground, r.note);
			if (err == VOW_OK)
				err = vault_request_events(v, r.id, event_cb, NULL);
			if (err == VOW_OK && detail != NULL && strcmp(r.status, "completed") == 0)
				printf("  answer: %s\n", detail);
		}
		free(detail);
		return err == VOW_OK ? CLI_OK : fail("cannot show the request", err);
	}
	if (strcmp(sub, "verify") == 0 && o->npos == 2) {
		int64_t until = 0;
		err = rights_verify(v, o->pos[0], o->pos[1], &until);
		if (err == VOW_OK)
			puts("verified");
		if (until != 0) {
			char at[21];
			clock_format(until, at);
			fprintf(stderr,
			        "vow: too many wrong codes for this person: no code is accepted "
			        "in their name until %s\n",
			        at);
		}
		return err == VOW_OK ? CLI_OK : fail("cannot verify", err);
	}
	if (strcmp(sub, "process") == 0 && o->npos == 1) {
		struct vault_request r;
		err = vault_request_get(v, o->pos[0], &r, NULL);
		bool exports = strcmp(r.type, "access") == 0 || strcmp(r.type, "portability") == 0;
		bool ready =
		    strcmp(r.status, "verified") == 0 || strcmp(r.status, "in_progress") == 0;
		if (err == VOW_OK && exports && ready) {
			int rc = cli_need_public_url(v, "vow request process");
			if (rc != CLI_OK)
				return rc; /* its answer is a download link */
		}
		char *result = NULL;
		if (err == VOW_OK)
			err = rights_process(v, o->pos[0], &result);
		if (err == VOW_OK)
			puts(result);
		free(result);
		return err == VOW_OK ? CLI_OK : fail("cannot carry it out", err);
	}
	if (strcmp(sub, "deny") == 0 && o->npos == 3) {
		err = rights_deny(v, o->pos[0], o->pos[1], o->pos[2]);
		if (err == VOW_OK)
			puts("denied");
		return err == VOW_OK ? CLI_OK : fail("cannot deny", err);
	}
	if (strcmp(sub, "extend") == 0 && o->npos == 3) {
		char *end = NULL;
		long months = strtol(o->pos[1], &end, 10);
		if (end == o->pos[1] || *end != '\0')
			return fail("MONTHS is 1 or 2", VOW_ERR_INVALID);
		err = rights_extend(v, o->pos[0], (int)months, o->pos[2]);
		struct vault_request r;
		if (err == VOW_OK && (err = vault_request_get(v, o->pos[0], &r, NULL)) == VOW_OK) {
			char due[21];
			clock_format(r.due_at, due);
			printf("due %s\n", due);
		}
		return err == VOW_OK ? CLI_OK : fail("cannot extend", err);
	}
	fputs(usage, stderr);
	return CLI_USAGE;
}

int cli_request(int argc, char **argv)
{
	int rc = CLI_OK;
	if (cli_help_or_usage(argc, argv, usage, &rc))
		return rc;
	struct opts o;
	if (parse(argc, argv, &o) != CLI_OK) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	struct policy *p = NULL;
	struct vault *v = NULL;
	rc = cli_open_vault(o.data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	rc = run(v, argv[1], &o);
	vault_close(&v);
	policy_free(&p);
	return rc;
}

/* ---- vow agent ---- */

static const char agent_usage[] =
    "usage: vow agent add ID --name NAME --verify-key BASE64 [--data DIR]\n"
    "       vow agent business-id [ID] [--data DIR]\n"
    "\n"
    "add registers an authorized agent of the Data Rights Protocol: its id\n"
    "([A-Z_]+, from the network's directory) and its Ed25519 verify key in base64.\n"
    "The agent then sets up its pair-wise token with POST /v1/agent/ID.\n"
    "business-id shows (or sets) the id this business has in the network\n"
    "(default VOW); signed requests must name it.\n";

int cli_agent(int argc, char **argv)
{
	int rc = CLI_OK;
	if (cli_help_or_usage(argc, argv, agent_usage, &rc))
		return rc;
	const char *data = getenv("VOW_DATA") != NULL ? getenv("VOW_DATA") : "vow-data";
	const char *name = NULL, *key = NULL, *id = NULL;
	for (int i = 2; i < argc; i++) {
		bool val = i + 1 < argc;
		if (strcmp(argv[i], "--data") == 0 && val)
			data = argv[++i];
		else if (strcmp(argv[i], "--name") == 0 && val)
			name = argv[++i];
		else if (strcmp(argv[i], "--verify-key") == 0 && val)
			key = argv[++i];
		else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else {
			fputs(agent_usage, stderr);
			return CLI_USAGE;
		}
	}
	bool add = strcmp(argv[1], "add") == 0, business = strcmp(argv[1], "business-id") == 0;
	if ((!add && !business) || (add && (id == NULL || name == NULL || key == NULL))) {
		fputs(agent_usage, stderr);
		return CLI_USAGE;
	}
	struct policy *p = NULL;
	struct vault *v = NULL;
	rc = cli_open_vault(data, &p, &v);
	if (rc != CLI_OK)
		return rc;
	vow_err err;
	if (add) {
		err = vault_agent_add(v, id, name, key);
		if (err == VOW_OK)
			printf("agent %s registered\n", id);
	} else if (id != NULL) {
		err = vault_business_id_set(v, id);
	} else {
		char bid[64];
		err = vault_business_id(v, bid);
		if (err == VOW_OK)
			puts(bid);
	}
	vault_close(&v);
	policy_free(&p);
	if (err == VOW_ERR_INVALID) {
		fputs("vow agent: an id is [A-Z_]+ (under 64); the verify key is 32 bytes in "
		      "base64\n",
		      stderr);
		return CLI_INVALID;
	}
	return err == VOW_OK ? CLI_OK : fail("cannot change the agents", err);
}
