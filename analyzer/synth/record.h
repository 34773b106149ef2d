/* record.h — what a producer (the scenario file, the workload generator) hands the CTF writer:
 * one record per event or discarded-events report, already in time order, plus a schema saying
 * up front which streams and event classes the trace needs.
 *
 * Types only. Producers own every pointer inside a record; it must stay valid until the next
 * call of the producer's `next` function. */
#ifndef LOCKSTEP_SYNTH_RECORD_H
#define LOCKSTEP_SYNTH_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "contract.h"
#include "error.h"
#include "layout.h"

/* LTTng's own limit on a kernel call stack (lttng-context-callstack). */
#define LS_RECORD_STACK_MAX 128

typedef enum {
	LS_RECORD_EVENT,
	LS_RECORD_DISCARDED, /* `count` events lost on `cpu`'s stream just before `t` */
} ls_record_kind;

/* A foreign (non-contract) event's field value: `s` non-NULL means a string member. */
typedef struct {
	const char *s;
	uint64_t u;
} ls_record_value;

typedef struct {
	ls_record_kind kind;
	uint64_t t;       /* ns */
	uint32_t cpu;
	/* LS_RECORD_EVENT only: */
	int32_t tid, pid;
	const char *procname;
	ls_event_type type;                      /* LS_EV_UNKNOWN for a foreign event */
	unsigned foreign;                        /* schema.foreign index when foreign */
	uint64_t u[LS_F_COUNT];                  /* integer fields; signed ones as two's complement */
	const char *str[LS_LAYOUT_MAX_STRINGS];  /* sched string members; NULL writes "" */
	const ls_record_value *values;           /* foreign: one per field of its class */
	const uint64_t *stack;                   /* callstack_kernel frames, innermost first */
	uint32_t n_stack;                        /* 0: none (an empty sequence when the schema has
						  * callstacks) */
	/* LS_RECORD_DISCARDED only: */
	uint64_t count;
} ls_record;

typedef struct {
	const char *name;
	unsigned n_fields;
	const char *const *field_names;
	const bool *is_string; /* per field: string member, else unsigned 64-bit */
} ls_record_foreign_class;

typedef struct {
	bool events[LS_EV_FIRST_FOREIGN]; /* contract events that need an event class */
	const uint32_t *cpus;             /* one stream per entry, ascending, distinct */
	unsigned n_cpus;
	const ls_record_foreign_class *foreign;
	unsigned n_foreign;
	bool enums; /* enumeration fields as CTF enumerations */
	bool callstacks; /* every event gets LTTng's callstack_kernel context (a sequence) */
} ls_record_schema;

/* Fills *rec with the next record, or sets *done (rec untouched) after the last one. Records
 * must come in non-decreasing `t`. Returns a status; on failure err says why. */
typedef ls_status (*ls_record_next_fn)(void *data, ls_record *rec, bool *done, ls_error *err);

#endif
