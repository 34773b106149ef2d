/* window.c — LsvWindow (window.h): the behaviour behind window.ui.
 *
 * The cursor is an event id (events are numbered in stream order), so stepping is exact even
 * when many events share a timestamp; the time shown is that event's. The state panel is
 * recomputed from the database at each cursor move (bounded queries, trace.h). This file decides
 * what to show; it does not draw the timeline (timeline.c) nor run SQL of its own beyond
 * search look-ups. */
#include "window.h"

#include <math.h>
#include <string.h>

#include "contract.h"
#include "finding-list.h"
#include "lod.h"
#include "symbols.h"
#include "check.h"

struct _LsvWindow {
	GtkApplicationWindow parent;
	/* template */
	GtkWidget *recent_button, *title_label, *subtitle_label, *progress_revealer, *progress_bar;
	GtkWidget *progress_label, *main_stack, *empty_label, *play_button, *scope_dropdown;
	GtkWidget *speed_dropdown, *time_entry, *cursor_label, *paned, *side_stack, *state_label;
	GtkWidget *findings_status, *findings_list, *evidence_pos, *evidence_label, *task_entry;
	GtkWidget *lock_entry, *object_entry, *search_label, *status_label;
	GtkWidget *class_0, *class_1, *class_2, *class_3, *class_4, *class_5, *class_6;
	LsvTimeline *timeline;
	/* document */
	lsv_trace *trace;
	GPtrArray *findings;
	bool findings_present;
	void *symbols;
	/* cursor and selection */
	int64_t cursor_event, cursor_t;
	int64_t selected_tid, selected_lock, selected_obj;
	int finding, evidence;
	gboolean all_tasks;
	char *task_filter;
	GHashTable *involved;   /* tids to show (search by lock or object), NULL: all */
	/* playback */
	guint play_source;
	gint64 play_last_us;
	double play_t;
	gint64 state_refreshed_us;
	/* opening */
	gboolean opening;
	GCancellable *cancel;
	char *screenshot;
	gboolean screenshot_timeline;
	int *screenshot_status;
	char *state_text, *cursor_text, *evidence_text;
	int finding_after_open;
	char *range_after_open;
};

G_DEFINE_FINAL_TYPE(LsvWindow, lsv_window, GTK_TYPE_APPLICATION_WINDOW)

static const double play_speeds[] = { 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };

/* ---- settings (window state) ---- */

static char *settings_path(void)
{
	return g_build_filename(g_get_user_config_dir(), "lockstep", "view.ini", NULL);
}

static void settings_load(LsvWindow *self)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *path = settings_path();
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
		return;
	int w = g_key_file_get_integer(kf, "window", "width", NULL);
	int h = g_key_file_get_integer(kf, "window", "height", NULL);
	if (w > 200 && h > 200)
		gtk_window_set_default_size(GTK_WINDOW(self), w, h);
	if (g_key_file_get_boolean(kf, "window", "maximized", NULL))
		gtk_window_maximize(GTK_WINDOW(self));
	int pos = g_key_file_get_integer(kf, "window", "paned", NULL);
	if (pos > 200)
		gtk_paned_set_position(GTK_PANED(self->paned), pos);
	if (g_key_file_get_boolean(kf, "style", "dark", NULL))
		g_action_group_change_action_state(G_ACTION_GROUP(self), "dark", g_variant_new_boolean(TRUE));
}

static void settings_save(LsvWindow *self)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *path = settings_path();
	g_autofree char *dir = g_path_get_dirname(path);
	int w, h;
	gtk_window_get_default_size(GTK_WINDOW(self), &w, &h);
	g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL);
	if (!gtk_window_is_maximized(GTK_WINDOW(self))) {
		g_key_file_set_integer(kf, "window", "width", w);
		g_key_file_set_integer(kf, "window", "height", h);
	}
	g_key_file_set_boolean(kf, "window", "maximized", gtk_window_is_maximized(GTK_WINDOW(self)));
	g_key_file_set_integer(kf, "window", "paned", gtk_paned_get_position(GTK_PANED(self->paned)));
	gboolean dark = FALSE;
	g_object_get(gtk_settings_get_default(), "gtk-application-prefer-dark-theme", &dark, NULL);
	g_key_file_set_boolean(kf, "style", "dark", dark);
	g_mkdir_with_parents(dir, 0700);
	g_key_file_save_to_file(kf, path, NULL);
}

/* ---- formatting ---- */

static char *fmt_ip(LsvWindow *self, int64_t ip)
{
	if (ip == LSV_NONE || ip == 0)
		return g_strdup("?");
	char buf[256];
	return g_strdup(ls_symbols_format(self->symbols, (uint64_t)ip, buf, sizeof(buf)));
}

static char *fmt_rel(LsvWindow *self, int64_t t)
{
	if (t == LSV_NONE)
		return g_strdup("—");
	g_autofree char *d = lsv_format_duration(t - self->trace->t_begin);
	return g_strdup_printf("+%s", d);
}

static char *task_name(LsvWindow *self, int64_t tid)
{
	const lsv_task *k = lsv_trace_task(self->trace, tid);
	return g_strdup_printf("%s/%" G_GINT64_FORMAT, k && *k->comm ? k->comm : "?", (gint64)tid);
}

static const char *cls_name(int64_t c)
{
	const char *s = c >= 0 ? ls_class_name((uint64_t)c) : NULL;
	return s ? s : "?";
}

/* ---- state panel ---- */

static void set_label_markup(GtkWidget *label, char **store, GString *s)
{
	gtk_label_set_markup(GTK_LABEL(label), s->str);
	g_free(*store);
	*store = g_strdup(gtk_label_get_text(GTK_LABEL(label)));
}

