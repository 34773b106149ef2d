/* callstack.c — see callstack.h. The writer keeps every distinct stack in memory (a frame pool
 * and an open-addressing table keyed by a hash of the frames, compared in full on a hit), so a
 * stack that thousands of contended waits share is written once. It must not interpret frames:
 * that needs the symbol map (stacktext.h). */
#include "callstack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

static const char tables_sql[] =
	"CREATE TABLE stacks(id INTEGER PRIMARY KEY, depth INTEGER NOT NULL, truncated INTEGER NOT NULL,"
	" events INTEGER NOT NULL);"
	"CREATE TABLE stack_frames(stack_id INTEGER NOT NULL, depth INTEGER NOT NULL, addr INTEGER NOT NULL,"
	" PRIMARY KEY(stack_id, depth)) WITHOUT ROWID;"
	"CREATE TABLE event_stacks(event_id INTEGER PRIMARY KEY, t_ns INTEGER NOT NULL, tid INTEGER,"
	" type INTEGER NOT NULL, stack_id INTEGER NOT NULL);";

enum { W_STACK, W_FRAME, W_EVENT, W_COUNT };

static const char *const write_sql[W_COUNT] = {
	[W_STACK] = "INSERT INTO stacks VALUES(?1,?2,?3,0)",
	[W_FRAME] = "INSERT INTO stack_frames VALUES(?1,?2,?3)",
	[W_EVENT] = "INSERT INTO event_stacks VALUES(?1,?2,?3,?4,?5)",
};

typedef struct {
	uint64_t hash;
	size_t off;       /* first frame in the pool */
	uint32_t depth;
	bool truncated;
	int64_t events;
} stack_entry;

struct ls_callstacks {
	ls_store *store;
	sqlite3 *db;
	sqlite3_stmt *stmt[W_COUNT];
	stack_entry *stacks; /* index + 1 = stacks.id */
	size_t n_stacks, cap_stacks;
	uint64_t *pool;
	size_t n_pool, cap_pool;
	uint32_t *slots; /* 0 empty, else index + 1 into stacks */
	size_t n_slots;  /* a power of two, kept at least twice n_stacks */
	int64_t events;
};

static ls_status db_fail(ls_callstacks *cs, ls_error *err, const char *what)
{
	return ls_error_set(err, LS_ERR_DB, ls_store_path(cs->store), "%s: %s", what, sqlite3_errmsg(cs->db));
}

ls_status ls_callstacks_new(ls_store *store, ls_callstacks **out, ls_error *err)
{
	ls_callstacks *cs = calloc(1, sizeof(*cs));
	ls_status st;

	*out = NULL;
	if (!cs)
		return ls_error_set(err, LS_ERR_NOMEM, ls_store_path(store), "out of memory");
	cs->store = store;
	cs->db = ls_store_borrow_db(store);
	if ((st = ls_store_exec(store, tables_sql, err)) != LS_OK)
		goto error;
	for (int i = 0; i < W_COUNT; i++)
		if (sqlite3_prepare_v3(cs->db, write_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &cs->stmt[i], NULL) !=
		    SQLITE_OK) {
			st = db_fail(cs, err, "preparing the call-stack tables");
			goto error;
		}
	*out = cs;
	return LS_OK;
error:
	ls_callstacks_free(cs);
	return st;
}

void ls_callstacks_free(ls_callstacks *cs)
{
	if (!cs)
		return;
	for (int i = 0; i < W_COUNT; i++)
		sqlite3_finalize(cs->stmt[i]);
	free(cs->stacks);
	free(cs->pool);
	free(cs->slots);
	free(cs);
}

static uint64_t hash_stack(const ls_event *ev)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ ev->stack_depth ^ ((uint64_t)ev->stack_truncated << 32);

	for (uint32_t i = 0; i < ev->stack_depth; i++) {
		h ^= ev->stack[i];
		h *= UINT64_C(0x100000001b3);
		h ^= h >> 29;
	}
	return h;
}

static bool same_stack(const ls_callstacks *cs, const stack_entry *e, uint64_t hash, const ls_event *ev)
{
	return e->hash == hash && e->depth == ev->stack_depth && e->truncated == ev->stack_truncated &&
	       memcmp(cs->pool + e->off, ev->stack, ev->stack_depth * sizeof(uint64_t)) == 0;
}

static bool rehash(ls_callstacks *cs)
{
	size_t n = cs->n_slots ? cs->n_slots * 2 : 256;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return false;
	for (size_t i = 0; i < cs->n_stacks; i++) {
		size_t s = cs->stacks[i].hash & (n - 1);
		while (slots[s])
			s = (s + 1) & (n - 1);
		slots[s] = (uint32_t)(i + 1);
	}
	free(cs->slots);
	cs->slots = slots;
	cs->n_slots = n;
	return true;
}

