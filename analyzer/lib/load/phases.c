/* phases.c — see phases.h. Open phases form a per-task stack; an end pops the innermost open
 * phase of the same name, so nested operations (a fault inside khugepaged's collapse) pair up. */
#include "phases.h"

#include <stdlib.h>

#include "keymap.h"

struct open_phase {
	ls_phase_row row;
	struct open_phase *below;
};

struct ls_phases {
	ls_store *store;
	ls_keymap *stacks; /* (tid, 0) → top open_phase */
	int64_t first_ns;
	bool seen;
};

ls_phases *ls_phases_new(ls_store *store)
{
	ls_phases *ph = calloc(1, sizeof(*ph));

	if (!ph)
		return NULL;
	ph->store = store;
	if (!(ph->stacks = ls_keymap_new())) {
		free(ph);
		return NULL;
	}
	return ph;
}

static void free_stack(void *user, uint64_t a, uint64_t b, void *value)
{
	(void)user, (void)a, (void)b;
	for (struct open_phase *p = value, *n; p; p = n) {
		n = p->below;
		free(p);
	}
}

void ls_phases_free(ls_phases *ph)
{
	if (!ph)
		return;
	ls_keymap_foreach(ph->stacks, free_stack, NULL);
	ls_keymap_free(ph->stacks);
	free(ph);
}

ls_status ls_phases_feed(ls_phases *ph, const ls_event *ev, ls_error *err)
{
	struct open_phase *top, *p, **link;
	ls_phase_row row;

	if (!ph->seen) {
		ph->first_ns = ev->t_ns;
		ph->seen = true;
	}
	if (ev->type != LS_EV_PHASE)
		return LS_OK;
	top = ls_keymap_get(ph->stacks, (uint64_t)ev->tid, 0);
	if (ev->f[LS_F_BEGIN]) {
		if (!(p = calloc(1, sizeof(*p))))
			return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory matching phases");
		p->row = (ls_phase_row){ ev->tid, ev->f[LS_F_MM], (int)ev->f[LS_F_NAME], ev->t_ns, -1 };
		p->below = top;
		if (!ls_keymap_put(ph->stacks, (uint64_t)ev->tid, 0, p)) {
			free(p);
			return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory matching phases");
		}
		return LS_OK;
	}
	for (link = &top, p = top; p; link = &p->below, p = p->below)
		if (p->row.phase == (int)ev->f[LS_F_NAME])
			break;
	if (!p) {
		row = (ls_phase_row){ ev->tid, ev->f[LS_F_MM], (int)ev->f[LS_F_NAME], ph->first_ns, ev->t_ns };
		return ls_store_insert_phase(ph->store, &row, err);
	}
	row = p->row;
	row.end_ns = ev->t_ns;
	*link = p->below;
	free(p);
	if (top)
		ls_keymap_put(ph->stacks, (uint64_t)ev->tid, 0, top); /* replaces: cannot fail */
	else
		ls_keymap_remove(ph->stacks, (uint64_t)ev->tid, 0);
	return ls_store_insert_phase(ph->store, &row, err);
}

struct finish_ctx {
	ls_phases *ph;
	ls_error *err;
	ls_status st;
};

static void write_stack(void *user, uint64_t a, uint64_t b, void *value)
{
	struct finish_ctx *c = user;

	(void)a, (void)b;
	for (struct open_phase *p = value; p && c->st == LS_OK; p = p->below)
		c->st = ls_store_insert_phase(c->ph->store, &p->row, c->err);
}

ls_status ls_phases_finish(ls_phases *ph, ls_error *err)
{
	struct finish_ctx c = { ph, err, LS_OK };

	ls_keymap_foreach(ph->stacks, write_stack, &c);
	return c.st;
}