static void update_state(LsvWindow *self)
{
	if (!self->trace)
		return;
	GString *s = g_string_new(NULL);
	lsv_event ev;
	if (self->cursor_event >= 0 && lsv_trace_event(self->trace, self->cursor_event, &ev)) {
		g_autofree char *what = lsv_event_describe(self->trace, &ev);
		g_autofree char *who = task_name(self, ev.tid);
		g_autofree char *rel = fmt_rel(self, ev.t_ns);
		g_autofree char *ip = fmt_ip(self, ev.ip);
		char *m = g_markup_printf_escaped("<b>Event #%" G_GINT64_FORMAT "</b>  %s\n%s: %s\n<small>at %s</small>\n\n",
						  (gint64)ev.id, rel, who, what, ip);
		g_string_append(s, m);
		g_free(m);
		lsv_event_clear(&ev);
	}
	GPtrArray *locks = lsv_trace_lock_state(self->trace, self->cursor_event, self->cursor_t);
	g_string_append_printf(s, "<b>Live locks (%u)</b>\n", locks->len);
	if (!locks->len)
		g_string_append(s, "  none\n");
	for (guint i = 0; i < locks->len; i++) {
		const lsv_lock_state *ls = g_ptr_array_index(locks, i);
		g_autofree char *addr = lsv_format_addr(ls->lock);
		char *m = g_markup_printf_escaped("<span foreground=\"%s\">■</span> %s %s%s\n",
			ls->cls == 0 ? "#1c71d8" : ls->cls == 1 ? "#2ec27e" : ls->cls == 2 ? "#e5a50a" :
			ls->cls == 3 ? "#9141ac" : ls->cls == 4 ? "#e66100" : ls->cls == 5 ? "#c01c28" : "#865e3c",
			cls_name(ls->cls), addr, ls->lock == self->selected_lock ? "  (selected)" : "");
		g_string_append(s, m);
		g_free(m);
		for (int pass = 0; pass < 2; pass++) {
			GArray *a = pass ? ls->waiters : ls->holders;
			for (guint j = 0; j < a->len; j++) {
				const lsv_hold *h = &g_array_index(a, lsv_hold, j);
				g_autofree char *who = task_name(self, h->tid);
				g_autofree char *since = fmt_rel(self, pass ? h->requested_ns : h->acquired_ns);
				m = g_markup_printf_escaped("    %s %s %s since %s\n", pass ? "waits" : "holds",
							    h->mode ? "write" : "read ", who, since);
				g_string_append(s, m);
				g_free(m);
			}
		}
	}
	g_ptr_array_unref(locks);

	if (self->selected_tid != LSV_NONE) {
		g_autofree char *who = task_name(self, self->selected_tid);
		GArray *stack = lsv_trace_task_stack(self->trace, self->selected_tid, self->cursor_event, self->cursor_t);
		char *m = g_markup_printf_escaped("\n<b>Task %s</b>: %u lock%s\n", who, stack->len,
						  stack->len == 1 ? "" : "s");
		g_string_append(s, m);
		g_free(m);
		for (guint j = 0; j < stack->len; j++) {
			const lsv_hold *h = &g_array_index(stack, lsv_hold, j);
			g_autofree char *addr = lsv_format_addr(h->lock);
			gboolean held = h->acquired_ns != LSV_NONE && h->acquired_ns <= self->cursor_t;
			g_autofree char *site = fmt_ip(self, held ? h->acquired_ip : h->request_ip);
			g_autofree char *since = fmt_rel(self, held ? h->acquired_ns : h->requested_ns);
			m = g_markup_printf_escaped("  %u. %s %s %s %s since %s\n      <small>at %s</small>\n", j + 1,
						    held ? "holds" : "waits for", cls_name(h->cls),
						    h->mode ? "write" : "read", addr, since, site);
			g_string_append(s, m);
			g_free(m);
		}
		g_array_unref(stack);
	}

	if (self->selected_obj != LSV_NONE) {
		g_autofree char *addr = lsv_format_addr(self->selected_obj);
		GArray *objs = lsv_trace_object(self->trace, self->selected_obj);
		char *m = g_markup_printf_escaped("\n<b>Object %s</b>\n", addr);
		g_string_append(s, m);
		g_free(m);
		if (!objs->len)
			g_string_append(s, "  no lifetime recorded\n");
		for (guint j = 0; j < objs->len; j++) {
			const lsv_object *o = &g_array_index(objs, lsv_object, j);
			const char *kind = o->kind >= 0 ? ls_enum_name(LS_ENUM_KIND, (uint64_t)o->kind) : NULL;
			g_string_append_printf(s, "  %s lifetime %u\n", kind ? kind : "object", j + 1);
			struct { const char *what; int64_t t, tid; } steps[] = {
				{ "alloc", o->alloc_ns, o->alloc_tid }, { "detach", o->detach_ns, o->detach_tid },
				{ o->deferred == 1 ? "free (RCU)" : "free", o->free_ns, o->free_tid },
				{ "RCU done", o->free_done_ns, LSV_NONE } };
			for (unsigned k = 0; k < G_N_ELEMENTS(steps); k++) {
				g_autofree char *at = fmt_rel(self, steps[k].t);
				g_autofree char *who = steps[k].tid != LSV_NONE ? task_name(self, steps[k].tid) : g_strdup("");
				const char *when = steps[k].t == LSV_NONE ? "" :
						   steps[k].t <= self->cursor_t ? "  ✓" : "";
				m = g_markup_printf_escaped("    %-9s %s %s%s\n", steps[k].what,
							    steps[k].t == LSV_NONE ? (k == 0 ? "before the trace" : "—") : at,
							    who, when);
				g_string_append(s, m);
				g_free(m);
			}
			gboolean live = (o->alloc_ns == LSV_NONE || o->alloc_ns <= self->cursor_t) &&
					(o->free_ns == LSV_NONE || o->free_ns > self->cursor_t);
			g_string_append_printf(s, "    at the cursor: <b>%s</b>\n",
					       live ? "live" : (o->free_ns != LSV_NONE && o->free_ns <= self->cursor_t)
							       ? "freed" : "not yet allocated");
		}
		g_array_unref(objs);
	}
	set_label_markup(self->state_label, &self->state_text, s);
	g_string_free(s, TRUE);
	self->state_refreshed_us = g_get_monotonic_time();
}

static void update_cursor_label(LsvWindow *self)
{
	g_autofree char *rel = fmt_rel(self, self->cursor_t);
	char *txt = g_strdup_printf("#%" G_GINT64_FORMAT "  %s  (%" G_GINT64_FORMAT " ns)",
				    (gint64)self->cursor_event, rel, (gint64)self->cursor_t);
	gtk_label_set_text(GTK_LABEL(self->cursor_label), txt);
	g_free(self->cursor_text);
	self->cursor_text = txt;
}

/* Moves the cursor after event `id`; `follow` scrolls the timeline to it. */
static void move_cursor(LsvWindow *self, int64_t id, gboolean follow, gboolean refresh_state)
{
	if (!self->trace || id < 0)
		return;
	lsv_event ev;
	if (!lsv_trace_event(self->trace, id, &ev))
		return;
	self->cursor_event = id;
	self->cursor_t = ev.t_ns;
	lsv_event_clear(&ev);
	lsv_timeline_set_cursor(self->timeline, id, self->cursor_t, follow);
	update_cursor_label(self);
	if (refresh_state)
		update_state(self);
}

void lsv_window_set_cursor(LsvWindow *self, int64_t event)
{
	move_cursor(self, event, TRUE, TRUE);
}

/* ---- findings ---- */

static void show_evidence(LsvWindow *self)
{
	GString *s = g_string_new(NULL);
	if (self->finding < 0 || !self->findings || (guint)self->finding >= self->findings->len) {
		gtk_label_set_text(GTK_LABEL(self->evidence_pos), "No finding selected");
		set_label_markup(self->evidence_label, &self->evidence_text, s);
		g_string_free(s, TRUE);
		return;
	}
	const lsv_finding *f = g_ptr_array_index(self->findings, self->finding);
	char *pos = g_strdup_printf("Evidence %d of %u", f->evidence->len ? self->evidence + 1 : 0, f->evidence->len);
	gtk_label_set_text(GTK_LABEL(self->evidence_pos), pos);
	g_free(pos);
	char *m = g_markup_printf_escaped("<b>%s</b>%s%s · %s\n%s\n", f->severity ? f->severity : "",
					  g_strcmp0(f->severity, f->kind) ? " · " : "",
					  g_strcmp0(f->severity, f->kind) && f->kind ? f->kind : "", f->rule ? f->rule : "",
					  f->summary ? f->summary : "");
	g_string_append(s, m);
	g_free(m);
	if (f->detail) {
		m = g_markup_printf_escaped("<small>%s</small>\n", f->detail);
		g_string_append(s, m);
		g_free(m);
	}
	if (f->evidence->len) {
		const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, self->evidence);
		g_autofree char *who = task_name(self, e->tid);
		g_autofree char *at = fmt_rel(self, e->t_ns);
		g_autofree char *lock = e->lock ? lsv_format_addr(e->lock) : g_strdup("");
		m = g_markup_printf_escaped("\n<b>%s</b> %s %s %s%s%s %s\n", e->role ? e->role : "", who, at,
					    e->event ? e->event : "", e->cls >= 0 ? " " : "",
					    e->cls >= 0 ? cls_name(e->cls) : "", lock);
		g_string_append(s, m);
		g_free(m);
	}
	set_label_markup(self->evidence_label, &self->evidence_text, s);
	g_string_free(s, TRUE);
}