static ls_status step(ls_callstacks *cs, int which, ls_error *err)
{
	sqlite3_stmt *s = cs->stmt[which];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? LS_OK : db_fail(cs, err, "writing call stacks");
}

/* A new distinct stack: into memory, then into `stacks` and `stack_frames`. */
static ls_status add_stack(ls_callstacks *cs, uint64_t hash, const ls_event *ev, size_t slot, int64_t *id,
			   ls_error *err)
{
	stack_entry *e;
	ls_status st;

	if (!ls_grow((void **)&cs->stacks, &cs->cap_stacks, cs->n_stacks + 1, sizeof(*cs->stacks)) ||
	    !ls_grow((void **)&cs->pool, &cs->cap_pool, cs->n_pool + ev->stack_depth, sizeof(*cs->pool)))
		return ls_error_set(err, LS_ERR_NOMEM, ls_store_path(cs->store), "out of memory");
	e = &cs->stacks[cs->n_stacks++];
	*e = (stack_entry){ hash, cs->n_pool, ev->stack_depth, ev->stack_truncated, 0 };
	memcpy(cs->pool + cs->n_pool, ev->stack, ev->stack_depth * sizeof(uint64_t));
	cs->n_pool += ev->stack_depth;
	cs->slots[slot] = (uint32_t)cs->n_stacks;
	*id = (int64_t)cs->n_stacks;

	sqlite3_bind_int64(cs->stmt[W_STACK], 1, *id);
	sqlite3_bind_int64(cs->stmt[W_STACK], 2, ev->stack_depth);
	sqlite3_bind_int(cs->stmt[W_STACK], 3, ev->stack_truncated);
	if ((st = step(cs, W_STACK, err)) != LS_OK)
		return st;
	for (uint32_t i = 0; i < ev->stack_depth; i++) {
		sqlite3_bind_int64(cs->stmt[W_FRAME], 1, *id);
		sqlite3_bind_int64(cs->stmt[W_FRAME], 2, i);
		sqlite3_bind_int64(cs->stmt[W_FRAME], 3, (int64_t)ev->stack[i]);
		if ((st = step(cs, W_FRAME, err)) != LS_OK)
			return st;
	}
	if (cs->n_stacks * 2 > cs->n_slots && !rehash(cs))
		return ls_error_set(err, LS_ERR_NOMEM, ls_store_path(cs->store), "out of memory");
	return LS_OK;
}

ls_status ls_callstacks_feed(ls_callstacks *cs, int64_t event_id, const ls_event *ev, ls_error *err)
{
	uint64_t hash;
	size_t s;
	int64_t id = 0;
	ls_status st;

	if (ev->stack_depth == 0)
		return LS_OK;
	if (!cs->slots && !rehash(cs))
		return ls_error_set(err, LS_ERR_NOMEM, ls_store_path(cs->store), "out of memory");
	hash = hash_stack(ev);
	for (s = hash & (cs->n_slots - 1); cs->slots[s]; s = (s + 1) & (cs->n_slots - 1))
		if (same_stack(cs, &cs->stacks[cs->slots[s] - 1], hash, ev)) {
			id = cs->slots[s];
			break;
		}
	if (!id && (st = add_stack(cs, hash, ev, s, &id, err)) != LS_OK)
		return st;
	cs->stacks[id - 1].events++;
	cs->events++;
	sqlite3_bind_int64(cs->stmt[W_EVENT], 1, event_id);
	sqlite3_bind_int64(cs->stmt[W_EVENT], 2, ev->t_ns);
	if (ev->has_tid)
		sqlite3_bind_int64(cs->stmt[W_EVENT], 3, ev->tid);
	else
		sqlite3_bind_null(cs->stmt[W_EVENT], 3);
	sqlite3_bind_int(cs->stmt[W_EVENT], 4, ev->type);
	sqlite3_bind_int64(cs->stmt[W_EVENT], 5, id);
	return step(cs, W_EVENT, err);
}

