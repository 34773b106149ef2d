/* cli.c — helpers every subcommand shares: error lines, exit codes, opening the input with
 * progress on a terminal. */
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "findings.h"
#include "load.h"

bool cli_verbose;

/* The signal that interrupted a load (0: none). A load in progress polls it (ls_load_options
 * .cancel): its decoder is stopped and its temporary file removed before we die of the signal. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

static void catch_interrupts(bool on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? on_interrupt : SIG_DFL; /* no SA_RESTART: waits end with EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Dies of the signal that interrupted the load, as the shell expects of an interrupted command. */
static void die_of_interrupt(void)
{
	int sig = interrupted;

	if (!sig)
		return;
	catch_interrupts(false);
	fflush(stdout);
	raise(sig);
}

int cli_report_error(const ls_error *err)
{
	char buf[2048];

	fprintf(stderr, "lockstep: %s\n", ls_error_format(err, buf, sizeof(buf)));
	if (cli_verbose && err->detail[0])
		fprintf(stderr, "lockstep: detail: %s\n", err->detail);
	switch (err->status) {
	case LS_ERR_CANCELLED:
		die_of_interrupt();
		return CLI_EXIT_INTERRUPTED;
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
	fprintf(stderr, " (see 'lockstep help %s')\n", subcommand);
	return CLI_EXIT_USAGE;
}

int cli_bad_option(const char *subcommand, char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	char shortopt[3] = { '-', (char)optopt, '\0' };
	const char *name = shortopt;

	/* An unknown or argument-less long option is the argument getopt_long just passed. */
	if (arg && strncmp(arg, "--", 2) == 0 && (optopt == 0 || c == ':'))
		name = arg;
	else if (!optopt)
		name = arg ? arg : "?";
	if (c == ':')
		return cli_usage_error(subcommand, "option '%s' needs an argument", name);
	return cli_usage_error(subcommand, "unknown option '%s'", name);
}

int cli_parse_report_format(const char *subcommand, const char *arg, ls_report_format *format)
{
	if (!ls_report_format_from_name(arg, format))
		return cli_usage_error(subcommand, "--format takes text or json, not '%s'", arg);
	return CLI_EXIT_OK;
}

int cli_parse_format(const char *subcommand, const char *arg, bool *json)
{
	ls_report_format format;
	int rc = cli_parse_report_format(subcommand, arg, &format);

	if (rc == CLI_EXIT_OK)
		*json = format == LS_REPORT_JSON;
	return rc;
}

int cli_parse_fail_on(const char *subcommand, const char *arg, int *fail_on)
{
	ls_severity sev;

	if (strcmp(arg, "never") == 0)
		*fail_on = LS_SEV_COUNT;
	else if (ls_severity_from_name(arg, &sev))
		*fail_on = (int)sev;
	else
		return cli_usage_error(subcommand, "--fail-on takes error, warning, note or never, not '%s'",
				       arg);
	return CLI_EXIT_OK;
}

void cli_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

bool cli_stderr_is_tty(void)
{
	return isatty(STDERR_FILENO);
}

/* The progress line is drawn with \r; `shown` remembers whether one is on screen. */
static bool progress_shown;

static void progress(void *user, uint64_t events)
{
	(void)user;
	fprintf(stderr, "\rlockstep: loading… %llu events", (unsigned long long)events);
	fflush(stderr);
	progress_shown = true;
}

static void warning(void *user, const char *message)
{
	(void)user;
	fprintf(stderr, "%slockstep: warning: %s\n", progress_shown ? "\n" : "", message);
}

static void decoder_log(void *user, const char *line)
{
	(void)user;
	if (cli_verbose)
		fprintf(stderr, "%slockstep: decoder: %s\n", progress_shown ? "\n" : "", line);
}

ls_load_options cli_load_options(bool quiet)
{
	ls_load_options opts = { .warning = warning, .decoder_log = decoder_log, .cancel = &interrupted };

	if (!quiet && cli_stderr_is_tty())
		opts.progress = progress;
	catch_interrupts(true);
	return opts;
}

void cli_end_progress(const ls_load_options *opts)
{
	(void)opts;
	if (progress_shown)
		fprintf(stderr, "\r\033[K");
	progress_shown = false;
	/* the load is over: a signal now ends the command the ordinary way */
	if (interrupted && opts)
		return; /* cli_report_error dies of it once the error is printed */
	catch_interrupts(false);
}

int cli_open_input(const char *path, bool writable, ls_store **out)
{
	ls_load_options opts = cli_load_options(false);
	ls_error err;
	ls_status st;

	ls_error_clear(&err);
	st = ls_input_open(path, writable, &opts, out, &err);
	cli_end_progress(&opts);
	return st == LS_OK ? CLI_EXIT_OK : cli_report_error(&err);
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

int cli_open_symbols(ls_store *store, const char *file, ls_symbols **out)
{
	char source[4096] = "";
	ls_error err;

	*out = NULL;
	ls_error_clear(&err);
	if (file)
		return ls_symbols_open(file, out, &err) == LS_OK ? CLI_EXIT_OK : cli_report_error(&err);
	ls_store_meta(store, "source", source, sizeof(source));
	if (source[0] && ls_symbols_open_dir(source, out, &err) != LS_OK) {
		char buf[2048];

		/* A broken map in the trace directory costs symbol names, not the command. */
		fprintf(stderr, "lockstep: warning: %s; call sites print as hex\n",
			ls_error_format(&err, buf, sizeof(buf)));
		*out = NULL;
	}
	return CLI_EXIT_OK;
}