static void goto_evidence(LsvWindow *self)
{
	const lsv_finding *f = g_ptr_array_index(self->findings, self->finding);
	if (f->evidence->len) {
		const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, self->evidence);
		int64_t id = e->event_id >= 0 ? e->event_id : lsv_trace_event_at(self->trace, e->t_ns);
		self->selected_tid = e->tid;
		lsv_timeline_set_selected_tid(self->timeline, e->tid);
		lsv_timeline_show_tid(self->timeline, e->tid);
		if (e->lock) {
			self->selected_lock = e->lock;
		}
		if (e->obj)
			self->selected_obj = e->obj;
		move_cursor(self, id, TRUE, TRUE);
	}
	show_evidence(self);
}

void lsv_window_select_finding(LsvWindow *self, int index)
{
	if (!self->findings || index < 0 || (guint)index >= self->findings->len) {
		self->finding = -1;
		lsv_timeline_set_highlight(self->timeline, NULL);
		show_evidence(self);
		return;
	}
	GtkListBoxRow *row = gtk_list_box_get_row_at_index(GTK_LIST_BOX(self->findings_list), index);
	if (row && gtk_list_box_get_selected_row(GTK_LIST_BOX(self->findings_list)) != row) {
		gtk_list_box_select_row(GTK_LIST_BOX(self->findings_list), row);
		return; /* row-selected comes back here */
	}
	self->finding = index;
	const lsv_finding *f = g_ptr_array_index(self->findings, index);
	/* the cursor starts on the first evidence inside the band: for a wait finding the
	 * request, not an outer lock taken before it */
	self->evidence = 0;
	while ((guint)self->evidence + 1 < f->evidence->len &&
	       g_array_index(f->evidence, lsv_evidence, self->evidence).t_ns < f->band_begin)
		self->evidence++;
	lsv_timeline_set_highlight(self->timeline, f);
	int64_t a = 0, b = 0;
	if (f->has_window) {
		lsv_finding_frame(f, self->trace->t_begin, self->trace->t_end, &a, &b);
		lsv_timeline_set_view(self->timeline, a, b);
	}
	goto_evidence(self);
	if (f->has_window)
		lsv_timeline_set_view(self->timeline, a, b);
}

const lsv_finding *lsv_window_get_finding(LsvWindow *self, int index)
{
	if (!self->findings || index < 0 || (guint)index >= self->findings->len)
		return NULL;
	return g_ptr_array_index(self->findings, index);
}

char *lsv_window_get_finding_row_text(LsvWindow *self, int index)
{
	GtkListBoxRow *row = gtk_list_box_get_row_at_index(GTK_LIST_BOX(self->findings_list), index);
	GString *s = g_string_new(NULL);
	/* the row's labels, depth first */
	GtkWidget *stack[16];
	int n = 0;
	if (row)
		stack[n++] = GTK_WIDGET(row);
	while (n) {
		GtkWidget *w = stack[--n];
		if (GTK_IS_LABEL(w))
			g_string_append_printf(s, "%s%s", s->len ? "\n" : "", gtk_label_get_text(GTK_LABEL(w)));
		GtkWidget *last = gtk_widget_get_last_child(w);
		for (GtkWidget *c = last; c && n < 16; c = gtk_widget_get_prev_sibling(c))
			stack[n++] = c;
	}
	return g_string_free(s, FALSE);
}

static void on_finding_selected(GtkListBox *box, GtkListBoxRow *row, gpointer data)
{
	(void)box;
	LsvWindow *self = data;
	lsv_window_select_finding(self, row ? gtk_list_box_row_get_index(row) : -1);
}

static void fill_findings(LsvWindow *self)
{
	GtkWidget *child;
	while ((child = gtk_widget_get_first_child(self->findings_list)))
		gtk_list_box_remove(GTK_LIST_BOX(self->findings_list), child);
	guint n = self->findings ? self->findings->len : 0;
	char *status;
	if (!self->findings_present)
		status = g_strdup("This database has not been checked: run `lockstep check` on it.");
	else if (!n)
		status = g_strdup("No findings.");
	else
		status = g_strdup_printf("%u finding%s. Select one to zoom to it and step through its evidence.",
					 n, n == 1 ? "" : "s");
	gtk_label_set_text(GTK_LABEL(self->findings_status), status);
	g_free(status);
	for (guint i = 0; i < n; i++) {
		const lsv_finding *f = g_ptr_array_index(self->findings, i);
		GtkBuilder *b = gtk_builder_new_from_resource("/org/lockstep/View/finding-row.ui");
		GtkWidget *box = GTK_WIDGET(gtk_builder_get_object(b, "row"));
		GtkWidget *l1 = GTK_WIDGET(gtk_builder_get_object(b, "head"));
		g_autofree char *head = g_strcmp0(f->severity, f->kind)
						? g_strdup_printf("%s · %s", f->severity ? f->severity : "?", f->kind ? f->kind : "?")
						: g_strdup(f->severity ? f->severity : "?");
		g_autofree char *css = g_strdup_printf("severity-%s", f->severity ? f->severity : "note");
		gtk_label_set_text(GTK_LABEL(l1), head);
		gtk_widget_add_css_class(l1, css);
		gtk_label_set_text(GTK_LABEL(gtk_builder_get_object(b, "summary")), f->summary ? f->summary : "");
		g_autofree char *at = f->has_window ? fmt_rel(self, f->band_begin) : g_strdup("—");
		g_autofree char *meta = g_strdup_printf("%s · at %s · %u evidence", f->rule ? f->rule : "", at,
							f->evidence->len);
		gtk_label_set_text(GTK_LABEL(gtk_builder_get_object(b, "meta")), meta);
		g_object_ref(box);
		g_object_unref(b);
		gtk_list_box_append(GTK_LIST_BOX(self->findings_list), box);
		g_object_unref(box);
	}
	self->finding = -1;
	show_evidence(self);
}

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

static void rebuild_lanes(LsvWindow *self)
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
	rebuild_lanes(self);
}

static void on_task_search(GtkSearchEntry *e, gpointer data)
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
	if (lock != LSV_NONE && self->trace) {
		sqlite3_stmt *q = NULL;
		g_autofree char *addr = lsv_format_addr(lock);
		g_string_append_printf(s, "<b>Lock %s</b>\n", addr);
		if (sqlite3_prepare_v2(lsv_trace_borrow_db(self->trace),
				       "SELECT class, first_ns, last_ns, acquisitions, contentions FROM locks WHERE addr = ?",
				       -1, &q, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(q, 1, lock);
			while (sqlite3_step(q) == SQLITE_ROW) {
				g_autofree char *a = fmt_rel(self, sqlite3_column_int64(q, 1));
				g_autofree char *b = fmt_rel(self, sqlite3_column_int64(q, 2));
				g_string_append_printf(s, "  %s: %lld acquisitions, %lld contended, %s … %s\n",
						       cls_name(sqlite3_column_int64(q, 0)),
						       (long long)sqlite3_column_int64(q, 3),
						       (long long)sqlite3_column_int64(q, 4), a, b);
			}
		}
		sqlite3_finalize(q);
		g_string_append(s, "Step through its events with Alt+← / Alt+→.\n");
	}
	gtk_label_set_markup(GTK_LABEL(self->search_label), s->str);
	g_string_free(s, TRUE);
	update_state(self);
}

void lsv_window_select_object(LsvWindow *self, int64_t addr)
{
	self->selected_obj = addr;
	update_state(self);
}

