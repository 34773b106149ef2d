/* order.c — lock-order violations, as lockdep finds them, from the holds of a loaded trace.
 *
 * One pass over the holds in stream order (a rowid scan: the loader numbers holds as their
 * requests appear; the holds(tid, requested_ns) index is the fallback should ids not follow
 * requests) keeps each task's held-lock stack and turns every blocking acquisition made while
 * holding another lock into a dependency edge between lock classes (with modes, call sites and
 * the gate locks held around it). A second, indexed pass over the per-VMA lock holds checks
 * readers against write-marked sections. Cycles, hierarchy inversions, inverted trylocks and
 * protocol breaches become findings at the end (order-report.c, over the state in order-ctx.h). docs/detectors.md is the reference; the why of
 * each exemption is written next to the code that applies it.
 *
 * It never prints and never writes the database: findings go to the caller's list. */
#include "order-ctx.h"

#include "grow.h"
#include "text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------------------ */


static void add_tid(int64_t *tids, int *n, int64_t tid)
{
	for (int i = 0; i < *n; i++)
		if (tids[i] == tid)
			return;
	if (*n < MAX_TIDS)
		tids[(*n)++] = tid;
}

static int64_t wait_of(const order_ctx *c, const hold *h)
{
	if (h->acquired)
		return h->acq - h->req;
	if (h->waiting_at_end)
		return c->t_end - h->req;
	return 0;
}

bool order_gates_disjoint(const edge_inst *x, const edge_inst *y)
{
	for (int i = 0; i < x->n_gates; i++)
		for (int j = 0; j < y->n_gates; j++)
			if (x->gates[i] == y->gates[j])
				return false;
	return true;
}

static bool gates_equal(const edge_inst *x, const edge_inst *y)
{
	if (x->n_gates != y->n_gates)
		return false;
	for (int i = 0; i < x->n_gates; i++)
		if (x->gates[i] != y->gates[i])
			return false;
	return true;
}

static bool in_all_locks_phase(const order_ctx *c, int64_t tid, int64_t t)
{
	/* all_locks is sorted by (tid, begin); phases are few, a linear scan of the tid's run is
	 * enough after a binary search for its start. */
	size_t lo = 0, hi = c->n_all_locks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->all_locks[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < c->n_all_locks && c->all_locks[i].tid == tid; i++)
		if (c->all_locks[i].begin <= t && t <= c->all_locks[i].end)
			return true;
	return false;
}

/* ---- the same-class pair map (open addressing) --------------------------------------------- */

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static pair_entry *pair_find(pair_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash64(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].used)
			return NULL;
		if (m->slots[i].key == key)
			return &m->slots[i];
	}
}

static pair_entry *pair_insert(pair_map *m, uint64_t key)
{
	pair_entry *e;

	if ((m->n + 1) * 4 >= m->cap * 3) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		pair_entry *slots = calloc(ncap, sizeof(*slots));

		if (!slots)
			return NULL;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].used)
				continue;
			size_t j = hash64(m->slots[i].key) & (ncap - 1);

			while (slots[j].used)
				j = (j + 1) & (ncap - 1);
			slots[j] = m->slots[i];
		}
		free(m->slots);
		m->slots = slots;
		m->cap = ncap;
	}
	e = pair_find(m, key);
	if (e)
		return e;
	size_t i = hash64(key) & (m->cap - 1);

	while (m->slots[i].used)
		i = (i + 1) & (m->cap - 1);
	e = &m->slots[i];
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->key = key;
	m->n++;
	return e;
}

/* ---- reading holds ------------------------------------------------------------------------ */

/* Holds are read with holdrow.h: the owner (obj, mm) comes from the hold, not the lock, since a
 * freed VMA's or page table's address is reused by another mm's object. */

