/* store.c — the SQLite side of docs/schema.md: schema, bulk-load statements, and opening a
 * finished database for reading. SQL for analyses lives with the analyses (stats.c, the
 * detectors); this file only owns the tables' shape and their integrity flag. */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract.h"
#include "evpack.h"
#include "evtab.h"

enum stmt_id { S_CHUNK, S_DATA, S_HOLD, S_WAIT, S_OBJECT, S_TASK, S_LOCK, S_PHASE, S_DISCARD, S_META, S_TYPE,
	       S_UNMATCHED,
	       S_COUNT };

#define MAX_FOREIGN_TYPES 4096

struct ls_store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[S_COUNT];
	char *foreign[MAX_FOREIGN_TYPES]; /* foreign event names; index + LS_EV_FIRST_FOREIGN = id */
	int n_foreign;
	int last_foreign; /* cache: most events of a foreign name come in runs */
	ls_evpack pack;   /* the chunk of raw events being filled */
};

static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE enums(field TEXT NOT NULL, value INTEGER NOT NULL, name TEXT NOT NULL,"
	" PRIMARY KEY(field, value));"
	"CREATE TABLE event_types(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, in_contract INTEGER NOT NULL);"
	/* The raw events, packed (evpack.h); readers see them through the `events` table (evtab.h).
	 * The directory and the bytes are apart so that reading the directory reads no bytes. */
	"CREATE TABLE event_chunks(first_id INTEGER PRIMARY KEY, n INTEGER NOT NULL, first_ns INTEGER NOT NULL,"
	" last_ns INTEGER NOT NULL, types INTEGER NOT NULL);"
	"CREATE TABLE event_data(first_id INTEGER PRIMARY KEY, data BLOB NOT NULL);"
	"CREATE TABLE tasks(tid INTEGER PRIMARY KEY, pid INTEGER, comm TEXT, first_ns INTEGER, last_ns INTEGER,"
	" events INTEGER);"
	"CREATE TABLE locks(id INTEGER PRIMARY KEY, addr INTEGER NOT NULL, class INTEGER NOT NULL, obj INTEGER,"
	" mm INTEGER, first_ns INTEGER, last_ns INTEGER, acquisitions INTEGER, contentions INTEGER);"
	"CREATE TABLE objects(id INTEGER PRIMARY KEY, addr INTEGER NOT NULL, kind INTEGER, mm INTEGER,"
	" start_addr INTEGER, end_addr INTEGER, alloc_ns INTEGER, alloc_tid INTEGER, alloc_ip INTEGER,"
	" detach_ns INTEGER, detach_tid INTEGER, detach_ip INTEGER, free_ns INTEGER, free_tid INTEGER,"
	" free_ip INTEGER, deferred INTEGER, free_done_ns INTEGER);"
	"CREATE TABLE holds(id INTEGER PRIMARY KEY, lock_id INTEGER NOT NULL, lock INTEGER NOT NULL,"
	" class INTEGER NOT NULL, mode INTEGER NOT NULL, tid INTEGER, trylock INTEGER NOT NULL,"
	" requested_ns INTEGER NOT NULL, acquired_ns INTEGER, released_ns INTEGER, outcome TEXT NOT NULL,"
	" reason INTEGER, request_ip INTEGER, acquired_ip INTEGER, release_ip INTEGER, request_event INTEGER,"
	" release_event INTEGER, parent_id INTEGER, obj INTEGER, mm INTEGER);"
	"CREATE TABLE waits(id INTEGER PRIMARY KEY, hold_id INTEGER NOT NULL, lock_id INTEGER NOT NULL,"
	" lock INTEGER NOT NULL, class INTEGER NOT NULL, mode INTEGER NOT NULL, tid INTEGER,"
	" begin_ns INTEGER NOT NULL, end_ns INTEGER, duration_ns INTEGER, offcpu_ns INTEGER, outcome TEXT NOT NULL);"
	"CREATE TABLE phases(id INTEGER PRIMARY KEY, tid INTEGER, mm INTEGER, phase INTEGER NOT NULL,"
	" begin_ns INTEGER NOT NULL, end_ns INTEGER);"
	"CREATE TABLE discarded(id INTEGER PRIMARY KEY, what TEXT NOT NULL, cpu INTEGER, begin_ns INTEGER,"
	" end_ns INTEGER, count INTEGER);"
	"CREATE VIEW event_blocks AS SELECT first_id, first_ns AS t_ns FROM event_chunks;"
	"CREATE TABLE unmatched_releases(event_id INTEGER PRIMARY KEY, lock_id INTEGER NOT NULL,"
	" t_ns INTEGER NOT NULL, tid INTEGER, lock INTEGER NOT NULL, class INTEGER NOT NULL,"
	" mode INTEGER NOT NULL, ip INTEGER);";

/* Events get no index: ids follow time, the chunk directory maps a time to an id range, and
 * per-task and per-lock questions go to holds. Every index here is paid for by every load (an index on
 * events costs about as much as inserting them), so only what the detectors and viewer need. */
static const char index_sql[] =
	"PRAGMA threads=2;"
	"CREATE INDEX holds_lock_t ON holds(lock_id, requested_ns);"
	"CREATE INDEX holds_tid_t ON holds(tid, requested_ns);"
	"CREATE INDEX waits_lock ON waits(lock_id);"
	"CREATE INDEX objects_addr ON objects(addr);"
	"PRAGMA analysis_limit=1000;"
	"ANALYZE;";

static const char *const stmt_sql[S_COUNT] = {
	[S_CHUNK] = "INSERT INTO event_chunks VALUES(?1,?2,?3,?4,?5)",
	[S_DATA] = "INSERT INTO event_data VALUES(?1,?2)",
	[S_HOLD] = "INSERT INTO holds VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)",
	[S_WAIT] = "INSERT INTO waits(hold_id,lock_id,lock,class,mode,tid,begin_ns,end_ns,duration_ns,offcpu_ns,"
		   "outcome) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	[S_OBJECT] = "INSERT INTO objects(addr,kind,mm,start_addr,end_addr,alloc_ns,alloc_tid,alloc_ip,detach_ns,"
		     "detach_tid,detach_ip,free_ns,free_tid,free_ip,deferred,free_done_ns) "
		     "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
	[S_TASK] = "INSERT OR REPLACE INTO tasks VALUES(?1,?2,?3,?4,?5,?6)",
	[S_LOCK] = "INSERT INTO locks VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
	[S_PHASE] = "INSERT INTO phases(tid,mm,phase,begin_ns,end_ns) VALUES(?1,?2,?3,?4,?5)",
	[S_DISCARD] = "INSERT INTO discarded(what,cpu,begin_ns,end_ns,count) VALUES(?1,?2,?3,?4,?5)",
	[S_META] = "INSERT OR REPLACE INTO meta VALUES(?1,?2)",
	[S_TYPE] = "INSERT INTO event_types VALUES(?1,?2,?3)",
	[S_UNMATCHED] = "INSERT INTO unmatched_releases VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
};

/* A full disk is the user's to fix, not SQLite's: say it in those words. */
static ls_status disk_full(ls_store *store, ls_error *err, const char *what)
{
	return ls_error_set(err, LS_ERR_IO, store->path, "no space left on the device (%s)", what);
}

static ls_status db_error(ls_store *store, ls_error *err, const char *what)
{
	if (sqlite3_errcode(store->db) == SQLITE_FULL)
		return disk_full(store, err, what);
	return ls_error_set(err, LS_ERR_DB, store->path, "%s: %s", what, sqlite3_errmsg(store->db));
}

ls_status ls_store_exec(ls_store *store, const char *sql, ls_error *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(store->db, sql, NULL, NULL, &msg);

	if (rc == SQLITE_FULL) {
		sqlite3_free(msg);
		return disk_full(store, err, "writing the database");
	}
	if (rc != SQLITE_OK) {
		ls_status st = ls_error_set(err, LS_ERR_DB, store->path, "%s", msg ? msg : "SQL failed");
		sqlite3_free(msg);
		return st;
	}
	return LS_OK;
}

void ls_store_close(ls_store *store)
{
	if (!store)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(store->stmt[i]);
	sqlite3_close(store->db);
	for (int i = 0; i < store->n_foreign; i++)
		free(store->foreign[i]);
	ls_evpack_free(&store->pack);
	free(store->path);
	free(store);
}

sqlite3 *ls_store_borrow_db(ls_store *store)
{
	return store->db;
}

const char *ls_store_path(const ls_store *store)
{
	return store->path;
}

/* Per-allocation statistics take a global mutex on every malloc inside SQLite; lockstep never
 * reads them. Must run before SQLite initialises, hence once, before the first open. */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	ls_evtab_install();
}

static ls_store *store_alloc(const char *path)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	ls_store *store;

	pthread_once(&once, configure_sqlite);
	store = calloc(1, sizeof(*store));
	if (store)
		ls_evpack_init(&store->pack);
	if (store && !(store->path = strdup(path))) {
		free(store);
		store = NULL;
	}
	return store;
}

