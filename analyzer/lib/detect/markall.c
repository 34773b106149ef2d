/* markall.c — the `vma-read-under-take-all-locks` and `vma-read-under-dup-mmap` rules
 * (markall.h): operations that must write-mark every VMA of an mm before they rely on it.
 *
 * One pass per operation. Its phases (few: one per MMU notifier registration, one per fork) are
 * read into memory, sorted by mm and time; the phases of one mm never overlap (the taker holds
 * the mmap write lock throughout). Then the per-VMA read holds of those mms only are read
 * (locks of class vma_lock whose mm has a phase, each lock's holds from holds(lock_id,
 * requested_ns)), and each is matched against its mm's phases by binary search. A read hold of
 * another task that overlaps a phase is legitimate when the taker write-marked the VMA during
 * that phase (or had it marked already): vma_start_write waited for the reader, and the marks'
 * own rule (vma-read-across-write-section) judges readers that overlap the mark. It is flagged
 * when the VMA carries no write mark of the taker at any point of the phase. Must not: judge
 * readers after the phase ends (the locks stay taken until mm_drop_all_locks, which the contract
 * does not mark), nor read any hold when the trace has no phase. */
#include "markall.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"
#include "grow.h"
#include "holdrow.h"

/* An operation that write-marks every VMA of the mm while it runs. */
typedef struct {
	int phase;          /* LS_PHASE_* */
	const char *rule;   /* protocol/<rule> */
	const char *name;   /* as reports name it */
	const char *why;    /* the first sentence of the detail */
} marking_op;

static const marking_op marking_ops[] = {
	{ LS_PHASE_MM_TAKE_ALL_LOCKS, "vma-read-under-take-all-locks", "mm_take_all_locks",
	  "mm_take_all_locks (an MMU notifier registration) must write-mark every VMA of the mm "
	  "before it takes their anon_vma and i_mmap locks, so that no fault under a per-VMA lock "
	  "changes page tables while it holds them all." },
	{ LS_PHASE_FORK_DUP_MMAP, "vma-read-under-dup-mmap", "dup_mmap",
	  "dup_mmap (fork) must write-mark each VMA of the parent before it copies it, so that no "
	  "fault under a per-VMA lock changes the VMA or its page tables while they are copied "
	  "into the child." },
};

typedef struct {
	uint64_t mm;
	int64_t tid, begin, end; /* end = trace end when the phase never ended */
	uint64_t ip;
} take_phase;

/* One reader call site's folded finding. */
typedef struct {
	uint64_t ip;
	uint64_t count;
	ls_hold first;          /* the first flagged read hold */
	take_phase first_phase; /* the phase it ran in */
	ls_instance instances[LS_MAX_INSTANCES];
	size_t n_instances;
} reader_site;

typedef struct {
	ls_store *store;
	sqlite3 *db;
	ls_context *cx;
	ls_findings *out;
	ls_error *err;
	const marking_op *op;
	int64_t t_end;
	take_phase *phases;
	size_t n_phases;
	reader_site *sites;
	size_t n_sites, cap_sites;
	sqlite3_stmt *marked; /* does the taker write-mark this lock during [begin, end]? */
	ls_markall_stats stats;
} markall_ctx;

static ls_status db_error(markall_ctx *c, const char *what)
{
	return ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "%s: %s", what,
			    sqlite3_errmsg(c->db));
}

static ls_status load_phases(markall_ctx *c)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	ls_status status = LS_OK;
	int rc;

	rc = sqlite3_prepare_v2(c->db,
				"SELECT mm, tid, begin_ns, end_ns FROM phases WHERE phase = ?1"
				" AND mm IS NOT NULL ORDER BY mm, begin_ns",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_error(c, "reading marking phases");
	sqlite3_bind_int(st, 1, c->op->phase);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!ls_grow((void **)&c->phases, &cap, c->n_phases + 1, sizeof(*c->phases))) {
			status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
			goto end;
		}
		take_phase *p = &c->phases[c->n_phases++];

		p->mm = (uint64_t)sqlite3_column_int64(st, 0);
		p->tid = sqlite3_column_int64(st, 1);
		p->begin = sqlite3_column_int64(st, 2);
		p->end = sqlite3_column_type(st, 3) == SQLITE_NULL ? c->t_end
								   : sqlite3_column_int64(st, 3);
		p->ip = 0;
	}
	if (rc != SQLITE_DONE)
		status = db_error(c, "reading marking phases");