ls_status ls_callstacks_finish(ls_callstacks *cs, ls_error *err)
{
	sqlite3_stmt *s = NULL;
	char n[32];
	ls_status st;

	if (sqlite3_prepare_v2(cs->db, "UPDATE stacks SET events = ?2 WHERE id = ?1", -1, &s, NULL) != SQLITE_OK)
		return db_fail(cs, err, "counting call stacks");
	for (size_t i = 0; i < cs->n_stacks; i++) {
		sqlite3_bind_int64(s, 1, (int64_t)i + 1);
		sqlite3_bind_int64(s, 2, cs->stacks[i].events);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return db_fail(cs, err, "counting call stacks");
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	/* the store closes its connection next: nothing of ours may stay prepared on it */
	for (int i = 0; i < W_COUNT; i++) {
		sqlite3_finalize(cs->stmt[i]);
		cs->stmt[i] = NULL;
	}
	if ((st = ls_store_exec(cs->store, "CREATE INDEX event_stacks_tid_t ON event_stacks(tid, t_ns);", err)) !=
	    LS_OK)
		return st;
	snprintf(n, sizeof(n), "%lld", (long long)cs->events);
	if ((st = ls_store_set_meta(cs->store, "callstack_events", n, err)) != LS_OK)
		return st;
	snprintf(n, sizeof(n), "%zu", cs->n_stacks);
	return ls_store_set_meta(cs->store, "callstacks", n, err);
}

/* ---- reading ---- */

static ls_status read_fail(ls_store *store, ls_error *err)
{
	return ls_error_set(err, LS_ERR_DB, ls_store_path(store), "reading call stacks: %s",
			    sqlite3_errmsg(ls_store_borrow_db(store)));
}

/* The stack event_stacks names for (tid, t_ns), into out; out->depth stays 0 when none. */
static ls_status find_exact(ls_store *store, int64_t tid, int64_t t_ns, ls_callstack *out, ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	sqlite3_stmt *s = NULL;
	ls_status st = LS_OK;
	int64_t stack_id = -1;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT e.event_id, e.stack_id, s.truncated FROM event_stacks e"
			       " JOIN stacks s ON s.id = e.stack_id WHERE e.tid = ?1 AND e.t_ns = ?2"
			       " ORDER BY e.event_id LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK)
		return read_fail(store, err);
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, t_ns);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->event_id = sqlite3_column_int64(s, 0);
		stack_id = sqlite3_column_int64(s, 1);
		out->truncated = sqlite3_column_int(s, 2) != 0;
		out->t_ns = t_ns;
	} else if (rc != SQLITE_DONE) {
		st = read_fail(store, err);
	}
	sqlite3_finalize(s);
	if (st != LS_OK || stack_id < 0)
		return st;
	if (sqlite3_prepare_v2(db, "SELECT addr FROM stack_frames WHERE stack_id = ?1 ORDER BY depth", -1, &s,
			       NULL) != SQLITE_OK)
		return read_fail(store, err);
	sqlite3_bind_int64(s, 1, stack_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && out->depth < LS_STACK_MAX)
		out->frames[out->depth++] = (uint64_t)sqlite3_column_int64(s, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = read_fail(store, err);
	sqlite3_finalize(s);
	return st;
}

ls_status ls_callstack_find(ls_store *store, int64_t tid, int64_t t_ns, uint64_t lock, ls_callstack *out,
			    ls_error *err)
{
	sqlite3_stmt *s = NULL;
	int64_t times[2];
	int n = 0, rc;
	ls_status st;

	out->event_id = -1;
	out->t_ns = t_ns;
	out->depth = 0;
	out->truncated = false;
	if ((st = find_exact(store, tid, t_ns, out, err)) != LS_OK || out->depth || !lock)
		return st;
	/* The hold this moment is the request or the acquisition of: those two events may carry the
	 * stack (the recorder puts lock_acquire or a contended lock_acquired on the stack channel,
	 * never a release, and a release row must not show the acquisition's stack as its own). */
	if (sqlite3_prepare_v2(ls_store_borrow_db(store),
			       "SELECT requested_ns, acquired_ns FROM holds WHERE tid = ?1 AND lock = ?2 AND"
			       " (requested_ns = ?3 OR acquired_ns = ?3) ORDER BY requested_ns LIMIT 1",
			       -1, &s, NULL) != SQLITE_OK)
		return read_fail(store, err);
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, (int64_t)lock);
	sqlite3_bind_int64(s, 3, t_ns);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		for (int c = 0; c < 2; c++)
			if (sqlite3_column_type(s, c) != SQLITE_NULL && sqlite3_column_int64(s, c) != t_ns)
				times[n++] = sqlite3_column_int64(s, c);
	} else if (rc != SQLITE_DONE) {
		st = read_fail(store, err);
	}
	sqlite3_finalize(s);
	for (int i = 0; i < n && st == LS_OK && !out->depth; i++)
		st = find_exact(store, tid, times[i], out, err);
	return st;
}

int64_t ls_callstack_count_events(ls_store *store)
{
	return ls_store_meta_int(store, "callstack_events", 0);
}
