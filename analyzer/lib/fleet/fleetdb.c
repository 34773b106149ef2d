/* fleetdb.c — see fleetdb.h. Plain SQL: one row per trace, per edge, per edge instance and per
 * profile row; the lists inside an instance (gates, held stack) are short texts. */
#include "fleetdb.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grow.h"

struct ls_fleet {
	sqlite3 *db;
	char *path;
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS fleet_meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS traces(id INTEGER PRIMARY KEY, hash TEXT UNIQUE NOT NULL,"
	" name TEXT NOT NULL, events INTEGER, holds INTEGER, waits INTEGER, t_begin_ns INTEGER,"
	" t_end_ns INTEGER, errors INTEGER, warnings INTEGER, notes INTEGER,"
	" class_written INTEGER, report_text TEXT, report_json TEXT);"
	"CREATE TABLE IF NOT EXISTS edges(trace_id INTEGER NOT NULL, held_class INTEGER NOT NULL,"
	" held_mode INTEGER NOT NULL, req_class INTEGER NOT NULL, req_mode INTEGER NOT NULL,"
	" count INTEGER NOT NULL,"
	" PRIMARY KEY(trace_id, held_class, held_mode, req_class, req_mode));"
	"CREATE TABLE IF NOT EXISTS edge_instances(trace_id INTEGER NOT NULL,"
	" held_class INTEGER NOT NULL, held_mode INTEGER NOT NULL, req_class INTEGER NOT NULL,"
	" req_mode INTEGER NOT NULL, seq INTEGER NOT NULL, tid INTEGER, comm TEXT,"
	" held_site TEXT, req_site TEXT, wait_ns INTEGER,"
	" a_id INTEGER, a_lock_id INTEGER, a_lock INTEGER, a_obj INTEGER, a_mm INTEGER,"
	" a_req INTEGER, a_acq INTEGER, a_req_ip INTEGER, a_acq_ip INTEGER, a_event INTEGER,"
	" b_id INTEGER, b_lock_id INTEGER, b_lock INTEGER, b_obj INTEGER, b_mm INTEGER,"
	" b_req INTEGER, b_acq INTEGER, b_req_ip INTEGER, b_acq_ip INTEGER, b_event INTEGER,"
	" gates TEXT, stack TEXT);"
	"CREATE INDEX IF NOT EXISTS edge_instances_trace ON edge_instances(trace_id);"
	"CREATE TABLE IF NOT EXISTS profile(trace_id INTEGER NOT NULL, by_site INTEGER NOT NULL,"
	" class INTEGER NOT NULL, ip INTEGER NOT NULL, acquisitions INTEGER, failed INTEGER,"
	" contentions INTEGER, wait_n INTEGER, wait_p50 INTEGER, wait_p99 INTEGER,"
	" wait_max INTEGER, hold_n INTEGER, hold_p50 INTEGER, hold_p99 INTEGER, hold_max INTEGER);"
	"CREATE INDEX IF NOT EXISTS profile_trace ON profile(trace_id);";

const char *ls_fleet_path(const ls_fleet *fleet)
{
	return fleet->path;
}

static ls_status db_error(ls_fleet *f, ls_error *err, const char *what)
{
	return ls_error_set(err, LS_ERR_DB, f->path, "%s: %s", what, sqlite3_errmsg(f->db));
}

void ls_fleet_close(ls_fleet *fleet)
{
	if (!fleet)
		return;
	sqlite3_close(fleet->db);
	free(fleet->path);
	free(fleet);
}

static bool has_fleet_table(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(db, "SELECT value FROM fleet_meta WHERE key = 'format'", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		yes = strcmp((const char *)sqlite3_column_text(st, 0), "lockstep-fleet") == 0;
	sqlite3_finalize(st);
	return yes;
}

bool ls_fleet_is_fleet_db(const char *path)
{
	struct stat sb;
	sqlite3 *db = NULL;
	bool yes = false;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return false;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
		yes = has_fleet_table(db);
	sqlite3_close(db);
	return yes;
}

ls_status ls_fleet_open(const char *path, bool create, ls_fleet **out, ls_error *err)
{
	ls_fleet *f = calloc(1, sizeof(*f));
	struct stat sb;
	bool exists = stat(path, &sb) == 0;
	ls_status st = LS_OK;

	*out = NULL;
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return ls_error_set(err, LS_ERR_NOMEM, path, "out of memory");
	}
	if (!exists && !create) {
		st = ls_error_set(err, LS_ERR_INPUT, path, "no such fleet database");
		goto fail;
	}
	if (exists && !S_ISREG(sb.st_mode)) {
		st = ls_error_set(err, LS_ERR_INPUT, path, "not a fleet database (not a file)");
		goto fail;
	}
	if (sqlite3_open_v2(path, &f->db, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0),
			    NULL) != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_INPUT, path, "cannot open: %s",
				  f->db ? sqlite3_errmsg(f->db) : "out of memory");
		goto fail;
	}
	/* Parallel adds are separate processes on one file: they wait for each other. */
	sqlite3_busy_timeout(f->db, 600000);
	if (exists && sb.st_size > 0) {
		sqlite3_stmt *q = NULL;
		int version = -1;

		if (!has_fleet_table(f->db)) {
			st = ls_error_set(err, LS_ERR_INPUT, path, "not a lockstep fleet database");
			goto fail;
		}
		if (sqlite3_prepare_v2(f->db, "SELECT value FROM fleet_meta WHERE key = 'version'", -1,
				       &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			version = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		if (version != LS_FLEET_FORMAT_VERSION) {
			st = ls_error_set(err, LS_ERR_INPUT, path,
					  "fleet database format %d, this lockstep reads %d", version,
					  LS_FLEET_FORMAT_VERSION);
			goto fail;
		}
	} else {
		char sql[sizeof(schema_sql) + 256];

		snprintf(sql, sizeof(sql),
			 "BEGIN IMMEDIATE; %s INSERT OR IGNORE INTO fleet_meta VALUES('format', "
			 "'lockstep-fleet'); INSERT OR IGNORE INTO fleet_meta VALUES('version', '%d');"
			 " COMMIT;",
			 schema_sql, LS_FLEET_FORMAT_VERSION);
		if (sqlite3_exec(f->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			st = db_error(f, err, "creating the fleet schema");
			sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	}
	*out = f;
	return LS_OK;
fail:
	ls_fleet_close(f);
	return st;
}

ls_status ls_fleet_lookup(ls_fleet *f, const char *hash, bool *found, char *name, size_t size,
			  ls_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*found = false;
	if (sqlite3_prepare_v2(f->db, "SELECT name FROM traces WHERE hash = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_error(f, err, "looking up a trace");
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = true;
		if (name && size)
			snprintf(name, size, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(f, err, "looking up a trace");
	return LS_OK;
}

ls_status ls_fleet_count(ls_fleet *f, size_t *n, ls_error *err)
{
	sqlite3_stmt *st = NULL;

	*n = 0;
	if (sqlite3_prepare_v2(f->db, "SELECT count(*) FROM traces", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_error(f, err, "counting traces");
	}
	*n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return LS_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

static void gates_text(const ls_order_instance *in, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < in->n_gates && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%" PRId64 ":%" PRIu64 ":%d",
					i ? ";" : "", in->gates[i], in->gate_lock[i], in->gate_cls[i]);
}

static void stack_text(const ls_order_instance *in, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < in->n_stack && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len,
					"%s%d:%d:%" PRIu64 ":%" PRIu64 ":%" PRId64, i ? ";" : "",
					in->stack[i].cls, in->stack[i].mode, in->stack[i].lock,
					in->stack[i].ip, in->stack[i].t);
}

static unsigned written_mask(const bool *w)
{
	unsigned m = 0;

	for (int i = 0; i < LS_CLASS_COUNT; i++)
		if (w[i])
			m |= 1u << i;
	return m;
}

static void bind_hold(sqlite3_stmt *st, int col, const ls_hold *h)
{
	sqlite3_bind_int64(st, col, h->id);
	sqlite3_bind_int64(st, col + 1, h->lock_id);
	sqlite3_bind_int64(st, col + 2, (int64_t)h->lock);
	sqlite3_bind_int64(st, col + 3, (int64_t)h->obj);
	sqlite3_bind_int64(st, col + 4, (int64_t)h->mm);
	sqlite3_bind_int64(st, col + 5, h->req);
	if (h->acquired)
		sqlite3_bind_int64(st, col + 6, h->acq);
	else
		sqlite3_bind_null(st, col + 6);
	sqlite3_bind_int64(st, col + 7, (int64_t)h->req_ip);
	sqlite3_bind_int64(st, col + 8, (int64_t)h->acq_ip);
	sqlite3_bind_int64(st, col + 9, h->req_event);
}

static ls_status insert_trace(ls_fleet *f, const ls_trace_summary *s, ls_error *err)
{
	sqlite3_stmt *tr = NULL, *ed = NULL, *in = NULL, *pr = NULL;
	ls_status status = LS_OK;
	int64_t id;

	if (sqlite3_prepare_v2(f->db,
			       "INSERT INTO traces(hash, name, events, holds, waits, t_begin_ns,"
			       " t_end_ns, errors, warnings, notes, class_written, report_text,"
			       " report_json) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &tr, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "INSERT INTO edges VALUES(?,?,?,?,?,?)", -1, &ed, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(f->db,
			       "INSERT INTO edge_instances VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
			       "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &in, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(f->db, "INSERT INTO profile VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
			       &pr, NULL) != SQLITE_OK)
		goto db_err;
	sqlite3_bind_text(tr, 1, s->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(tr, 2, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(tr, 3, s->events);
	sqlite3_bind_int64(tr, 4, s->holds);
	sqlite3_bind_int64(tr, 5, s->waits);
	sqlite3_bind_int64(tr, 6, s->t_begin_ns);
	sqlite3_bind_int64(tr, 7, s->t_end_ns);
	sqlite3_bind_int64(tr, 8, (int64_t)s->counts[LS_SEV_ERROR]);
	sqlite3_bind_int64(tr, 9, (int64_t)s->counts[LS_SEV_WARNING]);
	sqlite3_bind_int64(tr, 10, (int64_t)s->counts[LS_SEV_NOTE]);
	sqlite3_bind_int64(tr, 11, written_mask(s->class_written));
	sqlite3_bind_text(tr, 12, s->report_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(tr, 13, s->report_json, -1, SQLITE_STATIC);
	if (sqlite3_step(tr) != SQLITE_DONE)
		goto db_err;
	id = sqlite3_last_insert_rowid(f->db);
	for (size_t e = 0; e < s->n_edges; e++) {
		const ls_summary_edge *se = &s->edges[e];
		int key[4] = { se->held_cls, se->held_mode, se->req_cls, se->req_mode };

		sqlite3_reset(ed);
		sqlite3_bind_int64(ed, 1, id);
		for (int k = 0; k < 4; k++)
			sqlite3_bind_int(ed, 2 + k, key[k]);
		sqlite3_bind_int64(ed, 6, (int64_t)se->count);
		if (sqlite3_step(ed) != SQLITE_DONE)
			goto db_err;
		for (size_t i = 0; i < se->n_inst; i++) {
			const ls_summary_instance *si = &se->inst[i];
			char gates[512], stack[1024];

			sqlite3_reset(in);
			sqlite3_bind_int64(in, 1, id);
			for (int k = 0; k < 4; k++)
				sqlite3_bind_int(in, 2 + k, key[k]);
			sqlite3_bind_int64(in, 6, (int64_t)i);
			sqlite3_bind_int64(in, 7, si->inst.a.tid);
			sqlite3_bind_text(in, 8, si->comm, -1, SQLITE_STATIC);
			sqlite3_bind_text(in, 9, si->held_site, -1, SQLITE_STATIC);
			sqlite3_bind_text(in, 10, si->req_site, -1, SQLITE_STATIC);
			sqlite3_bind_int64(in, 11, si->inst.wait_ns);
			bind_hold(in, 12, &si->inst.a);
			bind_hold(in, 22, &si->inst.b);
			gates_text(&si->inst, gates, sizeof(gates));
			stack_text(&si->inst, stack, sizeof(stack));
			sqlite3_bind_text(in, 32, gates, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(in, 33, stack, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(in) != SQLITE_DONE)
				goto db_err;
		}
	}
	for (int by_site = 0; by_site < 2 && s->profile; by_site++) {
		const ls_profile_row *rows = by_site ? s->profile->sites : s->profile->classes;
		size_t n = by_site ? s->profile->n_sites : s->profile->n_classes;

		for (size_t i = 0; i < n; i++) {
			const ls_profile_row *r = &rows[i];
			int64_t v[] = { id, by_site, r->cls, (int64_t)r->ip, r->acquisitions, r->failed,
					r->contentions, r->wait.n, r->wait.p50, r->wait.p99,
					r->wait.max, r->hold.n, r->hold.p50, r->hold.p99, r->hold.max };

			sqlite3_reset(pr);
			for (int k = 0; k < 15; k++)
				sqlite3_bind_int64(pr, k + 1, v[k]);
			if (sqlite3_step(pr) != SQLITE_DONE)
				goto db_err;
		}
	}
	goto end;
db_err:
	status = db_error(f, err, "adding a trace");
end:
	sqlite3_finalize(tr);
	sqlite3_finalize(ed);
	sqlite3_finalize(in);
	sqlite3_finalize(pr);
	return status;
}

static ls_status delete_trace(ls_fleet *f, const char *hash, ls_error *err)
{
	static const char *const sql[] = {
		"DELETE FROM edges WHERE trace_id = (SELECT id FROM traces WHERE hash = ?1)",
		"DELETE FROM edge_instances WHERE trace_id = (SELECT id FROM traces WHERE hash = ?1)",
		"DELETE FROM profile WHERE trace_id = (SELECT id FROM traces WHERE hash = ?1)",
		"DELETE FROM traces WHERE hash = ?1",
	};

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(f->db, sql[i], -1, &st, NULL);

		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return db_error(f, err, "replacing a trace");
	}
	return LS_OK;
}

ls_status ls_fleet_add(ls_fleet *f, const ls_trace_summary *s, ls_fleet_add_result *result,
		       ls_error *err)
{
	char name[4096];
	bool found;
	ls_fleet_add_result res = LS_FLEET_ADDED;
	ls_status st;

	if (sqlite3_exec(f->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(f, err, "adding a trace");
	st = ls_fleet_lookup(f, s->hash, &found, name, sizeof(name), err);
	if (st == LS_OK && found) {
		/* The smallest label wins, so the outcome does not depend on the order of adds. */
		if (strcmp(s->name, name) >= 0)
			res = LS_FLEET_UNCHANGED;
		else {
			res = LS_FLEET_RELABELLED;
			st = delete_trace(f, s->hash, err);
		}
	}
	if (st == LS_OK && res != LS_FLEET_UNCHANGED)
		st = insert_trace(f, s, err);
	if (st == LS_OK && sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		st = db_error(f, err, "committing a trace");
	if (st != LS_OK)
		sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
	else if (result)
		*result = res;
	return st;
}

/* ---- reading ------------------------------------------------------------------------------ */

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return strdup(t ? (const char *)t : "");
}

static void copy_col(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static void read_hold(sqlite3_stmt *st, int col, ls_hold *h, int cls, int mode, int64_t tid)
{
	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(st, col);
	h->lock_id = sqlite3_column_int64(st, col + 1);
	h->lock = (uint64_t)sqlite3_column_int64(st, col + 2);
	h->obj = (uint64_t)sqlite3_column_int64(st, col + 3);
	h->mm = (uint64_t)sqlite3_column_int64(st, col + 4);
	h->req = sqlite3_column_int64(st, col + 5);
	h->acquired = sqlite3_column_type(st, col + 6) != SQLITE_NULL;
	h->acq = h->acquired ? sqlite3_column_int64(st, col + 6) : INT64_MAX;
	h->rel = INT64_MAX;
	h->req_ip = (uint64_t)sqlite3_column_int64(st, col + 7);
	h->acq_ip = (uint64_t)sqlite3_column_int64(st, col + 8);
	h->req_event = sqlite3_column_int64(st, col + 9);
	h->cls = cls;
	h->mode = mode;
	h->tid = tid;
}

static void parse_gates(const char *s, ls_order_instance *in)
{
	in->n_gates = 0;
	while (s && *s && in->n_gates < LS_ORDER_MAX_GATES) {
		int64_t id;
		uint64_t lock;
		int cls, used = 0;

		if (sscanf(s, "%" SCNd64 ":%" SCNu64 ":%d%n", &id, &lock, &cls, &used) != 3)
			break;
		in->gates[in->n_gates] = id;
		in->gate_lock[in->n_gates] = lock;
		in->gate_cls[in->n_gates] = cls;
		in->n_gates++;
		s += used;
		if (*s == ';')
			s++;
	}
}

static void parse_stack(const char *s, ls_order_instance *in)
{
	in->n_stack = 0;
	while (s && *s && in->n_stack < LS_ORDER_MAX_STACK) {
		ls_order_frame *fr = &in->stack[in->n_stack];
		int used = 0;

		if (sscanf(s, "%d:%d:%" SCNu64 ":%" SCNu64 ":%" SCNd64 "%n", &fr->cls, &fr->mode,
			   &fr->lock, &fr->ip, &fr->t, &used) != 5)
			break;
		in->n_stack++;
		s += used;
		if (*s == ';')
			s++;
	}
}

typedef struct {
	int64_t id;
	ls_trace_summary *s;
	size_t cap_edges;
} loaded;

static loaded *find_loaded(loaded *l, size_t n, int64_t id)
{
	size_t lo = 0, hi = n; /* l is in id order */

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (l[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && l[lo].id == id ? &l[lo] : NULL;
}

static ls_summary_edge *find_edge(ls_trace_summary *s, const int *key)
{
	for (size_t e = s->n_edges; e-- > 0;) {
		ls_summary_edge *se = &s->edges[e];

		if (se->held_cls == key[0] && se->held_mode == key[1] && se->req_cls == key[2] &&
		    se->req_mode == key[3])
			return se;
	}
	return NULL;
}

ls_status ls_fleet_load(ls_fleet *f, ls_trace_summary ***out, size_t *n_out, ls_error *err)
{
	sqlite3_stmt *st = NULL;
	loaded *l = NULL;
	size_t n = 0, cap = 0;
	ls_status status = LS_OK;
	int rc;

	*out = NULL;
	*n_out = 0;
	if (sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(f, err, "reading the fleet");
	if (sqlite3_prepare_v2(f->db,
			       "SELECT id, hash, name, events, holds, waits, t_begin_ns, t_end_ns,"
			       " errors, warnings, notes, class_written, report_text, report_json"
			       " FROM traces ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		goto db_err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ls_trace_summary *s;

		if (!ls_grow((void **)&l, &cap, n + 1, sizeof(*l)) || !(s = ls_summary_new()))
			goto nomem;
		l[n].id = sqlite3_column_int64(st, 0);
		l[n].s = s;
		l[n].cap_edges = 0;
		n++;
		copy_col(st, 1, s->hash, sizeof(s->hash));
		s->name = dup_col(st, 2);
		s->events = sqlite3_column_int64(st, 3);
		s->holds = sqlite3_column_int64(st, 4);
		s->waits = sqlite3_column_int64(st, 5);
		s->t_begin_ns = sqlite3_column_int64(st, 6);
		s->t_end_ns = sqlite3_column_int64(st, 7);
		s->counts[LS_SEV_ERROR] = (size_t)sqlite3_column_int64(st, 8);
		s->counts[LS_SEV_WARNING] = (size_t)sqlite3_column_int64(st, 9);
		s->counts[LS_SEV_NOTE] = (size_t)sqlite3_column_int64(st, 10);
		unsigned mask = (unsigned)sqlite3_column_int64(st, 11);

		for (int k = 0; k < LS_CLASS_COUNT; k++)
			s->class_written[k] = mask & (1u << k);
		s->report_text = dup_col(st, 12);
		s->report_json = dup_col(st, 13);
		if (!s->name || !s->report_text || !s->report_json)
			goto nomem;
	}
	if (rc != SQLITE_DONE)
		goto db_err;
	sqlite3_finalize(st);
	st = NULL;

	if (sqlite3_prepare_v2(f->db,
			       "SELECT trace_id, held_class, held_mode, req_class, req_mode, count"
			       " FROM edges ORDER BY 1, 2, 3, 4, 5",
			       -1, &st, NULL) != SQLITE_OK)
		goto db_err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		loaded *t = find_loaded(l, n, sqlite3_column_int64(st, 0));

		if (!t)
			continue;
		if (!ls_grow((void **)&t->s->edges, &t->cap_edges, t->s->n_edges + 1,
			     sizeof(*t->s->edges)))
			goto nomem;
		ls_summary_edge *se = &t->s->edges[t->s->n_edges++];

		memset(se, 0, sizeof(*se));
		se->held_cls = sqlite3_column_int(st, 1);
		se->held_mode = sqlite3_column_int(st, 2);
		se->req_cls = sqlite3_column_int(st, 3);
		se->req_mode = sqlite3_column_int(st, 4);
		se->count = (uint64_t)sqlite3_column_int64(st, 5);
	}
	if (rc != SQLITE_DONE)
		goto db_err;
	sqlite3_finalize(st);
	st = NULL;

	if (sqlite3_prepare_v2(f->db,
			       "SELECT trace_id, held_class, held_mode, req_class, req_mode, seq, tid,"
			       " comm, held_site, req_site, wait_ns, a_id, a_lock_id, a_lock, a_obj,"
			       " a_mm, a_req, a_acq, a_req_ip, a_acq_ip, a_event, b_id, b_lock_id,"
			       " b_lock, b_obj, b_mm, b_req, b_acq, b_req_ip, b_acq_ip, b_event, gates,"
			       " stack FROM edge_instances ORDER BY 1, 2, 3, 4, 5, 6",
			       -1, &st, NULL) != SQLITE_OK)
		goto db_err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		loaded *t = find_loaded(l, n, sqlite3_column_int64(st, 0));
		int key[4];
		ls_summary_edge *se;

		for (int k = 0; k < 4; k++)
			key[k] = sqlite3_column_int(st, 1 + k);
		if (!t || !(se = find_edge(t->s, key)))
			continue;
		ls_summary_instance *p = realloc(se->inst, (se->n_inst + 1) * sizeof(*se->inst));

		if (!p)
			goto nomem;
		se->inst = p;
		ls_summary_instance *si = &se->inst[se->n_inst++];
		int64_t tid = sqlite3_column_int64(st, 6);

		memset(si, 0, sizeof(*si));
		copy_col(st, 7, si->comm, sizeof(si->comm));
		copy_col(st, 8, si->held_site, sizeof(si->held_site));
		copy_col(st, 9, si->req_site, sizeof(si->req_site));
		si->inst.valid = true;
		si->inst.wait_ns = sqlite3_column_int64(st, 10);
		read_hold(st, 11, &si->inst.a, key[0], key[1], tid);
		read_hold(st, 21, &si->inst.b, key[2], key[3], tid);
		parse_gates((const char *)sqlite3_column_text(st, 31), &si->inst);
		parse_stack((const char *)sqlite3_column_text(st, 32), &si->inst);
	}
	if (rc != SQLITE_DONE)
		goto db_err;
	sqlite3_finalize(st);
	st = NULL;

	if (sqlite3_prepare_v2(f->db,
			       "SELECT trace_id, by_site, class, ip, acquisitions, failed, contentions,"
			       " wait_n, wait_p50, wait_p99, wait_max, hold_n, hold_p50, hold_p99,"
			       " hold_max FROM profile ORDER BY 1, 2, 3, 4",
			       -1, &st, NULL) != SQLITE_OK)
		goto db_err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		loaded *t = find_loaded(l, n, sqlite3_column_int64(st, 0));

		if (!t)
			continue;
		if (!t->s->profile && !(t->s->profile = calloc(1, sizeof(*t->s->profile))))
			goto nomem;
		ls_profile *p = t->s->profile;
		bool by_site = sqlite3_column_int(st, 1) != 0;
		ls_profile_row **rows = by_site ? &p->sites : &p->classes;
		size_t *nr = by_site ? &p->n_sites : &p->n_classes;
		ls_profile_row *grown = realloc(*rows, (*nr + 1) * sizeof(**rows));

		if (!grown)
			goto nomem;
		*rows = grown;
		ls_profile_row *r = &grown[(*nr)++];

		r->cls = sqlite3_column_int(st, 2);
		r->ip = (uint64_t)sqlite3_column_int64(st, 3);
		r->acquisitions = sqlite3_column_int64(st, 4);
		r->failed = sqlite3_column_int64(st, 5);
		r->contentions = sqlite3_column_int64(st, 6);
		r->wait = (ls_profile_dist){ sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8),
					     sqlite3_column_int64(st, 9), sqlite3_column_int64(st, 10) };
		r->hold = (ls_profile_dist){ sqlite3_column_int64(st, 11), sqlite3_column_int64(st, 12),
					     sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 14) };
	}
	if (rc != SQLITE_DONE)
		goto db_err;

	ls_trace_summary **res = malloc((n ? n : 1) * sizeof(*res));

	if (!res)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		res[i] = l[i].s;
	*out = res;
	*n_out = n;
	n = 0;
	goto end;
db_err:
	status = db_error(f, err, "reading the fleet");
	goto end;
nomem:
	status = ls_error_set(err, LS_ERR_NOMEM, f->path, "out of memory");
end:
	sqlite3_finalize(st);
	sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		ls_summary_free(l[i].s);
	free(l);
	return status;
}

ls_status ls_fleet_merge(ls_fleet *f, const char *other, size_t *added, size_t *unchanged,
			 size_t *relabelled, ls_error *err)
{
	ls_fleet *src = NULL;
	ls_trace_summary **traces = NULL;
	size_t n = 0, counts[3] = { 0 };
	ls_status st;

	st = ls_fleet_open(other, false, &src, err);
	if (st == LS_OK)
		st = ls_fleet_load(src, &traces, &n, err);
	for (size_t i = 0; i < n && st == LS_OK; i++) {
		ls_fleet_add_result r;

		st = ls_fleet_add(f, traces[i], &r, err);
		if (st == LS_OK)
			counts[r]++;
	}
	for (size_t i = 0; i < n; i++)
		ls_summary_free(traces[i]);
	free(traces);
	ls_fleet_close(src);
	if (added)
		*added = counts[LS_FLEET_ADDED];
	if (unchanged)
		*unchanged = counts[LS_FLEET_UNCHANGED];
	if (relabelled)
		*relabelled = counts[LS_FLEET_RELABELLED];
	return st;
}
