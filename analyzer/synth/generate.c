/* generate.c — the workload generator behind `lockstep-synth --generate`.
 *
 * Each CPU runs one task at a time; each step of a CPU emits at most one event at that CPU's
 * clock, and the CPU with the smallest clock always steps next, so events leave in global time
 * order and a lock's state is always the state at the event's timestamp. Operations are small
 * state machines (a `pc` per task). Lock rules follow the kernel closely enough for the
 * analyzer: rwsems sleep (sched_switch out, sched_waking from the releaser), spinlocks spin,
 * trylocks fail on any conflict, the per-VMA read lock is refused while the VMA is write-marked
 * or detached, and a blocked acquisition is reported with reason=1 (contended).
 *
 * Lock order is mmap_lock → vma_lock → i_mmap → anon_vma → pte_lock, and nobody blocks while
 * holding a pte lock, so the simulation cannot deadlock. It must not allocate per event. */
#include "generate.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VMAS_PER_MM 8
#define PTES_PER_VMA 2
#define MAX_HELD 8
#define MAX_MARKS 2

/* Kernel-looking addresses: objects in the direct map, call sites in kernel text. */
#define MM_BASE UINT64_C(0xffff888100000000)
#define ANON_BASE UINT64_C(0xffff888110000000)
#define MAPPING_BASE UINT64_C(0xffff888120000000)
#define VMA_BASE UINT64_C(0xffff888200000000)
#define PTE_BASE UINT64_C(0xffff888400000000)
#define USER_BASE UINT64_C(0x00007f0000000000)
#define IP_BASE UINT64_C(0xffffffff81200000)
#define MMAP_LOCK_OFF 0x70
#define VM_LOCK_OFF 0x50
#define ANON_LOCK_OFF 0x8
#define I_MMAP_OFF 0x10
#define PTL_OFF 0x28

enum ip_site {
	IP_FAULT_VMA, IP_FAULT_LOOKUP, IP_FAULT_PTE, IP_FAULT_MMAP, IP_WRITER_MMAP, IP_WRITER_MARK,
	IP_WRITER_IMMAP, IP_WRITER_ANON, IP_WRITER_PTE, IP_WRITER_FREE, IP_WRITER_PHASE,
	IP_RECLAIM_ANON, IP_RECLAIM_PTE, IP_RECLAIM_MMAP, IP_RECLAIM_PHASE, IP_INIT, IP_EXIT,
};
#define IP(site) (IP_BASE + (uint64_t)(site) * 0x140 + 0x2d)

#define NONE (-1)

typedef struct {
	uint32_t readers;
	int32_t writer;               /* task index or NONE */
	int32_t wait_head, wait_tail; /* FIFO of task indexes through gtask.wait_next */
} glock;

typedef struct {
	uint64_t id; /* struct vm_area_struct address */
	uint64_t start, end, serial;
	glock lock;  /* vm_lock rwsem */
	bool marked;
	uint64_t mark_seq;
	glock pte[PTES_PER_VMA];
} gvma;

typedef struct {
	uint64_t addr;
	int32_t pid;
	uint64_t seq; /* mm_lock_seq */
	unsigned live; /* tasks still using the mm */
	bool dead;     /* exit_mmap has begun */
	glock mmap_lock, anon_vma, i_mmap;
	gvma vmas[VMAS_PER_MM];
} gmm;

typedef enum { ROLE_FAULT, ROLE_WRITER, ROLE_RECLAIM } role;
typedef enum { OP_NONE, OP_FAULT, OP_MUNMAP, OP_MPROTECT, OP_RECLAIM, OP_EXIT } op_kind;

typedef struct {
	int32_t tid, pid;
	char comm[32];
	role role;
	unsigned mm;  /* own mm (faulters, writers) */
	unsigned cpu;
	bool on_cpu, done, exiting, exit_sent;
	int32_t rq_next;   /* run queue link */
	int32_t wake_next; /* link in the waker's list of tasks to send sched_waking for */
	int32_t wakes;     /* head of this task's list of pending sched_waking */
	uint64_t ready_t;
	/* the lock this task is acquiring (between lock_acquire and lock_acquired) */
	glock *want;
	int want_mode;
	bool want_spin, granted, waited;
	int32_t wait_next;
	uint64_t held[MAX_HELD];
	unsigned n_held;
	/* the operation in progress */
	op_kind op;
	unsigned pc;
	unsigned opm, slot, pte, mark_i, n_marks, marks[MAX_MARKS], loop;
	uint64_t vma_id, addr, seq, freed_id, rcu_vma;
	unsigned reason;
	bool ok, took_i_mmap;
	unsigned ops;
} gtask;

typedef struct {
	uint64_t next_t, last_t;
	int32_t cur;
	int32_t rq_head, rq_tail;
	bool active;
	char swapper[32];
} gcpu;

struct ls_generate {
	ls_generate_options opt;
	uint64_t rng;
	gtask *tasks;
	unsigned n_tasks;
	gmm *mms;
	unsigned n_mms;
	gcpu *cpus;
	uint32_t *cpu_ids;
	uint64_t vma_serial;
	uint64_t emitted;
	unsigned init_pos, init_count;
	ls_record_schema schema;
};

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rnd(ls_generate *g)
{
	/* xorshift64* */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * UINT64_C(2685821657736338717);
}

static unsigned rnd_below(ls_generate *g, unsigned n)
{
	return (unsigned)((rnd(g) >> 33) % n);
}

static void new_vma(ls_generate *g, gvma *v, unsigned mm, unsigned slot)
{
	uint64_t n = g->vma_serial++;

	memset(v, 0, sizeof(*v));
	v->serial = n;
	v->id = VMA_BASE + n * 0x100;
	v->start = USER_BASE + ((uint64_t)mm << 32) + (uint64_t)slot * 0x1000000 + (n % 16) * 0x10000;
	v->end = v->start + 0x200000;
	v->lock.writer = v->lock.wait_head = v->lock.wait_tail = NONE;
	for (unsigned j = 0; j < PTES_PER_VMA; j++)
		v->pte[j].writer = v->pte[j].wait_head = v->pte[j].wait_tail = NONE;
}

static uint64_t pte_table(const gvma *v, unsigned j)
{
	return PTE_BASE + (v->serial * PTES_PER_VMA + j) * 0x1000;
}