void lsv_window_select_task(LsvWindow *self, int64_t tid)
{
	self->selected_tid = tid;
	lsv_timeline_set_selected_tid(self->timeline, tid);
	if (tid != LSV_NONE)
		lsv_timeline_show_tid(self->timeline, tid);
	update_state(self);
}

/* The tasks a lock address or an object concerns, from bounded queries (holds(lock_id, …),
 * objects(addr)); `sql` yields tids for ?1 = the address. */
static void filter_involved(LsvWindow *self, const char *const *sqls, int64_t addr)
{
	if (self->involved)
		g_hash_table_unref(self->involved);
	self->involved = NULL;
	if (addr != LSV_NONE && self->trace) {
		self->involved = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
		for (const char *const *sql = sqls; *sql; sql++) {
			sqlite3_stmt *q = NULL;
			if (sqlite3_prepare_v2(lsv_trace_borrow_db(self->trace), *sql, -1, &q, NULL) != SQLITE_OK)
				continue;
			sqlite3_bind_int64(q, 1, addr);
			while (sqlite3_step(q) == SQLITE_ROW)
				for (int c = 0; c < sqlite3_column_count(q); c++)
					if (sqlite3_column_type(q, c) != SQLITE_NULL) {
						int64_t *tid = g_new(int64_t, 1);
						*tid = sqlite3_column_int64(q, c);
						g_hash_table_add(self->involved, tid);
					}
			sqlite3_finalize(q);
		}
	}
	rebuild_lanes(self);
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

static void on_lock_entry(GtkEntry *e, gpointer data)
{
	LsvWindow *self = data;
	int64_t v;
	if (parse_addr(gtk_editable_get_text(GTK_EDITABLE(e)), &v)) {
		lsv_window_filter_lock(self, v);
		int64_t id = lsv_trace_step_lock(self->trace, self->cursor_event, v, 1);
		if (id < 0)
			id = lsv_trace_step_lock(self->trace, -1, v, 1);
		if (id >= 0)
			move_cursor(self, id, TRUE, TRUE);
	}
}

static void on_object_entry(GtkEntry *e, gpointer data)
{
	LsvWindow *self = data;
	int64_t v;
	if (parse_addr(gtk_editable_get_text(GTK_EDITABLE(e)), &v))
		lsv_window_filter_object(self, v);
}

static void on_entry_icon(GtkEntry *e, GtkEntryIconPosition pos, gpointer data)
{
	(void)pos;
	LsvWindow *self = data;
	gtk_editable_set_text(GTK_EDITABLE(e), "");
	if (GTK_WIDGET(e) == self->lock_entry)
		lsv_window_filter_lock(self, LSV_NONE);
	else
		lsv_window_filter_object(self, LSV_NONE);
}

static void on_class_toggled(GtkCheckButton *b, gpointer data)
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

/* ---- stepping and playback ---- */

static void step(LsvWindow *self, int scope, int dir)
{
	if (!self->trace)
		return;
	int64_t id = -1;
	if (scope == 0)
		id = self->cursor_event < 0 && dir > 0 ? 0 : lsv_trace_step(self->trace, self->cursor_event, dir);
	else if (scope == 1 && self->selected_tid != LSV_NONE)
		id = lsv_trace_step_task(self->trace, self->cursor_event, self->selected_tid, dir);
	else if (scope == 2 && self->selected_lock != LSV_NONE)
		id = lsv_trace_step_lock(self->trace, self->cursor_event, self->selected_lock, dir);
	if (id >= 0)
		move_cursor(self, id, TRUE, TRUE);
	else
		gtk_widget_error_bell(GTK_WIDGET(self));
}

void lsv_window_set_step_scope(LsvWindow *self, guint scope)
{
	gtk_drop_down_set_selected(GTK_DROP_DOWN(self->scope_dropdown), scope);
}

static void stop_playing(LsvWindow *self)
{
	if (self->play_source) {
		g_source_remove(self->play_source);
		self->play_source = 0;
	}
	gtk_button_set_icon_name(GTK_BUTTON(self->play_button), "media-playback-start-symbolic");
	update_state(self);
}

static gboolean play_tick(gpointer data)
{
	LsvWindow *self = data;
	gint64 now = g_get_monotonic_time();
	double speed = play_speeds[MIN(gtk_drop_down_get_selected(GTK_DROP_DOWN(self->speed_dropdown)),
				       G_N_ELEMENTS(play_speeds) - 1)];
	self->play_t += speed * (double)(now - self->play_last_us) / 1e6;
	self->play_last_us = now;
	if (self->play_t >= (double)self->trace->t_end) {
		move_cursor(self, self->trace->event_count - 1, TRUE, TRUE);
		self->play_source = 0;
		stop_playing(self);
		return G_SOURCE_REMOVE;
	}
	int64_t id = lsv_trace_event_at(self->trace, (int64_t)self->play_t);
	gboolean refresh = now - self->state_refreshed_us > 100000;
	if (id != self->cursor_event)
		move_cursor(self, id, FALSE, refresh);
	/* the cursor line moves with trace time, between events too */
	lsv_timeline_set_cursor(self->timeline, self->cursor_event, (int64_t)self->play_t, TRUE);
	return G_SOURCE_CONTINUE;
}

/* ---- actions ---- */

static void act_play(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	LsvWindow *self = data;
	if (!self->trace)
		return;
	if (self->play_source) {
		stop_playing(self);
		return;
	}
	if (self->cursor_event >= self->trace->event_count - 1)
		move_cursor(self, 0, TRUE, FALSE);
	self->play_t = (double)self->cursor_t;
	self->play_last_us = g_get_monotonic_time();
	self->play_source = g_timeout_add(16, play_tick, self);
	gtk_button_set_icon_name(GTK_BUTTON(self->play_button), "media-playback-pause-symbolic");
}

#define STEP_ACTION(name, scope, dir)                                        \
	static void name(GSimpleAction *a, GVariant *p, gpointer data)       \
	{                                                                    \
		(void)a;                                                     \
		(void)p;                                                     \
		step(data, scope, dir);                                      \
	}
STEP_ACTION(act_step_next, 0, 1)
STEP_ACTION(act_step_prev, 0, -1)
STEP_ACTION(act_step_task_next, 1, 1)
STEP_ACTION(act_step_task_prev, 1, -1)
STEP_ACTION(act_step_lock_next, 2, 1)
STEP_ACTION(act_step_lock_prev, 2, -1)

static void act_step_scope(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	int dir = strcmp(g_action_get_name(G_ACTION(a)), "step-scope-next") == 0 ? 1 : -1;
	step(self, (int)gtk_drop_down_get_selected(GTK_DROP_DOWN(self->scope_dropdown)), dir);
}

static void act_jump(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	if (!self->trace || !self->trace->event_count)
		return;
	gboolean end = !strcmp(g_action_get_name(G_ACTION(a)), "jump-end");
	move_cursor(self, end ? self->trace->event_count - 1 : 0, TRUE, TRUE);
}

static void act_zoom(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	const char *n = g_action_get_name(G_ACTION(a));
	if (!strcmp(n, "zoom-fit")) {
		lsv_timeline_zoom_fit(self->timeline);
		return;
	}
	double cx = lsv_timeline_time_to_x(self->timeline, self->cursor_t);
	int w = gtk_widget_get_width(GTK_WIDGET(self->timeline));
	if (self->cursor_event < 0 || cx < LSV_TL_HEADER_W || cx > w)
		cx = -1;
	lsv_timeline_zoom(self->timeline, !strcmp(n, "zoom-in") ? 2.0 : 0.5, cx);
}

static void act_pan(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	int w = gtk_widget_get_width(GTK_WIDGET(self->timeline)) - LSV_TL_HEADER_W;
	lsv_timeline_pan(self->timeline, (!strcmp(g_action_get_name(G_ACTION(a)), "pan-left") ? -0.25 : 0.25) * w);
}

static void act_lane(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	if (!self->trace)
		return;
	int dir = !strcmp(g_action_get_name(G_ACTION(a)), "lane-down") ? 1 : -1;
	GPtrArray *lanes = self->trace->lanes;
	int cur = -1;
	for (guint i = 0; i < lanes->len; i++) {
		const lsv_lane *l = g_ptr_array_index(lanes, i);
		if (!l->is_group && ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid == self->selected_tid)
			cur = (int)i;
	}
	for (int i = cur < 0 ? (dir > 0 ? 0 : (int)lanes->len - 1) : cur + dir; i >= 0 && i < (int)lanes->len; i += dir) {
		const lsv_lane *l = g_ptr_array_index(lanes, i);
		if (!l->is_group) {
			lsv_window_select_task(self, ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid);
			return;
		}
	}
}

static void act_evidence(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	if (self->finding < 0)
		return;
	const lsv_finding *f = g_ptr_array_index(self->findings, self->finding);
	int dir = !strcmp(g_action_get_name(G_ACTION(a)), "evidence-next") ? 1 : -1;
	int n = self->evidence + dir;
	if (n < 0 || n >= (int)f->evidence->len) {
		gtk_widget_error_bell(GTK_WIDGET(self));
		return;
	}
	self->evidence = n;
	goto_evidence(self);
}

static void act_finding(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	if (!self->findings || !self->findings->len)
		return;
	int dir = !strcmp(g_action_get_name(G_ACTION(a)), "finding-next") ? 1 : -1;
	int n = self->finding < 0 ? 0 : self->finding + dir;
	if (n >= 0 && n < (int)self->findings->len) {
		gtk_stack_set_visible_child_name(GTK_STACK(self->side_stack), "findings");
		lsv_window_select_finding(self, n);
	}
}

static void act_goto_time(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	LsvWindow *self = data;
	gtk_widget_grab_focus(self->time_entry);
}

static void act_find(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	LsvWindow *self = data;
	gtk_stack_set_visible_child_name(GTK_STACK(self->side_stack), "search");
	gtk_widget_grab_focus(self->task_entry);
}

static void act_dark(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)data;
	g_simple_action_set_state(a, p);
	g_object_set(gtk_settings_get_default(), "gtk-application-prefer-dark-theme",
		     g_variant_get_boolean(p), NULL);
}

