/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-probe-lockstep.c — LTTng probe for the lockstep tracepoints of a
 * kernel patched with lockstep's patches/ series.
 *
 * It only connects the kernel's lockstep_* tracepoints to LTTng's ring
 * buffers; it must not add events or fields of its own: what they are is
 * fixed by docs/trace-format.md.  Built like lttng-modules' own probes
 * (lttng-probe-kmem.c is the model): either out of tree against an
 * lttng-modules source tree (see Makefile) or dropped into its src/probes/.
 */
#include <linux/module.h>
#include <lttng/tracer.h>

/*
 * The kernel's declarations first: the compiler then checks that the probe
 * prototypes generated below match the kernel's tracepoints.
 */
#include <trace/events/lockstep.h>

#include <wrapper/tracepoint.h>

/* Create LTTng tracepoint probes. */
#define LTTNG_PACKAGE_BUILD
#define CREATE_TRACE_POINTS
#define TRACE_INCLUDE_PATH instrumentation/events

#include <instrumentation/events/lockstep.h>

MODULE_LICENSE("GPL and additional rights");
MODULE_AUTHOR("lockstep");
MODULE_DESCRIPTION("LTTng probe for the lockstep mm lock tracepoints");
MODULE_VERSION("0.1.0");
