/* fleetcli.c — see fleetcli.h. Workers are forked processes, not threads: each loads one trace
 * with babeltrace2 and SQLite in its own address space, hands its summary back as a one-trace
 * fleet database in a private temporary directory, and exits. */
#include "fleetcli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "crossorder.h"
#include "fleetreport.h"
#include "grow.h"

#define EXIT_KNOWN 10 /* worker: the fleet already has this trace */

static bool push(fleetcli_inputs *in, const char *path, bool is_fleet)
{
	size_t cap = in->cap;

	if (!ls_grow((void **)&in->paths, &cap, in->n + 1, sizeof(*in->paths)))
		return false;
	if (!ls_grow((void **)&in->is_fleet, &in->cap, in->n + 1, sizeof(*in->is_fleet)))
		return false;
	if (!(in->paths[in->n] = strdup(path)))
		return false;
	in->is_fleet[in->n++] = is_fleet;
	return true;
}

void fleetcli_inputs_free(fleetcli_inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->paths[i]);
	free(in->paths);
	free(in->is_fleet);
	memset(in, 0, sizeof(*in));
}

static bool exists_below(const char *dir, const char *rel, bool want_dir)
{
	char buf[4200];
	struct stat sb;

	if (snprintf(buf, sizeof(buf), "%s/%s", dir, rel) >= (int)sizeof(buf) || stat(buf, &sb) != 0)
		return false;
	return want_dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode);
}

/* A trace as the loader reads one: CTF (`metadata` here), or an LTTng session directory whose
 * kernel/ or ust/ holds the CTF. */
static bool is_trace_dir(const char *path)
{
	return exists_below(path, "metadata", false) || exists_below(path, "kernel/metadata", false) ||
	       exists_below(path, "ust", true);
}

/* A directory that is not a trace but holds traces or databases. */
static bool holds_traces(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool yes = false;

	if (!d)
		return false;
	while (!yes && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		yes = (len > 3 && strcmp(de->d_name + len - 3, ".db") == 0 &&
		       exists_below(dir, de->d_name, false));
		if (!yes && exists_below(dir, de->d_name, true)) {
			char sub[4200];

			yes = snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) < (int)sizeof(sub) &&
			      is_trace_dir(sub);
		}
	}
	closedir(d);
	return yes;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int expand_dir(const char *cmd, const char *dir, bool allow_fleet, fleetcli_inputs *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, before = out->n;
	int rc = CLI_EXIT_OK;

	if (!d) {
		fprintf(stderr, "lockstep: %s: %s\n", dir, strerror(errno));
		return CLI_EXIT_USAGE;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!ls_grow((void **)&names, &cap, n + 1, sizeof(*names)) ||
		    !(names[n] = strdup(de->d_name))) {
			rc = CLI_EXIT_FAILURE;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
		char path[4096], stem[4096];
		struct stat sb;
		size_t len = strlen(names[i]);
		const char *suffix = ".lockstep.db";
		size_t slen = strlen(suffix);

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path) ||
		    stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			if (is_trace_dir(path) && !push(out, path, false))
				rc = CLI_EXIT_FAILURE;
			continue;
		}
		if (!S_ISREG(sb.st_mode) || len < 3 || strcmp(names[i] + len - 3, ".db") != 0)
			continue;
		if (len > slen && strcmp(names[i] + len - slen, suffix) == 0) {
			if (snprintf(stem, sizeof(stem), "%s/%.*s", dir, (int)(len - slen), names[i]) <
				    (int)sizeof(stem) &&
			    is_trace_dir(stem))
				continue; /* the database of a trace listed already */
		}
		bool fleet = ls_fleet_is_fleet_db(path);

		if (fleet && !allow_fleet)
			continue;
		if (!push(out, path, fleet))
			rc = CLI_EXIT_FAILURE;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == CLI_EXIT_FAILURE)
		fprintf(stderr, "lockstep %s: out of memory\n", cmd);
	else if (out->n == before) {
		fprintf(stderr, "lockstep: %s: no trace or database in this directory\n", dir);
		rc = CLI_EXIT_USAGE;
	}
	return rc;
}

