/* window-views.h — the views of LsvWindow beyond the task lanes (window-views.c): the per-CPU
 * lanes (win.cpu-lanes, key C) and a second trace opened beside the first on a shared relative
 * time axis (win.compare "Compare With…", win.compare-close). */
#ifndef LSV_WINDOW_VIEWS_H
#define LSV_WINDOW_VIEWS_H

#include "window.h"

G_BEGIN_DECLS

/* Shows or hides the CPU lanes in the timeline (and in the compared trace's). */
void lsv_window_set_cpu_lanes(LsvWindow *self, gboolean show);

/* Opens a database or trace directory as the second trace, in a timeline pane under the first,
 * linked to it (lsv_timeline_link); replaces an earlier one. In a worker thread; a failure is
 * shown in a dialog. */
void lsv_window_compare(LsvWindow *self, const char *path);
/* The same, blocking (tests). Returns FALSE and fills err on failure (the pane is unchanged). */
gboolean lsv_window_compare_sync(LsvWindow *self, const char *path, ls_error *err);
/* Closes the second trace and hides its pane. */
void lsv_window_compare_close(LsvWindow *self);
/* The second trace's timeline, NULL when none is open (borrowed). */
LsvTimeline *lsv_window_get_compare_timeline(LsvWindow *self);

G_END_DECLS

#endif
