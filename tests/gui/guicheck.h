/* guicheck.h — what the GUI tests share besides real input (xinput.h): running the main loop,
 * activating a window action, and a text check that prints what it looked in. */
#ifndef LSV_TEST_GUICHECK_H
#define LSV_TEST_GUICHECK_H

#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>

/* Runs the main loop for ms milliseconds. */
static inline void gc_spin(int ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;
	while (g_get_monotonic_time() < end) {
		for (int i = 0; i < 50 && g_main_context_iteration(NULL, FALSE); i++)
			;
		g_usleep(2000);
	}
}

/* Activates the window action `name` ("open-another", "reload" …) as its menu item would. */
static inline void gc_act(gpointer window, const char *name)
{
	g_action_group_activate_action(G_ACTION_GROUP(window), name, NULL);
}

/* Whether text contains needle; when not, prints both as TAP diagnostics. */
static inline gboolean gc_has(const char *text, const char *needle)
{
	gboolean ok = text && strstr(text, needle) != NULL;
	if (!ok)
		printf("#   \"%s\" not in:\n#   %s\n", needle, text ? text : "(null)");
	return ok;
}

#endif
