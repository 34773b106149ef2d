/* ctf.h — reading a CTF trace directory through libbabeltrace2: every stream of every trace
 * under the directory, merged in time order, decoded into ls_event records by the contract's
 * field names. It knows nothing of SQLite or holds; it hands events to a callback. */
#ifndef LOCKSTEP_CTF_H
#define LOCKSTEP_CTF_H

#include <stdbool.h>
#include <stdint.h>

#include "contract.h"
#include "error.h"

#define LS_COMM_MAX 24
#define LS_NAME_MAX 64
#define LS_PAYLOAD_MAX 240
#define LS_STACK_MAX 48

/* One decoded event. Strings are copied in, so a record can be queued and kept. */
typedef struct {
	int64_t t_ns;
	ls_event_type type;   /* LS_EV_UNKNOWN for events outside the contract */
	int64_t tid, pid, cpu;
	bool has_tid, has_pid, has_cpu;
	uint32_t present;     /* bit (1 << ls_field) set for each payload field the event had */
	uint64_t f[LS_F_COUNT];
	char comm[LS_COMM_MAX];       /* procname context */
	char name[LS_NAME_MAX];       /* event name (all events) */
	char str_a[LS_COMM_MAX];      /* sched: prev_comm / comm / parent_comm */
	char str_b[LS_COMM_MAX];      /* sched: next_comm / child_comm */
	char payload[LS_PAYLOAD_MAX]; /* events outside lockstep_*: "field=value …" */
	/* The `callstack_kernel` context (lockstep record --callstack; docs/trace-format.md, "Call
	 * stacks"), innermost frame first, the tracer's own frames included; last, so that a
	 * record without a stack leaves the array untouched. */
	uint32_t stack_depth;         /* frames in stack[]; 0: the event has no stack */
	bool stack_truncated;         /* the tracer cut it (its end marker) or it had > LS_STACK_MAX */
	uint64_t stack[LS_STACK_MAX];
} ls_event;

static inline bool ls_event_has(const ls_event *ev, ls_field f)
{
	return (ev->present >> f) & 1u;
}

/* Events or packets the tracer reported lost. */
typedef struct {
	bool packets;     /* false: events */
	int64_t cpu;      /* -1 when unknown */
	int64_t begin_ns, end_ns; /* -1 when unknown */
	uint64_t count;   /* 0 when unknown */
} ls_discard;

typedef struct {
	/* Each event, in time order. Return LS_OK to go on; anything else stops the read and is
	 * returned by ls_ctf_read (the callback fills err). */
	ls_status (*event)(void *user, const ls_event *ev, ls_error *err);
	ls_status (*discard)(void *user, const ls_discard *d, ls_error *err); /* may be NULL */
	/* A stream found damaged before decoding (empty, cut short, packets with damaged headers or
	 * out of time order): `message` names the trace, the stream and what was dropped. Only the
	 * sound packets are decoded. Called from the reading thread, before any event. May be NULL. */
	void (*damage)(void *user, const char *stream, const char *message);
	void *user;
} ls_ctf_handler;

/* Reads every trace under `dir` (each directory holding a CTF `metadata` file, searched a few
 * levels deep, as LTTng nests them). Each stream is checked packet by packet first (packets.h);
 * damaged packets are dropped with a handler->damage call. Errors name the directory or file:
 * LS_ERR_INPUT for a missing directory, no CTF metadata, nothing sound left, or a trace
 * libbabeltrace2 cannot decode (bad metadata, damaged event data), in lockstep's words;
 * babeltrace2's own message goes to err->detail. */
ls_status ls_ctf_read(const char *dir, const ls_ctf_handler *handler, ls_error *err);

#endif
