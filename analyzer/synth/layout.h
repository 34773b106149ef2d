/* layout.h — how each contract event's payload is laid out in a CTF trace: member order and
 * integer width/signedness as the LTTng kernel tracer writes them, and the sched events' string
 * members (`*_comm`), which contract.h does not name because the analyzer never decodes them.
 *
 * Pure data, shared by the scenario parser (to validate field names) and the CTF writer (to
 * build the event classes). It must not decide anything about values. */
#ifndef LOCKSTEP_SYNTH_LAYOUT_H
#define LOCKSTEP_SYNTH_LAYOUT_H

#include "contract.h"

#define LS_LAYOUT_MAX_MEMBERS 16
#define LS_LAYOUT_MAX_STRINGS 2 /* sched_switch: prev_comm + next_comm */

typedef enum {
	LS_LAYOUT_U64,
	LS_LAYOUT_S32,
	LS_LAYOUT_S64,
	LS_LAYOUT_STRING,
} ls_layout_type;

typedef struct {
	const char *name;    /* static storage */
	ls_layout_type type;
	ls_field field;      /* the integer field, or LS_F_COUNT for a string member */
	unsigned str;        /* string slot (0..LS_LAYOUT_MAX_STRINGS-1) of a string member */
} ls_layout_member;

/* Fills out[] with the payload members of contract event `type` in writing order; returns how
 * many (0 for LS_EV_UNKNOWN and foreign ids). out must hold LS_LAYOUT_MAX_MEMBERS entries. */
unsigned ls_layout_members(ls_event_type type, ls_layout_member *out);

/* The string slot of member `name` of contract event `type`, or -1 when `name` is not one of
 * its string members. */
int ls_layout_string_slot(ls_event_type type, const char *name);

/* Whether an integer field is a kernel address, shown in hex (CTF `base = 16`). */
bool ls_layout_is_address(ls_field field);

#endif