static ls_status load_phases(order_ctx *c)
{
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	size_t cap = 0;
	int rc;

	rc = sqlite3_prepare_v2(c->db,
				"SELECT tid, begin_ns, end_ns FROM phases WHERE phase = ?"
				" ORDER BY tid, begin_ns",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int(st, 1, LS_PHASE_MM_TAKE_ALL_LOCKS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!ls_grow((void **)&c->all_locks, &cap, c->n_all_locks + 1, sizeof(*c->all_locks))) {
			status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
			goto end;
		}
		phase_span *p = &c->all_locks[c->n_all_locks++];

		p->tid = sqlite3_column_int64(st, 0);
		p->begin = sqlite3_column_int64(st, 1);
		p->end = sqlite3_column_type(st, 2) == SQLITE_NULL ? INT64_MAX
								   : sqlite3_column_int64(st, 2);
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading phases: %s",
			      sqlite3_errmsg(c->db));
end:
	sqlite3_finalize(st);
	return status;
}

/* ---- the per-task pass -------------------------------------------------------------------- */

/* Builds the evidence of "task holds `a` and requests `b`": the held stack (innermost last) and
 * the gates of this edge. */
static void make_inst(const order_ctx *c, edge_inst *e, const hold *a, const hold *b,
		      const int64_t *gates, int n_gates)
{
	size_t first = c->n_held > MAX_STACK ? c->n_held - MAX_STACK : 0;

	e->valid = true;
	e->a = *a;
	e->b = *b;
	e->wait_ns = wait_of(c, b);
	e->n_stack = 0;
	for (size_t i = first; i < c->n_held; i++) {
		const hold *h = &c->held[i];
		stack_entry *s = &e->stack[e->n_stack++];

		s->cls = h->cls;
		s->mode = h->mode;
		s->lock = h->lock;
		s->ip = h->acq_ip ? h->acq_ip : h->req_ip;
		s->t = h->acq;
	}
	e->n_gates = n_gates;
	for (int i = 0; i < n_gates; i++) {
		e->gates[i] = gates[i];
		e->gate_lock[i] = 0;
		e->gate_cls[i] = -1;
		for (size_t k = 0; k < c->n_held && gates[i] != GATE_ALL_LOCKS; k++) {
			if (c->held[k].lock_id == gates[i]) {
				e->gate_lock[i] = c->held[k].lock;
				e->gate_cls[i] = c->held[k].cls;
				break;
			}
		}
	}
}

/* The gates of an edge from held lock `a` to the requested `b`: locks the task holds for write
 * that it took no later than `a` (outer to the edge), and the mm_take_all_locks mutex. Two
 * acquisitions made under one common exclusive lock cannot be waiting on each other at the same
 * time, so they cannot form a deadlock together (the gate-lock argument). */
static int gates_for(const order_ctx *c, const hold *a, const hold *b, bool all_locks,
		     int64_t *gates)
{
	int n = 0;

	if (all_locks)
		gates[n++] = GATE_ALL_LOCKS;
	for (size_t i = 0; i < c->n_held && n < MAX_GATES; i++) {
		const hold *g = &c->held[i];

		if (g->acq > a->acq)
			break;
		if (g->mode != LS_MODE_WRITE || g->lock_id == a->lock_id || g->lock_id == b->lock_id)
			continue;
		gates[n++] = g->lock_id;
	}
	return n;
}

static void record_edge(order_ctx *c, const hold *a, const hold *b, const int64_t *gates,
			int n_gates)
{
	edge *e = &c->edges[a->cls][a->mode][b->cls][b->mode];
	int64_t w = wait_of(c, b);
	edge_inst tmp;

	if (e->count == 0)
		c->stats.edges++;
	e->count++;
	c->stats.edge_instances++;
	tmp.valid = false;
	if (!e->first.valid || b->req < e->first.b.req) {
		make_inst(c, &tmp, a, b, gates, n_gates);
		e->first = tmp;
	}
	if (!e->worst.valid || w > e->worst.wait_ns) {
		if (!tmp.valid)
			make_inst(c, &tmp, a, b, gates, n_gates);
		e->worst = tmp;
	}
	if (n_gates == 0) {
		if (!e->ungated.valid) {
			if (!tmp.valid)
				make_inst(c, &tmp, a, b, gates, n_gates);
			e->ungated = tmp;
		}
		return;
	}
	if (e->n_gated >= MAX_GATED_REPS)
		return;
	edge_inst probe;

	probe.n_gates = n_gates;
	memcpy(probe.gates, gates, (size_t)n_gates * sizeof(*gates));
	for (int i = 0; i < e->n_gated; i++)
		if (gates_equal(&e->gated[i], &probe))
			return;
	if (!tmp.valid)
		make_inst(c, &tmp, a, b, gates, n_gates);
	e->gated[e->n_gated++] = tmp;
}