static void act_all_tasks(GSimpleAction *a, GVariant *p, gpointer data)
{
	LsvWindow *self = data;
	g_simple_action_set_state(a, p);
	self->all_tasks = g_variant_get_boolean(p);
	rebuild_lanes(self);
}

static void act_about(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	const char *authors[] = { "The lockstep authors", NULL };
	gtk_show_about_dialog(GTK_WINDOW(data), "program-name", "lockstep-view", "version", LOCKSTEP_VERSION,
			      "comments", "Replays lock traces of the Linux kernel's mm locks and steps through races.",
			      "license-type", GTK_LICENSE_GPL_2_0_ONLY, "authors", authors, "logo-icon-name",
			      "utilities-system-monitor", NULL);
}

static void on_open_response(GtkNativeDialog *d, int response, gpointer data)
{
	LsvWindow *self = data;
	if (response == GTK_RESPONSE_ACCEPT) {
		g_autoptr(GFile) f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(d));
		g_autofree char *path = f ? g_file_get_path(f) : NULL;
		if (path)
			lsv_window_open(self, path);
	}
	g_object_unref(d);
}

static void act_open(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	LsvWindow *self = data;
	/* GTK 4.8 has no GtkFileDialog; a database is a file, a trace is a directory: the chooser
	 * opens files, and a trace directory is chosen by opening its `metadata` file. */
	GtkFileChooserNative *d = gtk_file_chooser_native_new("Open a lockstep database or trace", GTK_WINDOW(self),
							       GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
	GtkFileFilter *f = gtk_file_filter_new();
	gtk_file_filter_set_name(f, "lockstep databases and CTF traces");
	gtk_file_filter_add_pattern(f, "*.db");
	gtk_file_filter_add_pattern(f, "*.lockstep.db");
	gtk_file_filter_add_pattern(f, "metadata");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), f);
	GtkFileFilter *all = gtk_file_filter_new();
	gtk_file_filter_set_name(all, "All files");
	gtk_file_filter_add_pattern(all, "*");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), all);
	g_signal_connect(d, "response", G_CALLBACK(on_open_response), self);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

static void act_open_path(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	lsv_window_open(data, g_variant_get_string(p, NULL));
}

/* ---- recent files ---- */

static void update_recent_menu(LsvWindow *self)
{
	GMenu *menu = g_menu_new();
	GtkRecentManager *rm = gtk_recent_manager_get_default();
	GList *items = gtk_recent_manager_get_items(rm);
	int n = 0;
	for (GList *l = items; l && n < 10; l = l->next) {
		GtkRecentInfo *info = l->data;
		if (!gtk_recent_info_has_application(info, "lockstep-view"))
			continue;
		g_autofree char *path = g_filename_from_uri(gtk_recent_info_get_uri(info), NULL, NULL);
		if (!path || !g_file_test(path, G_FILE_TEST_EXISTS))
			continue;
		GMenuItem *it = g_menu_item_new(gtk_recent_info_get_display_name(info), NULL);
		g_menu_item_set_action_and_target_value(it, "win.open-path", g_variant_new_string(path));
		g_menu_append_item(menu, it);
		g_object_unref(it);
		n++;
	}
	g_list_free_full(items, (GDestroyNotify)gtk_recent_info_unref);
	if (!n)
		g_menu_append(menu, "No recent traces", "win.none");
	gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(self->recent_button), G_MENU_MODEL(menu));
	g_object_unref(menu);
}

static void add_recent(const char *path)
{
	g_autofree char *uri = g_filename_to_uri(path, NULL, NULL);
	if (!uri)
		return;
	GtkRecentData data = { 0 };
	data.display_name = g_path_get_basename(path);
	data.mime_type = g_file_test(path, G_FILE_TEST_IS_DIR) ? "inode/directory" : "application/vnd.sqlite3";
	data.app_name = "lockstep-view";
	data.app_exec = "lockstep-view %f";
	gtk_recent_manager_add_full(gtk_recent_manager_get_default(), uri, &data);
	g_free(data.display_name);
}

/* ---- opening ---- */

typedef struct {
	char *path;
	lsv_trace *trace;
	ls_error err;
	ls_status st;
	LsvWindow *self;
	gint64 started_us;
	GPtrArray *findings;
	bool findings_present;
	void *symbols;
} open_job;

static void open_job_free(gpointer p)
{
	open_job *j = p;
	g_free(j->path);
	if (j->trace)
		lsv_trace_free(j->trace);
	if (j->findings)
		g_ptr_array_unref(j->findings);
	ls_symbols_free(j->symbols);
	g_free(j);
}

typedef struct {
	LsvWindow *self;
	char *what;
	double fraction;
	uint64_t done;
} progress_msg;