static void glock_init(glock *l)
{
	l->readers = 0;
	l->writer = l->wait_head = l->wait_tail = NONE;
}

static ls_record *event(ls_generate *g, ls_record *rec, const gcpu *c, const gtask *t,
			ls_event_type type)
{
	rec->kind = LS_RECORD_EVENT;
	rec->t = c->next_t;
	rec->cpu = (uint32_t)(c - g->cpus);
	rec->tid = t ? t->tid : 0;
	rec->pid = t ? t->pid : 0;
	rec->procname = t ? t->comm : c->swapper;
	rec->type = type;
	return rec;
}

static void lock_fields(ls_record *r, uint64_t lock, ls_lock_class cls, ls_lock_mode mode)
{
	r->u[LS_F_LOCK] = lock;
	r->u[LS_F_CLASS] = cls;
	r->u[LS_F_MODE] = mode;
}

/* ---- run queues and wakeups ------------------------------------------------------------ */

static void rq_push(ls_generate *g, gcpu *c, int32_t ti)
{
	g->tasks[ti].rq_next = NONE;
	if (c->rq_tail == NONE)
		c->rq_head = ti;
	else
		g->tasks[c->rq_tail].rq_next = ti;
	c->rq_tail = ti;
}

static int32_t rq_pop(ls_generate *g, gcpu *c)
{
	int32_t ti = c->rq_head;

	if (ti != NONE) {
		c->rq_head = g->tasks[ti].rq_next;
		if (c->rq_head == NONE)
			c->rq_tail = NONE;
	}
	return ti;
}

static void activate(gcpu *c, uint64_t at)
{
	if (!c->active) {
		c->active = true;
		if (c->next_t < at)
			c->next_t = at;
	}
}

static bool compatible(const glock *l, int mode)
{
	return mode == LS_MODE_WRITE ? l->readers == 0 && l->writer == NONE : l->writer == NONE;
}

static void take(glock *l, int32_t ti, int mode)
{
	if (mode == LS_MODE_WRITE)
		l->writer = ti;
	else
		l->readers++;
}

/* Hands a released lock to the waiters it now admits (FIFO; a run of readers together). */
static void grant_waiters(ls_generate *g, glock *l, gtask *releaser, uint64_t now)
{
	while (l->wait_head != NONE) {
		int32_t wi = l->wait_head;
		gtask *w = &g->tasks[wi];

		if (!compatible(l, w->want_mode))
			break;
		l->wait_head = w->wait_next;
		if (l->wait_head == NONE)
			l->wait_tail = NONE;
		take(l, wi, w->want_mode);
		w->granted = true;
		if (w->on_cpu) {
			/* spinning, or not switched out yet: it goes on by itself */
			activate(&g->cpus[w->cpu], now + 40 + rnd_below(g, 60));
		} else {
			w->wake_next = releaser->wakes;
			releaser->wakes = wi;
		}
		if (w->want_mode == LS_MODE_WRITE)
			break;
	}
}

/* ---- lock primitives (each emits one event) ------------------------------------------- */

/* lock_acquire of a blocking lock: takes it now when free, else queues the task. */
static void blocking_acquire(ls_generate *g, gtask *t, ls_record *r, glock *l, int mode, bool spin)
{
	int32_t ti = (int32_t)(t - g->tasks);

	r->u[LS_F_TRYLOCK] = 0;
	t->want = l;
	t->want_mode = mode;
	t->want_spin = spin;
	t->waited = false;
	t->granted = false;
	if (compatible(l, mode) && l->wait_head == NONE) {
		take(l, ti, mode);
		t->granted = true;
		return;
	}
	t->waited = true;
	t->wait_next = NONE;
	if (l->wait_tail == NONE)
		l->wait_head = ti;
	else
		g->tasks[l->wait_tail].wait_next = ti;
	l->wait_tail = ti;
}

static void hold(gtask *t, uint64_t lock)
{
	assert(t->n_held < MAX_HELD);
	t->held[t->n_held++] = lock;
}

static void release(ls_generate *g, gtask *t, ls_record *r, glock *l, uint64_t lock, int mode,
		    uint64_t now)
{
	/* LIFO: the generator only ever releases its innermost lock. */
	assert(t->n_held > 0 && t->held[t->n_held - 1] == lock);
	t->n_held--;
	r->u[LS_F_LOCK] = lock;
	if (mode == LS_MODE_WRITE) {
		assert(l->writer == (int32_t)(t - g->tasks));
		l->writer = NONE;
	} else {
		assert(l->readers > 0);
		l->readers--;
	}
	grant_waiters(g, l, t, now);
}

/* ---- scheduling ------------------------------------------------------------------------ */

static ls_record *sched_switch(ls_generate *g, ls_record *r, gcpu *c, gtask *prev, int64_t state,
			       int32_t next)
{
	const gtask *n = next == NONE ? NULL : &g->tasks[next];

	event(g, r, c, prev, LS_EV_SCHED_SWITCH);
	r->str[0] = prev ? prev->comm : c->swapper;
	r->u[LS_F_PREV_TID] = prev ? (uint64_t)(int64_t)prev->tid : 0;
	r->u[LS_F_PREV_STATE] = (uint64_t)state;
	r->str[1] = n ? n->comm : c->swapper;
	r->u[LS_F_NEXT_TID] = n ? (uint64_t)(int64_t)n->tid : 0;
	if (prev)
		prev->on_cpu = false;
	c->cur = next;
	if (n)
		g->tasks[next].on_cpu = true;
	return r;
}

/* TASK_UNINTERRUPTIBLE, as rwsem_down_*_slowpath sleeps; TASK_DEAD, a task's last switch. */
#define TASK_UNINTERRUPTIBLE 2
#define TASK_DEAD 0x80

