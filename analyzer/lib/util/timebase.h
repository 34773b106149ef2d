/* timebase.h — how reports print a trace time: relative to the trace's first event ("+12.345
 * ms", the viewer's form) or, on request, as the trace clock's absolute nanoseconds.
 *
 * Formatting only; it knows nothing about stores or findings. */
#ifndef LOCKSTEP_TIMEBASE_H
#define LOCKSTEP_TIMEBASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	int64_t t0;    /* the trace's first event (meta.t_begin_ns) */
	bool absolute; /* print trace-clock nanoseconds instead of +offsets */
} ls_timebase;

/* Large enough for any time or duration this module writes. */
#define LS_TIME_BUF 40

/* Writes `t` as "+12.345 ms" (relative: ns or µs below a millisecond, else ms with 3 decimals)
 * or "1795659698138631113 ns" (absolute) into buf; returns buf. tb may be NULL: relative to 0. */
const char *ls_time_format(const ls_timebase *tb, int64_t t, char *buf, size_t size);

/* Writes a duration as "830 ns", "2.400 µs", "12.058 ms" or "1.2345 s"; returns buf. */
const char *ls_duration_format(int64_t ns, char *buf, size_t size);

/* The value JSON reports give for `t`: nanoseconds relative to t0, or absolute. */
int64_t ls_time_value(const ls_timebase *tb, int64_t t);

#endif
