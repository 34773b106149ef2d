/* diffreport.c — see diffreport.h. Times print with a unit that keeps 3-4 significant digits;
 * a change prints as the difference and, where A is not zero, the ratio in percent. */
#include "diffreport.h"

#include <inttypes.h>
#include <string.h>

static const char *fmt_ns(int64_t ns, char *buf, size_t size)
{
	double v = (double)ns;

	if (ns < 1000)
		snprintf(buf, size, "%" PRId64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.3g us", v / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.3g ms", v / 1e6);
	else
		snprintf(buf, size, "%.4g s", v / 1e9);
	return buf;
}

static void text_change(FILE *out, int64_t a, int64_t b, bool time)
{
	char x[32], y[32], d[32];

	if (time)
		fprintf(out, "%12s %12s", fmt_ns(a, x, sizeof(x)), fmt_ns(b, y, sizeof(y)));
	else
		fprintf(out, "%12" PRId64 " %12" PRId64, a, b);
	if (a == b) {
		fprintf(out, "  =\n");
		return;
	}
	if (time)
		snprintf(d, sizeof(d), "%s%s", b > a ? "+" : "-", fmt_ns(b > a ? b - a : a - b, x, sizeof(x)));
	else
		snprintf(d, sizeof(d), "%+" PRId64, b - a);
	if (a)
		fprintf(out, "  %s (%+.0f%%)\n", d, 100.0 * (double)(b - a) / (double)a);
	else
		fprintf(out, "  %s\n", d);
}

static void text_row(FILE *out, const ls_diff_row *r)
{
	const char *cn = ls_class_name((uint64_t)r->cls);

	fprintf(out, "%s%s%s%s\n", cn ? cn : "?", r->site[0] ? " at " : "", r->site,
		!r->in_a ? " (only in B)" : !r->in_b ? " (only in A)" : "");
	fprintf(out, "  %-14s", "acquisitions");
	text_change(out, r->a.acquisitions, r->b.acquisitions, false);
	fprintf(out, "  %-14s", "contentions");
	text_change(out, r->a.contentions, r->b.contentions, false);
	const char *names[2] = { "wait", "hold" };
	const ls_profile_dist *da[2] = { &r->a.wait, &r->a.hold }, *db[2] = { &r->b.wait, &r->b.hold };

	for (int i = 0; i < 2; i++) {
		char label[16];

		snprintf(label, sizeof(label), "%s p50", names[i]);
		fprintf(out, "  %-14s", label);
		text_change(out, da[i]->p50, db[i]->p50, true);
		snprintf(label, sizeof(label), "%s p99", names[i]);
		fprintf(out, "  %-14s", label);
		text_change(out, da[i]->p99, db[i]->p99, true);
		snprintf(label, sizeof(label), "%s max", names[i]);
		fprintf(out, "  %-14s", label);
		text_change(out, da[i]->max, db[i]->max, true);
	}
}

