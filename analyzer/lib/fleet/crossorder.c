/* crossorder.c — see crossorder.h. The search is order.c's: simple cycles over the seven
 * classes by depth-first search, every assignment of modes to the cycle's edges scored by
 * ls_order_node_conflict(), and one instance per edge picked so that no two share a gate. What
 * differs is where instances come from (any trace) and when two of them share a gate. */
#include "crossorder.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "text.h"

/* A pick is a backtracking search; gates rarely collide across traces, so it ends at once in
 * practice. The cap keeps a pathological fleet (every instance inside mm_take_all_locks) from
 * running for ever; a cycle cut off there is not reported (docs/fleet.md). */
#define MAX_PICK_STEPS 1000000

typedef struct {
	size_t trace; /* rank of the trace in hash order */
	const ls_summary_instance *si;
	uint64_t edge_count; /* the edge's count in that trace */
} cand;

typedef struct {
	cand *c;
	size_t n, cap;
} cand_list;

/* Candidates per edge with modes: of every trace (the joined graph) or of one. */
typedef struct {
	cand_list edges[LS_CLASS_COUNT][LS_MODE_COUNT][LS_CLASS_COUNT][LS_MODE_COUNT];
} cand_graph;

typedef struct {
	ls_trace_summary *const *traces; /* in hash order */
	size_t n_traces;
	bool written[LS_CLASS_COUNT];    /* union over the traces */
	cand_graph joined;
	cand_graph *one;                 /* scratch: one trace's candidates */
	bool adj[LS_CLASS_COUNT][LS_CLASS_COUNT];
	ls_findings *out;
	ls_error *err;
	ls_crossorder_stats stats;
	long steps;
} cross_ctx;

static bool has_all_locks_gate(const ls_order_instance *in)
{
	for (int i = 0; i < in->n_gates; i++)
		if (in->gates[i] == LS_ORDER_GATE_ALL_LOCKS)
			return true;
	return false;
}

/* Two instances can be waiting on each other at the same time unless they share a gate. */
static bool compatible(const cand *x, const cand *y)
{
	const ls_order_instance *a = &x->si->inst, *b = &y->si->inst;

	if (x->trace != y->trace)
		return !(has_all_locks_gate(a) && has_all_locks_gate(b));
	for (int i = 0; i < a->n_gates; i++)
		for (int j = 0; j < b->n_gates; j++)
			if (a->gates[i] == b->gates[j])
				return false;
	return true;
}

static int gate_rank(const ls_order_instance *in)
{
	return in->n_gates == 0 ? 0 : has_all_locks_gate(in) ? 2 : 1;
}

/* Ungated instances first, then those gated by one trace's locks only, then mm_take_all_locks:
 * the order in which they are most likely to fit a cycle. Ties by trace rank, then as stored. */
static int cand_cmp(const void *x, const void *y)
{
	const cand *a = x, *b = y;
	int ra = gate_rank(&a->si->inst), rb = gate_rank(&b->si->inst);

	if (ra != rb)
		return ra - rb;
	if (a->trace != b->trace)
		return a->trace < b->trace ? -1 : 1;
	return a->si < b->si ? -1 : a->si > b->si;
}

static bool pick(cross_ctx *c, cand_list *const *es, int k, int i, const cand **chosen)
{
	if (i == k)
		return true;
	for (size_t j = 0; j < es[i]->n; j++) {
		const cand *x = &es[i]->c[j];
		bool ok = true;

		if (++c->steps > MAX_PICK_STEPS)
			return false;
		for (int m = 0; m < i && ok; m++)
			ok = compatible(x, chosen[m]);
		if (!ok)
			continue;
		chosen[i] = x;
		if (pick(c, es, k, i + 1, chosen))
			return true;
	}
	return false;
}

typedef struct {
	int score;
	int modes[LS_CLASS_COUNT][2];
	const cand *chosen[LS_CLASS_COUNT];
} verdict;

/* The best deadlock on class cycle `cyc` from the candidates of `g`, judged with `written`.
 * v->score < 0 when there is none. */
