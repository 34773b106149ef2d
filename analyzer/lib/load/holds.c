/* holds.c — see holds.h. Each lock keeps a list of its open holds (pending or acquired, any
 * task). A release or an acquired event matches the same task's most recent open hold of the
 * lock, and only that: a release with no such hold is recorded as unmatched, never taken from
 * another task (the contract carries no non-owner flag, so an up_read_non_owner() cannot be
 * told from a missing lock_acquire; stealing the oldest reader's hold would end a task's hold
 * that is still in force). VMA write-marks are kept per mm and all end at the mm's unlock-all. */
#include "holds.h"

#include <stdlib.h>

#include "contract.h"
#include "keymap.h"

struct lock;

struct hold {
	int64_t id; /* given at the request, so id order is request order (the detectors scan by id) */
	struct lock *lock;
	int64_t tid;
	int mode, trylock, reason;
	int64_t requested_ns, acquired_ns;
	uint64_t request_ip, acquired_ip;
	int64_t request_event, parent_id;
	uint64_t obj, mm; /* owner at this acquisition: a freed VMA's address serves another mm later */
	int64_t offcpu_at_request;
	/* the wait, decided when the attempt ends and written with the hold row */
	bool waited;
	int64_t wait_end_ns, wait_offcpu_ns;
	const char *wait_outcome;
	bool marked;       /* a VMA write-mark: ends at the mm's vma_unlock_all */
	uint64_t mark_mm, mark_seq;
	struct hold *prev, *next;       /* in lock->open, oldest first */
	struct hold *mark_next;         /* in the mm's marked list */
};

struct lock {
	int64_t id;
	uint64_t addr, obj, mm;
	int cls;
	int64_t first_ns, last_ns, acquisitions, contentions;
	struct hold *open_head, *open_tail;
};

struct ls_holds {
	ls_store *store;
	const ls_tasks *tasks;
	ls_keymap *locks;  /* (addr, class) → lock */
	ls_keymap *by_obj; /* (obj, class) → the lock of that object now (for retiring it at its free) */
	ls_keymap *marks;  /* (mm, 0) → first marked hold */
	ls_keymap *release_sites; /* (ip, class * 2 + mode) of unmatched releases → (void *)1 */
	int64_t next_lock_id, next_hold_id, last_ns;
	ls_holds_counts counts;
};

ls_holds *ls_holds_new(ls_store *store, const ls_tasks *tasks)
{
	ls_holds *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->store = store;
	h->tasks = tasks;
	h->locks = ls_keymap_new();
	h->marks = ls_keymap_new();
	h->release_sites = ls_keymap_new();
	h->by_obj = ls_keymap_new();
	if (!h->locks || !h->marks || !h->release_sites || !h->by_obj) {
		ls_holds_free(h);
		return NULL;
	}
	return h;
}

static void free_lock(void *user, uint64_t a, uint64_t b, void *value)
{
	struct lock *l = value;

	(void)user, (void)a, (void)b;
	for (struct hold *x = l->open_head, *n; x; x = n) {
		n = x->next;
		free(x);
	}
	free(l);
}

void ls_holds_free(ls_holds *h)
{
	if (!h)
		return;
	if (h->locks) {
		ls_keymap_foreach(h->locks, free_lock, NULL);
		ls_keymap_free(h->locks);
	}
	ls_keymap_free(h->marks);
	ls_keymap_free(h->release_sites);
	ls_keymap_free(h->by_obj);
	free(h);
}

ls_holds_counts ls_holds_get_counts(const ls_holds *h)
{
	ls_holds_counts c = h->counts;

	c.unmatched_release_sites = ls_keymap_count(h->release_sites);
	return c;
}

/* The lock now belongs to `obj` (0: none known). False when out of memory. */
static bool lock_set_obj(ls_holds *h, struct lock *l, uint64_t obj)
{
	if (l->obj == obj)
		return true;
	if (l->obj && ls_keymap_get(h->by_obj, l->obj, (uint64_t)l->cls) == l)
		ls_keymap_remove(h->by_obj, l->obj, (uint64_t)l->cls);
	l->obj = obj;
	return !obj || ls_keymap_put(h->by_obj, obj, (uint64_t)l->cls, l);
}

static struct lock *lock_get(ls_holds *h, const ls_event *ev, int cls)
{
	uint64_t addr = ev->type == LS_EV_VMA_WRITE_MARK ? ev->f[LS_F_VMA] : ev->f[LS_F_LOCK];
	struct lock *l = ls_keymap_get(h->locks, addr, (uint64_t)cls);

