/* starvation.c — waits kept long on an rwsem, a per-VMA lock or a page-table spinlock, who kept
 * the waiter out, and per-VMA readers that fell back to mmap_lock.
 *
 * Every wait (a `waits` row of a write hold; spinlocks are taken in write mode) is laid over its
 * lock's holds through the holds(lock_id, requested_ns) index. Every other task that held the
 * lock during the wait is a blocker, named in the finding with its call site, its holds and the
 * time it held the lock. What bypassed the waiter depends on the lock: for an rwsem, readers
 * admitted after the writer queued and before it got the lock — what an rwsem must not allow
 * and what the per-VMA counter of the seed's patch 41 allowed; for a spinlock, any acquirer that
 * asked later and got in first (it has no readers).
 *
 * An rwsem writer is queued only once it sleeps: before that it spins on the owner
 * (rwsem_optimistic_spin), not on the wait list, and readers pass it legitimately. So the
 * writer's runs (cpu_runs) give its queue time, its first switch-out inside the wait in a
 * sleeping state. From then on RWSEM_FLAG_WAITERS refuses every trylock reader
 * (RWSEM_READ_FAILED_MASK); a blocking reader may still steal the lock (the reader optimistic
 * lock stealing of rwsem_down_read_slowpath) until the writer, woken after RWSEM_WAIT_TIMEOUT,
 * sets RWSEM_FLAG_HANDOFF. A trace without the writer's runs falls back to its request time.
 * Reader fallback comes from two grouped queries.
 *
 * It never prints and never writes the database: findings go to the caller's list. */
#include "starvation.h"

#include "grow.h"
#include "holdrow.h"
#include "timebase.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BLOCKERS 8  /* tasks named as holding the lock during a wait */
#define MAX_TRACKED 32  /* distinct other tasks followed per wait */

/* How long after a writer queued a blocking reader may still steal the rwsem: the hand-off
 * needs jiffies past waiter.timeout = jiffies + RWSEM_WAIT_TIMEOUT (DIV_ROUND_UP(HZ, 250)), so
 * up to two jiffies at HZ=250 (8 ms), five at HZ=1000 (5 ms). The larger bound; at HZ=100 the
 * window is 10-20 ms and readers stealing in it are wrongly counted. */
#define HANDOFF_NS INT64_C(8000000)

/* sched_switch prev_state of a task switched out while runnable: 0, and TASK_REPORT_MAX (256),
 * which __trace_sched_switch_state() reports for a preemption. */
#define STATE_RUNNABLE 0
#define STATE_PREEMPTED 256

/* What the writer's runs say about when it queued. */
typedef enum {
	QUEUE_ASSUMED, /* no run of the writer in the trace: taken as queued at its request */
	QUEUE_NEVER,   /* it never slept in the wait: it spun on the owner, never queued */
	QUEUE_SEEN,    /* it slept in the wait: queued from its first switch-out */
} queue_kind;

/* One run of a writer task on a CPU (cpu_runs), `blocked` when it ended in a sleeping state. */
typedef struct {
	int64_t tid, begin, end;
	bool blocked;
} wrun;

typedef ls_hold shold;

/* Another task that held the lock at some point of a wait: the blocker. */
typedef struct {
	int64_t tid;
	uint64_t holds;    /* its holds that overlapped the wait */
	uint64_t overtook; /* of those, requested after the waiter and granted before it */
	uint64_t trylocks; /* of those, trylocks */
	int64_t held_ns;   /* time of the wait during which it held the lock */
	unsigned modes;    /* 1 << mode of its holds */
	shold first;       /* its earliest hold that overlapped the wait */
} blocker;

typedef struct {
	shold w;
	int64_t wait_ns;
	uint64_t bypasses; /* rwsem: readers admitted past the writer; spinlock: acquirers that
			    * asked later and got in first */
	uint64_t readers, refused;
	uint64_t allowed;  /* readers that asked after the writer and got in first as an rwsem
			    * allows: before it queued, or (blocking) before the hand-off */
	uint64_t others;   /* tasks beyond MAX_TRACKED */
	queue_kind queue;
	int64_t queue_ns;   /* readers asking from here on are refused by a correct rwsem... */
	int64_t handoff_ns; /* ...and blocking readers from here on */
	blocker blockers[MAX_TRACKED];
	int n_blockers;
	int severity;
} wait_verdict;

