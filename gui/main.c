/* main.c — lockstep-view: the GtkApplication, its command line and application actions.
 *
 *   lockstep-view [TRACE_DIR|DB]
 *   lockstep-view [--view START:END] [--finding N|KIND[/RULE]] [--cpu-lanes] [--compare TRACE_DIR|DB] [TRACE_DIR|DB]
 *   lockstep-view --screenshot FILE.png [--timeline-only] [--size WxH] ... TRACE_DIR|DB
 *
 * --screenshot renders the window (or only the timeline) offscreen once the input is open and
 * exits: for the README and for tests under Xvfb. Everything else is in window.c. */
#include <gtk/gtk.h>
#include <stdlib.h>

#include "evtab.h"
#include "window.h"
#include "window-views.h"

static char *opt_screenshot;
static gboolean opt_timeline_only;
static char *opt_size;
static char *opt_finding;
static char *opt_view;
static gboolean opt_cpu_lanes;
static char *opt_compare;
static int exit_status;

static void act_quit(GSimpleAction *a, GVariant *p, gpointer app)
{
	(void)a;
	(void)p;
	GList *wins = gtk_application_get_windows(app);
	for (GList *l = wins; l; l = l->next)
		gtk_window_close(l->data);
	g_application_quit(app);
}

static const GActionEntry app_actions[] = {
	{ "quit", act_quit, NULL, NULL, NULL, { 0 } },
};

static LsvWindow *new_window(GtkApplication *app)
{
	LsvWindow *win = lsv_window_new(app);
	if (opt_size) {
		int w = 0, h = 0;
		if (sscanf(opt_size, "%dx%d", &w, &h) == 2 && w > 100 && h > 100)
			gtk_window_set_default_size(GTK_WINDOW(win), w, h);
	}
	if (opt_screenshot) {
		exit_status = 1;
		lsv_window_set_screenshot(win, opt_screenshot, opt_timeline_only, &exit_status);
	}
	if (opt_view)
		lsv_window_show_range_after_open(win, opt_view);
	if (opt_finding)
		lsv_window_select_finding_after_open(win, opt_finding);
	if (opt_cpu_lanes)
		lsv_window_set_cpu_lanes(win, TRUE);
	return win;
}

static void on_startup(GApplication *app, gpointer data)
{
	(void)data;
	g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions, G_N_ELEMENTS(app_actions), app);
	const char *quit[] = { "<Control>q", NULL }, *open[] = { "<Control>o", NULL };
	const char *go[] = { "<Control>g", NULL }, *find[] = { "<Control>f", NULL };
	const char *dark[] = { "<Control><Shift>d", NULL }, *close[] = { "<Control>w", NULL };
	const char *fn[] = { "<Control>bracketright", NULL }, *fp[] = { "<Control>bracketleft", NULL };
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit", quit);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "win.open", open);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "win.goto-time", go);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "win.find", find);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "win.dark", dark);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "window.close", close);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "win.finding-next", fn);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "win.finding-prev", fp);
	GtkCssProvider *css = gtk_css_provider_new();
	gtk_css_provider_load_from_resource(css, "/org/lockstep/View/style.css");
	gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(css),
						   GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
	g_object_unref(css);
}

static void on_activate(GApplication *app, gpointer data)
{
	(void)data;
	LsvWindow *win = new_window(GTK_APPLICATION(app));
	gtk_window_present(GTK_WINDOW(win));
	if (opt_screenshot) {
		g_printerr("lockstep-view: --screenshot needs a trace or database\n");
		exit_status = 2;
		gtk_window_destroy(GTK_WINDOW(win));
	}
}

static void on_open(GApplication *app, GFile **files, int n, const char *hint, gpointer data)
{
	(void)hint;
	(void)data;
	for (int i = 0; i < n; i++) {
		g_autofree char *path = g_file_get_path(files[i]);
		LsvWindow *win = new_window(GTK_APPLICATION(app));
		gtk_window_present(GTK_WINDOW(win));
		if (path)
			lsv_window_open(win, path);
		/* the second trace before the first is shown, so a screenshot has both */
		ls_error err;
		ls_error_clear(&err);
		if (opt_compare && !lsv_window_compare_sync(win, opt_compare, &err)) {
			char buf[2048];
			g_printerr("lockstep-view: %s\n", ls_error_format(&err, buf, sizeof(buf)));
			exit_status = 1;
		}
	}
}

int main(int argc, char **argv)
{
	ls_evtab_install(); /* `events` on the fetch threads' own connections too */
	GtkApplication *app = gtk_application_new("org.lockstep.View",
						  G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
	const GOptionEntry entries[] = {
		{ "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &opt_screenshot,
		  "Render the window to FILE.png once the input is open, then exit", "FILE.png" },
		{ "timeline-only", 0, 0, G_OPTION_ARG_NONE, &opt_timeline_only,
		  "With --screenshot: only the timeline", NULL },
		{ "size", 0, 0, G_OPTION_ARG_STRING, &opt_size, "Window size", "WxH" },
		{ "view", 0, 0, G_OPTION_ARG_STRING, &opt_view,
		  "Show this time range (from the trace start) once open", "START:END" },
		{ "finding", 0, 0, G_OPTION_ARG_STRING, &opt_finding,
		  "Select finding N (0-based, in list order), or the first of kind KIND or KIND/RULE, once the input is open",
		  "N|KIND[/RULE]" },
		{ "cpu-lanes", 0, 0, G_OPTION_ARG_NONE, &opt_cpu_lanes, "Show the CPU lanes", NULL },
		{ "compare", 0, 0, G_OPTION_ARG_FILENAME, &opt_compare,
		  "Open this trace or database beside the first, on a shared relative time axis", "TRACE_DIR|DB" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_application_add_main_option_entries(G_APPLICATION(app), entries);
	g_application_set_option_context_parameter_string(G_APPLICATION(app), "[TRACE_DIR|DB]");
	g_application_set_option_context_summary(G_APPLICATION(app),
		"Replay a lockstep trace of the kernel's mm locks and step through its races.");
	g_set_application_name("lockstep-view");
	g_signal_connect(app, "startup", G_CALLBACK(on_startup), NULL);
	g_signal_connect(app, "activate", G_CALLBACK(on_activate), NULL);
	g_signal_connect(app, "open", G_CALLBACK(on_open), NULL);
	int st = g_application_run(G_APPLICATION(app), argc, argv);
	g_object_unref(app);
	return st ? st : exit_status;
}
