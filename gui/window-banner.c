/* window-banner.c — the banner at the top of the window that says what is wrong with a file: an
 * open that failed (not a lockstep database, a damaged or truncated one, another schema
 * version…), or the open database damaged, deleted, replaced or rewritten under the viewer.
 *
 * It is part of the window, never a dialog: the rest stays usable, and "Open Another…" and
 * "Reopen" sit in it. A database found bad while open is closed — what it would show can no
 * longer be trusted — but not at once: the check runs inside actions that go on using the trace
 * after it, so the close waits for an idle callback and the banner shows at once. The checks
 * are lsv_trace_check (a stat and the first failed read) before and after each user action, a
 * file monitor that notices a delete or a replace without one, and the timeline's worker, which
 * reports what it could not read. */
#include "window-private.h"

#include <string.h>

void lsv_win_show_banner(LsvWindow *self, const ls_error *err, const char *reopen_path)
{
	char buf[2048];
	ls_error_format(err, buf, sizeof(buf));
	gtk_label_set_text(GTK_LABEL(self->banner_label), buf);
	g_free(self->banner_text);
	self->banner_text = g_strdup(buf);
	g_free(self->reopen_path);
	self->reopen_path = g_strdup(reopen_path);
	gtk_widget_set_visible(self->banner_reopen, reopen_path != NULL);
	gtk_widget_set_visible(self->banner_revealer, TRUE);
	gtk_revealer_set_reveal_child(GTK_REVEALER(self->banner_revealer), TRUE);
}

void lsv_win_hide_banner(LsvWindow *self)
{
	g_clear_pointer(&self->banner_text, g_free);
	gtk_revealer_set_reveal_child(GTK_REVEALER(self->banner_revealer), FALSE);
	gtk_widget_set_visible(self->banner_revealer, FALSE);
}

const char *lsv_window_get_banner_text(LsvWindow *self)
{
	return self->banner_text ? self->banner_text : "";
}

static gboolean close_bad_trace(gpointer data)
{
	LsvWindow *self = data;
	self->close_idle = 0;
	if (!self->trace_bad)
		return G_SOURCE_REMOVE;
	self->trace_bad = FALSE;
	lsv_win_close_trace(self);
	gtk_label_set_text(GTK_LABEL(self->title_label), "lockstep-view");
	gtk_widget_set_visible(self->subtitle_label, FALSE);
	gtk_window_set_title(GTK_WINDOW(self), "lockstep-view");
	gtk_stack_set_visible_child_name(GTK_STACK(self->main_stack), "empty");
	return G_SOURCE_REMOVE;
}

/* The open trace cannot be trusted any more: say why, and close it once the action running now
 * has returned. */
void lsv_win_trace_failed(LsvWindow *self, const ls_error *err)
{
	if (!self->trace || self->trace_bad)
		return;
	self->trace_bad = TRUE;
	if (self->play_source) {
		g_source_remove(self->play_source);
		self->play_source = 0;
	}
	lsv_win_show_banner(self, err, self->trace->path);
	self->close_idle = g_idle_add(close_bad_trace, self);
}

gboolean lsv_win_trace_ok(LsvWindow *self)
{
	if (!self->trace || self->trace_bad)
		return FALSE;
	ls_error err;
	ls_error_clear(&err);
	if (lsv_trace_check(self->trace, &err))
		return TRUE;
	lsv_win_trace_failed(self, &err);
	return FALSE;
}

static void on_file_changed(GFileMonitor *m, GFile *file, GFile *other, GFileMonitorEvent ev, gpointer data)
{
	(void)m;
	(void)file;
	(void)other;
	if (ev == G_FILE_MONITOR_EVENT_DELETED || ev == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT ||
	    ev == G_FILE_MONITOR_EVENT_RENAMED || ev == G_FILE_MONITOR_EVENT_MOVED_IN ||
	    ev == G_FILE_MONITOR_EVENT_MOVED_OUT || ev == G_FILE_MONITOR_EVENT_CREATED)
		lsv_win_trace_ok(data);
}

void lsv_win_watch_file(LsvWindow *self)
{
	if (self->monitor) {
		g_signal_handlers_disconnect_by_data(self->monitor, self);
		g_file_monitor_cancel(self->monitor);
		g_clear_object(&self->monitor);
	}
	if (!self->trace)
		return;
	GFile *f = g_file_new_for_path(self->trace->path);
	self->monitor = g_file_monitor_file(f, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
	g_object_unref(f);
	if (self->monitor)
		g_signal_connect(self->monitor, "changed", G_CALLBACK(on_file_changed), self);
}

/* The timeline's worker could not read the detail of the view (timeline.h). */
void lsv_win_on_timeline_read_error(LsvTimeline *tl, const ls_error *err, void *data)
{
	(void)tl;
	LsvWindow *self = data;
	ls_error e;
	ls_error_clear(&e);
	/* the file itself, if it changed, says more than the worker's read */
	if (self->trace && lsv_trace_check(self->trace, &e))
		e = *err;
	lsv_win_trace_failed(self, &e);
}

void lsv_win_banner_finalize(LsvWindow *self)
{
	if (self->close_idle)
		g_source_remove(self->close_idle);
	self->close_idle = 0;
	if (self->monitor) {
		g_signal_handlers_disconnect_by_data(self->monitor, self);
		g_file_monitor_cancel(self->monitor);
		g_clear_object(&self->monitor);
	}
	g_clear_pointer(&self->banner_text, g_free);
	g_clear_pointer(&self->reopen_path, g_free);
}

void lsv_win_reopen(LsvWindow *self)
{
	const char *path = self->reopen_path ? self->reopen_path : self->trace ? self->trace->path : NULL;
	if (!path)
		return;
	g_autofree char *p = g_strdup(path);
	lsv_window_open(self, p);
}
