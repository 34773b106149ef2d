/* fleetdb.h — the fleet database: one SQLite file of trace summaries (summary.h), keyed by the
 * traces' content hashes (docs/fleet.md, "The fleet database").
 *
 * Adding is a set union: a trace already there (same content hash) changes nothing, whatever
 * path it comes from, except that a trace is labelled by the smallest path it was ever added
 * from — so the database is the same whatever the order of the adds, and two fleet databases
 * merge into the one their traces would have built. Each add is one transaction: a failed add
 * leaves the database as it was. Several processes may add at once (SQLite serialises them). */
#ifndef LOCKSTEP_FLEETDB_H
#define LOCKSTEP_FLEETDB_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "summary.h"

#define LS_FLEET_FORMAT_VERSION 1

typedef struct ls_fleet ls_fleet;

typedef enum {
	LS_FLEET_ADDED,     /* a new trace */
	LS_FLEET_UNCHANGED, /* already there under this label or a smaller one */
	LS_FLEET_RELABELLED /* already there; now labelled by this smaller path */
} ls_fleet_add_result;

/* True when `path` is a fleet database (an SQLite file with the fleet schema). */
bool ls_fleet_is_fleet_db(const char *path);

/* Opens the fleet database at `path`; with `create`, a missing file is created empty. Refuses
 * (LS_ERR_INPUT, naming the file) what is not a fleet database of this format version. *out is
 * owned by the caller (ls_fleet_close). */
ls_status ls_fleet_open(const char *path, bool create, ls_fleet **out, ls_error *err);

void ls_fleet_close(ls_fleet *fleet);

/* Whether a trace of content hash `hash` is in the fleet; when it is and `name` is not NULL,
 * its label is copied there. */
ls_status ls_fleet_lookup(ls_fleet *fleet, const char *hash, bool *found, char *name, size_t size,
			  ls_error *err);

/* Adds `s` (see the union rule above). `result` may be NULL. */
ls_status ls_fleet_add(ls_fleet *fleet, const ls_trace_summary *s, ls_fleet_add_result *result,
		       ls_error *err);

/* Adds every trace of the fleet database at `other` (the merge of two fleets). `added`,
 * `unchanged` and `relabelled` count the outcomes and may be NULL. */
ls_status ls_fleet_merge(ls_fleet *fleet, const char *other, size_t *added, size_t *unchanged,
			 size_t *relabelled, ls_error *err);

/* Reads every summary back. *out (an array of *n summaries) is owned by the caller: free each
 * with ls_summary_free(), then the array with free(). */
ls_status ls_fleet_load(ls_fleet *fleet, ls_trace_summary ***out, size_t *n, ls_error *err);

/* Number of traces. */
ls_status ls_fleet_count(ls_fleet *fleet, size_t *n, ls_error *err);

const char *ls_fleet_path(const ls_fleet *fleet);

#endif
