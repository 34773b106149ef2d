/* report.c — the text and JSON forms of a finding list (docs/report-format.md).
 *
 * Formatting only: the findings are taken as they are; the optional store is read for task
 * names and the evidence rows' call stacks (callstack.h) and nothing else. Output goes to the
 * caller's stream. */
#include "report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "callstack.h"
#include "machine.h"
#include "stacktext.h"
#include "timebase.h"

#define WRAP 96

bool ls_report_format_from_name(const char *name, ls_report_format *out)
{
	if (strcmp(name, "text") == 0)
		*out = LS_REPORT_TEXT;
	else if (strcmp(name, "json") == 0)
		*out = LS_REPORT_JSON;
	else
		return false;
	return true;
}

static const char *short_event(int type)
{
	const char *n = ls_event_name((ls_event_type)type);

	if (!n)
		return NULL;
	return strncmp(n, "lockstep_", 9) == 0 ? n + 9 : n;
}

/* ---- call stacks ---------------------------------------------------------------------------- */

/* The stack recorded for an evidence row (its event, or its hold's acquisition): false when
 * there is none or no store to read it from; a database that cannot be read leaves err->status
 * not LS_OK. */
static bool evidence_stack(const ls_report_context *ctx, const ls_evidence *ev, ls_callstack *cs,
			   ls_error *err)
{
	ls_error_clear(err);
	if (!ctx->store || ev->tid < 0)
		return false;
	if (ls_callstack_find(ctx->store, ev->tid, ev->t_ns, ev->cls >= 0 ? ev->lock : 0, cs, err) != LS_OK)
		return false;
	return ls_stacktext_first_frame(ctx->symbols, cs) < cs->depth;
}

/* ---- task names --------------------------------------------------------------------------- */

typedef struct {
	sqlite3_stmt *st;
} comm_lookup;

static void comm_open(comm_lookup *cl, ls_store *store)
{
	cl->st = NULL;
	if (store)
		sqlite3_prepare_v2(ls_store_borrow_db(store), "SELECT comm FROM tasks WHERE tid = ?",
				   -1, &cl->st, NULL);
}

static const char *comm_of(comm_lookup *cl, int64_t tid, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!cl->st)
		return buf;
	sqlite3_reset(cl->st);
	sqlite3_bind_int64(cl->st, 1, tid);
	if (sqlite3_step(cl->st) == SQLITE_ROW && sqlite3_column_text(cl->st, 0))
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(cl->st, 0));
	return buf;
}

static void comm_close(comm_lookup *cl)
{
	sqlite3_finalize(cl->st);
}

/* The time base and machine of the report, from the store when there is one. */
typedef struct {
	ls_timebase tb;
	char machine[1024];
	bool emulated;
} report_env;

static void env_init(report_env *env, const ls_report_context *ctx)
{
	env->tb.t0 = 0;
	env->tb.absolute = true;
	env->machine[0] = '\0';
	if (ctx->store) {
		env->tb.t0 = ls_store_meta_int(ctx->store, "t_begin_ns", 0);
		env->tb.absolute = ctx->absolute_time;
		if (!ls_store_meta(ctx->store, "machine", env->machine, sizeof(env->machine)))
			env->machine[0] = '\0';
	}
	env->emulated = ls_machine_emulated(env->machine);
}

/* ---- text --------------------------------------------------------------------------------- */

/* Prints `s` wrapped at WRAP columns, each line indented by `indent` spaces. */
static void wrap(FILE *out, const char *s, int indent)
{
	while (*s) {
		size_t len = strlen(s), cut = len;

		if ((int)len + indent > WRAP) {
			cut = (size_t)(WRAP - indent);
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0) { /* one long word: break at the next space */
				cut = strcspn(s, " ");
			}
		}
		fprintf(out, "%*s%.*s\n", indent, "", (int)cut, s);
		s += cut;
		while (*s == ' ')
			s++;
	}
}

/* Bytes beyond one per character ("µs"): printf pads by bytes. */
static int utf8_extra(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) == 0x80;
	return n;
}

