/* stats.c — see stats.h. Counts and sums come from GROUP BY over the indexed holds and waits;
 * the 99th percentile needs the sorted waits of each group, walked once in C. */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

static const char *const sort_names[LS_STATS_SORT_COUNT] = {
	"acquisitions", "contentions", "wait-total", "wait-max", "wait-mean",
	"wait-p99", "hold-total", "hold-max", "hold-mean", "name",
};

bool ls_stats_sort_from_name(const char *name, ls_stats_sort *out)
{
	for (int i = 0; i < LS_STATS_SORT_COUNT; i++) {
		if (strcmp(sort_names[i], name) == 0) {
			*out = (ls_stats_sort)i;
			return true;
		}
	}
	return false;
}

const char *ls_stats_sort_name(ls_stats_sort sort)
{
	return sort < LS_STATS_SORT_COUNT ? sort_names[sort] : NULL;
}

struct table {
	ls_stats_row *rows;
	size_t n, cap;
};

static ls_stats_row *row_for(struct table *t, int cls, uint64_t ip)
{
	/* Rows arrive grouped and sorted by (class, ip) in each query; a linear search from the end
	 * would be quadratic for many sites, so binary search on the sorted array. */
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		ls_stats_row *r = &t->rows[mid];
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

static double sort_value(const ls_stats_row *r, ls_stats_sort s)
{
	switch (s) {
	case LS_STATS_SORT_ACQUISITIONS: return (double)r->acquisitions;
	case LS_STATS_SORT_CONTENTIONS: return (double)r->contentions;
	case LS_STATS_SORT_WAIT_TOTAL: return (double)r->wait_total_ns;
	case LS_STATS_SORT_WAIT_MAX: return (double)r->wait_max_ns;
	case LS_STATS_SORT_WAIT_MEAN: return r->wait_mean_ns;
	case LS_STATS_SORT_WAIT_P99: return (double)r->wait_p99_ns;
	case LS_STATS_SORT_HOLD_TOTAL: return (double)r->hold_total_ns;
	case LS_STATS_SORT_HOLD_MAX: return (double)r->hold_max_ns;
	case LS_STATS_SORT_HOLD_MEAN: return r->hold_mean_ns;
	default: return 0;
	}
}

static ls_stats_sort g_sort; /* qsort has no context argument in C17 */

static int compare_rows(const void *a, const void *b)
{
	const ls_stats_row *x = a, *y = b;
	double vx, vy;

	if (g_sort != LS_STATS_SORT_NAME) {
		vx = sort_value(x, g_sort);
		vy = sort_value(y, g_sort);
		if (vx != vy)
			return vx < vy ? 1 : -1;
	}
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

ls_status ls_stats_compute(ls_store *store, ls_stats_group group, ls_stats_sort sort, size_t limit,
			   ls_stats_row **rows_out, size_t *n_out, ls_error *err)
{
	bool by_site = group == LS_STATS_BY_SITE;
	const char *holds_sql = by_site
		? "SELECT class, request_ip, count(acquired_ns), sum(outcome='failed'),"
		  " sum(released_ns-acquired_ns), max(released_ns-acquired_ns), avg(released_ns-acquired_ns)"
		  " FROM holds GROUP BY class, request_ip ORDER BY class, request_ip"
		: "SELECT class, 0, count(acquired_ns), sum(outcome='failed'),"
		  " sum(released_ns-acquired_ns), max(released_ns-acquired_ns), avg(released_ns-acquired_ns)"
		  " FROM holds GROUP BY class ORDER BY class";
	const char *waits_sql = by_site
		? "SELECT w.class, h.request_ip, w.duration_ns FROM waits w JOIN holds h ON h.id = w.hold_id"
		  " ORDER BY w.class, h.request_ip, w.duration_ns"
		: "SELECT class, 0, duration_ns FROM waits ORDER BY class, duration_ns";
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *st = NULL;
	struct table t = { 0 };
	ls_status status = LS_OK;
	int64_t *durations = NULL;
	size_t n_dur = 0, cap_dur = 0;
	int rc;

	*rows_out = NULL;
	*n_out = 0;
	if (sqlite3_prepare_v2(db, holds_sql, -1, &st, NULL) != SQLITE_OK)
		goto db_error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ls_stats_row *r = row_for(&t, sqlite3_column_int(st, 0), (uint64_t)sqlite3_column_int64(st, 1));
		if (!r)
			goto nomem;
		r->acquisitions = sqlite3_column_int64(st, 2);
		r->failed = sqlite3_column_int64(st, 3);
		r->hold_total_ns = sqlite3_column_int64(st, 4);
		r->hold_max_ns = sqlite3_column_int64(st, 5);
		r->hold_mean_ns = sqlite3_column_double(st, 6);
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	sqlite3_finalize(st);

	/* Waits of one group arrive together and sorted; the group closes when the key changes. */
	if (sqlite3_prepare_v2(db, waits_sql, -1, &st, NULL) != SQLITE_OK)
		goto db_error;
	for (ls_stats_row *cur = NULL;;) {
		rc = sqlite3_step(st);
		int cls = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		uint64_t ip = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 1) : 0;

		if (cur && (rc != SQLITE_ROW || cls != cur->cls || ip != cur->ip)) {
			int64_t sum = 0;
			for (size_t i = 0; i < n_dur; i++)
				sum += durations[i];
			cur->wait_total_ns = sum;
			cur->wait_max_ns = n_dur ? durations[n_dur - 1] : 0;
			cur->wait_mean_ns = n_dur ? (double)sum / (double)n_dur : 0;
			/* nearest-rank percentile */
			cur->wait_p99_ns = n_dur ? durations[(size_t)((double)n_dur * 0.99 + 0.999999) - 1] : 0;
			cur = NULL;
			n_dur = 0;
		}
		if (rc != SQLITE_ROW)
			break;
		if (!cur && !(cur = row_for(&t, cls, ip)))
			goto nomem;
		cur->contentions++;
		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue; /* still waiting at trace end: counted, not timed */
		if (!ls_grow((void **)&durations, &cap_dur, n_dur + 1, sizeof(*durations)))
			goto nomem;
		durations[n_dur++] = sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE)
		goto db_error;

	g_sort = sort;
	qsort(t.rows, t.n, sizeof(*t.rows), compare_rows);
	*rows_out = t.rows;
	*n_out = limit && limit < t.n ? limit : t.n;
	t.rows = NULL;
	goto end;

db_error:
	status = ls_error_set(err, LS_ERR_DB, ls_store_path(store), "computing statistics: %s", sqlite3_errmsg(db));
	goto end;
nomem:
	status = ls_error_set(err, LS_ERR_NOMEM, ls_store_path(store), "out of memory computing statistics");
end:
	sqlite3_finalize(st);
	free(durations);
	free(t.rows);
	return status;
}
