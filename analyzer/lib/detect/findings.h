/* findings.h — the finding model every detector fills and every report writer reads, and its
 * three database tables (`findings`, `finding_evidence`, `finding_instances`, docs/schema.md).
 *
 * A finding is one verdict about the trace (a lock-order cycle, a starved writer, a use after
 * free …) with the tasks, lock classes and objects it concerns, the events that show it and,
 * when it folds several, the instances (each with its own tasks and object lifetime).
 * This module only holds and stores them; deciding what is a finding is the detectors' job. */
#ifndef LOCKSTEP_FINDINGS_H
#define LOCKSTEP_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contract.h"
#include "error.h"
#include "store.h"

typedef enum {
	LS_SEV_NOTE = 0,    /* informative: cannot deadlock or corrupt by itself */
	LS_SEV_WARNING = 1, /* a hazard or a protocol breach that did not (yet) go wrong here */
	LS_SEV_ERROR = 2,   /* a deadlock the trace shows possible, or memory used after free */
	LS_SEV_COUNT
} ls_severity;

typedef enum {
	LS_FINDING_LOCK_ORDER = 0,
	LS_FINDING_HIERARCHY,
	LS_FINDING_PROTOCOL,
	LS_FINDING_WRITER_STARVATION,
	LS_FINDING_UAF_WINDOW,
	LS_FINDING_LOCK_BALANCE,
	LS_FINDING_NOTE,
	LS_FINDING_KIND_COUNT
} ls_finding_kind;

/* One event shown as evidence. Fields that do not apply are -1 (cls, mode, event_id) or 0. */
typedef struct {
	int64_t t_ns;
	int64_t tid;
	int64_t event_id;   /* events.id, -1 when the evidence is not a single event */
	int event;          /* ls_event_type, LS_EV_UNKNOWN when not an event */
	uint64_t lock;
	int cls;            /* ls_lock_class or -1 */
	int mode;           /* ls_lock_mode or -1 */
	uint64_t ip;
	uint64_t obj;
	int64_t end_ns;     /* end of the span the row stands for (a hold's release, a phase's
			     * end); LS_NO_TIME when the row is one moment */
	bool trylock;       /* the acquisition was a trylock */
	char *role;         /* short text: "holds", "requests", "freed", "use" …; owned */
} ls_evidence;

#define LS_NO_TIME INT64_MIN

/* One instance folded into a finding (a race: one object lifetime and the tasks of that race
 * only). A finding keeps up to LS_MAX_INSTANCES of them; `count` says how many there were. */
#define LS_MAX_INSTANCES 16
#define LS_INSTANCE_TIDS 4
typedef struct {
	int64_t t_begin_ns, t_end_ns;
	int64_t tids[LS_INSTANCE_TIDS];
	int n_tids;
	uint64_t obj;          /* the object (or lock) of the instance, 0 when none */
	int64_t obj_alloc_ns;  /* its lifetime: when it was allocated, LS_NO_TIME before the trace */
	uint64_t events;       /* events folded into the instance (tables freed …), >= 1 */
} ls_instance;

typedef struct {
	ls_finding_kind kind;
	ls_severity severity;
	char *rule;         /* the precise check that fired ("abba", "trylock-inversion" …); owned */
	char *summary;      /* one sentence; owned */
	char *detail;       /* the rest of the paragraph, may be NULL; owned */
	int64_t t_begin_ns, t_end_ns;
	uint64_t count;     /* occurrences folded into this finding (>= 1) */
	int64_t *tids;      /* distinct, in order of relevance */
	size_t n_tids;
	int *classes;       /* distinct ls_lock_class values, in the finding's natural order */
	size_t n_classes;
	uint64_t *objects;  /* distinct addresses (objects or locks) */
	size_t n_objects;
	ls_evidence *evidence;
	size_t n_evidence;
	ls_instance *instances; /* up to LS_MAX_INSTANCES, first = the one the evidence shows */
	size_t n_instances;
	/* private: capacities */
	size_t cap_tids, cap_classes, cap_objects, cap_evidence, cap_instances;
} ls_finding;

typedef struct ls_findings ls_findings;

/* Names as reports and the database spell them ("lock-order", "error" …). Static storage. */
const char *ls_finding_kind_name(ls_finding_kind kind);
const char *ls_severity_name(ls_severity sev);
/* Parses a severity name; false when unknown. */
bool ls_severity_from_name(const char *name, ls_severity *out);

/* A new empty list; NULL on allocation failure. Free with ls_findings_free(). */
ls_findings *ls_findings_new(void);
void ls_findings_free(ls_findings *list);

/* Appends a finding and returns it (owned by the list, valid until the next _add or _sort);
 * NULL on allocation failure. `summary` is printf-style. */
ls_finding *ls_findings_add(ls_findings *list, ls_finding_kind kind, ls_severity sev,
			    const char *rule, const char *summary_fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Builders on a finding; each returns LS_OK or LS_ERR_NOMEM. Duplicates are ignored for tids,
 * classes and objects. */
ls_status ls_finding_set_detail(ls_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
ls_status ls_finding_add_tid(ls_finding *f, int64_t tid);
ls_status ls_finding_add_class(ls_finding *f, int cls);
ls_status ls_finding_add_object(ls_finding *f, uint64_t addr);
/* Copies `ev` (and its role string); also widens [t_begin_ns, t_end_ns] to ev->t_ns. */
ls_status ls_finding_add_evidence(ls_finding *f, const ls_evidence *ev);
/* Appends an instance (copied) unless LS_MAX_INSTANCES are kept already (then LS_OK, dropped). */
ls_status ls_finding_add_instance(ls_finding *f, const ls_instance *in);
/* An evidence record with every optional field at its "does not apply" value. */
ls_evidence ls_evidence_blank(void);

size_t ls_findings_count(const ls_findings *list);
/* The i-th finding, owned by the list. */
const ls_finding *ls_findings_borrow(const ls_findings *list, size_t i);

/* Sorts by kind, then severity (highest first), then t_begin_ns; each finding's evidence in
 * time order (ties keep the order they were added in). */
void ls_findings_sort(ls_findings *list);

/* Highest severity present; -1 when the list is empty. */
int ls_findings_max_severity(const ls_findings *list);
/* Number of findings at `sev` or above. */
size_t ls_findings_count_at_least(const ls_findings *list, ls_severity sev);

/* Replaces the `findings`, `finding_evidence` and `finding_instances` tables of a writable store with `list`, in
 * one transaction. */
ls_status ls_findings_store(const ls_findings *list, ls_store *store, ls_error *err);

/* Reads the tables back (for the viewer and tests). *out is owned by the caller
 * (ls_findings_free). A store without the tables gives an empty list. */
ls_status ls_findings_load(ls_store *store, ls_findings **out, ls_error *err);

#endif
