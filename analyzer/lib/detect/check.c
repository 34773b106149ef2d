/* check.c — runs the detectors one after the other over one store and gathers their findings.
 * It owns no rule of its own; it must not print. */
#include "check.h"

#include <stdlib.h>
#include <time.h>

void ls_check_options_init(ls_check_options *opts)
{
	opts->starvation_ms = LS_CHECK_DEFAULT_STARVATION_MS;
	opts->max_bypass = LS_CHECK_DEFAULT_MAX_BYPASS;
	opts->store_findings = true;
	opts->symbols = NULL;
	opts->absolute_time = false;
	opts->stats = NULL;
	opts->graph = NULL;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

ls_status ls_check_run(ls_store *store, const ls_check_options *opts, ls_findings **out,
		       ls_error *err)
{
	ls_check_options defaults;
	ls_starvation_options sopts;
	ls_check_stats stats = { 0 };
	ls_findings *list = NULL;
	ls_context *cx = NULL;
	ls_status status;
	double t0 = now_seconds();

	*out = NULL;
	if (opts && opts->graph)
		*opts->graph = NULL;
	if (!opts) {
		ls_check_options_init(&defaults);
		opts = &defaults;
	}
	if (!(opts->starvation_ms >= 0))
		return ls_error_set(err, LS_ERR_USAGE, NULL, "starvation threshold must be >= 0 ms");
	list = ls_findings_new();
	if (!list)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	status = ls_context_open(store, opts->symbols, opts->absolute_time, &cx, err);
	if (status != LS_OK)
		goto end;
	sopts.threshold_ns = (int64_t)(opts->starvation_ms * 1e6);
	sopts.max_bypass = opts->max_bypass;

	/* The passes read most of the file once: map it instead of copying pages through the
	 * page cache of the connection (a no-op where SQLite was built without mmap). Mapped pages
	 * count in the resident set, so the map is capped (64 MiB): memory stays flat in trace length. */
	status = ls_store_exec(store, "PRAGMA mmap_size = 67108864; PRAGMA cache_size = -65536",
			       err);
	if (status != LS_OK)
		goto end;
	/* Read-only passes run inside one read transaction so they see one snapshot. */
	status = ls_store_exec(store, "BEGIN", err);
	if (status != LS_OK)
		goto end;
	status = ls_order_check_graph(store, cx, list, &stats.order, opts->graph, err);
	if (status == LS_OK)
		status = ls_starvation_check(store, cx, &sopts, list, &stats.starvation, err);
	if (status == LS_OK)
		status = ls_uaf_check(store, cx, list, &stats.uaf, err);
	if (status == LS_OK)
		status = ls_markall_check(store, cx, list, &stats.markall, err);
	if (status == LS_OK)
		status = ls_balance_check(store, cx, list, &stats.balance, err);
	if (status != LS_OK) {
		sqlite3_exec(ls_store_borrow_db(store), "ROLLBACK", NULL, NULL, NULL);
		goto end;
	}
	status = ls_store_exec(store, "COMMIT", err);
	if (status != LS_OK)
		goto end;
	ls_findings_sort(list);
	if (opts->store_findings) {
		status = ls_findings_store(list, store, err);
		if (status != LS_OK)
			goto end;
	}
	*out = list;
	list = NULL;
end:
	if (status != LS_OK && opts->graph) {
		free(*opts->graph);
		*opts->graph = NULL;
	}
	stats.seconds = now_seconds() - t0;
	if (opts->stats)
		*opts->stats = stats;
	ls_context_close(cx);
	ls_findings_free(list);
	return status;
}
