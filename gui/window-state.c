/* window-state.c — the state panel (what is live after the cursor's event) and moving the cursor.
 * Recomputed from the database at each cursor move with bounded queries (trace.h). Times are
 * relative to the trace start, as on the ruler; call sites are symbol+offset when the trace
 * has a symbols.map. */
#include "window-private.h"

#include <math.h>
#include <string.h>

#include "check.h"
#include "contract.h"
#include "finding-list.h"
#include "lod.h"
#include "symbols.h"

/* ---- formatting ---- */

char *lsv_win_fmt_ip(LsvWindow *self, int64_t ip)
{
	if (ip == LSV_NONE || ip == 0)
		return g_strdup("?");
	char buf[256];
	return g_strdup(ls_symbols_format(self->symbols, (uint64_t)ip, buf, sizeof(buf)));
}

char *lsv_win_fmt_rel(LsvWindow *self, int64_t t)
{
	if (t == LSV_NONE)
		return g_strdup("—");
	g_autofree char *d = lsv_format_duration(t - self->trace->t_begin);
	return g_strdup_printf("+%s", d);
}

char *lsv_win_task_name(LsvWindow *self, int64_t tid)
{
	const lsv_task *k = lsv_trace_task(self->trace, tid);
	return g_strdup_printf("%s/%" G_GINT64_FORMAT, k && *k->comm ? k->comm : "?", (gint64)tid);
}

const char *lsv_win_cls_name(int64_t c)
{
	const char *s = c >= 0 ? ls_class_name((uint64_t)c) : NULL;
	return s ? s : "?";
}

/* ---- state panel ---- */

void lsv_win_set_label_markup(GtkWidget *label, char **store, GString *s)
{
	gtk_label_set_markup(GTK_LABEL(label), s->str);
	g_free(*store);
	*store = g_strdup(gtk_label_get_text(GTK_LABEL(label)));
}

void lsv_win_update_state(LsvWindow *self)
{
	if (!lsv_win_trace_ok(self))
		return;
	GString *s = g_string_new(NULL);
	lsv_event ev;
	if (self->cursor_event >= 0 && lsv_trace_event(self->trace, self->cursor_event, &ev)) {
		g_autofree char *what = lsv_event_describe(self->trace, &ev);
		g_autofree char *who = lsv_win_task_name(self, ev.tid);
		g_autofree char *rel = lsv_win_fmt_rel(self, ev.t_ns);
		g_autofree char *ip = lsv_win_fmt_ip(self, ev.ip);
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
		double rgb[3];
		lsv_timeline_class_rgb((int)ls->cls, rgb);
		char colour[8];
		g_snprintf(colour, sizeof(colour), "#%02x%02x%02x", (int)lround(rgb[0] * 255), (int)lround(rgb[1] * 255),
			   (int)lround(rgb[2] * 255));
		char *m = g_markup_printf_escaped("<span foreground=\"%s\">■</span> %s %s%s\n", colour,
						  lsv_win_cls_name(ls->cls), addr, ls->lock == self->selected_lock ? "  (selected)" : "");
		g_string_append(s, m);
		g_free(m);
		for (int pass = 0; pass < 2; pass++) {
			GArray *a = pass ? ls->waiters : ls->holders;
			for (guint j = 0; j < a->len; j++) {
				const lsv_hold *h = &g_array_index(a, lsv_hold, j);
				g_autofree char *who = lsv_win_task_name(self, h->tid);
				g_autofree char *since = lsv_win_fmt_rel(self, pass ? h->requested_ns : h->acquired_ns);
				m = g_markup_printf_escaped("    %s %s %s since %s\n", pass ? "waits" : "holds",
							    h->mode ? "write" : "read ", who, since);
				g_string_append(s, m);
				g_free(m);
			}
		}
	}
	g_ptr_array_unref(locks);

	if (self->selected_tid != LSV_NONE) {
		g_autofree char *who = lsv_win_task_name(self, self->selected_tid);
		GArray *stack = lsv_trace_task_stack(self->trace, self->selected_tid, self->cursor_event, self->cursor_t);
		char *m = g_markup_printf_escaped("\n<b>Task %s</b>: %u lock%s\n", who, stack->len,
						  stack->len == 1 ? "" : "s");
		g_string_append(s, m);
		g_free(m);
		for (guint j = 0; j < stack->len; j++) {
			const lsv_hold *h = &g_array_index(stack, lsv_hold, j);
			g_autofree char *addr = lsv_format_addr(h->lock);
			gboolean held = h->acquired_ns != LSV_NONE && h->acquired_ns <= self->cursor_t;
			g_autofree char *site = lsv_win_fmt_ip(self, held ? h->acquired_ip : h->request_ip);
			g_autofree char *since = lsv_win_fmt_rel(self, held ? h->acquired_ns : h->requested_ns);
			m = g_markup_printf_escaped("  %u. %s %s %s %s since %s\n      <small>at %s</small>\n", j + 1,
						    held ? "holds" : "waits for", lsv_win_cls_name(h->cls),
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
				g_autofree char *at = lsv_win_fmt_rel(self, steps[k].t);
				g_autofree char *who = steps[k].tid != LSV_NONE ? lsv_win_task_name(self, steps[k].tid) : g_strdup("");
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
	lsv_win_set_label_markup(self->state_label, &self->state_text, s);
	g_string_free(s, TRUE);
	self->state_refreshed_us = g_get_monotonic_time();
	lsv_win_trace_ok(self); /* a read above may have failed */
}

static void update_cursor_label(LsvWindow *self)
{
	g_autofree char *rel = lsv_win_fmt_rel(self, self->cursor_t);
	char *txt = g_strdup_printf("#%" G_GINT64_FORMAT "  %s  (%" G_GINT64_FORMAT " ns)",
				    (gint64)self->cursor_event, rel, (gint64)self->cursor_t);
	gtk_label_set_text(GTK_LABEL(self->cursor_label), txt);
	g_free(self->cursor_text);
	self->cursor_text = txt;
}

/* Moves the cursor after event `id`; `follow` scrolls the timeline to it. */
void lsv_win_move_cursor(LsvWindow *self, int64_t id, gboolean follow, gboolean refresh_state)
{
	if (!lsv_win_trace_ok(self) || id < 0)
		return;
	lsv_event ev;
	if (!lsv_trace_event(self->trace, id, &ev)) {
		lsv_win_trace_ok(self);
		return;
	}
	self->cursor_event = id;
	self->cursor_t = ev.t_ns;
	lsv_event_clear(&ev);
	lsv_timeline_set_cursor(self->timeline, id, self->cursor_t, follow);
	update_cursor_label(self);
	if (refresh_state)
		lsv_win_update_state(self);
}

void lsv_window_set_cursor(LsvWindow *self, int64_t event)
{
	lsv_win_move_cursor(self, event, TRUE, TRUE);
}
