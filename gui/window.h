/* window.h — LsvWindow, the main window (window.ui): opening a database or trace directory,
 * the replay cursor and its stepping, the state panel, the findings list and the search
 * filters. The timeline itself is LsvTimeline (timeline.h). */
#ifndef LSV_WINDOW_H
#define LSV_WINDOW_H

#include <gtk/gtk.h>

#include "error.h"
#include "finding-list.h"
#include "timeline.h"
#include "trace.h"

G_BEGIN_DECLS

#define LSV_TYPE_WINDOW (lsv_window_get_type())
G_DECLARE_FINAL_TYPE(LsvWindow, lsv_window, LSV, WINDOW, GtkApplicationWindow)

LsvWindow *lsv_window_new(GtkApplication *app);

/* Opens a database or trace directory in a worker thread, with progress in the window. */
void lsv_window_open(LsvWindow *self, const char *path);
/* The same, blocking (tests, benchmark). Returns FALSE and fills err on failure. */
gboolean lsv_window_open_sync(LsvWindow *self, const char *path, ls_error *err);

/* After the next successful open, render the window (or only the timeline) to `png` and close
 * the window; `status` receives 0 on success (for the exit code). */
void lsv_window_set_screenshot(LsvWindow *self, const char *png, gboolean timeline_only, int *status);

/* Renders the window (or the timeline) offscreen to a PNG through the window's renderer. */
gboolean lsv_window_save_png(LsvWindow *self, const char *png, gboolean timeline_only, GError **error);

/* Test and scripting hooks. */
lsv_trace *lsv_window_get_trace(LsvWindow *self);
LsvTimeline *lsv_window_get_timeline(LsvWindow *self);
int64_t lsv_window_get_cursor(LsvWindow *self, int64_t *t_ns);
void lsv_window_set_cursor(LsvWindow *self, int64_t event);
const char *lsv_window_get_state_text(LsvWindow *self);
const char *lsv_window_get_cursor_text(LsvWindow *self);
const char *lsv_window_get_evidence_text(LsvWindow *self);
/* The banner's text ("FILE: what is wrong"), "" when no banner is shown. */
const char *lsv_window_get_banner_text(LsvWindow *self);
guint lsv_window_get_findings_count(LsvWindow *self);
void lsv_window_select_finding(LsvWindow *self, int index);
/* Finding `index` in list order (borrowed), NULL when out of range. */
const lsv_finding *lsv_window_get_finding(LsvWindow *self, int index);
/* The text of the list row of finding `index` ("RULE · at +T · N evidence"); g_free it. */
char *lsv_window_get_finding_row_text(LsvWindow *self, int index);
/* Selects finding `index` once the next open completes. */
/* Once the input is open, select a finding: SPEC is its 0-based index in list order, or a
 * kind (`uaf-window`) or kind/rule (`lock-order/cycle`): the first such finding. */
void lsv_window_select_finding_after_open(LsvWindow *self, const char *spec);
void lsv_window_select_task(LsvWindow *self, int64_t tid);
void lsv_window_select_lock(LsvWindow *self, int64_t lock);
void lsv_window_select_object(LsvWindow *self, int64_t addr);
/* Select a lock / an object and show only the tasks involved (LSV_NONE: all tasks again). */
void lsv_window_filter_lock(LsvWindow *self, int64_t lock);
void lsv_window_filter_object(LsvWindow *self, int64_t addr);
void lsv_window_set_step_scope(LsvWindow *self, guint scope); /* 0 all, 1 task, 2 lock */
void lsv_window_set_task_filter(LsvWindow *self, const char *text);
/* Shows the time range "START:END" (times as lsv_window_goto takes them); now, or once the
 * next open completes. */
gboolean lsv_window_show_range(LsvWindow *self, const char *range);
void lsv_window_show_range_after_open(LsvWindow *self, const char *range);
/* Parses "+1.5ms", "1200", "2 us", "@ABS_NS" or "#EVENT" and moves the cursor there. */
gboolean lsv_window_goto(LsvWindow *self, const char *text);

G_END_DECLS

#endif
