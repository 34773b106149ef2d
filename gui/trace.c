/* trace.c — the viewer's document (trace.h): opening through liblockstep, tasks and lanes,
 * stepping, and the lock state at the cursor.
 *
 * Queries use the indexes of docs/schema.md — holds(tid, requested_ns), holds(lock_id,
 * requested_ns), objects(addr) — and id ranges of events (ids follow time). A hold live
 * at time t either started less than one LOD bucket before t (an index range) or is a long span
 * kept in memory by lod.c — so the state panel never scans the holds table. */
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "contract.h"
#include "lod.h"
#include "load.h"
#include "store.h"

static void task_free(gpointer p)
{
	lsv_task *t = p;
	g_free(t->comm);
	g_free(t);
}

static void lane_free(gpointer p)
{
	lsv_lane *l = p;
	g_free(l->label);
	g_free(l);
}

sqlite3 *lsv_trace_borrow_db(lsv_trace *trace)
{
	return trace->db;
}

/* ---- a database that goes bad while open ----
 *
 * SQLite reports damage only on the read that meets it (SQLITE_CORRUPT, SQLITE_NOTADB,
 * SQLITE_IOERR_SHORT_READ…), and a file deleted or renamed over while open is not seen at all:
 * the connection keeps reading the old inode, while the timeline's worker opens the path again
 * and reads whatever is there now. So every read's result code is checked (the first failure is
 * kept), and the file's identity — device, inode, size, mtime — is compared with the one opened
 * before each user action (lsv_trace_check) and by the worker (lsv_file_changed). */

bool lsv_file_id_read(const char *path, lsv_file_id *out)
{
	struct stat sb;
	memset(out, 0, sizeof(*out));
	if (!path || stat(path, &sb) != 0)
		return false;
	out->dev = (uint64_t)sb.st_dev;
	out->ino = (uint64_t)sb.st_ino;
	out->size = (int64_t)sb.st_size;
	out->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	return true;
}

const char *lsv_file_changed(const lsv_file_id *opened, const char *path)
{
	lsv_file_id now;
	if (!lsv_file_id_read(path, &now))
		return errno == ENOENT ? "was deleted" : "can no longer be read";
	if (now.dev != opened->dev || now.ino != opened->ino)
		return "was replaced by another file";
	if (now.size != opened->size || now.mtime_ns != opened->mtime_ns)
		return "was rewritten";
	return NULL;
}

static void read_failed(lsv_trace *t, int rc)
{
	if (t->read_failed)
		return;
	t->read_failed = true;
	ls_error_set(&t->read_err, LS_ERR_INPUT, t->path, "reading the database failed: %s (%s)",
		     rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ? "it is damaged" : "it cannot be read",
		     sqlite3_errmsg(t->db));
}

int lsv_trace_step_row(lsv_trace *t, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		read_failed(t, rc);
	return rc;
}

/* sqlite3_prepare_v2 on the trace's connection: a failure (a schema page that cannot be read)
 * is a failed read too. */
static bool prepare_read(lsv_trace *t, const char *sql, sqlite3_stmt **q)
{
	int rc = sqlite3_prepare_v2(t->db, sql, -1, q, NULL);
	if (rc != SQLITE_OK)
		read_failed(t, rc);
	return rc == SQLITE_OK;
}

bool lsv_trace_check(lsv_trace *t, ls_error *err)
{
	if (t->read_failed) {
		*err = t->read_err;
		return false;
	}
	const char *what = lsv_file_changed(&t->file, t->path);
	if (what) {
		ls_error_set(err, LS_ERR_INPUT, t->path, "the database %s while it was open (open it again)", what);
		return false;
	}
	return true;
}

const lsv_task *lsv_trace_task(const lsv_trace *trace, int64_t tid)
{
	gpointer v = g_hash_table_lookup(trace->task_by_tid, &tid);
	return v ? g_ptr_array_index(trace->tasks, GPOINTER_TO_INT(v) - 1) : NULL;
}

static bool meta_get(sqlite3 *db, const char *key, char *buf, size_t size)
{
	sqlite3_stmt *q = NULL;
	bool ok = false;
	buf[0] = 0;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
			g_strlcpy(buf, (const char *)sqlite3_column_text(q, 0), size);
			ok = true;
		}
	}
	sqlite3_finalize(q);
	return ok;
}

typedef struct {
	lsv_progress_fn fn;
	void *user;
} load_progress;

static void on_load_progress(void *user, uint64_t events)
{
	load_progress *p = user;
	if (p->fn)
		p->fn(p->user, "Loading the trace", events, 0);
}

/* Opens the database behind `path`: through liblockstep when it is built with the store (a
 * trace directory is loaded first), else directly with SQLite (databases only). */