static void text_tasks(FILE *out, const int64_t *tids, size_t n, comm_lookup *cl)
{
	char comm[64];

	for (size_t i = 0; i < n; i++) {
		comm_of(cl, tids[i], comm, sizeof(comm));
		fprintf(out, "%s %" PRId64 "%s%s%s", i ? "," : "", tids[i], comm[0] ? " (" : "", comm,
			comm[0] ? ")" : "");
	}
}

/* The evidence row's stack under it, one frame a line. */
static void text_stack(FILE *out, const ls_evidence *ev, const ls_report_context *ctx)
{
	ls_callstack cs;
	ls_error err;
	char *lines;

	if (!evidence_stack(ctx, ev, &cs, &err)) {
		if (err.status != LS_OK)
			fprintf(out, "                   stack: cannot be read (%s)\n", err.message);
		return;
	}
	lines = ls_stacktext_lines(ctx->symbols, &cs, "                   stack: ",
				   "                          ");
	if (lines)
		fputs(lines, out);
	free(lines);
}

static void text_finding(FILE *out, const ls_finding *f, const ls_report_context *ctx,
			 const report_env *env, comm_lookup *cl)
{
	char site[256], a[LS_TIME_BUF], b[LS_TIME_BUF], d[LS_TIME_BUF];

	fprintf(out, "[%s] %s\n", ls_severity_name(f->severity), f->summary);
	fprintf(out, "  %s/%s", ls_finding_kind_name(f->kind), f->rule);
	if (f->count > 1)
		fprintf(out, ", %" PRIu64 " instances", f->count);
	if (f->t_begin_ns <= f->t_end_ns)
		fprintf(out, ", %s .. %s (%s)", ls_time_format(&env->tb, f->t_begin_ns, a, sizeof(a)),
			ls_time_format(&env->tb, f->t_end_ns, b, sizeof(b)),
			ls_duration_format(f->t_end_ns - f->t_begin_ns, d, sizeof(d)));
	fprintf(out, "\n");
	if (f->n_tids) {
		fprintf(out, "  tasks:");
		text_tasks(out, f->tids, f->n_tids, cl);
		fprintf(out, "\n");
	}
	if (f->n_classes) {
		fprintf(out, "  classes:");
		for (size_t i = 0; i < f->n_classes; i++) {
			const char *n = ls_class_name((uint64_t)f->classes[i]);

			fprintf(out, "%s %s", i ? "," : "", n ? n : "?");
		}
		fprintf(out, "\n");
	}
	if (f->n_objects) {
		fprintf(out, "  objects:");
		for (size_t i = 0; i < f->n_objects; i++)
			fprintf(out, "%s 0x%" PRIx64, i ? "," : "", f->objects[i]);
		fprintf(out, "\n");
	}
	if (f->detail)
		wrap(out, f->detail, 2);
	if (f->n_instances > 1) {
		fprintf(out, "  instances (%zu of %" PRIu64 " shown, each with its own tasks):\n",
			f->n_instances, f->count);
		for (size_t i = 0; i < f->n_instances; i++) {
			const ls_instance *in = &f->instances[i];

			fprintf(out, "    #%-2zu %s .. %s", i + 1,
				ls_time_format(&env->tb, in->t_begin_ns, a, sizeof(a)),
				ls_time_format(&env->tb, in->t_end_ns, b, sizeof(b)));
			if (in->obj) {
				fprintf(out, "  0x%" PRIx64, in->obj);
				if (in->obj_alloc_ns == LS_NO_TIME)
					fprintf(out, " (allocated before the trace)");
				else
					fprintf(out, " (allocated at %s)",
						ls_time_format(&env->tb, in->obj_alloc_ns, a, sizeof(a)));
			}
			fprintf(out, "  tasks:");
			text_tasks(out, in->tids, (size_t)in->n_tids, cl);
			if (in->events > 1)
				fprintf(out, "  (%" PRIu64 " events)", in->events);
			fprintf(out, "\n");
		}
	}
	if (f->n_evidence)
		fprintf(out, "  evidence:\n");
	for (size_t i = 0; i < f->n_evidence; i++) {
		const ls_evidence *ev = &f->evidence[i];
		const char *en = short_event(ev->event);

		ls_time_format(&env->tb, ev->t_ns, a, sizeof(a));
		fprintf(out, "    %-*s tid %-6" PRId64 " %-16s", 14 + utf8_extra(a), a, ev->tid,
			en ? en : "-");
		if (ev->cls >= 0) {
			const char *cn = ls_class_name((uint64_t)ev->cls);
			const char *mn = ev->mode >= 0 ? ls_mode_name((uint64_t)ev->mode) : NULL;

			fprintf(out, " %s%s%s%s%s", cn ? cn : "?", mn ? "(" : "", mn ? mn : "",
				mn ? ")" : "", ev->trylock ? " trylock" : "");
		}
		if (ev->lock)
			fprintf(out, " lock 0x%" PRIx64, ev->lock);
		else if (ev->obj)
			fprintf(out, " obj 0x%" PRIx64, ev->obj);
		if (ev->ip)
			fprintf(out, " at %s",
				ls_symbols_format(ctx->symbols, ev->ip, site, sizeof(site)));
		if (ev->role && ev->role[0])
			fprintf(out, " — %s", ev->role);
		if (ev->end_ns != LS_NO_TIME)
			fprintf(out, " [until %s, %s]", ls_time_format(&env->tb, ev->end_ns, a, sizeof(a)),
				ls_duration_format(ev->end_ns - ev->t_ns, d, sizeof(d)));
		fprintf(out, "\n");
		text_stack(out, ev, ctx);
	}
	fprintf(out, "\n");
}

