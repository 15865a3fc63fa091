/* cli/cli.h — the `vow` command's subcommands (private to the program). */
#ifndef VOW_CLI_H
#define VOW_CLI_H

/* Exit codes shared by every subcommand. */
enum { CLI_OK = 0, CLI_INVALID = 1, CLI_USAGE = 2, CLI_FAILURE = 3 };

int cli_policy(int argc, char **argv);
int cli_init(int argc, char **argv);
int cli_vault(int argc, char **argv); /* subject, record, file, key */

/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

#endif
