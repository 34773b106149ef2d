/* cli.c — helpers every subcommand shares: error lines, exit codes, opening the input with
 * progress on a terminal. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "load.h"

int cli_report_error(const ls_error *err)
{
	char buf[2048];

	fprintf(stderr, "lockstep: %s\n", ls_error_format(err, buf, sizeof(buf)));
	switch (err->status) {
	case LS_ERR_USAGE:
	case LS_ERR_INPUT:
		return CLI_EXIT_USAGE;
	default:
		return CLI_EXIT_FAILURE;
	}
}

int cli_usage_error(const char *subcommand, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lockstep %s: ", subcommand);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'lockstep %s --help')\n", subcommand);
	return CLI_EXIT_USAGE;
}

bool cli_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO);
}

static void progress(void *user, uint64_t events)
{
	(void)user;
	fprintf(stderr, "\rlockstep: loading… %llu events", (unsigned long long)events);
	fflush(stderr);
}

static void warning(void *user, const char *message)
{
	bool *progress_shown = user;

	fprintf(stderr, "%slockstep: warning: %s\n", *progress_shown ? "\n" : "", message);
}

int cli_open_input(const char *path, bool writable, ls_store **out)
{
	bool tty = cli_stderr_is_tty();
	ls_load_options opts = { tty ? progress : NULL, NULL, warning, &tty };
	ls_error err;

	ls_error_clear(&err);
	if (ls_input_open(path, writable, &opts, out, &err) != LS_OK)
		return cli_report_error(&err);
	if (tty)
		fprintf(stderr, "\r\033[K");
	return CLI_EXIT_OK;
}

const char *cli_format_ns(double ns, char *buf, unsigned size)
{
	if (ns < 1e3)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.3g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, size, "%.4g s", ns / 1e9);
	return buf;
}
