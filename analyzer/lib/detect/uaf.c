/* uaf.c — use-after-free windows, from one pass over the contract events in stream order.
 *
 * The pass replays object lifetimes (alloc → detach → free → RCU free_done), who holds which
 * lock, which VMAs are write-marked in the current write section of their mm, and each task's
 * phases. Four rules fire on it:
 *   use-after-free       an event touches an object whose memory may be reused: freed with
 *                        deferred=0, or after its RCU callback (free_done) ran;
 *   freed-while-locked   an object freed while a task holds one of its locks (a VMA must have no
 *                        readers when destroyed);
 *   use-after-detach     a VMA detached by a task that had not write-marked it, then used by
 *                        another task (its lookup raced the unlocked detach);
 *   pgtable-freed-under-walker  page tables of an mm freed while another task holds that mm's
 *                        mmap_lock (exit_mmap against the OOM reaper / process_mrelease).
 * An instance is one object lifetime (an address is reused: a new obj_alloc starts a new one)
 * and, for page tables, one race: every table of one mm lifetime freed under one walker's hold
 * of its mmap_lock (the PTE and the PMD tables of one teardown are one race). Instances fold per
 * (rule, object kind, call site of the free) — page tables per (rule, walker call site) — into
 * one finding that names the tasks of its first instance and lists the others with theirs; the
 * first keeps its window and the events both tasks recorded in it.
 *
 * It never prints and never writes the database: findings go to the caller's list. */
#include "evscan.h"
#include "grow.h"
#include "timebase.h"
#include "uaf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 16   /* tids / objects listed in a folded finding */
#define MAX_WINDOW 24 /* window events kept as evidence */
#define MAX_OBJ_LOCKS 4

enum { RULE_USE_AFTER_FREE, RULE_FREED_WHILE_LOCKED, RULE_USE_AFTER_DETACH, RULE_PGTABLE_UNDER_WALKER,
       RULE_COUNT };

static const char *const rule_names[RULE_COUNT] = {
	"use-after-free", "freed-while-locked", "use-after-detach", "pgtable-freed-under-walker"
};

/* ---- a u64 -> u32 index map (open addressing; index+1 stored, 0 = empty) ------------------ */

