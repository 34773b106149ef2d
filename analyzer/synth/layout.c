/* layout.c — tables behind layout.h. The integer field names come from contract.h; only the
 * sched string members are spelled here, since the contract leaves them out. No I/O. */
#include "layout.h"

#include <string.h>

#define S(n, slot) { n, LS_LAYOUT_STRING, LS_F_COUNT, slot }
#define I(f, t) { NULL, t, f, 0 }

/* Sched tracepoints as lttng-modules defines them, limited to the fields trace-format.md lists. */
static const struct {
	ls_event_type type;
	unsigned count;
	ls_layout_member members[6];
} sched_table[] = {
	{ LS_EV_SCHED_SWITCH, 5,
	  { S("prev_comm", 0), I(LS_F_PREV_TID, LS_LAYOUT_S32), I(LS_F_PREV_STATE, LS_LAYOUT_S64),
	    S("next_comm", 1), I(LS_F_NEXT_TID, LS_LAYOUT_S32) } },
	{ LS_EV_SCHED_WAKING, 3,
	  { S("comm", 0), I(LS_F_TID, LS_LAYOUT_S32), I(LS_F_TARGET_CPU, LS_LAYOUT_S32) } },
	{ LS_EV_SCHED_PROCESS_FORK, 5,
	  { S("parent_comm", 0), I(LS_F_PARENT_TID, LS_LAYOUT_S32), S("child_comm", 1),
	    I(LS_F_CHILD_TID, LS_LAYOUT_S32), I(LS_F_CHILD_PID, LS_LAYOUT_S32) } },
	{ LS_EV_SCHED_PROCESS_EXIT, 2, { S("comm", 0), I(LS_F_TID, LS_LAYOUT_S32) } },
	{ LS_EV_SCHED_PROCESS_FREE, 2, { S("comm", 0), I(LS_F_TID, LS_LAYOUT_S32) } },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

unsigned ls_layout_members(ls_event_type type, ls_layout_member *out)
{
	unsigned n = 0;

	if (ls_event_is_lockstep(type)) {
		/* lockstep events: every field the contract gives the event, unsigned 64-bit. */
		for (unsigned f = 0; f < LS_F_COUNT; f++) {
			if (!ls_event_has_field(type, (ls_field)f))
				continue;
			out[n].name = ls_field_name((ls_field)f);
			out[n].type = LS_LAYOUT_U64;
			out[n].field = (ls_field)f;
			out[n].str = 0;
			n++;
		}
		return n;
	}
	for (unsigned i = 0; i < N(sched_table); i++) {
		if (sched_table[i].type != type)
			continue;
		for (unsigned m = 0; m < sched_table[i].count; m++) {
			out[n] = sched_table[i].members[m];
			if (out[n].type != LS_LAYOUT_STRING)
				out[n].name = ls_field_name(out[n].field);
			n++;
		}
	}
	return n;
}

int ls_layout_string_slot(ls_event_type type, const char *name)
{
	for (unsigned i = 0; i < N(sched_table); i++) {
		if (sched_table[i].type != type)
			continue;
		for (unsigned m = 0; m < sched_table[i].count; m++) {
			const ls_layout_member *mb = &sched_table[i].members[m];
			if (mb->type == LS_LAYOUT_STRING && strcmp(mb->name, name) == 0)
				return (int)mb->str;
		}
	}
	return -1;
}

bool ls_layout_is_address(ls_field field)
{
	switch (field) {
	case LS_F_LOCK: case LS_F_OBJ: case LS_F_MM: case LS_F_VMA: case LS_F_ADDR:
	case LS_F_START: case LS_F_END: case LS_F_IP:
		return true;
	default:
		return false;
	}
}
