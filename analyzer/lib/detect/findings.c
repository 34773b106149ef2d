/* findings.c — the finding list and its `findings` / `finding_evidence` tables.
 *
 * Holds what detectors decided; it never decides anything itself and never prints. */
#include "grow.h"
#include "findings.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ls_findings {
	ls_finding *items;
	size_t n, cap;
};

static const char *const kind_names[LS_FINDING_KIND_COUNT] = {
	[LS_FINDING_LOCK_ORDER] = "lock-order",
	[LS_FINDING_HIERARCHY] = "hierarchy",
	[LS_FINDING_PROTOCOL] = "protocol",
	[LS_FINDING_WRITER_STARVATION] = "writer-starvation",
	[LS_FINDING_UAF_WINDOW] = "uaf-window",
	[LS_FINDING_LOCK_BALANCE] = "lock-balance",
	[LS_FINDING_NOTE] = "note",
};

static const char *const severity_names[LS_SEV_COUNT] = {
	[LS_SEV_NOTE] = "note",
	[LS_SEV_WARNING] = "warning",
	[LS_SEV_ERROR] = "error",
};

const char *ls_finding_kind_name(ls_finding_kind kind)
{
	return (unsigned)kind < LS_FINDING_KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *ls_severity_name(ls_severity sev)
{
	return (unsigned)sev < LS_SEV_COUNT ? severity_names[sev] : "unknown";
}

bool ls_severity_from_name(const char *name, ls_severity *out)
{
	for (int i = 0; i < LS_SEV_COUNT; i++) {
		if (strcmp(name, severity_names[i]) == 0) {
			*out = (ls_severity)i;
			return true;
		}
	}
	return false;
}

static bool kind_from_name(const char *name, ls_finding_kind *out)
{
	for (int i = 0; i < LS_FINDING_KIND_COUNT; i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (ls_finding_kind)i;
			return true;
		}
	}
	return false;
}

ls_findings *ls_findings_new(void)
{
	return calloc(1, sizeof(ls_findings));
}

static void finding_finalize(ls_finding *f)
{
	free(f->rule);
	free(f->summary);
	free(f->detail);
	free(f->tids);
	free(f->classes);
	free(f->objects);
	for (size_t i = 0; i < f->n_evidence; i++)
		free(f->evidence[i].role);
	free(f->evidence);
	free(f->instances);
}

void ls_findings_free(ls_findings *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		finding_finalize(&list->items[i]);
	free(list->items);
	free(list);
}

static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	int len;
	char *s;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		return NULL;
	s = malloc((size_t)len + 1);
	if (s)
		vsnprintf(s, (size_t)len + 1, fmt, ap);
	return s;
}

ls_finding *ls_findings_add(ls_findings *list, ls_finding_kind kind, ls_severity sev,
			    const char *rule, const char *summary_fmt, ...)
{
	ls_finding *f = NULL;
	va_list ap;

	assert((unsigned)kind < LS_FINDING_KIND_COUNT && (unsigned)sev < LS_SEV_COUNT);
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		ls_finding *items = realloc(list->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		list->items = items;
		list->cap = cap;
	}
	f = &list->items[list->n];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->severity = sev;
	f->count = 1;
	f->t_begin_ns = INT64_MAX;
	f->t_end_ns = INT64_MIN;
	f->rule = strdup(rule);
	va_start(ap, summary_fmt);
	f->summary = vformat(summary_fmt, ap);
	va_end(ap);
	if (!f->rule || !f->summary) {
		finding_finalize(f);
		return NULL;
	}
	list->n++;
	return f;
}

ls_status ls_finding_set_detail(ls_finding *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	if (!s)
		return LS_ERR_NOMEM;
	free(f->detail);
	f->detail = s;
	return LS_OK;
}


ls_status ls_finding_add_tid(ls_finding *f, int64_t tid)
{
	for (size_t i = 0; i < f->n_tids; i++)
		if (f->tids[i] == tid)
			return LS_OK;
	if (!ls_grow((void **)&f->tids, &f->cap_tids, f->n_tids + 1, sizeof(*f->tids)))
		return LS_ERR_NOMEM;
	f->tids[f->n_tids++] = tid;
	return LS_OK;
}

