/* tasks.c — see tasks.h. A task is switched out from the sched_switch that names it prev_tid
 * until the one that names it next_tid; time before the first switch-in is not counted, since
 * the trace did not see the task leave. */
#include "tasks.h"

#include <stdlib.h>
#include <string.h>

#include "keymap.h"

struct task {
	int64_t tid, pid;
	char comm[LS_COMM_MAX];
	int64_t first_ns, last_ns, events;
	int64_t off_since; /* -1: on CPU (or unknown) */
	int64_t off_total;
};

struct ls_tasks {
	ls_keymap *by_tid;
};

ls_tasks *ls_tasks_new(void)
{
	ls_tasks *t = calloc(1, sizeof(*t));

	if (t && !(t->by_tid = ls_keymap_new())) {
		free(t);
		t = NULL;
	}
	return t;
}

static void free_task(void *user, uint64_t a, uint64_t b, void *value)
{
	(void)user, (void)a, (void)b;
	free(value);
}

void ls_tasks_free(ls_tasks *tasks)
{
	if (!tasks)
		return;
	ls_keymap_foreach(tasks->by_tid, free_task, NULL);
	ls_keymap_free(tasks->by_tid);
	free(tasks);
}

static struct task *task_get(ls_tasks *tasks, int64_t tid, int64_t t_ns)
{
	struct task *t = ls_keymap_get(tasks->by_tid, (uint64_t)tid, 0);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->pid = -1;
	t->first_ns = t->last_ns = t_ns;
	t->off_since = -1;
	if (!ls_keymap_put(tasks->by_tid, (uint64_t)tid, 0, t)) {
		free(t);
		return NULL;
	}
	return t;
}

static void name(struct task *t, const char *comm)
{
	if (comm && *comm)
		memcpy(t->comm, comm, sizeof(t->comm));
}

ls_status ls_tasks_feed(ls_tasks *tasks, const ls_event *ev, ls_error *err)
{
	struct task *t = NULL, *other = NULL;

	if (ev->has_tid) {
		if (!(t = task_get(tasks, ev->tid, ev->t_ns)))
			goto nomem;
		t->last_ns = ev->t_ns;
		t->events++;
		if (ev->has_pid)
			t->pid = ev->pid;
		name(t, ev->comm);
	}
	switch (ev->type) {
	case LS_EV_SCHED_SWITCH:
		if (ls_event_has(ev, LS_F_PREV_TID) && ev->f[LS_F_PREV_TID] != 0) {
			if (!(other = task_get(tasks, (int64_t)ev->f[LS_F_PREV_TID], ev->t_ns)))
				goto nomem;
			name(other, ev->str_a);
			other->off_since = ev->t_ns;
		}
		if (ls_event_has(ev, LS_F_NEXT_TID) && ev->f[LS_F_NEXT_TID] != 0) {
			if (!(other = task_get(tasks, (int64_t)ev->f[LS_F_NEXT_TID], ev->t_ns)))
				goto nomem;
			name(other, ev->str_b);
			if (other->off_since >= 0 && ev->t_ns >= other->off_since)
				other->off_total += ev->t_ns - other->off_since;
			other->off_since = -1;
		}
		break;
	case LS_EV_SCHED_PROCESS_FORK:
		if (ls_event_has(ev, LS_F_CHILD_TID)) {
			if (!(other = task_get(tasks, (int64_t)ev->f[LS_F_CHILD_TID], ev->t_ns)))
				goto nomem;
			name(other, ev->str_b);
			if (ls_event_has(ev, LS_F_CHILD_PID))
				other->pid = (int64_t)ev->f[LS_F_CHILD_PID];
		}
		break;
	case LS_EV_SCHED_WAKING:
	case LS_EV_SCHED_PROCESS_EXIT:
	case LS_EV_SCHED_PROCESS_FREE:
		if (ls_event_has(ev, LS_F_TID) && ev->f[LS_F_TID] != 0) {
			if (!(other = task_get(tasks, (int64_t)ev->f[LS_F_TID], ev->t_ns)))
				goto nomem;
			name(other, ev->str_a);
		}
		break;
	default:
		break;
	}
	return LS_OK;
nomem:
	return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory tracking tasks");
}

int64_t ls_tasks_offcpu_ns(const ls_tasks *tasks, int64_t tid, int64_t now_ns)
{
	const struct task *t = ls_keymap_get(tasks->by_tid, (uint64_t)tid, 0);

	if (!t)
		return 0;
	return t->off_total + (t->off_since >= 0 && now_ns > t->off_since ? now_ns - t->off_since : 0);
}

struct write_ctx {
	ls_store *store;
	ls_error *err;
	ls_status st;
};

static void write_task(void *user, uint64_t a, uint64_t b, void *value)
{
	struct write_ctx *c = user;
	const struct task *t = value;
	ls_task_row row = { t->tid, t->pid, t->comm, t->first_ns, t->last_ns, t->events };

	(void)a, (void)b;
	if (c->st == LS_OK)
		c->st = ls_store_insert_task(c->store, &row, c->err);
}

ls_status ls_tasks_write(const ls_tasks *tasks, ls_store *store, ls_error *err)
{
	struct write_ctx c = { store, err, LS_OK };

	ls_keymap_foreach(tasks->by_tid, write_task, &c);
	return c.st;
}