	if (l) {
		l->last_ns = ev->t_ns;
		if (ev->type == LS_EV_LOCK_ACQUIRE) {
			if (!lock_set_obj(h, l, ev->f[LS_F_OBJ]))
				return NULL;
			l->mm = ev->f[LS_F_MM];
		} else if (ev->type == LS_EV_VMA_WRITE_MARK) {
			if (!lock_set_obj(h, l, addr))
				return NULL;
			l->mm = ev->f[LS_F_MM];
		}
		return l;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->id = h->next_lock_id++;
	l->addr = addr;
	l->cls = cls;
	l->first_ns = l->last_ns = ev->t_ns;
	if (!ls_keymap_put(h->locks, addr, (uint64_t)cls, l)) {
		free(l);
		return NULL;
	}
	if (ev->type == LS_EV_LOCK_ACQUIRE || ev->type == LS_EV_VMA_WRITE_MARK) {
		if (!lock_set_obj(h, l, ev->type == LS_EV_LOCK_ACQUIRE ? ev->f[LS_F_OBJ] : addr))
			return NULL;
		l->mm = ev->f[LS_F_MM];
	}
	return l;
}

static struct hold *hold_open(ls_holds *h, struct lock *l, const ls_event *ev, int64_t event_id, int mode)
{
	struct hold *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->id = h->next_hold_id++;
	x->lock = l;
	x->tid = ev->tid;
	x->mode = mode;
	x->requested_ns = ev->t_ns;
	x->acquired_ns = -1;
	x->request_ip = ev->f[LS_F_IP];
	x->request_event = event_id;
	x->parent_id = -1;
	x->obj = l->obj;
	x->mm = l->mm;
	x->offcpu_at_request = ls_tasks_offcpu_ns(h->tasks, ev->tid, ev->t_ns);
	x->prev = l->open_tail;
	if (l->open_tail)
		l->open_tail->next = x;
	else
		l->open_head = x;
	l->open_tail = x;
	return x;
}

static void unlink_hold(struct hold *x)
{
	struct lock *l = x->lock;

	if (x->prev)
		x->prev->next = x->next;
	else
		l->open_head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	else
		l->open_tail = x->prev;
}

/* Decides whether the attempt that just ended (acquired, failed or unfinished) waited. */
static void end_attempt(ls_holds *h, struct hold *x, int64_t end_ns, const char *outcome)
{
	int64_t now = end_ns >= 0 ? end_ns : h->last_ns;
	int64_t offcpu = ls_tasks_offcpu_ns(h->tasks, x->tid, now) - x->offcpu_at_request;

	if (x->reason != LS_REASON_CONTENDED && offcpu <= 0 && end_ns >= 0)
		return;
	if (end_ns < 0 && x->trylock)
		return; /* an unfinished trylock never waited */
	x->waited = true;
	x->wait_end_ns = end_ns;
	x->wait_offcpu_ns = offcpu > 0 ? offcpu : 0;
	x->wait_outcome = outcome;
	x->lock->contentions++;
}

/* Ends a hold: writes its row (and its wait's), unlinks and frees it. *id_out (may be NULL)
 * gets the hold's id. */
static ls_status hold_close(ls_holds *h, struct hold *x, int64_t released_ns, uint64_t release_ip,
			    int64_t release_event, const char *outcome, int64_t *id_out, ls_error *err)
{
	int64_t id = x->id;
	ls_hold_row r = {
		.id = id, .lock_id = x->lock->id, .lock = x->lock->addr, .cls = x->lock->cls,
		.mode = x->mode, .tid = x->tid, .trylock = x->trylock, .requested_ns = x->requested_ns,
		.acquired_ns = x->acquired_ns, .released_ns = released_ns, .outcome = outcome,
		.reason = x->reason, .request_ip = x->request_ip, .acquired_ip = x->acquired_ip,
		.release_ip = release_ip, .request_event = x->request_event,
		.release_event = release_event, .parent_id = x->parent_id, .obj = x->obj, .mm = x->mm,
	};
	ls_status st = ls_store_insert_hold(h->store, &r, err);

	if (st == LS_OK && x->waited) {
		ls_wait_row w = { id, x->lock->id, x->lock->addr, x->lock->cls, x->mode, x->tid,
				  x->requested_ns, x->wait_end_ns, x->wait_offcpu_ns, x->wait_outcome };
		st = ls_store_insert_wait(h->store, &w, err);
		h->counts.waits++;
	}
	h->counts.holds++;
	if (id_out)
		*id_out = id;
	unlink_hold(x);
	free(x);
	return st;
}

/* The task's most recent open hold of l that is (acquired ? acquired : pending). */
static struct hold *find_own(struct lock *l, int64_t tid, bool acquired)
{
	for (struct hold *x = l->open_tail; x; x = x->prev)
		if (x->tid == tid && (x->acquired_ns >= 0) == acquired && !x->marked)
			return x;
	return NULL;
}

static ls_status on_acquire(ls_holds *h, int64_t id, const ls_event *ev, ls_error *err)
{
	struct lock *l = lock_get(h, ev, (int)ev->f[LS_F_CLASS]);
	struct hold *x;

	if (!l || !(x = hold_open(h, l, ev, id, (int)ev->f[LS_F_MODE])))
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	/* The per-VMA read lock is a trylock whatever the event says: readers never wait. */
	x->trylock = ev->f[LS_F_TRYLOCK] != 0 || (l->cls == LS_CLASS_VMA_LOCK && x->mode == LS_MODE_READ);
	return LS_OK;
}

static ls_status on_acquired(ls_holds *h, int64_t id, const ls_event *ev, ls_error *err)
{
	struct lock *l = lock_get(h, ev, (int)ev->f[LS_F_CLASS]);
	struct hold *x;

	if (!l)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	x = find_own(l, ev->tid, false);
	if (!x) {
		/* Its lock_acquire came before the trace began: the attempt started at the latest here. */
		h->counts.unmatched_acquired++;
		if (!ev->f[LS_F_SUCCESS])
			return LS_OK;
		if (!(x = hold_open(h, l, ev, id, (int)ev->f[LS_F_MODE])))
			return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	}
	x->reason = (int)ev->f[LS_F_REASON];
	if (!ev->f[LS_F_SUCCESS]) {
		end_attempt(h, x, ev->t_ns, "failed");
		x->acquired_ip = ev->f[LS_F_IP];
		return hold_close(h, x, -1, 0, -1, "failed", NULL, err);
	}
	x->acquired_ns = ev->t_ns;
	x->acquired_ip = ev->f[LS_F_IP];
	l->acquisitions++;
	end_attempt(h, x, ev->t_ns, "acquired");
	return LS_OK;
}

/* A release with no open hold of the releasing task: kept for the lock-balance detector. */
static ls_status release_unmatched(ls_holds *h, const struct lock *l, int64_t id, const ls_event *ev,
				   ls_error *err)
{
	int mode = (int)ev->f[LS_F_MODE];
	ls_release_row r = { .event_id = id, .lock_id = l->id, .t_ns = ev->t_ns, .tid = ev->tid,
			     .lock = l->addr, .ip = ev->f[LS_F_IP], .cls = l->cls, .mode = mode };

	h->counts.unmatched_releases++;
	if (!ls_keymap_put(h->release_sites, r.ip, (uint64_t)l->cls * 2 + (uint64_t)(mode != 0), (void *)1))
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	return ls_store_insert_unmatched_release(h->store, &r, err);
}

static ls_status on_release(ls_holds *h, int64_t id, const ls_event *ev, ls_error *err)
{
	struct lock *l = lock_get(h, ev, (int)ev->f[LS_F_CLASS]);
	struct hold *x;

	if (!l)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	x = find_own(l, ev->tid, true);
	if (!x) {
		/* vma_start_write's inner up_write after the mark: the mark holds on. */
		bool marked_by_task = false;
		for (struct hold *m = l->open_head; m; m = m->next)
			marked_by_task |= m->marked && m->tid == ev->tid;
		if (marked_by_task)
			return LS_OK;
		return release_unmatched(h, l, id, ev, err);
	}
	return hold_close(h, x, ev->t_ns, ev->f[LS_F_IP], id, "released", NULL, err);
}

static ls_status on_downgrade(ls_holds *h, int64_t id, const ls_event *ev, ls_error *err)
{
	struct lock *l = lock_get(h, ev, (int)ev->f[LS_F_CLASS]);
	struct hold *x, *r;
	int64_t parent;
	ls_status st;

	if (!l)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	x = find_own(l, ev->tid, true);
	if (x && x->mode != LS_MODE_WRITE)
		x = NULL;
	parent = -1;
	if (x && (st = hold_close(h, x, ev->t_ns, ev->f[LS_F_IP], id, "downgraded", &parent, err)) != LS_OK)
		return st;
	if (!(r = hold_open(h, l, ev, id, LS_MODE_READ)))
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	r->acquired_ns = ev->t_ns;
	r->acquired_ip = ev->f[LS_F_IP];
	r->parent_id = parent;
	l->acquisitions++;
	return LS_OK;
}

static ls_status on_write_mark(ls_holds *h, int64_t id, const ls_event *ev, ls_error *err)
{
	struct lock *l = lock_get(h, ev, LS_CLASS_VMA_LOCK);
	struct hold *x;

	if (!l)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	x = find_own(l, ev->tid, true);
	if (!x || x->mode != LS_MODE_WRITE) {
		if (!(x = hold_open(h, l, ev, id, LS_MODE_WRITE)))
			return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
		x->acquired_ns = ev->t_ns;
		x->acquired_ip = ev->f[LS_F_IP];
		l->acquisitions++;
	}
	x->marked = true;
	x->mark_mm = ev->f[LS_F_MM];
	x->mark_seq = ev->f[LS_F_SEQ];
	x->mark_next = ls_keymap_get(h->marks, x->mark_mm, 0);
	if (!ls_keymap_put(h->marks, x->mark_mm, 0, x))
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	return LS_OK;
}

/* The mm's sequence moved past every mark at or below `seq`: those VMAs are unlocked. */
static ls_status on_unlock_all(ls_holds *h, int64_t id, const ls_event *ev, ls_error *err)
{
	uint64_t mm = ev->f[LS_F_MM];
	struct hold *x = ls_keymap_get(h->marks, mm, 0), *keep = NULL, **tail = &keep;
	ls_status st = LS_OK;

	while (x) {
		struct hold *next = x->mark_next;
		if (x->mark_seq <= ev->f[LS_F_SEQ] && st == LS_OK) {
			st = hold_close(h, x, ev->t_ns, ev->f[LS_F_IP], id, "released", NULL, err);
		} else {
			*tail = x;
			tail = &x->mark_next;
			x->mark_next = NULL;
		}
		x = next;
	}
	if (keep) {
		if (!ls_keymap_put(h->marks, mm, 0, keep))
			return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building holds");
	} else {
		ls_keymap_remove(h->marks, mm, 0);
	}
	return st;
}

static ls_status write_lock(ls_holds *h, const struct lock *l, ls_error *err)
{
	ls_lock_row row = { l->id, l->addr, l->obj, l->mm, l->cls, l->first_ns, l->last_ns, l->acquisitions,
			    l->contentions };

	return ls_store_insert_lock(h->store, &row, err);
}

/* The object is gone for good (freed, or its RCU-deferred free done): its locks with no open
 * hold are written now and forgotten, so memory follows the locks in use, not every lock the
 * trace ever saw. A lock at the same address later is a new lock (a new id) of a new object. */
static ls_status on_object_gone(ls_holds *h, uint64_t obj, ls_error *err)
{
	if (!obj)
		return LS_OK;
	for (int cls = 0; cls < LS_CLASS_COUNT; cls++) {
		struct lock *l = ls_keymap_get(h->by_obj, obj, (uint64_t)cls);
		ls_status st;
		if (!l || l->obj != obj || l->open_head)
			continue;
		if ((st = write_lock(h, l, err)) != LS_OK)
			return st;
		ls_keymap_remove(h->by_obj, obj, (uint64_t)cls);
		ls_keymap_remove(h->locks, l->addr, (uint64_t)l->cls);
		free(l);
	}
	return LS_OK;
}

ls_status ls_holds_feed(ls_holds *h, int64_t id, const ls_event *ev, ls_error *err)
{
	h->last_ns = ev->t_ns;
	switch (ev->type) {
	case LS_EV_OBJ_FREE:
		return ev->f[LS_F_DEFERRED] ? LS_OK : on_object_gone(h, ev->f[LS_F_OBJ], err);
	case LS_EV_OBJ_FREE_DONE: return on_object_gone(h, ev->f[LS_F_OBJ], err);
	case LS_EV_LOCK_ACQUIRE: return on_acquire(h, id, ev, err);
	case LS_EV_LOCK_ACQUIRED: return on_acquired(h, id, ev, err);
	case LS_EV_LOCK_RELEASE: return on_release(h, id, ev, err);
	case LS_EV_LOCK_DOWNGRADE: return on_downgrade(h, id, ev, err);
	case LS_EV_VMA_WRITE_MARK: return on_write_mark(h, id, ev, err);
	case LS_EV_VMA_UNLOCK_ALL: return on_unlock_all(h, id, ev, err);
	default: return LS_OK;
	}
}

struct finish_ctx {
	ls_holds *h;
	ls_error *err;
	ls_status st;
};

static void finish_lock(void *user, uint64_t a, uint64_t b, void *value)
{
	struct finish_ctx *c = user;
	struct lock *l = value;

	(void)a, (void)b;
	while (l->open_head && c->st == LS_OK) {
		struct hold *x = l->open_head;
		if (x->acquired_ns < 0) {
			end_attempt(c->h, x, -1, "waiting-at-end");
			c->st = hold_close(c->h, x, -1, 0, -1, "waiting-at-end", NULL, c->err);
		} else {
			c->h->counts.held_at_end++;
			c->st = hold_close(c->h, x, -1, 0, -1, "held-at-end", NULL, c->err);
		}
	}
	if (c->st != LS_OK)
		return;
	c->st = write_lock(c->h, l, c->err);
}

ls_status ls_holds_finish(ls_holds *h, ls_error *err)
{
	struct finish_ctx c = { h, err, LS_OK };

	/* Marks are closed through their lock's open list; forget the per-mm index first. */
	ls_keymap_free(h->marks);
	h->marks = ls_keymap_new();
	if (!h->marks)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	ls_keymap_foreach(h->locks, finish_lock, &c);
	return c.st;
}
