/* starvation.c — writers kept waiting on an rwsem or a per-VMA lock, and per-VMA readers that
 * fell back to mmap_lock.
 *
 * Every writer wait (a `waits` row of a write hold) is laid over its lock's holds through the
 * holds(lock_id, requested_ns) index: a reader that asked after the writer and got the lock
 * before it bypassed it — exactly what an rwsem must not allow (a queued writer blocks later
 * readers) and what the per-VMA counter of the seed's patch 41 allowed. Reader fallback comes
 * from two grouped queries.
 *
 * It never prints and never writes the database: findings go to the caller's list. */
#include "starvation.h"

#include "grow.h"
#include "holdrow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHOWN_BYPASS 5 /* bypassing readers listed as evidence */
#define MAX_TIDS 16

typedef ls_hold shold;

typedef struct {
	shold w;
	int64_t wait_ns;
	uint64_t bypasses, readers, refused;
	shold shown[MAX_SHOWN_BYPASS];
	int n_shown;
	int64_t tids[MAX_TIDS];
	int n_tids;
	int severity;
} wait_verdict;

/* Flagged waits folded per (lock class, writer call site). */
typedef struct {
	int cls;
	uint64_t ip;
	uint64_t count;
	uint64_t total_bypasses;
	int64_t locks_seen;
	wait_verdict worst;
} site;

typedef struct {
	ls_store *store;
	sqlite3 *db;
	const ls_starvation_options *opts;
	ls_findings *out;
	ls_error *err;
	int64_t t_end;
	site *sites;
	size_t n_sites, cap_sites;
	ls_starvation_stats stats;
} starve_ctx;


static void add_tid(wait_verdict *v, int64_t tid)
{
	for (int i = 0; i < v->n_tids; i++)
		if (v->tids[i] == tid)
			return;
	if (v->n_tids < MAX_TIDS)
		v->tids[v->n_tids++] = tid;
}

/* Worse first: severity, then bypasses, then wait. */
static bool worse(const wait_verdict *a, const wait_verdict *b)
{
	if (a->severity != b->severity)
		return a->severity > b->severity;
	if (a->bypasses != b->bypasses)
		return a->bypasses > b->bypasses;
	return a->wait_ns > b->wait_ns;
}

static ls_status fold(starve_ctx *c, const wait_verdict *v)
{
	site *s = NULL;

	for (size_t i = 0; i < c->n_sites; i++) {
		if (c->sites[i].cls == v->w.cls && c->sites[i].ip == v->w.req_ip) {
			s = &c->sites[i];
			break;
		}
	}
	if (!s) {
		if (!ls_grow((void **)&c->sites, &c->cap_sites, c->n_sites + 1, sizeof(*c->sites)))
			return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
		s = &c->sites[c->n_sites++];
		memset(s, 0, sizeof(*s));
		s->cls = v->w.cls;
		s->ip = v->w.req_ip;
		s->worst = *v;
	} else if (worse(v, &s->worst)) {
		s->worst = *v;
	}
	s->count++;
	s->total_bypasses += v->bypasses;
	return LS_OK;
}

/* Applies the thresholds to a finished wait and folds it when flagged. */
static ls_status finish_wait(starve_ctx *c, wait_verdict *v)
{
	bool long_wait = v->wait_ns > c->opts->threshold_ns;
	bool many = v->bypasses > c->opts->max_bypass;

	if (!long_wait && !many)
		return LS_OK;
	/* Readers admitted past a waiting writer are the fairness bug itself; a long wait behind
	 * readers that were there first is only slow. */
	v->severity = many || v->bypasses > 0 ? LS_SEV_ERROR : LS_SEV_WARNING;
	c->stats.flagged_waits++;
	return fold(c, v);
}


/* Holds looked at before a writer's request for readers already inside (a bound: readers are
 * short; one that held longer than this many requests is not counted). */
#define READERS_BEFORE 1000

typedef struct {
	sqlite3_stmt *count, *window, *before;
} writer_stmts;

/* One writer wait: its window [request, acquisition or trace end) on the lock's holds
 * (holds(lock_id, requested_ns): a range, no sort). */