static gboolean progress_idle(gpointer data)
{
	progress_msg *m = data;
	if (m->self->opening) {
		char *txt = m->fraction >= 0 || !m->done
				    ? g_strdup_printf("%s…", m->what)
				    : g_strdup_printf("%s: %" G_GUINT64_FORMAT " events", m->what, m->done);
		gtk_label_set_text(GTK_LABEL(m->self->progress_label), txt);
		g_free(txt);
		if (m->fraction >= 0)
			gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(m->self->progress_bar), m->fraction);
		else
			gtk_progress_bar_pulse(GTK_PROGRESS_BAR(m->self->progress_bar));
	}
	g_object_unref(m->self);
	g_free(m->what);
	g_free(m);
	return G_SOURCE_REMOVE;
}

static void on_progress(void *user, const char *what, uint64_t done, uint64_t total)
{
	open_job *j = user;
	progress_msg *m = g_new0(progress_msg, 1);
	m->self = g_object_ref(j->self);
	m->what = g_strdup(what);
	m->done = done;
	m->fraction = total ? (double)done / (double)total : -1;
	g_idle_add(progress_idle, m);
}

static void open_work(open_job *j)
{
	ls_error_clear(&j->err);
	j->st = lsv_trace_open(j->path, on_progress, j, &j->trace, &j->err);
	if (j->st != LS_OK)
		return;
	j->findings = lsv_findings_read(lsv_trace_borrow_db(j->trace), &j->findings_present);
	if (!j->findings_present && j->trace->writable && j->trace->store) {
		on_progress(j, "Checking the trace", 0, 0);
		ls_error cerr;
		ls_error_clear(&cerr);
		ls_findings *found = NULL;
		if (ls_check_run(j->trace->store, NULL, &found, &cerr) == LS_OK) {
			ls_findings_free(found);
			g_ptr_array_unref(j->findings);
			j->findings = lsv_findings_read(lsv_trace_borrow_db(j->trace), &j->findings_present);
		}
	}
	if (j->trace->source && *j->trace->source) {
		ls_error serr;
		ls_symbols *syms = NULL;
		if (ls_symbols_open_dir(j->trace->source, &syms, &serr) == LS_OK)
			j->symbols = syms;
	}
}

static void open_thread(GTask *task, gpointer src, gpointer data, GCancellable *c)
{
	(void)src;
	(void)c;
	open_work(data);
	g_task_return_boolean(task, TRUE);
}

static void close_trace(LsvWindow *self)
{
	if (self->play_source) {
		g_source_remove(self->play_source);
		self->play_source = 0;
	}
	lsv_timeline_set_highlight(self->timeline, NULL);
	lsv_timeline_set_trace(self->timeline, NULL);
	if (self->findings) {
		g_ptr_array_unref(self->findings);
		self->findings = NULL;
	}
	if (self->trace) {
		lsv_trace_free(self->trace);
		self->trace = NULL;
	}
	ls_symbols_free(self->symbols);
	self->symbols = NULL;
}

static gboolean screenshot_now(gpointer data);

static void open_finish(LsvWindow *self, open_job *j)
{
	self->opening = FALSE;
	gtk_revealer_set_reveal_child(GTK_REVEALER(self->progress_revealer), FALSE);
	gtk_widget_set_visible(self->progress_revealer, FALSE);
	if (j->st != LS_OK) {
		char buf[2048];
		ls_error_format(&j->err, buf, sizeof(buf));
		if (self->screenshot) {
			g_printerr("lockstep-view: %s\n", buf);
			if (self->screenshot_status)
				*self->screenshot_status = 1;
			gtk_window_destroy(GTK_WINDOW(self));
			return;
		}
		GtkWidget *d = gtk_message_dialog_new(GTK_WINDOW(self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
						      GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "Cannot open the trace");
		gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(d), "%s", buf);
		g_signal_connect(d, "response", G_CALLBACK(gtk_window_destroy), NULL);
		gtk_window_present(GTK_WINDOW(d));
		return;
	}
	close_trace(self);
	self->trace = j->trace;
	j->trace = NULL;
	self->findings = j->findings;
	j->findings = NULL;
	self->findings_present = j->findings_present;
	self->symbols = j->symbols;
	j->symbols = NULL;
	self->selected_tid = self->selected_lock = self->selected_obj = LSV_NONE;
	self->cursor_event = -1;
	self->cursor_t = self->trace->t_begin;
	g_clear_pointer(&self->involved, g_hash_table_unref);

	g_autofree char *base = g_path_get_basename(j->path);
	gtk_label_set_text(GTK_LABEL(self->title_label), base);
	g_autofree char *evs = g_strdup_printf("%" G_GINT64_FORMAT " events", (gint64)self->trace->event_count);
	gtk_label_set_text(GTK_LABEL(self->subtitle_label), evs);
	gtk_widget_set_visible(self->subtitle_label, TRUE);
	gtk_window_set_title(GTK_WINDOW(self), base);
	gtk_stack_set_visible_child_name(GTK_STACK(self->main_stack), "trace");

	lsv_timeline_set_trace(self->timeline, self->trace);
	rebuild_lanes(self);
	fill_findings(self);
	if (self->trace->event_count)
		move_cursor(self, 0, FALSE, TRUE);
	add_recent(j->path);
	update_recent_menu(self);
	g_debug("opened %s in %.3f s (overview built in %.3f s)", j->path,
		(double)(g_get_monotonic_time() - j->started_us) / 1e6, self->trace->lod->build_seconds);
	if (self->range_after_open) {
		if (!lsv_window_show_range(self, self->range_after_open))
			g_printerr("lockstep-view: bad --view range '%s' (START:END, e.g. +1ms:+1.2ms)\n",
				   self->range_after_open);
		g_clear_pointer(&self->range_after_open, g_free);
	}
	if (self->finding_after_open >= 0) {
		gtk_stack_set_visible_child_name(GTK_STACK(self->side_stack), "findings");
		lsv_window_select_finding(self, self->finding_after_open);
		self->finding_after_open = -1;
	}
	if (self->screenshot)
		g_timeout_add(400, screenshot_now, self);
}

static void open_done(GObject *src, GAsyncResult *res, gpointer data)
{
	(void)data;
	LsvWindow *self = LSV_WINDOW(src);
	open_finish(self, g_task_get_task_data(G_TASK(res)));
}