static void write_text(FILE *out, const ls_findings *list, const ls_report_context *ctx)
{
	size_t n = ls_findings_count(list);
	size_t by_sev[LS_SEV_COUNT] = { 0 };
	comm_lookup cl;
	report_env env;
	char t0[LS_TIME_BUF];

	env_init(&env, ctx);
	for (size_t i = 0; i < n; i++)
		by_sev[ls_findings_borrow(list, i)->severity]++;
	comm_open(&cl, ctx->store);
	fprintf(out, "lockstep check: %s\n", ctx->trace && ctx->trace[0] ? ctx->trace
									 : (ctx->database ? ctx->database
											  : "?"));
	if (ctx->store) {
		if (env.machine[0])
			fprintf(out, "machine: %s%s\n", env.machine,
				env.emulated ? " — emulated CPU (TCG): waits and spins of 30–110 ms may be"
					       " vCPU stalls, not lock behaviour"
					     : "");
		else
			fprintf(out, "machine: not recorded (no machine file beside the trace)\n");
		snprintf(t0, sizeof(t0), "%" PRId64, env.tb.t0);
		if (env.tb.absolute)
			fprintf(out, "times: trace-clock ns (the trace starts at %s ns)\n", t0);
		else
			fprintf(out, "times: +offsets from the trace start, %s ns on the trace clock"
				     " (--absolute-time for trace-clock ns)\n",
				t0);
	}
	if (n == 0) {
		fprintf(out, "no findings\n");
		comm_close(&cl);
		return;
	}
	fprintf(out, "%zu finding(s): %zu error(s), %zu warning(s), %zu note(s)\n", n,
		by_sev[LS_SEV_ERROR], by_sev[LS_SEV_WARNING], by_sev[LS_SEV_NOTE]);
	/* Grouped by kind (in ls_finding_kind order), then severity: the list is sorted so. */
	for (int kind = 0; kind < LS_FINDING_KIND_COUNT; kind++) {
		size_t k_count = 0;

		for (size_t i = 0; i < n; i++)
			if ((int)ls_findings_borrow(list, i)->kind == kind)
				k_count++;
		if (!k_count)
			continue;
		fprintf(out, "\n== %s (%zu) ==\n\n", ls_finding_kind_name((ls_finding_kind)kind),
			k_count);
		for (int sev = LS_SEV_COUNT - 1; sev >= 0; sev--)
			for (size_t i = 0; i < n; i++) {
				const ls_finding *f = ls_findings_borrow(list, i);

				if ((int)f->kind == kind && (int)f->severity == sev)
					text_finding(out, f, ctx, &env, &cl);
			}
	}
	comm_close(&cl);
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void json_string(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void json_hex(FILE *out, uint64_t v, bool present)
{
	if (present)
		fprintf(out, "\"0x%" PRIx64 "\"", v);
	else
		fputs("null", out);
}

static void json_time(FILE *out, const report_env *env, int64_t t, bool present)
{
	if (present)
		fprintf(out, "%" PRId64, ls_time_value(&env->tb, t));
	else
		fputs("null", out);
}

/* "stack": the kernel's frames, innermost first, or null when none was recorded. */
static void json_stack(FILE *out, const ls_evidence *ev, const ls_report_context *ctx)
{
	ls_callstack cs;
	ls_error err;
	char buf[LS_STACKTEXT_FRAME_MAX];

	fputs(", \"stack\": ", out);
	if (!evidence_stack(ctx, ev, &cs, &err)) {
		fputs("null", out);
		return;
	}
	fputc('[', out);
	for (uint32_t i = ls_stacktext_first_frame(ctx->symbols, &cs), first = i; i < cs.depth; i++) {
		fputs(i > first ? ", " : "", out);
		json_string(out, ls_stacktext_frame(ctx->symbols, &cs, i, buf, sizeof(buf)));
	}
	fprintf(out, "], \"stack_truncated\": %s", cs.truncated ? "true" : "false");
}

static void json_finding(FILE *out, const ls_finding *f, size_t id, const ls_report_context *ctx,
			 const report_env *env)
{
	char site[256];

	fprintf(out, "    {\"id\": %zu, \"kind\": ", id);
	json_string(out, ls_finding_kind_name(f->kind));
	fputs(", \"rule\": ", out);
	json_string(out, f->rule);
	fputs(", \"severity\": ", out);
	json_string(out, ls_severity_name(f->severity));
	fputs(",\n     \"summary\": ", out);
	json_string(out, f->summary);
	fputs(",\n     \"detail\": ", out);
	json_string(out, f->detail);
	fputs(",\n     \"t_begin_ns\": ", out);
	json_time(out, env, f->t_begin_ns, f->t_begin_ns <= f->t_end_ns);
	fputs(", \"t_end_ns\": ", out);
	json_time(out, env, f->t_end_ns, f->t_begin_ns <= f->t_end_ns);
	fprintf(out, ", \"count\": %" PRIu64 ",\n     \"tids\": [", f->count);
	for (size_t i = 0; i < f->n_tids; i++)
		fprintf(out, "%s%" PRId64, i ? ", " : "", f->tids[i]);
	fputs("], \"classes\": [", out);
	for (size_t i = 0; i < f->n_classes; i++) {
		fputs(i ? ", " : "", out);
		json_string(out, ls_class_name((uint64_t)f->classes[i]));
	}
	fputs("], \"objects\": [", out);
	for (size_t i = 0; i < f->n_objects; i++) {
		fputs(i ? ", " : "", out);
		json_hex(out, f->objects[i], true);
	}
	fputs("],\n     \"instances\": [", out);
	for (size_t i = 0; i < f->n_instances; i++) {
		const ls_instance *in = &f->instances[i];

		fprintf(out, "%s{\"t_begin_ns\": ", i ? ", " : "");
		json_time(out, env, in->t_begin_ns, true);
		fputs(", \"t_end_ns\": ", out);
		json_time(out, env, in->t_end_ns, true);
		fputs(", \"tids\": [", out);
		for (int k = 0; k < in->n_tids; k++)
			fprintf(out, "%s%" PRId64, k ? ", " : "", in->tids[k]);
		fputs("], \"obj\": ", out);
		json_hex(out, in->obj, in->obj != 0);
		fputs(", \"obj_alloc_ns\": ", out);
		json_time(out, env, in->obj_alloc_ns, in->obj_alloc_ns != LS_NO_TIME);
		fprintf(out, ", \"events\": %" PRIu64 "}", in->events);
	}
	fputs("],\n     \"evidence\": [", out);
	for (size_t i = 0; i < f->n_evidence; i++) {
		const ls_evidence *ev = &f->evidence[i];

		fprintf(out, "%s\n       {\"t_ns\": ", i ? "," : "");
		json_time(out, env, ev->t_ns, true);
		fputs(", \"end_ns\": ", out);
		json_time(out, env, ev->end_ns, ev->end_ns != LS_NO_TIME);
		fprintf(out, ", \"tid\": %" PRId64 ", \"event\": ", ev->tid);
		json_string(out, short_event(ev->event));
		fputs(", \"event_id\": ", out);
		if (ev->event_id >= 0)
			fprintf(out, "%" PRId64, ev->event_id);
		else
			fputs("null", out);
		fputs(", \"lock\": ", out);
		json_hex(out, ev->lock, ev->lock != 0);
		fputs(", \"class\": ", out);
		json_string(out, ev->cls >= 0 ? ls_class_name((uint64_t)ev->cls) : NULL);
		fputs(", \"mode\": ", out);
		json_string(out, ev->mode >= 0 ? ls_mode_name((uint64_t)ev->mode) : NULL);
		fputs(", \"ip\": ", out);
		json_hex(out, ev->ip, ev->ip != 0);
		fputs(", \"site\": ", out);
		json_string(out, ev->ip ? ls_symbols_format(ctx->symbols, ev->ip, site, sizeof(site))
				       : NULL);
		fputs(", \"obj\": ", out);
		json_hex(out, ev->obj, ev->obj != 0);
		fprintf(out, ", \"trylock\": %s, \"role\": ", ev->trylock ? "true" : "false");
		json_string(out, ev->role);
		json_stack(out, ev, ctx);
		fputc('}', out);
	}
	fprintf(out, "%s]}", f->n_evidence ? "\n     " : "");
}

static void write_json(FILE *out, const ls_findings *list, const ls_report_context *ctx)
{
	size_t n = ls_findings_count(list);
	size_t by_sev[LS_SEV_COUNT] = { 0 };
	report_env env;

	env_init(&env, ctx);
	for (size_t i = 0; i < n; i++)
		by_sev[ls_findings_borrow(list, i)->severity]++;
	fprintf(out, "{\"format\": \"lockstep-check\", \"version\": %d,\n \"trace\": ",
		LS_REPORT_JSON_VERSION);
	json_string(out, ctx->trace && ctx->trace[0] ? ctx->trace : NULL);
	fputs(", \"database\": ", out);
	json_string(out, ctx->database);
	fprintf(out, ",\n \"time_base\": \"%s\", \"t0_ns\": %" PRId64 ", \"machine\": ",
		env.tb.absolute ? "absolute" : "relative", env.tb.t0);
	json_string(out, env.machine[0] ? env.machine : NULL);
	fprintf(out, ", \"emulated\": %s", env.emulated ? "true" : "false");
	fprintf(out, ",\n \"counts\": {\"error\": %zu, \"warning\": %zu, \"note\": %zu},\n",
		by_sev[LS_SEV_ERROR], by_sev[LS_SEV_WARNING], by_sev[LS_SEV_NOTE]);
	fputs(" \"findings\": [", out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n" : "\n", out);
		json_finding(out, ls_findings_borrow(list, i), i + 1, ctx, &env);
	}
	fputs(n ? "\n ]}\n" : "]}\n", out);
}

ls_status ls_report_write(FILE *out, ls_report_format format, const ls_findings *list,
			  const ls_report_context *ctx, ls_error *err)
{
	ls_report_context none = { 0 };

	if (!ctx)
		ctx = &none;
	if (format == LS_REPORT_JSON)
		write_json(out, list, ctx);
	else
		write_text(out, list, ctx);
	if (fflush(out) != 0 || ferror(out))
		return ls_error_set(err, LS_ERR_IO, NULL, "writing the report failed");
	return LS_OK;
}