static void evaluate(cross_ctx *c, cand_graph *g, const int *cyc, int k, const bool *written,
		     verdict *v)
{
	long combos = 1;

	v->score = -1;
	for (int i = 0; i < k; i++)
		combos *= 4;
	for (long code = 0; code < combos; code++) {
		cand_list *es[LS_CLASS_COUNT];
		int modes[LS_CLASS_COUNT][2];
		const cand *chosen[LS_CLASS_COUNT];
		long x = code;
		bool ok = true;
		int score = 0;

		for (int i = 0; i < k && ok; i++) {
			modes[i][0] = (int)(x & 1);
			modes[i][1] = (int)((x >> 1) & 1);
			x >>= 2;
			es[i] = &g->edges[cyc[i]][modes[i][0]][cyc[(i + 1) % k]][modes[i][1]];
			ok = es[i]->n > 0;
		}
		for (int i = 0; i < k && ok; i++) {
			int nc = ls_order_node_conflict(written, cyc[(i + 1) % k], modes[(i + 1) % k][0],
							modes[i][1]);

			ok = nc > 0;
			score += nc;
		}
		if (!ok || score <= v->score)
			continue;
		c->steps = 0;
		if (!pick(c, es, k, 0, chosen))
			continue;
		v->score = score;
		memcpy(v->modes, modes, sizeof(modes));
		memcpy(v->chosen, chosen, sizeof(chosen));
	}
}

static bool trace_has_cycle_edges(const cross_ctx *c, size_t t, const int *cyc, int k)
{
	const ls_trace_summary *s = c->traces[t];

	for (int i = 0; i < k; i++) {
		bool found = false;

		for (size_t e = 0; e < s->n_edges && !found; e++)
			found = s->edges[e].held_cls == cyc[i] && s->edges[e].req_cls == cyc[(i + 1) % k];
		if (!found)
			return false;
	}
	return true;
}

/* ---- the finding -------------------------------------------------------------------------- */

static void describe(ls_text *t, const cross_ctx *c, const cand *x)
{
	const ls_order_instance *e = &x->si->inst;
	const ls_trace_summary *s = c->traces[x->trace];

	ls_text_printf(t, "trace %s (%.12s): %s(%s) -> %s(%s): task %" PRId64 "%s%s%s held %s 0x%" PRIx64
		   " (%s) since t=%" PRId64 " taken at %s and requested %s 0x%" PRIx64 " (%s) at t=%" PRId64
		   " at %s, waiting %" PRId64 " ns; held stack ",
		s->name, s->hash, ls_class_label(e->a.cls), ls_mode_label(e->a.mode),
		ls_class_label(e->b.cls), ls_mode_label(e->b.mode), e->a.tid,
		x->si->comm[0] ? " (" : "", x->si->comm, x->si->comm[0] ? ")" : "",
		ls_class_label(e->a.cls), e->a.lock, ls_mode_label(e->a.mode), e->a.acq,
		x->si->held_site, ls_class_label(e->b.cls), e->b.lock, ls_mode_label(e->b.mode),
		e->b.req, x->si->req_site, e->wait_ns);
	for (int i = 0; i < e->n_stack; i++)
		ls_text_printf(t, "%s%s(%s)@0x%" PRIx64, i ? " > " : "", ls_class_label(e->stack[i].cls),
			ls_mode_label(e->stack[i].mode), e->stack[i].lock);
	if (e->n_stack == 0)
		ls_text_printf(t, "-");
	if (e->n_gates == 0)
		ls_text_printf(t, "; no gate lock");
	else
		ls_text_printf(t, "; gates:");
	for (int i = 0; i < e->n_gates; i++) {
		if (e->gates[i] == LS_ORDER_GATE_ALL_LOCKS)
			ls_text_printf(t, " mm_all_locks_mutex (mm_take_all_locks)");
		else
			ls_text_printf(t, " %s(write)@0x%" PRIx64 " of that trace",
				e->gate_cls[i] >= 0 ? ls_class_label(e->gate_cls[i]) : "?", e->gate_lock[i]);
	}
	ls_text_printf(t, "; seen %" PRIu64 " time(s) in that trace. ", x->edge_count);
}