/* A trace is a directory; its `metadata` file (what a file chooser can pick) stands for it. */
static char *input_path(const char *path)
{
	g_autofree char *base = g_path_get_basename(path);
	if (!strcmp(base, "metadata") && g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return g_path_get_dirname(path);
	return g_strdup(path);
}

void lsv_window_open(LsvWindow *self, const char *path)
{
	if (self->opening)
		return;
	open_job *j = g_new0(open_job, 1);
	j->path = input_path(path);
	j->self = self;
	j->started_us = g_get_monotonic_time();
	self->opening = TRUE;
	gtk_label_set_text(GTK_LABEL(self->progress_label), "Opening…");
	gtk_progress_bar_set_fraction(GTK_PROGRESS_BAR(self->progress_bar), 0);
	gtk_widget_set_visible(self->progress_revealer, TRUE);
	gtk_revealer_set_reveal_child(GTK_REVEALER(self->progress_revealer), TRUE);
	GTask *task = g_task_new(self, NULL, open_done, NULL);
	g_task_set_task_data(task, j, open_job_free);
	g_task_run_in_thread(task, open_thread);
	g_object_unref(task);
}

gboolean lsv_window_open_sync(LsvWindow *self, const char *path, ls_error *err)
{
	open_job *j = g_new0(open_job, 1);
	j->path = input_path(path);
	j->self = self;
	j->started_us = g_get_monotonic_time();
	self->opening = TRUE;
	open_work(j);
	gboolean ok = j->st == LS_OK;
	if (!ok && err)
		*err = j->err;
	char *saved = self->screenshot;
	self->screenshot = NULL;
	if (ok)
		open_finish(self, j);
	else
		self->opening = FALSE;
	self->screenshot = saved;
	open_job_free(j);
	return ok;
}

/* ---- screenshots ---- */

gboolean lsv_window_save_png(LsvWindow *self, const char *png, gboolean timeline_only, GError **error)
{
	GtkWidget *w = timeline_only ? GTK_WIDGET(self->timeline) : GTK_WIDGET(self);
	int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
	if (timeline_only) {
		/* straight from the renderer of the timeline: no compositor involved */
		cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
		lsv_timeline_render(self->timeline, s, width, height);
		cairo_status_t st = cairo_surface_write_to_png(s, png);
		cairo_surface_destroy(s);
		if (st != CAIRO_STATUS_SUCCESS) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", png, cairo_status_to_string(st));
			return FALSE;
		}
		return TRUE;
	}
	GdkPaintable *paintable = gtk_widget_paintable_new(w);
	GtkSnapshot *snap = gtk_snapshot_new();
	gdk_paintable_snapshot(paintable, snap, width, height);
	GskRenderNode *node = gtk_snapshot_free_to_node(snap);
	gboolean ok = FALSE;
	if (node) {
		GskRenderer *r = gtk_native_get_renderer(GTK_NATIVE(self));
		GdkTexture *tex = gsk_renderer_render_texture(r, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
		ok = gdk_texture_save_to_png(tex, png);
		g_object_unref(tex);
		gsk_render_node_unref(node);
	}
	g_object_unref(paintable);
	if (!ok)
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", png);
	return ok;
}

static gboolean screenshot_now(gpointer data)
{
	LsvWindow *self = data;
	if (lsv_timeline_is_busy(self->timeline))
		return G_SOURCE_CONTINUE;
	g_autoptr(GError) e = NULL;
	gboolean ok = lsv_window_save_png(self, self->screenshot, self->screenshot_timeline, &e);
	if (!ok)
		g_printerr("lockstep-view: %s\n", e->message);
	if (self->screenshot_status)
		*self->screenshot_status = ok ? 0 : 1;
	gtk_window_destroy(GTK_WINDOW(self));
	return G_SOURCE_REMOVE;
}

void lsv_window_select_finding_after_open(LsvWindow *self, int index)
{
	self->finding_after_open = index;
}

void lsv_window_show_range_after_open(LsvWindow *self, const char *range)
{
	g_free(self->range_after_open);
	self->range_after_open = g_strdup(range);
}

void lsv_window_set_screenshot(LsvWindow *self, const char *png, gboolean timeline_only, int *status)
{
	g_free(self->screenshot);
	self->screenshot = g_strdup(png);
	self->screenshot_timeline = timeline_only;
	self->screenshot_status = status;
}

/* ---- go to ---- */

/* "+1.5ms", "1200" (ns from the trace start), "2 us", "@ABS_NS" → absolute ns. */
static gboolean parse_time(LsvWindow *self, const char *text, int64_t *out)
{
	while (g_ascii_isspace(*text))
		text++;
	gboolean absolute = *text == '@';
	if (absolute || *text == '+')
		text++;
	char *end;
	double v = g_ascii_strtod(text, &end);
	if (end == text)
		return FALSE;
	while (g_ascii_isspace(*end))
		end++;
	double mul = 1;
	if (!strcmp(end, "us") || !strcmp(end, "µs"))
		mul = 1e3;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "s"))
		mul = 1e9;
	else if (*end && strcmp(end, "ns"))
		return FALSE;
	*out = (int64_t)llround(v * mul) + (absolute ? 0 : self->trace->t_begin);
	return TRUE;
}

gboolean lsv_window_goto(LsvWindow *self, const char *text)
{
	if (!self->trace || !text)
		return FALSE;
	while (g_ascii_isspace(*text))
		text++;
	if (*text == '#') {
		gint64 id = g_ascii_strtoll(text + 1, NULL, 10);
		if (id < 0 || id >= self->trace->event_count)
			return FALSE;
		move_cursor(self, id, TRUE, TRUE);
		return TRUE;
	}
	int64_t t;
	if (!parse_time(self, text, &t))
		return FALSE;
	move_cursor(self, lsv_trace_event_at(self->trace, t), TRUE, TRUE);
	return TRUE;
}

gboolean lsv_window_show_range(LsvWindow *self, const char *range)
{
	if (!self->trace || !range)
		return FALSE;
	g_auto(GStrv) parts = g_strsplit(range, ":", 2);
	int64_t a, b;
	if (!parts[0] || !parts[1] || !parse_time(self, parts[0], &a) || !parse_time(self, parts[1], &b) || b <= a)
		return FALSE;
	lsv_timeline_set_view(self->timeline, a, b);
	/* the cursor follows into the range, so the state panel describes what is shown */
	if (self->cursor_t < a || self->cursor_t > b)
		move_cursor(self, lsv_trace_event_at(self->trace, a + (b - a) * 45 / 100), FALSE, TRUE);
	return TRUE;
}

static void on_time_entry(GtkEntry *e, gpointer data)
{
	LsvWindow *self = data;
	if (!lsv_window_goto(self, gtk_editable_get_text(GTK_EDITABLE(e))))
		gtk_widget_error_bell(GTK_WIDGET(e));
	else
		gtk_widget_grab_focus(GTK_WIDGET(self->timeline));
}

/* ---- timeline signals ---- */

static void on_cursor_requested(LsvTimeline *tl, gint64 t, gpointer data)
{
	(void)tl;
	LsvWindow *self = data;
	if (self->trace)
		move_cursor(self, lsv_trace_event_at(self->trace, t), FALSE, TRUE);
}

static void on_lane_selected(LsvTimeline *tl, gint64 tid, gpointer data)
{
	(void)tl;
	LsvWindow *self = data;
	self->selected_tid = tid;
	lsv_timeline_set_selected_tid(self->timeline, tid);
}

static void on_lock_selected(LsvTimeline *tl, gint64 lock, gpointer data)
{
	(void)tl;
	LsvWindow *self = data;
	g_autofree char *addr = lsv_format_addr(lock);
	gtk_editable_set_text(GTK_EDITABLE(self->lock_entry), addr);
	lsv_window_select_lock(self, lock);
}

/* ---- drag and drop ---- */

static gboolean on_drop(GtkDropTarget *t, const GValue *value, double x, double y, gpointer data)
{
	(void)t;
	(void)x;
	(void)y;
	LsvWindow *self = data;
	GFile *file = NULL;
	if (G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST)) {
		GSList *l = g_value_get_boxed(value);
		file = l ? l->data : NULL;
	} else if (G_VALUE_HOLDS(value, G_TYPE_FILE)) {
		file = g_value_get_object(value);
	}
	g_autofree char *path = file ? g_file_get_path(file) : NULL;
	if (!path)
		return FALSE;
	lsv_window_open(self, path);
	return TRUE;
}

/* ---- accessors ---- */

lsv_trace *lsv_window_get_trace(LsvWindow *self) { return self->trace; }
LsvTimeline *lsv_window_get_timeline(LsvWindow *self) { return self->timeline; }
const char *lsv_window_get_state_text(LsvWindow *self) { return self->state_text ? self->state_text : ""; }
const char *lsv_window_get_cursor_text(LsvWindow *self) { return self->cursor_text ? self->cursor_text : ""; }
const char *lsv_window_get_evidence_text(LsvWindow *self) { return self->evidence_text ? self->evidence_text : ""; }
guint lsv_window_get_findings_count(LsvWindow *self) { return self->findings ? self->findings->len : 0; }