/* Flagged waits folded per (lock class, waiter call site). */
typedef struct {
	int cls;
	uint64_t ip;
	uint64_t count;
	uint64_t total_bypasses;
	wait_verdict worst;
} site;

typedef struct {
	ls_store *store;
	sqlite3 *db;
	ls_context *cx;
	const ls_starvation_options *opts;
	ls_findings *out;
	ls_error *err;
	int64_t t_end;
	site *sites;
	size_t n_sites, cap_sites;
	wrun *runs; /* runs of the tasks that waited to write, by tid then time */
	size_t n_runs;
	ls_starvation_stats stats;
} starve_ctx;

/* pte_lock, pmd_lock and page_table_lock are spinlocks: no readers, no queue of modes; what
 * keeps a spinner out is whoever takes the lock before it. */
static bool is_spinlock(int cls)
{
	return cls == LS_CLASS_PTE_LOCK || cls == LS_CLASS_PMD_LOCK || cls == LS_CLASS_PAGE_TABLE_LOCK;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Counts hold `r` of another task against the wait [w->req, end). */
static void add_blocker(wait_verdict *v, const shold *r, int64_t end, bool overtook)
{
	blocker *b = NULL;
	int64_t from = max64(r->acq, v->w.req), to = min64(r->rel, end);

	for (int i = 0; i < v->n_blockers; i++)
		if (v->blockers[i].tid == r->tid) {
			b = &v->blockers[i];
			break;
		}
	if (!b) {
		if (v->n_blockers == MAX_TRACKED) {
			v->others++;
			return;
		}
		b = &v->blockers[v->n_blockers++];
		memset(b, 0, sizeof(*b));
		b->tid = r->tid;
		b->first = *r;
	} else if (r->acq < b->first.acq) {
		b->first = *r;
	}
	b->holds++;
	b->overtook += overtook;
	b->trylocks += r->trylock;
	b->held_ns += to > from ? to - from : 0;
	b->modes |= 1u << r->mode;
}

/* Most time held during the wait first; the first to take it on ties. */
static int blocker_cmp(const void *a, const void *b)
{
	const blocker *x = a, *y = b;

	if (x->held_ns != y->held_ns)
		return x->held_ns > y->held_ns ? -1 : 1;
	return x->first.acq < y->first.acq ? -1 : x->first.acq > y->first.acq;
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
	/* Seen queued (it slept), the writer should have shut readers out: one admitted after
	 * that is the bug however short the wait. Without its runs the queue time is a guess, and
	 * only the thresholds flag. */
	bool refused_rule = !is_spinlock(v->w.cls) && v->queue == QUEUE_SEEN && v->bypasses > 0;

	if (!long_wait && !many && !refused_rule)
		return LS_OK;
	/* Readers admitted past a queued writer are the fairness bug itself; a long wait behind
	 * readers that were there first, or that passed a writer still spinning, is only slow. A
	 * spinlock has no such rule to break in the trace's terms (a request is traced before the
	 * spin starts): a long spin is a warning. */
	if (is_spinlock(v->w.cls))
		v->severity = LS_SEV_WARNING;
	else
		v->severity = many || v->bypasses > 0 ? LS_SEV_ERROR : LS_SEV_WARNING;
	qsort(v->blockers, (size_t)v->n_blockers, sizeof(*v->blockers), blocker_cmp);
	c->stats.flagged_waits++;
	return fold(c, v);
}


/* The runs of every task with a write wait, into memory once (cpu_runs has no tid index, and
 * the writers are few): one scan of the table. */
static ls_status load_runs(starve_ctx *c)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	ls_status status = LS_OK;
	int rc;

	rc = sqlite3_prepare_v2(c->db,
				"SELECT tid, begin_ns, end_ns, end_state FROM cpu_runs"
				" WHERE tid IN (SELECT DISTINCT tid FROM waits WHERE mode = ?1)"
				" ORDER BY tid, begin_ns",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int(st, 1, LS_MODE_WRITE);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		wrun *r;
		int64_t state = sqlite3_column_int64(st, 3);

		if (!ls_grow((void **)&c->runs, &cap, c->n_runs + 1, sizeof(*c->runs))) {
			status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
			goto end;
		}
		r = &c->runs[c->n_runs++];
		r->tid = sqlite3_column_int64(st, 0);
		r->begin = sqlite3_column_int64(st, 1);
		r->end = sqlite3_column_int64(st, 2);
		/* NULL: still running at the end, or the switch out was lost — not known to sleep */
		r->blocked = sqlite3_column_type(st, 3) != SQLITE_NULL && state != STATE_RUNNABLE &&
			     state != STATE_PREEMPTED;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading cpu_runs: %s",
			      sqlite3_errmsg(c->db));
end:
	sqlite3_finalize(st);
	return status;
}

