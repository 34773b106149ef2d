/* balance.c — lock balance: the `unmatched_releases` rows and the `held-at-end` holds of a loaded
 * trace, each judged an instrumentation defect or an effect of the trace's edges, folded per
 * (lock class, mode, call site).
 *
 * The rule that separates the two is the lock's own exclusion. A release with no hold is a trace
 * edge only if its hold could have been taken before recording started and held until the
 * release — impossible once the trace shows the lock acquired, before the release, in a mode
 * that excludes the released one. A hold open at the end is a trace edge only if its task may
 * still have been inside the lock — impossible once the task exited, or once the lock was
 * acquired later in a mode that excludes the held one. Nothing else is taken as proof: a task
 * may sleep for long with mmap_lock held (a fault waiting on I/O), so silence is not.
 *
 * Reads the store through a handful of queries (the rows are few: the loader matched every
 * other release); never prints and never writes the database. */
#include "balance.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

#define MAX_SHOWN 16 /* the first instance of each task is evidence, up to this many tasks */
#define MAX_OBJECTS 16

typedef struct {
	int64_t t_ns, tid, event_id;
	int event;
	uint64_t lock, ip, obj;
} instance;

typedef enum { PROOF_NONE, PROOF_CONFLICT, PROOF_EXIT } proof_kind;

/* What shows an instance is no edge effect: a conflicting acquisition, or the task's exit. */
typedef struct {
	proof_kind kind;
	int64_t t_ns, acquired_ns, tid, event_id;
	int event, mode;
	uint64_t ip;
} proof;

typedef struct {
	bool release; /* release-without-hold, else hold-open-at-end */
	int cls, mode;
	uint64_t ip;
	ls_severity sev;
	uint64_t count, by_conflict, by_exit, beside_readers;
	instance shown[MAX_SHOWN];
	size_t n_shown;
	instance first;    /* the group's first instance (shown[0]) */
	proof first_proof; /* its proof, for a warning */
	uint64_t locks[MAX_OBJECTS];
	size_t n_locks;
	uint64_t n_locks_total;
} group;

typedef struct {
	int64_t tid, t_ns, event_id;
} task_exit;

typedef struct {
	ls_store *store;
	sqlite3 *db;
	ls_context *cx;
	ls_findings *out;
	ls_error *err;
	group *groups;
	size_t n_groups, cap_groups;
	task_exit *exits;
	size_t n_exits, cap_exits;
	int64_t t_end;
	ls_balance_stats stats;
} balance_ctx;

static ls_status db_fail(balance_ctx *c, const char *what)
{
	return ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "lock balance: %s: %s", what,
			    sqlite3_errmsg(c->db));
}

static ls_status nomem(balance_ctx *c)
{
	return ls_error_set(c->err, LS_ERR_NOMEM, ls_store_path(c->store), "out of memory");
}

static group *group_get(balance_ctx *c, bool release, int cls, int mode, uint64_t ip, ls_severity sev)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		group *g = &c->groups[i];

		if (g->release == release && g->cls == cls && g->mode == mode && g->ip == ip && g->sev == sev)
			return g;
	}
	if (!ls_grow((void **)&c->groups, &c->cap_groups, c->n_groups + 1, sizeof(*c->groups)))
		return NULL;
	group *g = &c->groups[c->n_groups++];

	memset(g, 0, sizeof(*g));
	g->release = release;
	g->cls = cls;
	g->mode = mode;
	g->ip = ip;
	g->sev = sev;
	return g;
}

static void group_add(group *g, const instance *in, const proof *pr, bool beside_readers)
{
	bool tid_shown = false, lock_seen = false;

	if (g->count++ == 0) {
		g->first = *in;
		g->first_proof = *pr;
	}
	g->by_conflict += pr->kind == PROOF_CONFLICT;
	g->by_exit += pr->kind == PROOF_EXIT;
	g->beside_readers += beside_readers;
	for (size_t i = 0; i < g->n_shown && !tid_shown; i++)
		tid_shown = g->shown[i].tid == in->tid;
	if (!tid_shown && g->n_shown < MAX_SHOWN)
		g->shown[g->n_shown++] = *in;
	for (size_t i = 0; i < g->n_locks && !lock_seen; i++)
		lock_seen = g->locks[i] == in->lock;
	if (!lock_seen) {
		g->n_locks_total++;
		if (g->n_locks < MAX_OBJECTS)
			g->locks[g->n_locks++] = in->lock;
	}
}