/* What is wrong with an SQLite file that liblockstep refused, when its header tells more than
 * SQLite's "database disk image is malformed": a file shorter than the pages its header counts
 * (cut by a copy or a full disk). LS_OK when the header says nothing. */
static ls_status diagnose_file(const char *path, ls_error *err)
{
	unsigned char h[100];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(h, 1, sizeof(h), f) : 0;
	if (f)
		fclose(f);
	lsv_file_id id;
	if (n < sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0 || !lsv_file_id_read(path, &id))
		return LS_OK;
	int64_t page = h[16] << 8 | h[17];
	if (page == 1)
		page = 65536;
	int64_t pages = (int64_t)h[28] << 24 | h[29] << 16 | h[30] << 8 | h[31];
	/* the header's page count is valid when its change counter matches "version valid for" */
	bool valid = !memcmp(h + 24, h + 92, 4) && pages > 0;
	if (valid && id.size < pages * page)
		return ls_error_set(err, LS_ERR_INPUT, path,
				    "the database is truncated: %" G_GINT64_FORMAT " bytes of the %" G_GINT64_FORMAT
				    " its header counts (load the trace again)", (gint64)id.size, (gint64)(pages * page));
	return LS_OK;
}

/* Opens the database behind `path`: through liblockstep when it is built with the store (a
 * trace directory is loaded first), else directly with SQLite (databases only). */
static ls_status open_db(lsv_trace *trace, const char *path, lsv_progress_fn progress, void *user,
			 ls_error *err)
{
	load_progress lp = { progress, user };
	ls_load_options opts = { .progress = on_load_progress, .progress_user = &lp };
	ls_store *store = NULL;
	ls_status st = ls_input_open(path, true, &opts, &store, err);
	if (st != LS_OK) {
		ls_error_clear(err);
		st = ls_input_open(path, false, &opts, &store, err);
		trace->writable = false;
	} else {
		trace->writable = true;
	}
	if (st != LS_OK) {
		if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			ls_error why;
			ls_error_clear(&why);
			if (diagnose_file(path, &why) != LS_OK)
				*err = why;
			else if (strstr(err->message, "malformed"))
				ls_error_set(err, LS_ERR_INPUT, path,
					     "the database is damaged (database disk image is malformed): load the trace again");
		}
		return st;
	}
	trace->store = store;
	trace->db = ls_store_borrow_db(store);
	trace->path = g_strdup(ls_store_path(store));
	return LS_OK;
}

/* lsv_event_id_at_rc on the trace's connection, a failed read recorded. */
static int64_t id_at(lsv_trace *t, int64_t time)
{
	int rc;
	int64_t id = lsv_event_id_at_rc(t->db, time, &rc);
	if (rc != SQLITE_OK)
		read_failed(t, rc);
	return id;
}

static ls_status prepare(lsv_trace *t, sqlite3_stmt **st, const char *sql, ls_error *err)
{
	if (sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, t->path, "%s: %s", sql, sqlite3_errmsg(t->db));
	return LS_OK;
}

#define EVENT_COLS                                                                                 \
	"id, t_ns, cpu, tid, type, lock, class, mode, trylock, success, reason, obj, kind, mm, vma, " \
	"seq, addr, start_addr, end_addr, deferred, result, phase, begin, ip, payload"
#define HOLD_COLS                                                                                  \
	"id, lock_id, lock, class, mode, tid, trylock, requested_ns, acquired_ns, released_ns, "      \
	"request_ip, acquired_ip, outcome, request_event, release_event"