static ls_status analyse_wait(starve_ctx *c, writer_stmts *q, const shold *w)
{
	int64_t end = w->acquired ? w->acq : c->t_end;
	wait_verdict v;
	int rc;

	c->stats.writer_waits++;
	if (end < w->req)
		return LS_OK;
	memset(&v, 0, sizeof(v));
	v.w = *w;
	v.wait_ns = end - w->req;
	if (v.wait_ns <= c->opts->threshold_ns) {
		/* Cheap bound first (index only): fewer requests in the window than the bypass
		 * limit cannot be flagged. */
		sqlite3_reset(q->count);
		sqlite3_bind_int64(q->count, 1, w->lock_id);
		sqlite3_bind_int64(q->count, 2, w->req);
		sqlite3_bind_int64(q->count, 3, end);
		if (sqlite3_step(q->count) != SQLITE_ROW)
			goto db_error;
		if ((uint64_t)sqlite3_column_int64(q->count, 0) <= c->opts->max_bypass + 1)
			return LS_OK;
	}
	/* Readers that asked after the writer (a request in the same nanosecond counts as after
	 * when its event came later in the stream) and were let in before it. */
	sqlite3_reset(q->window);
	sqlite3_bind_int64(q->window, 1, w->lock_id);
	sqlite3_bind_int64(q->window, 2, w->req);
	sqlite3_bind_int64(q->window, 3, end);
	while ((rc = sqlite3_step(q->window)) == SQLITE_ROW) {
		shold r;

		if (!ls_hold_read(q->window, &r) || r.mode != LS_MODE_READ || r.child || r.tid == w->tid)
			continue;
		if (r.req == w->req && r.req_event <= w->req_event)
			continue;
		if (r.failed) {
			v.refused++;
			continue;
		}
		if (!r.acquired || r.acq >= end)
			continue;
		v.bypasses++;
		v.readers++;
		add_tid(&v, r.tid);
		if (v.n_shown < MAX_SHOWN_BYPASS)
			v.shown[v.n_shown++] = r;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	if (v.wait_ns <= c->opts->threshold_ns && v.bypasses <= c->opts->max_bypass)
		return LS_OK;
	/* Readers already inside when the writer asked, or queued before it. */
	sqlite3_reset(q->before);
	sqlite3_bind_int64(q->before, 1, w->lock_id);
	sqlite3_bind_int64(q->before, 2, w->req);
	sqlite3_bind_int(q->before, 3, READERS_BEFORE);
	while ((rc = sqlite3_step(q->before)) == SQLITE_ROW) {
		shold r;

		if (ls_hold_read(q->before, &r) && r.mode == LS_MODE_READ && r.acquired &&
		    r.acq < end && r.rel > w->req && r.id != w->id)
			v.readers++;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	return finish_wait(c, &v);
db_error:
	return ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading holds: %s",
			    sqlite3_errmsg(c->db));
}

/* Writer waits are the `waits` rows of write holds: the contended part of an acquisition
 * (reason contended, or the task slept in it; unfinished attempts too). */
static ls_status writer_pass(starve_ctx *c)
{
	sqlite3_stmt *st = NULL;
	writer_stmts q = { NULL, NULL, NULL };
	ls_status status = LS_OK;
	int rc;

	if (sqlite3_prepare_v2(c->db,
			       "SELECT " LS_HOLD_COLUMNS " FROM waits w JOIN holds h ON h.id = w.hold_id"
			       " WHERE w.mode = ?1 AND h.trylock = 0 AND h.parent_id IS NULL"
			       " ORDER BY w.id",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db,
			       "SELECT count(*) FROM holds WHERE lock_id = ?1 AND requested_ns >= ?2"
			       " AND requested_ns < ?3",
			       -1, &q.count, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db,
			       "SELECT " LS_HOLD_COLUMNS " FROM holds h WHERE h.lock_id = ?1"
			       " AND h.requested_ns >= ?2 AND h.requested_ns < ?3"
			       " ORDER BY h.requested_ns",
			       -1, &q.window, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db,
			       "SELECT " LS_HOLD_COLUMNS " FROM holds h WHERE h.lock_id = ?1"
			       " AND h.requested_ns <= ?2 ORDER BY h.requested_ns DESC LIMIT ?3",
			       -1, &q.before, NULL) != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int(st, 1, LS_MODE_WRITE);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		shold w;

		if (!ls_hold_read(st, &w) || w.mode != LS_MODE_WRITE)
			continue;
		status = analyse_wait(c, &q, &w);
		if (status != LS_OK)
			goto end;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading waits: %s",
			      sqlite3_errmsg(c->db));
end:
	sqlite3_finalize(st);
	sqlite3_finalize(q.count);
	sqlite3_finalize(q.window);
	sqlite3_finalize(q.before);
	return status;
}

static ls_status add_ev(ls_finding *f, const shold *h, int64_t t, int event, int64_t event_id,
			const char *role)
{
	ls_evidence ev = ls_evidence_blank();

	ev.t_ns = t;
	ev.tid = h->tid;
	ev.event_id = event_id;
	ev.event = event;
	ev.lock = h->lock;
	ev.cls = h->cls;
	ev.mode = h->mode;
	ev.ip = event == LS_EV_LOCK_ACQUIRE ? h->req_ip : (h->acq_ip ? h->acq_ip : h->req_ip);
	ev.obj = h->obj;
	ev.role = (char *)role;
	return ls_finding_add_evidence(f, &ev);
}

/* The locks the writer held while it waited (the per-VMA case: mmap_lock for write). */
static ls_status writer_context(starve_ctx *c, ls_finding *f, const shold *w, char *held,
				size_t size)
{
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	size_t len = 0;
	int rc;

	held[0] = '\0';
	rc = sqlite3_prepare_v2(c->db,
				"SELECT class, mode, lock, acquired_ns, acquired_ip, request_ip"
				" FROM holds WHERE tid = ?1 AND requested_ns <= ?2"
				" AND acquired_ns IS NOT NULL AND acquired_ns <= ?2"
				" AND (released_ns IS NULL OR released_ns > ?2) AND id != ?3"
				" ORDER BY requested_ns",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int64(st, 1, w->tid);
	sqlite3_bind_int64(st, 2, w->req);
	sqlite3_bind_int64(st, 3, w->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int cls = sqlite3_column_int(st, 0), mode = sqlite3_column_int(st, 1);
		ls_evidence ev = ls_evidence_blank();
		const char *mn = ls_mode_name((uint64_t)mode);

		if (cls < 0 || cls >= LS_CLASS_COUNT)
			continue;
		ev.t_ns = sqlite3_column_int64(st, 3);
		ev.tid = w->tid;
		ev.event = LS_EV_LOCK_ACQUIRED;
		ev.lock = (uint64_t)sqlite3_column_int64(st, 2);
		ev.cls = cls;
		ev.mode = mode;
		ev.ip = (uint64_t)sqlite3_column_int64(st, 4);
		if (!ev.ip)
			ev.ip = (uint64_t)sqlite3_column_int64(st, 5);
		ev.role = "writer holds meanwhile";
		if (ls_finding_add_evidence(f, &ev) != LS_OK || ls_finding_add_class(f, cls) != LS_OK)
			goto nomem;
		if (len < size)
			len += (size_t)snprintf(held + len, size - len, "%s%s (%s)", len ? ", " : "",
						ls_class_label(cls), mn ? mn : "?");
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	goto end;
nomem:
	status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store),
			      "reading the writer's locks: %s", sqlite3_errmsg(c->db));
end:
	sqlite3_finalize(st);
	return status;
}

static ls_status emit_sites(starve_ctx *c)
{
	for (size_t i = 0; i < c->n_sites; i++) {
		site *s = &c->sites[i];
		wait_verdict *v = &s->worst;
		shold *w = &v->w;
		char held[256];
		ls_status st;
		ls_finding *f;

		f = ls_findings_add(c->out, LS_FINDING_WRITER_STARVATION, (ls_severity)v->severity,
				    v->bypasses ? "readers-bypass-writer" : "long-writer-wait",
				    "%s writer %s %.3f ms%s with %" PRIu64 " reader(s) admitted past it",
				    ls_class_label(w->cls), w->acquired ? "waited" : "still waiting after",
				    (double)v->wait_ns / 1e6, w->acquired ? "" : " at trace end",
				    v->bypasses);
		if (!f)
			goto nomem;
		f->count = s->count;
		if (ls_finding_add_class(f, w->cls) != LS_OK || ls_finding_add_tid(f, w->tid) != LS_OK ||
		    ls_finding_add_object(f, w->obj ? w->obj : w->lock) != LS_OK)
			goto nomem;
		if (add_ev(f, w, w->req, LS_EV_LOCK_ACQUIRE, w->req_event, "writer requests") != LS_OK)
			goto nomem;
		st = writer_context(c, f, w, held, sizeof(held));
		if (st != LS_OK)
			return st;
		for (int j = 0; j < v->n_shown; j++)
			if (add_ev(f, &v->shown[j], v->shown[j].acq, LS_EV_LOCK_ACQUIRED, -1,
				   "reader admitted past the waiting writer") != LS_OK)
				goto nomem;
		for (int j = 0; j < v->n_tids; j++)
			if (ls_finding_add_tid(f, v->tids[j]) != LS_OK)
				goto nomem;
		if (w->acquired) {
			if (add_ev(f, w, w->acq, LS_EV_LOCK_ACQUIRED, -1, "writer acquires") != LS_OK)
				goto nomem;
		} else {
			f->t_end_ns = c->t_end;
		}
		st = ls_finding_set_detail(
			f,
			"Task %" PRId64 " asked for %s 0x%" PRIx64 " for write at t=%" PRId64
			" and %s at t=%" PRId64 " (%.3f ms; threshold %.3f ms). Meanwhile %" PRIu64
			" read acquisition(s) requested after it were granted first (limit %" PRIu64
			"), %" PRIu64 " reader(s) held the lock during the wait and %" PRIu64
			" reader(s) were refused.%s%s%s %" PRIu64 " flagged writer wait(s) from this "
			"call site, %" PRIu64 " bypass(es) in all.%s",
			w->tid, ls_class_label(w->cls), w->lock, w->req,
			w->acquired ? "got it" : "was still waiting at trace end",
			w->acquired ? w->acq : c->t_end, (double)v->wait_ns / 1e6,
			(double)c->opts->threshold_ns / 1e6, v->bypasses, c->opts->max_bypass,
			v->readers, v->refused, held[0] ? " The writer held " : "", held,
			held[0] ? " all that time, so every task needing those waited too." : "",
			s->count, s->total_bypasses,
			w->cls == LS_CLASS_VMA_LOCK && v->bypasses
				? " Per-VMA readers must be refused while a writer is pending, or a "
				  "steady stream of faults keeps vma_start_write() waiting."
				: (v->bypasses ? " An rwsem must queue readers behind a waiting writer."
					       : ""));
		if (st != LS_OK)
			goto nomem;
	}
	return LS_OK;
nomem:
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

/* ---- reader fallback ---------------------------------------------------------------------- */

typedef struct {
	uint64_t mm;
	uint64_t attempts, refused;
	uint64_t by_reason[LS_REASON_COUNT + 1]; /* last slot: reasons outside the contract */
	uint64_t lookups[LS_LOOKUP_COUNT + 1];
} mm_fallback;

static mm_fallback *mm_slot(mm_fallback **arr, size_t *n, size_t *cap, uint64_t mm)
{
	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i].mm == mm)
			return &(*arr)[i];
	if (!ls_grow((void **)arr, cap, *n + 1, sizeof(**arr)))
		return NULL;
	mm_fallback *m = &(*arr)[(*n)++];

	memset(m, 0, sizeof(*m));
	m->mm = mm;
	return m;
}

