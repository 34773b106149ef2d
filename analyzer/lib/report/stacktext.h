/* stacktext.h — a recorded kernel call stack (callstack.h) as reports and the viewer print it:
 * one `symbol+0xoff` per frame, innermost first, without the tracer's own frames.
 *
 * LTTng walks the stack from inside its probe, so a stack starts with LTTng's frames (its
 * modules, `lttng_*`), the tracepoint's iterator (`__traceiter_*`) and lockstep's out-of-line
 * emitter (`__lockstep_*`, patches/): those say nothing about the kernel path and are dropped.
 * Without a symbol map nothing can be told apart and every frame prints, in hex. */
#ifndef LOCKSTEP_STACKTEXT_H
#define LOCKSTEP_STACKTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "callstack.h"
#include "symbols.h"

/* The size of a buffer that holds any one formatted frame. */
#define LS_STACKTEXT_FRAME_MAX 160

/* Index of the first frame that is the kernel's own (0 when syms is NULL; cs->depth when
 * every frame is the tracer's). */
uint32_t ls_stacktext_first_frame(const ls_symbols *syms, const ls_callstack *cs);

/* Frame `i` of cs as `symbol+0xoff [module]` (hex without a symbol) into buf; returns buf. */
const char *ls_stacktext_frame(const ls_symbols *syms, const ls_callstack *cs, uint32_t i, char *buf,
			       size_t size);

/* The kernel's frames, one a line, each line starting with `indent`; the first line starts
 * with `first_prefix` instead when it is not NULL, and "(truncated)" ends a stack the tracer cut.
 * Returns a malloc'd string the caller frees (NULL on allocation failure); "" for an empty
 * stack. */
char *ls_stacktext_lines(const ls_symbols *syms, const ls_callstack *cs, const char *first_prefix,
			 const char *indent);

#endif