/* ---- releases without a hold --------------------------------------------------------------- */

/* The latest acquisition of the lock before `t` in a mode excluding `mode` (two holds of one lock
 * exclude each other unless both are read holds: the `mode = 1 OR ?3 = 1` of the queries). */
static ls_status conflict_before(balance_ctx *c, sqlite3_stmt *st, int64_t lock_id, int64_t t, int mode,
				 proof *pr)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, lock_id);
	sqlite3_bind_int64(st, 2, t);
	sqlite3_bind_int(st, 3, mode);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		pr->kind = PROOF_CONFLICT;
		pr->tid = sqlite3_column_int64(st, 0);
		pr->mode = sqlite3_column_int(st, 1);
		pr->t_ns = sqlite3_column_int64(st, 2);
		pr->acquired_ns = sqlite3_column_int64(st, 3);
		pr->event_id = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
		pr->event = sqlite3_column_type(st, 5) == SQLITE_NULL ? LS_EV_LOCK_ACQUIRE : sqlite3_column_int(st, 5);
		pr->ip = (uint64_t)sqlite3_column_int64(st, 6);
	} else if (rc != SQLITE_DONE) {
		return db_fail(c, "reading holds");
	}
	return LS_OK;
}

static ls_status scan_releases(balance_ctx *c)
{
	static const char *const conflict_sql =
		"SELECT h.tid, h.mode, h.requested_ns, h.acquired_ns, h.request_event, e.type, h.request_ip"
		" FROM holds h LEFT JOIN events e ON e.id = h.request_event"
		" WHERE h.lock_id = ?1 AND h.requested_ns < ?2 AND h.acquired_ns IS NOT NULL"
		" AND h.acquired_ns < ?2 AND (h.mode = 1 OR ?3 = 1)"
		" ORDER BY h.requested_ns DESC LIMIT 1";
	/* Another task's read hold in force at the release: what a non-owner release looks like. */
	static const char *const readers_sql =
		"SELECT count(*) FROM holds WHERE lock_id = ?1 AND mode = 0 AND tid <> ?2"
		" AND requested_ns <= ?3 AND acquired_ns IS NOT NULL AND acquired_ns <= ?3"
		" AND (released_ns IS NULL OR released_ns >= ?3)";
	sqlite3_stmt *rows = NULL, *conflict = NULL, *readers = NULL;
	ls_status status = LS_OK;
	int rc;

	if (sqlite3_prepare_v2(c->db,
			       "SELECT event_id, lock_id, t_ns, tid, lock, class, mode, ip"
			       " FROM unmatched_releases ORDER BY event_id",
			       -1, &rows, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, conflict_sql, -1, &conflict, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, readers_sql, -1, &readers, NULL) != SQLITE_OK) {
		status = db_fail(c, "preparing the release queries");
		goto end;
	}
	while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
		int64_t lock_id = sqlite3_column_int64(rows, 1);
		int cls = sqlite3_column_int(rows, 5), mode = sqlite3_column_int(rows, 6);
		instance in = {
			.event_id = sqlite3_column_int64(rows, 0), .t_ns = sqlite3_column_int64(rows, 2),
			.tid = sqlite3_column_int64(rows, 3), .event = LS_EV_LOCK_RELEASE,
			.lock = (uint64_t)sqlite3_column_int64(rows, 4), .ip = (uint64_t)sqlite3_column_int64(rows, 7),
		};
		proof pr = { .kind = PROOF_NONE };
		bool beside = false;
		group *g;

		if (cls < 0 || cls >= LS_CLASS_COUNT || mode < 0 || mode >= LS_MODE_COUNT)
			continue;
		c->stats.releases_without_hold++;
		if ((status = conflict_before(c, conflict, lock_id, in.t_ns, mode, &pr)) != LS_OK)
			goto end;
		if (mode == LS_MODE_READ) {
			sqlite3_reset(readers);
			sqlite3_bind_int64(readers, 1, lock_id);
			sqlite3_bind_int64(readers, 2, in.tid);
			sqlite3_bind_int64(readers, 3, in.t_ns);
			if (sqlite3_step(readers) != SQLITE_ROW) {
				status = db_fail(c, "reading holds");
				goto end;
			}
			beside = sqlite3_column_int64(readers, 0) > 0;
		}
		if (!(g = group_get(c, true, cls, mode, in.ip,
				    pr.kind == PROOF_NONE ? LS_SEV_NOTE : LS_SEV_WARNING))) {
			status = nomem(c);
			goto end;
		}
		c->stats.defects += pr.kind != PROOF_NONE;
		group_add(g, &in, &pr, beside);
	}
	if (rc != SQLITE_DONE)
		status = db_fail(c, "reading unmatched_releases");
