/* window-findings.c — the findings list and the evidence panel: selecting a finding frames it
 * (finding-list.h), highlights its tasks and locks and puts the cursor on its evidence. */
#include "window-private.h"

#include <math.h>
#include <string.h>

#include "callstack.h"
#include "check.h"
#include "contract.h"
#include "finding-list.h"
#include "lod.h"
#include "stacktext.h"
#include "symbols.h"

/* ---- findings ---- */

/* The evidence row's recorded call stack (lockstep record --callstack), one frame a line, as
 * `lockstep check` prints it; NULL when there is none. g_free it. */
static char *evidence_stack_text(LsvWindow *self, const lsv_evidence *e)
{
	ls_callstack cs;
	ls_error err;

	if (!self->trace || !self->trace->store ||
	    ls_callstack_find(self->trace->store, e->tid, e->t_ns, e->cls >= 0 ? (uint64_t)e->lock : 0, &cs, &err) !=
		    LS_OK ||
	    ls_stacktext_first_frame(self->symbols, &cs) >= cs.depth)
		return NULL;
	char *lines = ls_stacktext_lines(self->symbols, &cs, "  ", "  ");
	char *text = g_strdup(lines);
	free(lines);
	return text;
}

/* "fault-b/602 read from +2.000 ms, held 1.000 ms (trylock) at fn+0x20" and what the report says
 * of it: how many holds during the wait, how long in all, how often it got in first (bypassed
 * the waiter), how many by trylock. */
static void append_blockers(LsvWindow *self, const lsv_finding *f, GString *s)
{
	unsigned n = 0;
	for (guint i = 0; i < f->evidence->len; i++) {
		const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, i);
		if (!lsv_evidence_is_blocker(f, e))
			continue;
		if (!n++) {
			g_autofree char *waiter = lsv_win_task_name(self, f->waiter);
			char *m = g_markup_printf_escaped("\n<b>Blocked by</b> (who held the lock while %s waited)\n", waiter);
			g_string_append(s, m);
			g_free(m);
		}
		g_autofree char *who = lsv_win_task_name(self, e->tid);
		g_autofree char *at = lsv_win_fmt_rel(self, e->t_ns);
		g_autofree char *held = e->end_ns != LSV_NO_END ? lsv_format_duration(e->end_ns - e->t_ns) : g_strdup("?");
		g_autofree char *site = lsv_win_fmt_ip(self, e->ip);
		/* the role: "holder[, got in first N time(s) after the waiter asked]: K hold(s) …" */
		const char *what = e->role + strlen("holder");
		while (*what == ',' || *what == ':' || *what == ' ')
			what++;
		char *m = g_markup_printf_escaped("  • <b>%s</b> %s from %s, held %s%s\n      at %s\n      <small>%s</small>\n",
						  who, e->mode == 1 ? "write" : e->mode == 0 ? "read" : "", at, held,
						  e->trylock ? " (trylock)" : "", site, what);
		g_string_append(s, m);
		g_free(m);
	}
}

/* The instances a finding folds (finding_instances), each with its own window, tasks and object
 * lifetime: a reused address does not merge two races into one set of tasks. */
static void append_instances(LsvWindow *self, const lsv_finding *f, GString *s)
{
	int64_t n = MAX(f->count, (int64_t)f->instances->len);
	if (n < 2 || !f->instances->len)
		return;
	char *m = g_markup_printf_escaped("\n<b>%" G_GINT64_FORMAT " instances</b>%s\n", (gint64)n,
					  (int64_t)f->instances->len < n ? " (the first ones)" : "");
	g_string_append(s, m);
	g_free(m);
	for (guint i = 0; i < f->instances->len; i++) {
		const lsv_instance *in = &g_array_index(f->instances, lsv_instance, i);
		g_autofree char *a = lsv_win_fmt_rel(self, in->t_begin);
		g_autofree char *b = lsv_win_fmt_rel(self, in->t_end);
		g_autofree char *obj = lsv_format_addr(in->obj);
		g_autofree char *born = in->obj_alloc_ns == LSV_NO_END ? g_strdup("before the trace")
									: lsv_win_fmt_rel(self, in->obj_alloc_ns);
		GString *tids = g_string_new(NULL);
		for (guint k = 0; k < in->tids->len; k++) {
			g_autofree char *who = lsv_win_task_name(self, g_array_index(in->tids, int64_t, k));
			g_string_append_printf(tids, "%s%s", k ? ", " : "", who);
		}
		m = g_markup_printf_escaped("  %u. %s … %s: %s\n      <small>%s allocated %s, %" G_GINT64_FORMAT
					    " event%s%s</small>\n", i + 1, a, b, tids->str, obj, born, (gint64)in->events,
					    in->events == 1 ? "" : "s", i == 0 ? "; the evidence shows this one" : "");
		g_string_append(s, m);
		g_free(m);
		g_string_free(tids, TRUE);
	}
}