typedef struct {
	uint64_t *keys;
	uint32_t *vals;
	size_t cap, n;
} u64map;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint32_t map_get(const u64map *m, uint64_t key)
{
	if (!m->cap)
		return 0;
	for (size_t i = mix(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->vals[i])
			return 0;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

static bool map_put(u64map *m, uint64_t key, uint32_t val)
{
	if ((m->n + 1) * 4 >= m->cap * 3) {
		size_t ncap = m->cap ? m->cap * 2 : 4096;
		uint64_t *keys = calloc(ncap, sizeof(*keys));
		uint32_t *vals = calloc(ncap, sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			return false;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->vals[i])
				continue;
			size_t j = mix(m->keys[i]) & (ncap - 1);

			while (vals[j])
				j = (j + 1) & (ncap - 1);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = ncap;
	}
	size_t i = mix(key) & (m->cap - 1);

	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->vals[i])
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
	return true;
}

/* Removes key (backward-shift deletion: the probe chains stay unbroken). */
static void map_del(u64map *m, uint64_t key)
{
	size_t mask = m->cap - 1, i, j;

	if (!m->cap)
		return;
	for (i = mix(key) & mask;; i = (i + 1) & mask) {
		if (!m->vals[i])
			return;
		if (m->keys[i] == key)
			break;
	}
	m->vals[i] = 0;
	m->n--;
	for (j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
		size_t home = mix(m->keys[j]) & mask;
		/* the entry at j may move to i unless its home lies cyclically in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		m->vals[j] = 0;
		i = j;
	}
}

static void map_free(u64map *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- replayed state ----------------------------------------------------------------------- */

/* One event as the pass saw it (evidence). */
typedef struct {
	int64_t id, t, tid;
	int type;
	uint64_t lock, obj, ip;
	int cls, mode;
} seen;

typedef enum { OBJ_ALIVE, OBJ_DETACHED, OBJ_FREED_DEFERRED, OBJ_FREED } obj_state;

typedef struct {
	uint64_t addr, mm;
	int kind;
	int64_t alloc_t; /* LS_NO_TIME: allocated before the trace */
	obj_state state;
	bool detached_unmarked;
	int64_t mark_tid; /* -1: not write-marked in the current write section */
	int64_t mark_seq;
	seen free_ev, detach_ev;
	uint32_t locks[MAX_OBJ_LOCKS]; /* lock indices + 1 */
	int n_locks;
	bool reported[RULE_COUNT]; /* one instance per lifetime and rule */
	uint64_t lifetime;         /* serial of this lifetime: instance keys outlive the slot */
} object;

typedef struct {
	int64_t tid;
	int mode;
	seen ev; /* the acquisition */
} holder;

typedef struct {
	uint64_t addr;
	int cls;
	uint64_t obj;
	holder *holders;
	size_t n, cap;
} lock_state;

typedef struct {
	uint64_t mm;
	uint64_t *vmas;
	size_t n, cap;
} mm_marks;

/* One found instance, before folding. */
typedef struct {
	int rule;
	int kind;
	uint64_t obj, mm;
	seen freed;  /* the free (or detach) */
	seen use;    /* the use, the holder's acquisition, or the walker's mmap_lock acquisition */
	int64_t window_begin, window_end;
	int walker_phase; /* RULE_PGTABLE_UNDER_WALKER: the walker's phase, -1 none */
	bool use_is_holder; /* window ends at the holder's release (looked up afterwards) */
	int64_t key;        /* the race: the walker's acquisition event, else the lifetime */
	uint64_t life_addr; /* the lifetime the instance is about (the mm for page tables) */
	int64_t life_alloc; /* its allocation, LS_NO_TIME before the trace */
	uint64_t events;    /* frees (or uses) folded into the instance */
	uint64_t by_kind[LS_KIND_COUNT]; /* page tables freed, by kind */
} instance;

typedef struct {
	int rule, kind;
	uint64_t ip; /* the free's call site; page tables: the walker's */
	uint64_t count;
	instance insts[LS_MAX_INSTANCES]; /* insts[0] is shown in full */
	int n_insts;
	int64_t *keys; /* every instance seen (races are told apart by key) */
	size_t n_keys, cap_keys;
	uint64_t objs[MAX_LIST];
	int n_objs;
} site;

typedef struct {
	ls_store *store;
	sqlite3 *db;
	ls_context *cx;
	ls_findings *out;
	ls_error *err;
	int64_t t_end;

	object *objs;
	size_t n_objs, cap_objs;
	uint64_t lifetimes; /* lifetimes begun so far */
	struct {
		uint32_t slot;     /* objs index */
		uint64_t lifetime; /* the lifetime freed there */
	} *quarantine;             /* ring of the last q_cap frees */
	size_t q_head, q_len, q_cap;
	uint32_t *free_slots;      /* objs slots whose freed lifetime left the quarantine */
	size_t n_free_slots, cap_free_slots;
	u64map obj_map; /* addr -> current lifetime */

	lock_state *locks;
	size_t n_locks, cap_locks;
	u64map lock_map;  /* lock addr -> lock */
	u64map mmap_map;  /* mm -> its mmap_lock */

	mm_marks *marks;
	size_t n_marks, cap_marks;
	u64map marks_map; /* mm -> marks */

	u64map phase_map; /* tid -> phase bitmask + 1 */

	site *sites;
	size_t n_sites, cap_sites;

	ls_uaf_stats stats;
	bool nomem;
} uaf_ctx;

/* Appends a zeroed entry of `size` bytes to the array *arr of *n entries and makes `map` point
 * `addr` at it (1-based); NULL, with c->nomem set, when memory runs out. */
static void *append_indexed(uaf_ctx *c, void **arr, size_t *n, size_t *cap, size_t size, u64map *map,
			    uint64_t addr)
{
	if (!ls_grow(arr, cap, *n + 1, size) || !map_put(map, addr, (uint32_t)(*n + 1))) {
		c->nomem = true;
		return NULL;
	}
	void *e = (char *)*arr + *n * size;

	memset(e, 0, size);
	(*n)++;
	return e;
}

/* A new lifetime at `addr`, which becomes the current one there (a reused address). */
static object *obj_new_lifetime(uaf_ctx *c, uint64_t addr, int kind, int64_t alloc_t)
{
	uint32_t i = map_get(&c->obj_map, addr);
	object *o;

	/* Only the current lifetime at an address can be looked up, so a new one takes the old
	 * one's slot: memory follows the addresses in use, not the lifetimes in the trace. */
	if (i) {
		o = &c->objs[i - 1];
		memset(o, 0, sizeof(*o));
	} else if (c->n_free_slots) {
		uint32_t slot = c->free_slots[--c->n_free_slots];
		if (!map_put(&c->obj_map, addr, slot + 1)) {
			c->nomem = true;
			return NULL;
		}
		o = &c->objs[slot];
		memset(o, 0, sizeof(*o));
	} else {
		o = append_indexed(c, (void **)&c->objs, &c->n_objs, &c->cap_objs, sizeof(*c->objs), &c->obj_map,
				   addr);
	}
	if (!o)
		return NULL;
	o->lifetime = ++c->lifetimes;
	o->addr = addr;
	o->kind = kind;
	o->alloc_t = alloc_t;
	o->mark_tid = -1;
	o->state = OBJ_ALIVE;
	c->stats.objects++;
	return o;
}

/* The current lifetime at `addr`; creates one (allocated before tracing) when none. */
static object *obj_get(uaf_ctx *c, uint64_t addr, int kind, bool create)
{
	uint32_t i = map_get(&c->obj_map, addr);

	if (i)
		return &c->objs[i - 1];
	return create ? obj_new_lifetime(c, addr, kind, LS_NO_TIME) : NULL;
}


static lock_state *lock_get(uaf_ctx *c, uint64_t addr, int cls, bool create)
{
	uint32_t i = map_get(&c->lock_map, addr);

	if (i)
		return &c->locks[i - 1];
	if (!create)
		return NULL;
	lock_state *l = append_indexed(c, (void **)&c->locks, &c->n_locks, &c->cap_locks, sizeof(*c->locks),
				       &c->lock_map, addr);

	if (l) {
		l->addr = addr;
		l->cls = cls;
	}
	return l;
}

static void obj_link_lock(uaf_ctx *c, object *o, lock_state *l)
{
	uint32_t li = (uint32_t)(l - c->locks) + 1;

	for (int i = 0; i < o->n_locks; i++)
		if (o->locks[i] == li)
			return;
	if (o->n_locks < MAX_OBJ_LOCKS)
		o->locks[o->n_locks++] = li;
}

static unsigned phases_of(const uaf_ctx *c, int64_t tid)
{
	uint32_t v = map_get(&c->phase_map, (uint64_t)tid);

	return v ? v - 1 : 0;
}

static int first_walker_phase(unsigned mask)
{
	static const int walkers[] = { LS_PHASE_OOM_REAP, LS_PHASE_PROCESS_MRELEASE };

	for (size_t i = 0; i < sizeof(walkers) / sizeof(walkers[0]); i++)
		if (mask & (1u << walkers[i]))
			return walkers[i];
	for (int p = 0; p < LS_PHASE_COUNT; p++)
		if (mask & (1u << p))
			return p;
	return -1;
}

/* ---- folding instances -------------------------------------------------------------------- */

/* Page tables fold by the walker's call site whatever the table's kind: a PTE and a PMD table
 * freed in one teardown are one race, not two findings with one summary. */
static bool same_site(const site *x, const instance *in)
{
	if (x->rule != in->rule)
		return false;
	if (in->rule == RULE_PGTABLE_UNDER_WALKER)
		return x->ip == in->use.ip;
	return x->kind == in->kind && x->ip == in->freed.ip;
}

static void report(uaf_ctx *c, const instance *in)
{
	site *s = NULL;
	instance *shown = NULL;
	bool known = false;

	c->stats.windows++;
	for (size_t i = 0; i < c->n_sites; i++) {
		if (same_site(&c->sites[i], in)) {
			s = &c->sites[i];
			break;
		}
	}
	if (!s) {
		if (!ls_grow((void **)&c->sites, &c->cap_sites, c->n_sites + 1, sizeof(*c->sites))) {
			c->nomem = true;
			return;
		}
		s = &c->sites[c->n_sites++];
		memset(s, 0, sizeof(*s));
		s->rule = in->rule;
		s->kind = in->kind;
		s->ip = in->rule == RULE_PGTABLE_UNDER_WALKER ? in->use.ip : in->freed.ip;
	}
	/* Only page-table races gather several events; every other instance is reported once per
	 * object lifetime, so it is always new (no list to search). The races' keys are searched
	 * from the newest: a teardown's frees come together. */
	if (in->rule == RULE_PGTABLE_UNDER_WALKER) {
		for (size_t i = s->n_keys; i-- > 0;)
			if (s->keys[i] == in->key) {
				known = true;
				break;
			}
		for (int i = 0; i < s->n_insts; i++)
			if (s->insts[i].key == in->key)
				shown = &s->insts[i];
	}
	if (!known) {
		if (in->rule == RULE_PGTABLE_UNDER_WALKER &&
		    !ls_grow((void **)&s->keys, &s->cap_keys, s->n_keys + 1, sizeof(*s->keys))) {
			c->nomem = true;
			return;
		}
		if (in->rule == RULE_PGTABLE_UNDER_WALKER)
			s->keys[s->n_keys++] = in->key;
		s->count++;
		if (s->n_insts < LS_MAX_INSTANCES) {
			shown = &s->insts[s->n_insts++];
			*shown = *in;
			shown->events = 0;
		}
	}
	if (shown) {
		shown->events++;
		if (in->kind >= 0 && in->kind < LS_KIND_COUNT)
			shown->by_kind[in->kind]++;
	}
	if (shown != &s->insts[0])
		return; /* objects of the instance shown only, like its tasks */
	for (int i = 0; i < s->n_objs; i++)
		if (s->objs[i] == in->obj)
			return;
	if (s->n_objs < MAX_LIST)
		s->objs[s->n_objs++] = in->obj;
}

/* ---- the pass ----------------------------------------------------------------------------- */

/* The contract fields of a decoded event row (evpack.h: field columns in the order of
 * `events`, from lock to ip). */
enum {
	F_LOCK, F_CLASS, F_MODE, F_TRYLOCK, F_SUCCESS, F_REASON, F_OBJ, F_KIND, F_MM, F_VMA, F_SEQ,
	F_ADDR, F_START, F_END, F_DEFERRED, F_RESULT, F_PHASE, F_BEGIN, F_IP,
};

static inline int64_t field(const ls_evrow *r, int f)
{
	return r->v[LS_EVCOL_FIRST_FIELD + f];
}

/* The field, or `none` when the event type has no such field (NULL in `events`). */
static inline int64_t field_or(const ls_evrow *r, int f, int64_t none)
{
	return r->null & (1u << (LS_EVCOL_FIRST_FIELD + f)) ? none : field(r, f);
}

static void seen_of_row(const ls_evrow *r, seen *e)
{
	e->id = r->v[LS_EVCOL_ID];
	e->t = r->v[LS_EVCOL_T_NS];
	e->tid = r->v[LS_EVCOL_TID];
	e->type = (int)r->v[LS_EVCOL_TYPE];
	e->lock = (uint64_t)field(r, F_LOCK);
	e->cls = (int)field_or(r, F_CLASS, -1);
	e->mode = (int)field_or(r, F_MODE, -1);
	e->obj = (uint64_t)field(r, F_OBJ);
	e->ip = (uint64_t)field(r, F_IP);
}

static void read_seen(sqlite3_stmt *st, seen *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->t = sqlite3_column_int64(st, 1);
	e->tid = sqlite3_column_int64(st, 2);
	e->type = sqlite3_column_int(st, 3);
	e->lock = (uint64_t)sqlite3_column_int64(st, 4);
	e->cls = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 5);
	e->mode = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 6);
	e->obj = (uint64_t)sqlite3_column_int64(st, 8);
	e->ip = (uint64_t)sqlite3_column_int64(st, 16);
}

/* The instance of `rule` for object `o`, marked reported (one per lifetime and rule): from
 * `from` (the free or the detach) to `use`, which touched the object. */
static instance object_instance(object *o, int rule, const seen *from, const seen *use)
{
	instance in = { 0 };

	o->reported[rule] = true;
	in.rule = rule;
	in.kind = o->kind;
	in.obj = o->addr;
	in.mm = o->mm;
	in.freed = *from;
	in.use = *use;
	in.use.obj = o->addr;
	in.window_begin = from->t;
	in.window_end = use->t;
	in.walker_phase = -1;
	in.key = (int64_t)o->lifetime;
	in.life_addr = o->addr;
	in.life_alloc = o->alloc_t;
	return in;
}

/* `e` touched object `o`: a use after free when its memory may have been reused; a use after an
 * unlocked detach when another task detached it without holding it. */
static void on_use(uaf_ctx *c, object *o, const seen *e)
{
	if (!o)
		return;
	if (o->state == OBJ_FREED && !o->reported[RULE_USE_AFTER_FREE]) {
		instance in = object_instance(o, RULE_USE_AFTER_FREE, &o->free_ev, e);

		report(c, &in);
		return;
	}
	if (o->kind == LS_KIND_VMA && o->detached_unmarked && e->tid != o->detach_ev.tid &&
	    o->state != OBJ_FREED && !o->reported[RULE_USE_AFTER_DETACH]) {
		instance in = object_instance(o, RULE_USE_AFTER_DETACH, &o->detach_ev, e);

		report(c, &in);
	}
}

static object *obj_of_lock(uaf_ctx *c, const lock_state *l)
{
	return l && l->obj ? obj_get(c, l->obj, -1, false) : NULL;
}

static void holder_add(uaf_ctx *c, lock_state *l, const seen *e)
{
	if (!ls_grow((void **)&l->holders, &l->cap, l->n + 1, sizeof(*l->holders))) {
		c->nomem = true;
		return;
	}
	holder *h = &l->holders[l->n++];

	h->tid = e->tid;
	h->mode = e->mode;
	h->ev = *e;
}

/* Mirrors the holds builder: the releasing task's most recent hold, and never another task's
 * (a release without one is unmatched; docs/trace-format.md, "Derived records"). */
static void holder_remove(lock_state *l, const seen *e)
{
	size_t k = l->n;

	for (size_t i = l->n; i-- > 0;) {
		if (l->holders[i].tid == e->tid) {
			k = i;
			break;
		}
	}
	if (k == l->n)
		return;
	memmove(&l->holders[k], &l->holders[k + 1], (l->n - k - 1) * sizeof(*l->holders));
	/* Most locks are held by one task at a time and a trace has hundreds of thousands of
	 * them: an idle lock keeps no holder array, so memory follows the live holds, not the
	 * number of locks ever seen. */
	if (--l->n == 0) {
		free(l->holders);
		l->holders = NULL;
		l->cap = 0;
	}
}

static void on_lock_event(uaf_ctx *c, const ls_evrow *r, const seen *e)
{
	lock_state *l;
	object *o = NULL;
	bool success = field(r, F_SUCCESS) != 0;
	uint64_t mm = (uint64_t)field(r, F_MM);

	if (e->type == LS_EV_LOCK_ACQUIRE) {
		l = lock_get(c, e->lock, e->cls, true);
		if (!l)
			return;
		l->cls = e->cls;
		if (e->obj) {
			l->obj = e->obj;
			o = obj_get(c, e->obj, -1, true);
			if (o) {
				obj_link_lock(c, o, l);
				if (!o->mm && mm)
					o->mm = mm;
			}
		}
		if (e->cls == LS_CLASS_MMAP_LOCK) {
			uint64_t owner = e->obj ? e->obj : mm;

			if (owner && !map_put(&c->mmap_map, owner, (uint32_t)(l - c->locks) + 1))
				c->nomem = true;
		}
		on_use(c, o ? o : obj_of_lock(c, l), e);
		return;
	}
	l = lock_get(c, e->lock, e->cls, false);
	o = obj_of_lock(c, l);
	switch (e->type) {
	case LS_EV_LOCK_ACQUIRED:
		if (!success)
			return; /* a refused trylock did not touch the object's lock word */
		on_use(c, o, e);
		if (l)
			holder_add(c, l, e);
		break;
	case LS_EV_LOCK_RELEASE:
		on_use(c, o, e);
		if (l)
			holder_remove(l, e);
		break;
	case LS_EV_LOCK_DOWNGRADE:
		on_use(c, o, e);
		if (l)
			for (size_t i = 0; i < l->n; i++)
				if (l->holders[i].tid == e->tid && l->holders[i].mode == LS_MODE_WRITE)
					l->holders[i].mode = LS_MODE_READ;
		break;
	default:
		break;
	}
}

static void check_free_locked(uaf_ctx *c, object *o, const seen *e)
{
	if (o->reported[RULE_FREED_WHILE_LOCKED])
		return;
	for (int i = 0; i < o->n_locks; i++) {
		lock_state *l = &c->locks[o->locks[i] - 1];

		if (l->obj != o->addr || l->n == 0)
			continue;
		instance in = object_instance(o, RULE_FREED_WHILE_LOCKED, e, &l->holders[0].ev);

		in.window_end = e->t; /* widened to the holder's release afterwards */
		in.use_is_holder = true;
		report(c, &in);
		return;
	}
}

static void check_pgtable_walker(uaf_ctx *c, object *o, const seen *e, uint64_t mm)
{
	uint32_t li;

	if (o->kind != LS_KIND_PTE_TABLE && o->kind != LS_KIND_PMD_TABLE)
		return;
	if (!mm)
		mm = o->mm;
	li = mm ? map_get(&c->mmap_map, mm) : 0;
	if (!li)
		return;
	const lock_state *l = &c->locks[li - 1];
	const holder *walker = NULL;

	for (size_t i = 0; i < l->n; i++) {
		if (l->holders[i].tid == e->tid) {
			/* Freeing under the mmap write lock excludes every walker. */
			if (l->holders[i].mode == LS_MODE_WRITE)
				return;
			continue;
		}
		if (!walker)
			walker = &l->holders[i];
	}
	if (!walker)
		return;
	instance in = { 0 };

	in.rule = RULE_PGTABLE_UNDER_WALKER;
	in.kind = o->kind;
	in.obj = o->addr;
	in.mm = mm;
	in.freed = *e;
	in.use = walker->ev;
	in.window_begin = e->t;
	in.window_end = e->t;
	in.walker_phase = first_walker_phase(phases_of(c, walker->tid));
	in.use_is_holder = true;
	/* The race is this hold of this mm lifetime: the address of an exited mm is reused by the
	 * next victim's, which is another race. */
	in.key = walker->ev.id;
	const object *mo = obj_get(c, mm, LS_KIND_MM, false);

	in.life_addr = mm;
	in.life_alloc = mo ? mo->alloc_t : LS_NO_TIME;
	report(c, &in);
}

/* o is freed for good: it joins the quarantine, and the oldest freed object leaves it (and is
 * forgotten) unless its slot has since been taken by a new lifetime. */
static void quarantine_add(uaf_ctx *c, object *o)
{
	if (!c->quarantine && !(c->quarantine = calloc(c->q_cap, sizeof(*c->quarantine)))) {
		c->nomem = true;
		return;
	}
	if (c->q_len == c->q_cap) {
		size_t k = c->q_head;
		object *old = &c->objs[c->quarantine[k].slot];
		if (old->lifetime == c->quarantine[k].lifetime && old->state == OBJ_FREED) {
			if (!ls_grow((void **)&c->free_slots, &c->cap_free_slots, c->n_free_slots + 1,
				     sizeof(*c->free_slots))) {
				c->nomem = true;
				return;
			}
			map_del(&c->obj_map, old->addr);
			old->lifetime = 0;
			c->free_slots[c->n_free_slots++] = c->quarantine[k].slot;
		}
		c->q_head = (k + 1) % c->q_cap;
		c->q_len--;
	}
	size_t tail = (c->q_head + c->q_len) % c->q_cap;
	c->quarantine[tail].slot = (uint32_t)(o - c->objs);
	c->quarantine[tail].lifetime = o->lifetime;
	c->q_len++;
}

static void on_obj_event(uaf_ctx *c, const ls_evrow *r, const seen *e)
{
	int kind = field_or(r, F_KIND, -1);
	uint64_t mm = (uint64_t)field(r, F_MM);
	object *o;

	switch (e->type) {
	case LS_EV_OBJ_ALLOC:
		o = obj_new_lifetime(c, e->obj, kind, e->t);
		if (o)
			o->mm = mm;
		break;
	case LS_EV_OBJ_DETACH:
		o = obj_get(c, e->obj, kind, true);
		if (!o)
			return;
		on_use(c, o, e);
		if (o->kind < 0)
			o->kind = kind;
		if (!o->mm)
			o->mm = mm;
		if (o->state == OBJ_ALIVE)
			o->state = OBJ_DETACHED;
		o->detach_ev = *e;
		/* The protocol: vma_start_write() before vma_mark_detached(), so concurrent readers
		 * are refused or drained first. */
		o->detached_unmarked = o->kind == LS_KIND_VMA && o->mark_tid != e->tid;
		break;
	case LS_EV_OBJ_FREE:
		o = obj_get(c, e->obj, kind, true);
		if (!o)
			return;
		on_use(c, o, e); /* a second free of freed memory is a use too */
		if (o->kind < 0)
			o->kind = kind;
		if (!o->mm)
			o->mm = mm;
		check_free_locked(c, o, e);
		check_pgtable_walker(c, o, e, mm);
		o->free_ev = *e;
		o->state = field(r, F_DEFERRED) ? OBJ_FREED_DEFERRED : OBJ_FREED;
		if (o->state == OBJ_FREED)
			quarantine_add(c, o);
		break;
	case LS_EV_OBJ_FREE_DONE:
		o = obj_get(c, e->obj, kind, true);
		if (!o)
			return;
		if (o->state != OBJ_FREED_DEFERRED)
			o->free_ev = *e;
		if (o->state != OBJ_FREED) {
			o->state = OBJ_FREED;
			quarantine_add(c, o);
		}
		break;
	default:
		break;
	}
}

static void on_mark(uaf_ctx *c, const ls_evrow *r, const seen *e)
{
	uint64_t vma = (uint64_t)field(r, F_VMA);
	uint64_t mm = (uint64_t)field(r, F_MM);
	int64_t seq = field(r, F_SEQ);
	object *o = obj_get(c, vma, LS_KIND_VMA, true);
	uint32_t mi;
	mm_marks *m;

	if (!o)
		return;
	on_use(c, o, e);
	o->mark_tid = e->tid;
	o->mark_seq = seq;
	if (!o->mm)
		o->mm = mm;
	mi = map_get(&c->marks_map, mm);
	if (!mi) {
		if (!ls_grow((void **)&c->marks, &c->cap_marks, c->n_marks + 1, sizeof(*c->marks)) ||
		    !map_put(&c->marks_map, mm, (uint32_t)c->n_marks + 1)) {
			c->nomem = true;
			return;
		}
		memset(&c->marks[c->n_marks], 0, sizeof(*c->marks));
		c->marks[c->n_marks].mm = mm;
		mi = (uint32_t)++c->n_marks;
	}
	m = &c->marks[mi - 1];
	if (!ls_grow((void **)&m->vmas, &m->cap, m->n + 1, sizeof(*m->vmas))) {
		c->nomem = true;
		return;
	}
	m->vmas[m->n++] = vma;
}

static void on_unlock_all(uaf_ctx *c, const ls_evrow *r)
{
	uint64_t mm = (uint64_t)field(r, F_MM);
	int64_t seq = field(r, F_SEQ);
	uint32_t mi = map_get(&c->marks_map, mm);
	size_t j = 0;

	if (!mi)
		return;
	mm_marks *m = &c->marks[mi - 1];

	for (size_t i = 0; i < m->n; i++) {
		object *o = obj_get(c, m->vmas[i], LS_KIND_VMA, false);

		if (o && o->mark_seq == seq)
			o->mark_tid = -1;
		else if (o && o->mark_tid >= 0)
			m->vmas[j++] = m->vmas[i];
	}
	m->n = j;
}

static void on_phase(uaf_ctx *c, const ls_evrow *r, const seen *e)
{
	int64_t phase = field(r, F_PHASE);
	bool begin = field(r, F_BEGIN) != 0;
	unsigned mask = phases_of(c, e->tid);

	if (phase < 0 || phase >= LS_PHASE_COUNT)
		return;
	if (begin)
		mask |= 1u << phase;
	else
		mask &= ~(1u << phase);
	if (!map_put(&c->phase_map, (uint64_t)e->tid, mask + 1))
		c->nomem = true;
}

static ls_status event_pass(uaf_ctx *c)
{
	uint64_t types = 0;
	ls_evscan *scan = NULL;
	const ls_evrow *r;
	ls_status status;
	int rc;

	for (int t = LS_EV_LOCK_ACQUIRE; t <= LS_EV_PHASE; t++)
		types |= ls_evpack_type_bit(t);
	/* every lock and lifetime event in id (merged stream) order, straight from the chunks:
	 * through `events` the SQL row machinery cost a third of the check */
	status = ls_evscan_open(c->db, ls_store_path(c->store), types, &scan, c->err);
	if (status != LS_OK)
		return status;
	while ((rc = ls_evscan_next(scan, &r, c->err)) == 1) {
		seen e;

		seen_of_row(r, &e);
		c->stats.events++;
		switch (e.type) {
		case LS_EV_LOCK_ACQUIRE:
		case LS_EV_LOCK_ACQUIRED:
		case LS_EV_LOCK_RELEASE:
		case LS_EV_LOCK_DOWNGRADE:
			on_lock_event(c, r, &e);
			break;
		case LS_EV_VMA_WRITE_MARK:
			on_mark(c, r, &e);
			break;
		case LS_EV_VMA_UNLOCK_ALL:
			on_unlock_all(c, r);
			break;
		case LS_EV_OBJ_ALLOC:
		case LS_EV_OBJ_DETACH:
		case LS_EV_OBJ_FREE:
		case LS_EV_OBJ_FREE_DONE:
			on_obj_event(c, r, &e);
			break;
		case LS_EV_VMA_LOOKUP: {
			uint64_t vma = (uint64_t)field(r, F_VMA);

			if (vma)
				on_use(c, obj_get(c, vma, LS_KIND_VMA, false), &e);
			break;
		}
		case LS_EV_PHASE:
			on_phase(c, r, &e);
			break;
		default:
			break;
		}
		if (c->nomem) {
			status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
			break;
		}
	}
	if (rc < 0)
		status = c->err->status;
	ls_evscan_close(scan);
	return status;
}

/* ---- findings ----------------------------------------------------------------------------- */

/* For holder-type windows: when did the holder let go (its hold's release, else trace end). */
static ls_status holder_release(uaf_ctx *c, const seen *acq, int64_t *t)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*t = c->t_end;
	rc = sqlite3_prepare_v2(c->db,
				"SELECT released_ns FROM holds WHERE tid = ?1 AND lock = ?2"
				" AND acquired_ns = ?3 ORDER BY id LIMIT 1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int64(st, 1, acq->tid);
	sqlite3_bind_int64(st, 2, (int64_t)acq->lock);
	sqlite3_bind_int64(st, 3, acq->t);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*t = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto db_error;
	sqlite3_finalize(st);
	return LS_OK;
db_error:
	sqlite3_finalize(st);
	return ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading holds: %s",
			    sqlite3_errmsg(c->db));
}