int fleetcli_expand(const char *cmd, char **args, int n, bool allow_fleet, fleetcli_inputs *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++) {
		struct stat sb;
		int rc;

		if (stat(args[i], &sb) != 0) {
			fprintf(stderr, "lockstep: %s: %s\n", args[i], strerror(errno));
			return CLI_EXIT_USAGE;
		}
		if (S_ISDIR(sb.st_mode) && !is_trace_dir(args[i]) && holds_traces(args[i])) {
			if ((rc = expand_dir(cmd, args[i], allow_fleet, out)) != CLI_EXIT_OK)
				return rc;
			continue;
		}
		bool fleet = !S_ISDIR(sb.st_mode) && ls_fleet_is_fleet_db(args[i]);

		if (fleet && !allow_fleet) {
			fprintf(stderr, "lockstep: %s: a fleet database; use 'lockstep fleet check' on it\n",
				args[i]);
			return CLI_EXIT_USAGE;
		}
		if (!push(out, args[i], fleet)) {
			fprintf(stderr, "lockstep %s: out of memory\n", cmd);
			return CLI_EXIT_FAILURE;
		}
	}
	return CLI_EXIT_OK;
}

/* One input, in this process: *out the summary, or NULL when the fleet already has it. */
static int summarize_one(const char *input, const fleetcli_options *opts, ls_trace_summary **out,
			 char *label, size_t label_size)
{
	ls_store *store = NULL;
	ls_symbols *syms = NULL;
	ls_error err;
	int rc;

	*out = NULL;
	ls_error_clear(&err);
	rc = cli_open_input(input, opts->writable, &store);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opts->fleet_path) {
		char hash[LS_SUMMARY_HASH_LEN + 1];
		ls_fleet *fleet = NULL;
		bool found = false;

		if (ls_summary_hash(store, hash, &err) != LS_OK ||
		    ls_fleet_open(opts->fleet_path, true, &fleet, &err) != LS_OK ||
		    ls_fleet_lookup(fleet, hash, &found, label, label_size, &err) != LS_OK) {
			ls_fleet_close(fleet);
			rc = cli_report_error(&err);
			goto end;
		}
		ls_fleet_close(fleet);
		/* Known under this label or a smaller one: adding it again changes nothing. */
		if (found && strcmp(input, label) >= 0)
			goto end;
	}
	if ((rc = cli_open_symbols(store, opts->symbols_path, &syms)) != CLI_EXIT_OK)
		goto end;
	if (ls_summary_build(store, input, syms, &opts->check, out, &err) != LS_OK)
		rc = cli_report_error(&err);
end:
	ls_symbols_free(syms);
	ls_store_close(store);
	return rc;
}

typedef struct {
	pid_t pid;
	size_t input;
	char tmp[4096];
} worker;

/* Reads back the one-trace fleet database a worker wrote. */
static int collect(const char *tmp, ls_trace_summary **out)
{
	ls_fleet *f = NULL;
	ls_trace_summary **list = NULL;
	size_t n = 0;
	ls_error err;
	int rc = CLI_EXIT_OK;

	*out = NULL;
	ls_error_clear(&err);
	if (ls_fleet_open(tmp, false, &f, &err) != LS_OK || ls_fleet_load(f, &list, &n, &err) != LS_OK)
		rc = cli_report_error(&err);
	else if (n == 1)
		*out = list[0];
	else
		rc = CLI_EXIT_FAILURE;
	for (size_t i = 1; i < n; i++)
		ls_summary_free(list[i]);
	free(list);
	ls_fleet_close(f);
	return rc;
}

static int worst(int a, int b)
{
	/* failure (3) > usage/input (2) > ok */
	return a > b ? a : b;
}