/* A node of a deadlock: `held_mode` is how the lock is held by one task, `req_mode` how the next
 * task asks for it (edges into vma_lock for read never exist: vma_start_read is a trylock).
 * Returns 2 for a direct conflict (either is a write), 1 when both are reads
 * and the class has writers (an rwsem reader is not recursive: a writer queued between them
 * makes the second reader wait — lockdep's rule for down_read), 0 when it cannot block. */
int ls_order_node_conflict(const bool class_written[LS_CLASS_COUNT], int cls, int held_mode,
			   int req_mode)
{
	/* A write-marked VMA blocks nobody: vma_start_read() never waits (it is refused and falls
	 * back to mmap_lock), and another vma_start_write() on it needs the mm's mmap write lock,
	 * which the marker holds (rule mark-without-mmap-write checks that it does). */
	if (cls == LS_CLASS_VMA_LOCK && held_mode == LS_MODE_WRITE)
		return 0;
	if (held_mode == LS_MODE_WRITE || req_mode == LS_MODE_WRITE)
		return 2;
	return class_written[cls] ? 1 : 0;
}

int order_node_conflict(const order_ctx *c, int cls, int held_mode, int req_mode)
{
	return ls_order_node_conflict(c->class_written, cls, held_mode, req_mode);
}

/* False on allocation failure. */
static bool record_same_class(order_ctx *c, const hold *a, const hold *b, const int64_t *gates,
			      int n_gates)
{
	uint64_t key = ((uint64_t)a->lock_id << 32) | (uint64_t)(uint32_t)b->lock_id;
	uint64_t rkey = ((uint64_t)b->lock_id << 32) | (uint64_t)(uint32_t)a->lock_id;
	pair_entry *e = pair_insert(&c->pairs, key);
	pair_entry *rev;
	edge_inst inst;

	if (!e)
		return false;
	rev = pair_find(&c->pairs, rkey); /* after the insert: it may have moved the table */
	bool keep = n_gates == 0 ? !e->ungated.valid : !e->gated.valid;

	if (!rev && !keep)
		return true;
	make_inst(c, &inst, a, b, gates, n_gates);
	if (rev) {
		const edge_inst *cand[2] = { &rev->ungated, &rev->gated };

		for (int i = 0; i < 2; i++) {
			const edge_inst *r = cand[i];

			if (!r->valid || !order_gates_disjoint(&inst, r))
				continue;
			/* Nodes: lock a is held by us in a->mode and requested by the other in
			 * r->b.mode; lock b is held by the other in r->a.mode, requested by us. */
			int na = order_node_conflict(c, a->cls, a->mode, r->b.mode);
			int nb = order_node_conflict(c, b->cls, r->a.mode, b->mode);

			if (!na || !nb)
				continue;
			same_class_result *s = &c->same_class[a->cls];

			s->count++;
			if (!s->found) {
				s->found = true;
				s->x = *r;
				s->y = inst;
				s->needs_writer = na == 1 || nb == 1;
			}
			break;
		}
	}
	if (n_gates == 0 && !e->ungated.valid)
		e->ungated = inst;
	else if (n_gates > 0 && !e->gated.valid)
		e->gated = inst;
	return true;
}

static void record_recursive(order_ctx *c, const hold *a, const hold *b)
{
	int n = order_node_conflict(c, a->cls, a->mode, b->mode);
	same_class_result *s = &c->recursive[a->cls];

	if (!n)
		return;
	s->count++;
	if (!s->found) {
		s->found = true;
		make_inst(c, &s->x, a, b, NULL, 0);
		s->needs_writer = n == 1;
	}
}