bool ls_store_meta(ls_store *store, const char *key, char *buf, size_t size)
{
	sqlite3_stmt *st;
	bool found = false;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(store->db, "SELECT value FROM meta WHERE key=?1", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

int64_t ls_store_meta_int(ls_store *store, const char *key, int64_t fallback)
{
	char buf[64], *end;
	long long v;

	if (!ls_store_meta(store, key, buf, sizeof(buf)))
		return fallback;
	v = strtoll(buf, &end, 10);
	return *end == '\0' && end != buf ? v : fallback;
}

ls_status ls_store_open(const char *path, bool writable, ls_store **out, ls_error *err)
{
	ls_store *store;
	char buf[64];
	ls_status st = LS_OK;
	int rc;

	*out = NULL;
	if (access(path, F_OK) != 0)
		return ls_error_set(err, LS_ERR_INPUT, path, "no such file");
	store = store_alloc(path);
	if (!store)
		return ls_error_set(err, LS_ERR_NOMEM, path, "out of memory");
	rc = sqlite3_open_v2(path, &store->db,
			     (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_INPUT, path, "cannot open database: %s", sqlite3_errstr(rc));
		goto error;
	}
	sqlite3_busy_timeout(store->db, 5000);
	/* A file that is not SQLite fails on its first read, not on open. */
	rc = sqlite3_exec(store->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_INPUT, path, "not a lockstep database (%s)", sqlite3_errmsg(store->db));
		goto error;
	}
	if (sqlite3_exec(store->db, "SELECT key FROM meta LIMIT 1", NULL, NULL, NULL) != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_INPUT, path, "not a lockstep database (no meta table)");
		goto error;
	}
	if (!ls_store_meta(store, "load_complete", buf, sizeof(buf)) || strcmp(buf, "1") != 0) {
		st = ls_error_set(err, LS_ERR_INPUT, path,
				  "incomplete database: its load did not finish (load the trace again)");
		goto error;
	}
	if (ls_store_meta_int(store, "schema_version", -1) != LS_SCHEMA_VERSION) {
		st = ls_error_set(err, LS_ERR_INPUT, path,
				  "schema version %lld, this lockstep reads version %d (load the trace again)",
				  (long long)ls_store_meta_int(store, "schema_version", -1), LS_SCHEMA_VERSION);
		goto error;
	}
	*out = store;
	return LS_OK;
error:
	ls_store_close(store);
	return st;
}

