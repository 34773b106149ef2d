/* summary.c — see summary.h. The detectors run as `lockstep check` runs them; the lock-order
 * graph they build is cut down to the edges seen and their distinct instances. */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "report.h"
#include "sha256.h"

ls_trace_summary *ls_summary_new(void)
{
	return calloc(1, sizeof(ls_trace_summary));
}

void ls_summary_free(ls_trace_summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_edges; i++)
		free(s->edges[i].inst);
	free(s->edges);
	free(s->name);
	free(s->report_text);
	free(s->report_json);
	ls_profile_free(s->profile);
	free(s);
}

int ls_summary_max_severity(const ls_trace_summary *s)
{
	for (int sev = LS_SEV_COUNT - 1; sev >= 0; sev--)
		if (s->counts[sev])
			return sev;
	return -1;
}

/* A row's values, each tagged with its type (and text or blob with its length) so no two
 * different rows serialise alike, gathered before hashing: one update per row. */
typedef struct {
	uint8_t *b;
	size_t len, cap;
} row_buf;

static bool put(row_buf *r, const void *p, size_t n)
{
	if (!ls_grow((void **)&r->b, &r->cap, r->len + n, 1))
		return false;
	memcpy(r->b + r->len, p, n);
	r->len += n;
	return true;
}

static bool put_value(row_buf *r, sqlite3_stmt *st, int col)
{
	uint8_t tag = (uint8_t)sqlite3_column_type(st, col);

	if (!put(r, &tag, 1))
		return false;
	if (tag == SQLITE_INTEGER) {
		uint64_t v = (uint64_t)sqlite3_column_int64(st, col);
		uint8_t b[8];

		for (int i = 0; i < 8; i++)
			b[i] = (uint8_t)(v >> (8 * i));
		return put(r, b, 8);
	}
	if (tag == SQLITE_NULL)
		return true;
	const void *p = tag == SQLITE_BLOB ? sqlite3_column_blob(st, col)
					   : (const void *)sqlite3_column_text(st, col);
	uint32_t n = (uint32_t)sqlite3_column_bytes(st, col);
	uint8_t b[4] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24) };

	return put(r, b, 4) && (!n || put(r, p, n));
}

ls_status ls_summary_hash(ls_store *store, char hash[LS_SUMMARY_HASH_LEN + 1], ls_error *err)
{
	/* The columns are named: a column added to events later must not rename every trace. */
	static const char *const queries[] = {
		"SELECT id, name, in_contract FROM event_types ORDER BY id",
		"SELECT id, t_ns, cpu, tid, type, lock, class, mode, trylock, success, reason, obj,"
		" kind, mm, vma, seq, addr, start_addr, end_addr, deferred, result, phase, begin, ip,"
		" payload FROM events ORDER BY id",
	};
	sqlite3 *db = ls_store_borrow_db(store);
	ls_sha256 h;
	ls_status status = LS_OK;

	ls_sha256_init(&h);
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]) && status == LS_OK; q++) {
		sqlite3_stmt *st = NULL;
		int rc;

		if (sqlite3_prepare_v2(db, queries[q], -1, &st, NULL) != SQLITE_OK) {
			status = ls_error_set(err, LS_ERR_DB, ls_store_path(store), "hashing events: %s",
					      sqlite3_errmsg(db));
			break;
		}
		int cols = sqlite3_column_count(st);
		row_buf row = { 0 };
		bool ok = true;

		while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			row.len = 0;
			for (int c = 0; c < cols && ok; c++)
				ok = put_value(&row, st, c);
			ls_sha256_update(&h, row.b, row.len);
		}
		free(row.b);
		if (!ok)
			status = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
		else if (rc != SQLITE_DONE)
			status = ls_error_set(err, LS_ERR_DB, ls_store_path(store), "hashing events: %s",
					      sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	if (status == LS_OK)
		ls_sha256_final_hex(&h, hash);
	return status;
}

/* Renders the per-trace report into a malloc'd string. */
static ls_status render(const ls_findings *list, ls_report_format format,
			const ls_report_context *ctx, char **out, ls_error *err)
{
	size_t size = 0;
	FILE *f = open_memstream(out, &size);
	ls_status st;

	if (!f)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	st = ls_report_write(f, format, list, ctx, err);
	if (fclose(f) != 0 && st == LS_OK)
		st = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	return st;
}

typedef struct {
	sqlite3_stmt *comm;
	const ls_symbols *symbols;
} namer;

static void name_instance(namer *nm, ls_summary_instance *si)
{
	const ls_order_instance *in = &si->inst;

	si->comm[0] = '\0';
	if (nm->comm) {
		sqlite3_reset(nm->comm);
		sqlite3_bind_int64(nm->comm, 1, in->a.tid);
		if (sqlite3_step(nm->comm) == SQLITE_ROW && sqlite3_column_text(nm->comm, 0))
			snprintf(si->comm, sizeof(si->comm), "%s",
				 (const char *)sqlite3_column_text(nm->comm, 0));
	}
	ls_symbols_format(nm->symbols, in->a.acq_ip ? in->a.acq_ip : in->a.req_ip, si->held_site,
			  sizeof(si->held_site));
	ls_symbols_format(nm->symbols, in->b.req_ip, si->req_site, sizeof(si->req_site));
}

static bool same_instance(const ls_order_instance *x, const ls_order_instance *y)
{
	return x->a.id == y->a.id && x->b.id == y->b.id;
}

