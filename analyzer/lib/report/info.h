/* info.h — the one-screen summary of a loaded trace: span, tasks, events per type and per lock
 * class, holds, waits, objects, losses. */
#ifndef LOCKSTEP_INFO_H
#define LOCKSTEP_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "contract.h"
#include "error.h"
#include "store.h"

typedef struct {
	char source[1024];
	char tool_version[32];
	char loaded_at[40];
	char machine[1024];   /* meta.machine (machine.h), "" when the trace came without one */
	bool emulated;        /* the machine line says accel=tcg */
	int64_t t_begin_ns, t_end_ns;
	int64_t events, tasks, processes, locks, holds, waits, objects, phases;
	int64_t discarded_events, discarded_packets;
	int64_t callstack_events, callstacks; /* events with a kernel call stack, distinct stacks */
	int64_t class_events[LS_CLASS_COUNT];   /* lock events (acquire/acquired/release/downgrade, marks) per class */
	int64_t class_holds[LS_CLASS_COUNT];
	int64_t class_waits[LS_CLASS_COUNT];
	int64_t class_failed[LS_CLASS_COUNT];
	int n_types;
	struct {
		char name[64];
		int64_t count;
	} types[64]; /* events per type, most frequent first */
} ls_info;

/* Fills *info from the database. */
ls_status ls_info_collect(ls_store *store, ls_info *info, ls_error *err);

#endif
