/* fleetreport.c — see fleetreport.h. Each trace's report is the one `lockstep check` printed
 * for it when it was summarised, kept verbatim; this file only frames them and adds the
 * cross-trace findings, written by report.c's own writer. */
#include "fleetreport.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int report_order(const void *x, const void *y)
{
	const ls_trace_summary *a = *(ls_trace_summary *const *)x, *b = *(ls_trace_summary *const *)y;
	int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");

	return c ? c : strcmp(a->hash, b->hash);
}

void ls_fleet_report_sort(ls_trace_summary **traces, size_t n)
{
	qsort(traces, n, sizeof(*traces), report_order);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* An embedded report without its trailing newline. */
static void embed(FILE *out, const char *doc)
{
	size_t len = doc ? strlen(doc) : 0;

	while (len && doc[len - 1] == '\n')
		len--;
	if (!len)
		fputs("null", out);
	else
		fwrite(doc, 1, len, out);
}

ls_status ls_fleet_report_write(FILE *out, ls_report_format format, const char *title,
				ls_trace_summary *const *traces, size_t n, const ls_findings *cross,
				ls_error *err)
{
	ls_trace_summary **sorted = n ? malloc(n * sizeof(*sorted)) : NULL;
	size_t totals[LS_SEV_COUNT] = { 0 };
	char *cross_doc = NULL;
	size_t cross_size = 0;
	ls_status st = LS_OK;
	FILE *mem;

	if (n && !sorted)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	if (n)
		memcpy(sorted, traces, n * sizeof(*sorted));
	ls_fleet_report_sort(sorted, n);
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < LS_SEV_COUNT; s++)
			totals[s] += sorted[i]->counts[s];

	char cross_title[256];
	ls_report_context ctx = { .trace = cross_title };

	snprintf(cross_title, sizeof(cross_title), "cross-trace lock order of %zu trace(s)", n);
	mem = open_memstream(&cross_doc, &cross_size);
	if (!mem) {
		free(sorted);
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	}
	st = ls_report_write(mem, format, cross, &ctx, err);
	fclose(mem);
	if (st != LS_OK)
		goto end;

	if (format == LS_REPORT_TEXT) {
		fprintf(out, "lockstep check: %s: %zu trace(s); %zu cross-trace finding(s); per-trace "
			     "findings: %zu error(s), %zu warning(s), %zu note(s)\n",
			title, n, ls_findings_count(cross), totals[LS_SEV_ERROR],
			totals[LS_SEV_WARNING], totals[LS_SEV_NOTE]);
		for (size_t i = 0; i < n; i++) {
			const ls_trace_summary *s = sorted[i];

			fprintf(out, "\n=== trace %zu of %zu: %s (sha256 %.16s, %" PRId64 " events) ===\n",
				i + 1, n, s->name, s->hash, s->events);
			fputs(s->report_text ? s->report_text : "", out);
		}
		fprintf(out, "\n=== cross-trace ===\n");
		fputs(cross_doc, out);
	} else {
		fprintf(out, "{\"format\": \"lockstep-fleet-check\", \"version\": %d,\n \"title\": ",
			LS_FLEET_REPORT_JSON_VERSION);
		json_string(out, title);
		fprintf(out, ",\n \"counts\": {\"cross_trace\": %zu, \"error\": %zu, \"warning\": %zu,"
			     " \"note\": %zu},\n \"traces\": [",
			ls_findings_count(cross), totals[LS_SEV_ERROR], totals[LS_SEV_WARNING],
			totals[LS_SEV_NOTE]);
		for (size_t i = 0; i < n; i++) {
			const ls_trace_summary *s = sorted[i];

			fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", out);
			json_string(out, s->name);
			fprintf(out, ", \"sha256\": \"%s\", \"events\": %" PRId64 ", \"holds\": %" PRId64
				     ", \"waits\": %" PRId64 ",\n   \"report\": ",
				s->hash, s->events, s->holds, s->waits);
			embed(out, s->report_json);
			fputc('}', out);
		}
		fputs(n ? "\n ],\n \"cross_trace\": " : "],\n \"cross_trace\": ", out);
		embed(out, cross_doc);
		fputs("}\n", out);
	}
	if (fflush(out) != 0 || ferror(out))
		st = ls_error_set(err, LS_ERR_IO, NULL, "writing the report failed");
end:
	free(cross_doc);
	free(sorted);
	return st;
}