ls_status lsv_trace_open(const char *path, lsv_progress_fn progress, void *user, lsv_trace **out,
			 ls_error *err)
{
	ls_status st;
	lsv_trace *t = g_new0(lsv_trace, 1);
	sqlite3_stmt *q = NULL;
	char buf[256], stamp[300];
	t->tasks = g_ptr_array_new_with_free_func(task_free);
	t->lanes = g_ptr_array_new_with_free_func(lane_free);
	t->task_by_tid = g_hash_table_new(g_int64_hash, g_int64_equal);

	if ((st = open_db(t, path, progress, user, err)) != LS_OK)
		goto error;
	/* No memory map: a file truncated or rewritten under a mapping raises SIGBUS on the next
	 * read of a page past its new end, where read(2) returns an error SQLite reports. */
	sqlite3_exec(t->db, "PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY; "
			    "PRAGMA mmap_size = 0", NULL, NULL, NULL);
	meta_get(t->db, "t_begin_ns", buf, sizeof(buf));
	t->t_begin = g_ascii_strtoll(buf, NULL, 10);
	meta_get(t->db, "t_end_ns", buf, sizeof(buf));
	t->t_end = g_ascii_strtoll(buf, NULL, 10);
	if (t->t_end < t->t_begin)
		t->t_end = t->t_begin;
	meta_get(t->db, "event_count", buf, sizeof(buf));
	t->event_count = g_ascii_strtoll(buf, NULL, 10);
	meta_get(t->db, "source", buf, sizeof(buf));
	t->source = g_strdup(buf);
	meta_get(t->db, "loaded_at", buf, sizeof(buf));
	g_snprintf(stamp, sizeof(stamp), "%s/%" G_GINT64_FORMAT, buf, (gint64)t->event_count);

	if ((st = prepare(t, &q, "SELECT tid, pid, comm, first_ns, last_ns, events FROM tasks "
				 "ORDER BY coalesce(pid, tid), tid", err)) != LS_OK)
		goto error;
	int rc;
	while ((rc = lsv_trace_step_row(t, q)) == SQLITE_ROW) {
		lsv_task *k = g_new0(lsv_task, 1);
		k->tid = sqlite3_column_int64(q, 0);
		k->pid = sqlite3_column_type(q, 1) == SQLITE_NULL ? k->tid : sqlite3_column_int64(q, 1);
		k->comm = g_strdup(sqlite3_column_text(q, 2) ? (const char *)sqlite3_column_text(q, 2) : "");
		k->first_ns = sqlite3_column_int64(q, 3);
		k->last_ns = sqlite3_column_int64(q, 4);
		k->events = sqlite3_column_int64(q, 5);
		k->process_leader = k->tid == k->pid;
		g_ptr_array_add(t->tasks, k);
		g_hash_table_insert(t->task_by_tid, &k->tid, GINT_TO_POINTER(t->tasks->len));
	}
	sqlite3_finalize(q);
	q = NULL;
	if (rc != SQLITE_DONE) {
		*err = t->read_err;
		st = err->status;
		goto error;
	}

	if ((st = lsv_lod_prepare(t->db, t->writable, t->t_begin, t->t_end, t->event_count, stamp, progress,
				  user, &t->lod, err)) != LS_OK)
		goto error;

	if ((st = prepare(t, &t->st_event, "SELECT " EVENT_COLS " FROM events WHERE id = ?", err)) ||
	    (st = prepare(t, &t->st_next_tid,
			  "SELECT id FROM events WHERE id > ?1 AND id <= ?2 AND tid = ?3 ORDER BY id LIMIT 1", err)) ||
	    (st = prepare(t, &t->st_prev_tid,
			  "SELECT id FROM events WHERE id >= ?1 AND id < ?2 AND tid = ?3 ORDER BY id DESC LIMIT 1", err)) ||
	    (st = prepare(t, &t->st_next_lock,
			  "SELECT id FROM events WHERE id > ?1 AND id <= ?2 AND lock = ?3 ORDER BY id LIMIT 1", err)) ||
	    (st = prepare(t, &t->st_prev_lock,
			  "SELECT id FROM events WHERE id >= ?1 AND id < ?2 AND lock = ?3 ORDER BY id DESC LIMIT 1", err)) ||
	    (st = prepare(t, &t->st_hold, "SELECT " HOLD_COLS " FROM holds WHERE id = ?", err)) ||
	    (st = prepare(t, &t->st_recent,
			  "SELECT " HOLD_COLS " FROM holds WHERE tid = ?3 AND requested_ns BETWEEN ?1 AND ?2", err)))
		goto error;

	lsv_trace_build_lanes(t, NULL, NULL);
	/* what the file is now: the load and the overview above may have written it */
	lsv_file_id_read(t->path, &t->file);
	*out = t;
	return LS_OK;
error:
	/* the overview's and SQLite's messages do not name the file, nor say it is damaged */
	if (err && !err->file[0])
		g_strlcpy(err->file, t->path ? t->path : path, sizeof(err->file));
	if (err && t->db && (strstr(err->message, "malformed") || strstr(err->message, "not a database"))) {
		char what[sizeof(err->message)];
		g_strlcpy(what, err->message, sizeof(what));
		g_snprintf(err->message, sizeof(err->message), "the database is damaged (%s): load the trace again", what);
	}
	sqlite3_finalize(q);
	lsv_trace_free(t);
	*out = NULL;
	return st;
}

void lsv_trace_free(lsv_trace *t)
{
	if (!t)
		return;
	sqlite3_stmt *sts[] = { t->st_event, t->st_next_tid, t->st_prev_tid, t->st_next_lock,
				t->st_prev_lock, t->st_hold, t->st_recent };
	for (unsigned i = 0; i < G_N_ELEMENTS(sts); i++)
		sqlite3_finalize(sts[i]);
	lsv_lod_free(t->lod);
	if (t->store)
		ls_store_close(t->store);
	else
		sqlite3_close(t->db);
	g_ptr_array_unref(t->lanes);
	g_hash_table_unref(t->task_by_tid);
	g_ptr_array_unref(t->tasks);
	g_free(t->path);
	g_free(t->source);
	g_free(t);
}