/* The acquired step of a blocking lock. Returns false (no event) while spinning. */
static bool blocking_acquired(ls_generate *g, gcpu *c, gtask *t, ls_record *r, uint64_t lock,
			      ls_lock_class cls, int mode, unsigned ip)
{
	if (!t->granted) {
		if (t->want_spin) {
			c->active = false; /* spins until grant_waiters() reactivates the CPU */
			return false;
		}
		sched_switch(g, r, c, t, TASK_UNINTERRUPTIBLE, rq_pop(g, c));
		return true;
	}
	event(g, r, c, t, LS_EV_LOCK_ACQUIRED);
	lock_fields(r, lock, cls, (ls_lock_mode)mode);
	r->u[LS_F_SUCCESS] = 1;
	r->u[LS_F_REASON] = t->waited ? LS_REASON_CONTENDED : LS_REASON_NONE;
	r->u[LS_F_IP] = IP(ip);
	hold(t, lock);
	t->want = NULL;
	t->pc++;
	return true;
}

static ls_record *acquire_event(ls_generate *g, ls_record *r, gcpu *c, gtask *t, uint64_t lock,
				ls_lock_class cls, int mode, uint64_t obj, uint64_t mm, unsigned ip)
{
	event(g, r, c, t, LS_EV_LOCK_ACQUIRE);
	lock_fields(r, lock, cls, (ls_lock_mode)mode);
	r->u[LS_F_OBJ] = obj;
	r->u[LS_F_MM] = mm;
	r->u[LS_F_IP] = IP(ip);
	return r;
}

static ls_record *release_event(ls_generate *g, ls_record *r, gcpu *c, gtask *t, glock *l,
				uint64_t lock, ls_lock_class cls, int mode, unsigned ip)
{
	event(g, r, c, t, LS_EV_LOCK_RELEASE);
	release(g, t, r, l, lock, mode, c->next_t);
	r->u[LS_F_CLASS] = cls;
	r->u[LS_F_MODE] = (uint64_t)mode;
	r->u[LS_F_IP] = IP(ip);
	return r;
}

static ls_record *phase_event(ls_generate *g, ls_record *r, gcpu *c, gtask *t, ls_phase name,
			      bool begin, uint64_t mm, unsigned ip)
{
	event(g, r, c, t, LS_EV_PHASE);
	r->u[LS_F_NAME] = name;
	r->u[LS_F_BEGIN] = begin;
	r->u[LS_F_MM] = mm;
	r->u[LS_F_IP] = IP(ip);
	return r;
}

/* ---- operations -------------------------------------------------------------------------- */

/* pc of a task between two operations (it may yield the CPU, then think). */
#define PC_BETWEEN 100

static void end_op(gtask *t)
{
	assert(t->n_held == 0);
	t->op = OP_NONE;
	t->pc = PC_BETWEEN;
}

static uint64_t pte_lock(const gvma *v, unsigned j)
{
	return pte_table(v, j) + PTL_OFF;
}

/* lock_vma_under_rcu + handle_mm_fault, falling back to mmap_lock when the VMA is refused. */
static bool step_fault(ls_generate *g, gcpu *c, gtask *t, ls_record *r)
{
	gmm *m = &g->mms[t->mm];
	gvma *v = &m->vmas[t->slot];

	switch (t->pc) {
	case 0:
		t->slot = rnd_below(g, VMAS_PER_MM);
		v = &m->vmas[t->slot];
		t->vma_id = v->id;
		t->rcu_vma = v->id;
		t->addr = v->start + (uint64_t)rnd_below(g, 512) * 0x1000;
		acquire_event(g, r, c, t, v->id + VM_LOCK_OFF, LS_CLASS_VMA_LOCK, LS_MODE_READ, v->id,
			      m->addr, IP_FAULT_VMA);
		r->u[LS_F_TRYLOCK] = 1;
		t->pc = 1;
		return true;
	case 1:
		/* vma_start_read(): a trylock that the mark or a detach refuses */
		if (v->id != t->vma_id)
			t->reason = LS_REASON_VMA_DETACHED;
		else if (v->marked)
			t->reason = LS_REASON_VMA_WRITE_MARKED;
		else if (!compatible(&v->lock, LS_MODE_READ) || v->lock.wait_head != NONE)
			t->reason = LS_REASON_CONTENDED;
		else
			t->reason = LS_REASON_NONE;
		t->ok = t->reason == LS_REASON_NONE;
		event(g, r, c, t, LS_EV_LOCK_ACQUIRED);
		lock_fields(r, t->vma_id + VM_LOCK_OFF, LS_CLASS_VMA_LOCK, LS_MODE_READ);
		r->u[LS_F_SUCCESS] = t->ok;
		r->u[LS_F_REASON] = t->reason;
		r->u[LS_F_IP] = IP(IP_FAULT_VMA);
		if (t->ok) {
			take(&v->lock, (int32_t)(t - g->tasks), LS_MODE_READ);
			hold(t, v->id + VM_LOCK_OFF);
		}
		t->rcu_vma = 0;
		t->pc = 2;
		return true;
	case 2:
		event(g, r, c, t, LS_EV_VMA_LOOKUP);
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_ADDR] = t->addr;
		r->u[LS_F_VMA] = t->vma_id;
		r->u[LS_F_RESULT] = t->ok ? LS_LOOKUP_LOCKED : LS_LOOKUP_ABORT;
		r->u[LS_F_IP] = IP(IP_FAULT_LOOKUP);
		t->pc = t->ok ? 3 : 10;
		return true;
	case 3: /* under the VMA lock */
	case 12: /* under mmap_lock read: the VMA cannot go away */
		if (t->pc == 12)
			t->slot = rnd_below(g, VMAS_PER_MM), v = &m->vmas[t->slot];
		t->pte = rnd_below(g, PTES_PER_VMA);
		acquire_event(g, r, c, t, pte_lock(v, t->pte), LS_CLASS_PTE_LOCK, LS_MODE_WRITE,
			      pte_table(v, t->pte), m->addr, IP_FAULT_PTE);
		blocking_acquire(g, t, r, &v->pte[t->pte], LS_MODE_WRITE, true);
		t->pc++;
		return true;
	case 4:
	case 13:
		return blocking_acquired(g, c, t, r, pte_lock(v, t->pte), LS_CLASS_PTE_LOCK,
					 LS_MODE_WRITE, IP_FAULT_PTE);
	case 5:
	case 14:
		release_event(g, r, c, t, &v->pte[t->pte], pte_lock(v, t->pte), LS_CLASS_PTE_LOCK,
			      LS_MODE_WRITE, IP_FAULT_PTE);
		t->pc++;
		return true;
	case 6:
		release_event(g, r, c, t, &v->lock, v->id + VM_LOCK_OFF, LS_CLASS_VMA_LOCK,
			      LS_MODE_READ, IP_FAULT_VMA);
		end_op(t);
		return true;
	case 10:
		acquire_event(g, r, c, t, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK, LS_MODE_READ,
			      m->addr, m->addr, IP_FAULT_MMAP);
		blocking_acquire(g, t, r, &m->mmap_lock, LS_MODE_READ, false);
		t->pc = 11;
		return true;
	case 11:
		return blocking_acquired(g, c, t, r, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK,
					 LS_MODE_READ, IP_FAULT_MMAP);
	case 15:
		release_event(g, r, c, t, &m->mmap_lock, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK,
			      LS_MODE_READ, IP_FAULT_MMAP);
		end_op(t);
		return true;
	}
	assert(!"bad fault pc");
	return false;
}

