/* order-report.c — the lock-order detector's findings: cycles of the class graph (each edge
 * with its worst instance and its evidence), same-class ABBA and recursion, hierarchy
 * inversions, inverted trylocks and per-VMA protocol breaches, from the state order.c's passes
 * left in an order_ctx. Wording and evidence only: no reading of the store here but the
 * context's call-site names. docs/detectors.md and docs/report-format.md are the reference. */
#include "order-ctx.h"

#include "text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A time as reports print it; the buffer stays valid for the next 7 calls. */
static const char *tm(order_ctx *c, int64_t t)
{
	char *buf = c->times[c->next_time++ % 8];

	return ls_context_time(c->cx, t, buf, LS_TIME_BUF);
}

/* ---- emitting findings -------------------------------------------------------------------- */

#define TRY(expr)                                                                               \
	do {                                                                                    \
		if ((expr) != LS_OK)                                                            \
			goto nomem;                                                             \
	} while (0)

static ls_status add_hold_ev(ls_finding *f, const hold *h, int64_t t, const char *role)
{
	ls_evidence ev = ls_evidence_blank();
	char buf[96];

	ev.t_ns = t;
	ev.tid = h->tid;
	ev.event_id = t == h->req ? h->req_event : -1;
	ev.event = t == h->req ? LS_EV_LOCK_ACQUIRE
			       : (t == h->rel ? LS_EV_LOCK_RELEASE : LS_EV_LOCK_ACQUIRED);
	if (h->cls == LS_CLASS_VMA_LOCK && h->mode == LS_MODE_WRITE && t == h->rel)
		ev.event = LS_EV_VMA_UNLOCK_ALL;
	ev.lock = h->lock;
	ev.cls = h->cls;
	ev.mode = h->mode;
	ev.ip = t == h->req ? h->req_ip : (h->acq_ip ? h->acq_ip : h->req_ip);
	ev.obj = h->obj;
	snprintf(buf, sizeof(buf), "%s %s (%s)", role, ls_class_label(h->cls), ls_mode_label(h->mode));
	ev.role = buf;
	return ls_finding_add_evidence(f, &ev);
}

/* "holds A / requests B" evidence of an edge instance, with the held stack as a text line. */
static ls_status add_edge_ev(ls_finding *f, const edge_inst *e, const char *label)
{
	char role[64];

	/* The held lock is shown at its acquisition: its request is not "holds". */
	snprintf(role, sizeof(role), "%sholds", label);
	if (add_hold_ev(f, &e->a, e->a.acquired ? e->a.acq : e->a.req, role) != LS_OK)
		return LS_ERR_NOMEM;
	snprintf(role, sizeof(role), "%srequests", label);
	if (add_hold_ev(f, &e->b, e->b.req, role) != LS_OK)
		return LS_ERR_NOMEM;
	if (ls_finding_add_tid(f, e->a.tid) != LS_OK || ls_finding_add_object(f, e->a.lock) != LS_OK ||
	    ls_finding_add_object(f, e->b.lock) != LS_OK)
		return LS_ERR_NOMEM;
	return LS_OK;
}

static void describe_stack(const edge_inst *e, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < e->n_stack && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s(%s)@0x%" PRIx64,
					i ? " > " : "", ls_class_label(e->stack[i].cls),
					ls_mode_label(e->stack[i].mode), e->stack[i].lock);
	if (e->n_stack == 0)
		snprintf(buf, size, "-");
}