/* The first run of `tid` ending at or after `t` (runs of one task do not overlap, so their ends
 * are in order too); c->n_runs when there is none. */
static size_t first_run(const starve_ctx *c, int64_t tid, int64_t t)
{
	size_t lo = 0, hi = c->n_runs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const wrun *r = &c->runs[mid];

		if (r->tid < tid || (r->tid == tid && r->end < t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool has_runs(const starve_ctx *c, int64_t tid)
{
	size_t i = first_run(c, tid, INT64_MIN);

	return i < c->n_runs && c->runs[i].tid == tid;
}

/* When the writer of wait [w->req, end) queued, and from when on a blocking reader could no
 * longer steal the lock past it (its first time on a CPU HANDOFF_NS after it queued: the
 * hand-off bit is set by the writer itself, when it runs again). */
static void queue_time(const starve_ctx *c, const shold *w, int64_t end, wait_verdict *v)
{
	size_t i;

	if (!has_runs(c, w->tid)) {
		v->queue = QUEUE_ASSUMED;
		v->queue_ns = w->req;
		v->handoff_ns = w->req + HANDOFF_NS;
		return;
	}
	v->queue = QUEUE_NEVER;
	v->queue_ns = v->handoff_ns = end;
	for (i = first_run(c, w->tid, w->req); i < c->n_runs && c->runs[i].tid == w->tid &&
					       c->runs[i].begin < end; i++)
		if (c->runs[i].blocked && c->runs[i].end >= w->req && c->runs[i].end < end) {
			v->queue = QUEUE_SEEN;
			v->queue_ns = c->runs[i].end;
			break;
		}
	if (v->queue != QUEUE_SEEN)
		return;
	for (i = first_run(c, w->tid, v->queue_ns + HANDOFF_NS + 1);
	     i < c->n_runs && c->runs[i].tid == w->tid && c->runs[i].begin < end; i++) {
		v->handoff_ns = max64(c->runs[i].begin, v->queue_ns + HANDOFF_NS);
		break;
	}
	v->handoff_ns = min64(v->handoff_ns, end);
}

/* Holds looked at before a waiter's request for holders already inside (a bound: holds are
 * short; one that held longer than this many requests is not counted). */
#define READERS_BEFORE 1000

typedef struct {
	sqlite3_stmt *count, *window, *before;
} writer_stmts;

/* One wait: its window [request, acquisition or trace end) on the lock's holds
 * (holds(lock_id, requested_ns): a range, no sort). */
static ls_status analyse_wait(starve_ctx *c, writer_stmts *q, const shold *w)
{
	int64_t end = w->acquired ? w->acq : c->t_end;
	bool spin = is_spinlock(w->cls);
	wait_verdict *v = NULL, qv;
	ls_status status = LS_OK;
	int rc;

	c->stats.writer_waits++;
	if (end < w->req)
		return LS_OK;
	memset(&qv, 0, sizeof(qv));
	if (!spin)
		queue_time(c, w, end, &qv);
	if (end - w->req <= c->opts->threshold_ns) {
		/* Cheap bound first (index only): fewer requests in the window than the bypass
		 * limit cannot be flagged — nor, for a writer seen queued, no request at all after
		 * it queued. A writer that never slept has nothing to be bypassed by. */
		bool seen = qv.queue == QUEUE_SEEN;
		uint64_t n;

		if (!spin && qv.queue == QUEUE_NEVER)
			return LS_OK;
		sqlite3_reset(q->count);
		sqlite3_bind_int64(q->count, 1, w->lock_id);
		sqlite3_bind_int64(q->count, 2, seen ? qv.queue_ns : w->req);
		sqlite3_bind_int64(q->count, 3, end);
		if (sqlite3_step(q->count) != SQLITE_ROW)
			goto db_error;
		n = (uint64_t)sqlite3_column_int64(q->count, 0);
		if (seen ? n == 0 : n <= c->opts->max_bypass + 1)
			return LS_OK;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
	*v = qv;
	v->w = *w;
	v->wait_ns = end - w->req;
	/* Holds that asked after the waiter (a request in the same nanosecond counts as after
	 * when its event came later in the stream) and were let in before it. For an rwsem only
	 * those the rwsem should have refused bypass it: a trylock reader asking once the writer
	 * queued, a blocking reader once the hand-off was due. */
	sqlite3_reset(q->window);
	sqlite3_bind_int64(q->window, 1, w->lock_id);
	sqlite3_bind_int64(q->window, 2, w->req);
	sqlite3_bind_int64(q->window, 3, end);
	while ((rc = sqlite3_step(q->window)) == SQLITE_ROW) {
		shold r;
		bool passed;

		if (!ls_hold_read(q->window, &r) || r.child || r.tid == w->tid)
			continue;
		if (r.req == w->req && r.req_event <= w->req_event)
			continue;
		if (r.failed) {
			v->refused += r.mode == LS_MODE_READ;
			continue;
		}
		if (!r.acquired || r.acq >= end)
			continue;
		if (spin) {
			passed = true;
		} else if (r.mode == LS_MODE_READ) {
			passed = r.req >= (r.trylock ? v->queue_ns : v->handoff_ns);
			v->readers++;
			v->allowed += !passed;
		} else {
			passed = false;
		}
		v->bypasses += passed;
		add_blocker(v, &r, end, passed);
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	if (v->wait_ns <= c->opts->threshold_ns && v->bypasses <= c->opts->max_bypass &&
	    !(v->queue == QUEUE_SEEN && v->bypasses > 0 && !spin))
		goto end;
	/* Holders already inside when the waiter asked, or queued before it. */
	sqlite3_reset(q->before);
	sqlite3_bind_int64(q->before, 1, w->lock_id);
	sqlite3_bind_int64(q->before, 2, w->req);
	sqlite3_bind_int(q->before, 3, READERS_BEFORE);
	while ((rc = sqlite3_step(q->before)) == SQLITE_ROW) {
		shold r;

		if (!ls_hold_read(q->before, &r) || r.id == w->id || r.tid == w->tid || r.child ||
		    !r.acquired || r.acq >= end || r.rel <= w->req)
			continue;
		if (r.req == w->req && r.req_event > w->req_event)
			continue; /* counted in the window */
		if (r.mode == LS_MODE_READ && !spin)
			v->readers++;
		add_blocker(v, &r, end, false);
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	status = finish_wait(c, v);
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading holds: %s",
			      sqlite3_errmsg(c->db));
end:
	free(v);
	return status;
}

/* Waits are the `waits` rows of write holds (spinlocks are taken in write mode): the contended
 * part of an acquisition (reason contended, or the task slept in it; unfinished attempts too). */
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
			int64_t end_ns, const char *role)
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
	ev.end_ns = end_ns;
	ev.trylock = h->trylock;
	ev.role = (char *)role;
	return ls_finding_add_evidence(f, &ev);
}

/* The locks the waiter held while it waited (the per-VMA case: mmap_lock for write). */
static ls_status writer_context(starve_ctx *c, ls_finding *f, const shold *w, char *held,
				size_t size)
{
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	size_t len = 0;
	int rc;

	held[0] = '\0';
	rc = sqlite3_prepare_v2(c->db,
				"SELECT class, mode, lock, acquired_ns, acquired_ip, request_ip,"
				" released_ns, trylock"
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
		char role[96];

		if (cls < 0 || cls >= LS_CLASS_COUNT || mode < 0 || mode >= LS_MODE_COUNT)
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
		ev.end_ns = sqlite3_column_type(st, 6) == SQLITE_NULL ? c->t_end
								       : sqlite3_column_int64(st, 6);
		ev.trylock = sqlite3_column_int(st, 7) != 0;
		snprintf(role, sizeof(role), "waiter holds %s (%s) meanwhile", ls_class_label(cls),
			 ls_mode_label(mode));
		ev.role = role;
		if (ls_finding_add_evidence(f, &ev) != LS_OK || ls_finding_add_class(f, cls) != LS_OK)
			goto nomem;
		if (len < size)
			len += (size_t)snprintf(held + len, size - len, "%s%s (%s)", len ? ", " : "",
						ls_class_label(cls), ls_mode_label(mode));
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

/* "read", "write" or "read and write" for a blocker's modes. */
static const char *modes_label(unsigned modes)
{
	if (modes == (1u << LS_MODE_READ))
		return "read";
	if (modes == (1u << LS_MODE_WRITE))
		return "write";
	return "read and write";
}

/* One blocker in words: "task 135 (oom_mrelease) held it for read (taken at SITE +T, 1 hold,
 * 11.774 ms of the wait)". */
static void describe_blocker(starve_ctx *c, const blocker *b, bool spin, char *buf, size_t size)
{
	char task[96], site[256], at[LS_TIME_BUF], held[LS_TIME_BUF], tries[48] = "", over[64] = "";

	ls_context_task(c->cx, b->tid, task, sizeof(task));
	ls_context_site(c->cx, b->first.acq_ip ? b->first.acq_ip : b->first.req_ip, site,
			sizeof(site));
	ls_context_time(c->cx, b->first.acq, at, sizeof(at));
	ls_duration_format(b->held_ns, held, sizeof(held));
	if (b->trylocks)
		snprintf(tries, sizeof(tries), ", %" PRIu64 " by trylock", b->trylocks);
	if (b->overtook)
		snprintf(over, sizeof(over), ", %" PRIu64 " asked after the waiter", b->overtook);
	if (spin)
		snprintf(buf, size,
			 "task %s took it %" PRIu64 " time(s) (first at %s at %s%s%s), holding it %s of "
			 "the wait",
			 task, b->holds, site, at, over, tries, held);
	else
		snprintf(buf, size,
			 "task %s held it for %s (taken at %s at %s; %" PRIu64 " hold(s)%s%s), %s of the "
			 "wait",
			 task, modes_label(b->modes), site, at, b->holds, over, tries, held);
}

/* When the writer queued, in words, and what that made of the readers that got in first. */
static void describe_queue(starve_ctx *c, const wait_verdict *v, char *buf, size_t size)
{
	char at[LS_TIME_BUF], after[LS_TIME_BUF], handoff[LS_TIME_BUF], window[LS_TIME_BUF];

	ls_duration_format(HANDOFF_NS, window, sizeof(window));
	switch (v->queue) {
	case QUEUE_NEVER:
		snprintf(buf, size,
			 "The writer never slept in the wait (on a CPU all along: spinning on the "
			 "owner, or its vCPU stalled): an rwsem lets readers pass a writer that has "
			 "not queued, so the %" PRIu64
			 " reader(s) that asked after it and got in first broke no rule.",
			 v->allowed);
		break;
	case QUEUE_SEEN:
		ls_context_time(c->cx, v->queue_ns, at, sizeof(at));
		ls_duration_format(v->queue_ns - v->w.req, after, sizeof(after));
		if (v->handoff_ns < v->w.req + v->wait_ns)
			ls_context_time(c->cx, v->handoff_ns, handoff, sizeof(handoff));
		else
			snprintf(handoff, sizeof(handoff), "none before it got the lock");
		snprintf(buf, size,
			 "The writer first slept in the wait at %s (%s after asking): queued from "
			 "then, it shuts out trylock readers, and blocking readers once the hand-off is "
			 "due (its first run %s or more after it queued: %s). %" PRIu64
			 " reader(s) that asked after the writer got in first as an rwsem allows "
			 "(before it queued, or blocking before the hand-off).",
			 at, after, window, handoff, v->allowed);
		break;
	case QUEUE_ASSUMED:
	default:
		snprintf(buf, size,
			 "The trace has no sched_switch of the writer: it is taken as queued at its "
			 "request, the hand-off due %s later, so a writer that only spun may be blamed "
			 "for readers an rwsem lets pass. %" PRIu64
			 " blocking reader(s) that asked after it got in first before the hand-off.",
			 window, v->allowed);
		break;
	}
}

static ls_status emit_sites(starve_ctx *c)
{
	for (size_t i = 0; i < c->n_sites; i++) {
		site *s = &c->sites[i];
		wait_verdict *v = &s->worst;
		shold *w = &v->w;
		bool spin = is_spinlock(w->cls);
		int shown = v->n_blockers < MAX_BLOCKERS ? v->n_blockers : MAX_BLOCKERS;
		char held[256], waiter[96], wsite[256], dur[LS_TIME_BUF], treq[LS_TIME_BUF],
			tend[LS_TIME_BUF], thr[LS_TIME_BUF], first[512], holders[2048], more[64] = "";
		size_t hl = 0;
		int64_t end = w->acquired ? w->acq : c->t_end;
		ls_status st;
		ls_finding *f;
		char queue[512] = "";

		ls_context_task(c->cx, w->tid, waiter, sizeof(waiter));
		ls_context_site(c->cx, w->req_ip, wsite, sizeof(wsite));
		ls_duration_format(v->wait_ns, dur, sizeof(dur));
		ls_context_time(c->cx, w->req, treq, sizeof(treq));
		ls_context_time(c->cx, end, tend, sizeof(tend));
		ls_duration_format(c->opts->threshold_ns, thr, sizeof(thr));
		if (shown)
			describe_blocker(c, &v->blockers[0], spin, first, sizeof(first));
		else
			snprintf(first, sizeof(first), "no other task held it during the wait");
		if (v->n_blockers > 1 || v->others)
			snprintf(more, sizeof(more), "; %" PRIu64 " other task(s) too",
				 (uint64_t)(v->n_blockers - 1) + v->others);
		holders[0] = '\0';
		for (int j = 0; j < shown; j++) {
			char one[512];

			describe_blocker(c, &v->blockers[j], spin, one, sizeof(one));
			if (hl < sizeof(holders))
				hl += (size_t)snprintf(holders + hl, sizeof(holders) - hl, "%s%s",
						       j ? "; " : "", one);
		}
		if (!spin)
			describe_queue(c, v, queue, sizeof(queue));
		if (spin)
			f = ls_findings_add(c->out, LS_FINDING_WRITER_STARVATION,
					    (ls_severity)v->severity, "long-spin-wait",
					    "task %s %s %s for %s at %s: %s%s", waiter,
					    w->acquired ? "spun" : "was still spinning after", dur,
					    ls_class_label(w->cls), wsite, first, more);
		else
			f = ls_findings_add(c->out, LS_FINDING_WRITER_STARVATION,
					    (ls_severity)v->severity,
					    v->bypasses ? "readers-bypass-writer" : "long-writer-wait",
					    "task %s %s %s for %s (write) at %s: %s%s; %" PRIu64
					    " reader(s) admitted past it",
					    waiter, w->acquired ? "waited" : "was still waiting after", dur,
					    ls_class_label(w->cls), wsite, first, more, v->bypasses);
		if (!f)
			goto nomem;
		f->count = s->count;
		if (ls_finding_add_class(f, w->cls) != LS_OK || ls_finding_add_tid(f, w->tid) != LS_OK ||
		    ls_finding_add_object(f, w->obj ? w->obj : w->lock) != LS_OK)
			goto nomem;
		if (add_ev(f, w, w->req, LS_EV_LOCK_ACQUIRE, w->req_event, end,
			   spin ? "waiter requests" : "writer requests") != LS_OK)
			goto nomem;
		st = writer_context(c, f, w, held, sizeof(held));
		if (st != LS_OK)
			return st;
		for (int j = 0; j < shown; j++) {
			const blocker *b = &v->blockers[j];
			char role[320], hd[LS_TIME_BUF];

			char over[128] = "", tries[48] = "";

			ls_duration_format(b->held_ns, hd, sizeof(hd));
			if (b->overtook)
				snprintf(over, sizeof(over), ", %s %" PRIu64 " time(s) after the waiter asked",
					 spin ? "got in first" : "admitted past the waiting writer",
					 b->overtook);
			if (b->trylocks)
				snprintf(tries, sizeof(tries), ", %" PRIu64 " by trylock", b->trylocks);
			snprintf(role, sizeof(role), "holder%s: %" PRIu64 " hold(s) during the wait, %s of it%s",
				 over, b->holds, hd, tries);
			if (add_ev(f, &b->first, b->first.acq, LS_EV_LOCK_ACQUIRED, -1,
				   b->first.rel == INT64_MAX ? c->t_end : b->first.rel, role) != LS_OK ||
			    ls_finding_add_tid(f, b->tid) != LS_OK)
				goto nomem;
		}
		if (w->acquired &&
		    add_ev(f, w, w->acq, LS_EV_LOCK_ACQUIRED, -1, LS_NO_TIME,
			   spin ? "waiter acquires" : "writer acquires") != LS_OK)
			goto nomem;
		/* The finding is the wait, not the locks the waiter took before it. */
		f->t_begin_ns = w->req;
		f->t_end_ns = end;
		if (spin)
			st = ls_finding_set_detail(
				f,
				"Task %s asked for %s 0x%" PRIx64 " at %s at %s and %s at %s (%s; threshold "
				"%s). Who had it meanwhile: %s%s. %" PRIu64
				" acquisition(s) by other tasks asked after it and got in first (limit %" PRIu64
				").%s%s%s "
				"%" PRIu64 " flagged wait(s) from this call site.%s%s",
				waiter, ls_class_label(w->cls), w->lock, wsite, treq,
				w->acquired ? "got it" : "was still spinning at trace end", tend, dur,
				thr, shown ? holders : "no other task", more, v->bypasses, c->opts->max_bypass,
				held[0] ? " The waiter held " : "", held,
				held[0] ? " all that time, so every task needing those waited too." : "",
				s->count, ls_context_emulated(c->cx) ? " " : "",
				ls_context_emulated(c->cx) ? LS_EMULATED_TIMING_NOTE : "");
		else
			st = ls_finding_set_detail(
				f,
				"Task %s asked for %s 0x%" PRIx64 " for write at %s at %s and %s at %s (%s; "
				"threshold %s). Who held it meanwhile: %s%s. %s %" PRIu64
				" read acquisition(s) were granted first that a correct rwsem refuses "
				"(limit %" PRIu64 "), %" PRIu64 " reader(s) held the lock during the wait "
				"and %" PRIu64 " reader(s) were refused.%s%s%s %" PRIu64
				" flagged writer wait(s) from this call site, %" PRIu64
				" bypass(es) in all.%s%s%s",
				waiter, ls_class_label(w->cls), w->lock, wsite, treq,
				w->acquired ? "got it" : "was still waiting at trace end", tend, dur, thr,
				shown ? holders : "no other task", more, queue, v->bypasses,
				c->opts->max_bypass, v->readers, v->refused,
				held[0] ? " The writer held " : "", held,
				held[0] ? " all that time, so every task needing those waited too." : "",
				s->count, s->total_bypasses,
				w->cls == LS_CLASS_VMA_LOCK && v->bypasses
					? " Per-VMA readers must be refused while a writer is pending, or a "
					  "steady stream of faults keeps vma_start_write() waiting."
					: (v->bypasses ? " An rwsem must queue readers behind a waiting "
							 "writer."
						       : ""),
				ls_context_emulated(c->cx) ? " " : "",
				ls_context_emulated(c->cx) ? LS_EMULATED_TIMING_NOTE : "");
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

ls_status ls_starvation_check(ls_store *store, ls_context *cx, const ls_starvation_options *opts,
			      ls_findings *out, ls_starvation_stats *stats, ls_error *err)
{
	starve_ctx c;
	ls_status status;

	memset(&c, 0, sizeof(c));
	c.store = store;
	c.db = ls_store_borrow_db(store);
	c.cx = cx;
	c.opts = opts;
	c.out = out;
	c.err = err;
	c.t_end = ls_store_meta_int(store, "t_end_ns", 0);
	status = load_runs(&c);
	if (status == LS_OK)
		status = writer_pass(&c);
	if (status == LS_OK)
		status = emit_sites(&c);
	if (status == LS_OK)
		status = fallback(&c);
	if (stats)
		*stats = c.stats;
	free(c.sites);
	free(c.runs);
	return status;
}