/* munmap / mprotect: the mmap_lock writer that write-marks VMAs until vma_unlock_all. */
static bool step_writer(ls_generate *g, gcpu *c, gtask *t, ls_record *r)
{
	gmm *m = &g->mms[t->mm];
	bool unmap = t->op == OP_MUNMAP;
	gvma *v = &m->vmas[t->marks[t->mark_i < t->n_marks ? t->mark_i : 0]];
	uint64_t mmap_lock = m->addr + MMAP_LOCK_OFF;

	switch (t->pc) {
	case 0:
		phase_event(g, r, c, t, unmap ? LS_PHASE_MUNMAP : LS_PHASE_MPROTECT, true, m->addr,
			    IP_WRITER_PHASE);
		t->pc = 1;
		return true;
	case 1:
		acquire_event(g, r, c, t, mmap_lock, LS_CLASS_MMAP_LOCK, LS_MODE_WRITE, m->addr,
			      m->addr, IP_WRITER_MMAP);
		blocking_acquire(g, t, r, &m->mmap_lock, LS_MODE_WRITE, false);
		t->pc = 2;
		return true;
	case 2:
		if (!blocking_acquired(g, c, t, r, mmap_lock, LS_CLASS_MMAP_LOCK, LS_MODE_WRITE,
				       IP_WRITER_MMAP))
			return false;
		if (t->pc == 3) {
			t->seq = m->seq;
			t->n_marks = unmap ? 1 : 1 + rnd_below(g, MAX_MARKS);
			t->marks[0] = rnd_below(g, VMAS_PER_MM);
			t->marks[1] = (t->marks[0] + 1 + rnd_below(g, VMAS_PER_MM - 1)) % VMAS_PER_MM;
			t->mark_i = 0;
		}
		return true;
	case 3: /* vma_start_write() on each VMA, unless already marked in this sequence */
		while (t->mark_i < t->n_marks && m->vmas[t->marks[t->mark_i]].marked)
			t->mark_i++;
		if (t->mark_i == t->n_marks) {
			t->pc = 7;
			t->took_i_mmap = false;
			return false;
		}
		v = &m->vmas[t->marks[t->mark_i]];
		acquire_event(g, r, c, t, v->id + VM_LOCK_OFF, LS_CLASS_VMA_LOCK, LS_MODE_WRITE, v->id,
			      m->addr, IP_WRITER_MARK);
		blocking_acquire(g, t, r, &v->lock, LS_MODE_WRITE, false);
		t->pc = 4;
		return true;
	case 4:
		return blocking_acquired(g, c, t, r, v->id + VM_LOCK_OFF, LS_CLASS_VMA_LOCK,
					 LS_MODE_WRITE, IP_WRITER_MARK);
	case 5:
		event(g, r, c, t, LS_EV_VMA_WRITE_MARK);
		r->u[LS_F_VMA] = v->id;
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_SEQ] = t->seq;
		r->u[LS_F_IP] = IP(IP_WRITER_MARK);
		v->marked = true;
		v->mark_seq = t->seq;
		t->pc = 6;
		return true;
	case 6: /* the inner rwsem goes; the mark stays until vma_unlock_all */
		release_event(g, r, c, t, &v->lock, v->id + VM_LOCK_OFF, LS_CLASS_VMA_LOCK,
			      LS_MODE_WRITE, IP_WRITER_MARK);
		t->mark_i++;
		t->pc = 3;
		return true;
	case 7:
		v = &m->vmas[t->marks[0]];
		t->mark_i = 0;
		if (!unmap) {
			t->pc = 11;
			t->loop = 0;
			return false;
		}
		if (t->ops % 2) { /* a file mapping: i_mmap first */
			t->took_i_mmap = true;
			acquire_event(g, r, c, t, MAPPING_BASE + t->mm * 0x200 + I_MMAP_OFF,
				      LS_CLASS_I_MMAP, LS_MODE_WRITE, MAPPING_BASE + t->mm * 0x200, m->addr,
				      IP_WRITER_IMMAP);
			blocking_acquire(g, t, r, &m->i_mmap, LS_MODE_WRITE, false);
			t->pc = 8;
			return true;
		}
		t->pc = 9;
		return false;
	case 8:
		return blocking_acquired(g, c, t, r, MAPPING_BASE + t->mm * 0x200 + I_MMAP_OFF,
					 LS_CLASS_I_MMAP, LS_MODE_WRITE, IP_WRITER_IMMAP);
	case 9:
		acquire_event(g, r, c, t, ANON_BASE + t->mm * 0x100 + ANON_LOCK_OFF, LS_CLASS_ANON_VMA,
			      LS_MODE_WRITE, ANON_BASE + t->mm * 0x100, m->addr, IP_WRITER_ANON);
		blocking_acquire(g, t, r, &m->anon_vma, LS_MODE_WRITE, false);
		t->pc = 10;
		return true;
	case 10:
		if (!blocking_acquired(g, c, t, r, ANON_BASE + t->mm * 0x100 + ANON_LOCK_OFF,
				       LS_CLASS_ANON_VMA, LS_MODE_WRITE, IP_WRITER_ANON))
			return false;
		t->loop = 0;
		return true;
	case 11: /* zap / change_protection: each page table under its lock */
		v = &m->vmas[t->marks[0]];
		if (t->loop == PTES_PER_VMA) {
			t->pc = unmap ? 14 : 19;
			return false;
		}
		acquire_event(g, r, c, t, pte_lock(v, t->loop), LS_CLASS_PTE_LOCK, LS_MODE_WRITE,
			      pte_table(v, t->loop), m->addr, IP_WRITER_PTE);
		blocking_acquire(g, t, r, &v->pte[t->loop], LS_MODE_WRITE, true);
		t->pc = 12;
		return true;
	case 12:
		v = &m->vmas[t->marks[0]];
		return blocking_acquired(g, c, t, r, pte_lock(v, t->loop), LS_CLASS_PTE_LOCK,
					 LS_MODE_WRITE, IP_WRITER_PTE);
	case 13:
		v = &m->vmas[t->marks[0]];
		release_event(g, r, c, t, &v->pte[t->loop], pte_lock(v, t->loop), LS_CLASS_PTE_LOCK,
			      LS_MODE_WRITE, IP_WRITER_PTE);
		t->loop++;
		t->pc = 11;
		return true;
	case 14: /* munmap: out of the maple tree, freed after an RCU grace period */
		v = &m->vmas[t->marks[0]];
		event(g, r, c, t, LS_EV_OBJ_DETACH);
		r->u[LS_F_OBJ] = v->id;
		r->u[LS_F_KIND] = LS_KIND_VMA;
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_IP] = IP(IP_WRITER_FREE);
		t->freed_id = v->id;
		t->pc = 15;
		return true;
	case 15:
		event(g, r, c, t, LS_EV_OBJ_FREE);
		r->u[LS_F_OBJ] = t->freed_id;
		r->u[LS_F_KIND] = LS_KIND_VMA;
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_DEFERRED] = 1;
		r->u[LS_F_IP] = IP(IP_WRITER_FREE);
		/* the slot gets a new VMA (the next mmap), created write-marked in this sequence —
		 * after the rmap locks are dropped: marking under anon_vma is the inversion of race 4 */
		new_vma(g, &m->vmas[t->marks[0]], t->mm, t->marks[0]);
		t->pc = 18;
		return true;
	case 16:
		v = &m->vmas[t->marks[0]];
		event(g, r, c, t, LS_EV_OBJ_ALLOC);
		r->u[LS_F_OBJ] = v->id;
		r->u[LS_F_KIND] = LS_KIND_VMA;
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_START] = v->start;
		r->u[LS_F_END] = v->end;
		r->u[LS_F_IP] = IP(IP_WRITER_FREE);
		t->pc = 17;
		return true;
	case 17:
		v = &m->vmas[t->marks[0]];
		event(g, r, c, t, LS_EV_VMA_WRITE_MARK);
		r->u[LS_F_VMA] = v->id;
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_SEQ] = t->seq;
		r->u[LS_F_IP] = IP(IP_WRITER_MARK);
		v->marked = true;
		v->mark_seq = t->seq;
		t->pc = 19;
		return true;
	case 18:
		release_event(g, r, c, t, &m->anon_vma, ANON_BASE + t->mm * 0x100 + ANON_LOCK_OFF,
			      LS_CLASS_ANON_VMA, LS_MODE_WRITE, IP_WRITER_ANON);
		t->pc = !unmap ? 19 : t->took_i_mmap ? 20 : 16;
		return true;
	case 20:
		release_event(g, r, c, t, &m->i_mmap, MAPPING_BASE + t->mm * 0x200 + I_MMAP_OFF,
			      LS_CLASS_I_MMAP, LS_MODE_WRITE, IP_WRITER_IMMAP);
		t->pc = 16;
		return true;
	case 19: /* mmap_write_unlock: vma_end_write_all, then up_write */
		event(g, r, c, t, LS_EV_VMA_UNLOCK_ALL);
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_SEQ] = t->seq;
		r->u[LS_F_IP] = IP(IP_WRITER_MMAP);
		for (unsigned i = 0; i < VMAS_PER_MM; i++)
			if (m->vmas[i].marked && m->vmas[i].mark_seq == t->seq)
				m->vmas[i].marked = false;
		m->seq++;
		t->pc = 21;
		return true;
	case 21:
		release_event(g, r, c, t, &m->mmap_lock, mmap_lock, LS_CLASS_MMAP_LOCK, LS_MODE_WRITE,
			      IP_WRITER_MMAP);
		t->pc = 22;
		return true;
	case 22:
		phase_event(g, r, c, t, unmap ? LS_PHASE_MUNMAP : LS_PHASE_MPROTECT, false, m->addr,
			    IP_WRITER_PHASE);
		t->pc = 23;
		if (!unmap)
			end_op(t);
		return true;
	case 23: /* the RCU callback, once no lookup can still see the VMA */
		for (unsigned i = 0; i < g->n_tasks; i++) {
			if (g->tasks[i].rcu_vma == t->freed_id) {
				c->next_t += 200;
				return false;
			}
		}
		event(g, r, c, t, LS_EV_OBJ_FREE_DONE);
		r->u[LS_F_OBJ] = t->freed_id;
		r->u[LS_F_KIND] = LS_KIND_VMA;
		end_op(t);
		return true;
	}
	assert(!"bad writer pc");
	return false;
}