/* ---- bulk load ---- */

static ls_status insert_enums_and_types(ls_store *store, ls_error *err)
{
	sqlite3_stmt *st;
	ls_status s = LS_OK;
	static const ls_event_type types[] = {
		LS_EV_LOCK_ACQUIRE, LS_EV_LOCK_ACQUIRED, LS_EV_LOCK_RELEASE, LS_EV_LOCK_DOWNGRADE,
		LS_EV_VMA_WRITE_MARK, LS_EV_VMA_UNLOCK_ALL, LS_EV_OBJ_ALLOC, LS_EV_OBJ_DETACH,
		LS_EV_OBJ_FREE, LS_EV_OBJ_FREE_DONE, LS_EV_VMA_LOOKUP, LS_EV_PHASE,
		LS_EV_SCHED_SWITCH, LS_EV_SCHED_WAKING, LS_EV_SCHED_PROCESS_FORK,
		LS_EV_SCHED_PROCESS_EXIT, LS_EV_SCHED_PROCESS_FREE,
	};

	if (sqlite3_prepare_v2(store->db, "INSERT INTO enums VALUES(?1,?2,?3)", -1, &st, NULL) != SQLITE_OK)
		return db_error(store, err, "preparing enums");
	for (int e = 0; e < LS_ENUM_COUNT && s == LS_OK; e++) {
		for (unsigned v = 0; v < ls_enum_size((ls_enum)e); v++) {
			sqlite3_bind_text(st, 1, ls_enum_field_word((ls_enum)e), -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 2, (int)v);
			sqlite3_bind_text(st, 3, ls_enum_name((ls_enum)e, v), -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				s = db_error(store, err, "writing enums");
				break;
			}
			sqlite3_reset(st);
		}
	}
	sqlite3_finalize(st);
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]) && s == LS_OK; i++) {
		sqlite3_stmt *t = store->stmt[S_TYPE];
		sqlite3_bind_int(t, 1, types[i]);
		sqlite3_bind_text(t, 2, ls_event_name(types[i]), -1, SQLITE_STATIC);
		sqlite3_bind_int(t, 3, 1);
		if (sqlite3_step(t) != SQLITE_DONE)
			s = db_error(store, err, "writing event types");
		sqlite3_reset(t);
	}
	return s;
}

