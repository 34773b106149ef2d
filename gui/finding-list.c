/* finding-list.c — reading the findings tables for the viewer (finding-list.h). The table
 * layout is liblockstep's (findings.c, docs/schema.md); the comma lists `tids`, `classes` and
 * `objects` are split here the way findings.c writes them. */
#include "finding-list.h"

#include <stdlib.h>
#include <string.h>

#include "contract.h"

static char *text(sqlite3_stmt *q, int i)
{
	const unsigned char *s = sqlite3_column_text(q, i);
	return s ? g_strdup((const char *)s) : NULL;
}

static void finding_free(gpointer p)
{
	lsv_finding *f = p;
	for (guint i = 0; i < f->evidence->len; i++) {
		lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, i);
		g_free(e->event);
		g_free(e->role);
	}
	g_array_unref(f->evidence);
	for (guint i = 0; i < f->instances->len; i++)
		g_array_unref(g_array_index(f->instances, lsv_instance, i).tids);
	g_array_unref(f->instances);
	g_array_unref(f->tids);
	g_array_unref(f->objects);
	g_free(f->kind);
	g_free(f->rule);
	g_free(f->severity);
	g_free(f->summary);
	g_free(f->detail);
	g_free(f);
}

static int sev_rank(const char *s)
{
	return !s ? 0 : !strcmp(s, "error") ? 3 : !strcmp(s, "warning") ? 2 : 1;
}

static gint cmp_finding(gconstpointer a, gconstpointer b)
{
	const lsv_finding *x = *(lsv_finding *const *)a, *y = *(lsv_finding *const *)b;
	int rx = sev_rank(x->severity), ry = sev_rank(y->severity);
	if (rx != ry)
		return ry - rx;
	if (x->t_begin != y->t_begin)
		return x->t_begin < y->t_begin ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static gint cmp_evidence(gconstpointer a, gconstpointer b)
{
	const lsv_evidence *x = a, *y = b;
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool is_wait_finding(const lsv_finding *f)
{
	return (f->kind && strstr(f->kind, "starvation")) || (f->rule && strstr(f->rule, "wait"));
}

/* The band: a wait finding's starts at the waiter's request (starvation.c writes the role
 * "writer requests"), whatever outer lock the waiter took before; its end covers the last
 * evidence. */
static void set_band(lsv_finding *f)
{
	f->band_begin = f->t_begin;
	f->band_end = f->t_end;
	f->is_wait = is_wait_finding(f);
	if (!f->has_window)
		return;
	for (guint i = 0; i < f->evidence->len; i++) {
		const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, i);
		if (is_wait_finding(f) && e->role && strstr(e->role, "requests")) {
			f->band_begin = e->t_ns;
			break;
		}
	}
	for (guint i = 0; i < f->evidence->len; i++) {
		const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, i);
		if (e->t_ns > f->band_end)
			f->band_end = e->t_ns;
	}
	if (f->band_end < f->band_begin)
		f->band_end = f->band_begin;
}

void lsv_finding_frame(const lsv_finding *f, int64_t trace_begin, int64_t trace_end, int64_t *a, int64_t *b)
{
	int64_t lo = f->band_begin, hi = f->band_end;
	if (!is_wait_finding(f))
		for (guint i = 0; i < f->evidence->len; i++) {
			int64_t t = g_array_index(f->evidence, lsv_evidence, i).t_ns;
			lo = MIN(lo, t);
			hi = MAX(hi, t);
		}
	/* a little room on both sides, so the first and last evidence are not on the edges; a
	 * wait's view opens just before the request */
	int64_t pad = (hi - lo) / 20 + 50;
	*a = MAX(lo - (is_wait_finding(f) ? pad / 3 : pad), trace_begin);
	*b = MIN(hi + pad, MAX(trace_end, *a + 1));
	if (*b <= *a)
		*b = *a + 1;
}

static GArray *split_tids(const char *s)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_auto(GStrv) items = g_strsplit(s ? s : "", ",", -1);
	for (char **it = items; *it; it++) {
		if (!**it)
			continue;
		int64_t v = g_ascii_strtoll(*it, NULL, 10);
		g_array_append_val(a, v);
	}
	return a;
}

static bool read_ok(int rc, sqlite3 *db, ls_error *err)
{
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return true;
	if (err && err->status == LS_OK)
		ls_error_set(err, LS_ERR_INPUT, "", "reading the findings failed: %s", sqlite3_errmsg(db));
	return false;
}

bool lsv_evidence_is_blocker(const lsv_finding *f, const lsv_evidence *e)
{
	return f->is_wait && e->tid != f->waiter && e->role && g_str_has_prefix(e->role, "holder");
}