/* Reclaim's rmap walk: anon_vma read, each mapping's page table, an mmap_lock trylock. */
static bool step_reclaim(ls_generate *g, gcpu *c, gtask *t, ls_record *r)
{
	gmm *m = &g->mms[t->opm];
	gvma *v = &m->vmas[t->slot];
	uint64_t anon = ANON_BASE + t->opm * 0x100;

	switch (t->pc) {
	case 0:
		/* a live mm; exit_mmap may already have taken some */
		t->opm = rnd_below(g, g->n_mms);
		for (unsigned k = 0; k < g->n_mms && g->mms[t->opm].dead; k++)
			t->opm = (t->opm + 1) % g->n_mms;
		m = &g->mms[t->opm];
		if (m->dead) {
			end_op(t);
			return false;
		}
		phase_event(g, r, c, t, LS_PHASE_TRY_TO_UNMAP, true, m->addr, IP_RECLAIM_PHASE);
		t->pc = 1;
		return true;
	case 1:
		acquire_event(g, r, c, t, anon + ANON_LOCK_OFF, LS_CLASS_ANON_VMA, LS_MODE_READ, anon,
			      m->addr, IP_RECLAIM_ANON);
		blocking_acquire(g, t, r, &m->anon_vma, LS_MODE_READ, false);
		t->pc = 2;
		return true;
	case 2:
		if (!blocking_acquired(g, c, t, r, anon + ANON_LOCK_OFF, LS_CLASS_ANON_VMA,
				       LS_MODE_READ, IP_RECLAIM_ANON))
			return false;
		if (t->pc == 3 && m->dead)
			t->pc = 9; /* exit_mmap unlinked everything while we waited */
		return true;
	case 3:
		t->slot = rnd_below(g, VMAS_PER_MM);
		v = &m->vmas[t->slot];
		t->pte = rnd_below(g, PTES_PER_VMA);
		acquire_event(g, r, c, t, pte_lock(v, t->pte), LS_CLASS_PTE_LOCK, LS_MODE_WRITE,
			      pte_table(v, t->pte), m->addr, IP_RECLAIM_PTE);
		blocking_acquire(g, t, r, &v->pte[t->pte], LS_MODE_WRITE, true);
		t->pc = 4;
		return true;
	case 4:
		return blocking_acquired(g, c, t, r, pte_lock(v, t->pte), LS_CLASS_PTE_LOCK,
					 LS_MODE_WRITE, IP_RECLAIM_PTE);
	case 5:
		release_event(g, r, c, t, &v->pte[t->pte], pte_lock(v, t->pte), LS_CLASS_PTE_LOCK,
			      LS_MODE_WRITE, IP_RECLAIM_PTE);
		t->pc = 6;
		return true;
	case 6:
		acquire_event(g, r, c, t, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK, LS_MODE_READ,
			      m->addr, m->addr, IP_RECLAIM_MMAP);
		r->u[LS_F_TRYLOCK] = 1;
		t->pc = 7;
		return true;
	case 7:
		t->ok = compatible(&m->mmap_lock, LS_MODE_READ) && m->mmap_lock.wait_head == NONE;
		event(g, r, c, t, LS_EV_LOCK_ACQUIRED);
		lock_fields(r, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK, LS_MODE_READ);
		r->u[LS_F_SUCCESS] = t->ok;
		r->u[LS_F_REASON] = t->ok ? LS_REASON_NONE : LS_REASON_CONTENDED;
		r->u[LS_F_IP] = IP(IP_RECLAIM_MMAP);
		if (t->ok) {
			take(&m->mmap_lock, (int32_t)(t - g->tasks), LS_MODE_READ);
			hold(t, m->addr + MMAP_LOCK_OFF);
		}
		t->pc = t->ok ? 8 : 9;
		return true;
	case 8:
		release_event(g, r, c, t, &m->mmap_lock, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK,
			      LS_MODE_READ, IP_RECLAIM_MMAP);
		t->pc = 9;
		return true;
	case 9:
		release_event(g, r, c, t, &m->anon_vma, anon + ANON_LOCK_OFF, LS_CLASS_ANON_VMA,
			      LS_MODE_READ, IP_RECLAIM_ANON);
		t->pc = 10;
		return true;
	case 10:
		phase_event(g, r, c, t, LS_PHASE_TRY_TO_UNMAP, false, m->addr, IP_RECLAIM_PHASE);
		end_op(t);
		return true;
	}
	assert(!"bad reclaim pc");
	return false;
}

