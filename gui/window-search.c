/* window-search.c — the Search page: task filter, lock and object look-ups (bounded queries on
 * holds(lock_id, …) and objects(addr)), and the lock-class toggles. */
#include "window-private.h"

#include <math.h>
#include <string.h>

#include "check.h"
#include "contract.h"
#include "finding-list.h"
#include "lod.h"
#include "symbols.h"

/* ---- search and filters ---- */

static bool keep_task(const lsv_task *k, void *user)
{
	LsvWindow *self = user;
	if (!self->all_tasks && !lsv_lod_lane_get(self->trace->lod, k->tid))
		return false;
	if (self->involved && !g_hash_table_contains(self->involved, &k->tid))
		return false;
	if (!self->task_filter || !*self->task_filter)
		return true;
	char num[32];
	g_snprintf(num, sizeof(num), "%" G_GINT64_FORMAT, (gint64)k->tid);
	if (!strcmp(num, self->task_filter))
		return true;
	g_snprintf(num, sizeof(num), "%" G_GINT64_FORMAT, (gint64)k->pid);
	if (!strcmp(num, self->task_filter))
		return true;
	g_autofree char *a = g_utf8_casefold(k->comm, -1), *b = g_utf8_casefold(self->task_filter, -1);
	return strstr(a, b) != NULL;
}

void lsv_win_rebuild_lanes(LsvWindow *self)
{
	if (!self->trace)
		return;
	lsv_trace_build_lanes(self->trace, keep_task, self);
	lsv_timeline_lanes_changed(self->timeline);
	guint tasks = 0;
	for (guint i = 0; i < self->trace->lanes->len; i++)
		tasks += !((lsv_lane *)g_ptr_array_index(self->trace->lanes, i))->is_group;
	g_autofree char *evs = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)self->trace->event_count);
	g_autofree char *dur = lsv_format_duration(self->trace->t_end - self->trace->t_begin);
	char *st = g_strdup_printf("%s · %s events · %s · %u of %u tasks shown%s", self->trace->path, evs, dur,
				   tasks, self->trace->tasks->len, self->trace->writable ? "" : " · read-only");
	gtk_label_set_text(GTK_LABEL(self->status_label), st);
	g_free(st);
}

void lsv_window_set_task_filter(LsvWindow *self, const char *text)
{
	g_free(self->task_filter);
	self->task_filter = g_strdup(text ? text : "");
	lsv_win_rebuild_lanes(self);
}

void lsv_win_on_task_search(GtkSearchEntry *e, gpointer data)
{
	lsv_window_set_task_filter(data, gtk_editable_get_text(GTK_EDITABLE(e)));
}