static void record_inversion(order_ctx *c, const hold *a, const hold *b)
{
	inversion *inv = &c->inversions[a->cls][b->cls];
	edge_inst tmp;

	inv->count++;
	add_tid(inv->tids, &inv->n_tids, b->tid);
	tmp.valid = false;
	if (!inv->first.valid || b->req < inv->first.b.req) {
		make_inst(c, &tmp, a, b, NULL, 0);
		inv->first = tmp;
	}
	if (!inv->worst.valid || wait_of(c, b) > inv->worst.wait_ns) {
		if (!tmp.valid)
			make_inst(c, &tmp, a, b, NULL, 0);
		inv->worst = tmp;
	}
}

static ls_status record_trylock(order_ctx *c, const hold *b)
{
	trylock_site *s = NULL;
	unsigned mask = 0;
	const hold *innermost = NULL;

	/* The evidence shows the most inverted held lock (largest rank, latest on ties). */
	for (size_t i = 0; i < c->n_held; i++) {
		if (c->held[i].lock_id == b->lock_id)
			continue;
		mask |= 1u << c->held[i].cls;
		if (!innermost || ls_class_rank((uint64_t)c->held[i].cls) >=
					  ls_class_rank((uint64_t)innermost->cls))
			innermost = &c->held[i];
	}
	if (!mask)
		return LS_OK;
	for (size_t i = 0; i < c->n_trylocks; i++) {
		if (c->trylocks[i].cls == b->cls && c->trylocks[i].ip == b->req_ip) {
			s = &c->trylocks[i];
			break;
		}
	}
	if (!s) {
		if (!ls_grow((void **)&c->trylocks, &c->cap_trylocks, c->n_trylocks + 1, sizeof(*c->trylocks)))
			return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
		s = &c->trylocks[c->n_trylocks++];
		memset(s, 0, sizeof(*s));
		s->cls = b->cls;
		s->ip = b->req_ip;
	}
	s->attempts++;
	s->held_mask |= mask;
	if (b->failed) {
		s->failures++;
		s->held_fail_mask |= mask;
		add_tid(s->tids, &s->n_tids, b->tid);
		if (!s->first_failure.valid)
			make_inst(c, &s->first_failure, innermost, b, NULL, 0);
	}
	return LS_OK;
}

static ls_status record_protocol(order_ctx *c, int rule, const edge_inst *inst, uint64_t ip,
				 int64_t tid, uint64_t obj)
{
	protocol_site *s = NULL;

	for (size_t i = 0; i < c->n_protocol; i++) {
		if (c->protocol[i].rule == rule && c->protocol[i].ip == ip) {
			s = &c->protocol[i];
			break;
		}
	}
	if (!s) {
		if (!ls_grow((void **)&c->protocol, &c->cap_protocol, c->n_protocol + 1, sizeof(*c->protocol)))
			return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
		s = &c->protocol[c->n_protocol++];
		memset(s, 0, sizeof(*s));
		s->rule = rule;
		s->ip = ip;
		s->first = *inst;
	}
	s->count++;
	add_tid(s->tids, &s->n_tids, tid);
	for (int i = 0; i < s->n_objs; i++)
		if (s->objs[i] == obj)
			return LS_OK;
	if (s->n_objs < MAX_TIDS)
		s->objs[s->n_objs++] = obj;
	return LS_OK;
}

/* Per-VMA protocol, rule 1: vma_start_write requires the mm's mmap_lock held for write by the
 * marking task (mmap_assert_write_locked()). */
static ls_status check_mark(order_ctx *c, const hold *h)
{
	const hold *mmap = NULL;

	for (size_t i = 0; i < c->n_held; i++) {
		const hold *g = &c->held[i];

		if (g->cls != LS_CLASS_MMAP_LOCK || g->mode != LS_MODE_WRITE)
			continue;
		if (h->mm == 0 || g->obj == h->mm || g->mm == h->mm) {
			mmap = g;
			break;
		}
	}
	if (mmap)
		return LS_OK;
	edge_inst inst;

	make_inst(c, &inst, h, h, NULL, 0);
	return record_protocol(c, RULE_MARK_WITHOUT_MMAP_WRITE, &inst, h->req_ip, h->tid,
			       h->obj ? h->obj : h->lock);
}

