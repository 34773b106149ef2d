/* phases.h — lockstep_phase begin/end pairs as `phases` rows, matched per task and phase. */
#ifndef LOCKSTEP_PHASES_H
#define LOCKSTEP_PHASES_H

#include "ctf.h"
#include "error.h"
#include "store.h"

typedef struct ls_phases ls_phases;

/* New matcher writing into `store` (borrowed). NULL on allocation failure. */
ls_phases *ls_phases_new(ls_store *store);
void ls_phases_free(ls_phases *ph);

/* Takes in one event; only lockstep_phase matters. An end without a begin (the phase began
 * before the trace) is written with begin_ns = the trace's first timestamp seen. */
ls_status ls_phases_feed(ls_phases *ph, const ls_event *ev, ls_error *err);

/* Writes phases still open, with end_ns NULL. */
ls_status ls_phases_finish(ls_phases *ph, ls_error *err);

#endif
