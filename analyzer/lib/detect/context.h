/* context.h — what every detector needs to word a finding the same way: the trace's time base
 * (times relative to its first event unless absolute ones were asked for), task names, call
 * site names, and the machine that recorded it (an emulated CPU makes timings suspect).
 *
 * It reads `meta` and `tasks` of the store and nothing else; it decides nothing. */
#ifndef LOCKSTEP_CONTEXT_H
#define LOCKSTEP_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"
#include "symbols.h"
#include "timebase.h"

typedef struct ls_context ls_context;

/* A context over `store` (borrowed, must outlive it). `symbols` is borrowed and may be NULL
 * (hex call sites). *out is owned by the caller: ls_context_close(). */
ls_status ls_context_open(ls_store *store, const ls_symbols *symbols, bool absolute_time,
			  ls_context **out, ls_error *err);
void ls_context_close(ls_context *cx);

/* Borrowed from the context. */
const ls_timebase *ls_context_timebase(const ls_context *cx);
/* meta.machine, "" when the trace has none. */
const char *ls_context_machine(const ls_context *cx);
/* True when the machine line says accel=tcg. */
bool ls_context_emulated(const ls_context *cx);

/* A trace time as the reports print it ("+12.345 ms"); returns buf (LS_TIME_BUF bytes). */
const char *ls_context_time(const ls_context *cx, int64_t t, char *buf, size_t size);
/* The task's comm ("" when unknown); returns buf. */
const char *ls_context_comm(ls_context *cx, int64_t tid, char *buf, size_t size);
/* "135 (oom_mrelease)", or "135" when the comm is unknown; returns buf. */
const char *ls_context_task(ls_context *cx, int64_t tid, char *buf, size_t size);
/* A call site as `symbol+0xoff` (hex without a map); returns buf. */
const char *ls_context_site(const ls_context *cx, uint64_t ip, char *buf, size_t size);

/* The sentence timing rules append when the trace came from an emulated machine. */
#define LS_EMULATED_TIMING_NOTE                                                                  \
	"The trace was recorded on an emulated CPU (TCG): a vCPU the host did not run for a while " \
	"looks like a 30–110 ms on-CPU spin or wait, so read this timing with care."

#endif