static void show_evidence(LsvWindow *self)
{
	GString *s = g_string_new(NULL);
	if (self->finding < 0 || !self->findings || (guint)self->finding >= self->findings->len) {
		gtk_label_set_text(GTK_LABEL(self->evidence_pos), "No finding selected");
		lsv_win_set_label_markup(self->evidence_label, &self->evidence_text, s);
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
	if (f->evidence->len) {
		const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, self->evidence);
		g_autofree char *who = lsv_win_task_name(self, e->tid);
		g_autofree char *at = lsv_win_fmt_rel(self, e->t_ns);
		g_autofree char *lock = e->lock ? lsv_format_addr(e->lock) : g_strdup("");
		g_autofree char *site = e->ip ? lsv_win_fmt_ip(self, e->ip) : NULL;
		m = g_markup_printf_escaped("\n<b>%s</b> %s %s %s%s%s %s%s%s\n", e->role ? e->role : "", who, at,
					    e->event ? e->event : "", e->cls >= 0 ? " " : "",
					    e->cls >= 0 ? lsv_win_cls_name(e->cls) : "", lock, site ? "\n  at " : "",
					    site ? site : "");
		g_string_append(s, m);
		g_free(m);
		g_autofree char *stack = evidence_stack_text(self, e);
		if (stack) {
			m = g_markup_printf_escaped("<small>stack:\n%s</small>", stack);
			g_string_append(s, m);
			g_free(m);
		}
	}
	/* then who blocked it, the instances, and the report's full text */
	append_blockers(self, f, s);
	append_instances(self, f, s);
	if (f->detail) {
		g_autofree char *rel = lsv_win_relative_times(self, f->detail);
		m = g_markup_printf_escaped("\n<small>%s</small>\n", rel);
		g_string_append(s, m);
		g_free(m);
	}
	lsv_win_set_label_markup(self->evidence_label, &self->evidence_text, s);
	g_string_free(s, TRUE);
}

void lsv_win_goto_evidence(LsvWindow *self)
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
		lsv_win_move_cursor(self, id, TRUE, TRUE);
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
	while (f->is_wait && (guint)self->evidence + 1 < f->evidence->len &&
	       g_array_index(f->evidence, lsv_evidence, self->evidence).t_ns < f->band_begin)
		self->evidence++;
	lsv_timeline_set_highlight(self->timeline, f);
	int64_t a = 0, b = 0;
	if (f->has_window) {
		lsv_finding_frame(f, self->trace->t_begin, self->trace->t_end, &a, &b);
		lsv_timeline_set_view(self->timeline, a, b);
	}
	lsv_win_goto_evidence(self);
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

void lsv_win_on_finding_selected(GtkListBox *box, GtkListBoxRow *row, gpointer data)
{
	(void)box;
	LsvWindow *self = data;
	lsv_window_select_finding(self, row ? gtk_list_box_row_get_index(row) : -1);
}

void lsv_win_fill_findings(LsvWindow *self)
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
		g_autofree char *at = f->has_window ? lsv_win_fmt_rel(self, f->band_begin) : g_strdup("—");
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

/* Times of 13 digits or more are absolute (ns since boot or the epoch); the trace's own are
 * never that small. Rewritten as "+1.250 ms" from the trace start. */
char *lsv_win_relative_times(LsvWindow *self, const char *text)
{
	GString *out = g_string_new(NULL);
	for (const char *p = text; *p;) {
		const char *q = p;
		while (g_ascii_isdigit(*q))
			q++;
		if (q - p >= 13 && (p == text || !g_ascii_isalnum(p[-1]))) {
			int64_t t = g_ascii_strtoll(p, NULL, 10);
			g_autofree char *rel = lsv_win_fmt_rel(self, t);
			g_string_append(out, rel);
			p = q;
			if (g_str_has_prefix(p, " ns"))
				p += 3;
		} else if (q > p) {
			g_string_append_len(out, p, q - p);
			p = q;
		} else {
			g_string_append_c(out, *p++);
		}
	}
	return g_string_free(out, FALSE);
}
