/* diff.h — what changed between two traces (`lockstep diff A B`): per lock class and per
 * (class, call site), the lock figures of profile.h side by side; and the findings grouped by
 * what they are (kind, rule, lock classes) as appeared, disappeared, changed count or
 * unchanged. Call sites are matched by name (symbol+offset, from each trace's own symbol map)
 * so two boots with different module addresses still line up; hex when there is no map.
 * Computes only; diffreport.h writes it. */
#ifndef LOCKSTEP_DIFF_H
#define LOCKSTEP_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "findings.h"
#include "profile.h"
#include "symbols.h"

typedef struct {
	int cls;
	char site[160];       /* "" in the per-class rows */
	bool in_a, in_b;      /* the row exists in A / in B (an absent side is all zero) */
	ls_profile_row a, b;
} ls_diff_row;

typedef enum {
	LS_DIFF_APPEARED,    /* in B only */
	LS_DIFF_DISAPPEARED, /* in A only */
	LS_DIFF_CHANGED,     /* in both, with another number of findings or occurrences */
	LS_DIFF_UNCHANGED,
} ls_diff_change;

typedef struct {
	ls_diff_change change;
	ls_finding_kind kind;
	char rule[64];
	char classes[128];        /* class names, comma-separated, in the finding's order */
	ls_severity severity;     /* the highest on either side */
	size_t findings_a, findings_b;
	uint64_t occurrences_a, occurrences_b;
	char summary[512];        /* of the first such finding (B's when it has one) */
} ls_diff_finding;

typedef struct {
	ls_diff_row *classes;      /* by class */
	size_t n_classes;
	ls_diff_row *sites;        /* by class, then site name */
	size_t n_sites;
	ls_diff_finding *findings; /* appeared, disappeared, changed, unchanged; then by kind, rule */
	size_t n_findings;
} ls_diff;

/* Compares trace A (profile, symbol map or NULL, findings) with trace B. *out is owned by the
 * caller (ls_diff_free). */
ls_status ls_diff_compute(const ls_profile *pa, const ls_symbols *sa, const ls_findings *fa,
			  const ls_profile *pb, const ls_symbols *sb, const ls_findings *fb,
			  ls_diff **out, ls_error *err);

void ls_diff_free(ls_diff *d);

/* Static names: "appeared", "disappeared", "changed", "unchanged". */
const char *ls_diff_change_name(ls_diff_change c);

#endif
