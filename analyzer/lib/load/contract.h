/* contract.h — the trace contract of docs/trace-format.md as C: event ids, payload fields and
 * the names of every enumeration. Every other module (reader, synth, detectors, viewer) takes
 * its names and numbers from here so the contract is spelled once. */
#ifndef LOCKSTEP_CONTRACT_H
#define LOCKSTEP_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Event type ids; also the `event_types.id` values in the database. */
typedef enum {
	LS_EV_UNKNOWN = 0,
	LS_EV_LOCK_ACQUIRE = 1,
	LS_EV_LOCK_ACQUIRED = 2,
	LS_EV_LOCK_RELEASE = 3,
	LS_EV_LOCK_DOWNGRADE = 4,
	LS_EV_VMA_WRITE_MARK = 5,
	LS_EV_VMA_UNLOCK_ALL = 6,
	LS_EV_OBJ_ALLOC = 7,
	LS_EV_OBJ_DETACH = 8,
	LS_EV_OBJ_FREE = 9,
	LS_EV_OBJ_FREE_DONE = 10,
	LS_EV_VMA_LOOKUP = 11,
	LS_EV_PHASE = 12,
	LS_EV_SCHED_SWITCH = 20,
	LS_EV_SCHED_WAKING = 21,
	LS_EV_SCHED_PROCESS_FORK = 22,
	LS_EV_SCHED_PROCESS_EXIT = 23,
	LS_EV_SCHED_PROCESS_FREE = 24,
	LS_EV_FIRST_FOREIGN = 100, /* ids handed out to events outside the contract */
} ls_event_type;

/* Integer payload fields of the contract events, plus the sched fields lockstep uses. */
typedef enum {
	LS_F_LOCK,
	LS_F_CLASS,
	LS_F_MODE,
	LS_F_TRYLOCK,
	LS_F_SUCCESS,
	LS_F_REASON,
	LS_F_OBJ,
	LS_F_KIND,
	LS_F_MM,
	LS_F_VMA,
	LS_F_SEQ,
	LS_F_ADDR,
	LS_F_START,
	LS_F_END,
	LS_F_DEFERRED,
	LS_F_RESULT,
	LS_F_NAME,  /* lockstep_phase.name: the phase id */
	LS_F_BEGIN,
	LS_F_IP,
	/* sched events */
	LS_F_PREV_TID,
	LS_F_PREV_STATE,
	LS_F_NEXT_TID,
	LS_F_TID,         /* sched_waking / process_exit / process_free */
	LS_F_TARGET_CPU,
	LS_F_PARENT_TID,
	LS_F_CHILD_TID,
	LS_F_CHILD_PID,
	LS_F_COUNT
} ls_field;

typedef enum {
	LS_CLASS_MMAP_LOCK = 0,
	LS_CLASS_VMA_LOCK = 1,
	LS_CLASS_ANON_VMA = 2,
	LS_CLASS_I_MMAP = 3,
	LS_CLASS_PTE_LOCK = 4,
	LS_CLASS_PMD_LOCK = 5,
	LS_CLASS_PAGE_TABLE_LOCK = 6,
	LS_CLASS_COUNT
} ls_lock_class;

typedef enum { LS_MODE_READ = 0, LS_MODE_WRITE = 1, LS_MODE_COUNT } ls_lock_mode;

typedef enum {
	LS_KIND_MM = 0,
	LS_KIND_VMA = 1,
	LS_KIND_ANON_VMA = 2,
	LS_KIND_PTE_TABLE = 3,
	LS_KIND_PMD_TABLE = 4,
	LS_KIND_ADDRESS_SPACE = 5,
	LS_KIND_COUNT
} ls_obj_kind;

typedef enum {
	LS_REASON_NONE = 0,
	LS_REASON_CONTENDED = 1,
	LS_REASON_VMA_WRITE_MARKED = 2,
	LS_REASON_VMA_DETACHED = 3,
	LS_REASON_OVERFLOW = 4,
	LS_REASON_COUNT
} ls_reason;