ls_status ls_store_create(const char *path, ls_store **out, ls_error *err)
{
	ls_store *store;
	ls_status st;
	int rc;

	*out = NULL;
	store = store_alloc(path);
	if (!store)
		return ls_error_set(err, LS_ERR_NOMEM, path, "out of memory");
	/* One thread uses the connection at a time: no per-call mutex. */
	rc = sqlite3_open_v2(path, &store->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_IO, path, "cannot create database: %s",
				  store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
		goto error;
	}
	/* The file is temporary until renamed into place, so durability inside the load buys
	 * nothing: a crash leaves a temp file that no reader accepts. The indexes' sort spills to
	 * temporary files (temp_store=FILE): kept in memory it grows with the holds, ~30 bytes
	 * each per index (hundreds of MiB at 50 M events). */
	st = ls_store_exec(store, "PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
				  "PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-65536; PRAGMA temp_store=FILE;", err);
	if (st == LS_OK)
		st = ls_store_exec(store, schema_sql, err);
	if (st == LS_OK)
		st = ls_store_exec(store, "BEGIN", err);
	if (st != LS_OK)
		goto error;
	for (int i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(store->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &store->stmt[i], NULL) !=
		    SQLITE_OK) {
			st = db_error(store, err, "preparing statements");
			goto error;
		}
	}
	st = insert_enums_and_types(store, err);
	if (st != LS_OK)
		goto error;
	{
		char v[16];
		snprintf(v, sizeof(v), "%d", LS_SCHEMA_VERSION);
		st = ls_store_set_meta(store, "schema_version", v, err);
		if (st == LS_OK)
			st = ls_store_set_meta(store, "tool_version", LOCKSTEP_VERSION, err);
		if (st != LS_OK)
			goto error;
	}
	*out = store;
	return LS_OK;
error:
	ls_store_close(store);
	return st;
}

static inline void bind_opt_i64(sqlite3_stmt *st, int col, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_int64(st, col, v);
}

static inline ls_status step(ls_store *store, enum stmt_id id, ls_error *err, const char *what)
{
	sqlite3_stmt *st = store->stmt[id];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(store, err, what);
	return LS_OK;
}