void lsv_trace_build_lanes(lsv_trace *t, bool (*keep)(const lsv_task *, void *), void *user)
{
	g_ptr_array_set_size(t->lanes, 0);
	int64_t group = LSV_NONE;
	for (guint i = 0; i < t->tasks->len; i++) {
		const lsv_task *k = g_ptr_array_index(t->tasks, i);
		if (keep ? !keep(k, user) : !lsv_lod_lane_get(t->lod, k->tid))
			continue;
		if (k->pid != group) {
			/* the process is named by its leader when the trace saw it */
			const lsv_task *leader = lsv_trace_task(t, k->pid);
			lsv_lane *g = g_new0(lsv_lane, 1);
			g->is_group = true;
			g->pid = k->pid;
			g->task = -1;
			g->label = g_strdup_printf("%s  (pid %" G_GINT64_FORMAT ")",
						   leader && *leader->comm ? leader->comm : k->comm,
						   (gint64)k->pid);
			g_ptr_array_add(t->lanes, g);
			group = k->pid;
		}
		lsv_lane *l = g_new0(lsv_lane, 1);
		l->pid = k->pid;
		l->task = (int)i;
		l->label = g_strdup_printf("%s/%" G_GINT64_FORMAT, *k->comm ? k->comm : "?", (gint64)k->tid);
		g_ptr_array_add(t->lanes, l);
	}
}

/* ---- events ---- */

static int64_t col(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? LSV_NONE : sqlite3_column_int64(q, i);
}

bool lsv_trace_event(lsv_trace *t, int64_t id, lsv_event *ev)
{
	sqlite3_stmt *q = t->st_event;
	bool ok = false;
	memset(ev, 0, sizeof(*ev));
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, id);
	if (!t->read_failed && lsv_trace_step_row(t, q) == SQLITE_ROW) {
		int64_t *f[] = { &ev->id, &ev->t_ns, &ev->cpu, &ev->tid, &ev->type, &ev->lock, &ev->cls,
				 &ev->mode, &ev->trylock, &ev->success, &ev->reason, &ev->obj, &ev->kind,
				 &ev->mm, &ev->vma, &ev->seq, &ev->addr, &ev->start, &ev->end,
				 &ev->deferred, &ev->result, &ev->phase, &ev->begin, &ev->ip };
		for (unsigned i = 0; i < G_N_ELEMENTS(f); i++)
			*f[i] = col(q, (int)i);
		if (sqlite3_column_text(q, 24))
			ev->payload = g_strdup((const char *)sqlite3_column_text(q, 24));
		ok = true;
	}
	sqlite3_reset(q);
	return ok;
}

void lsv_event_clear(lsv_event *ev)
{
	g_free(ev->payload);
	ev->payload = NULL;
}

char *lsv_format_addr(int64_t addr)
{
	if (addr == LSV_NONE)
		return g_strdup("-");
	return g_strdup_printf("0x%" G_GINT64_MODIFIER "x", (guint64)addr);
}

char *lsv_format_duration(int64_t ns)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t a = ns < 0 ? (uint64_t)-ns : (uint64_t)ns;
	if (a < 1000)
		return g_strdup_printf("%s%" G_GUINT64_FORMAT " ns", sign, (guint64)a);
	if (a < 1000000)
		return g_strdup_printf("%s%.3f µs", sign, (double)a / 1e3);
	if (a < 1000000000)
		return g_strdup_printf("%s%.3f ms", sign, (double)a / 1e6);
	return g_strdup_printf("%s%.4f s", sign, (double)a / 1e9);
}

static const char *nm(ls_enum e, int64_t v)
{
	const char *s = v == LSV_NONE ? NULL : ls_enum_name(e, (uint64_t)v);
	return s ? s : "?";
}