/* exit_mmap by the mm's last task: every VMA detached and freed at once under mmap_lock and
 * anon_vma held for write (unlink_anon_vmas), then the mm itself. */
static bool step_exit(ls_generate *g, gcpu *c, gtask *t, ls_record *r)
{
	gmm *m = &g->mms[t->mm];
	uint64_t anon = ANON_BASE + t->mm * 0x100;
	gvma *v = &m->vmas[t->loop < VMAS_PER_MM ? t->loop : 0];

	switch (t->pc) {
	case 0:
		m->dead = true;
		phase_event(g, r, c, t, LS_PHASE_EXIT_MMAP, true, m->addr, IP_EXIT);
		t->pc = 1;
		return true;
	case 1:
		acquire_event(g, r, c, t, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK, LS_MODE_WRITE,
			      m->addr, m->addr, IP_EXIT);
		blocking_acquire(g, t, r, &m->mmap_lock, LS_MODE_WRITE, false);
		t->pc = 2;
		return true;
	case 2:
		return blocking_acquired(g, c, t, r, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK,
					 LS_MODE_WRITE, IP_EXIT);
	case 3:
		acquire_event(g, r, c, t, anon + ANON_LOCK_OFF, LS_CLASS_ANON_VMA, LS_MODE_WRITE, anon,
			      m->addr, IP_EXIT);
		blocking_acquire(g, t, r, &m->anon_vma, LS_MODE_WRITE, false);
		t->pc = 4;
		return true;
	case 4:
		if (!blocking_acquired(g, c, t, r, anon + ANON_LOCK_OFF, LS_CLASS_ANON_VMA,
				       LS_MODE_WRITE, IP_EXIT))
			return false;
		t->loop = 0;
		return true;
	case 5:
		if (t->loop == VMAS_PER_MM) {
			t->pc = 7;
			return false;
		}
		event(g, r, c, t, LS_EV_OBJ_DETACH);
		r->u[LS_F_OBJ] = v->id;
		r->u[LS_F_KIND] = LS_KIND_VMA;
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_IP] = IP(IP_EXIT);
		t->pc = 6;
		return true;
	case 6: /* the mm is unreachable: no RCU delay */
		event(g, r, c, t, LS_EV_OBJ_FREE);
		r->u[LS_F_OBJ] = v->id;
		r->u[LS_F_KIND] = LS_KIND_VMA;
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_DEFERRED] = 0;
		r->u[LS_F_IP] = IP(IP_EXIT);
		t->loop++;
		t->pc = 5;
		return true;
	case 7:
		release_event(g, r, c, t, &m->anon_vma, anon + ANON_LOCK_OFF, LS_CLASS_ANON_VMA,
			      LS_MODE_WRITE, IP_EXIT);
		t->pc = 8;
		return true;
	case 8:
		event(g, r, c, t, LS_EV_VMA_UNLOCK_ALL);
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_SEQ] = m->seq++;
		r->u[LS_F_IP] = IP(IP_EXIT);
		t->pc = 9;
		return true;
	case 9:
		release_event(g, r, c, t, &m->mmap_lock, m->addr + MMAP_LOCK_OFF, LS_CLASS_MMAP_LOCK,
			      LS_MODE_WRITE, IP_EXIT);
		t->pc = 10;
		return true;
	case 10:
		phase_event(g, r, c, t, LS_PHASE_EXIT_MMAP, false, m->addr, IP_EXIT);
		t->pc = 11;
		return true;
	case 11:
	case 12:
		event(g, r, c, t, LS_EV_OBJ_FREE);
		r->u[LS_F_OBJ] = t->pc == 11 ? anon : m->addr;
		r->u[LS_F_KIND] = t->pc == 11 ? LS_KIND_ANON_VMA : LS_KIND_MM;
		r->u[LS_F_MM] = m->addr;
		r->u[LS_F_IP] = IP(IP_EXIT);
		if (t->pc++ == 12)
			end_op(t);
		return true;
	}
	assert(!"bad exit pc");
	return false;
}