ls_status ls_store_event_type(ls_store *store, const ls_event *ev, int64_t *type, ls_error *err)
{
	int i;

	if (ev->type != LS_EV_UNKNOWN) {
		*type = ev->type;
		return LS_OK;
	}
	if (store->n_foreign && strcmp(store->foreign[store->last_foreign], ev->name) == 0) {
		*type = LS_EV_FIRST_FOREIGN + store->last_foreign;
		return LS_OK;
	}
	for (i = 0; i < store->n_foreign; i++)
		if (strcmp(store->foreign[i], ev->name) == 0)
			break;
	if (i == store->n_foreign) {
		sqlite3_stmt *t = store->stmt[S_TYPE];
		if (i == MAX_FOREIGN_TYPES)
			return ls_error_set(err, LS_ERR_INPUT, store->path, "more than %d kinds of foreign events",
					    MAX_FOREIGN_TYPES);
		if (!(store->foreign[i] = strdup(ev->name)))
			return ls_error_set(err, LS_ERR_NOMEM, store->path, "out of memory");
		store->n_foreign++;
		sqlite3_bind_int(t, 1, LS_EV_FIRST_FOREIGN + i);
		sqlite3_bind_text(t, 2, ev->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(t, 3, 0);
		if (step(store, S_TYPE, err, "writing event types") != LS_OK)
			return err->status;
	}
	store->last_foreign = i;
	*type = LS_EV_FIRST_FOREIGN + i;
	return LS_OK;
}

/* Binds and steps the two rows of packer p's chunk; returns the SQLite code of the failure. */
static int write_chunk(sqlite3_stmt *c, sqlite3_stmt *d, ls_evpack *p)
{
	const unsigned char *sealed;
	size_t sealed_len;
	int rc;

	sqlite3_bind_int64(c, 1, p->first_id);
	sqlite3_bind_int(c, 2, p->n);
	sqlite3_bind_int64(c, 3, p->first_ns);
	sqlite3_bind_int64(c, 4, p->last_ns);
	sqlite3_bind_int64(c, 5, (int64_t)p->types);
	rc = sqlite3_step(c);
	sqlite3_reset(c);
	if (rc != SQLITE_DONE)
		return rc;
	if (!ls_evpack_seal(p, &sealed, &sealed_len))
		return SQLITE_NOMEM;
	sqlite3_bind_int64(d, 1, p->first_id);
	sqlite3_bind_blob(d, 2, sealed, (int)sealed_len, SQLITE_STATIC);
	rc = sqlite3_step(d);
	sqlite3_reset(d);
	sqlite3_clear_bindings(d);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Writes the chunk being filled (if any) to event_chunks and event_data. */
static ls_status flush_events(ls_store *store, ls_error *err)
{
	ls_evpack *p = &store->pack;
	int rc;

	if (p->n == 0)
		return LS_OK;
	rc = write_chunk(store->stmt[S_CHUNK], store->stmt[S_DATA], p);
	ls_evpack_reset(p);
	return rc == SQLITE_OK ? LS_OK : db_error(store, err, "writing events");
}

ls_status ls_store_pack_rows(sqlite3 *db, const char *select_sql, ls_error *err)
{
	sqlite3_stmt *q = NULL, *c = NULL, *d = NULL;
	ls_evpack p;
	int rc;

	ls_evpack_init(&p);
	rc = sqlite3_prepare_v2(db, select_sql, -1, &q, NULL);
	if (rc == SQLITE_OK && sqlite3_column_count(q) != LS_EVCOL_COUNT)
		rc = SQLITE_MISMATCH;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, stmt_sql[S_CHUNK], -1, &c, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, stmt_sql[S_DATA], -1, &d, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		ls_evrow row = { .null = 0 };
		for (int i = 0; i < LS_EVCOL_PAYLOAD; i++) {
			if (sqlite3_column_type(q, i) == SQLITE_NULL)
				row.null |= 1u << i;
			row.v[i] = sqlite3_column_int64(q, i);
		}
		row.payload = (const char *)sqlite3_column_text(q, LS_EVCOL_PAYLOAD);
		row.payload_len = (uint32_t)sqlite3_column_bytes(q, LS_EVCOL_PAYLOAD);
		rc = ls_evpack_add_row(&p, &row) ? SQLITE_OK : SQLITE_NOMEM;
		if (rc == SQLITE_OK && ls_evpack_full(&p) && (rc = write_chunk(c, d, &p)) == SQLITE_OK)
			ls_evpack_reset(&p);
	}
	if (rc == SQLITE_DONE)
		rc = p.n ? write_chunk(c, d, &p) : SQLITE_OK;
	sqlite3_finalize(q);
	sqlite3_finalize(c);
	sqlite3_finalize(d);
	ls_evpack_free(&p);
	if (rc != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, sqlite3_db_filename(db, "main"), "packing events: %s",
				    rc == SQLITE_MISMATCH ? "the rows are not the 25 columns of events" : sqlite3_errmsg(db));
	return LS_OK;
}

ls_status ls_store_insert_event(ls_store *store, int64_t id, int64_t type, const ls_event *ev, ls_error *err)
{
	if (!ls_evpack_add(&store->pack, id, type, ev))
		return ls_error_set(err, LS_ERR_NOMEM, store->path, "out of memory packing events");
	return ls_evpack_full(&store->pack) ? flush_events(store, err) : LS_OK;
}

ls_status ls_store_insert_hold(ls_store *store, const ls_hold_row *r, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_HOLD];

	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->lock_id);
	sqlite3_bind_int64(st, 3, (int64_t)r->lock);
	sqlite3_bind_int(st, 4, r->cls);
	sqlite3_bind_int(st, 5, r->mode);
	sqlite3_bind_int64(st, 6, r->tid);
	sqlite3_bind_int(st, 7, r->trylock);
	sqlite3_bind_int64(st, 8, r->requested_ns);
	bind_opt_i64(st, 9, r->acquired_ns);
	bind_opt_i64(st, 10, r->released_ns);
	sqlite3_bind_text(st, 11, r->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, r->reason);
	sqlite3_bind_int64(st, 13, (int64_t)r->request_ip);
	if (r->acquired_ns >= 0)
		sqlite3_bind_int64(st, 14, (int64_t)r->acquired_ip);
	else
		sqlite3_bind_null(st, 14);
	if (r->released_ns >= 0)
		sqlite3_bind_int64(st, 15, (int64_t)r->release_ip);
	else
		sqlite3_bind_null(st, 15);
	bind_opt_i64(st, 16, r->request_event);
	bind_opt_i64(st, 17, r->release_event);
	bind_opt_i64(st, 18, r->parent_id);
	sqlite3_bind_int64(st, 19, (int64_t)r->obj);
	sqlite3_bind_int64(st, 20, (int64_t)r->mm);
	return step(store, S_HOLD, err, "writing holds");
}