int64_t lsv_window_get_cursor(LsvWindow *self, int64_t *t_ns)
{
	if (t_ns)
		*t_ns = self->cursor_t;
	return self->cursor_event;
}

/* ---- lifecycle ---- */

static gboolean on_close_request(GtkWindow *w, gpointer data)
{
	(void)data;
	if (!LSV_WINDOW(w)->screenshot)
		settings_save(LSV_WINDOW(w));
	return FALSE;
}

static void lsv_window_dispose(GObject *o)
{
	LsvWindow *self = LSV_WINDOW(o);
	if (self->findings_list)
		g_signal_handlers_disconnect_by_data(self->findings_list, self);
	if (self->timeline)
		g_signal_handlers_disconnect_by_data(self->timeline, self);
	close_trace(self);
	gtk_widget_dispose_template(GTK_WIDGET(self), LSV_TYPE_WINDOW);
	G_OBJECT_CLASS(lsv_window_parent_class)->dispose(o);
}

static void lsv_window_finalize(GObject *o)
{
	LsvWindow *self = LSV_WINDOW(o);
	g_free(self->task_filter);
	if (self->involved)
		g_hash_table_unref(self->involved);
	g_free(self->screenshot);
	g_free(self->state_text);
	g_free(self->cursor_text);
	g_free(self->evidence_text);
	g_free(self->range_after_open);
	G_OBJECT_CLASS(lsv_window_parent_class)->finalize(o);
}

static const GActionEntry win_actions[] = {
	{ "open", act_open, NULL, NULL, NULL, { 0 } },
	{ "open-path", act_open_path, "s", NULL, NULL, { 0 } },
	{ "play", act_play, NULL, NULL, NULL, { 0 } },
	{ "step-next", act_step_next, NULL, NULL, NULL, { 0 } },
	{ "step-prev", act_step_prev, NULL, NULL, NULL, { 0 } },
	{ "step-task-next", act_step_task_next, NULL, NULL, NULL, { 0 } },
	{ "step-task-prev", act_step_task_prev, NULL, NULL, NULL, { 0 } },
	{ "step-lock-next", act_step_lock_next, NULL, NULL, NULL, { 0 } },
	{ "step-lock-prev", act_step_lock_prev, NULL, NULL, NULL, { 0 } },
	{ "step-scope-next", act_step_scope, NULL, NULL, NULL, { 0 } },
	{ "step-scope-prev", act_step_scope, NULL, NULL, NULL, { 0 } },
	{ "jump-start", act_jump, NULL, NULL, NULL, { 0 } },
	{ "jump-end", act_jump, NULL, NULL, NULL, { 0 } },
	{ "zoom-in", act_zoom, NULL, NULL, NULL, { 0 } },
	{ "zoom-out", act_zoom, NULL, NULL, NULL, { 0 } },
	{ "zoom-fit", act_zoom, NULL, NULL, NULL, { 0 } },
	{ "pan-left", act_pan, NULL, NULL, NULL, { 0 } },
	{ "pan-right", act_pan, NULL, NULL, NULL, { 0 } },
	{ "lane-up", act_lane, NULL, NULL, NULL, { 0 } },
	{ "lane-down", act_lane, NULL, NULL, NULL, { 0 } },
	{ "evidence-next", act_evidence, NULL, NULL, NULL, { 0 } },
	{ "evidence-prev", act_evidence, NULL, NULL, NULL, { 0 } },
	{ "finding-next", act_finding, NULL, NULL, NULL, { 0 } },
	{ "finding-prev", act_finding, NULL, NULL, NULL, { 0 } },
	{ "goto-time", act_goto_time, NULL, NULL, NULL, { 0 } },
	{ "find", act_find, NULL, NULL, NULL, { 0 } },
	{ "dark", NULL, NULL, "false", act_dark, { 0 } },
	{ "all-tasks", NULL, NULL, "false", act_all_tasks, { 0 } },
	{ "about", act_about, NULL, NULL, NULL, { 0 } },
};

static void lsv_window_class_init(LsvWindowClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	oc->dispose = lsv_window_dispose;
	oc->finalize = lsv_window_finalize;
	g_type_ensure(LSV_TYPE_TIMELINE);
	gtk_widget_class_set_template_from_resource(wc, "/org/lockstep/View/window.ui");
#define CHILD(n) gtk_widget_class_bind_template_child(wc, LsvWindow, n)
	CHILD(recent_button);
	CHILD(title_label);
	CHILD(subtitle_label);
	CHILD(progress_revealer);
	CHILD(progress_bar);
	CHILD(progress_label);
	CHILD(main_stack);
	CHILD(empty_label);
	CHILD(play_button);
	CHILD(scope_dropdown);
	CHILD(speed_dropdown);
	CHILD(time_entry);
	CHILD(cursor_label);
	CHILD(paned);
	CHILD(timeline);
	CHILD(side_stack);
	CHILD(state_label);
	CHILD(findings_status);
	CHILD(findings_list);
	CHILD(evidence_pos);
	CHILD(evidence_label);
	CHILD(task_entry);
	CHILD(lock_entry);
	CHILD(object_entry);
	CHILD(search_label);
	CHILD(status_label);
	CHILD(class_0);
	CHILD(class_1);
	CHILD(class_2);
	CHILD(class_3);
	CHILD(class_4);
	CHILD(class_5);
	CHILD(class_6);
#undef CHILD
}

static void lsv_window_init(LsvWindow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions), self);
	self->selected_tid = self->selected_lock = self->selected_obj = LSV_NONE;
	self->cursor_event = -1;
	self->finding = -1;
	self->finding_after_open = -1;
	g_signal_connect(self, "close-request", G_CALLBACK(on_close_request), NULL);
	g_signal_connect(self->timeline, "cursor-requested", G_CALLBACK(on_cursor_requested), self);
	g_signal_connect(self->timeline, "lane-selected", G_CALLBACK(on_lane_selected), self);
	g_signal_connect(self->timeline, "lock-selected", G_CALLBACK(on_lock_selected), self);
	g_signal_connect(self->findings_list, "row-selected", G_CALLBACK(on_finding_selected), self);
	g_signal_connect(self->task_entry, "search-changed", G_CALLBACK(on_task_search), self);
	g_signal_connect(self->lock_entry, "activate", G_CALLBACK(on_lock_entry), self);
	g_signal_connect(self->object_entry, "activate", G_CALLBACK(on_object_entry), self);
	g_signal_connect(self->lock_entry, "icon-release", G_CALLBACK(on_entry_icon), self);
	g_signal_connect(self->object_entry, "icon-release", G_CALLBACK(on_entry_icon), self);
	g_signal_connect(self->time_entry, "activate", G_CALLBACK(on_time_entry), self);
	GtkWidget *checks[] = { self->class_0, self->class_1, self->class_2, self->class_3,
				self->class_4, self->class_5, self->class_6 };
	for (unsigned i = 0; i < G_N_ELEMENTS(checks); i++)
		g_signal_connect(checks[i], "toggled", G_CALLBACK(on_class_toggled), self);

	GtkDropTarget *drop = gtk_drop_target_new(G_TYPE_INVALID, GDK_ACTION_COPY);
	GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };
	gtk_drop_target_set_gtypes(drop, types, G_N_ELEMENTS(types));
	g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
	gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));

	update_recent_menu(self);
	settings_load(self);
	gtk_widget_grab_focus(GTK_WIDGET(self->timeline));
}

LsvWindow *lsv_window_new(GtkApplication *app)
{
	return g_object_new(LSV_TYPE_WINDOW, "application", app, NULL);
}