static ls_status push_held(order_ctx *c, const hold *h)
{
	if (!ls_grow((void **)&c->held, &c->cap_held, c->n_held + 1, sizeof(*c->held)))
		return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
	c->held[c->n_held++] = *h;
	return LS_OK;
}

/* Drops what the task released at or before `t` (a release and a request in the same
 * nanosecond: program order puts the release first). */
static void expire_held(order_ctx *c, int64_t t)
{
	size_t j = 0;

	for (size_t i = 0; i < c->n_held; i++)
		if (c->held[i].rel > t)
			c->held[j++] = c->held[i];
	c->n_held = j;
}

static ls_status on_hold(order_ctx *c, const hold *h)
{
	ls_status status = LS_OK;

	expire_held(c, h->req);
	/* The read hold a downgrade opens is not an acquisition: the task already had the lock. */
	if (h->child)
		goto push;
	if (!h->trylock && h->mode == LS_MODE_WRITE)
		c->class_written[h->cls] = true;
	if (h->cls == LS_CLASS_VMA_LOCK && h->mode == LS_MODE_WRITE && !h->trylock) {
		status = check_mark(c, h);
		if (status != LS_OK)
			return status;
	}
	if (c->n_held == 0)
		goto push;
	if (h->trylock) {
		/* A trylock never waits, so it adds no edge (lockdep: trylocks are not
		 * dependencies); an inverted one that fails is noted at the end. */
		status = record_trylock(c, h);
		if (status != LS_OK)
			return status;
		goto push;
	}

	bool all_locks = c->n_all_locks && in_all_locks_phase(c, h->tid, h->req);
	size_t same_class_seen = 0;

	for (size_t k = c->n_held; k-- > 0;) {
		const hold *a = &c->held[k];
		int64_t gates[MAX_GATES];
		int n_gates;

		if (a->lock_id == h->lock_id) {
			record_recursive(c, a, h);
			continue;
		}
		n_gates = gates_for(c, a, h, all_locks, gates);
		if (a->cls == h->cls) {
			/* A held write-mark can never be the lock another task waits for (see
			 * order_node_conflict): several VMAs marked in one write section are skipped at once. */
			if (a->cls == LS_CLASS_VMA_LOCK && a->mode == LS_MODE_WRITE)
				continue;
			/* Same-class nesting (several VMAs marked in one write section, the two PTE
			 * locks of move_ptes, mm_take_all_locks) is legal as long as no two tasks
			 * nest the same two locks in opposite orders outside a common gate: judged
			 * per lock instance, not per class. */
			if (same_class_seen++ < SAME_CLASS_PAIRS && !record_same_class(c, a, h, gates, n_gates))
				return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
			continue;
		}
		record_edge(c, a, h, gates, n_gates);
		/* mm_take_all_locks takes the rmap locks in whatever order the VMA list gives,
		 * serialised by its mutex: not a hierarchy breach. */
		if (!all_locks && ls_class_rank((uint64_t)a->cls) > ls_class_rank((uint64_t)h->cls))
			record_inversion(c, a, h);
	}
push:
	if (h->acquired)
		status = push_held(c, h);
	return status;
}

/* Per-task held stacks for the pass in stream order. Open addressing on tid. */
typedef struct {
	bool used;
	int64_t tid;
	int64_t last_req;
	hold *held;
	size_t n_held, cap_held;
} task_state;

typedef struct {
	task_state *slots;
	size_t cap, n;
} task_map;

static task_state *task_get(task_map *m, int64_t tid)
{
	if ((m->n + 1) * 2 >= m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		task_state *slots = calloc(ncap, sizeof(*slots));

		if (!slots)
			return NULL;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].used)
				continue;
			size_t k = hash64((uint64_t)m->slots[i].tid) & (ncap - 1);

			while (slots[k].used)
				k = (k + 1) & (ncap - 1);
			slots[k] = m->slots[i];
		}
		free(m->slots);
		m->slots = slots;
		m->cap = ncap;
	}
	size_t k = hash64((uint64_t)tid) & (m->cap - 1);

	while (m->slots[k].used && m->slots[k].tid != tid)
		k = (k + 1) & (m->cap - 1);
	if (!m->slots[k].used) {
		m->slots[k].used = true;
		m->slots[k].tid = tid;
		m->slots[k].last_req = INT64_MIN;
		m->n++;
	}
	return &m->slots[k];
}

