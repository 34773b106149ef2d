/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LTTng instrumentation for the lockstep kernel tracepoints
 * (include/trace/events/lockstep.h of the patched kernel, patches/ of
 * lockstep).  It maps every tracepoint argument to the payload field of the
 * same name in docs/trace-format.md; change the three together.
 *
 * TP_PROTO must match the kernel's prototype exactly: lttng-probe-lockstep.c
 * includes the kernel header first so that the compiler checks it.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM lockstep

#if !defined(LTTNG_TRACE_LOCKSTEP_H) || defined(TRACE_HEADER_MULTI_READ)
#define LTTNG_TRACE_LOCKSTEP_H

#include <lttng/tracepoint-event.h>

LTTNG_TRACEPOINT_EVENT(lockstep_lock_acquire,

	TP_PROTO(const void *lock, unsigned int class, unsigned int mode,
		 bool trylock, const void *obj, const void *mm,
		 unsigned long ip),

	TP_ARGS(lock, class, mode, trylock, obj, mm, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, lock, (unsigned long) lock)
		ctf_integer(u8, class, class)
		ctf_integer(u8, mode, mode)
		ctf_integer(u8, trylock, trylock)
		ctf_integer_hex(u64, obj, (unsigned long) obj)
		ctf_integer_hex(u64, mm, (unsigned long) mm)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_lock_acquired,

	TP_PROTO(const void *lock, unsigned int class, unsigned int mode,
		 bool success, unsigned int reason, unsigned long ip),

	TP_ARGS(lock, class, mode, success, reason, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, lock, (unsigned long) lock)
		ctf_integer(u8, class, class)
		ctf_integer(u8, mode, mode)
		ctf_integer(u8, success, success)
		ctf_integer(u8, reason, reason)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_lock_release,

	TP_PROTO(const void *lock, unsigned int class, unsigned int mode,
		 unsigned long ip),

	TP_ARGS(lock, class, mode, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, lock, (unsigned long) lock)
		ctf_integer(u8, class, class)
		ctf_integer(u8, mode, mode)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_lock_downgrade,

	TP_PROTO(const void *lock, unsigned int class, unsigned long ip),

	TP_ARGS(lock, class, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, lock, (unsigned long) lock)
		ctf_integer(u8, class, class)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_vma_write_mark,

	TP_PROTO(const void *vma, const void *mm, unsigned int seq,
		 unsigned long ip),

	TP_ARGS(vma, mm, seq, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, vma, (unsigned long) vma)
		ctf_integer_hex(u64, mm, (unsigned long) mm)
		ctf_integer(u32, seq, seq)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_vma_unlock_all,

	TP_PROTO(const void *mm, unsigned int seq, unsigned long ip),

	TP_ARGS(mm, seq, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, mm, (unsigned long) mm)
		ctf_integer(u32, seq, seq)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_obj_alloc,

	TP_PROTO(const void *obj, unsigned int kind, const void *mm,
		 unsigned long start, unsigned long end, unsigned long ip),

	TP_ARGS(obj, kind, mm, start, end, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, obj, (unsigned long) obj)
		ctf_integer(u8, kind, kind)
		ctf_integer_hex(u64, mm, (unsigned long) mm)
		ctf_integer_hex(u64, start, start)
		ctf_integer_hex(u64, end, end)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_obj_detach,

	TP_PROTO(const void *obj, unsigned int kind, const void *mm,
		 unsigned long ip),

	TP_ARGS(obj, kind, mm, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, obj, (unsigned long) obj)
		ctf_integer(u8, kind, kind)
		ctf_integer_hex(u64, mm, (unsigned long) mm)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_obj_free,

	TP_PROTO(const void *obj, unsigned int kind, const void *mm,
		 bool deferred, unsigned long ip),

	TP_ARGS(obj, kind, mm, deferred, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, obj, (unsigned long) obj)
		ctf_integer(u8, kind, kind)
		ctf_integer_hex(u64, mm, (unsigned long) mm)
		ctf_integer(u8, deferred, deferred)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_obj_free_done,

	TP_PROTO(const void *obj, unsigned int kind),

	TP_ARGS(obj, kind),

	TP_FIELDS(
		ctf_integer_hex(u64, obj, (unsigned long) obj)
		ctf_integer(u8, kind, kind)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_vma_lookup,

	TP_PROTO(const void *mm, unsigned long addr, const void *vma,
		 unsigned int result, unsigned long ip),

	TP_ARGS(mm, addr, vma, result, ip),

	TP_FIELDS(
		ctf_integer_hex(u64, mm, (unsigned long) mm)
		ctf_integer_hex(u64, addr, addr)
		ctf_integer_hex(u64, vma, (unsigned long) vma)
		ctf_integer(u8, result, result)
		ctf_integer_hex(u64, ip, ip)
	)
)

LTTNG_TRACEPOINT_EVENT(lockstep_phase,

	TP_PROTO(unsigned int name, bool begin, const void *mm,
		 unsigned long ip),

	TP_ARGS(name, begin, mm, ip),

	TP_FIELDS(
		ctf_integer(u8, name, name)
		ctf_integer(u8, begin, begin)
		ctf_integer_hex(u64, mm, (unsigned long) mm)
		ctf_integer_hex(u64, ip, ip)
	)
)

#endif /* LTTNG_TRACE_LOCKSTEP_H */

/* This part must be outside protection */
#include <lttng/define_trace.h>