ls_status ls_store_insert_wait(ls_store *store, const ls_wait_row *r, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_WAIT];

	sqlite3_bind_int64(st, 1, r->hold_id);
	sqlite3_bind_int64(st, 2, r->lock_id);
	sqlite3_bind_int64(st, 3, (int64_t)r->lock);
	sqlite3_bind_int(st, 4, r->cls);
	sqlite3_bind_int(st, 5, r->mode);
	sqlite3_bind_int64(st, 6, r->tid);
	sqlite3_bind_int64(st, 7, r->begin_ns);
	bind_opt_i64(st, 8, r->end_ns);
	bind_opt_i64(st, 9, r->end_ns >= 0 ? r->end_ns - r->begin_ns : -1);
	sqlite3_bind_int64(st, 10, r->offcpu_ns);
	sqlite3_bind_text(st, 11, r->outcome, -1, SQLITE_STATIC);
	return step(store, S_WAIT, err, "writing waits");
}

ls_status ls_store_insert_object(ls_store *store, const ls_object_row *r, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_OBJECT];

	sqlite3_bind_int64(st, 1, (int64_t)r->addr);
	sqlite3_bind_int(st, 2, r->kind);
	sqlite3_bind_int64(st, 3, (int64_t)r->mm);
	sqlite3_bind_int64(st, 4, (int64_t)r->start);
	sqlite3_bind_int64(st, 5, (int64_t)r->end);
	bind_opt_i64(st, 6, r->alloc_ns);
	bind_opt_i64(st, 7, r->alloc_ns >= 0 ? r->alloc_tid : -1);
	if (r->alloc_ns >= 0)
		sqlite3_bind_int64(st, 8, (int64_t)r->alloc_ip);
	else
		sqlite3_bind_null(st, 8);
	bind_opt_i64(st, 9, r->detach_ns);
	bind_opt_i64(st, 10, r->detach_ns >= 0 ? r->detach_tid : -1);
	if (r->detach_ns >= 0)
		sqlite3_bind_int64(st, 11, (int64_t)r->detach_ip);
	else
		sqlite3_bind_null(st, 11);
	bind_opt_i64(st, 12, r->free_ns);
	bind_opt_i64(st, 13, r->free_ns >= 0 ? r->free_tid : -1);
	if (r->free_ns >= 0)
		sqlite3_bind_int64(st, 14, (int64_t)r->free_ip);
	else
		sqlite3_bind_null(st, 14);
	bind_opt_i64(st, 15, r->deferred);
	bind_opt_i64(st, 16, r->free_done_ns);
	return step(store, S_OBJECT, err, "writing objects");
}

