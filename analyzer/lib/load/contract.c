/* contract.c — tables behind contract.h. Plain data and lookups; no I/O. */
#include "contract.h"

#include <string.h>

#define F(x) (1ull << (x))

static const struct {
	ls_event_type type;
	const char *name;
	uint64_t fields;
} event_table[] = {
	{ LS_EV_LOCK_ACQUIRE, "lockstep_lock_acquire",
	  F(LS_F_LOCK) | F(LS_F_CLASS) | F(LS_F_MODE) | F(LS_F_TRYLOCK) | F(LS_F_OBJ) | F(LS_F_MM) |
		  F(LS_F_IP) },
	{ LS_EV_LOCK_ACQUIRED, "lockstep_lock_acquired",
	  F(LS_F_LOCK) | F(LS_F_CLASS) | F(LS_F_MODE) | F(LS_F_SUCCESS) | F(LS_F_REASON) | F(LS_F_IP) },
	{ LS_EV_LOCK_RELEASE, "lockstep_lock_release",
	  F(LS_F_LOCK) | F(LS_F_CLASS) | F(LS_F_MODE) | F(LS_F_IP) },
	{ LS_EV_LOCK_DOWNGRADE, "lockstep_lock_downgrade", F(LS_F_LOCK) | F(LS_F_CLASS) | F(LS_F_IP) },
	{ LS_EV_VMA_WRITE_MARK, "lockstep_vma_write_mark",
	  F(LS_F_VMA) | F(LS_F_MM) | F(LS_F_SEQ) | F(LS_F_IP) },
	{ LS_EV_VMA_UNLOCK_ALL, "lockstep_vma_unlock_all", F(LS_F_MM) | F(LS_F_SEQ) | F(LS_F_IP) },
	{ LS_EV_OBJ_ALLOC, "lockstep_obj_alloc",
	  F(LS_F_OBJ) | F(LS_F_KIND) | F(LS_F_MM) | F(LS_F_START) | F(LS_F_END) | F(LS_F_IP) },
	{ LS_EV_OBJ_DETACH, "lockstep_obj_detach", F(LS_F_OBJ) | F(LS_F_KIND) | F(LS_F_MM) | F(LS_F_IP) },
	{ LS_EV_OBJ_FREE, "lockstep_obj_free",
	  F(LS_F_OBJ) | F(LS_F_KIND) | F(LS_F_MM) | F(LS_F_DEFERRED) | F(LS_F_IP) },
	{ LS_EV_OBJ_FREE_DONE, "lockstep_obj_free_done", F(LS_F_OBJ) | F(LS_F_KIND) },
	{ LS_EV_VMA_LOOKUP, "lockstep_vma_lookup",
	  F(LS_F_MM) | F(LS_F_ADDR) | F(LS_F_VMA) | F(LS_F_RESULT) | F(LS_F_IP) },
	{ LS_EV_PHASE, "lockstep_phase", F(LS_F_NAME) | F(LS_F_BEGIN) | F(LS_F_MM) | F(LS_F_IP) },
	{ LS_EV_SCHED_SWITCH, "sched_switch", F(LS_F_PREV_TID) | F(LS_F_PREV_STATE) | F(LS_F_NEXT_TID) },
	{ LS_EV_SCHED_WAKING, "sched_waking", F(LS_F_TID) | F(LS_F_TARGET_CPU) },
	{ LS_EV_SCHED_PROCESS_FORK, "sched_process_fork",
	  F(LS_F_PARENT_TID) | F(LS_F_CHILD_TID) | F(LS_F_CHILD_PID) },
	{ LS_EV_SCHED_PROCESS_EXIT, "sched_process_exit", F(LS_F_TID) },
	{ LS_EV_SCHED_PROCESS_FREE, "sched_process_free", F(LS_F_TID) },
};

static const char *const field_names[LS_F_COUNT] = {
	[LS_F_LOCK] = "lock",         [LS_F_CLASS] = "class",         [LS_F_MODE] = "mode",
	[LS_F_TRYLOCK] = "trylock",   [LS_F_SUCCESS] = "success",     [LS_F_REASON] = "reason",
	[LS_F_OBJ] = "obj",           [LS_F_KIND] = "kind",           [LS_F_MM] = "mm",
	[LS_F_VMA] = "vma",           [LS_F_SEQ] = "seq",             [LS_F_ADDR] = "addr",
	[LS_F_START] = "start",       [LS_F_END] = "end",             [LS_F_DEFERRED] = "deferred",
	[LS_F_RESULT] = "result",     [LS_F_NAME] = "name",           [LS_F_BEGIN] = "begin",
	[LS_F_IP] = "ip",             [LS_F_PREV_TID] = "prev_tid",   [LS_F_PREV_STATE] = "prev_state",
	[LS_F_NEXT_TID] = "next_tid", [LS_F_TID] = "tid",             [LS_F_TARGET_CPU] = "target_cpu",
	[LS_F_PARENT_TID] = "parent_tid", [LS_F_CHILD_TID] = "child_tid", [LS_F_CHILD_PID] = "child_pid",
};