char *lsv_event_describe(lsv_trace *t, const lsv_event *ev)
{
	g_autofree char *lock = lsv_format_addr(ev->lock), *obj = lsv_format_addr(ev->obj);
	g_autofree char *mm = lsv_format_addr(ev->mm), *vma = lsv_format_addr(ev->vma);
	const char *name = ls_event_name((ls_event_type)ev->type);
	char fname[128] = "event";
	if (!name) {
		sqlite3_stmt *q = NULL;
		if (prepare_read(t, "SELECT name FROM event_types WHERE id = ?", &q)) {
			sqlite3_bind_int64(q, 1, ev->type);
			if (lsv_trace_step_row(t, q) == SQLITE_ROW && sqlite3_column_text(q, 0))
				g_strlcpy(fname, (const char *)sqlite3_column_text(q, 0), sizeof(fname));
		}
		sqlite3_finalize(q);
		name = fname;
	}
	if (g_str_has_prefix(name, "lockstep_"))
		name += strlen("lockstep_");
	switch (ev->type) {
	case LS_EV_LOCK_ACQUIRE:
		return g_strdup_printf("%s %s %s %s%s", name, nm(LS_ENUM_CLASS, ev->cls), nm(LS_ENUM_MODE, ev->mode),
				       lock, ev->trylock == 1 ? " (trylock)" : "");
	case LS_EV_LOCK_ACQUIRED:
		return g_strdup_printf("%s %s %s %s: %s%s%s", name, nm(LS_ENUM_CLASS, ev->cls),
				       nm(LS_ENUM_MODE, ev->mode), lock, ev->success == 0 ? "FAILED" : "ok",
				       ev->reason > 0 ? ", " : "", ev->reason > 0 ? nm(LS_ENUM_REASON, ev->reason) : "");
	case LS_EV_LOCK_RELEASE:
		return g_strdup_printf("%s %s %s %s", name, nm(LS_ENUM_CLASS, ev->cls), nm(LS_ENUM_MODE, ev->mode), lock);
	case LS_EV_LOCK_DOWNGRADE:
		return g_strdup_printf("%s %s %s", name, nm(LS_ENUM_CLASS, ev->cls), lock);
	case LS_EV_VMA_WRITE_MARK:
		return g_strdup_printf("%s vma %s seq %" G_GINT64_FORMAT, name, vma, (gint64)ev->seq);
	case LS_EV_VMA_UNLOCK_ALL:
		return g_strdup_printf("%s mm %s seq %" G_GINT64_FORMAT, name, mm, (gint64)ev->seq);
	case LS_EV_OBJ_ALLOC:
	case LS_EV_OBJ_DETACH:
	case LS_EV_OBJ_FREE_DONE:
		return g_strdup_printf("%s %s %s", name, nm(LS_ENUM_KIND, ev->kind), obj);
	case LS_EV_OBJ_FREE:
		return g_strdup_printf("%s %s %s%s", name, nm(LS_ENUM_KIND, ev->kind), obj,
				       ev->deferred == 1 ? " (RCU-deferred)" : "");
	case LS_EV_VMA_LOOKUP: {
		g_autofree char *addr = lsv_format_addr(ev->addr);
		return g_strdup_printf("%s %s → %s vma %s", name, addr, nm(LS_ENUM_RESULT, ev->result), vma);
	}
	case LS_EV_PHASE:
		return g_strdup_printf("%s %s %s", name, nm(LS_ENUM_PHASE, ev->phase), ev->begin == 1 ? "begins" : "ends");
	default:
		return g_strdup_printf("%s %s", name, ev->payload ? ev->payload : "");
	}
}

/* ---- stepping ---- */

