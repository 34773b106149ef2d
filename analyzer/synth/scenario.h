/* scenario.h — scenario files (docs/scenario-format.md) parsed into time-ordered records.
 *
 * The parser checks everything the format promises (known tasks, contract field names, enum
 * labels, numbers) and reports the first problem as "FILE:LINE" + message in ls_error. It does
 * not write traces; ls_scenario_next() hands records to the CTF writer. */
#ifndef LOCKSTEP_SYNTH_SCENARIO_H
#define LOCKSTEP_SYNTH_SCENARIO_H

#include <stddef.h>

#include "error.h"
#include "record.h"

typedef struct ls_scenario ls_scenario;

/* Parses the scenario file at `path`. On LS_OK *out is a new scenario the caller frees with
 * ls_scenario_free(); otherwise *out is NULL and err holds "FILE:LINE" (or FILE) and the problem
 * (LS_ERR_INPUT for malformed content, LS_ERR_IO when the file cannot be read). */
ls_status ls_scenario_load(const char *path, ls_scenario **out, ls_error *err);

void ls_scenario_free(ls_scenario *scn);

/* Streams and event classes the scenario needs (`enums` false). Owned by scn. */
const ls_record_schema *ls_scenario_borrow_schema(const ls_scenario *scn);

/* Number of records (events and discarded lines). */
size_t ls_scenario_count(const ls_scenario *scn);

/* An ls_record_next_fn over the records in time order (stable for equal times); `data` is the
 * ls_scenario. Pointers in *rec are owned by the scenario. */
ls_status ls_scenario_next(void *data, ls_record *rec, bool *done, ls_error *err);

#endif