static const char *const class_names[] = { "mmap_lock", "vma_lock", "anon_vma", "i_mmap",
					    "pte_lock", "pmd_lock", "page_table_lock" };
static const char *const mode_names[] = { "read", "write" };
static const char *const kind_names[] = { "mm", "vma", "anon_vma", "pte_table", "pmd_table",
					   "address_space" };
static const char *const reason_names[] = { "none", "contended", "vma_write_marked",
					     "vma_detached", "overflow" };
static const char *const result_names[] = { "locked", "miss", "abort" };
static const char *const phase_names[] = {
	"fault",    "munmap",           "mremap",        "mprotect",           "madvise",
	"exit_mmap", "free_pgtables",   "oom_reap",      "process_mrelease",   "khugepaged_collapse",
	"migrate",  "fork_dup_mmap",    "try_to_unmap",  "mm_take_all_locks",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *word;
	const char *const *names;
	unsigned count;
} enum_table[LS_ENUM_COUNT] = {
	[LS_ENUM_CLASS] = { "class", class_names, N(class_names) },
	[LS_ENUM_MODE] = { "mode", mode_names, N(mode_names) },
	[LS_ENUM_KIND] = { "kind", kind_names, N(kind_names) },
	[LS_ENUM_REASON] = { "reason", reason_names, N(reason_names) },
	[LS_ENUM_RESULT] = { "result", result_names, N(result_names) },
	[LS_ENUM_PHASE] = { "phase", phase_names, N(phase_names) },
};

const char *ls_event_name(ls_event_type type)
{
	for (unsigned i = 0; i < N(event_table); i++)
		if (event_table[i].type == type)
			return event_table[i].name;
	return NULL;
}

ls_event_type ls_event_type_from_name(const char *name)
{
	for (unsigned i = 0; i < N(event_table); i++)
		if (strcmp(event_table[i].name, name) == 0)
			return event_table[i].type;
	return LS_EV_UNKNOWN;
}

bool ls_event_is_lockstep(ls_event_type type)
{
	return type >= LS_EV_LOCK_ACQUIRE && type <= LS_EV_PHASE;
}

const char *ls_field_name(ls_field field)
{
	return field < LS_F_COUNT ? field_names[field] : NULL;
}

ls_field ls_field_from_name(const char *name)
{
	/* CTF 1.8 writers escape names with a leading underscore; babeltrace2 usually strips it. */
	if (name[0] == '_')
		name++;
	for (unsigned i = 0; i < LS_F_COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return (ls_field)i;
	return LS_F_COUNT;
}

bool ls_event_has_field(ls_event_type type, ls_field field)
{
	for (unsigned i = 0; i < N(event_table); i++)
		if (event_table[i].type == type)
			return field < LS_F_COUNT && (event_table[i].fields & F(field));
	return false;
}

ls_enum ls_field_enum(ls_field field)
{
	switch (field) {
	case LS_F_CLASS: return LS_ENUM_CLASS;
	case LS_F_MODE: return LS_ENUM_MODE;
	case LS_F_KIND: return LS_ENUM_KIND;
	case LS_F_REASON: return LS_ENUM_REASON;
	case LS_F_RESULT: return LS_ENUM_RESULT;
	case LS_F_NAME: return LS_ENUM_PHASE;
	default: return LS_ENUM_COUNT;
	}
}

const char *ls_enum_name(ls_enum e, uint64_t value)
{
	if (e >= LS_ENUM_COUNT || value >= enum_table[e].count)
		return NULL;
	return enum_table[e].names[value];
}

unsigned ls_enum_size(ls_enum e)
{
	return e < LS_ENUM_COUNT ? enum_table[e].count : 0;
}

const char *ls_enum_field_word(ls_enum e)
{
	return e < LS_ENUM_COUNT ? enum_table[e].word : NULL;
}

bool ls_enum_value(ls_enum e, const char *name, uint64_t *value)
{
	if (e >= LS_ENUM_COUNT)
		return false;
	for (unsigned i = 0; i < enum_table[e].count; i++) {
		if (strcmp(enum_table[e].names[i], name) == 0) {
			*value = i;
			return true;
		}
	}
	return false;
}

bool ls_class_is_spinlock(uint64_t cls)
{
	return cls == LS_CLASS_PTE_LOCK || cls == LS_CLASS_PMD_LOCK || cls == LS_CLASS_PAGE_TABLE_LOCK;
}

int ls_class_rank(uint64_t cls)
{
	switch (cls) {
	case LS_CLASS_MMAP_LOCK: return 0;
	case LS_CLASS_VMA_LOCK: return 1;
	case LS_CLASS_I_MMAP: return 2;
	case LS_CLASS_ANON_VMA: return 3;
	default: return 4;
	}
}