static gboolean parse_addr(const char *s, int64_t *out)
{
	char *end;
	while (g_ascii_isspace(*s))
		s++;
	if (!*s)
		return FALSE;
	guint64 v = g_ascii_strtoull(s, &end, g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X") ? 16 : 16);
	if (end == s)
		return FALSE;
	*out = (int64_t)v;
	return TRUE;
}

void lsv_window_select_lock(LsvWindow *self, int64_t lock)
{
	self->selected_lock = lock;
	lsv_timeline_set_lock_filter(self->timeline, lock);
	GString *s = g_string_new(NULL);
	if (lock != LSV_NONE && lsv_win_trace_ok(self)) {
		sqlite3_stmt *q = NULL;
		g_autofree char *addr = lsv_format_addr(lock);
		g_string_append_printf(s, "<b>Lock %s</b>\n", addr);
		if (sqlite3_prepare_v2(lsv_trace_borrow_db(self->trace),
				       "SELECT class, first_ns, last_ns, acquisitions, contentions FROM locks WHERE addr = ?",
				       -1, &q, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(q, 1, lock);
			while (lsv_trace_step_row(self->trace, q) == SQLITE_ROW) {
				g_autofree char *a = lsv_win_fmt_rel(self, sqlite3_column_int64(q, 1));
				g_autofree char *b = lsv_win_fmt_rel(self, sqlite3_column_int64(q, 2));
				g_string_append_printf(s, "  %s: %lld acquisitions, %lld contended, %s … %s\n",
						       lsv_win_cls_name(sqlite3_column_int64(q, 0)),
						       (long long)sqlite3_column_int64(q, 3),
						       (long long)sqlite3_column_int64(q, 4), a, b);
			}
		}
		sqlite3_finalize(q);
		g_string_append(s, "Step through its events with Alt+← / Alt+→.\n");
	}
	gtk_label_set_markup(GTK_LABEL(self->search_label), s->str);
	g_string_free(s, TRUE);
	lsv_win_update_state(self);
}

void lsv_window_select_object(LsvWindow *self, int64_t addr)
{
	self->selected_obj = addr;
	lsv_win_update_state(self);
}

void lsv_window_select_task(LsvWindow *self, int64_t tid)
{
	self->selected_tid = tid;
	lsv_timeline_set_selected_tid(self->timeline, tid);
	if (tid != LSV_NONE)
		lsv_timeline_show_tid(self->timeline, tid);
	lsv_win_update_state(self);
}

/* The tasks a lock address or an object concerns, from bounded queries (holds(lock_id, …),
 * objects(addr)); `sql` yields tids for ?1 = the address. */
static void filter_involved(LsvWindow *self, const char *const *sqls, int64_t addr)
{
	if (self->involved)
		g_hash_table_unref(self->involved);
	self->involved = NULL;
	if (addr != LSV_NONE && lsv_win_trace_ok(self)) {
		self->involved = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
		for (const char *const *sql = sqls; *sql; sql++) {
			sqlite3_stmt *q = NULL;
			if (sqlite3_prepare_v2(lsv_trace_borrow_db(self->trace), *sql, -1, &q, NULL) != SQLITE_OK)
				continue;
			sqlite3_bind_int64(q, 1, addr);
			while (lsv_trace_step_row(self->trace, q) == SQLITE_ROW)
				for (int c = 0; c < sqlite3_column_count(q); c++)
					if (sqlite3_column_type(q, c) != SQLITE_NULL) {
						int64_t *tid = g_new(int64_t, 1);
						*tid = sqlite3_column_int64(q, c);
						g_hash_table_add(self->involved, tid);
					}
			sqlite3_finalize(q);
		}
	}
	lsv_win_rebuild_lanes(self);
}

void lsv_window_filter_lock(LsvWindow *self, int64_t lock)
{
	static const char *const sqls[] = {
		"SELECT DISTINCT tid FROM holds WHERE lock_id IN (SELECT id FROM locks WHERE addr = ?1)", NULL };
	lsv_window_select_lock(self, lock);
	filter_involved(self, sqls, lock);
}

void lsv_window_filter_object(LsvWindow *self, int64_t addr)
{
	static const char *const sqls[] = {
		"SELECT alloc_tid, detach_tid, free_tid FROM objects WHERE addr = ?1",
		"SELECT DISTINCT tid FROM holds WHERE lock_id IN (SELECT id FROM locks WHERE obj = ?1 OR addr = ?1)",
		NULL };
	lsv_window_select_object(self, addr);
	filter_involved(self, sqls, addr);
}

void lsv_win_on_lock_entry(GtkEntry *e, gpointer data)
{
	LsvWindow *self = data;
	int64_t v;
	if (parse_addr(gtk_editable_get_text(GTK_EDITABLE(e)), &v)) {
		lsv_window_filter_lock(self, v);
		int64_t id = lsv_trace_step_lock(self->trace, self->cursor_event, v, 1);
		if (id < 0)
			id = lsv_trace_step_lock(self->trace, -1, v, 1);
		if (id >= 0)
			lsv_win_move_cursor(self, id, TRUE, TRUE);
	}
}

void lsv_win_on_object_entry(GtkEntry *e, gpointer data)
{
	LsvWindow *self = data;
	int64_t v;
	if (parse_addr(gtk_editable_get_text(GTK_EDITABLE(e)), &v))
		lsv_window_filter_object(self, v);
}

void lsv_win_on_entry_icon(GtkEntry *e, GtkEntryIconPosition pos, gpointer data)
{
	(void)pos;
	LsvWindow *self = data;
	gtk_editable_set_text(GTK_EDITABLE(e), "");
	if (GTK_WIDGET(e) == self->lock_entry)
		lsv_window_filter_lock(self, LSV_NONE);
	else
		lsv_window_filter_object(self, LSV_NONE);
}

void lsv_win_on_class_toggled(GtkCheckButton *b, gpointer data)
{
	(void)b;
	LsvWindow *self = data;
	GtkWidget *checks[] = { self->class_0, self->class_1, self->class_2, self->class_3,
				self->class_4, self->class_5, self->class_6 };
	unsigned mask = 0;
	for (unsigned i = 0; i < G_N_ELEMENTS(checks); i++)
		if (gtk_check_button_get_active(GTK_CHECK_BUTTON(checks[i])))
			mask |= 1u << i;
	lsv_timeline_set_class_mask(self->timeline, mask);
}