ls_status ls_finding_add_class(ls_finding *f, int cls)
{
	if (cls < 0)
		return LS_OK;
	for (size_t i = 0; i < f->n_classes; i++)
		if (f->classes[i] == cls)
			return LS_OK;
	if (!ls_grow((void **)&f->classes, &f->cap_classes, f->n_classes + 1, sizeof(*f->classes)))
		return LS_ERR_NOMEM;
	f->classes[f->n_classes++] = cls;
	return LS_OK;
}

ls_status ls_finding_add_object(ls_finding *f, uint64_t addr)
{
	for (size_t i = 0; i < f->n_objects; i++)
		if (f->objects[i] == addr)
			return LS_OK;
	if (!ls_grow((void **)&f->objects, &f->cap_objects, f->n_objects + 1, sizeof(*f->objects)))
		return LS_ERR_NOMEM;
	f->objects[f->n_objects++] = addr;
	return LS_OK;
}

ls_evidence ls_evidence_blank(void)
{
	ls_evidence ev;

	memset(&ev, 0, sizeof(ev));
	ev.event_id = -1;
	ev.event = LS_EV_UNKNOWN;
	ev.cls = -1;
	ev.mode = -1;
	ev.end_ns = LS_NO_TIME;
	return ev;
}

ls_status ls_finding_add_instance(ls_finding *f, const ls_instance *in)
{
	if (f->n_instances >= LS_MAX_INSTANCES)
		return LS_OK;
	if (!ls_grow((void **)&f->instances, &f->cap_instances, f->n_instances + 1,
		     sizeof(*f->instances)))
		return LS_ERR_NOMEM;
	f->instances[f->n_instances++] = *in;
	return LS_OK;
}

ls_status ls_finding_add_evidence(ls_finding *f, const ls_evidence *ev)
{
	ls_evidence *dst;

	if (!ls_grow((void **)&f->evidence, &f->cap_evidence, f->n_evidence + 1, sizeof(*f->evidence)))
		return LS_ERR_NOMEM;
	dst = &f->evidence[f->n_evidence];
	*dst = *ev;
	dst->role = strdup(ev->role ? ev->role : "");
	if (!dst->role)
		return LS_ERR_NOMEM;
	f->n_evidence++;
	if (ev->t_ns < f->t_begin_ns)
		f->t_begin_ns = ev->t_ns;
	if (ev->t_ns > f->t_end_ns)
		f->t_end_ns = ev->t_ns;
	return LS_OK;
}

size_t ls_findings_count(const ls_findings *list)
{
	return list->n;
}

const ls_finding *ls_findings_borrow(const ls_findings *list, size_t i)
{
	return i < list->n ? &list->items[i] : NULL;
}

static int finding_cmp(const void *a, const void *b)
{
	const ls_finding *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->t_begin_ns != y->t_begin_ns)
		return x->t_begin_ns < y->t_begin_ns ? -1 : 1;
	return strcmp(x->rule, y->rule);
}

/* Evidence in time order; insertion sort keeps equal times in the order they were added (the
 * detectors add a request before its acquisition) and the lists are short. */
static void sort_evidence(ls_finding *f)
{
	for (size_t i = 1; i < f->n_evidence; i++) {
		ls_evidence ev = f->evidence[i];
		size_t j = i;

		while (j > 0 && f->evidence[j - 1].t_ns > ev.t_ns) {
			f->evidence[j] = f->evidence[j - 1];
			j--;
		}
		f->evidence[j] = ev;
	}
}

void ls_findings_sort(ls_findings *list)
{
	for (size_t i = 0; i < list->n; i++)
		sort_evidence(&list->items[i]);
	if (list->n > 1)
		qsort(list->items, list->n, sizeof(*list->items), finding_cmp);
}

