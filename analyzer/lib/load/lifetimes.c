/* lifetimes.c — see lifetimes.h. One record per address in memory; finished lifetimes (freed
 * and, if deferred, RCU-done) are written at once, so memory follows the live objects. */
#include "lifetimes.h"

#include <stdlib.h>

#include "keymap.h"

struct ls_lifetimes {
	ls_store *store;
	ls_keymap *live; /* (addr, kind) → ls_object_row */
};

ls_lifetimes *ls_lifetimes_new(ls_store *store)
{
	ls_lifetimes *lt = calloc(1, sizeof(*lt));

	if (!lt)
		return NULL;
	lt->store = store;
	if (!(lt->live = ls_keymap_new())) {
		free(lt);
		return NULL;
	}
	return lt;
}

static void free_row(void *user, uint64_t a, uint64_t b, void *value)
{
	(void)user, (void)a, (void)b;
	free(value);
}

void ls_lifetimes_free(ls_lifetimes *lt)
{
	if (!lt)
		return;
	ls_keymap_foreach(lt->live, free_row, NULL);
	ls_keymap_free(lt->live);
	free(lt);
}

static ls_object_row *row_new(const ls_event *ev)
{
	ls_object_row *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->addr = ev->f[LS_F_OBJ];
	r->kind = (int)ev->f[LS_F_KIND];
	r->mm = ev->f[LS_F_MM];
	r->alloc_ns = r->detach_ns = r->free_ns = r->free_done_ns = -1;
	r->deferred = -1;
	return r;
}

/* Removes by the key the row was put under: r->kind is an int, and a kind field beyond int's
 * range (a damaged trace) would name another key, leaving the freed row in the map. */
static ls_status retire(ls_lifetimes *lt, ls_object_row *r, uint64_t addr, uint64_t kind, ls_error *err)
{
	ls_status st = ls_store_insert_object(lt->store, r, err);

	ls_keymap_remove(lt->live, addr, kind);
	free(r);
	return st;
}

ls_status ls_lifetimes_feed(ls_lifetimes *lt, const ls_event *ev, ls_error *err)
{
	uint64_t addr = ev->f[LS_F_OBJ], kind = ev->f[LS_F_KIND];
	ls_object_row *r;
	ls_status st;

	if (ev->type < LS_EV_OBJ_ALLOC || ev->type > LS_EV_OBJ_FREE_DONE)
		return LS_OK;
	r = ls_keymap_get(lt->live, addr, kind);
	if (ev->type == LS_EV_OBJ_ALLOC && r && (st = retire(lt, r, addr, kind, err)) != LS_OK)
		return st;
	if (ev->type == LS_EV_OBJ_ALLOC || !r) {
		/* Without an alloc the object predates the trace: alloc_ns stays NULL. */
		if (!(r = row_new(ev)) || !ls_keymap_put(lt->live, addr, kind, r)) {
			free(r);
			return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory tracking objects");
		}
	}
	if (ev->type != LS_EV_OBJ_FREE_DONE && ev->f[LS_F_MM])
		r->mm = ev->f[LS_F_MM];
	switch (ev->type) {
	case LS_EV_OBJ_ALLOC:
		r->alloc_ns = ev->t_ns;
		r->alloc_tid = ev->tid;
		r->alloc_ip = ev->f[LS_F_IP];
		r->start = ev->f[LS_F_START];
		r->end = ev->f[LS_F_END];
		return LS_OK;
	case LS_EV_OBJ_DETACH:
		r->detach_ns = ev->t_ns;
		r->detach_tid = ev->tid;
		r->detach_ip = ev->f[LS_F_IP];
		return LS_OK;
	case LS_EV_OBJ_FREE:
		r->free_ns = ev->t_ns;
		r->free_tid = ev->tid;
		r->free_ip = ev->f[LS_F_IP];
		r->deferred = ev->f[LS_F_DEFERRED] ? 1 : 0;
		return r->deferred ? LS_OK : retire(lt, r, addr, kind, err);
	default: /* LS_EV_OBJ_FREE_DONE */
		r->free_done_ns = ev->t_ns;
		return retire(lt, r, addr, kind, err);
	}
}

struct finish_ctx {
	ls_lifetimes *lt;
	ls_error *err;
	ls_status st;
};

static void write_row(void *user, uint64_t a, uint64_t b, void *value)
{
	struct finish_ctx *c = user;

	(void)a, (void)b;
	if (c->st == LS_OK)
		c->st = ls_store_insert_object(c->lt->store, value, c->err);
}

ls_status ls_lifetimes_finish(ls_lifetimes *lt, ls_error *err)
{
	struct finish_ctx c = { lt, err, LS_OK };

	ls_keymap_foreach(lt->live, write_row, &c);
	return c.st;
}