static ls_status add_seen(ls_finding *f, const seen *e, const char *role)
{
	ls_evidence ev = ls_evidence_blank();

	ev.t_ns = e->t;
	ev.tid = e->tid;
	ev.event_id = e->id;
	ev.event = e->type;
	ev.lock = e->lock;
	ev.cls = e->cls;
	ev.mode = e->mode;
	ev.ip = e->ip;
	ev.obj = e->obj;
	ev.role = (char *)role;
	return ls_finding_add_evidence(f, &ev);
}

/* The events of both tasks inside the window, capped. */
static ls_status add_window(uaf_ctx *c, ls_finding *f, const instance *in, int64_t end)
{
	sqlite3_stmt *st = NULL;
	ls_status status = LS_OK;
	int rc, n = 0;

	/* the window's bounds on t_ns pick its chunks of events (docs/schema.md) */
	rc = sqlite3_prepare_v2(c->db,
				"SELECT id, t_ns, tid, type, lock, class, mode, success, obj, kind, mm,"
				" vma, seq, deferred, phase, begin, ip FROM events"
				" WHERE t_ns >= ?3 AND t_ns <= ?4 AND type BETWEEN ?5 AND ?6"
				" AND tid IN (?1, ?2) AND id NOT IN (?7, ?8)"
				" ORDER BY id LIMIT ?9",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		goto db_error;
	sqlite3_bind_int64(st, 1, in->freed.tid);
	sqlite3_bind_int64(st, 2, in->use.tid);
	sqlite3_bind_int64(st, 3, in->window_begin);
	sqlite3_bind_int64(st, 4, end);
	sqlite3_bind_int(st, 5, LS_EV_LOCK_ACQUIRE);
	sqlite3_bind_int(st, 6, LS_EV_PHASE);
	sqlite3_bind_int64(st, 7, in->freed.id);
	sqlite3_bind_int64(st, 8, in->use.id);
	sqlite3_bind_int(st, 9, MAX_WINDOW);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		seen e;

		read_seen(st, &e);
		const char *who = e.tid == in->freed.tid ? "freeing task"
				  : in->rule == RULE_PGTABLE_UNDER_WALKER ? "walker" : "using task";
		char role[96];

		if (e.type == LS_EV_VMA_LOOKUP || e.type == LS_EV_VMA_WRITE_MARK)
			e.obj = (uint64_t)sqlite3_column_int64(st, 11);
		if (e.type == LS_EV_PHASE) {
			int64_t ph = sqlite3_column_int64(st, 14);
			const char *pn = ph >= 0 ? ls_enum_name(LS_ENUM_PHASE, (uint64_t)ph) : NULL;

			snprintf(role, sizeof(role), "%s %s (%s, in window)", pn ? pn : "phase",
				 sqlite3_column_int(st, 15) ? "begins" : "ends", who);
		} else {
			snprintf(role, sizeof(role), "%s, in window", who);
		}
		if (add_seen(f, &e, role) != LS_OK) {
			status = ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
			goto end;
		}
		n++;
	}
	if (rc != SQLITE_DONE)
		goto db_error;
	goto end;
db_error:
	status = ls_error_set(c->err, LS_ERR_DB, ls_store_path(c->store), "reading events: %s",
			      sqlite3_errmsg(c->db));
end:
	sqlite3_finalize(st);
	return status;
}

