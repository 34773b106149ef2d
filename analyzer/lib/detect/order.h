/* order.h — the lock-order detector: a lockdep-style dependency graph over lock classes built
 * from the holds, its cycles, acquisitions against the documented mm hierarchy, failed inverted
 * trylocks, and the per-VMA lock protocol (docs/detectors.md says what each rule can miss and
 * what it can wrongly flag).
 *
 * Reads the store, appends findings; prints nothing. */
#ifndef LOCKSTEP_ORDER_H
#define LOCKSTEP_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "contract.h"
#include "context.h"
#include "error.h"
#include "findings.h"
#include "holdrow.h"
#include "store.h"

typedef struct {
	uint64_t holds;          /* holds read */
	uint64_t edges;          /* distinct class-level edges (class, mode -> class, mode) */
	uint64_t edge_instances; /* blocking acquisitions made while holding another lock */
	uint64_t cycles;         /* class cycles reported */
} ls_order_stats;

/* Runs every lock-order rule over `store` and appends findings of kind lock-order, hierarchy,
 * protocol and note to `out`. `stats` may be NULL. */
ls_status ls_order_check(ls_store *store, ls_context *cx, ls_findings *out, ls_order_stats *stats, ls_error *err);

/* ---- The class graph, for callers that join graphs of several traces (fleet/) -------------- */

#define LS_ORDER_MAX_STACK 8      /* held-lock stack kept as evidence per edge instance */
#define LS_ORDER_MAX_GATES 4      /* gate locks kept per edge instance (outermost first) */
#define LS_ORDER_MAX_GATED_REPS 8 /* distinct gate sets remembered per edge */
/* The global mutex of mm_take_all_locks (mm_all_locks_mutex) is not traced; a task inside a
 * mm_take_all_locks phase is treated as holding this virtual gate lock. Being one global mutex,
 * it is the only gate that means the same thing in two different traces. */
#define LS_ORDER_GATE_ALL_LOCKS ((int64_t)-1)

typedef struct {
	int cls, mode;
	uint64_t lock;
	uint64_t ip;
	int64_t t;
} ls_order_frame;

/* One instance of an edge: task a.tid held `a` and requested `b`. Gates are lock ids of the
 * trace (holds.lock_id), or LS_ORDER_GATE_ALL_LOCKS. */
typedef struct {
	bool valid;
	ls_hold a, b;
	int64_t wait_ns;
	int n_stack;
	ls_order_frame stack[LS_ORDER_MAX_STACK]; /* innermost last */
	int n_gates;
	int64_t gates[LS_ORDER_MAX_GATES];
	uint64_t gate_lock[LS_ORDER_MAX_GATES];   /* for the text: address and class of each gate */
	int gate_cls[LS_ORDER_MAX_GATES];
} ls_order_instance;

/* One class-level edge with modes: (class A held in mode ma) -> (class B requested in mode mb).
 * count == 0: the edge was never seen. */
typedef struct {
	uint64_t count;
	ls_order_instance first, worst, ungated;
	int n_gated;
	ls_order_instance gated[LS_ORDER_MAX_GATED_REPS];
} ls_order_edge;

typedef struct {
	ls_order_edge edges[LS_CLASS_COUNT][LS_MODE_COUNT][LS_CLASS_COUNT][LS_MODE_COUNT];
	bool class_written[LS_CLASS_COUNT]; /* a blocking write request of the class was seen */
} ls_order_graph;

/* ls_order_check() that also hands back the dependency graph it built: *graph is malloc'd,
 * owned by the caller (free()). `graph` may be NULL (then it is ls_order_check()). */
ls_status ls_order_check_graph(ls_store *store, ls_context *cx, ls_findings *out,
			       ls_order_stats *stats, ls_order_graph **graph, ls_error *err);

/* Calls fn(ctx, path, len) once for every simple cycle of the class graph `adj` (adj[a][b]:
 * an edge a -> b); path[0] is the cycle's smallest class. Stops at the first status that is
 * not LS_OK and returns it. */
ls_status ls_order_each_cycle(const bool adj[LS_CLASS_COUNT][LS_CLASS_COUNT],
			      ls_status (*fn)(void *ctx, const int *path, int len), void *ctx);

/* Whether a lock of class `cls` held in `held_mode` by one task blocks another task asking for
 * it in `req_mode`: 2 for a direct conflict (either is a write), 1 when both are reads and the
 * class has writers (`class_written[cls]`: a writer queued between two readers makes the second
 * wait), 0 when it cannot block (a write-marked VMA blocks nobody). */
int ls_order_node_conflict(const bool class_written[LS_CLASS_COUNT], int cls, int held_mode,
			   int req_mode);

#endif