end:
	sqlite3_finalize(rows);
	sqlite3_finalize(conflict);
	sqlite3_finalize(readers);
	return status;
}

/* ---- holds open at the end ----------------------------------------------------------------- */

/* sched_process_exit runs in the exiting task's own context: its `tid` is the task. One scan of
 * `events`, made only when some hold is open at the end. */
static ls_status read_exits(balance_ctx *c)
{
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT tid, t_ns, id FROM events WHERE type = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(c, "preparing the exit query");
	sqlite3_bind_int(st, 1, LS_EV_SCHED_PROCESS_EXIT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!ls_grow((void **)&c->exits, &c->cap_exits, c->n_exits + 1, sizeof(*c->exits))) {
			status = nomem(c);
			goto end;
		}
		c->exits[c->n_exits++] = (task_exit){ sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
						      sqlite3_column_int64(st, 2) };
	}
	if (rc != SQLITE_DONE) {
		status = db_fail(c, "reading events");
		goto end;
	}
end:
	sqlite3_finalize(st);
	return status;
}

/* The task's first exit at or after `t`, NULL when none (exits are few: a linear scan). */
static const task_exit *exit_after(const balance_ctx *c, int64_t tid, int64_t t)
{
	for (size_t i = 0; i < c->n_exits; i++)
		if (c->exits[i].tid == tid && c->exits[i].t_ns >= t)
			return &c->exits[i];
	return NULL;
}