static void task_map_free(task_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].held);
	free(m->slots);
}

/* One pass over the holds. `by_id`: in holds.id order — the loader numbers holds as their
 * requests appear in the stream, so this is a plain rowid scan; each task's stack is kept apart.
 * Should a task's requests come out of order (another loader), *out_of_order is set and the
 * caller starts again with `by_id` false: ordered by the holds(tid, requested_ns) index. */
static ls_status task_pass(order_ctx *c, bool by_id, bool *out_of_order)
{
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	int64_t cur_tid = INT64_MIN;
	task_map tasks = { 0 };
	int rc;

	*out_of_order = false;
	rc = sqlite3_prepare_v2(c->db,
				by_id ? "SELECT " LS_HOLD_COLUMNS " FROM holds h ORDER BY h.id"
				      : "SELECT " LS_HOLD_COLUMNS " FROM holds h"
					" ORDER BY h.tid, h.requested_ns, h.id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		task_state *ts = NULL;
		hold h;

		c->stats.holds++;
		if (!ls_hold_read(st, &h))
			continue;
		if (by_id) {
			ts = task_get(&tasks, h.tid);
			if (!ts) {
				status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
				goto end;
			}
			if (h.req < ts->last_req) {
				*out_of_order = true;
				goto end;
			}
			ts->last_req = h.req;
			c->held = ts->held;
			c->n_held = ts->n_held;
			c->cap_held = ts->cap_held;
		} else if (h.tid != cur_tid) {
			c->n_held = 0;
			cur_tid = h.tid;
		}
		status = on_hold(c, &h);
		if (ts) {
			ts->held = c->held;
			ts->n_held = c->n_held;
			ts->cap_held = c->cap_held;
			c->held = NULL;
			c->n_held = c->cap_held = 0;
		}
		if (status != LS_OK)
			goto end;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading holds: %s",
			      sqlite3_errmsg(c->db));
end:
	task_map_free(&tasks);
	sqlite3_finalize(st);
	return status;
}

/* ---- per-VMA readers against write-marked sections ---------------------------------------- */

static int hold_acq_cmp(const void *x, const void *y)
{
	const hold *a = x, *b = y;

	if (a->acq != b->acq)
		return a->acq < b->acq ? -1 : 1;
	return a->id < b->id ? -1 : (a->id > b->id);
}

/* Per-VMA protocol, rule 2: a VMA write-marked in a write section stays locked until the mm's
 * unlock-all; vma_start_write waits for readers before marking and vma_start_read refuses a
 * marked VMA, so no read hold may overlap [mark, unlock-all). */
static ls_status check_vma_lock(order_ctx *c, hold *hs, size_t n)
{
	hold *marks;
	size_t n_marks = 0;
	ls_status status = LS_OK;

	for (size_t i = 0; i < n; i++)
		if (hs[i].mode == LS_MODE_WRITE)
			n_marks++;
	if (n_marks == 0 || n_marks == n)
		return LS_OK;
	marks = malloc(n_marks * sizeof(*marks));
	if (!marks)
		return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
	n_marks = 0;
	for (size_t i = 0; i < n; i++)
		if (hs[i].mode == LS_MODE_WRITE)
			marks[n_marks++] = hs[i];
	qsort(marks, n_marks, sizeof(*marks), hold_acq_cmp);
	for (size_t i = 0; i < n && status == LS_OK; i++) {
		const hold *r = &hs[i];

		if (r->mode != LS_MODE_READ || r->child)
			continue;
		/* First mark acquired before the reader released. Marks on one VMA do not overlap
		 * each other (the mmap write lock serialises them), so one search suffices. */
		size_t lo = 0, hi = n_marks;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (marks[mid].rel <= r->acq)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n_marks && marks[lo].acq < r->rel && marks[lo].rel > r->acq &&
		    marks[lo].tid != r->tid) {
			edge_inst inst;

			c->n_held = 0;
			make_inst(c, &inst, &marks[lo], r, NULL, 0);
			status = record_protocol(c, RULE_READ_ACROSS_WRITE_SECTION, &inst, r->req_ip,
						 r->tid, r->obj ? r->obj : r->lock);
			if (status == LS_OK)
				add_tid(c->protocol[c->n_protocol - 1].tids,
					&c->protocol[c->n_protocol - 1].n_tids, marks[lo].tid);
		}
	}
	free(marks);
	return status;
}