static const char *kname(int kind)
{
	const char *n = kind >= 0 ? ls_enum_name(LS_ENUM_KIND, (uint64_t)kind) : NULL;

	return n ? n : "object";
}

static const char *evname(int type)
{
	const char *n = ls_event_name((ls_event_type)type);

	if (!n)
		return "event";
	return strncmp(n, "lockstep_", 9) == 0 ? n + 9 : n;
}

/* "mm 0xADDR (allocated at +T)" or "(allocated before the trace)": the lifetime, so that two
 * objects at one reused address are told apart. */
static void describe_lifetime(const uaf_ctx *c, const char *what, uint64_t addr, int64_t alloc,
			      char *buf, size_t size)
{
	char at[LS_TIME_BUF];

	if (alloc == LS_NO_TIME)
		snprintf(buf, size, "%s 0x%" PRIx64 " (allocated before the trace)", what, addr);
	else
		snprintf(buf, size, "%s 0x%" PRIx64 " (allocated at %s)", what, addr,
			 ls_context_time(c->cx, alloc, at, sizeof(at)));
}

/* "3 pte_table and 2 pmd_table" for a page-table race. */
static void describe_tables(const instance *in, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 0; k < LS_KIND_COUNT && len < size; k++)
		if (in->by_kind[k])
			len += (size_t)snprintf(buf + len, size - len, "%s%" PRIu64 " %s", len ? " and " : "",
						in->by_kind[k], kname(k));
}

