/* window-open.c — opening a database or trace directory in a worker thread with progress,
 * recent files, and the offscreen screenshots. A failure is shown in the window itself. */
#include "window-private.h"

#include <math.h>
#include <string.h>

#include "check.h"
#include "contract.h"
#include "finding-list.h"
#include "lod.h"
#include "symbols.h"

/* ---- recent files ---- */

void lsv_win_update_recent_menu(LsvWindow *self)
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
	j->findings = lsv_findings_read(lsv_trace_borrow_db(j->trace), &j->findings_present, &j->err);
	if (j->err.status != LS_OK)
		goto failed;
	/* the symbols before the check, so that its summaries name call sites as `lockstep check`
	 * does (symbol+offset), not in hex */
	if (j->trace->source && *j->trace->source) {
		ls_error serr;
		ls_symbols *syms = NULL;
		if (ls_symbols_open_dir(j->trace->source, &syms, &serr) == LS_OK)
			j->symbols = syms;
	}
	if (!j->findings_present && j->trace->writable && j->trace->store) {
		on_progress(j, "Checking the trace", 0, 0);
		ls_error cerr;
		ls_error_clear(&cerr);
		ls_findings *found = NULL;
		ls_check_options opts;
		ls_check_options_init(&opts);
		opts.symbols = j->symbols;
		if (ls_check_run(j->trace->store, &opts, &found, &cerr) == LS_OK) {
			ls_findings_free(found);
			g_ptr_array_unref(j->findings);
			j->findings = lsv_findings_read(lsv_trace_borrow_db(j->trace), &j->findings_present, &j->err);
			if (j->err.status != LS_OK)
				goto failed;
		}
	}
	/* the check above wrote findings: the file as the viewer now holds it */
	lsv_file_id_read(j->trace->path, &j->trace->file);
	return;
failed:
	/* a damaged findings table: the open fails like any damaged database */
	g_strlcpy(j->err.file, j->trace->path, sizeof(j->err.file));
	j->st = j->err.status;
	lsv_trace_free(j->trace);
	j->trace = NULL;
}

static void open_thread(GTask *task, gpointer src, gpointer data, GCancellable *c)
{
	(void)src;
	(void)c;
	open_work(data);
	g_task_return_boolean(task, TRUE);
}

void lsv_win_close_trace(LsvWindow *self)
{
	if (self->play_source) {
		g_source_remove(self->play_source);
		self->play_source = 0;
	}
	self->trace_bad = FALSE;
	if (self->close_idle) {
		g_source_remove(self->close_idle);
		self->close_idle = 0;
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
	lsv_timeline_set_symbols(self->timeline, NULL);
	ls_symbols_free(self->symbols);
	self->symbols = NULL;
}

static gboolean screenshot_now(gpointer data);

/* --finding SPEC: an index, or the first finding of a kind or kind/rule; -1 when none is. */
static int finding_index_of(LsvWindow *self, const char *spec)
{
	char *end = NULL;
	gint64 n = g_ascii_strtoll(spec, &end, 10);
	if (end != spec && *end == '\0')
		return n >= 0 && self->findings && n < self->findings->len ? (int)n : -1;
	for (guint i = 0; self->findings && i < self->findings->len; i++) {
		const lsv_finding *f = g_ptr_array_index(self->findings, i);
		g_autofree char *kind_rule = g_strdup_printf("%s/%s", f->kind ? f->kind : "", f->rule ? f->rule : "");
		if (!g_strcmp0(spec, f->kind) || !g_strcmp0(spec, kind_rule))
			return (int)i;
	}
	return -1;
}

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
		/* in the window: a trace open before stays open and usable */
		lsv_win_show_banner(self, &j->err, j->path);
		return;
	}
	lsv_win_hide_banner(self);
	lsv_win_close_trace(self);
	self->trace = j->trace;
	j->trace = NULL;
	self->findings = j->findings;
	j->findings = NULL;
	self->findings_present = j->findings_present;
	self->symbols = j->symbols;
	lsv_timeline_set_symbols(self->timeline, self->symbols);
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
	lsv_win_rebuild_lanes(self);
	lsv_win_fill_findings(self);
	if (self->trace->event_count)
		lsv_win_move_cursor(self, 0, FALSE, TRUE);
	lsv_win_watch_file(self);
	add_recent(j->path);
	lsv_win_update_recent_menu(self);
	g_debug("opened %s in %.3f s (overview built in %.3f s)", j->path,
		(double)(g_get_monotonic_time() - j->started_us) / 1e6, self->trace->lod->build_seconds);
	/* the finding first, so that an explicit --view frames it more closely than its window */
	if (self->finding_after_open) {
		int index = finding_index_of(self, self->finding_after_open);
		if (index < 0)
			g_printerr("lockstep-view: %s: no finding '%s' (%u finding(s))\n", j->path,
				   self->finding_after_open, self->findings ? self->findings->len : 0);
		gtk_stack_set_visible_child_name(GTK_STACK(self->side_stack), "findings");
		lsv_window_select_finding(self, index);
		g_clear_pointer(&self->finding_after_open, g_free);
	}
	if (self->range_after_open) {
		if (!lsv_window_show_range(self, self->range_after_open))
			g_printerr("lockstep-view: bad --view range '%s' (START:END, e.g. +1ms:+1.2ms)\n",
				   self->range_after_open);
		g_clear_pointer(&self->range_after_open, g_free);
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
	if (ok) {
		open_finish(self, j);
	} else {
		self->opening = FALSE;
		lsv_win_show_banner(self, &j->err, j->path);
	}
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

void lsv_window_select_finding_after_open(LsvWindow *self, const char *spec)
{
	g_free(self->finding_after_open);
	self->finding_after_open = g_strdup(spec);
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