/* One step of CPU c: at most one event, at c->next_t. */
static bool step_cpu(ls_generate *g, gcpu *c, ls_record *r)
{
	gtask *t;

	if (c->cur == NONE) {
		int32_t head = c->rq_head;
		if (head == NONE) {
			c->active = false;
			return false;
		}
		if (g->tasks[head].ready_t > c->next_t) {
			c->next_t = g->tasks[head].ready_t;
			return false;
		}
		sched_switch(g, r, c, NULL, 0, rq_pop(g, c));
		return true;
	}
	t = &g->tasks[c->cur];
	if (t->wakes != NONE) {
		gtask *w = &g->tasks[t->wakes];
		gcpu *wc = &g->cpus[w->cpu];

		t->wakes = w->wake_next;
		event(g, r, c, t, LS_EV_SCHED_WAKING);
		r->str[0] = w->comm;
		r->u[LS_F_TID] = (uint64_t)(int64_t)w->tid;
		r->u[LS_F_TARGET_CPU] = w->cpu;
		w->ready_t = c->next_t + 1;
		rq_push(g, wc, (int32_t)(w - g->tasks));
		if (wc->cur == NONE)
			activate(wc, c->next_t + 300 + rnd_below(g, 700));
		return true;
	}
	if (t->op == OP_NONE) {
		if (t->pc == PC_BETWEEN) {
			/* between operations: let the run queue have the CPU, else run user code */
			t->pc = 0;
			if (c->rq_head != NONE && g->tasks[c->rq_head].ready_t <= c->next_t) {
				rq_push(g, c, c->cur);
				sched_switch(g, r, c, t, 0, rq_pop(g, c));
				return true;
			}
			c->next_t += 500 + rnd_below(g, 3000);
			return false;
		}
		if (g->emitted >= g->opt.events) {
			/* enough events: the task exits; the last user of an mm tears it down */
			if (!t->exiting) {
				t->exiting = true;
				if (t->role != ROLE_RECLAIM && --g->mms[t->mm].live == 0) {
					t->op = OP_EXIT;
					return false;
				}
			}
			if (!t->exit_sent) {
				t->exit_sent = true;
				event(g, r, c, t, LS_EV_SCHED_PROCESS_EXIT);
				r->str[0] = t->comm;
				r->u[LS_F_TID] = (uint64_t)(int64_t)t->tid;
				return true;
			}
			t->done = true;
			sched_switch(g, r, c, t, TASK_DEAD, rq_pop(g, c));
			return true;
		}
		t->ops++;
		t->pc = 0;
		switch (t->role) {
		case ROLE_FAULT: t->op = OP_FAULT; break;
		case ROLE_WRITER: t->op = (t->ops % 3) ? OP_MUNMAP : OP_MPROTECT; break;
		case ROLE_RECLAIM: t->op = OP_RECLAIM; break;
		}
		return false;
	}
	switch (t->op) {
	case OP_FAULT: return step_fault(g, c, t, r);
	case OP_MUNMAP:
	case OP_MPROTECT: return step_writer(g, c, t, r);
	case OP_RECLAIM: return step_reclaim(g, c, t, r);
	case OP_EXIT: return step_exit(g, c, t, r);
	case OP_NONE: break;
	}
	return false;
}

/* The mms' objects, allocated before anything runs (as fork/exec would have). */
static void init_event(ls_generate *g, ls_record *r)
{
	unsigned per_mm = 3 + VMAS_PER_MM;
	unsigned mi = g->init_pos / per_mm, k = g->init_pos % per_mm;
	gmm *m = &g->mms[mi];
	gtask *leader = NULL;

	for (unsigned i = 0; i < g->n_tasks && !leader; i++)
		if (g->tasks[i].role != ROLE_RECLAIM && g->tasks[i].mm == mi)
			leader = &g->tasks[i];
	g->cpus[0].next_t = 1000 + (uint64_t)g->init_pos * 100;
	event(g, r, &g->cpus[0], leader, LS_EV_OBJ_ALLOC);
	r->u[LS_F_MM] = m->addr;
	r->u[LS_F_IP] = IP(IP_INIT);
	if (k == 0) {
		r->u[LS_F_OBJ] = m->addr;
		r->u[LS_F_KIND] = LS_KIND_MM;
	} else if (k == 1) {
		r->u[LS_F_OBJ] = ANON_BASE + mi * 0x100;
		r->u[LS_F_KIND] = LS_KIND_ANON_VMA;
	} else if (k == 2) {
		r->u[LS_F_OBJ] = MAPPING_BASE + mi * 0x200;
		r->u[LS_F_KIND] = LS_KIND_ADDRESS_SPACE;
	} else {
		const gvma *v = &m->vmas[k - 3];
		r->u[LS_F_OBJ] = v->id;
		r->u[LS_F_KIND] = LS_KIND_VMA;
		r->u[LS_F_START] = v->start;
		r->u[LS_F_END] = v->end;
	}
	g->init_pos++;
}