static ls_status emit(uaf_ctx *c)
{
	for (size_t i = 0; i < c->n_sites; i++) {
		const site *s = &c->sites[i];
		instance in = s->insts[0];
		ls_finding *f = NULL;
		ls_status st;
		int64_t end = in.window_end;
		char freer[96], user[96], phase[64] = "", life[160], tables[96], t_free[LS_TIME_BUF],
			t_use[LS_TIME_BUF], t_b[LS_TIME_BUF], t_e[LS_TIME_BUF], dur[LS_TIME_BUF];
		const char *mode = in.use.mode == LS_MODE_WRITE ? "write" : "read";

		if (in.use_is_holder) {
			st = holder_release(c, &in.use, &end);
			if (st != LS_OK)
				return st;
			if (end < in.window_begin)
				end = in.window_begin;
		}
		ls_context_task(c->cx, in.freed.tid, freer, sizeof(freer));
		ls_context_task(c->cx, in.use.tid, user, sizeof(user));
		if (in.walker_phase >= 0)
			snprintf(phase, sizeof(phase), ", in %s",
				 ls_enum_name(LS_ENUM_PHASE, (uint64_t)in.walker_phase));
		describe_lifetime(c, in.rule == RULE_PGTABLE_UNDER_WALKER ? "mm" : kname(in.kind),
				  in.life_addr, in.life_alloc, life, sizeof(life));
		describe_tables(&in, tables, sizeof(tables));
		ls_duration_format(in.use.t - in.freed.t, dur, sizeof(dur));
		switch (in.rule) {
		case RULE_USE_AFTER_FREE:
			f = ls_findings_add(c->out, LS_FINDING_UAF_WINDOW, LS_SEV_ERROR,
					    rule_names[in.rule],
					    "%s 0x%" PRIx64 " freed by task %s, used (%s) by task %s %s later",
					    kname(in.kind), in.obj, freer, evname(in.use.type), user, dur);
			break;
		case RULE_FREED_WHILE_LOCKED:
			f = ls_findings_add(c->out, LS_FINDING_UAF_WINDOW, LS_SEV_ERROR,
					    rule_names[in.rule],
					    "%s 0x%" PRIx64 " freed by task %s while task %s still held its %s"
					    " (%s)",
					    kname(in.kind), in.obj, freer, user,
					    in.use.cls >= 0 && ls_class_name((uint64_t)in.use.cls)
						    ? ls_class_name((uint64_t)in.use.cls)
						    : "?",
					    mode);
			break;
		case RULE_USE_AFTER_DETACH:
			f = ls_findings_add(c->out, LS_FINDING_UAF_WINDOW, LS_SEV_WARNING,
					    rule_names[in.rule],
					    "VMA 0x%" PRIx64 " used (%s) by task %s after task %s"
					    " detached it without write-marking it",
					    in.obj, evname(in.use.type), user, freer);
			break;
		default:
			f = ls_findings_add(c->out, LS_FINDING_UAF_WINDOW, LS_SEV_ERROR,
					    rule_names[in.rule],
					    "page tables of mm 0x%" PRIx64 " freed by task %s while task %s"
					    " held its mmap_lock (%s%s)",
					    in.mm, freer, user, mode, phase);
			break;
		}
		if (!f)
			goto nomem;
		f->count = s->count;
		/* The tasks of the instance shown, not of every instance folded in. */
		if (ls_finding_add_tid(f, in.freed.tid) != LS_OK || ls_finding_add_tid(f, in.use.tid) != LS_OK)
			goto nomem;
		for (int j = 0; j < s->n_objs; j++)
			if (ls_finding_add_object(f, s->objs[j]) != LS_OK)
				goto nomem;
		if (in.use.cls >= 0 && in.use.cls < LS_CLASS_COUNT &&
		    ls_finding_add_class(f, in.use.cls) != LS_OK)
			goto nomem;
		for (int j = 0; j < s->n_insts; j++) {
			const instance *x = &s->insts[j];
			ls_instance li;
			int64_t xend = x->window_end;

			if (x->use_is_holder) {
				st = j == 0 ? LS_OK : holder_release(c, &x->use, &xend);
				if (j == 0)
					xend = end;
				if (st != LS_OK)
					return st;
				if (xend < x->window_begin)
					xend = x->window_begin;
			}
			memset(&li, 0, sizeof(li));
			li.t_begin_ns = x->window_begin;
			li.t_end_ns = xend;
			li.tids[li.n_tids++] = x->freed.tid;
			if (x->use.tid != x->freed.tid)
				li.tids[li.n_tids++] = x->use.tid;
			li.obj = x->life_addr;
			li.obj_alloc_ns = x->life_alloc;
			li.events = x->events;
			if (ls_finding_add_instance(f, &li) != LS_OK)
				goto nomem;
		}
		const char *free_role = in.rule == RULE_USE_AFTER_DETACH ? "detached" : "freed";
		const char *use_role = in.use_is_holder
					       ? (in.rule == RULE_PGTABLE_UNDER_WALKER
							  ? "walker holds mmap_lock"
							  : "holder acquired")
					       : "use";

		if (add_seen(f, &in.freed, free_role) != LS_OK || add_seen(f, &in.use, use_role) != LS_OK)
			goto nomem;
		if (in.use_is_holder)
			f->evidence[f->n_evidence - 1].end_ns = end;
		st = add_window(c, f, &in, end);
		if (st != LS_OK)
			return st;
		f->t_begin_ns = in.window_begin;
		f->t_end_ns = end;

		const char *why;

		switch (in.rule) {
		case RULE_USE_AFTER_FREE:
			why = "The memory could be reused from the free on (freed with deferred=0, or "
			      "after its RCU callback ran): a VMA must be freed through RCU so that a "
			      "lockless lookup in flight never reads freed memory.";
			break;
		case RULE_FREED_WHILE_LOCKED:
			why = "An object must have no lock holders when destroyed (for a VMA: "
			      "vma_start_write() drains readers before it is detached and freed); the "
			      "holder's unlock writes to freed memory.";
			break;
		case RULE_USE_AFTER_DETACH:
			why = "vma_start_write() must precede the detach so that readers are refused "
			      "or drained; here the lookup's re-check raced the detach and the reader "
			      "went on with a VMA no longer in the tree.";
			break;
		default:
			why = "free_pgtables() ran without the mmap write lock while the other task "
			      "walked the page tables under mmap_lock (the OOM reaper / "
			      "process_mrelease race); exit_mmap must hold mmap_write_lock around the "
			      "teardown.";
			break;
		}
		ls_context_time(c->cx, in.freed.t, t_free, sizeof(t_free));
		ls_context_time(c->cx, in.use.t, t_use, sizeof(t_use));
		ls_context_time(c->cx, in.window_begin, t_b, sizeof(t_b));
		ls_context_time(c->cx, end, t_e, sizeof(t_e));
		ls_duration_format(end - in.window_begin, dur, sizeof(dur));
		if (in.rule == RULE_PGTABLE_UNDER_WALKER)
			st = ls_finding_set_detail(
				f,
				"Window [%s, %s] (%s): task %s freed %s page table(s) of %s, the first"
				" (%s 0x%" PRIx64 ") at %s, while task %s held that mm's mmap_lock for %s%s"
				" since %s. %s %" PRIu64 " race(s) like it (one per mm lifetime and walker"
				" hold), each listed with its own tasks.",
				t_b, t_e, dur, freer, tables, life, kname(in.kind), in.obj, t_free, user,
				mode, phase, t_use, why, s->count);
		else
			st = ls_finding_set_detail(
				f,
				"Window [%s, %s] (%s): task %s %s %s at %s; task %s %s%s%s at %s. %s %" PRIu64
				" instance(s) (object lifetimes) from this call site.",
				t_b, t_e, dur, freer, free_role, life, t_free, user,
				in.use_is_holder ? "(" : "used it (",
				in.use_is_holder ? use_role : evname(in.use.type), ")", t_use, why,
				s->count);
		if (st != LS_OK)
			goto nomem;
	}
	return LS_OK;
nomem:
	return ls_error_set(c->err, LS_ERR_NOMEM, NULL, "out of memory");
}

