/* order-ctx.h — what the two halves of the lock-order detector share: order.c reads the holds
 * into an order_ctx (edges, same-class pairs, inversions, trylock and protocol sites), and
 * order-report.c turns that state into findings. Private to analyzer/lib/detect; the public
 * interface is order.h. */
#ifndef LOCKSTEP_ORDER_CTX_H
#define LOCKSTEP_ORDER_CTX_H

#include "order.h"

#include "holdrow.h"

#include <stdbool.h>
#include <stdint.h>

#define MAX_STACK LS_ORDER_MAX_STACK
#define MAX_GATES LS_ORDER_MAX_GATES
#define MAX_GATED_REPS LS_ORDER_MAX_GATED_REPS
#define SAME_CLASS_PAIRS 4 /* same-class locks (most recent first) paired with a new one */
#define MAX_TIDS 16        /* tids listed in an aggregated finding */
#define GATE_ALL_LOCKS LS_ORDER_GATE_ALL_LOCKS

typedef ls_hold hold;
typedef ls_order_frame stack_entry;
typedef ls_order_instance edge_inst; /* order.h */
typedef ls_order_edge edge;

/* Same-class nesting, remembered per ordered pair of lock instances. */
typedef struct {
	bool used;
	uint64_t key; /* lock_id(a) << 32 | lock_id(b) */
	edge_inst ungated, gated;
} pair_entry;

typedef struct {
	pair_entry *slots;
	size_t cap, n;
} pair_map;

typedef struct {
	bool found;
	uint64_t count;
	edge_inst x, y; /* y: the reverse order */
	bool needs_writer;
} same_class_result;

/* Failed-or-not trylocks taken while holding other locks, per (class, call site). */
typedef struct {
	int cls;
	uint64_t ip;
	uint64_t attempts, failures;
	unsigned held_mask;        /* classes held at any attempt */
	unsigned held_fail_mask;   /* classes held at a failed attempt */
	edge_inst first_failure;   /* a = innermost inverted-candidate held lock, b = the trylock */
	int64_t tids[MAX_TIDS];
	int n_tids;
} trylock_site;

/* Hierarchy inversions per (held class, requested class). */
typedef struct {
	uint64_t count;
	edge_inst first, worst;
	int64_t tids[MAX_TIDS];
	int n_tids;
} inversion;

/* Protocol breaches per (rule, call site). */
typedef struct {
	int rule;
	uint64_t ip;
	uint64_t count;
	edge_inst first; /* rule-specific: see emit_protocol */
	int64_t tids[MAX_TIDS];
	int n_tids;
	uint64_t objs[MAX_TIDS];
	int n_objs;
} protocol_site;

enum { RULE_MARK_WITHOUT_MMAP_WRITE, RULE_READ_ACROSS_WRITE_SECTION };

typedef struct {
	int64_t tid, begin, end;
} phase_span;

typedef struct {
	ls_store *store;
	sqlite3 *db;
	ls_context *cx;
	ls_findings *out;
	ls_error *err;
	int64_t t_end;
	char times[8][LS_TIME_BUF]; /* tm()'s ring: up to 8 times in one printf */
	unsigned next_time;

	phase_span *all_locks;
	size_t n_all_locks;

	edge edges[LS_CLASS_COUNT][LS_MODE_COUNT][LS_CLASS_COUNT][LS_MODE_COUNT];
	bool class_written[LS_CLASS_COUNT]; /* a blocking write request of the class was seen */
	pair_map pairs;
	same_class_result same_class[LS_CLASS_COUNT];
	same_class_result recursive[LS_CLASS_COUNT];
	inversion inversions[LS_CLASS_COUNT][LS_CLASS_COUNT];
	bool in_cycle[LS_CLASS_COUNT][LS_CLASS_COUNT]; /* class edge is part of a reported cycle */

	trylock_site *trylocks;
	size_t n_trylocks, cap_trylocks;
	protocol_site *protocol;
	size_t n_protocol, cap_protocol;

	/* the current task's held stack */
	hold *held;
	size_t n_held, cap_held;

	ls_order_stats stats;
} order_ctx;

/* Whether two instances share no gate lock (order.c). */
bool order_gates_disjoint(const edge_inst *x, const edge_inst *y);
/* ls_order_node_conflict with the classes written in this trace (order.c). */
int order_node_conflict(const order_ctx *c, int cls, int held_mode, int req_mode);

/* The findings, from the state the passes left (order-report.c); each returns LS_OK or
 * LS_ERR_NOMEM with c->err set. */
ls_status order_find_cycles(order_ctx *c);
ls_status order_emit_same_class(order_ctx *c);
ls_status order_emit_inversions(order_ctx *c);
ls_status order_emit_trylocks(order_ctx *c);
ls_status order_emit_protocol(order_ctx *c);

#endif
