/* profile.c — see profile.h. Each figure comes from one ordered query over holds or waits, so
 * the durations of a group arrive sorted and its percentiles are read off in one walk. */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

typedef struct {
	ls_profile_row *rows;
	size_t n, cap;
} row_table;

int64_t ls_profile_percentile(const int64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)((double)n * q + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* The row of (cls, ip), inserted in order when new; NULL on allocation failure. */
static ls_profile_row *row_for(row_table *t, int cls, uint64_t ip)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const ls_profile_row *r = &t->rows[mid];

		if (r->cls < cls || (r->cls == cls && r->ip < ip))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->rows[lo].cls == cls && t->rows[lo].ip == ip)
		return &t->rows[lo];
	if (!ls_grow((void **)&t->rows, &t->cap, t->n + 1, sizeof(*t->rows)))
		return NULL;
	memmove(&t->rows[lo + 1], &t->rows[lo], (t->n - lo) * sizeof(*t->rows));
	t->n++;
	memset(&t->rows[lo], 0, sizeof(*t->rows));
	t->rows[lo].cls = cls;
	t->rows[lo].ip = ip;
	return &t->rows[lo];
}

typedef enum { FIELD_HOLD, FIELD_WAIT } dist_field;

/* Runs `sql` (rows: class, ip, duration or NULL, ordered by class, ip, duration) and fills the
 * distribution `field` of each group; `counts` adds the row count to contentions (waits). */
static ls_status fill_dists(ls_store *store, row_table *t, const char *sql, dist_field field,
			    ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *st = NULL;
	int64_t *d = NULL;
	size_t n = 0, cap = 0;
	ls_profile_row *cur = NULL;
	ls_status status = LS_OK;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto db_error;
	for (;;) {
		rc = sqlite3_step(st);
		bool row = rc == SQLITE_ROW;
		int cls = row ? sqlite3_column_int(st, 0) : -1;
		uint64_t ip = row ? (uint64_t)sqlite3_column_int64(st, 1) : 0;

		if (!row && rc != SQLITE_DONE)
			goto db_error;
		if (cur && (!row || cls != cur->cls || ip != cur->ip)) {
			ls_profile_dist *dist = field == FIELD_HOLD ? &cur->hold : &cur->wait;

			dist->n = (int64_t)n;
			if (n) {
				dist->p50 = ls_profile_percentile(d, n, 0.50);
				dist->p99 = ls_profile_percentile(d, n, 0.99);
				dist->max = d[n - 1];
			}
			cur = NULL;
			n = 0;
		}
		if (!row)
			break;
		if (!cur && !(cur = row_for(t, cls, ip)))
			goto nomem;
		if (field == FIELD_WAIT)
			cur->contentions++;
		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue; /* still waiting, or still held, at trace end: counted, not timed */
		if (!ls_grow((void **)&d, &cap, n + 1, sizeof(*d)))
			goto nomem;
		d[n++] = sqlite3_column_int64(st, 2);
	}
	goto end;
db_error:
	status = ls_error_set(err, LS_ERR_DB, ls_store_path(store), "computing the profile: %s",
			      sqlite3_errmsg(db));
	goto end;
nomem:
	status = ls_error_set(err, LS_ERR_NOMEM, ls_store_path(store), "out of memory");
end:
	free(d);
	sqlite3_finalize(st);
	return status;
}

static ls_status fill_counts(ls_store *store, row_table *t, const char *sql, ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto db_error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ls_profile_row *r = row_for(t, sqlite3_column_int(st, 0),
					    (uint64_t)sqlite3_column_int64(st, 1));

		if (!r) {
			status = ls_error_set(err, LS_ERR_NOMEM, ls_store_path(store), "out of memory");
			goto end;
		}
		r->acquisitions = sqlite3_column_int64(st, 2);
		r->failed = sqlite3_column_int64(st, 3);
	}
	if (rc == SQLITE_DONE)
		goto end;
db_error:
	status = ls_error_set(err, LS_ERR_DB, ls_store_path(store), "computing the profile: %s",
			      sqlite3_errmsg(db));
end:
	sqlite3_finalize(st);
	return status;
}

static ls_status fill_table(ls_store *store, row_table *t, bool by_site, ls_error *err)
{
	const char *counts = by_site
		? "SELECT class, request_ip, count(acquired_ns), sum(outcome = 'failed') FROM holds"
		  " GROUP BY class, request_ip"
		: "SELECT class, 0, count(acquired_ns), sum(outcome = 'failed') FROM holds GROUP BY class";
	const char *holds = by_site
		? "SELECT class, request_ip, released_ns - acquired_ns FROM holds"
		  " WHERE acquired_ns IS NOT NULL ORDER BY 1, 2, 3"
		: "SELECT class, 0, released_ns - acquired_ns FROM holds"
		  " WHERE acquired_ns IS NOT NULL ORDER BY 1, 2, 3";
	const char *waits = by_site
		? "SELECT w.class, h.request_ip, w.duration_ns FROM waits w JOIN holds h"
		  " ON h.id = w.hold_id ORDER BY 1, 2, 3"
		: "SELECT class, 0, duration_ns FROM waits ORDER BY 1, 2, 3";
	ls_status st = fill_counts(store, t, counts, err);

	if (st == LS_OK)
		st = fill_dists(store, t, holds, FIELD_HOLD, err);
	if (st == LS_OK)
		st = fill_dists(store, t, waits, FIELD_WAIT, err);
	return st;
}

ls_status ls_profile_compute(ls_store *store, ls_profile **out, ls_error *err)
{
	row_table classes = { 0 }, sites = { 0 };
	ls_profile *p = NULL;
	ls_status st;

	*out = NULL;
	st = fill_table(store, &classes, false, err);
	if (st == LS_OK)
		st = fill_table(store, &sites, true, err);
	if (st == LS_OK && !(p = calloc(1, sizeof(*p))))
		st = ls_error_set(err, LS_ERR_NOMEM, ls_store_path(store), "out of memory");
	if (st != LS_OK) {
		free(classes.rows);
		free(sites.rows);
		return st;
	}
	p->classes = classes.rows;
	p->n_classes = classes.n;
	p->sites = sites.rows;
	p->n_sites = sites.n;
	*out = p;
	return LS_OK;
}

void ls_profile_free(ls_profile *p)
{
	if (!p)
		return;
	free(p->classes);
	free(p->sites);
	free(p);
}