static ls_status vma_pass(order_ctx *c)
{
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	hold *hs = NULL;
	size_t n = 0, cap = 0;
	int64_t cur = INT64_MIN;
	int rc;

	/* The VMA locks in id order, each with its holds from holds(lock_id, requested_ns): no
	 * sort, and no other class's holds are read (CROSS JOIN keeps that loop order). */
	rc = sqlite3_prepare_v2(c->db,
				"SELECT " LS_HOLD_COLUMNS " FROM locks l CROSS JOIN holds h"
				" ON h.lock_id = l.id WHERE l.class = ?1 AND h.acquired_ns IS NOT NULL"
				" ORDER BY l.id, h.requested_ns",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int(st, 1, LS_CLASS_VMA_LOCK);
	for (;;) {
		hold h;
		bool row;

		rc = sqlite3_step(st);
		row = rc == SQLITE_ROW;
		if (!row && rc != SQLITE_DONE)
			goto db_error;
		if (row && !ls_hold_read(st, &h))
			continue;
		if (!row || h.lock_id != cur) {
			status = check_vma_lock(c, hs, n);
			if (status != LS_OK)
				goto end;
			n = 0;
			if (!row)
				break;
			cur = h.lock_id;
		}
		if (!ls_grow((void **)&hs, &cap, n + 1, sizeof(*hs))) {
			status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
			goto end;
		}
		hs[n++] = h;
	}
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading VMA holds: %s",
			      sqlite3_errmsg(c->db));
end:
	free(hs);
	sqlite3_finalize(st);
	return status;
}

static void ctx_free(order_ctx *c)
{
	if (!c)
		return;
	free(c->pairs.slots);
	free(c->trylocks);
	free(c->protocol);
	free(c->held);
	free(c->all_locks);
	free(c);
}

static order_ctx *ctx_new(ls_store *store, ls_findings *out, ls_error *err)
{
	order_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->store = store;
	c->db = ls_store_borrow_db(store);
	c->out = out;
	c->err = err;
	c->t_end = ls_store_meta_int(store, "t_end_ns", 0);
	return c;
}

ls_status ls_order_check(ls_store *store, ls_context *cx, ls_findings *out, ls_order_stats *stats, ls_error *err)
{
	return ls_order_check_graph(store, cx, out, stats, NULL, err);
}

ls_status ls_order_check_graph(ls_store *store, ls_context *cx, ls_findings *out,
			       ls_order_stats *stats, ls_order_graph **graph, ls_error *err)
{
	order_ctx *c = NULL;
	ls_status status = LS_OK;
	bool out_of_order = true;

	for (int attempt = 0; attempt < 2 && out_of_order && status == LS_OK; attempt++) {
		ctx_free(c);
		c = ctx_new(store, out, err);
		if (!c)
			return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
		c->cx = cx;
		status = load_phases(c);
		if (status == LS_OK)
			status = task_pass(c, attempt == 0, &out_of_order);
	}
	if (status == LS_OK)
		status = vma_pass(c);
	if (status == LS_OK)
		status = order_find_cycles(c);
	if (status == LS_OK)
		status = order_emit_same_class(c);
	if (status == LS_OK)
		status = order_emit_inversions(c);
	if (status == LS_OK)
		status = order_emit_trylocks(c);
	if (status == LS_OK)
		status = order_emit_protocol(c);
	if (stats)
		*stats = c->stats;
	if (status == LS_OK && graph) {
		*graph = malloc(sizeof(**graph));
		if (!*graph) {
			status = ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
		} else {
			memcpy((*graph)->edges, c->edges, sizeof(c->edges));
			memcpy((*graph)->class_written, c->class_written, sizeof(c->class_written));
		}
	}
	ctx_free(c);
	return status;
}
