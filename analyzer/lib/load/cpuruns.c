/* cpuruns.c — see cpuruns.h. One open run per CPU, in an array indexed by CPU number (CPU ids
 * are small and dense). The insert is prepared here on the store's connection rather than in
 * store.c, which only creates the table and its index: the store's statement list is shared
 * by every table and changes often, this one belongs to one module. */
#include "cpuruns.h"

#include <stdbool.h>
#include <stdlib.h>

#include "grow.h"

struct open_run {
	int64_t tid, begin_ns;
	bool open, switched_in;
};

struct ls_cpu_runs {
	ls_store *store;
	sqlite3_stmt *insert;
	struct open_run *cpus;
	size_t n_cpus, cap;
	int64_t first_ns;
	bool seen;
};

ls_cpu_runs *ls_cpu_runs_new(ls_store *store)
{
	ls_cpu_runs *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->store = store;
	if (sqlite3_prepare_v3(ls_store_borrow_db(store),
			       "INSERT INTO cpu_runs(cpu, tid, begin_ns, end_ns, switched_in, end_state) "
			       "VALUES(?1,?2,?3,?4,?5,?6)",
			       -1, SQLITE_PREPARE_PERSISTENT, &r->insert, NULL) != SQLITE_OK) {
		free(r);
		return NULL;
	}
	return r;
}

void ls_cpu_runs_free(ls_cpu_runs *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->insert);
	free(r->cpus);
	free(r);
}

/* end_state is written only with has_state (else NULL: still running at the end, or the switch
 * out was lost). */
static ls_status write_run(ls_cpu_runs *r, int64_t cpu, const struct open_run *o, int64_t end_ns, bool has_state,
			   int64_t end_state, ls_error *err)
{
	sqlite3_stmt *st = r->insert;
	int rc;

	sqlite3_bind_int64(st, 1, cpu);
	sqlite3_bind_int64(st, 2, o->tid);
	sqlite3_bind_int64(st, 3, o->begin_ns);
	sqlite3_bind_int64(st, 4, end_ns >= o->begin_ns ? end_ns : o->begin_ns);
	sqlite3_bind_int(st, 5, o->switched_in);
	if (has_state)
		sqlite3_bind_int64(st, 6, end_state);
	else
		sqlite3_bind_null(st, 6);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return LS_OK;
	if (rc == SQLITE_FULL)
		return ls_error_set(err, LS_ERR_IO, ls_store_path(r->store), "no space left on the device (writing cpu_runs)");
	return ls_error_set(err, LS_ERR_DB, ls_store_path(r->store), "writing cpu_runs: %s",
			    sqlite3_errmsg(ls_store_borrow_db(r->store)));
}

ls_status ls_cpu_runs_feed(ls_cpu_runs *r, const ls_event *ev, ls_error *err)
{
	struct open_run *o;
	int64_t prev;
	ls_status st = LS_OK;

	if (!r->seen) {
		r->first_ns = ev->t_ns;
		r->seen = true;
	}
	if (ev->type != LS_EV_SCHED_SWITCH || !ev->has_cpu || ev->cpu < 0 || ev->cpu > LS_CPU_RUNS_MAX_CPU ||
	    !ls_event_has(ev, LS_F_PREV_TID) || !ls_event_has(ev, LS_F_NEXT_TID))
		return LS_OK;
	if ((size_t)ev->cpu >= r->n_cpus) {
		size_t n = (size_t)ev->cpu + 1;
		if (!ls_grow((void **)&r->cpus, &r->cap, n, sizeof(*r->cpus)))
			return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory building cpu_runs");
		for (size_t i = r->n_cpus; i < n; i++)
			r->cpus[i] = (struct open_run){ 0 };
		r->n_cpus = n;
	}
	o = &r->cpus[ev->cpu];
	prev = (int64_t)ev->f[LS_F_PREV_TID];
	if (!o->open)
		/* the CPU's first switch: prev_tid has run there since the trace began */
		*o = (struct open_run){ prev, r->first_ns, true, false };
	st = write_run(r, ev->cpu, o, ev->t_ns, o->tid == prev && ls_event_has(ev, LS_F_PREV_STATE),
		       (int64_t)ev->f[LS_F_PREV_STATE], err);
	*o = (struct open_run){ (int64_t)ev->f[LS_F_NEXT_TID], ev->t_ns, true, true };
	return st;
}

ls_status ls_cpu_runs_finish(ls_cpu_runs *r, int64_t t_end_ns, ls_error *err)
{
	ls_status st = LS_OK;

	for (size_t cpu = 0; cpu < r->n_cpus && st == LS_OK; cpu++)
		if (r->cpus[cpu].open)
			st = write_run(r, (int64_t)cpu, &r->cpus[cpu], t_end_ns, false, 0, err);
	sqlite3_finalize(r->insert);
	r->insert = NULL;
	return st;
}
