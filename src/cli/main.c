/* cli/main.c — `vow`: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "vow.h"

static const char usage[] =
    "usage: vow COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  init DIR [--policy FILE]          create a data directory (master key, policy, stores, "
    "admin key)\n"
    "  policy check FILE                 validate a policy file\n"
    "  policy show FILE [--json]         print the compiled policy\n"
    "  serve [--data DIR] [--listen ADDR:PORT] ...   the HTTP/JSON API\n"
    "  key create --role ROLE            a new API key, printed once\n"
    "  key list | key revoke ID          the API keys (no secrets); stop one at once\n"
    "  key rotate                        re-wrap every key under a new master key\n"
    "  subject create|show|list|find|close|erase   the people whose data vow holds\n"
    "  record put|get|verify|list|delete sealed JSON values per subject and category\n"
    "  file put|get|list                 sealed files, streamed\n"
    "  consent give|refuse|withdraw|history|verify|public-key|object|restrict\n"
    "  audit verify | audit subject ID   the tamper-evident log\n"
    "  retention run|plan|keep|recompute deletion on schedule, with notices\n"
    "  outbox list|send|retry            queued e-mails and webhooks\n"
    "  request file|list|show|verify|process|deny|extend   rights requests\n"
    "  agent add|business-id             Data Rights Protocol agents\n"
    "  config show | config set NAME V   settings: public-url, mail-per-hour\n"
    "  version                           print the version\n"
    "\n"
    "Data commands take --data DIR (default $VOW_DATA, else ./vow-data).\n"
    "Run 'vow COMMAND --help' for a command's options.\n";

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

bool cli_help_or_usage(int argc, char **argv, const char *text, int *rc)
{
	if (argc >= 2 && !cli_wants_help(argc, argv))
		return false;
	fputs(text, argc < 2 ? stderr : stdout);
	*rc = argc < 2 ? CLI_USAGE : CLI_OK;
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("vow %s\n", VOW_VERSION);
		return CLI_OK;
	}
	if (crypto_init() != VOW_OK) {
		fputs("vow: cannot initialise the crypto library\n", stderr);
		return CLI_FAILURE;
	}
	if (strcmp(cmd, "policy") == 0)
		return cli_policy(argc - 1, argv + 1);
	if (strcmp(cmd, "init") == 0)
		return cli_init(argc - 1, argv + 1);
	if (strcmp(cmd, "consent") == 0)
		return cli_consent(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cli_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "audit") == 0)
		return cli_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "retention") == 0)
		return cli_retention(argc - 1, argv + 1);
	if (strcmp(cmd, "outbox") == 0)
		return cli_outbox(argc - 1, argv + 1);
	if (strcmp(cmd, "request") == 0)
		return cli_request(argc - 1, argv + 1);
	if (strcmp(cmd, "agent") == 0)
		return cli_agent(argc - 1, argv + 1);
	if (strcmp(cmd, "key") == 0 &&
	    (argc == 2 || strcmp(argv[2], "create") == 0 || strcmp(argv[2], "list") == 0 ||
	     strcmp(argv[2], "revoke") == 0 || strcmp(argv[2], "-h") == 0 ||
	     strcmp(argv[2], "--help") == 0))
		return cli_key(argc - 1, argv + 1);
	if (strcmp(cmd, "config") == 0)
		return cli_config(argc - 1, argv + 1);
	if (strcmp(cmd, "subject") == 0 || strcmp(cmd, "record") == 0 || strcmp(cmd, "file") == 0 ||
	    strcmp(cmd, "key") == 0)
		return cli_vault(argc - 1, argv + 1);
	fprintf(stderr, "vow: unknown command '%s'\n\n%s", cmd, usage);
	return CLI_USAGE;
}
