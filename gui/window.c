/* window.c — LsvWindow (window.h): the widget itself, its settings, "go to", the timeline's
 * signals, drag and drop and the lifecycle. The parts (window-private.h): window-state.c the
 * state panel and the cursor, window-findings.c the findings and their evidence,
 * window-search.c search and filters, window-actions.c stepping, playback and the actions,
 * window-open.c opening and screenshots.
 *
 * The cursor is an event id (events are numbered in stream order), so stepping is exact even
 * when many events share a timestamp; the time shown is that event's. This file decides what
 * to show; it does not draw the timeline (timeline*.c) nor run SQL of its own. */
#include "window-private.h"

#include <math.h>
#include <string.h>

#include "check.h"
#include "contract.h"
#include "finding-list.h"
#include "lod.h"
#include "symbols.h"

G_DEFINE_FINAL_TYPE(LsvWindow, lsv_window, GTK_TYPE_APPLICATION_WINDOW)

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
		lsv_win_move_cursor(self, id, TRUE, TRUE);
		return TRUE;
	}
	int64_t t;
	if (!parse_time(self, text, &t))
		return FALSE;
	lsv_win_move_cursor(self, lsv_trace_event_at(self->trace, t), TRUE, TRUE);
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
		lsv_win_move_cursor(self, lsv_trace_event_at(self->trace, a + (b - a) * 45 / 100), FALSE, TRUE);
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
		lsv_win_move_cursor(self, lsv_trace_event_at(self->trace, t), FALSE, TRUE);
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
	lsv_win_close_trace(self);
	lsv_win_views_dispose(self);
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
	g_free(self->finding_after_open);
	lsv_win_banner_finalize(self);
	G_OBJECT_CLASS(lsv_window_parent_class)->finalize(o);
}


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
	CHILD(banner_revealer);
	CHILD(banner_label);
	CHILD(banner_reopen);
#undef CHILD
}

static void lsv_window_init(LsvWindow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	lsv_win_add_actions(self);
	lsv_win_views_init(self);
	self->selected_tid = self->selected_lock = self->selected_obj = LSV_NONE;
	self->cursor_event = -1;
	self->finding = -1;
	g_signal_connect(self, "close-request", G_CALLBACK(on_close_request), NULL);
	g_signal_connect(self->timeline, "cursor-requested", G_CALLBACK(on_cursor_requested), self);
	g_signal_connect(self->timeline, "lane-selected", G_CALLBACK(on_lane_selected), self);
	g_signal_connect(self->timeline, "lock-selected", G_CALLBACK(on_lock_selected), self);
	lsv_timeline_set_read_error_handler(self->timeline, lsv_win_on_timeline_read_error, self);
	g_signal_connect(self->findings_list, "row-selected", G_CALLBACK(lsv_win_on_finding_selected), self);
	g_signal_connect(self->task_entry, "search-changed", G_CALLBACK(lsv_win_on_task_search), self);
	g_signal_connect(self->lock_entry, "activate", G_CALLBACK(lsv_win_on_lock_entry), self);
	g_signal_connect(self->object_entry, "activate", G_CALLBACK(lsv_win_on_object_entry), self);
	g_signal_connect(self->lock_entry, "icon-release", G_CALLBACK(lsv_win_on_entry_icon), self);
	g_signal_connect(self->object_entry, "icon-release", G_CALLBACK(lsv_win_on_entry_icon), self);
	g_signal_connect(self->time_entry, "activate", G_CALLBACK(on_time_entry), self);
	GtkWidget *checks[] = { self->class_0, self->class_1, self->class_2, self->class_3,
				self->class_4, self->class_5, self->class_6 };
	for (unsigned i = 0; i < G_N_ELEMENTS(checks); i++)
		g_signal_connect(checks[i], "toggled", G_CALLBACK(lsv_win_on_class_toggled), self);

	GtkDropTarget *drop = gtk_drop_target_new(G_TYPE_INVALID, GDK_ACTION_COPY);
	GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };
	gtk_drop_target_set_gtypes(drop, types, G_N_ELEMENTS(types));
	g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
	gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));

	lsv_win_update_recent_menu(self);
	settings_load(self);
	gtk_widget_grab_focus(GTK_WIDGET(self->timeline));
}

LsvWindow *lsv_window_new(GtkApplication *app)
{
	return g_object_new(LSV_TYPE_WINDOW, "application", app, NULL);
}