static ls_status add_ev(ls_finding *f, const cross_ctx *c, const cand *x, bool held)
{
	const ls_order_instance *e = &x->si->inst;
	const ls_hold *h = held ? &e->a : &e->b;
	ls_evidence ev = ls_evidence_blank();
	char role[256];

	ev.t_ns = h->req;
	ev.tid = h->tid;
	ev.event_id = h->req_event;
	ev.event = LS_EV_LOCK_ACQUIRE;
	ev.lock = h->lock;
	ev.cls = h->cls;
	ev.mode = h->mode;
	ev.ip = h->req_ip;
	ev.obj = h->obj;
	snprintf(role, sizeof(role), "trace %s (%.12s): %s %s (%s)", c->traces[x->trace]->name,
		 c->traces[x->trace]->hash, held ? "holds" : "requests", ls_class_label(h->cls),
		 ls_mode_label(h->mode));
	ev.role = role;
	return ls_finding_add_evidence(f, &ev);
}

static ls_status emit(cross_ctx *c, const int *cyc, int k, const verdict *v)
{
	bool direct = v->score == 2 * k;
	char shown[256];
	size_t len = 0, n_traces = 0;
	size_t traces_seen[LS_CLASS_COUNT];
	ls_text t = { 0 };
	ls_finding *f;

	for (int i = 0; i < k; i++) {
		bool seen = false;

		for (size_t j = 0; j < n_traces; j++)
			seen |= traces_seen[j] == v->chosen[i]->trace;
		if (!seen)
			traces_seen[n_traces++] = v->chosen[i]->trace;
	}
	for (int i = 0; i <= k; i++)
		len += (size_t)snprintf(shown + len, sizeof(shown) - len, "%s%s", i ? " -> " : "",
					ls_class_label(cyc[i % k]));
	f = ls_findings_add(c->out, LS_FINDING_LOCK_ORDER, direct ? LS_SEV_ERROR : LS_SEV_WARNING,
			    "cross-trace-cycle",
			    "possible deadlock: lock classes taken in a cycle %s, its edges seen in "
			    "%zu different trace(s)",
			    shown, n_traces);
	if (!f)
		goto nomem;
	f->count = 0;
	for (int i = 0; i < k; i++) {
		const cand *x = v->chosen[i];

		f->count += x->edge_count;
		if (ls_finding_add_class(f, cyc[i]) != LS_OK || add_ev(f, c, x, true) != LS_OK ||
		    add_ev(f, c, x, false) != LS_OK || ls_finding_add_tid(f, x->si->inst.a.tid) != LS_OK)
			goto nomem;
		ls_text_printf(&t, "Edge %d, ", i + 1);
		describe(&t, c, x);
	}
	for (int i = 0; i < k; i++) {
		int cls = cyc[(i + 1) % k];
		int held = v->modes[(i + 1) % k][0], req = v->modes[i][1];
		int nc = ls_order_node_conflict(c->written, cls, held, req);

		ls_text_printf(&t, "%s is held for %s and requested for %s: %s. ", ls_class_label(cls),
			ls_mode_label(held), ls_mode_label(req),
			nc == 2 ? "they exclude each other"
				: "two readers, deadlocking once a writer queues between them "
				  "(rwsem readers are not recursive)");
	}
	ls_text_printf(&t, "No trace shows this cycle by itself: each path ran where the other did not "
		    "(another boot, machine or workload), and a kernel that runs both can deadlock. "
		    "No gate lock is common to these acquisitions.");
	if (t.failed || ls_finding_set_detail(f, "%s", t.s) != LS_OK)
		goto nomem;
	free(t.s);
	c->stats.cross_trace++;
	return LS_OK;
nomem:
	free(t.s);
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

static bool edge_key_ok(const ls_summary_edge *se)
{
	return se->held_cls >= 0 && se->held_cls < LS_CLASS_COUNT && se->req_cls >= 0 &&
	       se->req_cls < LS_CLASS_COUNT && se->held_mode >= 0 && se->held_mode < LS_MODE_COUNT &&
	       se->req_mode >= 0 && se->req_mode < LS_MODE_COUNT;
}

/* Appends the candidates of trace `s` (rank `t`) to `g`; false on allocation failure. */
static bool graph_add_trace(cand_graph *g, const ls_trace_summary *s, size_t t)
{
	for (size_t e = 0; e < s->n_edges; e++) {
		const ls_summary_edge *se = &s->edges[e];

		if (!edge_key_ok(se))
			continue;
		cand_list *l = &g->edges[se->held_cls][se->held_mode][se->req_cls][se->req_mode];

		for (size_t i = 0; i < se->n_inst; i++) {
			if (!ls_grow((void **)&l->c, &l->cap, l->n + 1, sizeof(*l->c)))
				return false;
			l->c[l->n++] = (cand){ t, &se->inst[i], se->count };
		}
	}
	return true;
}

#define FOR_EACH_LIST(g, l)                                                                    \
	for (cand_list *l = &(g)->edges[0][0][0][0];                                            \
	     l < &(g)->edges[0][0][0][0] + sizeof((g)->edges) / sizeof(cand_list); l++)

static void graph_sort(cand_graph *g)
{
	FOR_EACH_LIST(g, l)
		if (l->n > 1)
			qsort(l->c, l->n, sizeof(*l->c), cand_cmp);
}

static void graph_clear(cand_graph *g)
{
	FOR_EACH_LIST(g, l)
		l->n = 0;
}

static void graph_free(cand_graph *g)
{
	FOR_EACH_LIST(g, l)
		free(l->c);
}

static ls_status on_cycle(cross_ctx *c, const int *path, int k)
{
	int cyc[LS_CLASS_COUNT];
	int start = 0;
	verdict v;

	/* Shown from its outermost class in the hierarchy, as order.c shows cycles. */
	for (int i = 1; i < k; i++)
		if (ls_class_rank((uint64_t)path[i]) < ls_class_rank((uint64_t)path[start]))
			start = i;
	for (int i = 0; i < k; i++)
		cyc[i] = path[(start + i) % k];
	c->stats.class_cycles++;
	for (size_t t = 0; t < c->n_traces; t++) {
		if (!trace_has_cycle_edges(c, t, cyc, k))
			continue;
		graph_clear(c->one);
		if (!graph_add_trace(c->one, c->traces[t], t))
			return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
		graph_sort(c->one);
		evaluate(c, c->one, cyc, k, c->traces[t]->class_written, &v);
		if (v.score >= 0) {
			c->stats.single_trace++;
			return LS_OK; /* the trace's own check reports it */
		}
	}
	evaluate(c, &c->joined, cyc, k, c->written, &v);
	return v.score >= 0 ? emit(c, cyc, k, &v) : LS_OK;
}

static ls_status on_cycle_cb(void *ctx, const int *path, int len)
{
	return on_cycle(ctx, path, len);
}

static ls_status find_cycles(cross_ctx *c)
{
	return ls_order_each_cycle((const bool (*)[LS_CLASS_COUNT])c->adj, on_cycle_cb, c);
}

static int by_hash(const void *x, const void *y)
{
	const ls_trace_summary *a = *(ls_trace_summary *const *)x, *b = *(ls_trace_summary *const *)y;

	return strcmp(a->hash, b->hash);
}

ls_status ls_crossorder_check(ls_trace_summary *const *traces, size_t n, ls_findings *out,
			      ls_crossorder_stats *stats, ls_error *err)
{
	cross_ctx *c = calloc(1, sizeof(*c));
	ls_trace_summary **sorted = NULL;
	ls_status st = LS_OK;

	if (!c || (n && !(sorted = malloc(n * sizeof(*sorted))))) {
		st = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
		goto end;
	}
	if (n)
		memcpy(sorted, traces, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_hash);
	c->traces = sorted;
	c->n_traces = n;
	c->out = out;
	c->err = err;
	if (!(c->one = calloc(1, sizeof(*c->one)))) {
		st = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
		goto end;
	}
	for (size_t t = 0; t < n; t++) {
		const ls_trace_summary *s = sorted[t];

		for (int k = 0; k < LS_CLASS_COUNT; k++)
			c->written[k] |= s->class_written[k];
		for (size_t e = 0; e < s->n_edges; e++)
			if (edge_key_ok(&s->edges[e]))
				c->adj[s->edges[e].held_cls][s->edges[e].req_cls] = true;
		if (!graph_add_trace(&c->joined, s, t)) {
			st = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
			goto end;
		}
	}
	graph_sort(&c->joined);
	st = find_cycles(c);
	if (stats)
		*stats = c->stats;
end:
	if (c) {
		graph_free(&c->joined);
		if (c->one)
			graph_free(c->one);
		free(c->one);
	}
	free(c);
	free(sorted);
	return st;
}