ls_status ls_uaf_check(ls_store *store, ls_context *cx, ls_findings *out, ls_uaf_stats *stats,
		       ls_error *err)
{
	return ls_uaf_check_quarantine(store, cx, out, stats, LS_UAF_QUARANTINE, err);
}

ls_status ls_uaf_check_quarantine(ls_store *store, ls_context *cx, ls_findings *out, ls_uaf_stats *stats,
				  size_t quarantine, ls_error *err)
{
	uaf_ctx *c = calloc(1, sizeof(*c));
	ls_status status;

	if (!c)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	c->q_cap = quarantine ? quarantine : LS_UAF_QUARANTINE;
	c->store = store;
	c->db = ls_store_borrow_db(store);
	c->cx = cx;
	c->out = out;
	c->err = err;
	c->t_end = ls_store_meta_int(store, "t_end_ns", 0);
	status = event_pass(c);
	if (status == LS_OK)
		status = emit(c);
	if (stats)
		*stats = c->stats;
	for (size_t i = 0; i < c->n_locks; i++)
		free(c->locks[i].holders);
	for (size_t i = 0; i < c->n_marks; i++)
		free(c->marks[i].vmas);
	free(c->objs);
	free(c->quarantine);
	free(c->free_slots);
	free(c->locks);
	free(c->marks);
	for (size_t i = 0; i < c->n_sites; i++)
		free(c->sites[i].keys);
	free(c->sites);
	map_free(&c->obj_map);
	map_free(&c->lock_map);
	map_free(&c->mmap_map);
	map_free(&c->marks_map);
	map_free(&c->phase_map);
	free(c);
	return status;
}
