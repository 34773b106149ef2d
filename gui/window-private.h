/* window-private.h — what the parts of LsvWindow share (window.c lists them): the instance
 * struct and the functions one part calls in another. Not for the rest of the viewer. */
#ifndef LSV_WINDOW_PRIVATE_H
#define LSV_WINDOW_PRIVATE_H

#include "window.h"

struct _LsvWindow {
	GtkApplicationWindow parent;
	/* template */
	GtkWidget *recent_button, *title_label, *subtitle_label, *progress_revealer, *progress_bar;
	GtkWidget *progress_label, *main_stack, *empty_label, *play_button, *scope_dropdown;
	GtkWidget *speed_dropdown, *time_entry, *cursor_label, *paned, *side_stack, *state_label;
	GtkWidget *findings_status, *findings_list, *evidence_pos, *evidence_label, *task_entry;
	GtkWidget *lock_entry, *object_entry, *search_label, *status_label;
	GtkWidget *banner_revealer, *banner_label, *banner_reopen;
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
	char *finding_after_open;      /* --finding SPEC, owned; NULL when none */
	char *range_after_open;
	/* the views of window-views.c: a second trace in a pane under the first */
	GtkWidget *compare_paned;
	LsvTimeline *compare_timeline;
	lsv_trace *compare_trace;
	void *compare_symbols;
	/* the banner (window-banner.c) */
	char *banner_text, *reopen_path;
	GFileMonitor *monitor;
	gboolean trace_bad;     /* found bad: closed at the next idle (close_idle) */
	guint close_idle;
};

void lsv_win_add_actions(LsvWindow *self);
/* window-banner.c: what is wrong with a file, in the window */
void lsv_win_show_banner(LsvWindow *self, const ls_error *err, const char *reopen_path);
void lsv_win_hide_banner(LsvWindow *self);
/* FALSE (and the banner, and the trace closed at the next idle) when the open database can no
 * longer be trusted (lsv_trace_check); TRUE when it can. FALSE too without a trace. */
gboolean lsv_win_trace_ok(LsvWindow *self);
void lsv_win_trace_failed(LsvWindow *self, const ls_error *err);
void lsv_win_watch_file(LsvWindow *self);
void lsv_win_on_timeline_read_error(LsvTimeline *tl, const ls_error *err, void *data);
void lsv_win_reopen(LsvWindow *self);
void lsv_win_banner_finalize(LsvWindow *self);
void lsv_win_close_trace(LsvWindow *self);
const char *lsv_win_cls_name(int64_t c);
void lsv_win_fill_findings(LsvWindow *self);
char *lsv_win_fmt_rel(LsvWindow *self, int64_t t);
/* A call site as symbol+0xoff (the trace's symbols.map), hex without one; g_free it. */
char *lsv_win_fmt_ip(LsvWindow *self, int64_t ip);
/* text with every absolute time "t=NS" (and "[NS, NS]") rewritten relative to the trace
 * start, as the ruler shows it; g_free it. */
char *lsv_win_relative_times(LsvWindow *self, const char *text);
void lsv_win_goto_evidence(LsvWindow *self);
void lsv_win_move_cursor(LsvWindow *self, int64_t id, gboolean follow, gboolean refresh_state);
void lsv_win_on_class_toggled(GtkCheckButton *b, gpointer data);
void lsv_win_on_entry_icon(GtkEntry *e, GtkEntryIconPosition pos, gpointer data);
void lsv_win_on_finding_selected(GtkListBox *box, GtkListBoxRow *row, gpointer data);
void lsv_win_on_lock_entry(GtkEntry *e, gpointer data);
void lsv_win_on_object_entry(GtkEntry *e, gpointer data);
void lsv_win_on_task_search(GtkSearchEntry *e, gpointer data);
void lsv_win_rebuild_lanes(LsvWindow *self);
void lsv_win_set_label_markup(GtkWidget *label, char **store, GString *s);
void lsv_win_step(LsvWindow *self, int scope, int dir);
char *lsv_win_task_name(LsvWindow *self, int64_t tid);
void lsv_win_update_recent_menu(LsvWindow *self);
void lsv_win_update_state(LsvWindow *self);
/* window-views.c: the CPU lanes toggle, the second trace */
void lsv_win_views_init(LsvWindow *self);

/* Asks for a database or a trace (its metadata file) with the file chooser; calls `chosen` with
 * the path when the user accepts (window-actions.c). */
void lsv_win_choose_input(LsvWindow *self, const char *title, const char *accept,
			  void (*chosen)(LsvWindow *self, const char *path));
void lsv_win_views_dispose(LsvWindow *self);

#endif