GPtrArray *lsv_findings_read(sqlite3 *db, bool *present, ls_error *err)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(finding_free);
	sqlite3_stmt *fq = NULL, *eq = NULL, *iq = NULL;
	int rc;
	*present = false;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, kind, rule, severity, summary, detail, t_begin_ns, t_end_ns, "
			       "count, tids, classes, objects FROM findings ORDER BY id",
			       -1, &fq, NULL) != SQLITE_OK)
		goto end;
	if (sqlite3_prepare_v2(db,
			       "SELECT t_ns, tid, event_id, event, lock, class, mode, obj, role, ip, seq, end_ns, "
			       "trylock FROM finding_evidence WHERE finding_id = ? ORDER BY seq",
			       -1, &eq, NULL) != SQLITE_OK)
		goto end;
	/* schema 3; a hand-written database may lack it: no instances then */
	sqlite3_prepare_v2(db,
			   "SELECT t_begin_ns, t_end_ns, tids, obj, obj_alloc_ns, events FROM finding_instances "
			   "WHERE finding_id = ? ORDER BY seq", -1, &iq, NULL);
	*present = true;
	while ((rc = sqlite3_step(fq)) == SQLITE_ROW) {
		lsv_finding *f = g_new0(lsv_finding, 1);
		f->id = sqlite3_column_int64(fq, 0);
		f->kind = text(fq, 1);
		f->rule = text(fq, 2);
		f->severity = text(fq, 3);
		f->summary = text(fq, 4);
		f->detail = text(fq, 5);
		/* statistics findings have no window: the evidence's span stands in, if any */
		f->t_begin = sqlite3_column_type(fq, 6) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(fq, 6);
		f->t_end = sqlite3_column_type(fq, 7) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(fq, 7);
		bool no_window = f->t_begin == INT64_MAX;
		f->count = sqlite3_column_int64(fq, 8);
		f->tids = g_array_new(FALSE, FALSE, sizeof(int64_t));
		f->objects = g_array_new(FALSE, FALSE, sizeof(int64_t));
		f->evidence = g_array_new(FALSE, TRUE, sizeof(lsv_evidence));
		f->instances = g_array_new(FALSE, TRUE, sizeof(lsv_instance));
		for (int which = 0; which < 3; which++) {
			const char *s = (const char *)sqlite3_column_text(fq, 9 + which);
			g_auto(GStrv) items = g_strsplit(s ? s : "", ",", -1);
			for (char **it = items; *it; it++) {
				if (!**it)
					continue;
				if (which == 0) {
					int64_t v = g_ascii_strtoll(*it, NULL, 10);
					g_array_append_val(f->tids, v);
				} else if (which == 1) {
					uint64_t v;
					if (ls_enum_value(LS_ENUM_CLASS, *it, &v))
						f->class_mask |= 1u << v;
				} else {
					int64_t v = (int64_t)g_ascii_strtoull(*it, NULL, 0);
					g_array_append_val(f->objects, v);
				}
			}
		}
		f->waiter = f->tids->len ? g_array_index(f->tids, int64_t, 0) : -1;
		sqlite3_reset(eq);
		sqlite3_bind_int64(eq, 1, f->id);
		int erc;
		while ((erc = sqlite3_step(eq)) == SQLITE_ROW) {
			lsv_evidence e = { 0 };
			e.t_ns = sqlite3_column_int64(eq, 0);
			e.tid = sqlite3_column_int64(eq, 1);
			e.event_id = sqlite3_column_type(eq, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(eq, 2);
			e.event = text(eq, 3);
			e.lock = sqlite3_column_int64(eq, 4);
			e.cls = sqlite3_column_type(eq, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(eq, 5);
			e.mode = sqlite3_column_type(eq, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(eq, 6);
			e.obj = sqlite3_column_int64(eq, 7);
			e.role = text(eq, 8);
			e.ip = sqlite3_column_int64(eq, 9);
			e.seq = sqlite3_column_int64(eq, 10);
			e.end_ns = sqlite3_column_type(eq, 11) == SQLITE_NULL ? LSV_NO_END : sqlite3_column_int64(eq, 11);
			e.trylock = sqlite3_column_int(eq, 12) == 1;
			g_array_append_val(f->evidence, e);
			if (no_window) {
				f->t_begin = MIN(f->t_begin, e.t_ns);
				f->t_end = MAX(f->t_end, e.t_ns);
			}
		}
		read_ok(erc, db, err);
		if (iq) {
			sqlite3_reset(iq);
			sqlite3_bind_int64(iq, 1, f->id);
			int irc;
			while ((irc = sqlite3_step(iq)) == SQLITE_ROW) {
				lsv_instance in = { 0 };
				in.t_begin = sqlite3_column_int64(iq, 0);
				in.t_end = sqlite3_column_int64(iq, 1);
				in.tids = split_tids((const char *)sqlite3_column_text(iq, 2));
				in.obj = sqlite3_column_int64(iq, 3);
				in.obj_alloc_ns = sqlite3_column_type(iq, 4) == SQLITE_NULL ? LSV_NO_END
											  : sqlite3_column_int64(iq, 4);
				in.events = sqlite3_column_int64(iq, 5);
				g_array_append_val(f->instances, in);
			}
			read_ok(irc, db, err);
		}
		f->has_window = f->t_begin <= f->t_end;
		if (!f->has_window)
			f->t_begin = f->t_end = 0;
		g_array_sort(f->evidence, cmp_evidence);
		set_band(f);
		g_ptr_array_add(out, f);
	}
	read_ok(rc, db, err);
	g_ptr_array_sort(out, cmp_finding);
end:
	sqlite3_finalize(fq);
	sqlite3_finalize(eq);
	sqlite3_finalize(iq);
	return out;
}

bool lsv_finding_has_tid(const lsv_finding *f, int64_t tid)
{
	for (guint i = 0; i < f->evidence->len; i++)
		if (g_array_index(f->evidence, lsv_evidence, i).tid == tid)
			return true;
	if (f->evidence->len)
		return false;
	for (guint i = 0; i < f->tids->len; i++)
		if (g_array_index(f->tids, int64_t, i) == tid)
			return true;
	return false;
}

bool lsv_finding_has_addr(const lsv_finding *f, int64_t addr)
{
	for (guint i = 0; i < f->objects->len; i++)
		if (g_array_index(f->objects, int64_t, i) == addr)
			return true;
	for (guint i = 0; i < f->evidence->len; i++) {
		const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, i);
		if (e->lock == addr || e->obj == addr)
			return true;
	}
	return false;
}
