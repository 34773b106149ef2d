/* finding-list.h — the findings of the opened database (tables `findings` and
 * `finding_evidence`, written by `lockstep check` through liblockstep's findings.c) as the
 * viewer shows them: one summary line each, the tasks, classes and objects to highlight, and the
 * evidence events to step through. Reading only; a database without the tables has none. */
#ifndef LSV_FINDING_LIST_H
#define LSV_FINDING_LIST_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef struct {
	int64_t t_ns, tid, event_id;   /* event_id -1 when the evidence is not one event */
	int64_t lock, obj;
	int64_t ip;                    /* call site, 0 when not recorded */
	int64_t seq;                   /* order in the finding as written */
	int cls, mode;                 /* -1 when not applicable */
	char *event, *role;            /* owned, may be NULL */
	int64_t end_ns;                /* end of the span the row stands for; LSV_NO_END for a moment */
	bool trylock;                  /* the row's acquisition was a trylock */
} lsv_evidence;

#define LSV_NO_END INT64_MIN

/* One instance folded into a finding (table finding_instances): its window, its own tasks and
 * the object whose lifetime it is (obj_alloc_ns LSV_NO_END: allocated before the trace). */
typedef struct {
	int64_t t_begin, t_end, obj, obj_alloc_ns, events;
	GArray *tids;                  /* int64_t */
} lsv_instance;

typedef struct {
	int64_t id;
	char *kind, *rule, *severity, *summary, *detail; /* owned; detail may be NULL */
	int64_t t_begin, t_end, count;
	bool has_window;               /* false: neither a stored window nor evidence times */
	/* The band the timeline highlights: for a wait (starvation) finding from the waiter's
	 * request to the end, not from an outer lock it took earlier; else the window. */
	int64_t band_begin, band_end;
	bool is_wait;                  /* a wait (starvation) finding */
	GArray *tids;                  /* int64_t */
	GArray *objects;               /* int64_t addresses (objects or locks) */
	unsigned class_mask;           /* bit per lock class */
	GArray *evidence;              /* lsv_evidence, in time order (ties: as written) */
	int64_t waiter;                /* the first of `tids` (the waiter, for a wait finding); -1 when none */
	GArray *instances;             /* lsv_instance in seq order; empty when the finding folds none */
} lsv_finding;

/* Reads every finding (ordered by severity, highest first, then time). *present tells whether
 * the tables exist (false: the database was never checked). Returns a GPtrArray of lsv_finding*
 * that frees its elements. A read that fails (a damaged file) sets err (status not LS_OK, no
 * file name: the caller knows it); what was read before it is returned. */
GPtrArray *lsv_findings_read(sqlite3 *db, bool *present, ls_error *err);

/* Whether evidence row `e` of a wait finding is one of its blockers: a task other than the
 * waiter holding the lock during the wait (role "holder…", docs/schema.md), its first hold
 * [t_ns, end_ns] at its call site ip. */
bool lsv_evidence_is_blocker(const lsv_finding *f, const lsv_evidence *e);

/* The time range to show for a finding in a trace [trace_begin, trace_end]: from the band's
 * start (the wait, for a wait finding) to its last evidence, padded, never before the trace
 * start nor after its end. Evidence before the band (holds the waiter kept across its wait)
 * is drawn as holds crossing the left edge. */
void lsv_finding_frame(const lsv_finding *f, int64_t trace_begin, int64_t trace_end, int64_t *a, int64_t *b);

/* Whether the finding involves task tid / address addr (object, lock or evidence lock). A
 * finding with evidence involves the tasks of its evidence only: the `tids` column merges every
 * instance of a rule (an mm address reused by several victims), and highlighting those would
 * mark tasks that do nothing in the window (issue 15). */
bool lsv_finding_has_tid(const lsv_finding *f, int64_t tid);
bool lsv_finding_has_addr(const lsv_finding *f, int64_t addr);

#endif