ls_status ls_generate_next(void *data, ls_record *rec, bool *done, ls_error *err)
{
	ls_generate *g = data;

	*done = false;
	if (g->init_pos < g->init_count) {
		init_event(g, rec);
		g->cpus[0].last_t = rec->t;
		if (g->init_pos == g->init_count)
			for (unsigned i = 0; i < g->opt.cpus; i++)
				g->cpus[i].next_t = rec->t + 1000 + i * 37;
		g->emitted++;
		return LS_OK;
	}
	for (;;) {
		gcpu *c = NULL;

		for (unsigned i = 0; i < g->opt.cpus; i++)
			if (g->cpus[i].active && (!c || g->cpus[i].next_t < c->next_t))
				c = &g->cpus[i];
		if (!c) {
			for (unsigned i = 0; i < g->n_tasks; i++)
				if (!g->tasks[i].done)
					return ls_error_set(err, LS_ERR_INTERNAL, NULL,
							    "generator stalled with task %d waiting",
							    g->tasks[i].tid);
			*done = true;
			return LS_OK;
		}
		memset(rec, 0, sizeof(*rec));
		if (step_cpu(g, c, rec)) {
			assert(rec->t == c->next_t && rec->t > c->last_t);
			c->last_t = rec->t;
			c->next_t = rec->t + 40 + rnd_below(g, 200);
			g->emitted++;
			return LS_OK;
		}
	}
}

ls_status ls_generate_new(const ls_generate_options *opt, ls_generate **out, ls_error *err)
{
	ls_generate *g = NULL;
	unsigned n_writers, reclaim;
	ls_status st = LS_OK;

	*out = NULL;
	if (opt->tasks < 2 || opt->tasks > 100000 || opt->cpus < 1 || opt->cpus > 4096)
		return ls_error_set(err, LS_ERR_USAGE, NULL,
				    "--tasks must be 2..100000 and --cpus 1..4096");
	g = calloc(1, sizeof(*g));
	if (!g)
		goto nomem;
	g->opt = *opt;
	g->rng = opt->seed * UINT64_C(0x9E3779B97F4A7C15) + UINT64_C(0x2545F4914F6CDD1D);
	if (!g->rng)
		g->rng = 1;
	g->n_tasks = opt->tasks;
	g->n_mms = (opt->tasks + 3) / 4;
	if (g->n_mms > 64)
		g->n_mms = 64;
	g->tasks = calloc(g->n_tasks, sizeof(*g->tasks));
	g->mms = calloc(g->n_mms, sizeof(*g->mms));
	g->cpus = calloc(opt->cpus, sizeof(*g->cpus));
	g->cpu_ids = calloc(opt->cpus, sizeof(*g->cpu_ids));
	if (!g->tasks || !g->mms || !g->cpus || !g->cpu_ids)
		goto nomem;

	for (unsigned i = 0; i < g->n_mms; i++) {
		gmm *m = &g->mms[i];
		m->addr = MM_BASE + (uint64_t)i * 0x1000;
		m->seq = 1;
		glock_init(&m->mmap_lock);
		glock_init(&m->anon_vma);
		glock_init(&m->i_mmap);
		for (unsigned s = 0; s < VMAS_PER_MM; s++)
			new_vma(g, &m->vmas[s], i, s);
	}
	/* One kswapd when there is room for it, a fifth writers, the rest faulting. */
	reclaim = opt->tasks >= 4;
	n_writers = opt->tasks / 5 ? opt->tasks / 5 : 1;
	for (unsigned i = 0; i < g->n_tasks; i++) {
		gtask *t = &g->tasks[i];
		t->rq_next = t->wake_next = t->wakes = t->wait_next = NONE;
		t->cpu = i % opt->cpus;
		if (reclaim && i == g->n_tasks - 1) {
			t->role = ROLE_RECLAIM;
			t->tid = t->pid = 90;
			snprintf(t->comm, sizeof(t->comm), "kswapd0");
			continue;
		}
		t->role = i % 5 == 4 || (n_writers == 1 && i == 1) ? ROLE_WRITER : ROLE_FAULT;
		t->mm = i % g->n_mms;
		t->tid = 1000 + (int32_t)i;
		t->pid = 1000 + (int32_t)t->mm; /* task i == mm i leads its thread group */
		snprintf(t->comm, sizeof(t->comm), "%s-%u", t->role == ROLE_WRITER ? "mmap-writer" : "faulter",
			 i);
	}
	for (unsigned i = 0; i < g->n_mms; i++)
		g->mms[i].pid = 1000 + (int32_t)i;
	for (unsigned i = 0; i < g->n_tasks; i++)
		if (g->tasks[i].role != ROLE_RECLAIM)
			g->mms[g->tasks[i].mm].live++;
	for (unsigned i = 0; i < opt->cpus; i++) {
		gcpu *c = &g->cpus[i];
		c->cur = c->rq_head = c->rq_tail = NONE;
		c->active = true;
		snprintf(c->swapper, sizeof(c->swapper), "swapper/%u", i);
		g->cpu_ids[i] = i;
	}
	/* Each CPU starts idle with its tasks queued; the first step switches one in. */
	for (unsigned i = 0; i < g->n_tasks; i++)
		rq_push(g, &g->cpus[g->tasks[i].cpu], (int32_t)i);
	g->init_count = g->n_mms * (3 + VMAS_PER_MM);

	for (unsigned t = LS_EV_LOCK_ACQUIRE; t <= LS_EV_PHASE; t++)
		g->schema.events[t] = true;
	g->schema.events[LS_EV_LOCK_DOWNGRADE] = false;
	g->schema.events[LS_EV_SCHED_SWITCH] = true;
	g->schema.events[LS_EV_SCHED_WAKING] = true;
	g->schema.events[LS_EV_SCHED_PROCESS_EXIT] = true;
	g->schema.cpus = g->cpu_ids;
	/* CPUs without a task would only add empty stream files */
	g->schema.n_cpus = opt->cpus < g->n_tasks ? opt->cpus : g->n_tasks;
	*out = g;
	return st;
nomem:
	ls_generate_free(g);
	return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
}

void ls_generate_free(ls_generate *gen)
{
	if (!gen)
		return;
	free(gen->tasks);
	free(gen->mms);
	free(gen->cpus);
	free(gen->cpu_ids);
	free(gen);
}

const ls_record_schema *ls_generate_borrow_schema(const ls_generate *gen)
{
	return &gen->schema;
}

uint64_t ls_generate_count(const ls_generate *gen)
{
	return gen->emitted;
}