int ls_findings_max_severity(const ls_findings *list)
{
	int max = -1;

	for (size_t i = 0; i < list->n; i++)
		if ((int)list->items[i].severity > max)
			max = (int)list->items[i].severity;
	return max;
}

size_t ls_findings_count_at_least(const ls_findings *list, ls_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < list->n; i++)
		if (list->items[i].severity >= sev)
			n++;
	return n;
}

/* ---- database ---------------------------------------------------------------------------- */

static const char schema_sql[] =
	"DROP TABLE IF EXISTS finding_instances;"
	"DROP TABLE IF EXISTS finding_evidence;"
	"DROP TABLE IF EXISTS findings;"
	"CREATE TABLE findings(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, rule TEXT NOT NULL,"
	" severity TEXT NOT NULL, summary TEXT NOT NULL, detail TEXT, t_begin_ns INTEGER,"
	" t_end_ns INTEGER, count INTEGER NOT NULL, tids TEXT NOT NULL, classes TEXT NOT NULL,"
	" objects TEXT NOT NULL);"
	"CREATE TABLE finding_evidence(id INTEGER PRIMARY KEY, finding_id INTEGER NOT NULL"
	" REFERENCES findings(id), seq INTEGER NOT NULL, t_ns INTEGER, tid INTEGER,"
	" event_id INTEGER, event TEXT, lock INTEGER, class INTEGER, mode INTEGER, ip INTEGER,"
	" obj INTEGER, role TEXT, end_ns INTEGER, trylock INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX finding_evidence_finding ON finding_evidence(finding_id, seq);"
	"CREATE TABLE finding_instances(id INTEGER PRIMARY KEY, finding_id INTEGER NOT NULL"
	" REFERENCES findings(id), seq INTEGER NOT NULL, t_begin_ns INTEGER, t_end_ns INTEGER,"
	" tids TEXT NOT NULL, obj INTEGER, obj_alloc_ns INTEGER, events INTEGER NOT NULL);"
	"CREATE INDEX finding_instances_finding ON finding_instances(finding_id, seq);";

/* Growable string for the comma lists. */
typedef struct {
	char *s;
	size_t len, cap;
	bool failed;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap ? b->cap * 2 : 64) + (size_t)n;
		char *q = realloc(b->s, ncap);

		if (!q) {
			b->failed = true;
			return;
		}
		b->s = q;
		b->cap = ncap;
		if (b->len == 0)
			b->s[0] = '\0';
	}
}

static ls_status bind_lists(sqlite3_stmt *st, const ls_finding *f)
{
	strbuf tids = { 0 }, classes = { 0 }, objects = { 0 };
	ls_status status = LS_OK;

	sb_printf(&tids, "%s", "");
	sb_printf(&classes, "%s", "");
	sb_printf(&objects, "%s", "");
	for (size_t i = 0; i < f->n_tids; i++)
		sb_printf(&tids, "%s%" PRId64, i ? "," : "", f->tids[i]);
	for (size_t i = 0; i < f->n_classes; i++) {
		const char *name = ls_class_name((uint64_t)f->classes[i]);

		sb_printf(&classes, "%s%s", i ? "," : "", name ? name : "?");
	}
	for (size_t i = 0; i < f->n_objects; i++)
		sb_printf(&objects, "%s0x%" PRIx64, i ? "," : "", f->objects[i]);
	if (tids.failed || classes.failed || objects.failed) {
		status = LS_ERR_NOMEM;
		goto end;
	}
	sqlite3_bind_text(st, 10, tids.s, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, classes.s, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 12, objects.s, -1, SQLITE_TRANSIENT);
end:
	free(tids.s);
	free(classes.s);
	free(objects.s);
	return status;
}

static void bind_opt_int(sqlite3_stmt *st, int col, int64_t v, bool present)
{
	if (present)
		sqlite3_bind_int64(st, col, v);
	else
		sqlite3_bind_null(st, col);
}