static ls_status scan_holds(balance_ctx *c)
{
	static const char *const held_sql =
		"SELECT h.id, h.lock_id, h.lock, h.class, h.mode, h.tid, h.requested_ns, h.acquired_ns,"
		" h.request_ip, h.acquired_ip, h.request_event, e.type, h.obj"
		" FROM holds h LEFT JOIN events e ON e.id = h.request_event"
		" WHERE h.outcome = 'held-at-end' ORDER BY h.acquired_ns, h.id";
	static const char *const later_sql =
		"SELECT h.tid, h.mode, h.requested_ns, h.acquired_ns, h.request_event, e.type, h.request_ip"
		" FROM holds h LEFT JOIN events e ON e.id = h.request_event"
		" WHERE h.lock_id = ?1 AND h.id <> ?2 AND h.acquired_ns IS NOT NULL AND h.acquired_ns > ?3"
		" AND (h.mode = 1 OR ?4 = 1) ORDER BY h.acquired_ns LIMIT 1";
	sqlite3_stmt *rows = NULL, *later = NULL;
	ls_status status;
	int rc;

	if ((status = read_exits(c)) != LS_OK)
		return status;
	if (sqlite3_prepare_v2(c->db, held_sql, -1, &rows, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, later_sql, -1, &later, NULL) != SQLITE_OK) {
		status = db_fail(c, "preparing the hold queries");
		goto end;
	}
	while ((rc = sqlite3_step(rows)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(rows, 0), lock_id = sqlite3_column_int64(rows, 1);
		int cls = sqlite3_column_int(rows, 3), mode = sqlite3_column_int(rows, 4);
		int64_t acquired = sqlite3_column_int64(rows, 7);
		uint64_t ip = (uint64_t)sqlite3_column_int64(rows, 8);
		instance in = {
			.t_ns = sqlite3_column_int64(rows, 6), .tid = sqlite3_column_int64(rows, 5),
			.event_id = sqlite3_column_type(rows, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(rows, 10),
			.event = sqlite3_column_type(rows, 11) == SQLITE_NULL ? LS_EV_LOCK_ACQUIRE
									   : sqlite3_column_int(rows, 11),
			.lock = (uint64_t)sqlite3_column_int64(rows, 2), .obj = (uint64_t)sqlite3_column_int64(rows, 12),
		};
		proof pr = { .kind = PROOF_NONE };
		const task_exit *ex;
		group *g;

		if (cls < 0 || cls >= LS_CLASS_COUNT || mode < 0 || mode >= LS_MODE_COUNT)
			continue;
		in.ip = ip ? ip : (uint64_t)sqlite3_column_int64(rows, 9);
		c->stats.held_at_end++;
		if ((ex = exit_after(c, in.tid, acquired))) {
			pr = (proof){ .kind = PROOF_EXIT, .t_ns = ex->t_ns, .tid = ex->tid, .event_id = ex->event_id,
				      .event = LS_EV_SCHED_PROCESS_EXIT, .mode = -1 };
		} else {
			sqlite3_reset(later);
			sqlite3_bind_int64(later, 1, lock_id);
			sqlite3_bind_int64(later, 2, id);
			sqlite3_bind_int64(later, 3, acquired);
			sqlite3_bind_int(later, 4, mode);
			rc = sqlite3_step(later);
			if (rc == SQLITE_ROW) {
				pr.kind = PROOF_CONFLICT;
				pr.tid = sqlite3_column_int64(later, 0);
				pr.mode = sqlite3_column_int(later, 1);
				pr.t_ns = sqlite3_column_int64(later, 2);
				pr.acquired_ns = sqlite3_column_int64(later, 3);
				pr.event_id = sqlite3_column_type(later, 4) == SQLITE_NULL ? -1
											   : sqlite3_column_int64(later, 4);
				pr.event = sqlite3_column_type(later, 5) == SQLITE_NULL ? LS_EV_LOCK_ACQUIRE
											: sqlite3_column_int(later, 5);
				pr.ip = (uint64_t)sqlite3_column_int64(later, 6);
			} else if (rc != SQLITE_DONE) {
				status = db_fail(c, "reading holds");
				goto end;
			}
		}
		if (!(g = group_get(c, false, cls, mode, in.ip,
				    pr.kind == PROOF_NONE ? LS_SEV_NOTE : LS_SEV_WARNING))) {
			status = nomem(c);
			goto end;
		}
		c->stats.defects += pr.kind != PROOF_NONE;
		group_add(g, &in, &pr, false);
	}
	if (rc != SQLITE_DONE)
		status = db_fail(c, "reading holds");
end:
	sqlite3_finalize(rows);
	sqlite3_finalize(later);
	return status;
}

/* ---- findings ------------------------------------------------------------------------------ */

static ls_status add_instance(ls_finding *f, const group *g, const instance *in)
{
	ls_evidence ev = ls_evidence_blank();
	char role[128];

	ev.t_ns = in->t_ns;
	ev.tid = in->tid;
	ev.event_id = in->event_id;
	ev.event = in->event;
	ev.lock = in->lock;
	ev.cls = g->cls;
	ev.mode = g->mode;
	ev.ip = in->ip;
	ev.obj = in->obj;
	if (g->release)
		snprintf(role, sizeof(role), "released %s without holding it", ls_mode_label(g->mode));
	else
		snprintf(role, sizeof(role), "acquired %s, never released", ls_mode_label(g->mode));
	ev.role = role;
	return ls_finding_add_evidence(f, &ev);
}

static ls_status add_proof(const balance_ctx *c, ls_finding *f, const group *g, const proof *pr)
{
	ls_evidence ev = ls_evidence_blank();
	char role[160], at[LS_TIME_BUF];

	ev.t_ns = pr->t_ns;
	ev.tid = pr->tid;
	ev.event_id = pr->event_id;
	ev.event = pr->event;
	if (pr->kind == PROOF_EXIT) {
		snprintf(role, sizeof(role), "the holding task exited");
	} else {
		ev.lock = g->first.lock;
		ev.cls = g->cls;
		ev.mode = pr->mode;
		ev.ip = pr->ip;
		snprintf(role, sizeof(role), "%s: acquired %s at %s",
			 g->release ? "excludes a hold from before the trace" : "acquired after the hold, excluding it",
			 ls_mode_label(pr->mode), ls_context_time(c->cx, pr->acquired_ns, at, sizeof(at)));
	}
	ev.role = role;
	return ls_finding_add_evidence(f, &ev);
}

static ls_status set_detail(ls_finding *f, const balance_ctx *c, const group *g)
{
	const char *cn = ls_class_label(g->cls), *mn = ls_mode_label(g->mode);
	const proof *pr = &g->first_proof;
	char tail[256], t1[LS_TIME_BUF], t2[LS_TIME_BUF];

	snprintf(tail, sizeof(tail), " %zu task(s) shown%s, %" PRIu64 " lock(s).", g->n_shown,
		 g->n_shown == MAX_SHOWN ? " (the first of each, capped)" : " (the first instance of each)",
		 g->n_locks_total);
	if (g->release && g->sev == LS_SEV_WARNING)
		return ls_finding_set_detail(
			f,
			"Each release came after the lock was acquired in a mode that excludes %s (first: task %" PRId64
			" took %s %s at %s; task %" PRId64 " released it for %s at %s"
			" without having acquired it since), so the released hold cannot have been taken before "
			"recording started: a lock_acquire the kernel side did not emit, a release traced twice, or a "
			"non-owner release (up_read_non_owner(), mmap_read_unlock_non_owner(); lock_release has no "
			"flag for it). A release is never matched to another task's hold. %" PRIu64
			" of them came while another task held the lock for read.%s",
			mn, pr->tid, cn, ls_mode_label(pr->mode), ls_context_time(c->cx, pr->acquired_ns, t1, sizeof(t1)),
			g->first.tid, mn, ls_context_time(c->cx, g->first.t_ns, t2, sizeof(t2)),
			g->beside_readers, tail);
	if (g->release)
		return ls_finding_set_detail(
			f,
			"No acquisition of the lock that excludes %s precedes these releases in the trace, so each "
			"hold may have been taken before recording started (expected near the trace start). A "
			"missing lock_acquire or a non-owner release would look the same. %" PRIu64
			" of them came while another task held the lock for read.%s",
			mn, g->beside_readers, tail);
	if (g->sev == LS_SEV_WARNING)
		return ls_finding_set_detail(
			f,
			"The trace shows each hold ended without a lock_release: its task exited later (%" PRIu64
			") or the lock was acquired later in a mode that excludes %s (%" PRIu64 "; first: task %" PRId64
			" at %s). A lock_release the kernel side did not emit on this path (an error or "
			"early-return path) leaves this.%s",
			g->by_exit, mn, g->by_conflict, pr->tid,
			ls_context_time(c->cx, pr->kind == PROOF_EXIT ? pr->t_ns : pr->acquired_ns, t1, sizeof(t1)),
			tail);
	return ls_finding_set_detail(
		f,
		"Nothing later in the trace shows these holds ended (no exit of the task, no acquisition of the "
		"lock excluding %s up to the last event at %s): as far as the trace shows, each task "
		"was still inside the lock when recording stopped (expected at the trace end; a task exiting "
		"without a traced sched_process_exit would look the same).%s",
		mn, ls_context_time(c->cx, c->t_end, t1, sizeof(t1)), tail);
}

static ls_status emit(balance_ctx *c, const group *g)
{
	const char *cn = ls_class_label(g->cls), *mn = ls_mode_label(g->mode);
	char site[256];
	ls_finding *f;
	ls_status st;

	ls_context_site(c->cx, g->ip, site, sizeof(site));
	if (g->release)
		f = ls_findings_add(c->out, LS_FINDING_LOCK_BALANCE, g->sev, "release-without-hold",
				    "%" PRIu64 " release(s) of %s(%s) at %s matched no hold of the releasing task%s",
				    g->count, cn, mn, site,
				    g->sev == LS_SEV_NOTE ? ", taken before recording started?" : "");
	else
		f = ls_findings_add(c->out, LS_FINDING_LOCK_BALANCE, g->sev, "hold-open-at-end",
				    "%" PRIu64 " hold(s) of %s(%s) taken at %s %s", g->count, cn, mn, site,
				    g->sev == LS_SEV_WARNING ? "ended without a release"
							     : "still open at trace end, task inside the lock");
	if (!f)
		return nomem(c);
	f->count = g->count;
	st = set_detail(f, c, g);
	for (size_t i = 0; i < g->n_shown && st == LS_OK; i++)
		st = ls_finding_add_tid(f, g->shown[i].tid);
	if (st == LS_OK && g->first_proof.kind != PROOF_NONE)
		st = ls_finding_add_tid(f, g->first_proof.tid);
	if (st == LS_OK)
		st = ls_finding_add_class(f, g->cls);
	for (size_t i = 0; i < g->n_locks && st == LS_OK; i++)
		st = ls_finding_add_object(f, g->locks[i]);
	for (size_t i = 0; i < g->n_shown && st == LS_OK; i++)
		st = add_instance(f, g, &g->shown[i]);
	if (st == LS_OK && g->first_proof.kind != PROOF_NONE)
		st = add_proof(c, f, g, &g->first_proof);
	if (st != LS_OK)
		return nomem(c);
	/* A hold open at the end lasts to the end of the trace. */
	if (!g->release && c->t_end > f->t_end_ns)
		f->t_end_ns = c->t_end;
	return LS_OK;
}

static int group_cmp(const void *a, const void *b)
{
	const group *x = a, *y = b;

	if (x->release != y->release)
		return x->release ? -1 : 1;
	return (x->first.t_ns > y->first.t_ns) - (x->first.t_ns < y->first.t_ns);
}

ls_status ls_balance_check(ls_store *store, ls_context *cx, ls_findings *out,
			   ls_balance_stats *stats, ls_error *err)
{
	balance_ctx c = { .store = store, .db = ls_store_borrow_db(store), .cx = cx, .out = out,
			  .err = err };
	ls_status status = LS_OK;

	c.t_end = ls_store_meta_int(store, "t_end_ns", 0);
	if (ls_store_meta_int(store, "unmatched_releases", -1) != 0 && (status = scan_releases(&c)) != LS_OK)
		goto end;
	if (ls_store_meta_int(store, "held_at_end", -1) != 0 && (status = scan_holds(&c)) != LS_OK)
		goto end;
	if (c.n_groups > 1)
		qsort(c.groups, c.n_groups, sizeof(*c.groups), group_cmp);
	for (size_t i = 0; i < c.n_groups && status == LS_OK; i++) {
		status = emit(&c, &c.groups[i]);
	}
	/* Sites, not groups: one site can give a warning and a note. */
	for (size_t i = 0; i < c.n_groups; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = c.groups[j].release == c.groups[i].release && c.groups[j].cls == c.groups[i].cls &&
			       c.groups[j].mode == c.groups[i].mode && c.groups[j].ip == c.groups[i].ip;
		if (!seen && c.groups[i].release)
			c.stats.release_sites++;
		else if (!seen)
			c.stats.hold_sites++;
	}
end:
	if (stats)
		*stats = c.stats;
	free(c.groups);
	free(c.exits);
	return status;
}