static ls_status fallback(starve_ctx *c)
{
	sqlite3_stmt *st = NULL;
	mm_fallback *mms = NULL;
	size_t n = 0, cap = 0;
	ls_status status = LS_OK;
	int rc;

	rc = sqlite3_prepare_v2(c->db,
				"SELECT h.mm, h.reason, count(*), sum(h.outcome = 'failed')"
				" FROM holds h"
				" WHERE h.class = ?1 AND h.mode = ?2 AND h.parent_id IS NULL"
				" GROUP BY h.mm, h.reason",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int(st, 1, LS_CLASS_VMA_LOCK);
	sqlite3_bind_int(st, 2, LS_MODE_READ);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		mm_fallback *m = mm_slot(&mms, &n, &cap, (uint64_t)sqlite3_column_int64(st, 0));
		int64_t reason = sqlite3_column_int64(st, 1);
		uint64_t failed = (uint64_t)sqlite3_column_int64(st, 3);

		if (!m)
			goto nomem;
		m->attempts += (uint64_t)sqlite3_column_int64(st, 2);
		m->refused += failed;
		m->by_reason[reason >= 0 && reason < LS_REASON_COUNT ? reason : LS_REASON_COUNT] +=
			failed;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	sqlite3_finalize(st);
	st = NULL;
	rc = sqlite3_prepare_v2(c->db,
				"SELECT mm, result, count(*) FROM events WHERE type = ?1"
				" GROUP BY mm, result",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int(st, 1, LS_EV_VMA_LOOKUP);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		mm_fallback *m = mm_slot(&mms, &n, &cap, (uint64_t)sqlite3_column_int64(st, 0));
		int64_t result = sqlite3_column_int64(st, 1);

		if (!m)
			goto nomem;
		m->lookups[result >= 0 && result < LS_LOOKUP_COUNT ? result : LS_LOOKUP_COUNT] +=
			(uint64_t)sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE)
		goto db_error;

	for (size_t i = 0; i < n; i++) {
		const mm_fallback *m = &mms[i];
		uint64_t lookups = 0;
		char reasons[256];
		size_t len = 0;
		ls_finding *f;

		for (int r = 0; r <= LS_LOOKUP_COUNT; r++)
			lookups += m->lookups[r];
		if (!m->refused && !m->lookups[LS_LOOKUP_ABORT])
			continue;
		reasons[0] = '\0';
		for (int r = 0; r <= LS_REASON_COUNT; r++) {
			const char *rn = r < LS_REASON_COUNT ? ls_enum_name(LS_ENUM_REASON, (uint64_t)r)
							    : "other";

			if (m->by_reason[r])
				len += (size_t)snprintf(reasons + len, sizeof(reasons) - len,
							"%s%s %" PRIu64, len ? ", " : "", rn,
							m->by_reason[r]);
		}
		f = ls_findings_add(c->out, LS_FINDING_NOTE, LS_SEV_NOTE, "reader-fallback",
				    "mm 0x%" PRIx64 ": %" PRIu64 " of %" PRIu64
				    " per-VMA read locks refused, %" PRIu64
				    " lookup(s) fell back to mmap_lock",
				    m->mm, m->refused, m->attempts, m->lookups[LS_LOOKUP_ABORT]);
		if (!f)
			goto nomem;
		f->count = m->refused + m->lookups[LS_LOOKUP_ABORT];
		if (ls_finding_add_class(f, LS_CLASS_VMA_LOCK) != LS_OK ||
		    ls_finding_add_class(f, LS_CLASS_MMAP_LOCK) != LS_OK ||
		    ls_finding_add_object(f, m->mm) != LS_OK)
			goto nomem;
		if (ls_finding_set_detail(
			    f,
			    "Refused per-VMA read locks: %.1f%% (%s). lock_vma_under_rcu: %" PRIu64
			    " lookup(s), %" PRIu64 " locked, %" PRIu64 " miss (retry), %" PRIu64
			    " abort (%.1f%%, the fault took mmap_lock for read instead). Refusals are "
			    "the protocol working (a writer marked the VMA, or it was detached); a "
			    "high rate means faults contend with mmap writers.",
			    m->attempts ? 100.0 * (double)m->refused / (double)m->attempts : 0.0,
			    reasons[0] ? reasons : "none", lookups, m->lookups[LS_LOOKUP_LOCKED],
			    m->lookups[LS_LOOKUP_MISS], m->lookups[LS_LOOKUP_ABORT],
			    lookups ? 100.0 * (double)m->lookups[LS_LOOKUP_ABORT] / (double)lookups
				    : 0.0) != LS_OK)
			goto nomem;
	}
	goto end;
nomem:
	status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store),
			      "counting reader fallback: %s", sqlite3_errmsg(c->db));
end:
	sqlite3_finalize(st);
	free(mms);
	return status;
}

ls_status ls_starvation_check(ls_store *store, const ls_starvation_options *opts,
			      ls_findings *out, ls_starvation_stats *stats, ls_error *err)
{
	starve_ctx c;
	ls_status status;

	memset(&c, 0, sizeof(c));
	c.store = store;
	c.db = ls_store_borrow_db(store);
	c.opts = opts;
	c.out = out;
	c.err = err;
	c.t_end = ls_store_meta_int(store, "t_end_ns", 0);
	status = writer_pass(&c);
	if (status == LS_OK)
		status = emit_sites(&c);
	if (status == LS_OK)
		status = fallback(&c);
	if (stats)
		*stats = c.stats;
	free(c.sites);
	return status;
}