ls_status ls_findings_store(const ls_findings *list, ls_store *store, ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *fst = NULL, *est = NULL, *ist = NULL;
	ls_status status = LS_OK;
	bool in_tx = false;

	status = ls_store_exec(store, "BEGIN", err);
	if (status != LS_OK)
		goto end;
	in_tx = true;
	status = ls_store_exec(store, schema_sql, err);
	if (status != LS_OK)
		goto end;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO findings(id, kind, rule, severity, summary, detail,"
			       " t_begin_ns, t_end_ns, count, tids, classes, objects)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &fst, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO finding_evidence(finding_id, seq, t_ns, tid, event_id,"
			       " event, lock, class, mode, ip, obj, role, end_ns, trylock)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &est, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO finding_instances(finding_id, seq, t_begin_ns, t_end_ns,"
			       " tids, obj, obj_alloc_ns, events) VALUES(?,?,?,?,?,?,?,?)",
			       -1, &ist, NULL) != SQLITE_OK)
		goto db_error;
	for (size_t i = 0; i < list->n; i++) {
		const ls_finding *f = &list->items[i];
		bool has_time = f->t_begin_ns <= f->t_end_ns;

		sqlite3_reset(fst);
		sqlite3_bind_int64(fst, 1, (int64_t)i + 1);
		sqlite3_bind_text(fst, 2, ls_finding_kind_name(f->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(fst, 3, f->rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(fst, 4, ls_severity_name(f->severity), -1, SQLITE_STATIC);
		sqlite3_bind_text(fst, 5, f->summary, -1, SQLITE_STATIC);
		if (f->detail)
			sqlite3_bind_text(fst, 6, f->detail, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(fst, 6);
		bind_opt_int(fst, 7, f->t_begin_ns, has_time);
		bind_opt_int(fst, 8, f->t_end_ns, has_time);
		sqlite3_bind_int64(fst, 9, (int64_t)f->count);
		status = bind_lists(fst, f);
		if (status != LS_OK) {
			ls_error_set(err, status, ls_store_path(store), "out of memory");
			goto end;
		}
		if (sqlite3_step(fst) != SQLITE_DONE)
			goto db_error;
		for (size_t j = 0; j < f->n_evidence; j++) {
			const ls_evidence *ev = &f->evidence[j];
			const char *evname = ls_event_name((ls_event_type)ev->event);

			sqlite3_reset(est);
			sqlite3_bind_int64(est, 1, (int64_t)i + 1);
			sqlite3_bind_int64(est, 2, (int64_t)j);
			sqlite3_bind_int64(est, 3, ev->t_ns);
			sqlite3_bind_int64(est, 4, ev->tid);
			bind_opt_int(est, 5, ev->event_id, ev->event_id >= 0);
			if (evname)
				sqlite3_bind_text(est, 6, evname, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(est, 6);
			bind_opt_int(est, 7, (int64_t)ev->lock, ev->lock != 0);
			bind_opt_int(est, 8, ev->cls, ev->cls >= 0);
			bind_opt_int(est, 9, ev->mode, ev->mode >= 0);
			bind_opt_int(est, 10, (int64_t)ev->ip, ev->ip != 0);
			bind_opt_int(est, 11, (int64_t)ev->obj, ev->obj != 0);
			sqlite3_bind_text(est, 12, ev->role ? ev->role : "", -1, SQLITE_STATIC);
			bind_opt_int(est, 13, ev->end_ns, ev->end_ns != LS_NO_TIME);
			sqlite3_bind_int(est, 14, ev->trylock);
			if (sqlite3_step(est) != SQLITE_DONE)
				goto db_error;
		}
		for (size_t j = 0; j < f->n_instances; j++) {
			const ls_instance *in = &f->instances[j];
			char tids[LS_INSTANCE_TIDS * 24] = "";
			size_t len = 0;

			for (int k = 0; k < in->n_tids; k++)
				len += (size_t)snprintf(tids + len, sizeof(tids) - len, "%s%" PRId64,
							k ? "," : "", in->tids[k]);
			sqlite3_reset(ist);
			sqlite3_bind_int64(ist, 1, (int64_t)i + 1);
			sqlite3_bind_int64(ist, 2, (int64_t)j);
			sqlite3_bind_int64(ist, 3, in->t_begin_ns);
			sqlite3_bind_int64(ist, 4, in->t_end_ns);
			sqlite3_bind_text(ist, 5, tids, -1, SQLITE_TRANSIENT);
			bind_opt_int(ist, 6, (int64_t)in->obj, in->obj != 0);
			bind_opt_int(ist, 7, in->obj_alloc_ns, in->obj_alloc_ns != LS_NO_TIME);
			sqlite3_bind_int64(ist, 8, (int64_t)in->events);
			if (sqlite3_step(ist) != SQLITE_DONE)
				goto db_error;
		}
	}
	status = ls_store_exec(store, "COMMIT", err);
	if (status == LS_OK)
		in_tx = false;
	goto end;

db_error:
	status = ls_error_set(err, LS_ERR_DB, ls_store_path(store), "writing findings: %s",
			      sqlite3_errmsg(db));
end:
	sqlite3_finalize(fst);
	sqlite3_finalize(est);
	sqlite3_finalize(ist);
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return status;
}

/* Splits a comma list, calling `add` on each item; false on allocation failure. */
static bool split_list(const char *s, ls_finding *f, int which)
{
	char item[64];

	while (s && *s) {
		size_t n = strcspn(s, ",");

		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, s, n);
		item[n] = '\0';
		ls_status st = LS_OK;
		if (which == 0) {
			st = ls_finding_add_tid(f, strtoll(item, NULL, 10));
		} else if (which == 1) {
			uint64_t v;

			if (ls_enum_value(LS_ENUM_CLASS, item, &v))
				st = ls_finding_add_class(f, (int)v);
		} else {
			st = ls_finding_add_object(f, strtoull(item, NULL, 0));
		}
		if (st != LS_OK)
			return false;
		s += n;
		if (*s == ',')
			s++;
	}
	return true;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

ls_status ls_findings_load(ls_store *store, ls_findings **out, ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *fst = NULL, *est = NULL, *ist = NULL;
	ls_findings *list = ls_findings_new();
	ls_status status = LS_OK;
	int rc;

	*out = NULL;
	if (!list)
		return ls_error_set(err, LS_ERR_NOMEM, ls_store_path(store), "out of memory");
	rc = sqlite3_prepare_v2(db,
				"SELECT id, kind, rule, severity, summary, detail, t_begin_ns, t_end_ns,"
				" count, tids, classes, objects FROM findings ORDER BY id",
				-1, &fst, NULL);
	if (rc != SQLITE_OK) {
		/* No findings table: the database was never checked. */
		goto done;
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT t_ns, tid, event_id, event, lock, class, mode, ip, obj, role,"
			       " end_ns, trylock FROM finding_evidence WHERE finding_id = ? ORDER BY seq",
			       -1, &est, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT t_begin_ns, t_end_ns, tids, obj, obj_alloc_ns, events"
			       " FROM finding_instances WHERE finding_id = ? ORDER BY seq",
			       -1, &ist, NULL) != SQLITE_OK)
		goto db_error;
	while ((rc = sqlite3_step(fst)) == SQLITE_ROW) {
		ls_finding_kind kind;
		ls_severity sev;
		ls_finding *f;

		if (!kind_from_name(col_text(fst, 1), &kind) ||
		    !ls_severity_from_name(col_text(fst, 3), &sev)) {
			status = ls_error_set(err, LS_ERR_INPUT, ls_store_path(store),
					      "finding %lld has an unknown kind or severity",
					      (long long)sqlite3_column_int64(fst, 0));
			goto end;
		}
		f = ls_findings_add(list, kind, sev, col_text(fst, 2), "%s", col_text(fst, 4));
		if (!f)
			goto nomem;
		if (sqlite3_column_type(fst, 5) != SQLITE_NULL &&
		    ls_finding_set_detail(f, "%s", col_text(fst, 5)) != LS_OK)
			goto nomem;
		f->count = (uint64_t)sqlite3_column_int64(fst, 8);
		if (!split_list(col_text(fst, 9), f, 0) || !split_list(col_text(fst, 10), f, 1) ||
		    !split_list(col_text(fst, 11), f, 2))
			goto nomem;
		sqlite3_reset(est);
		sqlite3_bind_int64(est, 1, sqlite3_column_int64(fst, 0));
		while ((rc = sqlite3_step(est)) == SQLITE_ROW) {
			ls_evidence ev = ls_evidence_blank();

			ev.t_ns = sqlite3_column_int64(est, 0);
			ev.tid = sqlite3_column_int64(est, 1);
			if (sqlite3_column_type(est, 2) != SQLITE_NULL)
				ev.event_id = sqlite3_column_int64(est, 2);
			if (sqlite3_column_type(est, 3) != SQLITE_NULL)
				ev.event = ls_event_type_from_name(col_text(est, 3));
			ev.lock = (uint64_t)sqlite3_column_int64(est, 4);
			if (sqlite3_column_type(est, 5) != SQLITE_NULL)
				ev.cls = sqlite3_column_int(est, 5);
			if (sqlite3_column_type(est, 6) != SQLITE_NULL)
				ev.mode = sqlite3_column_int(est, 6);
			ev.ip = (uint64_t)sqlite3_column_int64(est, 7);
			ev.obj = (uint64_t)sqlite3_column_int64(est, 8);
			ev.role = (char *)col_text(est, 9);
			if (sqlite3_column_type(est, 10) != SQLITE_NULL)
				ev.end_ns = sqlite3_column_int64(est, 10);
			ev.trylock = sqlite3_column_int(est, 11) != 0;
			if (ls_finding_add_evidence(f, &ev) != LS_OK)
				goto nomem;
		}
		if (rc != SQLITE_DONE)
			goto db_error;
		sqlite3_reset(ist);
		sqlite3_bind_int64(ist, 1, sqlite3_column_int64(fst, 0));
		while ((rc = sqlite3_step(ist)) == SQLITE_ROW) {
			ls_instance in;
			const char *t = col_text(ist, 2);

			memset(&in, 0, sizeof(in));
			in.t_begin_ns = sqlite3_column_int64(ist, 0);
			in.t_end_ns = sqlite3_column_int64(ist, 1);
			while (*t && in.n_tids < LS_INSTANCE_TIDS) {
				in.tids[in.n_tids++] = strtoll(t, NULL, 10);
				t += strcspn(t, ",");
				if (*t == ',')
					t++;
			}
			in.obj = (uint64_t)sqlite3_column_int64(ist, 3);
			in.obj_alloc_ns = sqlite3_column_type(ist, 4) == SQLITE_NULL
						  ? LS_NO_TIME
						  : sqlite3_column_int64(ist, 4);
			in.events = (uint64_t)sqlite3_column_int64(ist, 5);
			if (ls_finding_add_instance(f, &in) != LS_OK)
				goto nomem;
		}
		if (rc != SQLITE_DONE)
			goto db_error;
		/* The stored span wins over the one the evidence implies. */
		if (sqlite3_column_type(fst, 6) != SQLITE_NULL) {
			f->t_begin_ns = sqlite3_column_int64(fst, 6);
			f->t_end_ns = sqlite3_column_int64(fst, 7);
		}
	}
	if (rc != SQLITE_DONE)
		goto db_error;
done:
	*out = list;
	list = NULL;
	goto end;

nomem:
	status = ls_error_set(err, LS_ERR_NOMEM, ls_store_path(store), "out of memory");
	goto end;
db_error:
	status = ls_error_set(err, LS_ERR_DB, ls_store_path(store), "reading findings: %s",
			      sqlite3_errmsg(db));
end:
	sqlite3_finalize(fst);
	sqlite3_finalize(est);
	sqlite3_finalize(ist);
	ls_findings_free(list);
	return status;
}
