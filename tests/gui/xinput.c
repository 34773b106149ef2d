/* xinput.c — XTEST input for the GUI tests (xinput.h). X11 only: the tests run under Xvfb. */
#include "xinput.h"

#include "guicheck.h"

#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <gdk/x11/gdkx.h>

static Display *xdisplay(void)
{
	GdkDisplay *d = gdk_display_get_default();
	return d && GDK_IS_X11_DISPLAY(d) ? gdk_x11_display_get_xdisplay(d) : NULL;
}

bool xin_available(void)
{
	Display *d = xdisplay();
	int ev, err, major, minor;
	return d && XTestQueryExtension(d, &ev, &err, &major, &minor);
}

void xin_spin(int ms)
{
	gc_spin(ms);
}

/* After fake input: XSync makes the server process it and queue its events on GTK's own
 * connection, then the main loop runs at least min_ms and on until nothing is pending (at most
 * 3 s) — a fixed wait alone lost a wheel notch on a loaded machine. */
static void settle(Display *d, int min_ms)
{
	XSync(d, False);
	gc_spin(min_ms);
	gint64 until = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
	while (g_main_context_pending(NULL) && g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, FALSE);
}

/* Root-window coordinates of (x, y) in widget. */
static void to_root(GtkWidget *widget, double x, double y, int *rx, int *ry)
{
	GtkNative *native = gtk_widget_get_native(widget);
	double nx = 0, ny = 0, wx = 0, wy = 0;
	gtk_native_get_surface_transform(native, &nx, &ny);
	gtk_widget_translate_coordinates(widget, GTK_WIDGET(native), x, y, &wx, &wy);
	Display *d = xdisplay();
	Window child;
	XTranslateCoordinates(d, gdk_x11_surface_get_xid(gtk_native_get_surface(native)), DefaultRootWindow(d),
			      (int)(wx + nx), (int)(wy + ny), rx, ry, &child);
}

void xin_move(GtkWidget *widget, double x, double y)
{
	Display *d = xdisplay();
	int rx, ry;
	to_root(widget, x, y, &rx, &ry);
	XTestFakeMotionEvent(d, -1, rx, ry, 0);
	settle(d, 30);
}

static void key(Display *d, KeySym sym, bool down)
{
	XTestFakeKeyEvent(d, XKeysymToKeycode(d, sym), down, 0);
}

void xin_wheel(GtkWidget *widget, double x, double y, int button, bool ctrl, bool shift)
{
	Display *d = xdisplay();
	xin_move(widget, x, y);
	if (ctrl)
		key(d, XK_Control_L, true);
	if (shift)
		key(d, XK_Shift_L, true);
	XTestFakeButtonEvent(d, (unsigned)button, True, 0);
	XTestFakeButtonEvent(d, (unsigned)button, False, 0);
	if (shift)
		key(d, XK_Shift_L, false);
	if (ctrl)
		key(d, XK_Control_L, false);
	settle(d, 80);
}

void xin_drag(GtkWidget *widget, double x0, double y0, double x1, double y1)
{
	Display *d = xdisplay();
	xin_move(widget, x0, y0);
	XTestFakeButtonEvent(d, 1, True, 0);
	settle(d, 30);
	for (int i = 1; i <= 8; i++) {
		int rx, ry;
		to_root(widget, x0 + (x1 - x0) * i / 8, y0 + (y1 - y0) * i / 8, &rx, &ry);
		XTestFakeMotionEvent(d, -1, rx, ry, 0);
		settle(d, 15);
	}
	XTestFakeButtonEvent(d, 1, False, 0);
	settle(d, 60);
}