static void describe_edge(order_ctx *c, ls_text *t, const edge_inst *e, uint64_t count, bool show_gates)
{
	char stack[512], gates[256];
	size_t len = 0;

	describe_stack(e, stack, sizeof(stack));
	gates[0] = '\0';
	if (show_gates) {
		len = (size_t)snprintf(gates, sizeof(gates), "; %s", e->n_gates ? "gates:" : "no gate lock");
		for (int i = 0; i < e->n_gates && len < sizeof(gates); i++) {
			if (e->gates[i] == GATE_ALL_LOCKS)
				len += (size_t)snprintf(gates + len, sizeof(gates) - len,
							" mm_all_locks_mutex (mm_take_all_locks)");
			else
				len += (size_t)snprintf(gates + len, sizeof(gates) - len,
							" %s(write)@0x%" PRIx64, ls_class_label(e->gate_cls[i]),
							e->gate_lock[i]);
		}
	}
	ls_text_printf(t,
		"%s(%s) -> %s(%s): task %" PRId64 " held %s 0x%" PRIx64 " (%s) since %s"
		" and requested %s 0x%" PRIx64 " (%s) at %s, waiting %" PRId64
		" ns; held stack %s%s; seen %" PRIu64 " time(s). ",
		ls_class_label(e->a.cls), ls_mode_label(e->a.mode), ls_class_label(e->b.cls), ls_mode_label(e->b.mode), e->a.tid,
		ls_class_label(e->a.cls), e->a.lock, ls_mode_label(e->a.mode), tm(c, e->a.acq), ls_class_label(e->b.cls), e->b.lock,
		ls_mode_label(e->b.mode), tm(c, e->b.req), e->wait_ns, stack, gates, count);
}

/* Picks one instance per cycle edge so that no two share a gate (gate-lock argument). */
static bool pick_instances(const edge **es, int k, int i, const edge_inst **chosen)
{
	if (i == k)
		return true;
	const edge *e = es[i];
	const edge_inst *cands[2 + MAX_GATED_REPS];
	int n = 0;

	if (e->ungated.valid)
		cands[n++] = &e->ungated;
	for (int j = 0; j < e->n_gated; j++)
		cands[n++] = &e->gated[j];
	for (int j = 0; j < n; j++) {
		bool ok = true;

		for (int m = 0; m < i && ok; m++)
			ok = order_gates_disjoint(cands[j], chosen[m]);
		if (!ok)
			continue;
		chosen[i] = cands[j];
		if (pick_instances(es, k, i + 1, chosen))
			return true;
	}
	return false;
}