typedef enum {
	LS_LOOKUP_LOCKED = 0,
	LS_LOOKUP_MISS = 1,
	LS_LOOKUP_ABORT = 2,
	LS_LOOKUP_COUNT
} ls_lookup_result;

typedef enum {
	LS_PHASE_FAULT = 0,
	LS_PHASE_MUNMAP,
	LS_PHASE_MREMAP,
	LS_PHASE_MPROTECT,
	LS_PHASE_MADVISE,
	LS_PHASE_EXIT_MMAP,
	LS_PHASE_FREE_PGTABLES,
	LS_PHASE_OOM_REAP,
	LS_PHASE_PROCESS_MRELEASE,
	LS_PHASE_KHUGEPAGED_COLLAPSE,
	LS_PHASE_MIGRATE,
	LS_PHASE_FORK_DUP_MMAP,
	LS_PHASE_TRY_TO_UNMAP,
	LS_PHASE_MM_TAKE_ALL_LOCKS,
	LS_PHASE_COUNT
} ls_phase;

/* The enumerations that have names, for ls_enum_name()/ls_enum_value(). */
typedef enum {
	LS_ENUM_CLASS,
	LS_ENUM_MODE,
	LS_ENUM_KIND,
	LS_ENUM_REASON,
	LS_ENUM_RESULT,
	LS_ENUM_PHASE,
	LS_ENUM_COUNT
} ls_enum;

/* The full event name ("lockstep_lock_acquire", "sched_switch") of a contract id; NULL for
 * LS_EV_UNKNOWN and foreign ids. Static storage. */
const char *ls_event_name(ls_event_type type);

/* The contract id of an event name, or LS_EV_UNKNOWN. */
ls_event_type ls_event_type_from_name(const char *name);

/* True if `type` belongs to the lockstep_* set (not sched, not foreign). */
bool ls_event_is_lockstep(ls_event_type type);

/* Payload field name as it appears in the trace ("lock", "start", "name" …). Static storage. */
const char *ls_field_name(ls_field field);

/* The field id of a payload field name, or LS_F_COUNT when it is not one the contract uses. */
ls_field ls_field_from_name(const char *name);

/* Whether `field` is part of event `type`'s payload in the contract. */
bool ls_event_has_field(ls_event_type type, ls_field field);

/* The enumeration a field takes its values from (LS_ENUM_COUNT when it is a plain number). */
ls_enum ls_field_enum(ls_field field);

/* Name of `value` in enumeration `e` ("mmap_lock", "write", "fault" …); NULL when out of range.
 * Static storage. */
const char *ls_enum_name(ls_enum e, uint64_t value);

/* Number of values of enumeration `e`. */
unsigned ls_enum_size(ls_enum e);

/* The field word of an enumeration as the `enums` table spells it ("class", "phase" …). */
const char *ls_enum_field_word(ls_enum e);

/* Value of `name` in enumeration `e`; returns false when there is no such label. */
bool ls_enum_value(ls_enum e, const char *name, uint64_t *value);

/* Short names for reports. */
static inline const char *ls_class_name(uint64_t c) { return ls_enum_name(LS_ENUM_CLASS, c); }
static inline const char *ls_mode_name(uint64_t m) { return ls_enum_name(LS_ENUM_MODE, m); }

/* The same for text that must show something: "?" for a value outside the contract. */
static inline const char *ls_class_label(int64_t c)
{
	const char *n = c >= 0 ? ls_class_name((uint64_t)c) : NULL;

	return n ? n : "?";
}

static inline const char *ls_mode_label(int64_t m)
{
	const char *n = m >= 0 ? ls_mode_name((uint64_t)m) : NULL;

	return n ? n : "?";
}

/* Lock classes that are spinlocks (always taken for write). */
bool ls_class_is_spinlock(uint64_t cls);

/* Rank in the documented hierarchy (mmap_lock → vma_lock → i_mmap → anon_vma → page-table
 * locks), smaller is outer; the three page-table lock classes share the innermost rank. */
int ls_class_rank(uint64_t cls);

#endif
