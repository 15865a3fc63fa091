/* cli/cli.h — the `vow` command's subcommands (private to the program). */
#ifndef VOW_CLI_H
#define VOW_CLI_H

#include <stdbool.h>

/* Exit codes shared by every subcommand. */
enum { CLI_OK = 0, CLI_INVALID = 1, CLI_USAGE = 2, CLI_FAILURE = 3, CLI_DIFF_MATERIAL = 4 };

int cli_policy(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_vault(int argc, char **argv); /* subject, record, file, key */

int cli_consent(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_audit(int argc, char **argv);     /* audit verify|subject */
int cli_key(int argc, char **argv);       /* key create|list|revoke */
int cli_config(int argc, char **argv);    /* config show|set */
int cli_retention(int argc, char **argv); /* retention run|plan|keep|recompute */
int cli_outbox(int argc, char **argv);    /* outbox list|send */
int cli_request(int argc, char **argv);
int cli_agent(int argc, char **argv);
/* agent add|business-id */ /* request file|list|show|verify|process|deny|extend */
/* key create --role R */   /* consent give|refuse|withdraw|history|verify|object|restrict */

struct policy;
struct vault;
/* Loads DIR/policy.yaml and opens the vault in DIR; a CLI exit code. */
int cli_open_vault(const char *dir, struct policy **p, struct vault **v);

/* For a subcommand's argv: with -h/--help, prints usage to stdout and sets
 * *rc to CLI_OK; without a verb, prints it to stderr and sets CLI_USAGE;
 * true in both cases (the caller returns *rc), false to go on. */
bool cli_help_or_usage(int argc, char **argv, const char *usage, int *rc);

/* CLI_OK when the data directory has a public URL to make links from;
 * otherwise says so on stderr as cmd, naming how to set it, and returns
 * CLI_INVALID: a command that would queue an e-mail with a link refuses
 * before it changes anything. */
int cli_need_public_url(struct vault *v, const char *cmd);

/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

#endif