ls_status ls_store_insert_task(ls_store *store, const ls_task_row *r, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_TASK];

	sqlite3_bind_int64(st, 1, r->tid);
	bind_opt_i64(st, 2, r->pid);
	if (r->comm && *r->comm)
		sqlite3_bind_text(st, 3, r->comm, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	bind_opt_i64(st, 4, r->first_ns);
	bind_opt_i64(st, 5, r->last_ns);
	sqlite3_bind_int64(st, 6, r->events);
	return step(store, S_TASK, err, "writing tasks");
}

ls_status ls_store_insert_lock(ls_store *store, const ls_lock_row *r, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_LOCK];

	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, (int64_t)r->addr);
	sqlite3_bind_int(st, 3, r->cls);
	sqlite3_bind_int64(st, 4, (int64_t)r->obj);
	sqlite3_bind_int64(st, 5, (int64_t)r->mm);
	sqlite3_bind_int64(st, 6, r->first_ns);
	sqlite3_bind_int64(st, 7, r->last_ns);
	sqlite3_bind_int64(st, 8, r->acquisitions);
	sqlite3_bind_int64(st, 9, r->contentions);
	return step(store, S_LOCK, err, "writing locks");
}

ls_status ls_store_insert_unmatched_release(ls_store *store, const ls_release_row *r, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_UNMATCHED];

	sqlite3_bind_int64(st, 1, r->event_id);
	sqlite3_bind_int64(st, 2, r->lock_id);
	sqlite3_bind_int64(st, 3, r->t_ns);
	sqlite3_bind_int64(st, 4, r->tid);
	sqlite3_bind_int64(st, 5, (int64_t)r->lock);
	sqlite3_bind_int(st, 6, r->cls);
	sqlite3_bind_int(st, 7, r->mode);
	sqlite3_bind_int64(st, 8, (int64_t)r->ip);
	return step(store, S_UNMATCHED, err, "writing unmatched_releases");
}

ls_status ls_store_insert_phase(ls_store *store, const ls_phase_row *r, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_PHASE];

	sqlite3_bind_int64(st, 1, r->tid);
	sqlite3_bind_int64(st, 2, (int64_t)r->mm);
	sqlite3_bind_int(st, 3, r->phase);
	sqlite3_bind_int64(st, 4, r->begin_ns);
	bind_opt_i64(st, 5, r->end_ns);
	return step(store, S_PHASE, err, "writing phases");
}

ls_status ls_store_insert_discard(ls_store *store, const ls_discard *d, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_DISCARD];

	sqlite3_bind_text(st, 1, d->packets ? "packets" : "events", -1, SQLITE_STATIC);
	bind_opt_i64(st, 2, d->cpu);
	bind_opt_i64(st, 3, d->begin_ns);
	bind_opt_i64(st, 4, d->end_ns);
	bind_opt_i64(st, 5, d->count ? (int64_t)d->count : -1);
	return step(store, S_DISCARD, err, "writing discarded");
}

ls_status ls_store_set_meta(ls_store *store, const char *key, const char *value, ls_error *err)
{
	sqlite3_stmt *st = store->stmt[S_META];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	return step(store, S_META, err, "writing meta");
}

ls_status ls_store_build_indexes(ls_store *store, ls_error *err)
{
	ls_status st = flush_events(store, err);

	return st == LS_OK ? ls_store_exec(store, index_sql, err) : st;
}

ls_status ls_store_finish(ls_store *store, ls_error *err)
{
	ls_status st = flush_events(store, err);

	if (st == LS_OK)
		st = ls_store_set_meta(store, "load_complete", "1", err);
	if (st == LS_OK)
		st = ls_store_exec(store, "COMMIT", err);
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(store->stmt[i]);
		store->stmt[i] = NULL;
	}
	if (st == LS_OK && sqlite3_close(store->db) != SQLITE_OK)
		st = db_error(store, err, "closing");
	else if (st == LS_OK)
		store->db = NULL;
	ls_store_close(store);
	return st;
}