static int64_t one_id(lsv_trace *t, sqlite3_stmt *q)
{
	int64_t id = -1;
	if (!t->read_failed && lsv_trace_step_row(t, q) == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return id;
}

int64_t lsv_trace_step(lsv_trace *t, int64_t from, int dir)
{
	int64_t id = from + (dir > 0 ? 1 : -1);
	if (id < 0 || id >= t->event_count)
		return -1;
	return id;
}

/* One bound from holds for a stepping scan: the request event of the task's (or lock's) next
 * (dir > 0) or previous hold, so the scan over events (which have no index) stops there. */
static int64_t hold_bound(lsv_trace *t, const char *col, int64_t key, int64_t from, int64_t tf, int dir)
{
	g_autofree char *sql = g_strdup_printf(
		dir > 0 ? "SELECT request_event FROM holds WHERE %s = ?1 AND requested_ns >= ?2 AND "
			  "request_event > ?3 ORDER BY requested_ns LIMIT 1"
			: "SELECT request_event FROM holds WHERE %s = ?1 AND requested_ns <= ?2 AND "
			  "request_event < ?3 ORDER BY requested_ns DESC LIMIT 1", col);
	sqlite3_stmt *q = NULL;
	int64_t id = -1;
	if (prepare_read(t, sql, &q)) {
		sqlite3_bind_int64(q, 1, key);
		sqlite3_bind_int64(q, 2, tf);
		sqlite3_bind_int64(q, 3, from);
		if (lsv_trace_step_row(t, q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
			id = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	return id;
}

static int64_t event_time(lsv_trace *t, int64_t id)
{
	lsv_event ev;
	int64_t tf = LSV_NONE;
	if (lsv_trace_event(t, id, &ev)) {
		tf = ev.t_ns;
		lsv_event_clear(&ev);
	}
	return tf;
}

/* Scans events between `from` and `bound` (the whole rest when bound < 0) for the first match
 * of stmt (bound as ?1 ?2, key as ?3). */
static int64_t scan(lsv_trace *t, sqlite3_stmt *q, int64_t from, int64_t bound, int64_t key, int dir, int64_t n)
{
	sqlite3_reset(q);
	if (dir > 0) {
		sqlite3_bind_int64(q, 1, from);
		sqlite3_bind_int64(q, 2, bound >= 0 ? bound : n);
	} else {
		sqlite3_bind_int64(q, 1, bound >= 0 ? bound : 0);
		sqlite3_bind_int64(q, 2, from);
	}
	sqlite3_bind_int64(q, 3, key);
	return one_id(t, q);
}

int64_t lsv_trace_step_task(lsv_trace *t, int64_t from, int64_t tid, int dir)
{
	int64_t tf = event_time(t, from);
	if (tf == LSV_NONE)
		return -1;
	int64_t bound = hold_bound(t, "tid", tid, from, tf, dir);
	/* no hold ahead: the task's events end at tasks.last_ns (begin at first_ns) */
	const lsv_task *k = lsv_trace_task(t, tid);
	if (bound < 0 && k) {
		if (dir > 0 && k->last_ns < tf)
			return -1;
		if (dir < 0 && k->first_ns > tf)
			return -1;
		int64_t lo = id_at(t, k->first_ns - 1) + 1;
		int64_t hi = id_at(t, k->last_ns);
		bound = dir > 0 ? hi : lo;
		/* and the scan starts inside the task's life */
		if (dir > 0 && from < lo - 1)
			from = lo - 1;
		if (dir < 0 && from > hi + 1)
			from = hi + 1;
	}
	return scan(t, dir > 0 ? t->st_next_tid : t->st_prev_tid, from, bound, tid, dir, t->event_count);
}

int64_t lsv_trace_step_lock(lsv_trace *t, int64_t from, int64_t lock, int dir)
{
	int64_t tf = from >= 0 ? event_time(t, from) : t->t_begin;
	if (tf == LSV_NONE)
		return -1;
	/* the bound is the nearest request among the lock ids of that address */
	int64_t bound = -1;
	sqlite3_stmt *q = NULL;
	if (prepare_read(t, "SELECT id FROM locks WHERE addr = ?", &q)) {
		sqlite3_bind_int64(q, 1, lock);
		while (lsv_trace_step_row(t, q) == SQLITE_ROW) {
			int64_t b = hold_bound(t, "lock_id", sqlite3_column_int64(q, 0), from, tf, dir);
			if (b >= 0 && (bound < 0 || (dir > 0 ? b < bound : b > bound)))
				bound = b;
		}
	}
	sqlite3_finalize(q);
	return scan(t, dir > 0 ? t->st_next_lock : t->st_prev_lock, from, bound, lock, dir, t->event_count);
}

int64_t lsv_trace_event_at(lsv_trace *t, int64_t time)
{
	int64_t id = id_at(t, time);
	if (id < 0 && t->event_count > 0)
		id = 0;
	return id;
}

/* ---- state at the cursor ---- */

static void read_hold(sqlite3_stmt *q, lsv_hold *h, int64_t *req_ev, int64_t *rel_ev)
{
	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(q, 0);
	h->lock_id = sqlite3_column_int64(q, 1);
	h->lock = sqlite3_column_int64(q, 2);
	h->cls = sqlite3_column_int64(q, 3);
	h->mode = sqlite3_column_int64(q, 4);
	h->tid = sqlite3_column_int64(q, 5);
	h->trylock = sqlite3_column_int64(q, 6);
	h->requested_ns = col(q, 7);
	h->acquired_ns = col(q, 8);
	h->released_ns = col(q, 9);
	h->request_ip = col(q, 10);
	h->acquired_ip = col(q, 11);
	g_strlcpy(h->outcome, sqlite3_column_text(q, 12) ? (const char *)sqlite3_column_text(q, 12) : "",
		  sizeof(h->outcome));
	*req_ev = col(q, 13);
	*rel_ev = col(q, 14);
}

/* Whether the acquisition of `h` has happened by event `cursor`: by time, and for an
 * acquisition at exactly the cursor's time, by the position of its lock_acquired event. */
static bool acquired_by(lsv_trace *t, const lsv_hold *h, int64_t req_ev, int64_t cursor, int64_t time)
{
	if (h->acquired_ns == LSV_NONE || h->acquired_ns > time)
		return false;
	if (h->acquired_ns < time)
		return true;
	sqlite3_stmt *q = NULL;
	bool yes = true;
	if (prepare_read(t, "SELECT 1 FROM events WHERE id > ?1 AND id <= ?2 AND tid = ?3 AND "
			    "type = 2 AND lock = ?4 LIMIT 1", &q)) {
		sqlite3_bind_int64(q, 1, req_ev);
		sqlite3_bind_int64(q, 2, cursor);
		sqlite3_bind_int64(q, 3, h->tid);
		sqlite3_bind_int64(q, 4, h->lock);
		yes = lsv_trace_step_row(t, q) == SQLITE_ROW;
	}
	sqlite3_finalize(q);
	return yes;
}

typedef enum { LIVE_NO, LIVE_HOLDS, LIVE_WAITS } live;

static live live_at(lsv_trace *t, const lsv_hold *h, int64_t req_ev, int64_t rel_ev, int64_t cursor,
		    int64_t time)
{
	if (!strcmp(h->outcome, "failed"))
		return LIVE_NO;
	if (req_ev != LSV_NONE ? req_ev > cursor : h->requested_ns > time)
		return LIVE_NO;
	if (rel_ev != LSV_NONE ? rel_ev <= cursor : (h->released_ns != LSV_NONE && h->released_ns <= time))
		return LIVE_NO;
	return acquired_by(t, h, req_ev, cursor, time) ? LIVE_HOLDS : LIVE_WAITS;
}

/* The tasks whose recent holds each_candidate reads: `tid` alone, or every task with a lane —
 * unless the acquisitions of the last bucket are fewer events than there are lanes (10 000
 * tasks), when the tasks that made a request in it are found from those events (an id range of
 * events: no index needed) instead of one index query per task. */
static GArray *recent_tids(lsv_trace *t, int64_t tid, int64_t time)
{
	GArray *tids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	if (tid >= 0) {
		g_array_append_val(tids, tid);
		return tids;
	}
	int64_t lo = id_at(t, time - t->lod->width - 1) + 1;
	int64_t hi = id_at(t, time);
	sqlite3_stmt *q = NULL;
	if (hi - lo < 4 * (int64_t)g_hash_table_size(t->lod->lanes) &&
	    prepare_read(t, "SELECT DISTINCT tid FROM events WHERE id BETWEEN ?1 AND ?2 AND type IN (1, 2)", &q)) {
		sqlite3_bind_int64(q, 1, lo);
		sqlite3_bind_int64(q, 2, hi);
		while (lsv_trace_step_row(t, q) == SQLITE_ROW) {
			int64_t k = sqlite3_column_int64(q, 0);
			g_array_append_val(tids, k);
		}
		sqlite3_finalize(q);
		return tids;
	}
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, t->lod->lanes);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_array_append_val(tids, ((lsv_lod_lane *)v)->tid);
	return tids;
}

/* Candidate holds live at `time`: recent ones from SQL (tid < 0: all tasks), long ones from the
 * LOD spans, read back by id. Calls fn for each. */
static void each_candidate(lsv_trace *t, int64_t tid, int64_t time,
			   void (*fn)(lsv_trace *, sqlite3_stmt *, void *), void *user)
{
	sqlite3_stmt *q = t->st_recent;
	GArray *longs = g_array_new(FALSE, FALSE, sizeof(lsv_span));
	if (tid >= 0) {
		lsv_lod_long_overlap(lsv_lod_lane_get(t->lod, tid), time, time, longs);
	} else {
		GHashTableIter it;
		gpointer v;
		g_hash_table_iter_init(&it, t->lod->lanes);
		while (g_hash_table_iter_next(&it, NULL, &v))
			lsv_lod_long_overlap(v, time, time, longs);
	}
	GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	/* recent holds: per task (index holds(tid, requested_ns)) */
	GArray *tids = recent_tids(t, tid, time);
	for (guint i = 0; i < tids->len && !t->read_failed; i++) {
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, time - t->lod->width);
		sqlite3_bind_int64(q, 2, time);
		sqlite3_bind_int64(q, 3, g_array_index(tids, int64_t, i));
		while (lsv_trace_step_row(t, q) == SQLITE_ROW) {
			fn(t, q, user);
			int64_t id = sqlite3_column_int64(q, 0);
			g_array_append_val(ids, id);
		}
	}
	sqlite3_reset(q);
	g_array_unref(tids);
	for (guint i = 0; i < ids->len; i++)
		g_hash_table_add(seen, &g_array_index(ids, int64_t, i));
	for (guint i = 0; i < longs->len && !t->read_failed; i++) {
		lsv_span *s = &g_array_index(longs, lsv_span, i);
		if (g_hash_table_contains(seen, &s->id))
			continue;
		sqlite3_reset(t->st_hold);
		sqlite3_bind_int64(t->st_hold, 1, s->id);
		if (lsv_trace_step_row(t, t->st_hold) == SQLITE_ROW)
			fn(t, t->st_hold, user);
		sqlite3_reset(t->st_hold);
	}
	g_hash_table_unref(seen);
	g_array_unref(ids);
	g_array_unref(longs);
}

typedef struct {
	int64_t cursor, time;
	GHashTable *by_lock;  /* lock_id → lsv_lock_state* */
	GArray *stack;
} state_ctx;

static void lock_state_free(gpointer p)
{
	lsv_lock_state *s = p;
	g_array_unref(s->holders);
	g_array_unref(s->waiters);
	g_free(s);
}

static void add_to_state(lsv_trace *t, sqlite3_stmt *q, void *user)
{
	state_ctx *c = user;
	lsv_hold h;
	int64_t re, rl;
	read_hold(q, &h, &re, &rl);
	live l = live_at(t, &h, re, rl, c->cursor, c->time);
	if (l == LIVE_NO)
		return;
	if (c->stack) {
		g_array_append_val(c->stack, h);
		return;
	}
	lsv_lock_state *s = g_hash_table_lookup(c->by_lock, &h.lock_id);
	if (!s) {
		s = g_new0(lsv_lock_state, 1);
		s->lock_id = h.lock_id;
		s->lock = h.lock;
		s->cls = h.cls;
		s->holders = g_array_new(FALSE, FALSE, sizeof(lsv_hold));
		s->waiters = g_array_new(FALSE, FALSE, sizeof(lsv_hold));
		g_hash_table_insert(c->by_lock, &s->lock_id, s);
	}
	g_array_append_val(l == LIVE_HOLDS ? s->holders : s->waiters, h);
}

static int cmp_hold(const void *a, const void *b)
{
	const lsv_hold *x = a, *y = b;
	if (x->requested_ns != y->requested_ns)
		return x->requested_ns < y->requested_ns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_lock_state(const void *a, const void *b)
{
	const lsv_lock_state *x = *(lsv_lock_state *const *)a, *y = *(lsv_lock_state *const *)b;
	int rx = ls_class_rank((uint64_t)x->cls), ry = ls_class_rank((uint64_t)y->cls);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return (uint64_t)x->lock < (uint64_t)y->lock ? -1 : (uint64_t)x->lock > (uint64_t)y->lock;
}

GPtrArray *lsv_trace_lock_state(lsv_trace *t, int64_t cursor, int64_t time)
{
	state_ctx c = { cursor, time, g_hash_table_new(g_int64_hash, g_int64_equal), NULL };
	each_candidate(t, -1, time, add_to_state, &c);
	GPtrArray *out = g_ptr_array_new_with_free_func(lock_state_free);
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, c.by_lock);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		lsv_lock_state *s = v;
		g_array_sort(s->holders, cmp_hold);
		g_array_sort(s->waiters, cmp_hold);
		g_ptr_array_add(out, s);
	}
	g_hash_table_unref(c.by_lock);
	g_ptr_array_sort(out, cmp_lock_state);
	return out;
}

GArray *lsv_trace_task_stack(lsv_trace *t, int64_t tid, int64_t cursor, int64_t time)
{
	state_ctx c = { cursor, time, NULL, g_array_new(FALSE, FALSE, sizeof(lsv_hold)) };
	each_candidate(t, tid, time, add_to_state, &c);
	g_array_sort(c.stack, cmp_hold);
	return c.stack;
}

GArray *lsv_trace_object(lsv_trace *t, int64_t addr)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(lsv_object));
	sqlite3_stmt *q = NULL;
	if (prepare_read(t, "SELECT id, addr, kind, mm, start_addr, end_addr, alloc_ns, alloc_tid, "
			    "detach_ns, detach_tid, free_ns, free_tid, deferred, free_done_ns FROM objects "
			    "WHERE addr = ? ORDER BY coalesce(alloc_ns, detach_ns, free_ns)", &q)) {
		sqlite3_bind_int64(q, 1, addr);
		while (lsv_trace_step_row(t, q) == SQLITE_ROW) {
			lsv_object o;
			int64_t *f[] = { &o.id, &o.addr, &o.kind, &o.mm, &o.start, &o.end, &o.alloc_ns,
					 &o.alloc_tid, &o.detach_ns, &o.detach_tid, &o.free_ns, &o.free_tid,
					 &o.deferred, &o.free_done_ns };
			for (unsigned i = 0; i < G_N_ELEMENTS(f); i++)
				*f[i] = col(q, (int)i);
			g_array_append_val(out, o);
		}
	}
	sqlite3_finalize(q);
	return out;
}