int fleetcli_summarize(const fleetcli_inputs *in, const fleetcli_options *opts, fleetcli_sink sink,
		       void *user)
{
	char label[4096];
	int result = CLI_EXIT_OK;

	if (opts->jobs <= 1) {
		for (size_t i = 0; i < in->n && result != CLI_EXIT_FAILURE; i++) {
			ls_trace_summary *s = NULL;
			int rc;

			if (in->is_fleet[i])
				continue;
			label[0] = '\0';
			rc = summarize_one(in->paths[i], opts, &s, label, sizeof(label));
			if (rc == CLI_EXIT_OK)
				rc = sink(user, in->paths[i], s, label);
			result = worst(result, rc);
		}
		return result;
	}

	char dir[] = "/tmp/lockstep-fleet.XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	char dirbuf[4096];
	worker *w = calloc((size_t)opts->jobs, sizeof(*w));
	size_t next = 0;
	int running = 0;

	if (tmpdir && *tmpdir)
		snprintf(dirbuf, sizeof(dirbuf), "%s/lockstep-fleet.XXXXXX", tmpdir);
	else
		snprintf(dirbuf, sizeof(dirbuf), "%s", dir);
	if (!w || !mkdtemp(dirbuf)) {
		fprintf(stderr, "lockstep: %s: cannot create a temporary directory: %s\n", dirbuf,
			strerror(errno));
		free(w);
		return CLI_EXIT_FAILURE;
	}
	fflush(NULL);
	for (;;) {
		while (running < opts->jobs && next < in->n && result != CLI_EXIT_FAILURE) {
			size_t i = next++;
			int slot = 0;

			if (in->is_fleet[i])
				continue;
			while (w[slot].pid)
				slot++;
			if (snprintf(w[slot].tmp, sizeof(w[slot].tmp), "%s/%zu.fleet.db", dirbuf, i) >=
			    (int)sizeof(w[slot].tmp)) {
				fprintf(stderr, "lockstep: %s: temporary path too long\n", dirbuf);
				result = CLI_EXIT_FAILURE;
				break;
			}
			w[slot].input = i;
			pid_t pid = fork();

			if (pid < 0) {
				fprintf(stderr, "lockstep: cannot start a worker: %s\n", strerror(errno));
				result = CLI_EXIT_FAILURE;
				break;
			}
			if (pid == 0) {
				ls_trace_summary *s = NULL;
				ls_fleet *f = NULL;
				ls_error err;
				int rc = summarize_one(in->paths[i], opts, &s, label, sizeof(label));

				ls_error_clear(&err);
				if (rc == CLI_EXIT_OK && !s)
					rc = EXIT_KNOWN;
				else if (rc == CLI_EXIT_OK &&
					 (ls_fleet_open(w[slot].tmp, true, &f, &err) != LS_OK ||
					  ls_fleet_add(f, s, NULL, &err) != LS_OK))
					rc = cli_report_error(&err);
				ls_fleet_close(f);
				ls_summary_free(s);
				fflush(NULL);
				_exit(rc);
			}
			w[slot].pid = pid;
			running++;
		}
		if (running == 0)
			break;
		int status;
		pid_t pid = wait(&status);

		if (pid < 0)
			break;
		for (int slot = 0; slot < opts->jobs; slot++) {
			if (w[slot].pid != pid)
				continue;
			int rc = WIFEXITED(status) ? WEXITSTATUS(status) : CLI_EXIT_FAILURE;
			const char *input = in->paths[w[slot].input];
			ls_trace_summary *s = NULL;

			w[slot].pid = 0;
			running--;
			if (!WIFEXITED(status))
				fprintf(stderr, "lockstep: %s: the worker summarising it died (signal %d)\n",
					input, WTERMSIG(status));
			label[0] = '\0';
			if (rc == EXIT_KNOWN) {
				rc = sink(user, input, NULL, NULL);
			} else if (rc == CLI_EXIT_OK) {
				rc = collect(w[slot].tmp, &s);
				if (rc == CLI_EXIT_OK)
					rc = sink(user, input, s, label);
			}
			unlink(w[slot].tmp);
			result = worst(result, rc);
			break;
		}
	}
	rmdir(dirbuf);
	free(w);
	return result;
}