end:
	sqlite3_finalize(st);
	return status;
}

/* Index of the last phase of `mm` that begins before `t`, or -1. */
static long last_phase_before(const markall_ctx *c, uint64_t mm, int64_t t)
{
	long lo = 0, hi = (long)c->n_phases - 1, found = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		const take_phase *p = &c->phases[mid];

		if (p->mm < mm || (p->mm == mm && p->begin < t)) {
			if (p->mm == mm)
				found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

static ls_status taker_marked(markall_ctx *c, const ls_hold *h, const take_phase *p,
			      bool *marked)
{
	int rc;

	sqlite3_reset(c->marked);
	sqlite3_bind_int64(c->marked, 1, h->lock_id);
	sqlite3_bind_int64(c->marked, 2, p->tid);
	sqlite3_bind_int64(c->marked, 3, p->end);
	sqlite3_bind_int64(c->marked, 4, p->begin);
	sqlite3_bind_int64(c->marked, 5, c->t_end);
	sqlite3_bind_int(c->marked, 6, LS_MODE_WRITE);
	rc = sqlite3_step(c->marked);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(c, "reading VMA write marks");
	*marked = rc == SQLITE_ROW;
	return LS_OK;
}

static ls_status note_reader(markall_ctx *c, const ls_hold *h, const take_phase *p)
{
	reader_site *s = NULL;

	for (size_t i = 0; i < c->n_sites; i++)
		if (c->sites[i].ip == h->acq_ip)
			s = &c->sites[i];
	if (!s) {
		if (!ls_grow((void **)&c->sites, &c->cap_sites, c->n_sites + 1, sizeof(*c->sites)))
			return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
		s = &c->sites[c->n_sites++];
		memset(s, 0, sizeof(*s));
		s->ip = h->acq_ip;
		s->first = *h;
		s->first_phase = *p;
	}
	s->count++;
	if (s->n_instances < LS_MAX_INSTANCES) {
		ls_instance *in = &s->instances[s->n_instances++];
		int64_t rel = h->rel == INT64_MAX ? c->t_end : h->rel;

		memset(in, 0, sizeof(*in));
		in->t_begin_ns = h->acq > p->begin ? h->acq : p->begin;
		in->t_end_ns = rel < p->end ? rel : p->end;
		in->tids[0] = h->tid;
		in->tids[1] = p->tid;
		in->n_tids = 2;
		in->obj = h->obj ? h->obj : h->lock;
		in->obj_alloc_ns = LS_NO_TIME;
		in->events = 1;
	}
	return LS_OK;
}

/* Every read hold of the phases' mms against the phases that overlap it. */
static ls_status reader_pass(markall_ctx *c)
{
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	int rc;

	rc = sqlite3_prepare_v2(c->db,
				"SELECT " LS_HOLD_COLUMNS ", l.mm FROM locks l CROSS JOIN holds h"
				" ON h.lock_id = l.id WHERE l.class = ?1 AND l.mm IN"
				" (SELECT mm FROM phases WHERE phase = ?2) AND h.mode = ?3"
				" AND h.acquired_ns IS NOT NULL ORDER BY l.id, h.requested_ns",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_error(c, "reading VMA holds");
	sqlite3_bind_int(st, 1, LS_CLASS_VMA_LOCK);
	sqlite3_bind_int(st, 2, c->op->phase);
	sqlite3_bind_int(st, 3, LS_MODE_READ);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ls_hold h;
		uint64_t mm = (uint64_t)sqlite3_column_int64(st, 17);
		int64_t rel;

		if (!ls_hold_read(st, &h) || !h.acquired)
			continue;
		rel = h.rel == INT64_MAX ? c->t_end : h.rel;
		/* phases of one mm are disjoint and sorted: walk back from the last one that
		 * began before the reader let go while they still overlap it */
		for (long i = last_phase_before(c, mm, rel); i >= 0; i--) {
			const take_phase *p = &c->phases[i];
			bool marked = false;

			if (p->mm != mm || p->end <= h.acq)
				break;
			if (p->tid == h.tid)
				continue;
			c->stats.readers++;
			status = taker_marked(c, &h, p, &marked);
			if (status != LS_OK)
				goto end;
			if (marked)
				continue;
			c->stats.unmarked++;
			status = note_reader(c, &h, p);
			if (status != LS_OK)
				goto end;
		}
	}
	if (rc != SQLITE_DONE)
		status = db_error(c, "reading VMA holds");
end:
	sqlite3_finalize(st);
	return status;
}

static ls_status add_ev(ls_finding *f, int64_t t, int64_t tid, int event, const ls_hold *h,
			uint64_t ip, int64_t end_ns, const char *role)
{
	ls_evidence ev = ls_evidence_blank();

	ev.t_ns = t;
	ev.tid = tid;
	ev.event = event;
	if (h) {
		ev.lock = h->lock;
		ev.cls = h->cls;
		ev.mode = h->mode;
		ev.obj = h->obj;
		ev.trylock = h->trylock;
	}
	ev.ip = ip;
	ev.end_ns = end_ns;
	ev.role = (char *)role;
	return ls_finding_add_evidence(f, &ev);
}

#define TRY(expr)                                                                               \
	do {                                                                                    \
		if ((expr) != LS_OK)                                                            \
			goto nomem;                                                             \
	} while (0)

static ls_status emit(markall_ctx *c)
{
	for (size_t i = 0; i < c->n_sites; i++) {
		const reader_site *s = &c->sites[i];
		const ls_hold *h = &s->first;
		const take_phase *p = &s->first_phase;
		int64_t rel = h->rel == INT64_MAX ? c->t_end : h->rel;
		char reader[96], taker[96], site[128], t_acq[LS_TIME_BUF], t_rel[LS_TIME_BUF],
			t_begin[LS_TIME_BUF], t_end[LS_TIME_BUF];
		char begins[64], ends[64];
		ls_finding *f;

		snprintf(begins, sizeof(begins), "%s begins", c->op->name);
		snprintf(ends, sizeof(ends), "%s ends", c->op->name);
		ls_context_task(c->cx, h->tid, reader, sizeof(reader));
		ls_context_task(c->cx, p->tid, taker, sizeof(taker));
		ls_context_site(c->cx, h->acq_ip, site, sizeof(site));
		ls_context_time(c->cx, h->acq, t_acq, sizeof(t_acq));
		ls_context_time(c->cx, rel, t_rel, sizeof(t_rel));
		ls_context_time(c->cx, p->begin, t_begin, sizeof(t_begin));
		ls_context_time(c->cx, p->end, t_end, sizeof(t_end));
		f = ls_findings_add(c->out, LS_FINDING_PROTOCOL, LS_SEV_ERROR, c->op->rule,
				    "task %s read-locked VMA 0x%" PRIx64 " at %s while task %s was inside"
				    " %s on its mm without write-marking it",
				    reader, h->obj ? h->obj : h->lock, site, taker, c->op->name);
		if (!f)
			goto nomem;
		f->count = s->count;
		f->t_begin_ns = s->instances[0].t_begin_ns;
		f->t_end_ns = s->instances[0].t_end_ns;
		TRY(ls_finding_add_class(f, LS_CLASS_VMA_LOCK));
		TRY(ls_finding_add_tid(f, h->tid));
		TRY(ls_finding_add_tid(f, p->tid));
		TRY(ls_finding_add_object(f, h->obj ? h->obj : h->lock));
		for (size_t k = 0; k < s->n_instances; k++)
			TRY(ls_finding_add_instance(f, &s->instances[k]));
		/* evidence in time order: the phase and the read hold interleave one way or the other */
		if (p->begin <= h->acq) {
			TRY(add_ev(f, p->begin, p->tid, LS_EV_PHASE, NULL, p->ip, p->end,
				   begins));
			TRY(add_ev(f, h->acq, h->tid, LS_EV_LOCK_ACQUIRED, h, h->acq_ip, rel,
				   "reader acquired vma_lock (read)"));
		} else {
			TRY(add_ev(f, h->acq, h->tid, LS_EV_LOCK_ACQUIRED, h, h->acq_ip, rel,
				   "reader acquired vma_lock (read)"));
			TRY(add_ev(f, p->begin, p->tid, LS_EV_PHASE, NULL, p->ip, p->end,
				   begins));
		}
		if (rel <= p->end) {
			TRY(add_ev(f, rel, h->tid, LS_EV_LOCK_RELEASE, h, h->acq_ip, LS_NO_TIME,
				   "reader released vma_lock (read)"));
			TRY(add_ev(f, p->end, p->tid, LS_EV_PHASE, NULL, p->ip, LS_NO_TIME,
				   ends));
		} else {
			TRY(add_ev(f, p->end, p->tid, LS_EV_PHASE, NULL, p->ip, LS_NO_TIME,
				   ends));
			if (h->rel != INT64_MAX)
				TRY(add_ev(f, rel, h->tid, LS_EV_LOCK_RELEASE, h, h->acq_ip,
					   LS_NO_TIME, "reader released vma_lock (read)"));
		}
		TRY(ls_finding_set_detail(
			f,
			"%s Task %s read-held VMA 0x%" PRIx64 " from %s to %s%s; task %s was inside %s"
			" from %s to %s and never write-marked that VMA. %" PRIu64 " such read hold(s) "
			"from this call site.",
			c->op->why, reader, h->obj ? h->obj : h->lock, t_acq,
			h->rel == INT64_MAX ? "trace end, " : "", t_rel, taker, c->op->name, t_begin,
			t_end, s->count));
	}
	return LS_OK;
nomem:
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

/* One operation's phases against the read holds of their mms. */
static ls_status check_op(ls_store *store, ls_context *cx, ls_findings *out, const marking_op *op,
			  ls_markall_stats *total, ls_error *err)
{
	markall_ctx c = { .store = store, .db = ls_store_borrow_db(store), .cx = cx, .out = out,
			  .err = err, .op = op };
	ls_status status;

	c.t_end = ls_store_meta_int(store, "t_end_ns", 0);
	status = load_phases(&c);
	if (status != LS_OK || c.n_phases == 0)
		goto end;
	c.stats.phases = c.n_phases;
	if (sqlite3_prepare_v2(c.db,
			       "SELECT 1 FROM holds WHERE lock_id = ?1 AND requested_ns <= ?3"
			       " AND tid = ?2 AND mode = ?6"
			       " AND acquired_ns IS NOT NULL AND coalesce(released_ns, ?5) >= ?4"
			       " LIMIT 1",
			       -1, &c.marked, NULL) != SQLITE_OK) {
		status = db_error(&c, "reading VMA write marks");
		goto end;
	}
	status = reader_pass(&c);
	if (status == LS_OK)
		status = emit(&c);
end:
	total->phases += c.stats.phases;
	total->readers += c.stats.readers;
	total->unmarked += c.stats.unmarked;
	sqlite3_finalize(c.marked);
	free(c.phases);
	free(c.sites);
	return status;
}

ls_status ls_markall_check(ls_store *store, ls_context *cx, ls_findings *out,
			   ls_markall_stats *stats, ls_error *err)
{
	ls_markall_stats total = { 0 };
	ls_status status = LS_OK;

	for (size_t i = 0; i < sizeof(marking_ops) / sizeof(marking_ops[0]) && status == LS_OK; i++)
		status = check_op(store, cx, out, &marking_ops[i], &total, err);
	if (stats)
		*stats = total;
	return status;
}
