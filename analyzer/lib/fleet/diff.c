/* diff.c — see diff.h. */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

const char *ls_diff_change_name(ls_diff_change c)
{
	static const char *const names[] = { "appeared", "disappeared", "changed", "unchanged" };

	return (unsigned)c < 4 ? names[c] : "?";
}

typedef struct {
	ls_diff_row *rows;
	size_t n, cap;
} row_list;

static ls_diff_row *find_or_add(row_list *l, int cls, const char *site)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->rows[i].cls == cls && strcmp(l->rows[i].site, site) == 0)
			return &l->rows[i];
	if (!ls_grow((void **)&l->rows, &l->cap, l->n + 1, sizeof(*l->rows)))
		return NULL;
	ls_diff_row *r = &l->rows[l->n++];

	memset(r, 0, sizeof(*r));
	r->cls = cls;
	snprintf(r->site, sizeof(r->site), "%s", site);
	return r;
}

/* Sites of one trace that share a name (a map coarser than the addresses) are added up; their
 * percentiles cannot be, so the larger is kept. */
static void fold(ls_profile_row *into, const ls_profile_row *r, bool first)
{
	if (first) {
		*into = *r;
		return;
	}
	into->acquisitions += r->acquisitions;
	into->failed += r->failed;
	into->contentions += r->contentions;
	const ls_profile_dist *src[2] = { &r->wait, &r->hold };
	ls_profile_dist *dst[2] = { &into->wait, &into->hold };

	for (int i = 0; i < 2; i++) {
		dst[i]->n += src[i]->n;
		if (src[i]->p50 > dst[i]->p50)
			dst[i]->p50 = src[i]->p50;
		if (src[i]->p99 > dst[i]->p99)
			dst[i]->p99 = src[i]->p99;
		if (src[i]->max > dst[i]->max)
			dst[i]->max = src[i]->max;
	}
}

static bool add_side(row_list *l, const ls_profile_row *rows, size_t n, const ls_symbols *syms,
		     bool by_site, bool side_b)
{
	for (size_t i = 0; i < n; i++) {
		char site[160] = "";

		if (by_site)
			ls_symbols_format(syms, rows[i].ip, site, sizeof(site));
		ls_diff_row *r = find_or_add(l, rows[i].cls, site);

		if (!r)
			return false;
		bool *in = side_b ? &r->in_b : &r->in_a;

		fold(side_b ? &r->b : &r->a, &rows[i], !*in);
		*in = true;
	}
	return true;
}

static int row_cmp(const void *x, const void *y)
{
	const ls_diff_row *a = x, *b = y;

	if (a->cls != b->cls)
		return a->cls - b->cls;
	return strcmp(a->site, b->site);
}

typedef struct {
	ls_diff_finding *f;
	size_t n, cap;
} finding_list;

static void classes_text(const ls_finding *f, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < f->n_classes && len < size; i++) {
		const char *n = ls_class_name((uint64_t)f->classes[i]);

		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "", n ? n : "?");
	}
}

static bool add_findings(finding_list *l, const ls_findings *list, bool side_b)
{
	for (size_t i = 0; list && i < ls_findings_count(list); i++) {
		const ls_finding *f = ls_findings_borrow(list, i);
		char classes[128];
		ls_diff_finding *d = NULL;

		classes_text(f, classes, sizeof(classes));
		for (size_t j = 0; j < l->n && !d; j++)
			if (l->f[j].kind == f->kind && strcmp(l->f[j].rule, f->rule) == 0 &&
			    strcmp(l->f[j].classes, classes) == 0)
				d = &l->f[j];
		if (!d) {
			if (!ls_grow((void **)&l->f, &l->cap, l->n + 1, sizeof(*l->f)))
				return false;
			d = &l->f[l->n++];
			memset(d, 0, sizeof(*d));
			d->kind = f->kind;
			snprintf(d->rule, sizeof(d->rule), "%s", f->rule);
			snprintf(d->classes, sizeof(d->classes), "%s", classes);
			d->severity = f->severity;
		}
		if (f->severity > d->severity)
			d->severity = f->severity;
		if (side_b) {
			if (!d->findings_b)
				snprintf(d->summary, sizeof(d->summary), "%s", f->summary);
			d->findings_b++;
			d->occurrences_b += f->count;
		} else {
			if (!d->findings_a && !d->findings_b)
				snprintf(d->summary, sizeof(d->summary), "%s", f->summary);
			d->findings_a++;
			d->occurrences_a += f->count;
		}
	}
	return true;
}

static int finding_cmp(const void *x, const void *y)
{
	const ls_diff_finding *a = x, *b = y;
	int c;

	if (a->change != b->change)
		return (int)a->change - (int)b->change;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	if ((c = strcmp(a->rule, b->rule)))
		return c;
	return strcmp(a->classes, b->classes);
}

ls_status ls_diff_compute(const ls_profile *pa, const ls_symbols *sa, const ls_findings *fa,
			  const ls_profile *pb, const ls_symbols *sb, const ls_findings *fb,
			  ls_diff **out, ls_error *err)
{
	row_list classes = { 0 }, sites = { 0 };
	finding_list findings = { 0 };
	ls_diff *d = NULL;

	*out = NULL;
	if (!add_side(&classes, pa->classes, pa->n_classes, NULL, false, false) ||
	    !add_side(&classes, pb->classes, pb->n_classes, NULL, false, true) ||
	    !add_side(&sites, pa->sites, pa->n_sites, sa, true, false) ||
	    !add_side(&sites, pb->sites, pb->n_sites, sb, true, true) ||
	    !add_findings(&findings, fa, false) || !add_findings(&findings, fb, true) ||
	    !(d = calloc(1, sizeof(*d)))) {
		free(classes.rows);
		free(sites.rows);
		free(findings.f);
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	}
	for (size_t i = 0; i < findings.n; i++) {
		ls_diff_finding *f = &findings.f[i];

		f->change = !f->findings_a ? LS_DIFF_APPEARED
			  : !f->findings_b ? LS_DIFF_DISAPPEARED
			  : (f->findings_a != f->findings_b || f->occurrences_a != f->occurrences_b)
				  ? LS_DIFF_CHANGED
				  : LS_DIFF_UNCHANGED;
	}
	qsort(classes.rows, classes.n, sizeof(*classes.rows), row_cmp);
	qsort(sites.rows, sites.n, sizeof(*sites.rows), row_cmp);
	qsort(findings.f, findings.n, sizeof(*findings.f), finding_cmp);
	d->classes = classes.rows;
	d->n_classes = classes.n;
	d->sites = sites.rows;
	d->n_sites = sites.n;
	d->findings = findings.f;
	d->n_findings = findings.n;
	*out = d;
	return LS_OK;
}

void ls_diff_free(ls_diff *d)
{
	if (!d)
		return;
	free(d->classes);
	free(d->sites);
	free(d->findings);
	free(d);
}