static void write_text(FILE *out, const ls_diff *d, const char *a, const char *b)
{
	size_t counts[4] = { 0 };

	for (size_t i = 0; i < d->n_findings; i++)
		counts[d->findings[i].change]++;
	fprintf(out, "lockstep diff: A %s\n               B %s\n", a, b);
	fprintf(out, "findings: %zu appeared, %zu disappeared, %zu changed count, %zu unchanged\n",
		counts[LS_DIFF_APPEARED], counts[LS_DIFF_DISAPPEARED], counts[LS_DIFF_CHANGED],
		counts[LS_DIFF_UNCHANGED]);
	fprintf(out, "\n== findings ==\n");
	if (!d->n_findings)
		fprintf(out, "none in either trace\n");
	for (size_t i = 0; i < d->n_findings; i++) {
		const ls_diff_finding *f = &d->findings[i];

		fprintf(out, "%-11s [%s] %s/%s (%s): %zu -> %zu finding(s), %" PRIu64 " -> %" PRIu64
			     " occurrence(s)\n            %s\n",
			ls_diff_change_name(f->change), ls_severity_name(f->severity),
			ls_finding_kind_name(f->kind), f->rule, f->classes, f->findings_a, f->findings_b,
			f->occurrences_a, f->occurrences_b, f->summary);
	}
	fprintf(out, "\n== per lock class ==\n%16s%12s %12s  change\n", "", "A", "B");
	for (size_t i = 0; i < d->n_classes; i++)
		text_row(out, &d->classes[i]);
	fprintf(out, "\n== per call site ==\n%16s%12s %12s  change\n", "", "A", "B");
	for (size_t i = 0; i < d->n_sites; i++)
		text_row(out, &d->sites[i]);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void json_side(FILE *out, const ls_profile_row *r, bool present)
{
	if (!present) {
		fputs("null", out);
		return;
	}
	fprintf(out,
		"{\"acquisitions\": %" PRId64 ", \"failed\": %" PRId64 ", \"contentions\": %" PRId64
		", \"wait_ns\": {\"n\": %" PRId64 ", \"p50\": %" PRId64 ", \"p99\": %" PRId64
		", \"max\": %" PRId64 "}, \"hold_ns\": {\"n\": %" PRId64 ", \"p50\": %" PRId64
		", \"p99\": %" PRId64 ", \"max\": %" PRId64 "}}",
		r->acquisitions, r->failed, r->contentions, r->wait.n, r->wait.p50, r->wait.p99,
		r->wait.max, r->hold.n, r->hold.p50, r->hold.p99, r->hold.max);
}

static void json_rows(FILE *out, const ls_diff_row *rows, size_t n, bool sites)
{
	for (size_t i = 0; i < n; i++) {
		const ls_diff_row *r = &rows[i];
		const char *cn = ls_class_name((uint64_t)r->cls);

		fputs(i ? ",\n  {\"class\": " : "\n  {\"class\": ", out);
		json_string(out, cn ? cn : "?");
		if (sites) {
			fputs(", \"site\": ", out);
			json_string(out, r->site);
		}
		fputs(",\n   \"a\": ", out);
		json_side(out, &r->a, r->in_a);
		fputs(",\n   \"b\": ", out);
		json_side(out, &r->b, r->in_b);
		fputs(",\n   \"change\": ", out);
		fprintf(out,
			"{\"acquisitions\": %" PRId64 ", \"contentions\": %" PRId64
			", \"wait_p50_ns\": %" PRId64 ", \"wait_p99_ns\": %" PRId64
			", \"wait_max_ns\": %" PRId64 ", \"hold_p50_ns\": %" PRId64
			", \"hold_p99_ns\": %" PRId64 ", \"hold_max_ns\": %" PRId64 "}}",
			r->b.acquisitions - r->a.acquisitions, r->b.contentions - r->a.contentions,
			r->b.wait.p50 - r->a.wait.p50, r->b.wait.p99 - r->a.wait.p99,
			r->b.wait.max - r->a.wait.max, r->b.hold.p50 - r->a.hold.p50,
			r->b.hold.p99 - r->a.hold.p99, r->b.hold.max - r->a.hold.max);
	}
}

static void write_json(FILE *out, const ls_diff *d, const char *a, const char *b)
{
	fprintf(out, "{\"format\": \"lockstep-diff\", \"version\": %d,\n \"a\": ", LS_DIFF_JSON_VERSION);
	json_string(out, a);
	fputs(", \"b\": ", out);
	json_string(out, b);
	fputs(",\n \"findings\": [", out);
	for (size_t i = 0; i < d->n_findings; i++) {
		const ls_diff_finding *f = &d->findings[i];

		fputs(i ? ",\n  {\"change\": " : "\n  {\"change\": ", out);
		json_string(out, ls_diff_change_name(f->change));
		fputs(", \"kind\": ", out);
		json_string(out, ls_finding_kind_name(f->kind));
		fputs(", \"rule\": ", out);
		json_string(out, f->rule);
		fputs(", \"severity\": ", out);
		json_string(out, ls_severity_name(f->severity));
		fputs(", \"classes\": [", out);
		char classes[128];

		snprintf(classes, sizeof(classes), "%s", f->classes);
		size_t k = 0;

		for (char *tok = strtok(classes, ","); tok; tok = strtok(NULL, ","), k++) {
			fputs(k ? ", " : "", out);
			json_string(out, tok);
		}
		fprintf(out, "],\n   \"findings_a\": %zu, \"findings_b\": %zu, \"occurrences_a\": %" PRIu64
			     ", \"occurrences_b\": %" PRIu64 ", \"summary\": ",
			f->findings_a, f->findings_b, f->occurrences_a, f->occurrences_b);
		json_string(out, f->summary);
		fputc('}', out);
	}
	fputs(d->n_findings ? "\n ],\n \"classes\": [" : "],\n \"classes\": [", out);
	json_rows(out, d->classes, d->n_classes, false);
	fputs(d->n_classes ? "\n ],\n \"sites\": [" : "],\n \"sites\": [", out);
	json_rows(out, d->sites, d->n_sites, true);
	fputs(d->n_sites ? "\n ]}\n" : "]}\n", out);
}

ls_status ls_diff_write(FILE *out, ls_report_format format, const ls_diff *d, const char *a,
			const char *b, ls_error *err)
{
	if (format == LS_REPORT_JSON)
		write_json(out, d, a, b);
	else
		write_text(out, d, a, b);
	if (fflush(out) != 0 || ferror(out))
		return ls_error_set(err, LS_ERR_IO, NULL, "writing the diff failed");
	return LS_OK;
}