static int by_request(const void *x, const void *y)
{
	const ls_summary_instance *a = x, *b = y;

	if (a->inst.b.req != b->inst.b.req)
		return a->inst.b.req < b->inst.b.req ? -1 : 1;
	return a->inst.b.id < b->inst.b.id ? -1 : a->inst.b.id > b->inst.b.id;
}

/* The edge's distinct instances: the ungated one (the one a deadlock needs most), then first,
 * worst and the gated representatives in request order. */
static ls_status cut_edge(const ls_order_edge *e, namer *nm, ls_summary_edge *out)
{
	const ls_order_instance *cand[3 + LS_ORDER_MAX_GATED_REPS];
	size_t n = 0, k = 0;

	cand[n++] = &e->ungated;
	cand[n++] = &e->first;
	cand[n++] = &e->worst;
	for (int i = 0; i < e->n_gated; i++)
		cand[n++] = &e->gated[i];
	out->inst = calloc(n, sizeof(*out->inst));
	if (!out->inst)
		return LS_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		bool dup = !cand[i]->valid;

		for (size_t j = 0; j < k && !dup; j++)
			dup = same_instance(&out->inst[j].inst, cand[i]);
		if (dup)
			continue;
		out->inst[k].inst = *cand[i];
		name_instance(nm, &out->inst[k]);
		k++;
	}
	size_t first_sorted = e->ungated.valid ? 1 : 0;

	if (k > first_sorted)
		qsort(out->inst + first_sorted, k - first_sorted, sizeof(*out->inst), by_request);
	out->n_inst = k;
	out->count = e->count;
	return LS_OK;
}

static ls_status cut_graph(const ls_order_graph *g, ls_store *store, const ls_symbols *symbols,
			   ls_trace_summary *s, ls_error *err)
{
	namer nm = { NULL, symbols };
	size_t cap = 0;
	ls_status st = LS_OK;

	sqlite3_prepare_v2(ls_store_borrow_db(store), "SELECT comm FROM tasks WHERE tid = ?", -1,
			   &nm.comm, NULL);
	memcpy(s->class_written, g->class_written, sizeof(s->class_written));
	for (int a = 0; a < LS_CLASS_COUNT && st == LS_OK; a++)
		for (int ma = 0; ma < LS_MODE_COUNT && st == LS_OK; ma++)
			for (int b = 0; b < LS_CLASS_COUNT && st == LS_OK; b++)
				for (int mb = 0; mb < LS_MODE_COUNT && st == LS_OK; mb++) {
					const ls_order_edge *e = &g->edges[a][ma][b][mb];

					if (!e->count)
						continue;
					if (!ls_grow((void **)&s->edges, &cap, s->n_edges + 1,
						     sizeof(*s->edges))) {
						st = LS_ERR_NOMEM;
						break;
					}
					ls_summary_edge *se = &s->edges[s->n_edges];

					memset(se, 0, sizeof(*se));
					se->held_cls = a;
					se->held_mode = ma;
					se->req_cls = b;
					se->req_mode = mb;
					s->n_edges++;
					st = cut_edge(e, &nm, se);
				}
	sqlite3_finalize(nm.comm);
	if (st != LS_OK)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	return LS_OK;
}

static int64_t count_rows(ls_store *store, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;

	if (sqlite3_prepare_v2(ls_store_borrow_db(store), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

ls_status ls_summary_build(ls_store *store, const char *name, const ls_symbols *symbols,
			   const ls_check_options *check, ls_trace_summary **out, ls_error *err)
{
	ls_check_options opts;
	ls_order_graph *graph = NULL;
	ls_findings *findings = NULL;
	ls_trace_summary *s = NULL;
	ls_status st;

	*out = NULL;
	if (check)
		opts = *check;
	else
		ls_check_options_init(&opts);
	opts.graph = &graph;
	if (!opts.symbols)
		opts.symbols = symbols;
	s = ls_summary_new();
	if (!s || !(s->name = strdup(name))) {
		st = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
		goto end;
	}
	st = ls_summary_hash(store, s->hash, err);
	if (st != LS_OK)
		goto end;
	st = ls_check_run(store, &opts, &findings, err);
	if (st != LS_OK)
		goto end;
	for (size_t i = 0; i < ls_findings_count(findings); i++)
		s->counts[ls_findings_borrow(findings, i)->severity]++;
	/* The report names the trace by its label: the path it was given as. */
	ls_report_context ctx = { name, ls_store_path(store), symbols, store, false };

	st = render(findings, LS_REPORT_TEXT, &ctx, &s->report_text, err);
	if (st == LS_OK)
		st = render(findings, LS_REPORT_JSON, &ctx, &s->report_json, err);
	if (st == LS_OK)
		st = cut_graph(graph, store, symbols, s, err);
	if (st == LS_OK)
		st = ls_profile_compute(store, &s->profile, err);
	if (st != LS_OK)
		goto end;
	s->events = ls_store_meta_int(store, "event_count", 0);
	s->t_begin_ns = ls_store_meta_int(store, "t_begin_ns", 0);
	s->t_end_ns = ls_store_meta_int(store, "t_end_ns", 0);
	s->holds = count_rows(store, "SELECT count(*) FROM holds");
	s->waits = count_rows(store, "SELECT count(*) FROM waits");
	*out = s;
	s = NULL;
end:
	free(graph);
	ls_findings_free(findings);
	ls_summary_free(s);
	return st;
}