int fleetcli_report(ls_trace_summary *const *traces, size_t n, const char *title,
		    ls_report_format format, const char *output, int fail_on, bool show_stats)
{
	ls_findings *cross = ls_findings_new();
	ls_crossorder_stats cs;
	FILE *out = stdout;
	ls_error err;
	int rc = CLI_EXIT_OK;

	ls_error_clear(&err);
	if (!cross) {
		fprintf(stderr, "lockstep: out of memory\n");
		return CLI_EXIT_FAILURE;
	}
	if (ls_crossorder_check(traces, n, cross, &cs, &err) != LS_OK) {
		rc = cli_report_error(&err);
		goto end;
	}
	ls_findings_sort(cross);
	if (output && !(out = fopen(output, "w"))) {
		out = stdout;
		ls_error_set(&err, LS_ERR_IO, output, "cannot create: %s", strerror(errno));
		rc = cli_report_error(&err);
		goto end;
	}
	if (ls_fleet_report_write(out, format, title, traces, n, cross, &err) != LS_OK) {
		rc = cli_report_error(&err);
		goto end;
	}
	if (show_stats)
		fprintf(stderr,
			"lockstep check: %zu traces joined; %llu class cycles in the joined graph, %llu "
			"closed by one trace alone, %llu cross-trace\n",
			n, (unsigned long long)cs.class_cycles, (unsigned long long)cs.single_trace,
			(unsigned long long)cs.cross_trace);
	if (fail_on < LS_SEV_COUNT) {
		bool hit = ls_findings_count_at_least(cross, (ls_severity)fail_on) > 0;

		for (size_t i = 0; i < n && !hit; i++)
			hit = ls_summary_max_severity(traces[i]) >= fail_on;
		rc = hit ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
	}
end:
	if (out != stdout && fclose(out) != 0 && rc != CLI_EXIT_FAILURE) {
		ls_error_set(&err, LS_ERR_IO, output, "write failed: %s", strerror(errno));
		rc = cli_report_error(&err);
	}
	ls_findings_free(cross);
	return rc;
}

typedef struct {
	ls_trace_summary **s;
	size_t n, cap;
} collected;

/* The same content given twice (a trace and its database, a copy) is one trace, labelled by
 * the smaller path, as in a fleet database. */
static int collect_sink(void *user, const char *input, ls_trace_summary *s, const char *label)
{
	collected *c = user;

	(void)input;
	(void)label;
	if (!s)
		return CLI_EXIT_OK;
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->s[i]->hash, s->hash) != 0)
			continue;
		if (strcmp(s->name, c->s[i]->name) < 0) {
			ls_summary_free(c->s[i]);
			c->s[i] = s;
		} else {
			ls_summary_free(s);
		}
		return CLI_EXIT_OK;
	}
	if (!ls_grow((void **)&c->s, &c->cap, c->n + 1, sizeof(*c->s))) {
		ls_summary_free(s);
		fprintf(stderr, "lockstep check: out of memory\n");
		return CLI_EXIT_FAILURE;
	}
	c->s[c->n++] = s;
	return CLI_EXIT_OK;
}

bool fleetcli_wants_many(int n, char **args)
{
	struct stat sb;

	return n > 1 || (n == 1 && stat(args[0], &sb) == 0 && S_ISDIR(sb.st_mode) &&
			 !is_trace_dir(args[0]) && holds_traces(args[0]));
}

int fleetcli_check_many(int n, char **args, const fleetcli_options *opts, ls_report_format format,
			const char *output, int fail_on, bool show_stats)
{
	fleetcli_inputs in;
	collected c = { 0 };
	char title[64];
	int rc, rc_sum;

	rc = fleetcli_expand("check", args, n, false, &in);
	if (rc != CLI_EXIT_OK) {
		fleetcli_inputs_free(&in);
		return rc;
	}
	rc_sum = fleetcli_summarize(&in, opts, collect_sink, &c);
	/* A trace that cannot be read is reported and left out; the others are still joined. */
	if (rc_sum == CLI_EXIT_FAILURE) {
		rc = rc_sum;
		goto end;
	}
	snprintf(title, sizeof(title), "%zu input(s)", in.n);
	rc = fleetcli_report(c.s, c.n, title, format, output, fail_on, show_stats);
	if (rc_sum != CLI_EXIT_OK)
		rc = rc_sum;
end:
	for (size_t i = 0; i < c.n; i++)
		ls_summary_free(c.s[i]);
	free(c.s);
	fleetcli_inputs_free(&in);
	return rc;
}