static ls_status emit_cycle(order_ctx *c, const int *path, int k)
{
	int cyc[LS_CLASS_COUNT];
	int start = 0;

	/* Shown from its outermost class in the hierarchy, the way a reader expects it. */
	for (int i = 1; i < k; i++)
		if (ls_class_rank((uint64_t)path[i]) < ls_class_rank((uint64_t)path[start]))
			start = i;
	for (int i = 0; i < k; i++)
		cyc[i] = path[(start + i) % k];

	/* Try every assignment of modes to the cycle's edges; keep the one with the most direct
	 * conflicts whose instances do not share a gate. */
	int best_score = -1;
	const edge *best_es[LS_CLASS_COUNT];
	const edge_inst *best_inst[LS_CLASS_COUNT];
	int best_modes[LS_CLASS_COUNT][2];
	long combos = 1;
	ls_finding *f;
	ls_text t = { 0 };

	for (int i = 0; i < k; i++)
		combos *= 4;
	for (long code = 0; code < combos; code++) {
		const edge *es[LS_CLASS_COUNT];
		int modes[LS_CLASS_COUNT][2];
		long x = code;
		bool ok = true;
		int score = 0;

		for (int i = 0; i < k && ok; i++) {
			modes[i][0] = (int)(x & 1);
			modes[i][1] = (int)((x >> 1) & 1);
			x >>= 2;
			es[i] = &c->edges[cyc[i]][modes[i][0]][cyc[(i + 1) % k]][modes[i][1]];
			ok = es[i]->count > 0;
		}
		if (!ok)
			continue;
		for (int i = 0; i < k && ok; i++) {
			/* node cyc[i+1]: requested by edge i in modes[i][1], held by edge i+1 in
			 * modes[i+1][0] */
			int nc = order_node_conflict(c, cyc[(i + 1) % k], modes[(i + 1) % k][0], modes[i][1]);

			ok = nc > 0;
			score += nc;
		}
		if (!ok || score <= best_score)
			continue;
		const edge_inst *inst[LS_CLASS_COUNT];

		if (!pick_instances(es, k, 0, inst))
			continue;
		best_score = score;
		memcpy(best_es, es, sizeof(es));
		memcpy(best_inst, inst, sizeof(inst));
		memcpy(best_modes, modes, sizeof(modes));
	}
	if (best_score < 0)
		return LS_OK;

	bool direct = best_score == 2 * k;
	char shown[256];
	size_t len = 0;

	for (int i = 0; i <= k; i++)
		len += (size_t)snprintf(shown + len, sizeof(shown) - len, "%s%s", i ? " -> " : "",
					ls_class_label(cyc[i % k]));
	f = ls_findings_add(c->out, LS_FINDING_LOCK_ORDER, direct ? LS_SEV_ERROR : LS_SEV_WARNING,
			    "cycle", "possible deadlock: lock classes taken in a cycle %s", shown);
	if (!f)
		goto nomem;
	c->stats.cycles++;
	f->count = 0;
	for (int i = 0; i < k; i++) {
		const edge *e = best_es[i];

		c->in_cycle[cyc[i]][cyc[(i + 1) % k]] = true;
		f->count += e->count;
		TRY(ls_finding_add_class(f, cyc[i]));
		TRY(add_edge_ev(f, best_inst[i], ""));
		ls_text_printf(&t, "Edge %d: ", i + 1);
		describe_edge(c, &t, best_inst[i], e->count, true);
		if (e->worst.valid && e->worst.b.id != best_inst[i]->b.id &&
		    e->worst.wait_ns > best_inst[i]->wait_ns) {
			ls_text_printf(&t, "Worst instance: ");
			describe_edge(c, &t, &e->worst, e->count, true);
			TRY(add_edge_ev(f, &e->worst, "worst: "));
		}
	}
	for (int i = 0; i < k; i++) {
		int cls = cyc[(i + 1) % k];
		int held = best_modes[(i + 1) % k][0], req = best_modes[i][1];
		int nc = order_node_conflict(c, cls, held, req);

		ls_text_printf(&t, "%s is held for %s and requested for %s: %s. ", ls_class_label(cls), ls_mode_label(held),
			ls_mode_label(req),
			nc == 2 ? "they exclude each other"
				: "two readers, deadlocking once a writer queues between them "
				  "(rwsem readers are not recursive)");
	}
	ls_text_printf(&t, "No gate lock is common to these acquisitions.");
	if (t.failed)
		goto nomem;
	TRY(ls_finding_set_detail(f, "%s", t.s));
	free(t.s);
	return LS_OK;
nomem:
	free(t.s);
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

/* Simple cycles whose smallest class is `s`, by depth-first search over classes > s: each
 * cycle is found exactly once. Seven classes keep this trivial. */
ls_status ls_order_each_cycle(const bool adj[LS_CLASS_COUNT][LS_CLASS_COUNT],
			      ls_status (*fn)(void *ctx, const int *path, int len), void *ctx)
{
	int path[LS_CLASS_COUNT];
	int idx[LS_CLASS_COUNT];
	bool on_path[LS_CLASS_COUNT];

	for (int s = 0; s < LS_CLASS_COUNT; s++) {
		int depth = 0;

		memset(on_path, 0, sizeof(on_path));
		path[0] = s;
		idx[0] = 0;
		on_path[s] = true;
		while (depth >= 0) {
			int u = path[depth];

			if (idx[depth] >= LS_CLASS_COUNT) {
				on_path[u] = false;
				depth--;
				continue;
			}
			int v = idx[depth]++;

			if (!adj[u][v])
				continue;
			if (v == s) {
				ls_status st = fn(ctx, path, depth + 1);

				if (st != LS_OK)
					return st;
				continue;
			}
			if (v < s || on_path[v])
				continue;
			depth++;
			path[depth] = v;
			idx[depth] = 0;
			on_path[v] = true;
		}
	}
	return LS_OK;
}

static ls_status emit_cycle_cb(void *ctx, const int *path, int len)
{
	return emit_cycle(ctx, path, len);
}

ls_status order_find_cycles(order_ctx *c)
{
	bool adj[LS_CLASS_COUNT][LS_CLASS_COUNT] = { { false } };

	for (int a = 0; a < LS_CLASS_COUNT; a++)
		for (int ma = 0; ma < LS_MODE_COUNT; ma++)
			for (int b = 0; b < LS_CLASS_COUNT; b++)
				for (int mb = 0; mb < LS_MODE_COUNT; mb++)
					if (c->edges[a][ma][b][mb].count)
						adj[a][b] = true;
	return ls_order_each_cycle((const bool (*)[LS_CLASS_COUNT])adj, emit_cycle_cb, c);
}

ls_status order_emit_same_class(order_ctx *c)
{
	for (int cls = 0; cls < LS_CLASS_COUNT; cls++) {
		const same_class_result *s = &c->same_class[cls];
		ls_finding *f;
		ls_text t = { 0 };

		if (!s->found)
			continue;
		f = ls_findings_add(c->out, LS_FINDING_LOCK_ORDER,
				    s->needs_writer ? LS_SEV_WARNING : LS_SEV_ERROR, "same-class-abba",
				    "possible deadlock: two %s locks nested in opposite orders",
				    ls_class_label(cls));
		if (!f)
			goto nomem;
		f->count = s->count;
		TRY(ls_finding_add_class(f, cls));
		TRY(add_edge_ev(f, &s->x, ""));
		TRY(add_edge_ev(f, &s->y, ""));
		ls_text_printf(&t, "First order: ");
		describe_edge(c, &t, &s->x, 1, true);
		ls_text_printf(&t, "Opposite order: ");
		describe_edge(c, &t, &s->y, 1, true);
		ls_text_printf(&t, "The two nestings share no gate lock (no common mmap_lock held for write, "
			    "not both inside mm_take_all_locks); %" PRIu64
			    " inverted pair(s) of %s locks in all.",
			s->count, ls_class_label(cls));
		if (t.failed)
			goto nomem_t;
		TRY(ls_finding_set_detail(f, "%s", t.s));
		free(t.s);
		continue;
nomem_t:
		free(t.s);
		goto nomem;
	}
	for (int cls = 0; cls < LS_CLASS_COUNT; cls++) {
		const same_class_result *s = &c->recursive[cls];
		ls_finding *f;

		if (!s->found)
			continue;
		f = ls_findings_add(c->out, LS_FINDING_LOCK_ORDER,
				    s->needs_writer ? LS_SEV_WARNING : LS_SEV_ERROR, "recursive",
				    "%s taken again by the task that holds it", ls_class_label(cls));
		if (!f)
			goto nomem;
		f->count = s->count;
		TRY(ls_finding_add_class(f, cls));
		TRY(add_edge_ev(f, &s->x, ""));
		TRY(ls_finding_set_detail(
			f,
			"Task %" PRId64 " held %s 0x%" PRIx64 " (%s) and asked for it again (%s) at "
			"%s. %s %" PRIu64 " time(s) in all.",
			s->x.a.tid, ls_class_label(cls), s->x.a.lock, ls_mode_label(s->x.a.mode), ls_mode_label(s->x.b.mode),
			tm(c, s->x.b.req),
			s->needs_writer ? "A second down_read deadlocks as soon as a writer queues "
					  "between the two (rwsem readers are not recursive)."
					: "It waits for itself.",
			s->count));
	}
	return LS_OK;
nomem:
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

ls_status order_emit_inversions(order_ctx *c)
{
	for (int a = 0; a < LS_CLASS_COUNT; a++) {
		for (int b = 0; b < LS_CLASS_COUNT; b++) {
			const inversion *inv = &c->inversions[a][b];
			ls_finding *f;

			/* Inversions that closed a reported cycle are explained there. */
			if (!inv->count || c->in_cycle[a][b])
				continue;
			f = ls_findings_add(c->out, LS_FINDING_HIERARCHY, LS_SEV_WARNING, "inversion",
					    "%s requested while holding %s, against the mm lock "
					    "hierarchy",
					    ls_class_label(b), ls_class_label(a));
			if (!f)
				goto nomem;
			f->count = inv->count;
			TRY(ls_finding_add_class(f, a));
			TRY(ls_finding_add_class(f, b));
			for (int i = 0; i < inv->n_tids; i++)
				TRY(ls_finding_add_tid(f, inv->tids[i]));
			TRY(add_edge_ev(f, &inv->first, ""));
			if (inv->worst.valid && inv->worst.b.id != inv->first.b.id)
				TRY(add_edge_ev(f, &inv->worst, "worst: "));
			ls_text t = { 0 };

			ls_text_printf(&t,
				"The documented order is mmap_lock -> vma_lock -> i_mmap -> anon_vma -> "
				"page-table locks; %s is outer to %s. No opposite acquisition was seen "
				"(no cycle), but any path taking them in the documented order can "
				"deadlock against this one. ",
				ls_class_label(b), ls_class_label(a));
			describe_edge(c, &t, &inv->first, inv->count, false);
			if (t.failed) {
				free(t.s);
				goto nomem;
			}
			ls_status st = ls_finding_set_detail(f, "%s", t.s);

			free(t.s);
			if (st != LS_OK)
				goto nomem;
		}
	}
	return LS_OK;
nomem:
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

static bool class_edge(const order_ctx *c, int a, int b)
{
	for (int ma = 0; ma < LS_MODE_COUNT; ma++)
		for (int mb = 0; mb < LS_MODE_COUNT; mb++)
			if (c->edges[a][ma][b][mb].count)
				return true;
	return false;
}

ls_status order_emit_trylocks(order_ctx *c)
{
	for (size_t i = 0; i < c->n_trylocks; i++) {
		const trylock_site *s = &c->trylocks[i];
		unsigned inverted = 0;
		ls_finding *f;
		char held[128];
		size_t len = 0;

		if (!s->failures)
			continue;
		for (int a = 0; a < LS_CLASS_COUNT; a++) {
			if (!(s->held_fail_mask & (1u << a)) || a == s->cls)
				continue;
			if (ls_class_rank((uint64_t)a) > ls_class_rank((uint64_t)s->cls) ||
			    class_edge(c, s->cls, a))
				inverted |= 1u << a;
		}
		if (!inverted)
			continue;
		held[0] = '\0';
		for (int a = 0; a < LS_CLASS_COUNT; a++)
			if (inverted & (1u << a))
				len += (size_t)snprintf(held + len, sizeof(held) - len, "%s%s",
							len ? ", " : "", ls_class_label(a));
		f = ls_findings_add(c->out, LS_FINDING_NOTE, LS_SEV_NOTE, "trylock-inversion",
				    "%s trylock under %s failed %" PRIu64 " of %" PRIu64 " time(s)",
				    ls_class_label(s->cls), held, s->failures, s->attempts);
		if (!f)
			goto nomem;
		f->count = s->failures;
		TRY(ls_finding_add_class(f, s->cls));
		for (int a = 0; a < LS_CLASS_COUNT; a++)
			if (inverted & (1u << a))
				TRY(ls_finding_add_class(f, a));
		for (int j = 0; j < s->n_tids; j++)
			TRY(ls_finding_add_tid(f, s->tids[j]));
		TRY(add_edge_ev(f, &s->first_failure, ""));
		char stack[512];

		describe_stack(&s->first_failure, stack, sizeof(stack));
		TRY(ls_finding_set_detail(
			f,
			"Taking %s while holding %s inverts the lock order, but a trylock fails "
			"instead of waiting, so it adds no deadlock edge. The caller must cope with "
			"the failure: whatever it wanted %s for went unprotected %" PRIu64
			" time(s). First failure by task %" PRId64 " at %s"
			", held stack %s.",
			ls_class_label(s->cls), held, ls_class_label(s->cls), s->failures, s->first_failure.b.tid,
			tm(c, s->first_failure.b.req), stack));
	}
	return LS_OK;
nomem:
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

ls_status order_emit_protocol(order_ctx *c)
{
	for (size_t i = 0; i < c->n_protocol; i++) {
		const protocol_site *s = &c->protocol[i];
		const edge_inst *e = &s->first;
		ls_finding *f;

		if (s->rule == RULE_MARK_WITHOUT_MMAP_WRITE) {
			f = ls_findings_add(c->out, LS_FINDING_PROTOCOL, LS_SEV_ERROR,
					    "mark-without-mmap-write",
					    "VMA write-marked without the mm's mmap_lock held for "
					    "write");
			if (!f)
				goto nomem;
			TRY(ls_finding_add_class(f, LS_CLASS_VMA_LOCK));
			TRY(ls_finding_add_class(f, LS_CLASS_MMAP_LOCK));
			TRY(add_hold_ev(f, &e->b, e->b.req, "marks"));
			char stack[512];

			describe_stack(e, stack, sizeof(stack));
			TRY(ls_finding_set_detail(
				f,
				"vma_start_write() relies on the mmap write lock: mm_lock_seq only "
				"moves on at mmap_write_unlock, so a mark made without it is never "
				"ordered against the unlock-all and readers may see a half-changed "
				"VMA. Task %" PRId64 " marked VMA 0x%" PRIx64 " (mm 0x%" PRIx64
				") at %s holding %s; %" PRIu64 " such mark(s) from this "
				"call site.",
				e->b.tid, e->b.obj ? e->b.obj : e->b.lock, e->b.mm, tm(c, e->b.req), stack,
				s->count));
		} else {
			/* a = the write-mark hold, b = the read hold */
			f = ls_findings_add(c->out, LS_FINDING_PROTOCOL, LS_SEV_ERROR,
					    "vma-read-across-write-section",
					    "per-VMA read lock held while the VMA was write-marked");
			if (!f)
				goto nomem;
			TRY(ls_finding_add_class(f, LS_CLASS_VMA_LOCK));
			TRY(add_hold_ev(f, &e->b, e->b.acq, "reader acquired"));
			TRY(add_hold_ev(f, &e->a, e->a.acq, "writer marked"));
			if (e->a.rel != INT64_MAX)
				TRY(add_hold_ev(f, &e->a, e->a.rel, "unlock-all of"));
			if (e->b.rel != INT64_MAX)
				TRY(add_hold_ev(f, &e->b, e->b.rel, "reader released"));
			TRY(ls_finding_set_detail(
				f,
				"vma_start_write() must wait for readers and vma_start_read() must "
				"refuse a marked VMA, so a read hold may not overlap [mark, "
				"unlock-all). Task %" PRId64 " read-held VMA 0x%" PRIx64 " from %s"
				" to %s%s while task %" PRId64 " had it write-marked from %s"
				" to the unlock-all at %s%s. %" PRIu64 " such read hold(s) from "
				"this call site.",
				e->b.tid, e->b.obj ? e->b.obj : e->b.lock, tm(c, e->b.acq),
				e->b.rel == INT64_MAX ? "trace end, " : "",
				tm(c, e->b.rel == INT64_MAX ? c->t_end : e->b.rel), e->a.tid, tm(c, e->a.acq),
				e->a.rel == INT64_MAX ? "trace end, " : "",
				tm(c, e->a.rel == INT64_MAX ? c->t_end : e->a.rel), s->count));
		}
		f->count = s->count;
		for (int j = 0; j < s->n_tids; j++)
			TRY(ls_finding_add_tid(f, s->tids[j]));
		for (int j = 0; j < s->n_objs; j++)
			TRY(ls_finding_add_object(f, s->objs[j]));
	}
	return LS_OK;
nomem:
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

